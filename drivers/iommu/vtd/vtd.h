/* SPDX-License-Identifier: MIT */
/*
 * The VT-d driver's unit state and its interface to the rest of the hypervisor (platform
 * bring-up, self-tests; the test-only part is at the end). The IOASID core talks to a unit only through unit->iommu.ops
 * (ioasid/backend.h).
 */
#ifndef VTD_H
#define VTD_H

#include <hv/spinlock.h>
#include <hv/types.h>

#include "drivers/iommu/vtd/vtd_desc.h"
#include "ioasid/backend.h"

#define VTD_MAX_UNITS  4
#define VTD_MAX_ROUTES 64 /* (SID, PASID) routes per unit */
/*
 * Interrupt remapping table: 2^(VTD_IRTA_S_VAL + 1) = 256 entries of 16 bytes, one page per
 * unit. Entry 0 is never handed out, so a message naming handle 0 always faults.
 */
#define VTD_IRTA_S_VAL	7U
#define VTD_IRT_ENTRIES (1U << (VTD_IRTA_S_VAL + 1))

/*
 * What is installed for one (source-id, PASID); PASID is VTD_RID_PASID for requests without
 * one. Used to classify faults and to know which PASIDs a first-level domain is installed on.
 */
struct vtd_route {
	bool used;
	uint16_t sid;
	uint32_t pasid;
	uint16_t did; /* 0: blocked */
	const struct pt_table *table;
	/*
	 * The device caches translations (PCIe ATS enabled): flushes of did also send device-TLB
	 * invalidations (spec 6.5.2.5/6.5.2.7). The driver never enables ATS yet (no QEMU 10 device
	 * has it), so only the host tests set this (docs/VTD.md).
	 */
	bool ats;
	uint8_t ats_qdep;
	/*
	 * Nested (PGTT=011b): did tags the combined translations; s2_did is the second-level
	 * table's own domain, whose flushes must also reach them (vtd_tables.c).
	 */
	bool nested;
	uint16_t s2_did;
};

struct vtd_unit {
	struct hv_iommu iommu; /* what the IOASID core holds; iommu.priv = this */
	char name[16];
	uintptr_t regs;
	uint16_t segment;
	unsigned drhd; /* index in the ACPI DMAR's DRHD list */
	uint64_t cap, ecap;
	bool scalable;	  /* scalable mode in use (RTADDR.TTM=01, 256-bit queue) */
	bool first_level; /* scalable: tables are first-level (ECAP.FLTS, not SLTS) */
	bool coherent;	  /* ECAP.C */
	unsigned levels;  /* second-level/first-level table levels we build (3 or 4) */
	unsigned nr_domains;
	/* tables (spec 9.1-9.6) */
	struct vtd_root_entry *root;
	void *ctx[256]; /* legacy: one page per bus; scalable: two (order-1) per bus */
	/* queued invalidation (spec 6.5.2) */
	/*
	 * qi_lock guards the inserts (iq_tail, iq_prod, wait_seq); waits run without it (vtd.c,
	 * "queued invalidation"). A driver lock: taken under the core's locks, never the reverse.
	 */
	hv_spinlock_t qi_lock;
	/*
	 * The fault-recording registers are drained by one CPU at a time: the fault event's
	 * handler on CPU 0 and FAULT_READ's collection on any CPU (ioasid/core.c lock order).
	 */
	hv_spinlock_t fault_lock;
	struct vtd_inv_desc *iq; /* one page */
	unsigned iq_dw;		 /* descriptor size: 16 or 32 bytes */
	unsigned iq_nr;		 /* descriptors in the queue */
	unsigned iq_tail;	 /* next free index */
	uint64_t iq_prod;	 /* descriptors ever queued (since QI was enabled) */
	uint64_t iq_done;	 /* atomic: of those, a lower bound of what the hardware fetched */
	/* The status page: one 32-bit word per CPU (index arch_cpu_id()), for that CPU's waits. */
	volatile uint32_t *wait_status;
	uint32_t wait_seq; /* status value of the last wait issued; unique per wait */
	bool qi_dead;	   /* atomic: a wait timed out or the queue errored: refuse more work */
	/* faults (spec 7.1.3) */
	unsigned fro, nfr;
	uint64_t nr_faults, nr_overflows;
	int fault_vector; /* fault events raise this host vector (arch_irq_request_msi); 0: not yet requested, < 0: none; either way polled */
	uint64_t fault_addr;
	uint32_t fault_data;
	struct vtd_route routes[VTD_MAX_ROUTES];
	/* interrupt remapping (spec 5.1, vtd_ir.c) */
	struct vtd_irte *irt;		       /* VTD_IRT_ENTRIES entries, one page */
	bool ir;			       /* IRE on with our table, CFIS clear */
	bool eime;			       /* x2APIC-format destinations (IRTA.EIME) */
	uint8_t irt_used[VTD_IRT_ENTRIES / 8]; /* entries handed out by vtd_ir_alloc */
	hv_spinlock_t ir_lock;		       /* irt_used only (a leaf, ioasid/core.c lock order) */
	uint64_t nr_ir_faults;		       /* interrupt requests blocked (fault records) */
	/* last decoded fault, for self-tests */
	struct vtd_fault last_fault;
	bool last_fault_mapped;
};

