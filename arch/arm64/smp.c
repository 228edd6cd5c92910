// SPDX-License-Identifier: MIT
/* arm64 CPU hooks of include/hv/arch.h. */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/percpu.h>

#include "arm64.h"

static struct percpu *boot_cpu;

struct percpu *this_cpu(void)
{
	return boot_cpu;
}

unsigned arch_cpu_id(void)
{
	return this_cpu()->id;
}

void arch_percpu_set(struct percpu *c)
{
	boot_cpu = c;
}

/* MPIDR_EL1 affinity fields Aff3 (39:32) and Aff2..Aff0 (23:0), as the MADT's GICC spells them. */
uint64_t arch_cpu_hw_id(void)
{
	uint64_t m = read_sysreg(mpidr_el1);

	return m & 0xff00ffffffULL;
}

int arch_cpu_start(struct percpu *c)
{
	(void)c;
	return -EOPNOTSUPP;
}

void arch_cpu_kick(struct percpu *c)
{
	(void)c;
}

void arch_cpu_idle(void)
{
	arch_cpu_relax();
}
