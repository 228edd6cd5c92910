/* SPDX-License-Identifier: MIT */
/*
 * The software walkers: pt_lookup() over our own tables (well formed by construction, so it
 * only classifies), and pt_walk_foreign(), which translates one address through a page table
 * we did not build (a guest's stage-1 for a NESTED IOASID, when the hypervisor must shadow it
 * or check it).
 *
 * pt_walk_foreign():
 *
 * Everything read is untrusted. Table pointers are handed to the caller's read_entry(), which
 * translates and bounds-checks them (through the guest's GPA table) before touching memory; the
 * walk itself reads at most `levels` entries, and rejects what the hardware would treat as
 * malformed rather than guess:
 *   - reserved bits: address bits above the 48-bit output size; VT-d SL SNP (reserved in legacy
 *     mode) and TM; the low address bits of a large leaf (VT-d sec. 9.7/9.8; Arm "RES0");
 *   - a superpage where the format has none: PS at the top level of a 4-level x86/VT-d table,
 *     an Arm block at level 0 (needs 52-bit LPA2) or a type-01 descriptor at level 3.
 * Entries that are well formed but would fault anyway (not present, first-level U/S=0, Arm
 * AF=0 with no hardware access-flag update, no permission) give -ENOENT.
 */
#include <hv/bits.h>
#include <hv/check.h>
#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "ioasid/pt.h"
#include "ioasid/pt_fmt.h"

struct pt_fdesc {
	enum pte_kind kind;
	uint64_t addr;
	unsigned prot; /* leaf: what it grants; table: what it lets through */
};

/* Low address bits of a leaf at lvl > 0 that must be zero (Arm's nT hint bit excepted). */
static uint64_t pt_large_leaf_rsvd(unsigned lvl)
{
	return lvl > 0 ? GENMASK(PT_LVL_SHIFT(lvl) - 1, HV_PAGE_SHIFT) : 0;
}

static int pt_decode_vtd_sl(unsigned levels, unsigned lvl, uint64_t pte, struct pt_fdesc *d)
{
	uint64_t rsvd = GENMASK(51, PT_OA_BITS) | VTD_SLPTE_SNP | VTD_SLPTE_TM;
	bool leaf = lvl == 0 || (pte & VTD_SLPTE_PS);

	if ((pte & (VTD_SLPTE_R | VTD_SLPTE_W)) == 0) {
		return -ENOENT;
	}
	if (leaf && lvl > PT_MAX_LEAF_LVL) {
		return -EINVAL; /* PS is reserved in the top (PML4-level) entry */
	}
	if (leaf) {
		rsvd |= pt_large_leaf_rsvd(lvl);
	}
	if (pte & rsvd) {
		return -EINVAL;
	}
	(void)levels;
	d->kind = leaf ? PTE_LEAF : PTE_TABLE;
	d->addr = pt_pte_addr(PT_FMT_VTD_SL, leaf ? lvl : 0, pte);
	d->prot = pt_leaf_prot(PT_FMT_VTD_SL, pte); /* R/W are ANDed at every level */
	return 0;
}

static int pt_decode_vtd_fl(unsigned levels, unsigned lvl, uint64_t pte, struct pt_fdesc *d)
{
	uint64_t rsvd = GENMASK(51, PT_OA_BITS);
	bool leaf = lvl == 0 || (pte & VTD_FLPTE_PS);

	if ((pte & VTD_FLPTE_P) == 0) {
		return -ENOENT;
	}
	if (leaf && lvl > PT_MAX_LEAF_LVL) {
		return -EINVAL; /* PS is reserved in a PML4E (SDM 4.5, table 4-15) */
	}
	if (leaf && lvl > 0) {
		/* bit 12 is PAT in a large leaf; the address bits below it are reserved */
		rsvd |= pt_large_leaf_rsvd(lvl) & ~VTD_FLPTE_PAT_LARGE;
	}
	if (pte & rsvd) {
		return -EINVAL;
	}
	if ((pte & VTD_FLPTE_US) == 0) {
		return -ENOENT; /* supervisor-only: a device request faults (QEMU fault 0x81) */
	}
	(void)levels;
	d->kind = leaf ? PTE_LEAF : PTE_TABLE;
	d->addr = pt_pte_addr(PT_FMT_VTD_FL, leaf ? lvl : 0, pte);
	d->prot = PT_PROT_READ | ((pte & VTD_FLPTE_RW) ? PT_PROT_WRITE : 0);
	return 0;
}

