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

/*
 * Host vectors X86_ROUTE_VEC_FIRST .. + X86_ROUTE_VECS - 1 carry device MSIs routed to guests
 * (arch/x86_64/irq_route.c); each CPU has its own table, so the same vector number serves a
 * different route on every CPU.
 */
#define X86_ROUTE_VEC_FIRST 0x40U
#define X86_ROUTE_VECS	    128U

/* One routed vector of one CPU (arch/x86_64/irq.c x86_route_vec_*). */
struct x86_route_vec {
	void (*fn)(void *arg); /* NULL: free (a late message is counted as stray); atomic */
	void *arg;
	uint32_t busy;	/* the CPU is inside fn (atomic): the free waits for 0 */
	bool taken;	/* allocated, under irq_handlers_lock (fn may be NULL while it is set up) */
	uint64_t count; /* interrupts taken (atomic) */
};

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
	/*
	 * Routed-MSI vectors of this CPU: written by any CPU under irq_handlers_lock (alloc/free),
	 * read by this CPU's interrupt entry; route_vec_next is the next-fit cursor, so a freed
	 * vector is reused as late as possible.
	 */
	struct x86_route_vec route_vec[X86_ROUTE_VECS];
	unsigned route_vec_next;
	/* The timer (arch/x86_64/lapic.c x86_timer_*): the TSC deadline armed (0: none), interrupts. */
	bool timer_up;
	uint64_t timer_deadline;
	uint64_t timer_irqs;
};

#endif /* ARCH_PERCPU_H */
