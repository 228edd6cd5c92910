// SPDX-License-Identifier: MIT
/*
 * Virtual interrupts for SVM guests (include/hv/vcpu.h, include/hv/virq.h): each vCPU has a
 * virtual local APIC in x2APIC mode (arch/x86_64/vlapic.c), driven from here.
 *
 *  - MSRs: the MSR permission map is all ones (svm.c, APM 15.11), so every RDMSR/WRMSR exits;
 *    the x2APIC range 0x800-0x8ff, IA32_APIC_BASE and IA32_TSC_DEADLINE go to the vLAPIC, a
 *    #GP it asks for is injected (EVENTINJ exception, error code 0). Other MSRs still stop
 *    the guest (svm.c).
 *  - CPUID: leaf 1 ECX gains x2APIC (bit 21) and TSC-deadline (bit 24); the hypervisor leaves
 *    (0x4000_0000: max leaf 0x4000_0010 and the signature "ioasid-hv\0\0\0"; 0x4000_0010: EAX
 *    TSC kHz, EBX APIC timer kHz, as VMware and KVM publish them) give the timer's rate. The
 *    APIC timer counts the TSC, so both are the TSC's kHz (docs/GUEST.md "Interrupts").
 *  - Injection (APM 15.20, 15.21): before each VMRUN, an event an earlier exit interrupted
 *    (EXITINTINFO) goes back into EVENTINJ first. Otherwise the highest pending vector above
 *    the PPR is injected with EVENTINJ when the guest can take it (RFLAGS.IF=1, no interrupt
 *    shadow) and moved IRR -> ISR; when it cannot, V_IRQ is set with the VINTR intercept (and
 *    V_IGN_TPR, the vLAPIC did the priority check): the guest runs until it opens its
 *    interrupt window, exits with VINTR, and the vector is injected then. The guest's CR8
 *    (V_TPR, with V_INTR_MASKING) and the x2APIC TPR are one register, synced at every exit
 *    and entry.
 *  - HLT: the instruction completes (RIP + 1). With RFLAGS.IF=0 nothing could ever wake the
 *    vCPU (no NMI or INIT reaches guests): the guest stops, as before interrupts existed.
 *    Otherwise VCPU_EXIT_HALT unless an interrupt is deliverable already; the generic loop
 *    then sleeps in vcpu_arch_wake_pending() / arch_cpu_idle().
 *  - Timers: the guest's LVT timer is looked at before each entry and in the HLT sleep; while
 *    it is armed, this CPU's hypervisor timer (lapic.c x86_timer_arm) is armed for its
 *    deadline, so a guest timer ends a running guest's run (#VMEXIT INTR) or wakes the sleep
 *    on time, and the interrupt is injected on the next entry.
 *  - Raising (vcpu_arch_virq_raise, any CPU): the IRR bit is set atomically, then vcpu_kick():
 *    the target CPU's kick IPI ends its run or wakes its sleep. A kick that lands between the
 *    injection decision and VMRUN stays pending (the host's IF is 0 there) and causes an
 *    immediate INTR exit, so no raise is missed.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/virq.h>

#include "arch/x86_64/svm_vcpu.h"
#include "arch/x86_64/x86.h"

#define X86_VEC_GP	       13
#define SVM_IRQ_MIN_PERIOD_DIV 100000 /* a periodic guest timer runs at 100 kHz at most */
#define CPUID_1_ECX_X2APIC     BIT(21)
#define CPUID_1_ECX_TSC_DL     BIT(24)
#define CPUID_HV_BASE	       0x40000000U
#define CPUID_HV_TIMING	       0x40000010U
/* "ioasid-hv\0\0\0" in EBX, ECX, EDX, 4 bytes each, lowest byte first */
#define CPUID_HV_SIG_EBX 0x73616f69U /* "ioas" */
#define CPUID_HV_SIG_ECX 0x682d6469U /* "id-h" */
#define CPUID_HV_SIG_EDX 0x00000076U /* "v" */

