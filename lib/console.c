// SPDX-License-Identifier: MIT
/*
 * Generic console layer: forwards bytes to the one registered UART driver. It allocates
 * nothing, so it runs from exception handlers and hv_panic().
 *
 * Several CPUs write at once, so console_lock (a recursive lock, the innermost in the lock
 * order of ioasid/core.c: any lock holder may log) is held for a whole console_write(). hv_log()
 * formats a line first and writes it with one console_write(), so a line is never interleaved
 * with another CPU's. Recursive, because an exception taken while this CPU is in the middle of
 * a write (a fault in the UART driver, say) logs its dump on the same CPU; it must not wait for
 * itself. A CPU that dies holding the lock would silence everyone else, so hv_panic() takes it
 * with console_lock_bounded() and writes anyway when that fails.
 */
#include <string.h>

#include <hv/arch.h>
#include <hv/console.h>
#include <hv/spinlock.h>

/* How long a panicking CPU waits for the console before writing over whoever holds it. */
#define CONSOLE_PANIC_WAIT_US 100000

static const struct console_dev *console;
static hv_rspinlock_t console_lock_ = HV_RSPINLOCK_INIT;

void console_register(const struct console_dev *dev)
{
	__atomic_store_n(&console, dev, __ATOMIC_RELEASE);
}

bool console_present(void)
{
	return __atomic_load_n(&console, __ATOMIC_ACQUIRE) != NULL;
}

void console_lock(void)
{
	hv_rspin_lock(&console_lock_);
}

void console_unlock(void)
{
	hv_rspin_unlock(&console_lock_);
}

bool console_lock_bounded(void)
{
	uint64_t start = arch_counter();
	uint64_t ticks = (uint64_t)CONSOLE_PANIC_WAIT_US * (arch_counter_hz() / 1000000 + 1);

	while (!hv_rspin_trylock(&console_lock_)) {
		if (arch_counter() - start > ticks) {
			return false;
		}
		arch_cpu_relax();
	}
	return true;
}

/* Without the lock: the caller holds it, or gave up waiting for it (panic). */
void console_write_unlocked(const char *s, size_t len)
{
	const struct console_dev *c = __atomic_load_n(&console, __ATOMIC_ACQUIRE);

	if (c == NULL) {
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			c->putc(c->ctx, '\r');
		}
		c->putc(c->ctx, s[i]);
	}
}

void console_write(const char *s, size_t len)
{
	/* Before a device is registered nothing is written, so no lock is needed either (boot/). */
	if (!console_present()) {
		return;
	}
	console_lock();
	console_write_unlocked(s, len);
	console_unlock();
}

void console_puts(const char *s)
{
	console_write(s, strlen(s));
}
