/* SPDX-License-Identifier: MIT */
/*
 * Host fake of the arch hooks (include/hv/arch.h) and of the console (hv_log, hv_panic), so
 * ioasid/ and lib/ code can run as an ordinary process under ASan/UBSan. Logging goes to
 * stderr so test output (TAP on stdout) stays parseable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hv/arch.h>
#include <hv/check.h>
#include <hv/errno.h>
#include <hv/log.h>

enum log_level hv_log_level = LOG_WARN;

const char *arch_name(void)
{
	return "host";
}

/* Nothing to take over on the host. */
void arch_init(struct bootinfo *bi)
{
	(void)bi;
}

/* Drivers under test talk to mocks in process memory, which is already mapped. */
int arch_map_mmio(hpa_t base, uint64_t size)
{
	(void)base;
	(void)size;
	return 0;
}

/* The host process runs on the OS's page tables and vectors: nothing of ours to prove. */
int arch_selftest(void)
{
	return 0;
}

__noreturn void arch_exit(int code)
{
	fflush(stdout);
	exit(code);
}

__noreturn void arch_halt(void)
{
	fflush(stdout);
	abort();
}

static const char *const host_log_tag[] = { "ERR", "WRN", "INF", "DBG" };

void hv_log(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > hv_log_level) {
		return;
	}
	fprintf(stderr, "[%s] ", (unsigned)lvl < 4 ? host_log_tag[lvl] : "???");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

__noreturn void hv_panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("[PANIC] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int arch_irq_request_msi(void (*fn)(void *), void *arg, uint64_t *addr, uint32_t *data)
{
	(void)fn;
	(void)arg;
	(void)addr;
	(void)data;
	return -EOPNOTSUPP; /* host tests poll */
}
