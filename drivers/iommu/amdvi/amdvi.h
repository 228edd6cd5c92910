/* SPDX-License-Identifier: MIT */
/*
 * The AMD-Vi driver's unit state and its interface to the rest of the hypervisor (platform
 * bring-up, the x86 guest glue, self-tests). The IOASID core reaches a unit only through
 * unit->iommu.ops (ioasid/backend.h). docs/AMDVI.md describes the driver and its tests.
 */
#ifndef AMDVI_H
#define AMDVI_H

#include <hv/acpi.h>
#include <hv/spinlock.h>
#include <hv/types.h>

#include "drivers/iommu/amdvi/amdvi_desc.h"
#include "ioasid/backend.h"

#define AMDVI_MAX_UNITS 4
/* Command buffer and event log: one 4 KiB page each, 256 entries of 16 bytes (Len = 8, 3.4). */
#define AMDVI_RING_LEN_LOG2  8
#define AMDVI_RING_ENTRIES   (1U << AMDVI_RING_LEN_LOG2)
#define AMDVI_CMD_TIMEOUT_US 100000
/* Page-table depth of every table we install (Mode 4: 48-bit input, pt_fmt_ia_bits()). */
#define AMDVI_LEVELS 4

struct amdvi_unit {
	struct hv_iommu iommu; /* what the IOASID core holds; iommu.priv = this */
	char name[16];
	uintptr_t regs;
	unsigned ivhd; /* index in the IVRS's IVHD list */
	uint16_t segment;
	uint16_t devid; /* the IOMMU's own function */
	uint8_t ivhd_flags;
	uint64_t efr;
	bool coherent;
	/* device table (48882 2.2.2): entries 0..nr_dte-1, blocked until the core installs */
	struct amdvi_dte *devtab;
	unsigned devtab_order;
	uint32_t nr_dte;
	void *empty_root; /* the all-zero table blocked DTEs point to */
	/*
	 * Command buffer (2.4, amdvi_cmd.c). cmd_lock guards the inserts (cmd_tail, cmd_prod,
	 * wait_seq); waits run without it. A driver lock: taken under the core's locks, never the
	 * reverse (docs/ARCHITECTURE.md "Locks").
	 */
	hv_spinlock_t cmd_lock;
	struct amdvi_cmd *cmdbuf;
	unsigned cmd_tail;
	uint64_t wait_seq;
	volatile uint64_t *wait_status; /* one page: a 64-bit store slot per CPU */
	bool run_bit;			/* STATUS.CmdBufRun was seen set: its clearing means a halt */
	bool dead;			/* the command buffer failed: every later submission is -EIO */
	/* event log (2.5), drained by one CPU at a time */
	hv_spinlock_t evt_lock;
	uint64_t *evtlog;
	unsigned evt_head;
	uint64_t nr_events;
	bool tail_moves; /* EVTLOG_TAIL was seen non-zero (QEMU 10 never updates it) */
	/* For the self-tests: the first and last event of the latest drain that found any. */
	struct amdvi_event first_event, last_event;
};

/*
 * Take every IVRS unit over (idempotent): device table with every entry blocked, command buffer
 * and event log running, translation on. The number of units up, or -ENODEV.
 */
int amdvi_init(const struct acpi_info *acpi);
unsigned amdvi_nr_units(void);
struct amdvi_unit *amdvi_unit_get(unsigned i);
/*
 * The unit translating seg:bdf per the IVRS and the requester ID its DMA carries there (an IVHD
 * alias, else bdf). NULL if no unit lists it.
 */
struct amdvi_unit *amdvi_unit_for(uint16_t segment, uint16_t bdf, uint16_t *rid);
/* True if an IVMD names seg:bdf: its memory is the device's own (never assigned to a guest). */
bool amdvi_ivmd_device(uint16_t segment, uint16_t bdf);
/* Drain every unit's event log into ioasid_report_fault(); the number of events seen. */
unsigned amdvi_poll_events(void);

/* amdvi_cmd.c: queue n commands plus a COMPLETION_WAIT and wait for its store (bounded). */
int amdvi_cmd_submit(struct amdvi_unit *u, const struct amdvi_cmd *c, unsigned n);
int amdvi_cmd_init(struct amdvi_unit *u);

/* amdvi_dte.c: the backend ops and the device-table writes. */
extern const struct ioasid_backend_ops amdvi_backend_ops;
/* Write DTE devid (qw0 last, a DMA-blocking store first if the domain changes) and invalidate it. */
int amdvi_dte_set(struct amdvi_unit *u, uint16_t devid, const struct amdvi_dte *e);
/* The DomainID the unit sees for the core's domain ID (bit 8 always clear, amdvi_dte.c). */
uint16_t amdvi_hw_domain(uint32_t domain);
/* True if devid's DTE blocks all DMA (IR = IW = 0). */
bool amdvi_dte_is_blocked(const struct amdvi_unit *u, uint16_t devid);

#endif /* AMDVI_H */