static int pt_decode_arm(enum pt_format fmt, unsigned lvl, uint64_t pte, struct pt_fdesc *d)
{
	uint64_t type = pte & ARM_PTE_TYPE_MASK;
	uint64_t rsvd = ARM_PTE_RES0_OA;
	bool leaf;

	if ((pte & ARM_PTE_VALID) == 0) {
		return -ENOENT;
	}
	if (lvl == 0) {
		if (type != ARM_PTE_TYPE_TABLE) {
			return -EINVAL; /* 01 at level 3 is reserved (Arm ARM D8.3.1) */
		}
		leaf = true;
	} else if (type == ARM_PTE_TYPE_BLOCK) {
		if (lvl > PT_MAX_LEAF_LVL) {
			return -EINVAL; /* no level-0 block with a 4 KiB granule without LPA2 */
		}
		leaf = true;
		rsvd |= pt_large_leaf_rsvd(lvl) & ~ARM_PTE_NT;
	} else {
		leaf = false;
	}
	if (pte & rsvd) {
		return -EINVAL;
	}
	d->kind = leaf ? PTE_LEAF : PTE_TABLE;
	d->addr = pte & ARM_PTE_ADDR & ~(PT_LVL_SIZE(leaf ? lvl : 0) - 1);
	if (!leaf) {
		/* Stage-1 APTable[1] takes write away below; stage 2 tables carry no permission. */
		d->prot = PT_PROT_READ | PT_PROT_WRITE;
		if (fmt == PT_FMT_ARM_S1 && (pte & ARM_S1_APTABLE_RDONLY)) {
			d->prot = PT_PROT_READ;
		}
		return 0;
	}
	if ((pte & ARM_PTE_AF) == 0) {
		return -ENOENT; /* access flag fault: the SMMU has no HTTU here */
	}
	/* Only permissions: a guest's cache attributes are not ours to copy into a shadow. */
	d->prot = pt_leaf_prot(fmt, pte) & (PT_PROT_READ | PT_PROT_WRITE);
	return 0;
}

/*
 * AMD-Vi v1 (48882 2.2.3), as the IOMMU walks it: a PDE's NextLevel must name the level right
 * below (we never build or accept level skipping, and 7 is only meaningful in PTEs); a PTE has
 * NextLevel 0 (7, "next page size" encodings, is refused); bits 60:52 of a PDE and 58:52 of a
 * PTE are reserved; a leaf above 1 GiB is refused. Bits 8:1 and 63 are ignored (they hold our
 * live-entry counts, pt_fmt.h).
 */
static int pt_decode_amd_v1(unsigned lvl, uint64_t pte, struct pt_fdesc *d)
{
	unsigned next = (unsigned)FIELD_GET(AMD_PTE_NEXT, pte);
	bool leaf = next == 0;
	uint64_t rsvd = GENMASK(51, PT_OA_BITS);

	if ((pte & AMD_PTE_PR) == 0) {
		return -ENOENT;
	}
	if (leaf ? lvl > PT_MAX_LEAF_LVL : next != lvl) {
		return -EINVAL;
	}
	rsvd |= leaf ? AMD_PTE_RSVD_PTE | pt_large_leaf_rsvd(lvl) : AMD_PTE_RSVD_PDE;
	if (pte & rsvd) {
		return -EINVAL;
	}
	d->kind = leaf ? PTE_LEAF : PTE_TABLE;
	d->addr = pt_pte_addr(PT_FMT_AMD_V1, leaf ? lvl : 0, pte);
	d->prot = pt_leaf_prot(PT_FMT_AMD_V1, pte); /* IR/IW are ANDed at every level */
	return 0;
}

