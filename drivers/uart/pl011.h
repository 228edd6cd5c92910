/* SPDX-License-Identifier: MIT */
/*
 * Arm PL011 UART (drivers/uart/pl011.c): transmit-only console driver. The firmware has
 * configured baud rate and line format; we only write bytes. Plug it into the console with
 *     static struct pl011 uart = { .base = <from SPCR> };
 *     static const struct console_dev con = { "pl011", &uart, pl011_putc };
 */
#ifndef DRIVERS_UART_PL011_H
#define DRIVERS_UART_PL011_H

#include <hv/types.h>

struct pl011 {
	uintptr_t base;     /* MMIO base, identity-mapped as device memory */
	uint64_t dropped;   /* bytes dropped because the TX FIFO stayed full */
};

/* 0 if the UART looks usable (enabled for transmit), -ENODEV otherwise. */
int pl011_probe(struct pl011 *u);
void pl011_putc(void *ctx, char c);

#endif /* DRIVERS_UART_PL011_H */
