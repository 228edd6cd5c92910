/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU area (docs/ARCHITECTURE.md, "CPUs"): one struct percpu per physical CPU the
 * hypervisor runs on, numbered in MADT order with the boot CPU as CPU 0 (the numbers the
 * configuration's `cpus` key uses). It holds every piece of state that used to be single-CPU
 * global: the exception depth, the running vCPU, the work the CPU was given, and the arch's
 * own part (struct percpu_arch, arch/<arch>/include/arch/percpu.h: x86 GDT/TSS/IST stack and
 * SVM host-save pages; arm64 exception stack and host HCR_EL2).
 *
 * this_cpu() is one register read: x86 keeps the area's address in IA32_GS_BASE (read as
 * %gs:0, the self pointer), arm64 in TPIDR_EL2. Only the CPU itself writes its area, except the
 * fields marked "other CPUs", which are atomics.
 */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/percpu.h>
#include <hv/types.h>

/* CPUs the hypervisor drives; MADT entries beyond this are reported and left out. */
#define HV_MAX_CPUS 16
/* Each CPU's hypervisor stack (the boot CPU keeps the one boot/ gave it). */
#define HV_CPU_STACK_SIZE (64 * 1024)

enum cpu_state {
	CPU_ABSENT = 0, /* no such CPU, or not started yet */
	CPU_STARTING,	/* the start sequence was sent; waiting for it to check in */
	CPU_ONLINE,	/* running the hypervisor, idle or with work */
	CPU_FAILED,	/* did not check in within the bound, or refused to start: left out */
};

struct vcpu;

struct percpu {
	struct percpu *self; /* offset 0: x86 reads this_cpu() as %gs:0 */
	unsigned id;	     /* 0 = boot CPU, then enabled MADT entries in table order */
	uint64_t hw_id;	     /* x86: (x2)APIC ID; arm64: MPIDR_EL1 affinity (Aff3..Aff0) */
	uint32_t state;	     /* enum cpu_state; other CPUs: atomic */
	unsigned exception_depth;
	uintptr_t stack_top; /* this CPU's hypervisor stack (secondary CPUs) */
	struct vcpu *vcpu;   /* the vCPU this CPU is running, NULL when idle; other CPUs: atomic */
	/* The next work (smp_call_on), NULL when idle; other CPUs: atomic. */
	void (*work)(void *arg);
	void *work_arg;
	uint64_t nr_kicks; /* kicks received (arch_cpu_kick), for the shutdown log */
	struct percpu_arch arch;
};

extern struct percpu hv_percpu[HV_MAX_CPUS];

/* The calling CPU's area (arch: one register read). */
struct percpu *this_cpu(void);

static inline struct percpu *percpu_of(unsigned cpu)
{
	return cpu < HV_MAX_CPUS ? &hv_percpu[cpu] : (struct percpu *)0;
}

#endif /* HV_PERCPU_H */
