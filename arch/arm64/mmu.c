// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own EL2 stage-1 translation: an identity map of RAM as Normal write-back
 * memory, plus MMIO ranges as Device-nGnRE added by arch_map_mmio().
 *
 * Assumptions: non-VHE EL2 (HCR_EL2.E2H = 0), 4 KiB granule, 48-bit VA starting at level 0
 * (TCR_EL2.T0SZ = 16), output addresses below 2^48. Formats from Arm ARM chapter D8 ("The
 * AArch64 Virtual Memory System Architecture": translation table descriptor formats, memory
 * attribute fields, access permissions) and the TCR_EL2/MAIR_EL2 register descriptions.
 *
 * A stage-1 descriptor, 4 KiB granule, 48-bit OA:
 *
 *   63   55 54 53   48 47                           12 11 10  9 8  7 6  5  4   2  1  0
 *  +------+--+-------+-------------------------------+--+--+----+----+--+------+--+--+
 *  | ign  |XN| res0  |   output address / next table | nG|AF| SH | AP |NS| Attr |T |V |
 *  +------+--+-------+-------------------------------+--+--+----+----+--+------+--+--+
 *
 * T=1 at levels 0-2 is a table descriptor, T=0 at levels 1-2 a block (1 GiB / 2 MiB), and at
 * level 3 T must be 1 (a page). In a translation regime with one privilege level, AP[1] (bit 6)
 * is RES1, AP[2] (bit 7) makes a page read-only and bit 54 is XN. Our own code (.text) is
 * mapped read-only and executable, all other RAM read-write and execute-never, devices XN: a
 * stray write into code or a jump into data faults with a register dump instead of corrupting
 * state silently.
 *
 * Updates after the switch only turn invalid entries into valid ones (no break-before-make is
 * ever needed because we never change a live entry: a conflicting request fails with -EEXIST,
 * or, while building the RAM map, leaves the earlier, more specific mapping in place),
 * so a DSB ISHST + ISB publishes them (translation faults are never cached in TLBs).
 */
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>

#include "arm64.h"

#define PTE_VALID BIT(0)
#define PTE_TABLE BIT(1)              /* levels 0-2: table; level 3: page */
#define PTE_ATTRINDX GENMASK(4, 2)    /* index into MAIR_EL2 */
#define PTE_AP1_RES1 BIT(6)
#define PTE_AP2_RO BIT(7)
#define PTE_SH GENMASK(9, 8)
# define PTE_SH_INNER 3
#define PTE_AF BIT(10)                /* access flag: set, we have no hardware AF update */
#define PTE_ADDR GENMASK(47, 12)
#define PTE_XN BIT(54)

#define PT_ENTRIES 512
#define PT_LEVELS 4
#define VA_BITS 48

#define ATTR_NORMAL \
	(FIELD_PREP(PTE_ATTRINDX, MAIR_IDX_NORMAL) | PTE_AP1_RES1 | \
	 FIELD_PREP(PTE_SH, PTE_SH_INNER) | PTE_AF)
#define ATTR_TEXT (ATTR_NORMAL | PTE_AP2_RO)
#define ATTR_DATA (ATTR_NORMAL | PTE_XN)
#define ATTR_DEVICE (FIELD_PREP(PTE_ATTRINDX, MAIR_IDX_DEVICE) | PTE_AP1_RES1 | PTE_AF | PTE_XN)

/* linker.ld */
extern char __hv_text_start[], __hv_text_end[];

static uint64_t *root;
static bool mmu_live;

static unsigned level_shift(unsigned level)
{
	return HV_PAGE_SHIFT + 9 * (PT_LEVELS - 1 - level);
}

/*
 * Map the part of [addr, addr+left) that one descriptor can cover, as identity with the given
 * leaf attributes; *done is how many bytes that was (at least up to the next block boundary).
 * Uses the largest block that fits (1 GiB at level 1, 2 MiB at level 2, else a 4 KiB page).
 * An existing different leaf is an error, unless keep: then it is left alone and skipped.
 */
static int map_step(uint64_t addr, uint64_t left, uint64_t attrs, bool keep, uint64_t *done)
{
	uint64_t *table = root;

	for (unsigned level = 0; level < PT_LEVELS; level++) {
		unsigned shift = level_shift(level);
		uint64_t bsize = 1ULL << shift;
		uint64_t *pte = &table[(addr >> shift) & (PT_ENTRIES - 1)];
		uint64_t e = READ_ONCE(*pte);
		uint64_t type = level == PT_LEVELS - 1 ? PTE_TABLE | PTE_VALID : PTE_VALID;
		void *next;

		if ((e & PTE_VALID) && level < PT_LEVELS - 1 && (e & PTE_TABLE)) {
			table = hpa_to_ptr(hpa(e & PTE_ADDR));
			continue;
		}
		if (e & PTE_VALID) {
			/* A leaf already covers addr: fine if it is the same identity mapping. */
			if (!keep && e != (ALIGN_DOWN(addr, bsize) | attrs | type)) {
				return -EEXIST;
			}
			*done = bsize - (addr & (bsize - 1));
			return 0;
		}
		if (level == PT_LEVELS - 1 ||
		    (level >= 1 && IS_ALIGNED(addr, bsize) && left >= bsize)) {
			WRITE_ONCE(*pte, addr | attrs | type);
			*done = bsize;
			return 0;
		}
		next = page_alloc(0);
		if (next == NULL) {
			return -ENOMEM;
		}
		WRITE_ONCE(*pte, hpa_val(ptr_to_hpa(next)) | PTE_TABLE | PTE_VALID);
		table = next;
	}
	return -EINVAL; /* not reached: level 3 always returns */
}

