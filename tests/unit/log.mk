# SPDX-License-Identifier: MIT
# Console layer and log formatting (lib/console.c, lib/log.c) against a recording console.
UNIT_TESTS += test_log
test_log_SRCS := tests/unit/test_log.c lib/log.c lib/console.c arch/host/cpu.c
