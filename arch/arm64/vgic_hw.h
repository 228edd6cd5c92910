/* SPDX-License-Identifier: MIT */
/*
 * The vGIC's hardware side as arch/arm64/vcpu.c uses it around a run (vgic_hw.c; vgic.h for the
 * state machine). All on the vCPU's CPU, with IRQs masked.
 */
#ifndef ARCH_ARM64_VGIC_HW_H
#define ARCH_ARM64_VGIC_HW_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct vgic_access;

/* This CPU: its list registers, the physical PPIs 25/26/27 (idempotent). 0, -ENODEV (no GIC). */
int vgic_hw_cpu_init(void);
/* Before the run: list the vCPU's interrupts and load the virtual CPU interface. */
void vgic_hw_load(struct vcpu *v);
/*
 * After the run: save the interface, turn it off, fold the list registers into the state. True
 * when an interrupt is pending for the vCPU (the exit has work for the guest).
 */
bool vgic_hw_save(struct vcpu *v);
/* After the exit's interrupts were taken and the guest's timer silenced: nothing is loaded. */
void vgic_hw_run_end(void);
/* The guest's write of ICC_SGI1R_EL1 (trapped: HCR_EL2.IMO). */
void vgic_hw_sgi(struct vcpu *v, uint64_t val);
/* A guest access to a vGIC frame; bad counts the ones emulated as RAZ/WI. */
void vgic_hw_mmio(struct vcpu *v, struct vgic_access *acc, uint64_t *bad);
/* The virtual timer's condition, from its saved CNTV_CTL_EL0 / CNTV_CVAL_EL0, now. */
bool vgic_hw_timer_due(uint64_t ctl, uint64_t cval);
/* vcpu_arch_wake_pending() with the saved timer registers. */
bool vgic_hw_wake_pending(struct vcpu *v, uint64_t ctl, uint64_t cval);
/* vcpu_arch_destroy(): forget the vCPU on the CPU that ran it last; log its counts (bad: RAZ/WI). */
void vgic_hw_destroy(struct vcpu *v, unsigned last_cpu, uint64_t bad);

#endif /* ARCH_ARM64_VGIC_HW_H */
