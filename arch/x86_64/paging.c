// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own 4-level page tables (Intel SDM vol. 3, 4.5; AMD APM vol. 2, 5.3).
 *
 * An identity map: virtual == host-physical, so <hv/mm.h>'s hpa_to_ptr() is a cast.
 *  - Every RAM region of the memory map (usable, firmware, ACPI, our image and pool) is mapped
 *    write-back, read/write and no-execute, with 1 GiB / 2 MiB pages where aligned.
 *    MEM_RESERVED is left out: firmware marks MMIO such as the PCIe ECAM window that way, and
 *    a write-back mapping of MMIO invites speculative accesses.
 *  - W^X: our own .text (__hv_text_start..__hv_text_end from linker.ld) is the only executable
 *    memory, and it is read-only; CR0.WP makes read-only binding for the hypervisor too
 *    (SDM vol. 3, 4.6.1). The "fault_wx" self-test writes into it and must fault.
 *  - MMIO is mapped only on request (arch_map_mmio) as UC (PCD|PWT selects PAT entry 3, which
 *    is UC in the power-on PAT and we program the PAT to be sure; SDM 11.12.2) and no-execute.
 *  - Anything else is unmapped, so a stray pointer faults (the "fault" self-test relies on it),
 *    and so is page 0, so that a NULL dereference faults too.
 *  - The CPU start-up trampoline page below 1 MiB (boot/, arch/x86_64/smp.c) is the one other
 *    executable page, read-only like our code: the other CPUs run it in long mode before they
 *    reach the image. It is written (copied and filled in) before we switch to these tables.
 *
 * Every CPU runs on these same tables. arch_map_mmio may be called from any CPU: a lock keeps
 * two from building the same branch at once. Other CPUs need no TLB shootdown for what it
 * adds, since it only makes not-present entries present and the CPU caches no translation or
 * paging-structure entry from a not-present one (SDM vol. 3, 4.10.4.3). A large page it
 * splits keeps its attributes for the rest of the range (descend()), so a stale large-page
 * entry on another CPU still gives the right answer for every page but the new MMIO pages,
 * which were not RAM (MEM_RESERVED / MEM_MMIO are never mapped as RAM).
 *
 *   63  62..52 51.........12 11..9  8  7   6  5  4   3   2   1  0
 *  [NX][avail][ address     ][avl][G][PS][D][A][PCD][PWT][US][RW][P]
 *
 * Table pages come from the page allocator; a large page is split into a table of the next
 * level when a finer mapping is needed inside it. After changes the whole TLB is flushed by
 * reloading CR3 (no global pages, no PCIDs are used).
 */
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/spinlock.h>

#include "x86.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)
#define PTE_ADDR GENMASK(51, 12)

#define PTE_RAM (PTE_P | PTE_RW)
#define PTE_CODE PTE_P
#define PTE_MMIO (PTE_P | PTE_RW | PTE_PCD | PTE_PWT)

/* PAT entries 0..7 (SDM table 11-12): WB, WT, UC-, UC, then the same again. */
#define X86_PAT_DEFAULT 0x0007040600070406ULL

extern char __hv_text_start[], __hv_text_end[];

static uint64_t *pml4;
static hv_spinlock_t paging_lock = HV_SPINLOCK_INIT; /* changes after boot: arch_map_mmio */
static bool have_1g;
static bool have_nx;

static unsigned level_shift(unsigned level)
{
	return HV_PAGE_SHIFT + 9 * (level - 1); /* level 4 = PML4 ... level 1 = PT */
}

static uint64_t *table_of(uint64_t pte)
{
	return hpa_to_ptr(hpa(pte & PTE_ADDR));
}

/*
 * Make sure *pte (at `level`) points to a table; split a large page into 512 smaller ones with
 * the same attributes. Returns the table or NULL when out of memory.
 */
static uint64_t *descend(uint64_t *pte, unsigned level)
{
	uint64_t *t;

	if ((*pte & PTE_P) && !(*pte & PTE_PS)) {
		return table_of(*pte);
	}
	t = page_alloc(0);
	if (t == NULL) {
		return NULL;
	}
	if (*pte & PTE_P) {
		uint64_t attrs = *pte & ~PTE_ADDR & ~(level - 1 == 1 ? PTE_PS : 0);
		uint64_t base = *pte & PTE_ADDR & ~((1ULL << level_shift(level)) - 1);

		for (unsigned i = 0; i < 512; i++) {
			t[i] = (base + ((uint64_t)i << level_shift(level - 1))) | attrs;
		}
	}
	/* The filled table before the entry that links it: another CPU may walk it at once. */
	__atomic_store_n(pte, hpa_val(ptr_to_hpa(t)) | PTE_P | PTE_RW, __ATOMIC_RELEASE);
	return t;
}

static bool leaf_ok(unsigned level, uint64_t addr, uint64_t left)
{
	uint64_t size = 1ULL << level_shift(level);

	if (level == 1) {
		return true;
	}
	if (level == 3 && !have_1g) {
		return false;
	}
	return level <= 3 && IS_ALIGNED(addr, size) && left >= size;
}

