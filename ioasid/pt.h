/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: one generic walker/updater over four hardware formats.
 *
 *   PT_FMT_VTD_SL   VT-d second-level (VT-d spec 3.x, sec. 9.8): 3 levels (39-bit) or 4 (48-bit)
 *   PT_FMT_VTD_FL   VT-d first-level = x86-64 4-level paging format (sec. 9.7), U/S=1 at every
 *                   level because QEMU treats device requests as user requests; 47-bit input
 *                   (canonical lower half, see pt_fmt_ia_bits())
 *   PT_FMT_ARM_S1   Arm VMSAv8-64 stage 1, 4 KiB granule (Arm ARM D8), AF=1 (no HTTU)
 *   PT_FMT_ARM_S2   Arm VMSAv8-64 stage 2, 4 KiB granule, S2AP read/write, MemAttr normal
 *   PT_FMT_AMD_V1   AMD-Vi host ("v1") I/O page table (AMD IOMMU spec 48882 2.2.3): 3 levels
 *                   (39-bit, DTE Mode 3) or 4 (48-bit, Mode 4), no level skipping
 *
 * Rules every user relies on:
 *  - Superpages (2 MiB, 1 GiB) are used automatically where the input address, output address
 *    and remaining length are aligned and the size is in pgsize_bitmap.
 *  - pt_map() is prepare-then-commit: it first allocates every table page the request needs
 *    (charged to the quota), and only then writes leaf entries. A request that fails (quota,
 *    allocation failure, overlap with an existing mapping) leaves the table exactly as it was.
 *  - pt_unmap() of part of a superpage splits it (prepare: allocate the lower-level table; commit:
 *    replace the block entry by a table entry carrying the rest of the mapping). If the split
 *    cannot be prepared it fails with -ENOMEM/-EDQUOT and changes nothing.
 *  - Every unmap adds the affected input range to a gather, merged with adjacent ranges, so a
 *    backend issues one range invalidation per call, not one per page. Table pages emptied by
 *    an unmap are not freed until the caller has flushed (pt_gather_release()), because the
 *    IOMMU may still walk them until the invalidation completes.
 *  - Entries are written with single 64-bit stores (atomic per entry), and cleaned from CPU
 *    caches when t->coherent is false.
 *  - A table entry (one pointing to a lower table) also carries that table's live-entry count
 *    in bits the hardware ignores (ioasid/pt_fmt.h): anything else that reads our entries must
 *    take the address with pt_table_addr() / the format's address mask, never "pte & ~0xfff".
 */
#ifndef IOASID_PT_H
#define IOASID_PT_H

#include <hv/types.h>

enum pt_format {
	PT_FMT_VTD_SL = 1,
	PT_FMT_VTD_FL = 2,
	PT_FMT_ARM_S1 = 3,
	PT_FMT_ARM_S2 = 4,
	PT_FMT_AMD_V1 = 5,
};
#define PT_FMT_MAX PT_FMT_AMD_V1

#define PT_PROT_READ  (1U << 0)
#define PT_PROT_WRITE (1U << 1)
/*
 * Device memory (a passed-through BAR), with READ and/or WRITE. Defined for the CPU's
 * nested/stage-2 formats only, where it decides how the guest's MMIO accesses reach the bus:
 *   PT_FMT_ARM_S2: MemAttr Device-nGnRE and not executable. Guests run with stage 1 off and
 *     HCR_EL2.DC=1 (stage 1 Normal write-back); the combined type is the stronger, Device
 *     (Arm ARM D8.6 "Combining the stage 1 and stage 2 attributes").
 *   PT_FMT_VTD_FL (also the x86 NPT): PCD=PWT=1, PAT index 3, which is UC in the host PAT the
 *     hypervisor programs (arch/x86_64/paging.c), which NPT uses for the nested entries; combined with the guest's own type the result is UC (AMD APM vol. 2,
 *     15.25.8 "Combining memory types").
 * pt_map() refuses it (-EINVAL) for the other formats; pt_lookup() reports it back.
 */
#define PT_PROT_DEVICE (1U << 2)

/*
 * Page-table memory a guest may make the hypervisor spend, in 4 KiB pages. used_pages may never
 * exceed limit_pages (a zero limit allows nothing). A NULL quota pointer in pt_init() means the
 * table is the hypervisor's own and is not charged.
 */
