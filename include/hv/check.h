/* SPDX-License-Identifier: MIT */
/*
 * CHECK(): for invariants only, never for guest input (Hafnium's rule). A failed CHECK means
 * the hypervisor itself is in a bad state; it logs file and line and panics.
 */
#ifndef HV_CHECK_H
#define HV_CHECK_H

#include <hv/compiler.h>

__noreturn void hv_panic(const char *fmt, ...) __printf(1, 2);

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (unlikely(!(cond))) {                                                   \
			hv_panic("CHECK failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
		}                                                                          \
	} while (0)

#endif /* HV_CHECK_H */
