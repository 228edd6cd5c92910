# SPDX-License-Identifier: MIT
# Interrupt controllers: a minimal GICv3 (arm64) for the hypervisor's CPU kicks (SGIs).
HV_SRCS_arm64 += drivers/irqchip/gicv3.c drivers/irqchip/gicv3_dist.c
