# SPDX-License-Identifier: MIT
# CPU bring-up and work hand-off (hv/smp.c) with threads as CPUs (arch/host/smp.c).
UNIT_TESTS += test_smp
test_smp_SRCS := tests/unit/test_smp.c hv/smp.c arch/host/smp.c arch/host/arch.c arch/host/cpu.c arch/host/mm.c lib/strerror.c
test_smp_CFLAGS := -pthread
