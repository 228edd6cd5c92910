// SPDX-License-Identifier: MIT
/*
 * Building the hypervisor's EL2 stage-1 identity map in memory; see pgtable.h for the format
 * and the rules. No system registers here: mmu.c adds the barriers a live update needs.
 */
#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "pgtable.h"

static unsigned level_shift(unsigned level)
{
	return HV_PAGE_SHIFT + 9 * (PT_LEVELS - 1 - level);
}

static uint64_t *next_table(uint64_t e)
{
	return hpa_to_ptr(hpa(e & PTE_ADDR));
}

/*
 * Map the part of [addr, addr+left) that one descriptor covers; *done is how many bytes that
 * was (up to the end of the block or page that now maps addr).
 */
static int map_step(uint64_t *root, uint64_t addr, uint64_t left, uint64_t attrs, bool keep,
		    uint64_t *done)
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
			table = next_table(e);
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

int arm64_pt_map(uint64_t *root, uint64_t base, uint64_t size, uint64_t attrs, bool keep)
{
	uint64_t addr = ALIGN_DOWN(base, HV_PAGE_SIZE);
	uint64_t end;

	if (size == 0) {
		return 0;
	}
	if (ADD_OVERFLOWS(base, size, &end) || end > (1ULL << PT_VA_BITS)) {
		return -ERANGE;
	}
	end = ALIGN_UP(end, HV_PAGE_SIZE);
	while (addr < end) {
		uint64_t done;
		int ret = map_step(root, addr, end - addr, attrs, keep, &done);

		if (ret != 0) {
			return ret;
		}
		addr += done;
	}
	return 0;
}

bool arm64_pt_lookup(const uint64_t *root, uint64_t va, uint64_t *desc, unsigned *level)
{
	const uint64_t *table = root;

	if (va >= (1ULL << PT_VA_BITS)) {
		return false;
	}
	for (unsigned l = 0; l < PT_LEVELS; l++) {
		uint64_t e = READ_ONCE(table[(va >> level_shift(l)) & (PT_ENTRIES - 1)]);

		if (!(e & PTE_VALID)) {
			return false;
		}
		if (l < PT_LEVELS - 1 && (e & PTE_TABLE)) {
			table = next_table(e);
			continue;
		}
		*desc = e;
		*level = l;
		return true;
	}
	return false;
}
