# SPDX-License-Identifier: MIT
# UART drivers: 16550 (x86 COM1, any arch's MMIO 16550) and PL011 (arm64, address from SPCR).
HV_SRCS_x86_64 += drivers/uart/ns16550.c
HV_SRCS_arm64 += drivers/uart/pl011.c
