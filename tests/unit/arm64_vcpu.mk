# SPDX-License-Identifier: MIT
# arm64 vCPU exit decoder and stage-2 register values (arch/arm64/vcpu_decode.c), and the CPU's
# stage-2 walk over a GPA table built by the page-table engine.
UNIT_TESTS += test_arm64_vcpu
test_arm64_vcpu_SRCS := tests/unit/test_arm64_vcpu.c arch/arm64/vcpu_decode.c ioasid/pt.c ioasid/pt_foreign.c \
	arch/host/mm.c arch/host/arch.c arch/host/cpu.c lib/strerror.c
