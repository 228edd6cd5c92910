# SPDX-License-Identifier: MIT
# Physical page allocator (lib/palloc.c) over malloc'ed "RAM"; hv_panic is caught by the test.
UNIT_TESTS += test_palloc
test_palloc_SRCS := tests/unit/test_palloc.c lib/palloc.c lib/memmap.c arch/host/cpu.c
