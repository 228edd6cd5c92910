# SPDX-License-Identifier: MIT
# Interrupt controllers (arm64): the GICv3 for the hypervisor's CPU kicks (gicv3.c), its SPIs
# (gicv3_dist.c), LPIs (gicv3_lpi.c) and the ITS (gicv3_its.c; command encoders and the LPI
# bitmap in gicv3_its_enc.c, which the host unit tests build too).
HV_SRCS_arm64 += drivers/irqchip/gicv3.c drivers/irqchip/gicv3_dist.c \
	drivers/irqchip/gicv3_lpi.c drivers/irqchip/gicv3_its.c drivers/irqchip/gicv3_its_enc.c
