// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own EL2 stage-1 translation: an identity map of RAM as Normal write-back
 * memory, plus MMIO ranges as Device-nGnRE added by arch_map_mmio(). The tables themselves are
 * built by pgtable.c (format and rules in pgtable.h); this file owns the root, the switch from
 * the firmware's regime and the barriers for live updates.
 *
 * Assumptions: non-VHE EL2 (HCR_EL2.E2H = 0), 4 KiB granule, 48-bit VA (TCR_EL2.T0SZ = 16),
 * output addresses below 2^48. Registers: Arm ARM register descriptions TCR_EL2, MAIR_EL2,
 * SCTLR_EL2, PAR_EL1 and the AT instructions.
 *
 * W^X: our own code (.text) is read-only and executable, all other RAM read-write and
 * execute-never, devices execute-never, so a stray write into code or a jump into data faults
 * with a register dump instead of corrupting state silently.
 *
 * Live updates only turn invalid entries into valid ones (arm64_pt_map never changes a live
 * entry), so a DSB ISHST + ISB publishes them: translation faults are never cached in TLBs,
 * and no break-before-make sequence is ever needed. The DSB ISH(ST) makes the new entries
 * visible to every CPU's table walker, which is what another CPU needs: it has no stale TLB
 * entry for an address that was unmapped.
 *
 * Several CPUs: arch_map_mmio() is serialised by mmu_lock (a leaf lock: only the page
 * allocator is called under it), so two CPUs never fill the same table slot at once.
 */
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/spinlock.h>

#include "arm64.h"

/* linker.ld */
extern char __hv_text_start[], __hv_text_end[];

static uint64_t *root;
static bool mmu_live;
static hv_spinlock_t mmu_lock = HV_SPINLOCK_INIT;

int arch_map_mmio(hpa_t base, uint64_t size)
{
	int ret;

	if (root == NULL) {
		return -ENODEV;
	}
	hv_spin_lock(&mmu_lock);
	ret = arm64_pt_map(root, hpa_val(base), size, PT_ATTR_DEVICE, false);
	if (mmu_live) {
		/* Also on failure: whatever part was mapped must be visible consistently. */
		dsb(ishst);
		isb();
	}
	hv_spin_unlock(&mmu_lock);
	return ret;
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
	ret = arm64_pt_map(root, text, text_end - text, PT_ATTR_TEXT, false);
	if (ret != 0) {
		pr_err("arm64: cannot map our code: %d", ret);
		return ret;
	}
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		const struct mem_region *m = &bi->mem[i];

		if (m->type == MEM_MMIO) {
			continue;
		}
		ret = arm64_pt_map(root, hpa_val(m->base), m->size, PT_ATTR_DATA, true);
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
	tcr = TCR_EL2_RES1 | FIELD_PREP(TCR_EL2_T0SZ, 64 - PT_VA_BITS) |
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
