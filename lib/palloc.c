// SPDX-License-Identifier: MIT
/*
 * Physical page allocator: one bitmap per range of usable RAM.
 *
 * Why a bitmap and not a buddy allocator: the hypervisor allocates mostly single pages (page
 * tables, IOMMU tables, queues) and a few small naturally aligned blocks; a bitmap handles
 * both with no per-page metadata outside the range, makes double frees detectable (the bits
 * must be set), and costs 1 bit per page (32 KiB of bitmap for 1 GiB of RAM).
 *
 * Each range keeps its bitmap in its own first pages, so nothing is needed before the
 * allocator exists. Bit set = page in use. A naturally aligned block of 2^order pages is
 * searched at block-aligned physical addresses only, so the result is aligned as <hv/mm.h>
 * promises.
 *
 * Every CPU allocates (page tables, IOMMU tables, guest memory), so one lock, palloc_lock,
 * guards the ranges and the counters. It is a leaf in the lock order (ioasid/core.c): nothing
 * under it allocates, logs (except a CHECK's panic) or takes another lock, so any caller may
 * hold its own locks while it allocates. Zeroing a block happens after the lock is dropped: the
 * block is the caller's by then, and a 1 GiB memset must not stall the other CPUs.
 *
 * The address 0 page is never handed out, so page_alloc() can use NULL for "none left".
 */
#include <string.h>

#include <hv/bits.h>
#include <hv/check.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/spinlock.h>

#define PALLOC_MAX_RANGES 64
#define PALLOC_MAX_ORDER  18 /* 1 GiB blocks, more than anyone needs */

struct palloc_range {
	uint64_t base;	/* first managed page (after the bitmap) */
	uint64_t pages; /* managed pages */
	uint64_t free;
	uint64_t hint; /* word index where the last order-0 search succeeded */
	uint64_t *bitmap;
};

static hv_spinlock_t palloc_lock; /* guards everything below */
static struct palloc_range ranges[PALLOC_MAX_RANGES];
static unsigned nr_ranges;
static uint64_t total_pages;
static uint64_t free_pages;

static bool bit_test(const uint64_t *bm, uint64_t i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

static void bits_set(uint64_t *bm, uint64_t i, uint64_t n, bool val)
{
	for (uint64_t k = i; k < i + n; k++) {
		if (val) {
			bm[k / 64] |= 1ULL << (k % 64);
		} else {
			bm[k / 64] &= ~(1ULL << (k % 64));
		}
	}
}

static bool bits_all_clear(const uint64_t *bm, uint64_t i, uint64_t n)
{
	uint64_t k = i;

	while (k < i + n) {
		if (k % 64 == 0 && i + n - k >= 64) {
			if (bm[k / 64] != 0) {
				return false;
			}
			k += 64;
			continue;
		}
		if (bit_test(bm, k)) {
			return false;
		}
		k++;
	}
	return true;
}

static bool bits_all_set(const uint64_t *bm, uint64_t i, uint64_t n)
{
	for (uint64_t k = i; k < i + n; k++) {
		if (!bit_test(bm, k)) {
			return false;
		}
	}
	return true;
}

int palloc_add_range(hpa_t base_hpa, uint64_t size)
{
	uint64_t start = ALIGN_UP(hpa_val(base_hpa), HV_PAGE_SIZE);
	uint64_t end;
	uint64_t pages, bm_bytes, bm_pages;
	struct palloc_range *r;

	if (ADD_OVERFLOWS(hpa_val(base_hpa), size, &end)) {
		return -EINVAL;
	}
	end = ALIGN_DOWN(end, HV_PAGE_SIZE);
	if (start == 0) {
		start = HV_PAGE_SIZE; /* never hand out the page at address 0 */
	}
	if (end <= start) {
		return -EINVAL;
	}
	pages = (end - start) >> HV_PAGE_SHIFT;
	bm_bytes = ALIGN_UP(pages, 64) / 8;
	bm_pages = ALIGN_UP(bm_bytes, HV_PAGE_SIZE) >> HV_PAGE_SHIFT;
	if (pages <= bm_pages) {
		return -EINVAL; /* too small to be worth a bitmap */
	}

	hv_spin_lock(&palloc_lock);
	if (nr_ranges == PALLOC_MAX_RANGES) {
		hv_spin_unlock(&palloc_lock);
		return -ENOSPC;
	}
	r = &ranges[nr_ranges];
	r->bitmap = hpa_to_ptr(hpa(start));
	memset(r->bitmap, 0, bm_bytes);
	r->base = start + (bm_pages << HV_PAGE_SHIFT);
	r->pages = pages - bm_pages;
	r->free = r->pages;
	r->hint = 0;
	/* The bitmap was sized for the original page count; the tail bits stay permanently set. */
	bits_set(r->bitmap, r->pages, ALIGN_UP(pages, 64) - r->pages, true);
	nr_ranges++;
	total_pages += r->pages;
	free_pages += r->pages;
	hv_spin_unlock(&palloc_lock);
	return 0;
}

/* Subtract [ob, oe) from [*b, *e), keeping the larger remaining side (overlaps are rare). */
static void trim(uint64_t *b, uint64_t *e, uint64_t ob, uint64_t oe)
{
	uint64_t below, above;

	if (oe <= *b || ob >= *e) {
		return;
	}
	below = ob > *b ? ob - *b : 0;
	above = oe < *e ? *e - oe : 0;
	if (below >= above) {
		*e = *b + below;
	} else {
		*b = oe;
	}
}

/* The boot memory map palloc_init() was given, for palloc_claim_device_memory(). */
static const struct bootinfo *palloc_bi;

int palloc_init(const struct bootinfo *bi)
{
	int ret = -ENOMEM;

	palloc_bi = bi;
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		const struct mem_region *m = &bi->mem[i];
		uint64_t b = m->base.v, e;

		if (m->type != MEM_USABLE || ADD_OVERFLOWS(b, m->size, &e)) {
			continue;
		}
		/* The memory map should never overlap; do not trust that it does not. */
		for (uint32_t j = 0; j < bi->nr_mem; j++) {
			const struct mem_region *o = &bi->mem[j];

			if (j != i && o->type != MEM_USABLE) {
				trim(&b, &e, o->base.v, o->base.v + o->size);
			}
		}
		trim(&b, &e, hpa_val(bi->image_base), hpa_val(bi->image_base) + bi->image_size);
		if (e > b && palloc_add_range(hpa(b), e - b) == 0) {
			ret = 0;
		}
	}
	return ret;
}