struct pt_quota {
	uint64_t limit_pages;
	uint64_t used_pages;
	/* test hook: fail the Nth next allocation (0 = never), counted down per allocation */
	uint64_t fail_after;
};

struct pt_table {
	enum pt_format fmt;
	unsigned levels;	/* 3 or 4 (5 if a format grows it) */
	unsigned ia_bits;	/* input address width (pt_fmt_ia_bits()): [0, 2^ia_bits) is mapped */
	uint64_t pgsize_bitmap; /* SZ_4K | SZ_2M | SZ_1G, as the IOMMU allows */
	bool coherent;		/* false: clean CPU caches after table writes */
	hpa_t root;		/* top-level table page */
	struct pt_quota *quota;
	uint64_t nr_table_pages; /* pages linked in the tree, including root (not gathered ones) */
	unsigned oa_bits;	 /* output addresses must lie below 2^oa_bits (48, set by pt_init) */
};

/* Ranges to invalidate and table pages to free once the invalidation is done. */
#define PT_GATHER_MAX_RANGES 8
struct pt_range {
	uint64_t start; /* input address, inclusive */
	uint64_t end;	/* exclusive */
};
struct pt_gather {
	struct pt_range ranges[PT_GATHER_MAX_RANGES];
	unsigned nr_ranges;
	bool overflow; /* more disjoint ranges than fit: the caller flushes the whole table */
	void *freed;   /* singly linked list of table pages to free after the flush */
	uint64_t nr_freed;
	bool leaf_only; /* only leaf entries changed (VT-d IH / SMMU leaf hint may be used) */
};

/*
 * ia_bits must be a width the format has (pt_levels_for() != 0); pgsize_bitmap must hold SZ_4K, may hold
 * SZ_2M and SZ_2M|SZ_1G (1G without 2M is -EINVAL: splits need the size below). Allocates the
 * root (charged to quota): -EDQUOT / -ENOMEM.
 */
int pt_init(struct pt_table *t, enum pt_format fmt, unsigned ia_bits, uint64_t pgsize_bitmap, bool coherent,
	    struct pt_quota *quota);
/* Free every table page and return it to the quota. The caller has detached and flushed. */
void pt_destroy(struct pt_table *t);

/*
 * Map [ia, ia+len) to [oa, oa+len) with prot. ia, oa and len 4 KiB aligned, len > 0, no
 * overflow, ia+len <= 2^ia_bits (else -EINVAL / -ERANGE). Any part already mapped: -EEXIST.
 * Quota or page allocation exhausted: -EDQUOT / -ENOMEM. On error nothing changed.
 */
int pt_map(struct pt_table *t, uint64_t ia, hpa_t oa, uint64_t len, unsigned prot);

/*
 * Unmap [ia, ia+len). Holes inside the range are allowed (they are skipped); *unmapped counts
 * the bytes that were mapped. Each call adds at most one range to g: from the first to the end
 * of the last entry it cleared (holes between included), merged with ranges it touches.
 * Splitting a superpage may need memory: -ENOMEM/-EDQUOT with nothing changed (g included).
 * Argument errors as pt_map(). Emptied tables are unlinked and queued on g.
 */
int pt_unmap(struct pt_table *t, uint64_t ia, uint64_t len, struct pt_gather *g, uint64_t *unmapped);

/*
 * Translate one input address through the table (software walker). -ENOENT if not mapped,
 * -ERANGE beyond the input range. *oa is the translated address (leaf base + offset), *prot
 * what the entry allows, *pgsize the size of the leaf (4K, 2M, 1G). Any out pointer may be NULL.
 */
int pt_lookup(const struct pt_table *t, uint64_t ia, hpa_t *oa, unsigned *prot, uint64_t *pgsize);

/* leaf_only starts true and is cleared when an unmap unlinks or splits a table. */
void pt_gather_init(struct pt_gather *g);
/*
 * After the caller's invalidation completed: free the gathered table pages and return them to
 * t's quota, then reset g (pt_gather_init) for reuse.
 */
void pt_gather_release(struct pt_table *t, struct pt_gather *g);

/*
 * Walk a table that is not ours (a guest-owned stage-1 in guest memory): every table pointer it
 * contains is an address the caller must translate (through the guest's GPA table) and check
 * before it is read. read_entry() reads the 64-bit entry at that (untrusted) address and returns
 * 0 or a negative error. The result is the output address as written by the guest (a GPA).
 */
