/* SPDX-License-Identifier: MIT */
/*
 * Test controls of the host "fake" arch (arch/host/mm.c). Only host unit tests, fuzzers and the
 * benchmark include this; hypervisor code sees include/hv/mm.h only.
 *
 * The fake page allocator hands out zeroed, naturally aligned memory from aligned_alloc() and
 * pretends to manage a pool of host_mm_total pages, so page_free_count() behaves like the real
 * allocator's: it drops on every allocation and comes back on every free. Tests prove "no leak"
 * by comparing page_free_count() before and after.
 */
#ifndef ARCH_HOST_HOST_H
#define ARCH_HOST_HOST_H

#include <hv/types.h>

/*
 * Fail the Nth next page_alloc() call (1 = the very next one), counted down on every call;
 * 0 = never fail. Once it fires it resets to 0 (one injected failure per setting).
 */
void host_mm_fail_after(uint64_t n);
/* Make every page_alloc() fail (true) or behave normally (false). */
void host_mm_fail_always(bool on);
/* Number of page_alloc() calls so far (successful or not), for tests that enumerate failures. */
uint64_t host_mm_alloc_calls(void);
/* Pretend pool size in 4 KiB pages (default 1 Mi pages = 4 GiB); allocations beyond it fail. */
void host_mm_set_total(uint64_t pages);

/*
 * Observe arch_dcache_clean(): fn (NULL to remove) is called with every range cleaned, so tests
 * can prove that every entry written to a non-coherent table was cleaned.
 */
typedef void (*host_clean_fn)(const void *p, size_t len);
void host_mm_set_clean_hook(host_clean_fn fn);

/*
 * arch/host/smp.c: CPUs are threads. A CPU with this hardware ID is refused by the "firmware"
 * (arch_cpu_start fails) / is sent its start but never checks in.
 */
void host_smp_refuse(uint64_t hw_id);
void host_smp_never_start(uint64_t hw_id);

#endif /* ARCH_HOST_HOST_H */