/* Under palloc_lock. */
static void *range_alloc(struct palloc_range *r, unsigned order)
{
	uint64_t n = 1ULL << order;
	uint64_t words = ALIGN_UP(r->pages, 64) / 64;
	uint64_t first, i;

	if (r->free < n) {
		return NULL;
	}
	if (order == 0) {
		for (uint64_t k = 0; k < words; k++) {
			uint64_t w = (r->hint + k) % words;

			if (r->bitmap[w] != ~0ULL) {
				i = w * 64 + (uint64_t)__builtin_ctzll(~r->bitmap[w]);
				r->hint = w;
				goto found;
			}
		}
		return NULL;
	}
	/* First index whose physical address is aligned to the block size. */
	first = (ALIGN_UP(r->base, n << HV_PAGE_SHIFT) - r->base) >> HV_PAGE_SHIFT;
	for (i = first; i + n <= r->pages; i += n) {
		if (bits_all_clear(r->bitmap, i, n)) {
			goto found;
		}
	}
	return NULL;
found:
	bits_set(r->bitmap, i, n, true);
	r->free -= n;
	free_pages -= n;
	return hpa_to_ptr(hpa(r->base + (i << HV_PAGE_SHIFT)));
}

void *page_alloc(unsigned order)
{
	void *p = NULL;

	if (order > PALLOC_MAX_ORDER) {
		return NULL;
	}
	hv_spin_lock(&palloc_lock);
	for (unsigned k = 0; k < nr_ranges && p == NULL; k++) {
		p = range_alloc(&ranges[k], order);
	}
	hv_spin_unlock(&palloc_lock);
	if (p != NULL) {
		memset(p, 0, HV_PAGE_SIZE << order);
	}
	return p;
}

