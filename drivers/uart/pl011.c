// SPDX-License-Identifier: MIT
/*
 * Arm PrimeCell UART (PL011), polled transmit only.
 *
 * Assumptions: the firmware (AAVMF/edk2 uses this UART as its own console) left it enabled
 * with baud rate and line control set, so we never reprogram it: no clock knowledge needed,
 * and real boards whose SPCR names an SBSA generic UART (a PL011 subset without the baud
 * registers) work too. Register map and bits: Arm PrimeCell UART (PL011) Technical Reference
 * Manual, DDI 0183, 3.2 "Summary of registers" and 3.3.3 (UARTFR), 3.3.8 (UARTCR); the SBSA
 * generic UART subset: Arm Server Base System Architecture, appendix "Generic UART". Only
 * 32-bit accesses are used, as the SBSA subset requires.
 *
 * Every wait is bounded (poll_until): if the TX FIFO stays full for PL011_TX_TIMEOUT_US the
 * byte is dropped and counted, never hanging the hypervisor in its console (which also runs
 * from exception handlers).
 */
#include <hv/errno.h>
#include <hv/mmio.h>
#include <hv/wait.h>

#include "pl011.h"

#define PL011_DR 0x000   /* data register: write = transmit */
#define PL011_FR 0x018   /* flag register */
# define PL011_FR_TXFF (1u << 5)  /* transmit FIFO full */
# define PL011_FR_BUSY (1u << 3)  /* transmitting */
#define PL011_CR 0x030   /* control register (absent on the SBSA subset: reads as 0) */
# define PL011_CR_UARTEN (1u << 0)
# define PL011_CR_TXE (1u << 8)

#define PL011_TX_TIMEOUT_US 20000

int pl011_probe(struct pl011 *u)
{
	uint32_t cr;

	if (u->base == 0) {
		return -ENODEV;
	}
	/* An SBSA generic UART has no UARTCR; trust the firmware's SPCR for it. */
	cr = mmio_read32(u->base + PL011_CR);
	if (cr != 0 && (cr & (PL011_CR_UARTEN | PL011_CR_TXE)) !=
			       (PL011_CR_UARTEN | PL011_CR_TXE)) {
		return -ENODEV;
	}
	return 0;
}

void pl011_putc(void *ctx, char c)
{
	struct pl011 *u = ctx;

	if (poll_until(!(mmio_read32(u->base + PL011_FR) & PL011_FR_TXFF), PL011_TX_TIMEOUT_US) !=
	    0) {
		u->dropped++;
		return;
	}
	mmio_write32(u->base + PL011_DR, (uint8_t)c);
}
