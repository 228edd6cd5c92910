/* SPDX-License-Identifier: MIT */
/*
 * Per-format page-table entry encoding, private to ioasid/pt*.c.
 *
 * Levels are numbered from the leaf up: lvl 0 maps 4 KiB, lvl 1 2 MiB, lvl 2 1 GiB, lvl 3 512 GiB
 * (x86 calls them PT, PD, PDPT, PML4; Arm calls them level 3, 2, 1, 0). Every format here uses
 * 4 KiB tables of 512 64-bit entries, so one walker serves all four; only the bits differ.
 *
 * VT-d second-level entry (VT-d spec 4.x, sec. 9.8, "Second-Stage Paging Entries"):
 *
 *   63 62 61   52 51     48 47                 12 11  10 8 7  6  5  3 2  1 0
 *  +--+--+-------+---------+---------------------+---+----+--+--+----+--+-+-+
 *  |ig|TM|ignored| rsvd(*) | address             |SNP| ig |PS|IP|EMT |  |W|R|
 *  +--+--+-------+---------+---------------------+---+----+--+--+----+--+-+-+
 *   (*) above the host address width; SNP is reserved in legacy mode (QEMU checks it).
 *   Not present = R and W both clear. PS at lvl 1/2 makes a 2 MiB/1 GiB leaf; reserved at lvl 3.
 *
 * VT-d first-level entry = x86-64 4-level paging entry (VT-d sec. 9.7, Intel SDM vol. 3 4.5):
 *   bit 0 P, 1 R/W, 2 U/S, 5 A, 6 D (leaf), 7 PS (lvl 1/2; reserved at lvl 3), 12 PAT in large
 *   leaves, 51:12 address, 63 XD. U/S must be 1 at every level: QEMU treats every device request
 *   as a user-mode access and faults (0x81) otherwise. A and D are preset like Linux does, so the
 *   IOMMU never has to write them back into our tables.
 *
 * Arm VMSAv8-64 descriptor, 4 KiB granule (Arm ARM D8.3):
 *   bits 1:0  01 block (lvl 1/2 only), 11 table (lvl > 0) or page (lvl 0), x0 invalid
 *   stage 1 leaf: 4:2 AttrIndx, 6 AP[1] (EL0 access), 7 AP[2] (read-only), 9:8 SH, 10 AF, 11 nG
 *   stage 2 leaf: 5:2 MemAttr, 6 S2AP[0] (read), 7 S2AP[1] (write), 9:8 SH, 10 AF
 *   47:12 output address (no 52-bit OA), 51:48 RES0; 62 APTable[1] in stage-1 table entries.
 *   AF must be 1: the SMMU model has no hardware access-flag update (HTTU) and faults on AF=0.
 *
 * AMD-Vi host I/O page table entry (AMD IOMMU spec 48882 2.2.3, "I/O Page Tables for Host
 * Translations"; AMD calls our lvl 0 "level 1", the 4 KiB PTEs):
 *
 *   63  62 61 60 59 58   52 51                 12 11   9 8  7 6 5 4    1 0
 *  +---+--+--+--+--+-------+---------------------+------+----+-+-+------+--+
 *  |ign|IW|IR|FC|U | rsvd  | address             | Next | ign|D|A| ign  |PR|
 *  +---+--+--+--+--+-------+---------------------+------+----+-+-+------+--+
 *   PDE (a table entry): NextLevel = the AMD level of the table it points to (our lvl), so a
 *   lvl-1 entry says 1, a lvl-3 entry says 3: no level is skipped. IR/IW are ANDed along the
 *   walk, so tables grant both; FC/U are reserved in PDEs (bits 60:52 reserved).
 *   PTE (a leaf): NextLevel = 0 at every level; at lvl 1 / 2 that makes a 2 MiB / 1 GiB page of
 *   the level's default size (7, "next page size" encodings, is not used). A/D (bits 5/6) are
 *   written by the IOMMU only when the DTE's HAD field enables it (48882 2.2.7.x); our DTEs keep
 *   HAD = 0, so those bits are ignored like 4:1, 8:7 and 63.
 */
#ifndef IOASID_PT_FMT_H
#define IOASID_PT_FMT_H

#include <hv/bits.h>
#include <hv/types.h>

#include "ioasid/pt.h"

