# SPDX-License-Identifier: MIT
# GICv3 ITS command encoders and the LPI bitmap allocator (drivers/irqchip/gicv3_its_enc.c, no
# MMIO).
UNIT_TESTS += test_gicv3_its
test_gicv3_its_SRCS := tests/unit/test_gicv3_its.c drivers/irqchip/gicv3_its_enc.c
