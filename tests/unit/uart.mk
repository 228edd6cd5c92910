# SPDX-License-Identifier: MIT
# 16550 UART driver (drivers/uart/ns16550.c) against a register-level fake.
UNIT_TESTS += test_ns16550
test_ns16550_SRCS := tests/unit/test_ns16550.c drivers/uart/ns16550.c