#define PT_ENTRIES 512
/* Every table of every format here is one 4 KiB page of 64-bit entries. */
_Static_assert(PT_ENTRIES * sizeof(uint64_t) == HV_PAGE_SIZE, "a table is one page");
#define PT_LVL_SHIFT(lvl) (HV_PAGE_SHIFT + 9 * (lvl))
#define PT_LVL_SIZE(lvl)  (1ULL << PT_LVL_SHIFT(lvl))
#define PT_INDEX(ia, lvl) ((unsigned)(((ia) >> PT_LVL_SHIFT(lvl)) & (PT_ENTRIES - 1)))
/* Largest leaf level of every format here (1 GiB); lvl 3 never holds a leaf. */
#define PT_MAX_LEAF_LVL 2
/* Output addresses we produce and accept: 48 bits (Arm without FEAT_LPA; QEMU aw-bits=48). */
#define PT_OA_BITS 48

/* VT-d second-level */
#define VTD_SLPTE_R    BIT(0)
#define VTD_SLPTE_W    BIT(1)
#define VTD_SLPTE_PS   BIT(7)
#define VTD_SLPTE_SNP  BIT(11)
#define VTD_SLPTE_ADDR GENMASK(51, 12)
#define VTD_SLPTE_TM   BIT(62)

/* VT-d first-level (x86-64 paging) */
#define VTD_FLPTE_P	     BIT(0)
#define VTD_FLPTE_RW	     BIT(1)
#define VTD_FLPTE_US	     BIT(2)
#define VTD_FLPTE_PWT	     BIT(3)
#define VTD_FLPTE_PCD	     BIT(4)
#define VTD_FLPTE_A	     BIT(5)
#define VTD_FLPTE_D	     BIT(6)
#define VTD_FLPTE_PS	     BIT(7)
#define VTD_FLPTE_PAT_LARGE  BIT(12)
#define VTD_FLPTE_ADDR	     GENMASK(51, 12)
#define VTD_FLPTE_IGNORED_HI GENMASK(63, 52)

/* Arm VMSAv8-64, both stages */
#define ARM_PTE_VALID	   BIT(0)
#define ARM_PTE_TYPE_MASK  GENMASK(1, 0)
#define ARM_PTE_TYPE_BLOCK 0x1ULL
#define ARM_PTE_TYPE_TABLE 0x3ULL /* also "page" at lvl 0 */
#define ARM_PTE_SH	   GENMASK(9, 8)
#define ARM_PTE_SH_INNER   0x3ULL
#define ARM_PTE_AF	   BIT(10)
#define ARM_PTE_ADDR	   GENMASK(47, 12)
#define ARM_PTE_RES0_OA	   GENMASK(51, 48)
#define ARM_PTE_NT	   BIT(16) /* FEAT_BBM hint in block entries: not an address bit */
/* stage 1 */
#define ARM_S1_ATTRIDX	      GENMASK(4, 2)
#define ARM_S1_AP_UNPRIV      BIT(6)
#define ARM_S1_AP_RDONLY      BIT(7)
#define ARM_S1_NG	      BIT(11)
#define ARM_S1_APTABLE_RDONLY BIT(62)
/* stage 2 */
#define ARM_S2_MEMATTR		    GENMASK(5, 2)
#define ARM_S2_MEMATTR_NORMAL_WB    0xfULL /* outer and inner write-back (FWB=0) */
#define ARM_S2_MEMATTR_DEVICE_nGnRE 0x1ULL
#define ARM_S2_XN		    GENMASK(54, 53)
#define ARM_S2_XN_ALL		    0x2ULL /* not executable at EL1 or EL0 */
#define ARM_S2_S2AP_R		    BIT(6)
#define ARM_S2_S2AP_W		    BIT(7)

/* AMD-Vi v1 */
#define AMD_PTE_PR	 BIT(0)
#define AMD_PTE_NEXT	 GENMASK(11, 9)
#define AMD_PTE_ADDR	 GENMASK(51, 12)
#define AMD_PTE_FC	 BIT(60)
#define AMD_PTE_IR	 BIT(61)
#define AMD_PTE_IW	 BIT(62)
#define AMD_PTE_RSVD_PDE GENMASK(60, 52)
#define AMD_PTE_RSVD_PTE GENMASK(58, 52)
#define AMD_PTE_CNT_LO	 GENMASK(8, 1) /* live-entry count bits 7:0 (see below) */
#define AMD_PTE_CNT_HI	 BIT(63)       /* live-entry count bit 8 */

