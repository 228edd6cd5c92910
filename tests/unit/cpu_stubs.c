// SPDX-License-Identifier: MIT
/*
 * The CPU hooks include/hv/spinlock.h and the console's bounded lock need (arch_cpu_id,
 * arch_cpu_relax, arch_counter), for host tests that link lib/ code without the whole host
 * fake arch (arch/host/arch.c, which has the same hooks plus hv_log/hv_panic of its own).
 * Each thread gets its own CPU number, as in arch/host/arch.c.
 */
#include <time.h>

#include <hv/arch.h>

static unsigned stub_next_cpu;
static __thread int stub_cpu = -1;

unsigned arch_cpu_id(void)
{
	if (stub_cpu < 0) {
		stub_cpu = (int)__atomic_fetch_add(&stub_next_cpu, 1, __ATOMIC_RELAXED);
	}
	return (unsigned)stub_cpu;
}

void arch_cpu_relax(void)
{
	__asm__ __volatile__("" ::: "memory");
}

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
