/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's one spinlock: a ticket lock (FIFO, so no CPU starves another under
 * contention, as in Linux's and Xen's ticket locks). Every lock in the hypervisor is one of
 * these and sits in the lock order written atop ioasid/core.c. None is taken from an interrupt
 * handler except where that comment says so, and no lock is held across a guest's run.
 *
 * hv_rspin_* is the recursive variant for the few places the same CPU may re-enter (newlib's
 * __malloc_lock, the console when an exception is logged while a line was being written).
 * On the host fake arch the same code runs under POSIX threads (ThreadSanitizer: make tsan).
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/arch.h>

typedef struct {
	uint32_t next;	/* the next ticket handed out */
	uint32_t owner; /* the ticket being served */
} hv_spinlock_t;

#define HV_SPINLOCK_INIT                                                                                               \
	{                                                                                                              \
		0, 0                                                                                                   \
	}

static inline void hv_spin_lock(hv_spinlock_t *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
		arch_cpu_relax();
	}
}

/*
 * Take the lock only if nobody holds or waits for it. The load of owner is the acquire: it is
 * what pairs with the previous holder's release in hv_spin_unlock (the compare-exchange is on
 * next, which unlock never writes). Found by make tsan (tests/unit/test_tsan_lib.c) when it was
 * relaxed: the previous holder's writes were not ordered before ours.
 */
static inline bool hv_spin_trylock(hv_spinlock_t *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	uint32_t expect = owner;

	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void hv_spin_unlock(hv_spinlock_t *l)
{
	/* Only the holder writes owner, so a relaxed read of it is exact. */
	__atomic_store_n(&l->owner, __atomic_load_n(&l->owner, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

static inline bool hv_spin_is_locked(hv_spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) != __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

/* Recursive: the holder (a CPU number, arch_cpu_id()) may take it again. */
typedef struct {
	hv_spinlock_t lock;
	int holder; /* -1: free */
	unsigned depth;
} hv_rspinlock_t;

#define HV_RSPINLOCK_INIT                                                                                              \
	{                                                                                                              \
		HV_SPINLOCK_INIT, -1, 0                                                                                \
	}

static inline void hv_rspin_lock(hv_rspinlock_t *l)
{
	int me = (int)arch_cpu_id();

	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
	hv_spin_lock(&l->lock);
	__atomic_store_n(&l->holder, me, __ATOMIC_RELAXED);
	l->depth = 1;
}

/* Take it only if free or already ours (the bounded panic path of lib/log.c spins on this). */
static inline bool hv_rspin_trylock(hv_rspinlock_t *l)
{
	int me = (int)arch_cpu_id();

	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return true;
	}
	if (!hv_spin_trylock(&l->lock)) {
		return false;
	}
	__atomic_store_n(&l->holder, me, __ATOMIC_RELAXED);
	l->depth = 1;
	return true;
}

/* True if the calling CPU holds it (for CHECKs of "caller holds the lock"). */
static inline bool hv_rspin_held(hv_rspinlock_t *l)
{
	return __atomic_load_n(&l->holder, __ATOMIC_RELAXED) == (int)arch_cpu_id();
}

static inline void hv_rspin_unlock(hv_rspinlock_t *l)
{
	if (--l->depth == 0) {
		__atomic_store_n(&l->holder, -1, __ATOMIC_RELAXED);
		hv_spin_unlock(&l->lock);
	}
}

#endif /* HV_SPINLOCK_H */
