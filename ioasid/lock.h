/* SPDX-License-Identifier: MIT */
/*
 * A test-and-set spinlock for the IOASID core. The lock order is written once, in
 * ioasid/core.c. On the host fake arch it behaves the same (tests may use threads).
 */
#ifndef IOASID_LOCK_H
#define IOASID_LOCK_H

#include <hv/arch.h>

typedef struct {
	int locked;
} hv_spinlock_t;

static inline void hv_spin_lock(hv_spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			arch_cpu_relax();
		}
	}
}

static inline void hv_spin_unlock(hv_spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif /* IOASID_LOCK_H */
