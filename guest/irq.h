/* SPDX-License-Identifier: MIT */
/*
 * Interrupts in a guest (docs/GUEST.md "Interrupts"): the same calls on both arches, each
 * implemented in guest/<arch>/irq.c against the architectural interface the hypervisor
 * virtualises (x86_64: an IDT and the x2APIC MSRs of the virtual local APIC, the LAPIC timer;
 * arm64: VBAR_EL1 vectors, the ICC_* system registers and the memory-mapped distributor and
 * redistributor of the virtual GICv3, the EL1 virtual timer CNTV). Nothing here is a hypercall
 * but guest_irq_route_msi() and guest_irq_route_fault() (IOASID_CALL_IRQ_ROUTE).
 *
 * Numbers (virq): x86_64 a vector 32..255; arm64 a GIC INTID (SGI 0..15, PPI 16..31, SPI 32..).
 * The arch header (guest_arch.h) names the ones the SDK itself uses: GUEST_IRQ_TIMER (the
 * timer's interrupt), GUEST_IRQ_IPI_BASE (the first of 8 numbers guest_send_ipi may use) and
 * GUEST_IRQ_DEV_BASE (the first of 32 numbers for device MSIs and the fault notification).
 *
 * Handlers run on the vCPU that took the interrupt, with interrupts masked, and are
 * acknowledged and ended (EOI) by the SDK after the handler returns.
 */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_arch.h"

typedef void (*guest_irq_fn)(unsigned virq, void *arg);

/*
 * On each vCPU that takes interrupts, before anything else here: install the vector table and
 * turn on the vCPU's interrupt controller interface. Interrupts stay masked (guest_irq_on).
 * 0, or a negative IOASID_E* code.
 */
int guest_irq_init(void);
/* Handler for virq (shared by all vCPUs). NULL removes it. 0 or -IOASID_EINVAL. */
int guest_irq_set_handler(unsigned virq, guest_irq_fn fn, void *arg);
/*
 * Let virq be delivered (arm64: enable it in the vGIC; an SPI is also routed to vCPU `vcpu`
 * through GICD_IROUTER; x86: vectors need no enabling, vcpu is unused). 0 or -IOASID_EINVAL.
 */
int guest_irq_enable(unsigned virq, unsigned vcpu);
/* Unmask / mask interrupts on the calling vCPU (x86 STI/CLI; arm64 DAIF.I). */
void guest_irq_on(void);
void guest_irq_off(void);
/*
 * Sleep until an interrupt has been taken (x86 STI;HLT, arm64 WFI with DAIF.I clear), then
 * return with interrupts as they were. The hypervisor deschedules the vCPU meanwhile.
 */
void guest_wait_irq(void);
/* Interrupts taken by the calling vCPU since guest_irq_init (all numbers), for tests. */
uint64_t guest_irq_count(void);

/* The timer: ticks of guest_timer_hz(); its interrupt is GUEST_IRQ_TIMER on the calling vCPU. */
uint64_t guest_timer_hz(void);
/* The free-running counter the timer counts (x86 TSC; arm64 CNTVCT_EL0). */
uint64_t guest_timer_now(void);
/* One interrupt `ticks` from now (re-arming replaces the previous setting). */
void guest_timer_oneshot(uint64_t ticks);
/* An interrupt every `ticks` until guest_timer_stop(). */
void guest_timer_periodic(uint64_t ticks);
void guest_timer_stop(void);

/* Send virq to vCPU `vcpu` of the same guest (x86: x2APIC ICR, fixed; arm64: ICC_SGI1R_EL1, virq < 16). */
int guest_send_ipi(unsigned vcpu, unsigned virq);

/* IOASID_CALL_IRQ_ROUTE: MSI `source` of device dev_id as virq (arm64: vcpu must be 0). */
long guest_irq_route_msi(uint32_t dev_id, unsigned source, unsigned vcpu, unsigned virq);
/* IOASID_CALL_IRQ_ROUTE: virq whenever a fault record is queued for the guest. */
long guest_irq_route_fault(unsigned vcpu, unsigned virq);
/* Remove a route (kind IOASID_IRQ_MSI or IOASID_IRQ_FAULT). */
long guest_irq_unroute(uint32_t kind, uint32_t dev_id, unsigned source);

#endif /* GUEST_IRQ_H */
