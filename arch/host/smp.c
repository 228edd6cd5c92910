// SPDX-License-Identifier: MIT
/*
 * Host fake of the CPU hooks of include/hv/arch.h, so hv/smp.c runs as a process: a "CPU" is a
 * POSIX thread with its own struct percpu (this_cpu() is a thread-local pointer); a kick is a
 * condition-variable broadcast; the idle wait is a short timed wait on it. host_smp_refuse()
 * and host_smp_never_start() let tests make a CPU fail to start in each of the two ways hv/smp.c
 * handles (the firmware refuses; the CPU never checks in).
 */
#include <pthread.h>
#include <time.h>

#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/percpu.h>
#include <hv/smp.h>

#include "arch/host/host.h"

static __thread struct percpu *host_this;
static pthread_mutex_t host_kick_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t host_kick_cond = PTHREAD_COND_INITIALIZER;
static uint64_t host_refuse_hw = ~0ULL, host_silent_hw = ~0ULL;

void host_smp_refuse(uint64_t hw_id)
{
	host_refuse_hw = hw_id;
}

void host_smp_never_start(uint64_t hw_id)
{
	host_silent_hw = hw_id;
}

struct percpu *this_cpu(void)
{
	return host_this;
}

void arch_percpu_set(struct percpu *c)
{
	host_this = c;
}

uint64_t arch_cpu_hw_id(void)
{
	return host_this != NULL ? host_this->hw_id : 0;
}

static void *host_cpu_thread(void *arg)
{
	struct percpu *c = arg;

	arch_percpu_set(c);
	smp_secondary_main(c);
}

int arch_cpu_start(struct percpu *c)
{
	pthread_t t;

	if (c->hw_id == host_refuse_hw) {
		return -EIO;
	}
	if (c->hw_id == host_silent_hw) {
		return 0; /* "sent", but nobody will ever check in */
	}
	if (pthread_create(&t, NULL, host_cpu_thread, c) != 0) {
		return -ENOMEM;
	}
	pthread_detach(t);
	return 0;
}

void arch_cpu_kick(struct percpu *c)
{
	(void)c;
	pthread_mutex_lock(&host_kick_mutex);
	pthread_cond_broadcast(&host_kick_cond);
	pthread_mutex_unlock(&host_kick_mutex);
}

void arch_cpu_idle(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000; /* 1 ms: a kick between the caller's check and the wait is not lost for long */
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&host_kick_mutex);
	pthread_cond_timedwait(&host_kick_cond, &host_kick_mutex, &ts);
	pthread_mutex_unlock(&host_kick_mutex);
}