static int map_range(uint64_t base, uint64_t size, uint64_t attrs, bool keep)
{
	uint64_t addr = ALIGN_DOWN(base, HV_PAGE_SIZE);
	uint64_t end;
	int ret = 0;

	if (size == 0) {
		return 0;
	}
	if (ADD_OVERFLOWS(base, size, &end) || end > (1ULL << VA_BITS)) {
		return -ERANGE;
	}
	end = ALIGN_UP(end, HV_PAGE_SIZE);
	while (addr < end) {
		uint64_t done;

		ret = map_step(addr, end - addr, attrs, keep, &done);
		if (ret != 0) {
			break;
		}
		addr += done;
	}
	if (mmu_live) {
		dsb(ishst);
		isb();
	}
	return ret;
}

int arch_map_mmio(hpa_t base, uint64_t size)
{
	if (root == NULL) {
		return -ENODEV;
	}
	return map_range(hpa_val(base), size, ATTR_DEVICE, false);
}

uint64_t arm64_mmu_root(void)
{
	return hpa_val(ptr_to_hpa(root));
}

/*
 * Build the identity map: our code first (read-only, executable), then every RAM region the
 * firmware reported (anything but MMIO) around it as read-write, execute-never data.
 */
int arm64_mmu_init(const struct bootinfo *bi)
{
	uint64_t text = (uint64_t)(uintptr_t)__hv_text_start;
	uint64_t text_end = ALIGN_UP((uint64_t)(uintptr_t)__hv_text_end, HV_PAGE_SIZE);
	int ret = 0;

	root = page_alloc(0);
	if (root == NULL) {
		return -ENOMEM;
	}
	ret = map_range(text, text_end - text, ATTR_TEXT, false);
	if (ret != 0) {
		pr_err("arm64: cannot map our code: %d", ret);
		return ret;
	}
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		const struct mem_region *m = &bi->mem[i];

		if (m->type == MEM_MMIO) {
			continue;
		}
		ret = map_range(hpa_val(m->base), m->size, ATTR_DATA, true);
		if (ret != 0) {
			pr_err("arm64: cannot map RAM [0x%llx, +0x%llx): %d",
			       (unsigned long long)hpa_val(m->base), (unsigned long long)m->size,
			       ret);
			return ret;
		}
	}
	return 0;
}

/* Program MAIR/TCR/TTBR0/SCTLR_EL2 for our tables and switch to them (entry.S). */
void arm64_mmu_enable(void)
{
	unsigned parange = (unsigned)FIELD_GET(ID_AA64MMFR0_PARANGE, read_sysreg(id_aa64mmfr0_el1));
	uint64_t tcr, sctlr;

	/* PARange encodings 0..5 are 32..48 bits; we never output above 48 bits. */
	if (parange > TCR_PS_48BIT) {
		parange = TCR_PS_48BIT;
	}
	tcr = TCR_EL2_RES1 | FIELD_PREP(TCR_EL2_T0SZ, 64 - VA_BITS) |
	      FIELD_PREP(TCR_EL2_IRGN0, TCR_RGN_WBWA) | FIELD_PREP(TCR_EL2_ORGN0, TCR_RGN_WBWA) |
	      FIELD_PREP(TCR_EL2_SH0, TCR_SH_INNER) | FIELD_PREP(TCR_EL2_TG0, TCR_TG0_4K) |
	      FIELD_PREP(TCR_EL2_PS, parange);
	sctlr = read_sysreg(sctlr_el2);
	sctlr |= SCTLR_EL2_M | SCTLR_EL2_C | SCTLR_EL2_I | SCTLR_EL2_SA;
	sctlr &= ~(SCTLR_EL2_A | SCTLR_EL2_WXN | SCTLR_EL2_EE);
	arm64_mmu_switch(MAIR_EL2_VALUE, tcr, arm64_mmu_root(), sctlr);
	mmu_live = true;
}

/*
 * Translate va with the live EL2 stage-1 regime (AT S1E2R, Arm ARM "AT S1E2R" and PAR_EL1):
 * returns true and the output address if it is mapped.
 */
bool arm64_mmu_translate(uint64_t va, uint64_t *pa)
{
	uint64_t par;

	__asm__ __volatile__("at s1e2r, %0" ::"r"(va) : "memory");
	isb();
	par = read_sysreg(par_el1);
	if (par & PAR_F) {
		return false;
	}
	*pa = (par & PAR_PA) | (va & (HV_PAGE_SIZE - 1));
	return true;
}

/* Like arm64_mmu_translate() for a write (AT S1E2W): false for unmapped or read-only va. */
bool arm64_mmu_writable(uint64_t va)
{
	__asm__ __volatile__("at s1e2w, %0" ::"r"(va) : "memory");
	isb();
	return !(read_sysreg(par_el1) & PAR_F);
}
