/* SPDX-License-Identifier: MIT */
/*
 * Building the memory map in struct bootinfo (lib/memmap.c). boot/ feeds it the firmware's
 * map; the functions are plain C so they are unit-tested on the host.
 */
#ifndef HV_MEMMAP_H
#define HV_MEMMAP_H

#include <hv/bootinfo.h>

/* Append a region, merging it into the previous one when adjacent and of the same type. */
int memmap_append(struct bootinfo *bi, uint64_t base, uint64_t size, uint32_t type);

/*
 * Make [base, base+size) one region of `type`, cutting or splitting whatever overlapped it.
 * -ENOSPC if the map is full, -EINVAL on an empty or wrapping range; the map is unchanged then.
 */
int memmap_carve(struct bootinfo *bi, uint64_t base, uint64_t size, uint32_t type);

/* Sort by address, drop empty regions and merge adjacent regions of the same type. */
void memmap_normalise(struct bootinfo *bi);

/* The type of the region containing addr, or 0 if none. */
uint32_t memmap_type_at(const struct bootinfo *bi, uint64_t addr);

#endif /* HV_MEMMAP_H */
