/* SPDX-License-Identifier: MIT */
/*
 * The console: one output device (a UART driver registers itself), used by hv_log() and by
 * newlib's _write(). Output before a device is registered is dropped, not buffered: the boot
 * path prints through UEFI ConOut until ExitBootServices, and each arch registers its UART
 * first thing in arch_init().
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/types.h>

struct console_dev {
	const char *name;
	void *ctx;
	void (*putc)(void *ctx, char c);
};

void console_register(const struct console_dev *dev);
bool console_present(void);
/*
 * Writes len bytes, turning "\n" into "\r\n" for terminals, as one unit: another CPU's write
 * never lands in the middle (console_lock, lib/console.c).
 */
void console_write(const char *s, size_t len);
void console_puts(const char *s);
/*
 * The console lock, recursive per CPU, for output that must stay together across several
 * writes (an exception dump): console_lock(); pr_err(...); ...; console_unlock();
 * console_lock_bounded() waits a bounded time and returns false if another CPU still holds it
 * (hv_panic then writes without it); release it with console_unlock() only if it returned true.
 */
void console_lock(void);
void console_unlock(void);
bool console_lock_bounded(void);
void console_write_unlocked(const char *s, size_t len);

/*
 * 16550-compatible UART (drivers/uart/ns16550.c). Registers are reached through reg_read/
 * reg_write so the same driver serves x86 port I/O (COM1 at 0x3f8) and MMIO-mapped 16550s.
 */
struct ns16550 {
	uintptr_t base;
	unsigned reg_shift;
	uint8_t (*reg_read)(uintptr_t addr);
	void (*reg_write)(uintptr_t addr, uint8_t v);
};

int ns16550_init(struct ns16550 *u, uint32_t baud, uint32_t clock_hz);
void ns16550_putc(void *ctx, char c);

#endif /* HV_CONSOLE_H */
