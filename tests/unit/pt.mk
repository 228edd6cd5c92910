# SPDX-License-Identifier: MIT
# Page-table engine unit tests (ASan/UBSan, see mk/host.mk) and host fake-arch checks.
UNIT_TESTS += test_pt
test_pt_SRCS := tests/unit/test_pt.c tests/unit/test_pt_txn.c tests/unit/test_pt_foreign.c \
	tests/unit/test_pt_host.c tests/unit/test_pt_util.c \
	ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c arch/host/arch.c arch/host/cpu.c lib/strerror.c
