/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 driver's unit state and its interface to the rest of the hypervisor (platform
 * bring-up, self-tests). The IOASID core talks to a unit only through unit->iommu.ops
 * (ioasid/backend.h). docs/SMMUV3.md describes the design.
 */
#ifndef SMMUV3_H
#define SMMUV3_H

#include <hv/acpi.h>
#include <hv/spinlock.h>
#include <hv/types.h>

#include "drivers/iommu/smmuv3/smmuv3_enc.h"
#include "ioasid/backend.h"

#define SMMUV3_MAX_UNITS      2
#define SMMUV3_MAX_ROUTES     32  /* StreamIDs with a non-default STE we remember */
#define SMMUV3_MAX_TAGS	      128 /* IOTLB tags (ASID/VMID) ever installed, for flushes */
#define SMMUV3_CD_PER_PAGE    64  /* 64-byte CDs in one 4 KiB pool page */
#define SMMUV3_MAX_NEST_POOLS 8	  /* CD pages mapped into guest stage-2 tables (nested) */
#define SMMUV3_SPLIT	      8	  /* 2-level stream table: 256 STEs (16 KiB) per L2 table */
#define SMMUV3_S1_VMID	      0	  /* VMID of stage-1-only STEs (never a core domain) */
/*
 * Tags reserved for the blocked STE's empty table (never a core domain: core domains at or
 * above them get -ENOSPC). Nothing is ever cached under them, as the table maps nothing.
 */
#define SMMUV3_BLOCKED_VMID(u) ((1U << (u)->vmid_bits) - 1U)
#define SMMUV3_BLOCKED_ASID(u) ((1U << (u)->asid_bits) - 1U)
#define SMMUV3_MAX_SSID_BITS   15 /* PASIDs we offer: an L1 CD table of 512 entries is one page */
#define SMMUV3_CD_L2_BITS      6  /* a CD table page holds 64 CDs: linear up to 6 bits, then 2-level */
#define SMMUV3_ROUTE_CDS       16 /* valid CDs per stream: the RID's + the core's PASID attachments */

/* Which translation stage single-stage tables use ("smmuv3.stage=1|2" on the command line). */
enum smmuv3_stage_pref {
	SMMUV3_STAGE_AUTO = 0, /* stage 2 if present (plus hardware nesting), else stage 1 */
	SMMUV3_STAGE_1,	       /* stage-1 only STEs; NESTED is shadowed */
	SMMUV3_STAGE_2,	       /* stage-2 only STEs; NESTED is shadowed */
};

struct smmuv3_opts {
	enum smmuv3_stage_pref stage;
	bool force_linear; /* linear stream table even if 2-level is supported */
};

/* A page of CDs. Nested pools are also mapped read-only into one guest stage-2 table. */
struct smmuv3_cd_pool {
	struct smmu_cd *cds;
	uint64_t used;		   /* bitmap of slots */
	const struct pt_table *s2; /* nested: the stage-2 table the page is mapped into */
	uint64_t ipa;		   /* nested: the IPA of the page in that table */
};

enum smmuv3_tag_kind { SMMUV3_TAG_VMID = 1, SMMUV3_TAG_ASID };

/* An IOTLB tag the unit may hold entries for: the core's domain -> (VMID) or (VMID, ASID). */
struct smmuv3_tag {
	bool used;
	enum smmuv3_tag_kind kind;
	uint32_t domain;
	uint16_t vmid;
	bool nest_parent; /* a VMID under nested STEs: S2 changes also drop S1+S2 entries */
};

/* What is installed for one StreamID. */
struct smmuv3_route {
	bool used;
	uint32_t sid;
	unsigned config;	     /* STE_CONFIG_* */
	uint32_t domain;	     /* the core's domain of the outermost tag (ASID for S1/nested) */
	struct smmuv3_cd_pool *pool; /* S1/nested: the CD's pool and slot */
	unsigned cd_slot;
	/*
	 * SubstreamIDs in use (smmuv3_cd.c): the stream's STE points at a CD table: linear when
	 * pasid_bits <= SMMUV3_CD_L2_BITS (cdtab holds the CDs), else 2-level (cdtab holds the L1
	 * descriptors, cd_l2[] the L2 tables of 64 CDs, each made when a PASID in it is first
	 * attached). CD 0 carries the RID's configuration (S1DSS=SSID0) or the RID is terminated,
	 * CD p PASID p. cd_used[] lists the valid CDs with their ASIDs (dom 0: a free entry). pool
	 * is NULL meanwhile.
	 */
	void *cdtab;
	struct smmu_cd **cd_l2;
	struct {
		uint32_t ssid, dom;
	} cd_used[SMMUV3_ROUTE_CDS];
};

#define SMMU_CMD_ERROR_LOG 8 /* command errors remembered for their submitters */

