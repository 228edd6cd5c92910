/* SPDX-License-Identifier: MIT */
/*
 * Set-up side of the physical page allocator (lib/palloc.c). The allocation API itself is in
 * <hv/mm.h>. Each arch calls palloc_init() early in arch_init(), before it builds its own page
 * tables from allocated pages.
 */
#ifndef HV_PALLOC_H
#define HV_PALLOC_H

#include <hv/bootinfo.h>

/*
 * Manage every MEM_USABLE region of bi (whole pages only). Regions overlapping the image or any
 * other non-usable region are trimmed, never trusted. Returns 0 or -ENOMEM if nothing usable.
 */
int palloc_init(const struct bootinfo *bi);

/* Add one range of RAM (used by palloc_init and by the host unit tests). */
int palloc_add_range(hpa_t base, uint64_t size);

/*
 * Take [base, base + size) (page-aligned) out of the allocator for good, for memory a device
 * keeps using behind our back (VT-d RMRRs). 0 if every page was free and is now taken;
 * -ENOENT if no page of it is managed here; -EBUSY if a page is in use or the range is only
 * partly managed; -EINVAL if unaligned or empty.
 */
int palloc_claim(hpa_t base, uint64_t size);
/*
 * Memory that firmware says a device keeps using after boot (VT-d RMRR, IORT RMR), judged
 * against the boot memory map palloc_init() was given: 0 if the range may be left to that
 * device (reserved/firmware memory or outside the map, or usable RAM whose pages were all free
 * and are now taken out of the allocator for good); -EBUSY if it touches the hypervisor's
 * image, heap or loaded files, or RAM already in use; -EINVAL if unaligned, empty, or before
 * palloc_init(). Lives here, below the drivers, so drivers/iommu need nothing from hv/.
 */
int palloc_claim_device_memory(hpa_t base, uint64_t size);

/* Forget every range (host unit tests start each case from nothing). */
void palloc_reset(void);

/* Number of ranges managed, and one of them, for the boot log. */
unsigned palloc_nr_ranges(void);
void palloc_range(unsigned i, hpa_t *base, uint64_t *pages, uint64_t *free_pages);

/* Heap (newlib malloc via _sbrk, lib/syscalls.c) over the MEM_HV_POOL region of bi. */
int heap_init(const struct bootinfo *bi);
uint64_t heap_used(void);
uint64_t heap_size(void);

#endif /* HV_PALLOC_H */
