// SPDX-License-Identifier: MIT
/*
 * The host stand-ins for the CPU hooks of include/hv/arch.h that lib/ code needs (locks, the
 * console's bounded waits): a CPU number per thread, a 1 GHz counter, a relax hint. Linked by
 * every host test, with or without the rest of the fake arch (arch/host/arch.c).
 */
#include <time.h>

#include <hv/arch.h>
#include <hv/compiler.h>

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