enum pte_kind { PTE_NONE, PTE_TABLE, PTE_LEAF };

/*
 * Live-entry count of a table page, kept in bits its parent's table entry has for software, so
 * an unmap learns that a table became empty without scanning its 512 slots. The root has no
 * parent and no count (it is never freed before pt_destroy()). 10 bits hold 0..512.
 *   Arm: table descriptor bits 11:2 are IGNORED (Arm ARM D8.3.1, VMSAv8-64 table descriptor;
 *        bit 10 only becomes AF with FEAT_HAFT enabled in TCR2/VTCR, which we never set).
 *   VT-d SL and FL, x86 NPT: bits 61:52 are ignored in non-leaf entries (VT-d spec 9.7 and 9.8;
 *        Intel SDM vol. 3 table 4-15..4-17; AMD APM vol. 2 5.3.3 "available").
 *   AMD-Vi v1: a PDE has only 9 bits for software (8:1 and 63; 60:52 are reserved and fault if
 *        set, 48882 2.2.3). A linked table always holds 1..512 live entries between engine
 *        calls (an emptied one is unlinked at once), so the count is kept modulo 512 in those 9
 *        bits and a stored 0 reads as 512. The one moment a linked table really has 0 entries
 *        (pt_map_descend() just linked it, pt_map_level() adds its first entries next) never
 *        reads the count: pt_cnt_room() is true for AMD_V1 instead of checking the sum.
 * The engine only ever reads the field back through pt_table_count(); pt_table_addr() and
 * pt_pte_kind() never look at these bits.
 */
#define PT_CNT_MASK 0x3ffULL
static inline unsigned pt_cnt_shift(enum pt_format fmt)
{
	return (fmt == PT_FMT_ARM_S1 || fmt == PT_FMT_ARM_S2) ? 2 : 52;
}
/* The bits of a table entry that hold the count. */
static __attribute__((always_inline)) inline uint64_t pt_cnt_bits(enum pt_format fmt)
{
	return fmt == PT_FMT_AMD_V1 ? (AMD_PTE_CNT_LO | AMD_PTE_CNT_HI) : PT_CNT_MASK << pt_cnt_shift(fmt);
}
static __attribute__((always_inline)) inline unsigned pt_table_count(enum pt_format fmt, uint64_t pte)
{
	if (fmt == PT_FMT_AMD_V1) {
		unsigned c = (unsigned)(FIELD_GET(AMD_PTE_CNT_LO, pte) | (FIELD_GET(AMD_PTE_CNT_HI, pte) << 8));

		return c == 0 ? PT_ENTRIES : c;
	}
	return (unsigned)((pte >> pt_cnt_shift(fmt)) & PT_CNT_MASK);
}
/* The count field holding n (0..512), to OR into a table entry without one. */
static __attribute__((always_inline)) inline uint64_t pt_cnt_encode(enum pt_format fmt, unsigned n)
{
	if (fmt == PT_FMT_AMD_V1) {
		n %= PT_ENTRIES;
		return FIELD_PREP(AMD_PTE_CNT_LO, n & 0xff) | FIELD_PREP(AMD_PTE_CNT_HI, n >> 8);
	}
	return (uint64_t)n << pt_cnt_shift(fmt);
}
/* pte with its count changed by delta (two's complement for a decrease). */
static __attribute__((always_inline)) inline uint64_t pt_cnt_apply(enum pt_format fmt, uint64_t pte, uint64_t delta)
{
	if (fmt == PT_FMT_AMD_V1) {
		unsigned c = (unsigned)(FIELD_GET(AMD_PTE_CNT_LO, pte) | (FIELD_GET(AMD_PTE_CNT_HI, pte) << 8));

		return (pte & ~pt_cnt_bits(fmt)) | pt_cnt_encode(fmt, (unsigned)((c + delta) % PT_ENTRIES));
	}
	return pte + (delta << pt_cnt_shift(fmt));
}
/* Whether adding n live entries keeps the count in range (an invariant check). */
static __attribute__((always_inline)) inline bool pt_cnt_room(enum pt_format fmt, uint64_t pte, unsigned n)
{
	return fmt == PT_FMT_AMD_V1 || pt_table_count(fmt, pte) + n <= PT_ENTRIES;
}

