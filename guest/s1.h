/* SPDX-License-Identifier: MIT */
/*
 * Guest-owned stage-1 I/O page tables for NESTED IOASIDs (docs/GUEST.md "A stage-1 table of
 * your own", docs/ABI.md ALLOC/INVALIDATE). The table lives in the guest's own RAM, in one of
 * the formats GET_INFO reports in out_formats, 4 levels, 4 KiB pages:
 *   IOASID_FMT_VTD_FL  x86-64 paging entries as VT-d first-level reads them (VT-d 3.6, 9.7):
 *                      P, R/W, U/S (a device request is a user access: U/S must be 1), 47-bit
 *                      canonical lower-half inputs;
 *   IOASID_FMT_ARM_S1  VMSAv8-64 stage-1 descriptors, 4 KiB granule (Arm ARM D8.3): table
 *                      0b11, page 0b11 with AF, inner shareable, AP[1] (unprivileged) and AP[2]
 *                      for read-only, MAIR index 0; 48-bit inputs.
 * The SDK edits entries; the hypervisor sees nothing until the guest INVALIDATEs the range
 * (a shadowing hypervisor reads the table only then, like VT-d caching mode), so every change
 * is followed by guest_s1_invalidate() or guest_s1_invalidate_all().
 *
 * Table pages come from a pool the caller gives (4 KiB aligned, in the guest's RAM); pages are
 * never reused, so an edit never rewrites a table the hardware may still be walking.
 */
#ifndef GUEST_S1_H
#define GUEST_S1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioasid/abi.h>

#define GUEST_S1_LEVELS 4

/* The format of the arch's own IOMMU (SMMUv3 / VT-d): what GET_INFO offers on our machines. */
#ifdef __aarch64__
#define GUEST_S1_NATIVE_FMT IOASID_FMT_ARM_S1
#else
#define GUEST_S1_NATIVE_FMT IOASID_FMT_VTD_FL
#endif

struct guest_s1 {
	uint32_t fmt; /* IOASID_FMT_VTD_FL or IOASID_FMT_ARM_S1 */
	uint64_t *root;
	uint8_t *pool; /* table pages: pool[0 .. pool_pages) */
	size_t pool_pages, used;
};

/* An empty table in fmt over the pool. 0, or -IOASID_EINVAL (format, alignment, no page). */
int guest_s1_init(struct guest_s1 *t, uint32_t fmt, void *pool, size_t pool_bytes);
/* The root's guest-physical address (ALLOC's nested_root_gpa). */
uint64_t guest_s1_root_gpa(const struct guest_s1 *t);
/*
 * Map [iova, iova + len) to [gpa, ...) with IOASID_PROT_READ / WRITE, in 4 KiB pages,
 * replacing what was there. 0, -IOASID_EINVAL (alignment, range, prot), -IOASID_ENOSPC (pool).
 */
int guest_s1_map(struct guest_s1 *t, uint64_t iova, uint64_t gpa, uint64_t len, uint32_t prot);
/* Clear the leaves of [iova, iova + len) (tables stay). 0 or -IOASID_EINVAL. */
int guest_s1_unmap(struct guest_s1 *t, uint64_t iova, uint64_t len);
/* The leaf entry of iova (NULL if a table on the way is missing): tests edit it directly. */
volatile uint64_t *guest_s1_leaf(struct guest_s1 *t, uint64_t iova);
/* The level-1 (2 MiB-span) table entry above iova, made if missing: to swap a whole subtree. */
volatile uint64_t *guest_s1_l2_entry(struct guest_s1 *t, uint64_t iova);
/* A fresh, empty table page from the pool and the table-entry value that points at it. */
uint64_t *guest_s1_new_table(struct guest_s1 *t, uint64_t *entry);
/* The leaf value for a page at gpa with prot in t's format. */
uint64_t guest_s1_page(const struct guest_s1 *t, uint64_t gpa, uint32_t prot);

/* INVALIDATE (docs/ABI.md 9) of NESTED IOASID ioasid: one range, the whole space, one PASID. */
long guest_s1_invalidate(uint32_t ioasid, uint64_t iova, uint64_t len);
long guest_s1_invalidate_all(uint32_t ioasid);
long guest_s1_invalidate_pasid(uint32_t ioasid, uint32_t dev_id, uint32_t pasid);

#endif /* GUEST_S1_H */