struct smmuv3_unit {
	struct hv_iommu iommu; /* what the IOASID core holds; iommu.priv = this */
	char name[16];
	uintptr_t regs;
	hpa_t base;
	unsigned iort_index; /* index in acpi_info.iort.smmus[] */
	bool fw_cohacc;	     /* the IORT's COHACC override flag */
	struct smmuv3_opts opts;
	uint32_t idr[6];
	uint32_t aidr;
	/* decoded features (IDR0..IDR5) */
	bool s1p, s2p, coherent, ril, st_2lvl, hyp;
	unsigned sid_bits, ssid_bits, asid_bits, vmid_bits, oas_enc, oas_bits;
	unsigned pasid_bits; /* SubstreamID bits we offer (0: none; stage-1 STEs only) */
	/* chosen configuration */
	enum pt_format paging_fmt;
	bool hw_nesting;
	unsigned ia_bits;
	/* stream table (spec 3.3): linear or 2-level */
	bool linear;
	unsigned st_log2;	 /* StreamIDs covered: 2^st_log2 */
	struct smmu_ste *strtab; /* linear */
	uint64_t *l1;		 /* 2-level: descriptors */
	struct smmu_ste **l2;	 /* 2-level: L2 tables by L1 index (NULL: SPAN=0, aborts) */
	unsigned l1_nr;
	/* command queue (spec 3.5) */
	/*
	 * cmdq_lock guards the inserts (the queue, cmdq_prod) and the error records; submitters
	 * wait for their CMD_SYNC without it (smmuv3.c, "command queue"). A driver lock: taken
	 * under the core's locks, never the reverse.
	 */
	hv_spinlock_t cmdq_lock;
	struct smmu_cmd *cmdq;
	unsigned cmdq_lg;
	uint64_t cmdq_prod; /* entries ever produced (the hardware index is its low bits); atomic */
	bool cmdq_dead;	    /* atomic: a sync timed out: refuse more work */
	/* positions of the last command errors, [nr_cmd_errors % LOG], for their submitters */
	uint64_t cmd_error_pos[SMMU_CMD_ERROR_LOG];
	/* event queue (spec 3.5, 7) */
	hv_spinlock_t evtq_lock;
	struct smmu_evt *evtq;
	unsigned evtq_lg;
	uint32_t evtq_cons; /* index with wrap bit, plus OVACKFLG in bit 31 */
	/*
	 * The STE of a stream the core detached (IOASID_HW_BLOCKED): it translates through an
	 * empty table with fault recording on, so its DMA is reported, not dropped silently
	 * (smmuv3_ste.c, "Blocked"). blocked_table is that zeroed, never-written table.
	 */
	struct smmu_ste blocked_ste;
	void *blocked_table;
	/* bookkeeping */
	struct smmuv3_cd_pool host_cds;
	struct smmuv3_cd_pool nest_cds[SMMUV3_MAX_NEST_POOLS];
	struct smmuv3_route routes[SMMUV3_MAX_ROUTES];
	struct smmuv3_tag tags[SMMUV3_MAX_TAGS];
	/* statistics, and the last event for self-tests */
	uint64_t nr_events, nr_delivered, nr_merged, nr_overflows, nr_gerrors, nr_cmd_errors;
	struct smmu_event last_event;
	uint64_t nr_last_merged;
	/*
	 * Wired interrupts (smmuv3_irq.c): the IORT's event-queue and global-error SPIs, taken by
	 * the boot CPU. irq_on (atomic) once IRQ_CTRL acknowledged both enables; until then (or if
	 * it never does) the event queue is drained by polling.
	 */
	bool irq_on;
	unsigned spi_event, spi_gerror;
	uint64_t nr_evtq_irqs, nr_gerror_irqs; /* interrupts taken (atomic) */
};

/*
 * Take over every SMMUv3 the IORT describes (acpi->iort.smmus[]) and leave each enabled with
 * every stream aborting. Idempotent. Returns the number of units up, or a negative error if
 * none came up (-ENODEV: the IORT lists none; QEMU virt builds an IORT only with its=on).
 */
int smmuv3_init(const struct acpi_info *acpi, const struct smmuv3_opts *opts);
/*
 * IORT RMRs (smmuv3_rmr.c, DEN0049E 3.1.1.7). smmuv3_rmr_claim checks each node and takes its
 * memory out of the allocator before the units allocate anything; smmuv3_rmr_setup, once the
 * units are up, identity-maps the accepted nodes' ranges in a per-unit hypervisor table and
 * installs their streams on it (returns how many).
 */
void smmuv3_rmr_claim(const struct acpi_info *acpi);
int smmuv3_rmr_setup(const struct acpi_info *acpi);
/* True if an RMR of this stream was honoured: its device must not be assigned to a guest. */
bool smmuv3_rmr_stream(const struct smmuv3_unit *u, uint32_t sid);
unsigned smmuv3_nr_units(void);
struct smmuv3_unit *smmuv3_unit_get(unsigned i);
/*
 * The unit translating PCI function segment:bdf and its StreamID, from the IORT root-complex
 * ID mappings (acpi_iort_map_rid); NULL if the function bypasses every SMMU we own.
 */