/* ICR to a sibling (vlapic_ipi_fn): only the guest's own vCPUs exist as destinations. */
static int svm_irq_send_ipi(struct vlapic *from, uint32_t dest, unsigned vector)
{
	struct vcpu *v = from->owner, *to;

	if (v == NULL || v->group == NULL || dest >= v->group->nr) {
		return -ENOENT;
	}
	to = v->group->vcpu[dest];
	if (to == NULL || to->arch == NULL) {
		return -ENOENT;
	}
	return vcpu_arch_virq_raise(to, vector);
}

void svm_irq_reset(struct vcpu *v)
{
	unsigned nr = v->group != NULL ? v->group->nr : 1;

	vlapic_init(&v->arch->lapic, v->index, nr, svm_irq_send_ipi, v);
	v->arch->lapic.min_period = arch_counter_hz() / SVM_IRQ_MIN_PERIOD_DIV;
	v->arch->vmcb->event_inj = 0;
}

void svm_irq_cpuid(uint32_t leaf, uint32_t r[4])
{
	uint64_t khz = arch_counter_hz() / 1000;

	if (leaf == 1) {
		r[2] |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DL;
	} else if (leaf == CPUID_HV_BASE) {
		r[0] = CPUID_HV_TIMING;
		r[1] = CPUID_HV_SIG_EBX;
		r[2] = CPUID_HV_SIG_ECX;
		r[3] = CPUID_HV_SIG_EDX;
	} else if (leaf == CPUID_HV_TIMING) {
		r[0] = r[1] = (uint32_t)(khz > 0xffffffffULL ? 0xffffffffULL : khz);
		r[2] = r[3] = 0;
	} else if (leaf > CPUID_HV_BASE && leaf < CPUID_HV_TIMING) {
		r[0] = r[1] = r[2] = r[3] = 0;
	}
}

static void inject_gp(struct svm_vmcb *c)
{
	c->event_inj = X86_VEC_GP | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_EV | SVM_EVENT_VALID; /* error code 0 */
}

static void window_close(struct svm_vmcb *c)
{
	c->int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO | SVM_INT_CTL_V_IGN_TPR);
	c->intercept3 &= ~(uint32_t)SVM_INTERCEPT_VINTR;
}

void svm_irq_after_exit(struct vcpu *v)
{
	struct vcpu_arch *a = v->arch;
	struct svm_vmcb *c = a->vmcb;

	/* 15.7.2: an event being delivered when the exit came was not delivered: inject it again. */
	c->event_inj = (c->exit_int_info & SVM_EVENT_VALID) ? c->exit_int_info : 0;
	/* The guest's MOV CR8 changed V_TPR: that is its TPR (SDM 10.8.6.1, CR8 = TPR[7:4]). */
	if ((c->int_ctl & SVM_INT_CTL_V_TPR) != (a->lapic.tpr >> 4)) {
		a->lapic.tpr = (uint32_t)(c->int_ctl & SVM_INT_CTL_V_TPR) << 4;
	}
}

void svm_irq_before_run(struct vcpu *v)
{
	struct vcpu_arch *a = v->arch;
	struct svm_vmcb *c = a->vmcb;
	uint64_t next;
	int vec;

	vlapic_timer_update(&a->lapic, x86_rdtsc());
	c->int_ctl = (c->int_ctl & ~SVM_INT_CTL_V_TPR) | ((a->lapic.tpr >> 4) & SVM_INT_CTL_V_TPR);
	vec = vlapic_pending(&a->lapic);
	window_close(c);
	if (vec >= 0) {
		if (!(c->event_inj & SVM_EVENT_VALID) && (c->rflags & X86_RFLAGS_IF) &&
		    !(c->int_state & SVM_INT_STATE_SHADOW)) {
			c->event_inj = (uint64_t)vec | SVM_EVENT_TYPE_INTR | SVM_EVENT_VALID;
			vlapic_accept(&a->lapic, (unsigned)vec);
		} else {
			/* 15.21.4: a virtual interrupt the guest takes when it can, intercepted then. */
			c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO | SVM_INT_CTL_V_IGN_TPR;
			c->intercept3 |= SVM_INTERCEPT_VINTR;
		}
	}
	next = vlapic_timer_next(&a->lapic);
	if (next != 0) {
		x86_timer_arm(next);
	}
}

