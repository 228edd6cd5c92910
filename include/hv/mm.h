/* SPDX-License-Identifier: MIT */
/*
 * Memory the hypervisor owns.
 *
 * The hypervisor identity-maps host-physical memory on every arch (and the host "fake" arch
 * used by unit tests treats process addresses as host-physical), so converting between an hpa_t
 * and a pointer is a cast, but it is always spelled out with these helpers.
 *
 * Pages come from the physical page allocator (lib/palloc.c on the real arches, arch/host on the
 * build machine, where allocation failures can be injected). Page-table memory a guest can make
 * the hypervisor spend is charged to that guest's quota by the caller (ioasid/pt.c), not here.
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/types.h>

static inline void *hpa_to_ptr(hpa_t a)
{
	return (void *)(uintptr_t)hpa_val(a);
}
static inline hpa_t ptr_to_hpa(const void *p)
{
	return hpa((uint64_t)(uintptr_t)p);
}

/* 2^order contiguous, naturally aligned, zeroed pages; NULL when none are left. */
void *page_alloc(unsigned order);
void page_free(void *p, unsigned order);
/* Pages currently free / managed, for the boot log and for tests that prove frees happen. */
uint64_t page_free_count(void);
uint64_t page_total_count(void);

/*
 * Make CPU writes to [p, p+len) visible to a device whose table walks do not snoop CPU caches
 * (VT-d ECAP.C=0, SMMUv3 IDR0.COHACC=0). x86: clflush; arm64: dc cvac; host: nothing.
 */
void arch_dcache_clean(const void *p, size_t len);

#endif /* HV_MM_H */
