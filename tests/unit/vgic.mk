# SPDX-License-Identifier: MIT
# The arm64 virtual GICv3's state machine and register emulation (arch/arm64/vgic.c,
# vgic_mmio.c) and the exits that reach it (arch/arm64/vcpu_decode.c), on the host.
UNIT_TESTS += test_vgic
test_vgic_SRCS := tests/unit/test_vgic.c arch/arm64/vgic.c arch/arm64/vgic_mmio.c arch/arm64/vcpu_decode.c \
	arch/host/arch.c arch/host/mm.c lib/strerror.c