static enum svm_exit_action svm_irq_msr(struct vcpu *v, struct vcpu_exit *e)
{
	struct vcpu_arch *a = v->arch;
	struct svm_vmcb *c = a->vmcb;
	uint32_t msr = (uint32_t)a->gprs.rcx;
	uint64_t val;
	int ret;

	(void)e;
	if (!vlapic_msr_is_ours(msr)) {
		return SVM_EXIT_NOT_OURS;
	}
	if (c->exit_info1 == 0) {
		ret = vlapic_msr_read(&a->lapic, msr, x86_rdtsc(), &val);
		if (ret == 0) {
			c->rax = (uint32_t)val;
			a->gprs.rdx = val >> 32;
		}
	} else {
		val = (uint32_t)c->rax | (a->gprs.rdx << 32);
		ret = vlapic_msr_write(&a->lapic, msr, val, x86_rdtsc());
	}
	if (ret != 0) {
		inject_gp(c); /* SDM 10.12.1.2; RIP stays on the instruction */
	} else {
		c->rip += SVM_MSR_LEN;
	}
	return SVM_EXIT_RESUME;
}

enum svm_exit_action svm_irq_exit(struct vcpu *v, struct vcpu_exit *e)
{
	struct vcpu_arch *a = v->arch;
	struct svm_vmcb *c = a->vmcb;

	switch (c->exit_code) {
	case SVM_EXIT_MSR:
		return svm_irq_msr(v, e);
	case SVM_EXIT_VINTR:
		a->exits_vintr++;
		window_close(c); /* svm_irq_before_run injects now that the guest can take it */
		return SVM_EXIT_RESUME;
	case SVM_EXIT_HLT:
		if (!(c->rflags & X86_RFLAGS_IF)) {
			return SVM_EXIT_NOT_OURS; /* svm.c stops it: nothing can wake it */
		}
		c->rip += SVM_HLT_LEN;
		c->int_state &= ~SVM_INT_STATE_SHADOW; /* the STI shadow covered the HLT, now done */
		vlapic_timer_update(&a->lapic, x86_rdtsc());
		if (vlapic_pending(&a->lapic) >= 0) {
			return SVM_EXIT_RESUME;
		}
		e->kind = VCPU_EXIT_HALT;
		return SVM_EXIT_RETURN;
	default:
		return SVM_EXIT_NOT_OURS;
	}
}

/* Nothing shared per guest: a vCPU finds its siblings through v->group. */
int vcpu_arch_group_create(struct vcpu_group *g)
{
	(void)g;
	return 0;
}

void vcpu_arch_group_destroy(struct vcpu_group *g)
{
	(void)g;
}

int vcpu_arch_virq_raise(struct vcpu *v, uint32_t virq)
{
	struct vcpu_arch *a = v->arch;
	int ret;

	if (a == NULL) {
		return -EINVAL;
	}
	ret = vlapic_raise(&a->lapic, virq);
	if (ret == 0) {
		vcpu_kick(v);
	}
	return ret;
}

bool vcpu_arch_wake_pending(struct vcpu *v)
{
	struct vcpu_arch *a = v->arch;
	uint64_t next;

	vlapic_timer_update(&a->lapic, x86_rdtsc());
	if (vlapic_pending(&a->lapic) >= 0) {
		return true;
	}
	next = vlapic_timer_next(&a->lapic);
	if (next != 0) {
		x86_timer_arm(next);
	}
	return false;
}
