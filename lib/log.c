// SPDX-License-Identifier: MIT
/*
 * hv_log() and hv_panic(). Lines look like "[INF] vtd: unit 0 at 0xfed90000" (the level tag,
 * then the message; a newline is added unless the message ends with one). The QEMU test
 * runner matches these lines, so the format is part of the test interface.
 *
 * Formatting uses newlib's vsnprintf into a stack buffer (no heap, no FILE, no shared state),
 * so logging works from exception handlers and before the heap exists, and then the whole line
 * goes out in one console_write(): one CPU's line is never interleaved with another's (the
 * console lock, lib/console.c). The line format stays exactly as it was with one CPU.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/arch.h>
#include <hv/check.h>
#include <hv/console.h>
#include <hv/exit.h>
#include <hv/log.h>

#define LOG_LINE_MAX 512

enum log_level hv_log_level = LOG_INFO;

static const char *const log_tag[] = { "[ERR] ", "[WRN] ", "[INF] ", "[DBG] " };

/* Format one line; the caller writes it. Returns its length. */
static size_t log_format(char *buf, size_t size, const char *tag, const char *fmt, va_list ap)
{
	size_t tl = strlen(tag);
	int n;

	memcpy(buf, tag, tl);
	n = vsnprintf(buf + tl, size - tl - 1, fmt, ap);
	if (n < 0) {
		n = 0;
	}
	n += (int)tl;
	if ((size_t)n > size - 2) {
		n = (int)size - 2; /* truncated: still end the line */
	}
	if (n == 0 || buf[n - 1] != '\n') {
		buf[n++] = '\n';
	}
	return (size_t)n;
}

static void log_emit(const char *tag, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];

	console_write(buf, log_format(buf, sizeof(buf), tag, fmt, ap));
}

void hv_log(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > hv_log_level) {
		return;
	}
	va_start(ap, fmt);
	log_emit((unsigned)lvl < 4 ? log_tag[lvl] : "[???] ", fmt, ap);
	va_end(ap);
}

__noreturn void hv_panic(const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	size_t n;
	bool locked;

	va_start(ap, fmt);
	n = log_format(buf, sizeof(buf), "[PANIC] ", fmt, ap);
	va_end(ap);
	/*
	 * Bounded: if another CPU died holding the console (or never lets go), the panic line is
	 * written over its output rather than lost. On this CPU the lock is recursive, so a panic
	 * in the middle of a console write does not wait for itself. Released before the exit
	 * path, which may need other CPUs to answer (they must not be left spinning on it).
	 */
	locked = console_lock_bounded();
	console_write_unlocked(buf, n);
	if (locked) {
		console_unlock();
	}
	arch_exit(HV_EXIT_PANIC);
}
