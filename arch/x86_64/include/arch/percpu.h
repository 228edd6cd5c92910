/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 part of struct percpu (include/hv/percpu.h; docs/X86.md "CPUs"). Only the CPU
 * itself writes it, except where a field says otherwise.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

/* The 64-bit TSS (Intel SDM vol. 3, 8.7, fig. 8-11): here only for its IST1 stack. */
struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* null, 64-bit code, data, and the 16-byte TSS descriptor (arch/x86_64/cpu.c). */
#define X86_GDT_ENTRIES 5

struct percpu_arch {
	uint64_t gdt[X86_GDT_ENTRIES] __attribute__((aligned(16)));
	struct x86_tss tss __attribute__((aligned(16)));
	uintptr_t ist_top; /* top of this CPU's IST1 stack (#DF, NMI, #MC) */
	/* #BP taken by this CPU's IDT entry (the self-tests' deliberate int3) */
	uint64_t breakpoints;
	/* Kick IPIs this CPU took (X86_VEC_KICK); smp_kick counts the ones sent in percpu.nr_kicks. */
	uint64_t kicks_taken;
	/* SVM (arch/x86_64/svm.c): this CPU's VM_HSAVE_PA page and host VMSAVE area. */
	bool svm_up;
	void *svm_hsave;
	void *svm_host_save;
	/* The vCPU (its struct vcpu_arch) that last ran here: another one in between means a flush. */
	const void *svm_last_vcpu;
	/* The timer (arch/x86_64/lapic.c x86_timer_*): the TSC deadline armed (0: none), interrupts. */
	bool timer_up;
	uint64_t timer_deadline;
	uint64_t timer_irqs;
};

#endif /* ARCH_PERCPU_H */