static int pt_decode_foreign(enum pt_format fmt, unsigned levels, unsigned lvl, uint64_t pte, struct pt_fdesc *d)
{
	switch (fmt) {
	case PT_FMT_VTD_SL:
		return pt_decode_vtd_sl(levels, lvl, pte, d);
	case PT_FMT_VTD_FL:
		return pt_decode_vtd_fl(levels, lvl, pte, d);
	case PT_FMT_ARM_S1:
	case PT_FMT_ARM_S2:
		return pt_decode_arm(fmt, lvl, pte, d);
	case PT_FMT_AMD_V1:
		return pt_decode_amd_v1(lvl, pte, d);
	}
	return -EINVAL;
}

int pt_walk_foreign(enum pt_format fmt, unsigned levels, uint64_t root, uint64_t ia, pt_read_fn read_entry, void *ctx,
		    uint64_t *oa, unsigned *prot, uint64_t *pgsize)
{
	const unsigned ia_bits = pt_fmt_ia_bits(fmt, levels);
	uint64_t table = root;
	unsigned allowed = PT_PROT_READ | PT_PROT_WRITE;
	unsigned lvl;

	/* Depths the format has, and its space: the table pt_init() uses (pt_fmt_ia_bits(), pt.h). */
	if (ia_bits == 0 || read_entry == NULL || !IS_ALIGNED(root, HV_PAGE_SIZE) || root >= (1ULL << PT_OA_BITS)) {
		return -EINVAL;
	}
	if (ia >= (1ULL << ia_bits)) {
		return -ERANGE;
	}
	/* Bounded: one entry per level, from the top. */
	for (lvl = levels; lvl-- > 0;) {
		struct pt_fdesc d;
		uint64_t pte;
		int ret;

		ret = read_entry(ctx, table, PT_INDEX(ia, lvl), &pte);
		if (ret) {
			return ret;
		}
		ret = pt_decode_foreign(fmt, levels, lvl, pte, &d);
		if (ret) {
			return ret;
		}
		allowed &= d.prot;
		if (d.kind == PTE_TABLE) {
			table = d.addr;
			continue;
		}
		if (allowed == 0) {
			return -ENOENT;
		}
		if (oa != NULL) {
			*oa = d.addr | (ia & (PT_LVL_SIZE(lvl) - 1));
		}
		if (prot != NULL) {
			*prot = allowed;
		}
		if (pgsize != NULL) {
			*pgsize = PT_LVL_SIZE(lvl);
		}
		return 0;
	}
	return -EINVAL; /* unreachable: level 0 entries are always leaves */
}

/* Our own tables: every entry is one of ours, so the walk only classifies. */
int pt_lookup(const struct pt_table *t, uint64_t ia, hpa_t *oa, unsigned *prot, uint64_t *pgsize)
{
	const uint64_t *table = hpa_to_ptr(t->root);

	if (ia >= (1ULL << t->ia_bits)) {
		return -ERANGE;
	}
	for (unsigned lvl = t->levels - 1;; lvl--) {
		uint64_t pte = READ_ONCE(table[PT_INDEX(ia, lvl)]);

		switch (pt_pte_kind(t->fmt, lvl, pte)) {
		case PTE_NONE:
			return -ENOENT;
		case PTE_LEAF:
			if (oa != NULL) {
				*oa = hpa(pt_pte_addr(t->fmt, lvl, pte) | (ia & (PT_LVL_SIZE(lvl) - 1)));
			}
			if (prot != NULL) {
				*prot = pt_leaf_prot(t->fmt, pte);
			}
			if (pgsize != NULL) {
				*pgsize = PT_LVL_SIZE(lvl);
			}
			return 0;
		case PTE_TABLE:
			CHECK(lvl > 0);
			table = hpa_to_ptr(hpa(pt_table_addr(t->fmt, pte)));
			break;
		}
	}
}
