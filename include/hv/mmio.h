/* SPDX-License-Identifier: MIT */
/*
 * Typed MMIO accessors. Width is part of the name because devices care: QEMU's VT-d model
 * asserts on 8-byte accesses to its 32-bit registers, and the SMMUv3 model returns 0 for 64-bit
 * reads of 32-bit registers. The hypervisor identity-maps MMIO, so an hpa is the address.
 */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include <hv/types.h>

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}
static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}
static inline uint64_t mmio_read64(uintptr_t addr)
{
	return *(volatile uint64_t *)addr;
}
static inline void mmio_write64(uintptr_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}
static inline uint16_t mmio_read16(uintptr_t addr)
{
	return *(volatile uint16_t *)addr;
}
static inline void mmio_write16(uintptr_t addr, uint16_t v)
{
	*(volatile uint16_t *)addr = v;
}
static inline uint8_t mmio_read8(uintptr_t addr)
{
	return *(volatile uint8_t *)addr;
}
static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

#endif /* HV_MMIO_H */
