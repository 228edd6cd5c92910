// SPDX-License-Identifier: MIT
/*
 * 16550-compatible UART, polled transmit only (the console never reads input).
 *
 * Assumptions: the UART is a 16550A or compatible (PC16550D datasheet register map; QEMU's
 * hw/char/serial.c), 8N1, FIFOs on. Registers are reached through the accessors in struct
 * ns16550 so one driver serves port I/O (x86 COM1 at 0x3f8) and MMIO (reg_shift spaced).
 *
 * Transmit waits on LSR.THRE with a fixed iteration bound instead of the timer, because the
 * console is used before the arch counter is calibrated and from exception handlers; if the
 * bound runs out the byte is dropped rather than hanging the hypervisor.
 */
#include <hv/console.h>
#include <hv/errno.h>

#define NS16550_THR 0 /* transmit holding (write, DLAB=0) */
#define NS16550_DLL 0 /* divisor latch low (DLAB=1) */
#define NS16550_IER 1 /* interrupt enable (DLAB=0) */
#define NS16550_DLM 1 /* divisor latch high (DLAB=1) */
#define NS16550_FCR 2 /* FIFO control (write) */
# define NS16550_FCR_ENABLE 0x01
# define NS16550_FCR_CLEAR_RX 0x02
# define NS16550_FCR_CLEAR_TX 0x04
#define NS16550_LCR 3 /* line control */
# define NS16550_LCR_8N1 0x03
# define NS16550_LCR_DLAB 0x80
#define NS16550_MCR 4 /* modem control */
# define NS16550_MCR_DTR 0x01
# define NS16550_MCR_RTS 0x02
#define NS16550_LSR 5 /* line status */
# define NS16550_LSR_THRE 0x20
#define NS16550_SCR 7 /* scratch: used to check that something answers */

#define NS16550_TX_SPIN 100000

static uint8_t reg_rd(struct ns16550 *u, unsigned reg)
{
	return u->reg_read(u->base + (reg << u->reg_shift));
}

static void reg_wr(struct ns16550 *u, unsigned reg, uint8_t v)
{
	u->reg_write(u->base + (reg << u->reg_shift), v);
}

int ns16550_init(struct ns16550 *u, uint32_t baud, uint32_t clock_hz)
{
	uint32_t div = clock_hz / (16 * baud);

	/* The scratch register holds what is written on a real 16550; nothing there reads 0xff. */
	reg_wr(u, NS16550_SCR, 0x5a);
	if (reg_rd(u, NS16550_SCR) != 0x5a) {
		return -ENODEV;
	}
	reg_wr(u, NS16550_IER, 0);
	reg_wr(u, NS16550_LCR, NS16550_LCR_DLAB);
	reg_wr(u, NS16550_DLL, div & 0xff);
	reg_wr(u, NS16550_DLM, (div >> 8) & 0xff);
	reg_wr(u, NS16550_LCR, NS16550_LCR_8N1);
	reg_wr(u, NS16550_FCR, NS16550_FCR_ENABLE | NS16550_FCR_CLEAR_RX | NS16550_FCR_CLEAR_TX);
	reg_wr(u, NS16550_MCR, NS16550_MCR_DTR | NS16550_MCR_RTS);
	return 0;
}

void ns16550_putc(void *ctx, char c)
{
	struct ns16550 *u = ctx;

	for (unsigned i = 0; i < NS16550_TX_SPIN; i++) {
		if (reg_rd(u, NS16550_LSR) & NS16550_LSR_THRE) {
			reg_wr(u, NS16550_THR, (uint8_t)c);
			return;
		}
	}
}
