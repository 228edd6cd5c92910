/* SPDX-License-Identifier: MIT */
/*
 * Address types the compiler can tell apart (Hafnium's paddr_t idea).
 *
 * An IOMMU hypervisor juggles three address spaces: host-physical (what the hardware and the
 * hypervisor's own identity map see), guest-physical (what a guest calls physical), and I/O
 * virtual (what a device puts on the bus). Each is a one-member struct, so passing a gpa_t where
 * an hpa_t is wanted is a compile error, and every conversion is an explicit, greppable call.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t v;
} hpa_t;
typedef struct {
	uint64_t v;
} gpa_t;
typedef struct {
	uint64_t v;
} iova_t;

static inline hpa_t hpa(uint64_t v)
{
	return (hpa_t){ v };
}
static inline gpa_t gpa(uint64_t v)
{
	return (gpa_t){ v };
}
static inline iova_t iova(uint64_t v)
{
	return (iova_t){ v };
}
static inline uint64_t hpa_val(hpa_t a)
{
	return a.v;
}
static inline uint64_t gpa_val(gpa_t a)
{
	return a.v;
}
static inline uint64_t iova_val(iova_t a)
{
	return a.v;
}
static inline hpa_t hpa_add(hpa_t a, uint64_t off)
{
	return (hpa_t){ a.v + off };
}
static inline gpa_t gpa_add(gpa_t a, uint64_t off)
{
	return (gpa_t){ a.v + off };
}
static inline iova_t iova_add(iova_t a, uint64_t off)
{
	return (iova_t){ a.v + off };
}

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE (1ULL << HV_PAGE_SHIFT)
#define HV_PAGE_MASK (~(HV_PAGE_SIZE - 1))
#define SZ_4K (1ULL << 12)
#define SZ_2M (1ULL << 21)
#define SZ_1G (1ULL << 30)

#endif /* HV_TYPES_H */
