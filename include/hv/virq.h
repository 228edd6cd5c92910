/* SPDX-License-Identifier: MIT */
/*
 * Virtual interrupts, the arch-neutral part (hv/virq.c). The arch's interrupt controller
 * (vcpu_arch_virq_raise, include/hv/vcpu.h) makes an interrupt pending and calls vcpu_kick()
 * for the vCPU that must take it; the generic vCPU loop (hv/guest_run.c) sleeps a vCPU that
 * waits (VCPU_EXIT_HALT) until vcpu_arch_wake_pending() says it has one.
 */
#ifndef HV_VIRQ_H
#define HV_VIRQ_H

#include <hv/vcpu.h>

/*
 * Make v notice a newly pending interrupt: interrupt the CPU running it (its run ends and
 * the arch injects on re-entry) or wake it from its sleep. Nothing when v's CPU is the
 * caller's: the caller is then outside v's run and the loop looks again before the next entry.
 */
void vcpu_kick(struct vcpu *v);

/* vcpu_arch_virq_raise(), counted: the number every route and test reports. */
int virq_send(struct vcpu *v, uint32_t virq);

#endif /* HV_VIRQ_H */