struct acpi_info;
/*
 * Take over every DRHD unit of acpi's DMAR table and leave it translating with all DMA
 * blocked. Device scopes must be resolved (pci_resolve_dmar_scopes) for vtd_unit_for() to find
 * devices named by explicit scopes. Idempotent. Returns the number of units up, or a negative
 * error if none came up (-ENODEV without a DMAR table).
 */
int vtd_init(const struct acpi_info *acpi);
unsigned vtd_nr_units(void);
struct vtd_unit *vtd_unit_get(unsigned i);
/*
 * RMRRs (vtd_rmrr.c, spec 8.4): check each RMRR of d, identity-map the accepted ones in a
 * per-unit hypervisor table and attach the devices they name to it. Called by vtd_init once
 * the units are up. Returns the number of devices attached.
 */
struct acpi_dmar;
int vtd_rmrr_setup(const struct acpi_dmar *d);
/* Check each RMRR and claim its memory; vtd_init calls it before any unit allocates. */
void vtd_rmrr_claim(const struct acpi_dmar *d);
#ifdef HV_HOST
/* Host-test hook: forget the RMRR devices and tables (leaked: a unit may still walk them). */
void vtd_rmrr_forget(void);
#endif
/* True if an RMRR of this device was honoured: it must not be assigned to a guest. */
bool vtd_rmrr_device(uint16_t segment, uint16_t bdf);
/* The unit translating seg:bdf, or NULL. */
struct vtd_unit *vtd_unit_for(uint16_t segment, uint16_t bdf);

/*
 * Drain the fault recording registers of every unit: decode, deliver to the IOASID core
 * (ioasid_report_fault), clear. Returns the number of records handled (overflows counted in
 * unit->nr_overflows). Called by tests and, later, by the fault-event interrupt.
 */
unsigned vtd_poll_faults(void);
/*
 * The same for units whose fault events do not raise an interrupt (FAULT_READ's path: units
 * with one were drained by their interrupt, taken when the guest's run ended).
 */

struct vtd_route *vtd_route_find(struct vtd_unit *u, uint16_t sid, uint32_t pasid);

/*
 * Interrupt remapping (vtd_ir.c, spec 5.1 and 9.10). vtd_ir_enable runs in the take-over once
 * queued invalidation is on: our table with every entry not present, the interrupt entry cache
 * flushed, IRE on, compatibility format off (GCMD.CFI is never set, so compatibility-format
 * messages are blocked: 5.1.4), EIME where ECAP.EIM offers it. A unit without ECAP.IR is left
 * with u->ir false: its devices are not given to guests (hv/guest_iommu_vtd.c).
 */
int vtd_ir_enable(struct vtd_unit *u);
bool vtd_ir_enabled(const struct vtd_unit *u);
/*
 * Hand out a remapped entry for vector to APIC ID dest, raisable only by requester ID sid
 * (SVT=01b), and flush it from the interrupt entry cache. -ENOSPC when the table is full,
 * -EOPNOTSUPP without remapping. *index is what the device's MSI must name
 * (vtd_msi_remappable).
 */
int vtd_ir_alloc(struct vtd_unit *u, uint16_t sid, uint8_t vector, uint32_t dest, uint16_t *index);
/* The same with any source check (struct vtd_ir_source: SVT=01b exact ID or SVT=10b bus range). */
int vtd_ir_alloc_src(struct vtd_unit *u, struct vtd_ir_source src, uint8_t vector, uint32_t dest, uint16_t *index);
/*
 * Move a present entry to another vector/destination in place (one 64-bit store of the low
 * half, which holds P, vector and destination; the source check in the high half is
 * unchanged), then flush it. -ENOENT for an index not handed out.
 */
