// SPDX-License-Identifier: MIT
/*
 * struct bootinfo memory-map editing; see include/hv/memmap.h. Used by boot/ after
 * ExitBootServices, so it must not allocate: everything happens inside bi->mem[].
 */
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/memmap.h>

int memmap_append(struct bootinfo *bi, uint64_t base, uint64_t size, uint32_t type)
{
	struct mem_region *last = bi->nr_mem ? &bi->mem[bi->nr_mem - 1] : NULL;
	uint64_t end;

	if (size == 0 || ADD_OVERFLOWS(base, size, &end)) {
		return -EINVAL;
	}
	if (last != NULL && last->type == type && hpa_val(last->base) + last->size == base) {
		last->size += size;
		return 0;
	}
	if (bi->nr_mem == BOOTINFO_MAX_MEM) {
		return -ENOSPC;
	}
	bi->mem[bi->nr_mem++] = (struct mem_region){ hpa(base), size, type, 0 };
	return 0;
}

int memmap_carve(struct bootinfo *bi, uint64_t base, uint64_t size, uint32_t type)
{
	uint64_t end;
	uint32_t need = 1;

	if (size == 0 || ADD_OVERFLOWS(base, size, &end)) {
		return -EINVAL;
	}
	/* Count the slots first so a full map fails before anything changes. */
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		uint64_t mb = hpa_val(bi->mem[i].base), me = mb + bi->mem[i].size;

		if (mb < base && me > end) {
			need++; /* split: the tail needs a slot */
		}
	}
	if (bi->nr_mem + need > BOOTINFO_MAX_MEM) {
		return -ENOSPC;
	}
	for (uint32_t i = 0, n = bi->nr_mem; i < n; i++) {
		struct mem_region *m = &bi->mem[i];
		uint64_t mb = hpa_val(m->base), me = mb + m->size;

		if (me <= base || mb >= end) {
			continue;
		}
		if (mb < base && me > end) {
			bi->mem[bi->nr_mem++] = (struct mem_region){ hpa(end), me - end, m->type, 0 };
			m->size = base - mb;
		} else if (mb < base) {
			m->size = base - mb;
		} else if (me > end) {
			m->base = hpa(end);
			m->size = me - end;
		} else {
			m->size = 0; /* fully covered: dropped by memmap_normalise() */
		}
	}
	bi->mem[bi->nr_mem++] = (struct mem_region){ hpa(base), size, type, 0 };
	return 0;
}

void memmap_normalise(struct bootinfo *bi)
{
	uint32_t n = 0;

	/* Insertion sort: at most BOOTINFO_MAX_MEM entries, usually nearly sorted already. */
	for (uint32_t i = 1; i < bi->nr_mem; i++) {
		struct mem_region key = bi->mem[i];
		uint32_t j = i;

		while (j > 0 && hpa_val(bi->mem[j - 1].base) > hpa_val(key.base)) {
			bi->mem[j] = bi->mem[j - 1];
			j--;
		}
		bi->mem[j] = key;
	}
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		struct mem_region *m = &bi->mem[i];
		struct mem_region *prev = n ? &bi->mem[n - 1] : NULL;

		if (m->size == 0) {
			continue;
		}
		if (prev != NULL && prev->type == m->type &&
		    hpa_val(prev->base) + prev->size == hpa_val(m->base)) {
			prev->size += m->size;
			continue;
		}
		bi->mem[n++] = *m;
	}
	bi->nr_mem = n;
}

uint32_t memmap_type_at(const struct bootinfo *bi, uint64_t addr)
{
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		uint64_t b = hpa_val(bi->mem[i].base);

		if (addr >= b && addr - b < bi->mem[i].size) {
			return bi->mem[i].type;
		}
	}
	return 0;
}
