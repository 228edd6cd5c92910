# SPDX-License-Identifier: MIT
# arm64 EL2 stage-1 table builder (arch/arm64/pgtable.c) against the host page allocator.
UNIT_TESTS += test_arm64_pgtable
test_arm64_pgtable_SRCS := tests/unit/test_arm64_pgtable.c arch/arm64/pgtable.c \
	arch/host/mm.c arch/host/arch.c arch/host/cpu.c