void page_free(void *p, unsigned order)
{
	uint64_t a = hpa_val(ptr_to_hpa(p));
	uint64_t n = 1ULL << order;
	bool ok;

	if (p == NULL) {
		return;
	}
	CHECK(order <= PALLOC_MAX_ORDER && IS_ALIGNED(a, n << HV_PAGE_SHIFT));
	hv_spin_lock(&palloc_lock);
	for (unsigned k = 0; k < nr_ranges; k++) {
		struct palloc_range *r = &ranges[k];
		uint64_t i;

		if (a < r->base || a >= r->base + (r->pages << HV_PAGE_SHIFT)) {
			continue;
		}
		i = (a - r->base) >> HV_PAGE_SHIFT;
		/* A double free or a free of memory never allocated is a hypervisor bug. */
		ok = i + n <= r->pages && bits_all_set(r->bitmap, i, n);
		if (ok) {
			bits_set(r->bitmap, i, n, false);
			r->free += n;
			free_pages += n;
		}
		hv_spin_unlock(&palloc_lock);
		CHECK(ok); /* after the unlock: a panic must not leave the allocator locked */
		return;
	}
	hv_spin_unlock(&palloc_lock);
	CHECK(!"page_free: address not managed by the page allocator");
}

static int palloc_claim_locked(uint64_t b, uint64_t e, uint64_t size)
{
	for (unsigned k = 0; k < nr_ranges; k++) {
		struct palloc_range *r = &ranges[k];
		uint64_t re = r->base + (r->pages << HV_PAGE_SHIFT);
		uint64_t i, n;

		if (e <= r->base || b >= re) {
			continue;
		}
		if (b < r->base || e > re) {
			return -EBUSY; /* partly outside what this range manages (its bitmap, a neighbour) */
		}
		i = (b - r->base) >> HV_PAGE_SHIFT;
		n = size >> HV_PAGE_SHIFT;
		if (!bits_all_clear(r->bitmap, i, n)) {
			return -EBUSY;
		}
		bits_set(r->bitmap, i, n, true);
		r->free -= n;
		free_pages -= n;
		return 0;
	}
	return -ENOENT;
}

int palloc_claim(hpa_t base_hpa, uint64_t size)
{
	uint64_t b = hpa_val(base_hpa), e = b + size;
	int ret;

	if (size == 0 || e < b || !IS_ALIGNED(b | size, HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	hv_spin_lock(&palloc_lock);
	ret = palloc_claim_locked(b, e, size);
	hv_spin_unlock(&palloc_lock);
	return ret;
}

void palloc_reset(void)
{
	hv_spin_lock(&palloc_lock);
	nr_ranges = 0;
	total_pages = 0;
	free_pages = 0;
	hv_spin_unlock(&palloc_lock);
}

/* The counters are read under the lock too: a torn or stale count would mislead the books. */
uint64_t page_free_count(void)
{
	uint64_t n;

	hv_spin_lock(&palloc_lock);
	n = free_pages;
	hv_spin_unlock(&palloc_lock);
	return n;
}

uint64_t page_total_count(void)
{
	uint64_t n;

	hv_spin_lock(&palloc_lock);
	n = total_pages;
	hv_spin_unlock(&palloc_lock);
	return n;
}

unsigned palloc_nr_ranges(void)
{
	unsigned n;

	hv_spin_lock(&palloc_lock);
	n = nr_ranges;
	hv_spin_unlock(&palloc_lock);
	return n;
}

void palloc_range(unsigned i, hpa_t *base, uint64_t *pages, uint64_t *free)
{
	CHECK(i < palloc_nr_ranges()); /* ranges are only ever added, never removed, while live */
	hv_spin_lock(&palloc_lock);
	*base = hpa(ranges[i].base);
	*pages = ranges[i].pages;
	*free = ranges[i].free;
	hv_spin_unlock(&palloc_lock);
}

int palloc_claim_device_memory(hpa_t base, uint64_t size)
{
	uint64_t b = hpa_val(base), e = b + size;
	bool usable = false;

	if (size == 0 || e < b || !IS_ALIGNED(b | size, HV_PAGE_SIZE) || palloc_bi == NULL) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < palloc_bi->nr_mem; i++) {
		const struct mem_region *m = &palloc_bi->mem[i];

		if (e <= hpa_val(m->base) || b >= hpa_val(m->base) + m->size) {
			continue;
		}
		if (m->type == MEM_HV_IMAGE || m->type == MEM_HV_POOL || m->type == MEM_LOADED_FILE) {
			return -EBUSY;
		}
		usable |= m->type == MEM_USABLE;
	}
	/* Usable RAM: only if the allocator owns every page and none is in use. */
	return usable ? (palloc_claim(base, size) == 0 ? 0 : -EBUSY) : 0;
}