int vtd_ir_modify(struct vtd_unit *u, uint16_t index, uint8_t vector, uint32_t dest);
/* Make the entry not present again (then flushed); unknown indices are ignored. */
int vtd_ir_free(struct vtd_unit *u, uint16_t index);
/*
 * The source check for a PCI function's MSIs (docs/VTD.md "Guest MSIs"), from its DMA
 * requester-ID aliases (pci_dma_aliases_via): its own ID when it has none; behind a
 * PCIe-to-PCI bridge (which may forward with the device's ID or its own (secondary bus, 0))
 * the bus range from the bridge's secondary bus to the device's; behind another aliasing
 * bridge that bridge's ID. Every ID it admits belongs to the device's isolation group.
 * -E2BIG/-EINVAL from the alias walk.
 */
struct pci_dev;
int vtd_ir_device_source(const struct pci_dev *p, struct vtd_ir_source *src);
/* The rule itself, for the host tests: dev_rid, the last alias and whether its bridge is type 7. */
struct vtd_ir_source vtd_ir_source_rule(uint16_t dev_rid, unsigned nr_aliases, uint16_t top, bool top_is_pcie_pci);
/* The unit behind an IOASID-core unit handle, or NULL if it is not a VT-d unit. */
struct vtd_unit *vtd_unit_of(struct hv_iommu *iommu);

/* internal, shared between vtd.c, vtd_ir.c and vtd_tables.c */
int vtd_gcmd(struct vtd_unit *u, uint32_t bit, bool set);
int vtd_qi_submit(struct vtd_unit *u, const struct vtd_inv_desc *d, unsigned n);
extern const struct ioasid_backend_ops vtd_backend_ops;
int vtd_tables_init(struct vtd_unit *u);
/* internal: vtd.c's bring-up and vtd_tables.c's entry writers, for the test hooks below */
int vtd_unit_up(struct vtd_unit *u);
struct vtd_route *vtd_route_slot(struct vtd_unit *u, uint16_t sid, uint32_t pasid);
int vtd_write_ce(struct vtd_unit *u, uint16_t sid, struct vtd_context_entry ne, uint16_t did);
struct vtd_pasid_entry *vtd_pasid_entry(struct vtd_unit *u, uint16_t sid, uint32_t pasid, bool alloc);
int vtd_write_pe(struct vtd_unit *u, uint16_t sid, uint32_t pasid, struct vtd_pasid_entry ne, uint16_t did);

/*
 * ---- Test image only (vtd_debug.c, vtd_debug_takeover.c; README "Images") ----------------------
 * Declared for the self-tests and the host tests; the release image does not define them, so a
 * release file that calls one fails to link.
 */
/*
 * Pass-through (legacy TT=10b, spec 9.3; scalable PGTT=100b, 9.6): DMA addresses are host
 * physical. Only for the hypervisor's own use (vtd_install_passthrough); aw is the widest
 * AGAW the unit supports, as 9.3 asks for TT=10b.
 */
struct vtd_context_entry vtd_ce_passthrough(uint16_t did, unsigned aw);
struct vtd_pasid_entry vtd_pe_passthrough(uint16_t did, unsigned aw);
/*
 * Pass-through (untranslated DMA) for sid, for the hypervisor's own use only (self-tests):
 * never reachable from the IOASID core. -EOPNOTSUPP without ECAP.PT. did: a domain ID from
 * ioasid_new_domain().
 */
int vtd_install_passthrough(struct vtd_unit *u, uint16_t sid, uint16_t did);
/* Read the context/PASID entry state the hardware would walk for sid. */
bool vtd_debug_sid_present(struct vtd_unit *u, uint16_t sid);
/*
 * Translate iova for (sid, pasid) by walking the live structures exactly as the hardware would
 * (root -> context -> [PASID directory -> PASID entry] -> page table), reading what is in memory
 * rather than the driver's bookkeeping. pasid is ignored in legacy mode. 0 and the host
 * address/permissions, or -ENOENT where an entry is not present.
 */
int vtd_debug_walk(struct vtd_unit *u, uint16_t sid, uint32_t pasid, uint64_t iova, hpa_t *out, unsigned *prot);
/* Redo the take-over on a live unit (TE and QI on), as from firmware. */
int vtd_debug_retakeover(struct vtd_unit *u);

#endif /* VTD_H */