struct smmuv3_unit *smmuv3_unit_for(const struct acpi_info *acpi, uint16_t segment, uint16_t bdf, uint32_t *sid);
/* Parse "smmuv3.stage=1|2" and "smmuv3.linear" from a command line. */
void smmuv3_opts_from_cmdline(const char *cmdline, struct smmuv3_opts *o);

/*
 * Drain every unit's event queue: decode, deliver to the IOASID core (ioasid_report_fault),
 * advance EVENTQ_CONS; check GERROR. Returns the number of events consumed (merged repeats of
 * the same fault included). Called by tests and, later, by the event interrupt.
 */
unsigned smmuv3_poll_events(void);
/* Drain one unit's event queue (evtq_lock); via ("" when polled) is added to the log line. */
unsigned smmuv3_evtq_drain(struct smmuv3_unit *u, const char *via);
/*
 * smmuv3_irq.c: wire the unit's event-queue and GERROR interrupts from its IORT node (GSIVs,
 * SPIs on the GICv3 distributor, IRQ_CTRL with the IRQ_CTRLACK handshake). 0, or a negative
 * error and the unit stays polled.
 */
int smmuv3_irq_setup(struct smmuv3_unit *u, const struct acpi_iort_smmu *node);
/*
 * FAULT_READ's collection: drain the units whose interrupts are not up, and on the others the
 * events already queued whose interrupt CPU 0 has not taken yet; events consumed.
 */
unsigned smmuv3_collect_for_read(void);
/* Report and acknowledge active global errors (toggle semantics, spec 7.5); count them. */
uint32_t smmuv3_check_gerror(struct smmuv3_unit *u);

/*
 * True if the core left StreamID sid blocked (detached) and the stream has no CD table: its
 * faults are reported to the core as IOASID_FAULT_REASON_BLOCKED.
 */
bool smmuv3_sid_blocked(const struct smmuv3_unit *u, uint32_t sid);

/* internal, shared between smmuv3.c and smmuv3_ste.c */
int smmuv3_cmds(struct smmuv3_unit *u, const struct smmu_cmd *c, unsigned n);
int smmuv3_strtab_init(struct smmuv3_unit *u, bool force_linear);
struct smmu_ste *smmuv3_ste_ptr(struct smmuv3_unit *u, uint32_t sid, bool alloc, bool *fresh_l2);
void smmuv3_sync_to_device(const struct smmuv3_unit *u, const void *p, size_t len);
extern const struct ioasid_backend_ops smmuv3_backend_ops;
int smmuv3_ste_write(struct smmuv3_unit *u, uint32_t sid, struct smmu_ste *ste, const struct smmu_ste *new,
		     bool fresh_l2, bool has_cd);
int smmuv3_tag_note(struct smmuv3_unit *u, enum smmuv3_tag_kind kind, uint32_t domain, uint16_t vmid, bool nest_parent);
/* smmuv3_cd.c: installs on a stream that uses (or starts to use) SubstreamIDs. */
int smmuv3_install_cdtab(struct smmuv3_unit *u, struct smmuv3_route *r, uint32_t sid, bool has_pasid, uint32_t pasid,
			 const struct ioasid_hw_config *cfg);
/* internal: smmuv3.c's bring-up and smmuv3_cd.c's CD lookup, for the test hooks below */
int smmuv3_probe(struct smmuv3_unit *u, hpa_t base, bool fw_cohacc, const struct smmuv3_opts *o);
struct smmu_cd *smmuv3_cd_ptr(struct smmuv3_unit *u, struct smmuv3_route *r, uint32_t ssid, bool alloc);

/*
 * ---- Test image only (smmuv3_debug.c, smmuv3_debug_takeover.c; README "Images") ---------------
 * Declared for the self-tests and the host tests; the release image does not define them, so a
 * release file that calls one fails to link.
 */
/*
 * Take the unit over again while it is live (SMMUEN=1, queues on, streams translating), as if
 * firmware had left it so. The previous tables and queues are abandoned (leaked), every route
 * forgotten: afterwards every stream aborts.
 */
int smmuv3_debug_retakeover(struct smmuv3_unit *u);
/* A copy of the STE the hardware would use for sid; false if there is none. */
bool smmuv3_debug_ste(struct smmuv3_unit *u, uint32_t sid, struct smmu_ste *out);
/* The CD the hardware would use for (sid, ssid); false if none is valid. */
bool smmuv3_debug_cd(struct smmuv3_unit *u, uint32_t sid, uint32_t ssid, struct smmu_cd *out);

#endif /* SMMUV3_H */