/*
 * Errors: the read_entry() error unchanged; -EINVAL for a bad fmt/levels/root or a malformed
 * entry (reserved bits, a superpage where the format has none, Arm type 01 at level 3);
 * -ERANGE for an ia the walk cannot cover; -ENOENT for an entry that is not present or that the
 * hardware would fault on anyway (first-level U/S=0, Arm AF=0, no permission at all).
 * At most `levels` (3 or 4) entries are read.
 */
typedef int (*pt_read_fn)(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry);
int pt_walk_foreign(enum pt_format fmt, unsigned levels, uint64_t root, uint64_t ia, pt_read_fn read_entry, void *ctx,
		    uint64_t *oa, unsigned *prot, uint64_t *pgsize);

/*
 * The input-address width of each format: the one place it is decided. The engine (pt_init and
 * the range checks of pt_map, pt_unmap, pt_lookup, pt_walk_foreign), the drivers' caps (and so
 * GET_INFO and every table the core builds), NESTED validation and the NESTED shadow's extent
 * all come from here, so what GET_INFO reports is exactly what MAP accepts.
 *
 *   PT_FMT_VTD_SL  3 levels: 39 bits, 4 levels: 48 bits, nothing in between (the AGAW values of
 *                  CAP.SAGAW, VT-d spec 3.7 and 9.8).
 *   PT_FMT_VTD_FL  4 levels: 47 bits. First-level input addresses must be canonical (VT-d spec
 *                  3.6 and 3.8: bits 63:47 all equal for 4-level paging, else the request
 *                  faults); the upper half would need sign-extended IOVAs, which the ABI's
 *                  [0, out_iova_last] range cannot express, so the lower half, [0, 2^47), is
 *                  the space. 5-level (FLPM=1) is not supported (QEMU 10 rejects it too).
 *   PT_FMT_ARM_S1  4 KiB granule, TTBR0 (lower) range only: 32..39 bits in 3 levels, 40..48 in 4
 *   PT_FMT_ARM_S2  (start level 1 / 0, Arm ARM D8.2; T0SZ = 64 - bits).
 *   PT_FMT_AMD_V1  3 levels: 39 bits, 4 levels: 48 bits (48882 2.2.3: DTE Mode = levels; the
 *                  root table covers the whole space, so nothing in between is used).
 */
#define PT_MIN_LEVELS 3
#define PT_MAX_LEVELS 4
/*
 * The table: widest input of a table of this format and depth (the whole space is
 * [0, 2^bits)), or 0 if the format has no such depth; *min_bits (if not NULL) the narrowest
 * width pt_init() accepts for that depth. Inline: pt_walk_foreign() asks on every walk.
 */
static inline unsigned pt_fmt_width(enum pt_format fmt, unsigned levels, unsigned *min_bits)
{
	static const struct {
		unsigned char min, max;
	} w[PT_FMT_MAX + 1][PT_MAX_LEVELS + 1] = {
		[PT_FMT_VTD_SL] = { [3] = { 39, 39 }, [4] = { 48, 48 } },
		[PT_FMT_VTD_FL] = { [4] = { 47, 47 } },
		[PT_FMT_ARM_S1] = { [3] = { 32, 39 }, [4] = { 40, 48 } },
		[PT_FMT_ARM_S2] = { [3] = { 32, 39 }, [4] = { 40, 48 } },
		[PT_FMT_AMD_V1] = { [3] = { 39, 39 }, [4] = { 48, 48 } },
	};

	if ((unsigned)fmt > PT_FMT_MAX || levels > PT_MAX_LEVELS) {
		return 0;
	}
	if (min_bits != NULL) {
		*min_bits = w[fmt][levels].min;
	}
	return w[fmt][levels].max;
}

static inline unsigned pt_fmt_ia_bits(enum pt_format fmt, unsigned levels)
{
	return pt_fmt_width(fmt, levels, NULL);
}
/* Number of levels for a format and input width (e.g. VTD_SL 39 -> 3, 48 -> 4), or 0. */
unsigned pt_levels_for(enum pt_format fmt, unsigned ia_bits);

#endif /* IOASID_PT_H */
