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

/* Nanoseconds of CLOCK_MONOTONIC: the counter runs at 1 GHz. */
uint64_t arch_counter(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t arch_counter_hz(void)
{
	return 1000000000ULL;
}

void arch_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	barrier();
#endif
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

/*
 * A CPU number per thread (the host stand-in for this_cpu()->id), handed out on first use, so
 * recursive locks (include/hv/spinlock.h) tell threads apart under make tsan.
 */
static unsigned host_next_cpu;
static __thread int host_cpu = -1;

unsigned arch_cpu_id(void)
{
	if (host_cpu < 0) {
		host_cpu = (int)__atomic_fetch_add(&host_next_cpu, 1, __ATOMIC_RELAXED);
	}
	return (unsigned)host_cpu;
}
