/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own EL2 stage-1 translation tables as data (arch/arm64/pgtable.c): building
 * identity mappings in memory, with no system-register access, so the same code runs in the
 * hypervisor (arch/arm64/mmu.c) and in host unit tests (tests/unit/test_arm64_pgtable.c).
 *
 * Format: VMSAv8-64 stage 1, 4 KiB granule, 48-bit VA starting at level 0, single VA range
 * (non-VHE EL2). Arm ARM chapter D8, "The AArch64 Virtual Memory System Architecture":
 * translation table descriptor formats, memory attribute fields, access permissions.
 *
 *   63   55 54 53   48 47                           12 11 10  9 8  7 6  5  4   2  1  0
 *  +------+--+-------+-------------------------------+--+--+----+----+--+------+--+--+
 *  | ign  |XN| res0  |   output address / next table | nG|AF| SH | AP |NS| Attr |T |V |
 *  +------+--+-------+-------------------------------+--+--+----+----+--+------+--+--+
 *
 * T=1 at levels 0-2 is a table descriptor, T=0 at levels 1-2 a block (1 GiB / 2 MiB), and at
 * level 3 T must be 1 (a page). In a translation regime with one privilege level, AP[1] (bit 6)
 * is RES1, AP[2] (bit 7) makes a mapping read-only and bit 54 is XN.
 */
#ifndef ARCH_ARM64_PGTABLE_H
#define ARCH_ARM64_PGTABLE_H

#include <hv/bits.h>
#include <hv/types.h>

#define PTE_VALID BIT(0)
#define PTE_TABLE BIT(1)              /* levels 0-2: table; level 3: page */
#define PTE_ATTRINDX GENMASK(4, 2)    /* index into MAIR_EL2 */
#define PTE_AP1_RES1 BIT(6)
#define PTE_AP2_RO BIT(7)
#define PTE_SH GENMASK(9, 8)
# define PTE_SH_INNER 3
#define PTE_AF BIT(10)                /* access flag: always set, no hardware AF update */
#define PTE_ADDR GENMASK(47, 12)
#define PTE_XN BIT(54)

#define PT_ENTRIES 512
#define PT_LEVELS 4
#define PT_VA_BITS 48

/* MAIR_EL2 indexes (values in arm64.h) */
#define MAIR_IDX_NORMAL 0
#define MAIR_IDX_DEVICE 1

#define PT_ATTR_NORMAL                                                       \
	(FIELD_PREP(PTE_ATTRINDX, MAIR_IDX_NORMAL) | PTE_AP1_RES1 |         \
	 FIELD_PREP(PTE_SH, PTE_SH_INNER) | PTE_AF)
/* Our code: read-only, executable. */
#define PT_ATTR_TEXT (PT_ATTR_NORMAL | PTE_AP2_RO)
/* All other RAM: read-write, execute-never. */
#define PT_ATTR_DATA (PT_ATTR_NORMAL | PTE_XN)
/* MMIO: Device-nGnRE, execute-never. */
#define PT_ATTR_DEVICE \
	(FIELD_PREP(PTE_ATTRINDX, MAIR_IDX_DEVICE) | PTE_AP1_RES1 | PTE_AF | PTE_XN)

/*
 * Identity-map [base, base+size) (widened to whole pages) with the given leaf attributes,
 * using the largest block that fits (1 GiB at level 1, 2 MiB at level 2, else 4 KiB pages);
 * table pages come from page_alloc(). A part already mapped identically is left as is. A part
 * already mapped differently fails with -EEXIST, unless keep: then that earlier, more specific
 * mapping stays and is skipped. Live entries are never changed (no break-before-make needed).
 * Returns 0, -ERANGE (wraps or beyond 48 bits) or -ENOMEM; on failure the part mapped so far
 * stays mapped.
 */
int arm64_pt_map(uint64_t *root, uint64_t base, uint64_t size, uint64_t attrs, bool keep);

/* The leaf descriptor translating va and its level (1-3); false if unmapped. */
bool arm64_pt_lookup(const uint64_t *root, uint64_t va, uint64_t *desc, unsigned *level);

#endif /* ARCH_ARM64_PGTABLE_H */
