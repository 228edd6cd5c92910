// SPDX-License-Identifier: MIT
/*
 * hv_log() and hv_panic(). Lines look like "[INF] vtd: unit 0 at 0xfed90000" (the level tag,
 * then the message; a newline is added unless the message ends with one). The QEMU test
 * runner matches these lines, so the format is part of the test interface.
 *
 * Formatting uses newlib's nano vsnprintf into a stack buffer (no heap, no FILE locks), so
 * logging works from exception handlers and before the heap exists.
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

static void log_emit(const char *tag, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	size_t tl = strlen(tag);
	int n;

	memcpy(buf, tag, tl);
	n = vsnprintf(buf + tl, sizeof(buf) - tl - 1, fmt, ap);
	if (n < 0) {
		n = 0;
	}
	n += (int)tl;
	if ((size_t)n > sizeof(buf) - 2) {
		n = (int)sizeof(buf) - 2; /* truncated: still end the line */
	}
	if (n == 0 || buf[n - 1] != '\n') {
		buf[n++] = '\n';
	}
	console_write(buf, (size_t)n);
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
	va_list ap;

	va_start(ap, fmt);
	log_emit("[PANIC] ", fmt, ap);
	va_end(ap);
	arch_exit(HV_EXIT_PANIC);
}
