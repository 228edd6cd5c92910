# SPDX-License-Identifier: MIT
# The x86_64 virtual local APIC's state machine (arch/x86_64/vlapic.c): priorities, IRR/ISR/EOI,
# the timer's modes, ICR destinations, the MSRs a guest gets #GP for.
UNIT_TESTS += test_vlapic
test_vlapic_SRCS := tests/unit/test_vlapic.c arch/x86_64/vlapic.c