/* Identity-map [base, base+size) with the given leaf attributes, replacing what is there. */
static int map_range(uint64_t base, uint64_t size, uint64_t attrs)
{
	uint64_t addr = ALIGN_DOWN(base, HV_PAGE_SIZE);
	uint64_t end = ALIGN_UP(base + size, HV_PAGE_SIZE);

	while (addr < end) {
		uint64_t *t = pml4;
		unsigned level = 4;

		for (;;) {
			uint64_t *pte = &t[(addr >> level_shift(level)) & 511];

			if (leaf_ok(level, addr, end - addr)) {
				/* Table being replaced by a leaf: keep it simple and never do that. */
				if ((*pte & PTE_P) && !(*pte & PTE_PS) && level > 1) {
					t = table_of(*pte);
					level--;
					continue;
				}
				*pte = addr | attrs | (level > 1 ? PTE_PS : 0);
				addr += 1ULL << level_shift(level);
				break;
			}
			t = descend(pte, level);
			if (t == NULL) {
				return -ENOMEM;
			}
			level--;
		}
	}
	return 0;
}

/* Is every page of [base, base+size) already mapped with exactly these attributes? */
static bool range_mapped_as(uint64_t base, uint64_t size, uint64_t attrs)
{
	uint64_t addr = ALIGN_DOWN(base, HV_PAGE_SIZE);
	uint64_t end = ALIGN_UP(base + size, HV_PAGE_SIZE);

	while (addr < end) {
		uint64_t *t = pml4;
		unsigned level = 4;

		for (;;) {
			uint64_t pte = t[(addr >> level_shift(level)) & 511];

			if (!(pte & PTE_P)) {
				return false;
			}
			if (level == 1 || (pte & PTE_PS)) {
				uint64_t mask = PTE_P | PTE_RW | PTE_PCD | PTE_PWT | PTE_NX;

				if ((pte & mask) != (attrs & mask)) {
					return false;
				}
				addr = ALIGN_DOWN(addr, 1ULL << level_shift(level)) +
				       (1ULL << level_shift(level));
				break;
			}
			t = table_of(pte);
			level--;
		}
	}
	return true;
}

int x86_paging_init(const struct bootinfo *bi)
{
	uint64_t text, text_end;
	uint32_t r[4];
	int ret;

	x86_cpuid(X86_CPUID_EXT_FEATURES, 0, r);
	have_1g = r[3] & X86_CPUID_EXT_EDX_PAGE1GB;
	have_nx = r[3] & X86_CPUID_EXT_EDX_NX;
	if (have_nx) {
		x86_wrmsr(X86_MSR_EFER, x86_rdmsr(X86_MSR_EFER) | X86_EFER_NXE);
	}
	x86_wrmsr(X86_MSR_PAT, X86_PAT_DEFAULT);

	pml4 = page_alloc(0);
	if (pml4 == NULL) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		const struct mem_region *m = &bi->mem[i];

		uint64_t base = hpa_val(m->base), size = m->size;

		if (m->type == MEM_MMIO || m->type == MEM_RESERVED) {
			continue;
		}
		/* Leave page 0 unmapped so a NULL dereference faults instead of reading RAM. */
		if (base == 0) {
			if (size <= HV_PAGE_SIZE) {
				continue;
			}
			base += HV_PAGE_SIZE;
			size -= HV_PAGE_SIZE;
		}
		ret = map_range(base, size, PTE_RAM | (have_nx ? PTE_NX : 0));
		if (ret != 0) {
			return ret;
		}
	}
	text = (uint64_t)(uintptr_t)__hv_text_start;
	text_end = ALIGN_UP((uint64_t)(uintptr_t)__hv_text_end, HV_PAGE_SIZE);
	ret = map_range(text, text_end - text, PTE_CODE);
	if (ret != 0) {
		return ret;
	}
	if (hpa_val(bi->smp_trampoline) >= HV_PAGE_SIZE) {
		ret = map_range(hpa_val(bi->smp_trampoline), HV_PAGE_SIZE, PTE_CODE);
		if (ret != 0) {
			return ret;
		}
	}
	/* Still on the firmware's tables, which let us write the trampoline page. */
	x86_smp_trampoline_setup(bi->smp_trampoline, hpa_val(ptr_to_hpa(pml4)));
	x86_write_cr3(hpa_val(ptr_to_hpa(pml4)));
	x86_write_cr0(x86_read_cr0() | X86_CR0_WP);
	return 0;
}

void x86_paging_cpu_init(void)
{
	x86_wrmsr(X86_MSR_PAT, X86_PAT_DEFAULT);
}

int x86_paging_lookup(uint64_t addr, uint64_t *pte_out, unsigned *level_out)
{
	uint64_t *t = pml4;

	for (unsigned level = 4; level >= 1; level--) {
		uint64_t pte = t[(addr >> level_shift(level)) & 511];

		if (!(pte & PTE_P)) {
			return -ENOENT;
		}
		if (level == 1 || (pte & PTE_PS)) {
			*pte_out = pte;
			*level_out = level;
			return 0;
		}
		t = table_of(pte);
	}
	return -ENOENT;
}

bool x86_paging_have_nx(void)
{
	return have_nx;
}

uint64_t x86_paging_root(void)
{
	return hpa_val(ptr_to_hpa(pml4));
}

int arch_map_mmio(hpa_t base, uint64_t size)
{
	uint64_t attrs = PTE_MMIO | (have_nx ? PTE_NX : 0);
	uint64_t end;
	int ret;

	if (size == 0 || ADD_OVERFLOWS(hpa_val(base), size, &end) || end > (1ULL << 48)) {
		return -EINVAL;
	}
	hv_spin_lock(&paging_lock);
	if (range_mapped_as(hpa_val(base), size, attrs)) {
		hv_spin_unlock(&paging_lock);
		return 0;
	}
	ret = map_range(hpa_val(base), size, attrs);
	x86_write_cr3(x86_read_cr3()); /* flush, also after a partial failure */
	hv_spin_unlock(&paging_lock);
	return ret;
}
