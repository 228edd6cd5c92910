/* SPDX-License-Identifier: MIT */
/*
 * Bit-field helpers with one argument order everywhere: mask first, then value.
 *   GENMASK(hi, lo)       bits hi..lo set (64-bit)
 *   FIELD_GET(mask, reg)  extract the field at mask from reg
 *   FIELD_PREP(mask, val) place val into the field at mask
 */
#ifndef HV_BITS_H
#define HV_BITS_H

#include <stdint.h>

#define BIT(n) (1ULL << (n))
#define GENMASK(hi, lo) ((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))
#define FIELD_SHIFT(mask) ((unsigned)__builtin_ctzll(mask))
#define FIELD_GET(mask, reg) (((uint64_t)(reg) & (mask)) >> FIELD_SHIFT(mask))
#define FIELD_PREP(mask, val) (((uint64_t)(val) << FIELD_SHIFT(mask)) & (mask))

#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* addr + len overflow check, as iommufd's check_add_overflow(): true if it wraps. */
#define ADD_OVERFLOWS(a, b, res) __builtin_add_overflow((a), (b), (res))

#endif /* HV_BITS_H */
