/* SPDX-License-Identifier: MIT */
/* The hypervisor's own timer, CNTHP (hyptimer.c): one deadline per CPU that ends its idle WFI. */
#ifndef ARCH_ARM64_HYPTIMER_H
#define ARCH_ARM64_HYPTIMER_H

#include <stdint.h>

#define ARM64_PPI_HYPTIMER 26U /* CNTHP's interrupt (SBSA, QEMU virt) */

/* This CPU: disarmed, its PPI enabled with a handler that disarms it. 0, -ENODEV (no GIC). */
int arm64_hyptimer_cpu_init(void);
/* Fire at CNTPCT_EL0 >= deadline (replaces the previous deadline); IRQs masked, this CPU. */
void arm64_hyptimer_arm(uint64_t deadline);
void arm64_hyptimer_disarm(void);

#endif /* ARCH_ARM64_HYPTIMER_H */
