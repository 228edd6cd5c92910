/* SPDX-License-Identifier: MIT */
/*
 * The arm64 part of struct percpu (include/hv/percpu.h). TPIDR_EL2 holds the CPU's struct percpu
 * (this_cpu(), arch/arm64/smp.c); the fields below are its EL2 state.
 *
 * Assembly reads some of them: entry.S's lower-EL vector slots read vcpu_ctx through TPIDR_EL2,
 * smp_entry.S reads the start block (boot_*) through the PSCI context id, with the MMU off. Their
 * offsets are ARM64_PERCPU_* in arch/arm64/arm64.h, checked against this layout by
 * _Static_assert in arch/arm64/smp.c.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdint.h>

struct percpu;

struct percpu_arch {
	/* The running guest's struct arm64_vcpu_ctx, 0 while the hypervisor runs (vcpu_entry.S). */
	uint64_t vcpu_ctx;
	/*
	 * The start block a secondary CPU reads with its MMU off (smp_entry.S): the boot CPU's
	 * EL2 translation regime, vectors and HCR_EL2, the two stacks and the way back to this
	 * struct percpu. Written by arch_cpu_start() and cleaned to the point of coherency.
	 */
	uint64_t boot_mair, boot_tcr, boot_ttbr0, boot_sctlr, boot_vbar, boot_hcr;
	uint64_t boot_sp;	/* the hypervisor stack (SP_EL0): percpu.stack_top */
	uint64_t exc_stack_top; /* the exception stack (SP_EL2) */
	struct percpu *boot_self;
	/* HCR_EL2 while no guest runs on this CPU (set back after every guest exit). */
	uint64_t host_hcr;
	/* This CPU's GICv3 redistributor (0: no GIC, the CPU polls instead of sleeping). */
	uint64_t gicr;
	uint64_t nr_irqs;	  /* interrupts acknowledged on this CPU */
	uint64_t nr_kick_sgis;	  /* of which kick SGIs */
	uint64_t nr_idle_wakeups; /* WFI returns in arch_cpu_idle */
	uint64_t nr_brk;	  /* BRK #ARM64_BRK_SELFTEST taken on this CPU */
	uint64_t last_brk_frame;  /* where its exception frame was (on SP_EL2), for selftest=smp */
	bool irq_forwarded;	  /* the handler of the interrupt being handled gave it to a guest */
	/*
	 * The vGIC (arch/arm64/vgic_hw.c): the vCPU interface whose state is loaded on this CPU,
	 * the one whose virtual timer left the physical PPI 27 active here (NULL: none; the PPI may
	 * still be active from a vCPU since destroyed: vtimer_active), list registers of this CPU.
	 */
	void *vgic_running;
	void *vtimer_owner;
	bool vtimer_active;
	unsigned nr_lrs;
	uint64_t nr_vtimer_irqs; /* physical PPI 27 forwarded to guests on this CPU */
};

#endif /* ARCH_PERCPU_H */