static inline bool pt_fmt_is_arm(enum pt_format fmt)
{
	return fmt == PT_FMT_ARM_S1 || fmt == PT_FMT_ARM_S2;
}

/* Bits of which any set means "present" (VT-d SL: R or W; the others: P / valid / PR). */
static inline uint64_t pt_present_mask(enum pt_format fmt)
{
	return fmt == PT_FMT_VTD_SL ? (VTD_SLPTE_R | VTD_SLPTE_W) : BIT(0);
}

/* Classify one of our own entries (they are well-formed by construction). */
static inline enum pte_kind pt_pte_kind(enum pt_format fmt, unsigned lvl, uint64_t pte)
{
	switch (fmt) {
	case PT_FMT_VTD_SL:
		if ((pte & (VTD_SLPTE_R | VTD_SLPTE_W)) == 0) {
			return PTE_NONE;
		}
		return (lvl == 0 || (pte & VTD_SLPTE_PS)) ? PTE_LEAF : PTE_TABLE;
	case PT_FMT_VTD_FL:
		if ((pte & VTD_FLPTE_P) == 0) {
			return PTE_NONE;
		}
		return (lvl == 0 || (pte & VTD_FLPTE_PS)) ? PTE_LEAF : PTE_TABLE;
	case PT_FMT_AMD_V1:
		if ((pte & AMD_PTE_PR) == 0) {
			return PTE_NONE;
		}
		return (lvl == 0 || FIELD_GET(AMD_PTE_NEXT, pte) == 0) ? PTE_LEAF : PTE_TABLE;
	default:
		if ((pte & ARM_PTE_VALID) == 0) {
			return PTE_NONE;
		}
		if (lvl == 0) {
			return PTE_LEAF;
		}
		return (pte & ARM_PTE_TYPE_MASK) == ARM_PTE_TYPE_TABLE ? PTE_TABLE : PTE_LEAF;
	}
}

/* Output address of a leaf at lvl (large leaves drop PAT / hint bits). */
static inline uint64_t pt_pte_addr(enum pt_format fmt, unsigned lvl, uint64_t pte)
{
	uint64_t mask = pt_fmt_is_arm(fmt) ? ARM_PTE_ADDR : VTD_SLPTE_ADDR;

	return pte & mask & ~(PT_LVL_SIZE(lvl) - 1);
}

/* The next-level table a table entry points to. */
static inline uint64_t pt_table_addr(enum pt_format fmt, uint64_t pte)
{
	return pte & (pt_fmt_is_arm(fmt) ? ARM_PTE_ADDR : VTD_SLPTE_ADDR);
}

/* The entry at lvl (> 0) linking the table at next. */
static inline uint64_t pt_table_pte(enum pt_format fmt, unsigned lvl, hpa_t next)
{
	uint64_t a = hpa_val(next);

	switch (fmt) {
	case PT_FMT_AMD_V1:
		/* NextLevel: the AMD level of the table below, which is our lvl (no skipping). */
		return a | AMD_PTE_PR | FIELD_PREP(AMD_PTE_NEXT, lvl) | AMD_PTE_IR | AMD_PTE_IW;
	case PT_FMT_VTD_SL:
		/* Permissions are ANDed across levels: tables grant everything. */
		return a | VTD_SLPTE_R | VTD_SLPTE_W;
	case PT_FMT_VTD_FL:
		return a | VTD_FLPTE_P | VTD_FLPTE_RW | VTD_FLPTE_US | VTD_FLPTE_A;
	default:
		return a | ARM_PTE_TYPE_TABLE;
	}
}

/*
 * Attribute bits of a leaf at lvl (everything but the address). prot is READ and/or WRITE;
 * first-level and stage-1 formats cannot express write-only, so WRITE alone maps read-write
 * there (as Linux does); pt_lookup() reports what the entry really allows.
 */
