/* SPDX-License-Identifier: MIT */
/*
 * The SVM vCPU (arch/x86_64/svm.c) as its parts see it: svm.c runs it, svm_irq.c gives it
 * interrupts (its virtual local APIC, arch/x86_64/vlapic.h). Internal to arch/x86_64.
 */
#ifndef ARCH_X86_64_SVM_VCPU_H
#define ARCH_X86_64_SVM_VCPU_H

#include <hv/vcpu.h>

#include "arch/x86_64/svm.h"
#include "arch/x86_64/vlapic.h"

struct vcpu_arch {
	struct svm_vmcb *vmcb;
	struct svm_gprs gprs;
	bool ran;
	int last_cpu; /* the physical CPU it last ran on, -1: none since create/reset */
	uint64_t last_exit;
	struct vlapic lapic;
	uint64_t exits_vintr; /* interrupt windows waited for (diagnostics) */
};

/* What an exit handler tells the run loop. */
enum svm_exit_action {
	SVM_EXIT_RESUME,  /* handled: run the guest again */
	SVM_EXIT_RETURN,  /* handled: return *e to the caller */
	SVM_EXIT_NOT_OURS /* not an exit svm_irq.c handles */
};

/* arch/x86_64/svm_irq.c */
void svm_irq_reset(struct vcpu *v);	 /* the vCPU's APIC at create / reset */
void svm_irq_before_run(struct vcpu *v); /* inject or open a window; arm the host timer */
void svm_irq_after_exit(struct vcpu *v); /* an event the exit interrupted goes back in */
enum svm_exit_action svm_irq_exit(struct vcpu *v, struct vcpu_exit *e); /* MSR, HLT, VINTR */
/* CPUID leaves the virtual APIC changes (leaf 1 ECX, the 0x4000_00xx leaves); r as x86_cpuid. */
void svm_irq_cpuid(uint32_t leaf, uint32_t r[4]);

#endif /* ARCH_X86_64_SVM_VCPU_H */
