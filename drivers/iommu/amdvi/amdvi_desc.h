/* SPDX-License-Identifier: MIT */
/*
 * Pure encoders and decoders of the AMD-Vi formats (amdvi_desc.c): device table entries,
 * commands, event-log entries. No hardware access, so the host unit tests build them too
 * (tests/unit/test_amdvi.c).
 */
#ifndef AMDVI_DESC_H
#define AMDVI_DESC_H

#include <hv/types.h>

struct amdvi_dte {
	uint64_t qw[4];
};
_Static_assert(sizeof(struct amdvi_dte) == 32, "48882 2.2.2: a DTE is 256 bits");

struct amdvi_cmd {
	uint64_t qw[2];
};
_Static_assert(sizeof(struct amdvi_cmd) == 16, "48882 2.4: a command is 128 bits");

/*
 * A DTE that blocks all DMA (docs/AMDVI.md "Blocking"): V=1, TV=1, Mode = levels with the root
 * of an empty table, and IR=IW=0 (48882 2.2.2: the DTE's IR/IW are ANDed into every request,
 * so the walk faults at the DTE already; the empty root makes it fault a second way). Mode 0
 * would be untranslated pass-through, and V=0 forwards requests untranslated: both avoided.
 * Interrupts (IV=0) are not remapped by this driver (docs/AMDVI.md), so devices behind an
 * AMD-Vi unit are never given to guests.
 */
struct amdvi_dte amdvi_dte_blocked(hpa_t empty_root, unsigned levels, uint16_t domain);
/* A DTE translating through root (levels 3 or 4) for domain, with read and write allowed. */
struct amdvi_dte amdvi_dte_table(hpa_t root, unsigned levels, uint16_t domain);

struct amdvi_cmd amdvi_cmd_completion_wait(uint64_t store_addr, uint64_t data);
struct amdvi_cmd amdvi_cmd_inv_devtab_entry(uint16_t devid);
/*
 * INVALIDATE_IOMMU_PAGES for [start, end) of domain (end exclusive, > start). One page: S=0.
 * Larger: S=1 with the smallest naturally aligned power-of-two block holding the range (2.4.3:
 * the size is the position of the lowest zero address bit at or above bit 12). A block wider
 * than 2^51 becomes the whole-domain form. pde: also drop cached directory entries.
 */
struct amdvi_cmd amdvi_cmd_inv_pages(uint16_t domain, uint64_t start, uint64_t end, bool pde);
/* Every translation of the domain (S=1, address 0x7FFF_FFFF_FFFF_F000, PDE=1). */
struct amdvi_cmd amdvi_cmd_inv_domain(uint16_t domain);
struct amdvi_cmd amdvi_cmd_inv_intr_table(uint16_t devid);
struct amdvi_cmd amdvi_cmd_inv_all(void);

/*
 * The range an INVALIDATE_IOMMU_PAGES command covers, [*start, *end), decoded the way the
 * hardware reads it (host tests check the encoder against this). -EINVAL for another command.
 */
int amdvi_cmd_inv_range(const struct amdvi_cmd *c, uint16_t *domain, uint64_t *start, uint64_t *end);

/* One decoded event-log entry (48882 2.5). */
struct amdvi_event {
	unsigned code;	/* AMDVI_EVT_* */
	uint16_t devid; /* requester */
	uint16_t domain;
	uint32_t pasid;
	uint16_t flags; /* AMDVI_EVTF_* */
	uint64_t addr;
	bool is_dma_fault; /* a translation fault of a device request (report to the core) */
	bool write;
	unsigned reason; /* IOASID_FAULT_* reason for the core */
};
void amdvi_event_decode(const uint64_t ev[2], struct amdvi_event *out);

#endif /* AMDVI_DESC_H */