static inline uint64_t pt_leaf_attrs(enum pt_format fmt, unsigned lvl, unsigned prot)
{
	uint64_t v = 0;

	switch (fmt) {
	case PT_FMT_VTD_SL:
		v |= (prot & PT_PROT_READ) ? VTD_SLPTE_R : 0;
		v |= (prot & PT_PROT_WRITE) ? VTD_SLPTE_W : 0;
		v |= lvl ? VTD_SLPTE_PS : 0;
		return v;
	case PT_FMT_VTD_FL:
		v = VTD_FLPTE_P | VTD_FLPTE_US | VTD_FLPTE_A;
		v |= (prot & PT_PROT_WRITE) ? (VTD_FLPTE_RW | VTD_FLPTE_D) : 0;
		/* PAT index 3 (PAT bit clear at either position): UC, see PT_PROT_DEVICE */
		v |= (prot & PT_PROT_DEVICE) ? (VTD_FLPTE_PCD | VTD_FLPTE_PWT) : 0;
		v |= lvl ? VTD_FLPTE_PS : 0;
		return v;
	case PT_FMT_AMD_V1:
		/* NextLevel 0 at every level: a page of the level's size (4K / 2M / 1G). */
		v = AMD_PTE_PR;
		v |= (prot & PT_PROT_READ) ? AMD_PTE_IR : 0;
		v |= (prot & PT_PROT_WRITE) ? AMD_PTE_IW : 0;
		return v;
	case PT_FMT_ARM_S1:
		/*
		 * AttrIndx 0: the driver programs MAIR[0] as normal write-back memory. AP[1]=1:
		 * usable whatever privilege the SMMU gives a transaction (STE.PRIVCFG). nG=1: TLB
		 * entries are tagged with the context's ASID, so per-ASID invalidation reaches them.
		 */
		v = FIELD_PREP(ARM_S1_ATTRIDX, 0) | FIELD_PREP(ARM_PTE_SH, ARM_PTE_SH_INNER) | ARM_PTE_AF | ARM_S1_NG |
		    ARM_S1_AP_UNPRIV;
		v |= (prot & PT_PROT_WRITE) ? 0 : ARM_S1_AP_RDONLY;
		break;
	default:
		/* Device: SH is ignored for Device memory (Arm ARM D8.6.2), kept as for RAM. */
		v = ((prot & PT_PROT_DEVICE) ? FIELD_PREP(ARM_S2_MEMATTR, ARM_S2_MEMATTR_DEVICE_nGnRE) |
						       FIELD_PREP(ARM_S2_XN, ARM_S2_XN_ALL)
					     : FIELD_PREP(ARM_S2_MEMATTR, ARM_S2_MEMATTR_NORMAL_WB)) |
		    FIELD_PREP(ARM_PTE_SH, ARM_PTE_SH_INNER) | ARM_PTE_AF;
		v |= (prot & PT_PROT_READ) ? ARM_S2_S2AP_R : 0;
		v |= (prot & PT_PROT_WRITE) ? ARM_S2_S2AP_W : 0;
		break;
	}
	return v | (lvl ? ARM_PTE_TYPE_BLOCK : ARM_PTE_TYPE_TABLE);
}

/* Permissions a leaf grants by itself (table-level restrictions are added by the walkers). */
static inline unsigned pt_leaf_prot(enum pt_format fmt, uint64_t pte)
{
	unsigned prot = 0;

	switch (fmt) {
	case PT_FMT_VTD_SL:
		prot |= (pte & VTD_SLPTE_R) ? PT_PROT_READ : 0;
		prot |= (pte & VTD_SLPTE_W) ? PT_PROT_WRITE : 0;
		break;
	case PT_FMT_VTD_FL:
		prot = PT_PROT_READ | ((pte & VTD_FLPTE_RW) ? PT_PROT_WRITE : 0);
		prot |= (pte & VTD_FLPTE_PCD) ? PT_PROT_DEVICE : 0;
		break;
	case PT_FMT_ARM_S1:
		prot = PT_PROT_READ | ((pte & ARM_S1_AP_RDONLY) ? 0 : PT_PROT_WRITE);
		break;
	case PT_FMT_AMD_V1:
		prot |= (pte & AMD_PTE_IR) ? PT_PROT_READ : 0;
		prot |= (pte & AMD_PTE_IW) ? PT_PROT_WRITE : 0;
		break;
	default:
		prot |= (pte & ARM_S2_S2AP_R) ? PT_PROT_READ : 0;
		prot |= (pte & ARM_S2_S2AP_W) ? PT_PROT_WRITE : 0;
		prot |= FIELD_GET(ARM_S2_MEMATTR, pte) != ARM_S2_MEMATTR_NORMAL_WB ? PT_PROT_DEVICE : 0;
		break;
	}
	return prot;
}

#endif /* IOASID_PT_FMT_H */
