// SPDX-License-Identifier: MIT
/*
 * x86_64 CPU hooks of include/hv/arch.h: this_cpu() through IA32_GS_BASE (%gs:0 is the area's
 * self pointer; the host never loads GS otherwise, and svm_entry.S restores it with VMLOAD
 * of the host save area before any host code runs).
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/percpu.h>

#include "x86.h"

#define X86_MSR_GS_BASE 0xc0000101

struct percpu *this_cpu(void)
{
	struct percpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

unsigned arch_cpu_id(void)
{
	return this_cpu()->id;
}

void arch_percpu_set(struct percpu *c)
{
	x86_wrmsr(X86_MSR_GS_BASE, (uint64_t)(uintptr_t)c);
}

/* CPUID.01H:EBX[31:24], the initial APIC ID (SDM vol. 2, CPUID). */
uint64_t arch_cpu_hw_id(void)
{
	uint32_t r[4];

	x86_cpuid(1, 0, r);
	return r[1] >> 24;
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
