# SPDX-License-Identifier: MIT
# Memory-map editing and command-line parsing used by the UEFI boot path (lib/memmap.c,
# lib/cmdline.c).
UNIT_TESTS += test_bootinfo
test_bootinfo_SRCS := tests/unit/test_bootinfo.c lib/memmap.c lib/cmdline.c
