/* SPDX-License-Identifier: MIT */
/*
 * Host fake of the physical page allocator (include/hv/mm.h) for unit tests and the benchmark.
 *
 * Process addresses stand in for host-physical addresses (hpa_to_ptr() is a cast on every arch).
 * Memory comes from aligned_alloc() so blocks are naturally aligned like the real buddy
 * allocator's, and is zeroed because callers (page-table code) rely on that. The counters are
 * updated atomically so tests that use threads see consistent numbers.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>

#include "arch/host/host.h"

#define HOST_MM_DEFAULT_TOTAL (1ULL << 20) /* 4 GiB worth of 4 KiB pages */

static uint64_t host_total = HOST_MM_DEFAULT_TOTAL;
static uint64_t host_used;
static uint64_t host_fail_countdown;
static bool host_fail_all;
static uint64_t host_calls;

void host_mm_fail_after(uint64_t n)
{
	__atomic_store_n(&host_fail_countdown, n, __ATOMIC_SEQ_CST);
}

void host_mm_fail_always(bool on)
{
	__atomic_store_n(&host_fail_all, on, __ATOMIC_SEQ_CST);
}

uint64_t host_mm_alloc_calls(void)
{
	return __atomic_load_n(&host_calls, __ATOMIC_SEQ_CST);
}

void host_mm_set_total(uint64_t pages)
{
	__atomic_store_n(&host_total, pages, __ATOMIC_SEQ_CST);
}

/* True if this call is the one the injected countdown selected. */
static bool host_injected_failure(void)
{
	uint64_t cur = __atomic_load_n(&host_fail_countdown, __ATOMIC_SEQ_CST);

	while (cur != 0) {
		if (__atomic_compare_exchange_n(&host_fail_countdown, &cur, cur - 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			return cur == 1;
		}
	}
	return false;
}

void *page_alloc(unsigned order)
{
	uint64_t n, used;
	size_t size;
	void *p;

	__atomic_add_fetch(&host_calls, 1, __ATOMIC_SEQ_CST);
	if (order > 30) {
		return NULL;
	}
	if (host_injected_failure() || __atomic_load_n(&host_fail_all, __ATOMIC_SEQ_CST)) {
		return NULL;
	}
	n = 1ULL << order;
	used = __atomic_add_fetch(&host_used, n, __ATOMIC_SEQ_CST);
	if (used > __atomic_load_n(&host_total, __ATOMIC_SEQ_CST)) {
		__atomic_sub_fetch(&host_used, n, __ATOMIC_SEQ_CST);
		return NULL;
	}
	size = (size_t)(n * HV_PAGE_SIZE);
	p = aligned_alloc(size, size);
	if (p == NULL) {
		__atomic_sub_fetch(&host_used, n, __ATOMIC_SEQ_CST);
		return NULL;
	}
	memset(p, 0, size);
	return p;
}

void page_free(void *p, unsigned order)
{
	if (p == NULL) {
		return;
	}
	__atomic_sub_fetch(&host_used, 1ULL << order, __ATOMIC_SEQ_CST);
	free(p);
}

uint64_t page_free_count(void)
{
	uint64_t total = __atomic_load_n(&host_total, __ATOMIC_SEQ_CST);
	uint64_t used = __atomic_load_n(&host_used, __ATOMIC_SEQ_CST);

	return used > total ? 0 : total - used;
}

uint64_t page_total_count(void)
{
	return __atomic_load_n(&host_total, __ATOMIC_SEQ_CST);
}

static host_clean_fn host_clean_hook;

void host_mm_set_clean_hook(host_clean_fn fn)
{
	host_clean_hook = fn;
}

/*
 * The host "device" is the test itself, reading through the same cache: nothing to clean, but a
 * test may watch what would have been cleaned.
 */
void arch_dcache_clean(const void *p, size_t len)
{
	if (host_clean_hook != NULL) {
		host_clean_hook(p, len);
	}
}
