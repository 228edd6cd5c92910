/* SPDX-License-Identifier: MIT */
/* The x86_64 part of struct percpu (include/hv/percpu.h). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdint.h>

struct percpu_arch {
	uint64_t unused;
};

#endif /* ARCH_PERCPU_H */
