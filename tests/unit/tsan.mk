# SPDX-License-Identifier: MIT
# ThreadSanitizer tests (make tsan, part of make test; mk/host.mk). Each runs several threads
# as CPUs/vCPUs against the real code; TSan must report nothing.
#   tsan_core  the IOASID core: 2 guests x 2 vCPUs of random hypercalls, invariants after each
#   tsan_lib   the locks (ticket, recursive), the real page allocator, the console and log
#   tsan_vtd_qi  the VT-d invalidation queue: several CPUs submitting against a fake unit
TSAN_TESTS += tsan_core
tsan_core_SRCS = tests/unit/test_tsan_core.c $(CORE_TEST_LIBS)
tsan_core_CFLAGS := -pthread -Wl,--wrap=arch_cpu_relax

TSAN_TESTS += tsan_lib
tsan_lib_SRCS := tests/unit/test_tsan_lib.c lib/palloc.c lib/log.c lib/console.c arch/host/cpu.c
tsan_lib_CFLAGS := -pthread -Wl,--wrap=arch_cpu_relax
