/* SPDX-License-Identifier: MIT */
/*
 * Bounded waits. Every MMIO poll in the hypervisor goes through poll_until(): it returns 0 when
 * cond() becomes true and -ETIMEDOUT after timeout_us, never spins forever (Jailhouse's
 * vtd_update_gcmd_reg() and ACRN's assert-only timeouts are what we avoid).
 */
#ifndef HV_WAIT_H
#define HV_WAIT_H

#include <hv/arch.h>
#include <hv/errno.h>

#define poll_until(cond, timeout_us)                                                   \
	({                                                                             \
		uint64_t start_ = arch_counter();                                      \
		uint64_t ticks_ = (uint64_t)(timeout_us) * (arch_counter_hz() / 1000000 + 1); \
		int ret_ = -ETIMEDOUT;                                                 \
		for (;;) {                                                             \
			if (cond) {                                                    \
				ret_ = 0;                                              \
				break;                                                 \
			}                                                              \
			if (arch_counter() - start_ > ticks_) {                        \
				ret_ = (cond) ? 0 : -ETIMEDOUT;                        \
				break;                                                 \
			}                                                              \
			arch_cpu_relax();                                              \
		}                                                                      \
		ret_;                                                                  \
	})

#endif /* HV_WAIT_H */
