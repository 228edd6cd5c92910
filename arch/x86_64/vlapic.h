/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC of one x86_64 vCPU, x2APIC mode only (arch/x86_64/vlapic.c; Intel SDM
 * vol. 3, ch. 10 "Advanced Programmable Interrupt Controller", 10.12 "Extended xAPIC").
 *
 * Pure state machine: no SVM, no host APIC, time passed in as TSC values. arch/x86_64/svm_irq.c
 * drives it from MSR exits and injects what vlapic_pending() returns; tests/unit/test_vlapic.c
 * drives it on the build machine.
 *
 * Concurrency: irr[] is set by any CPU (vlapic_raise, atomic OR); everything else belongs to
 * the CPU that runs the vCPU (MSR exits, injection, timer), which also clears IRR bits
 * (atomic AND). No lock.
 *
 * The timer's clock is the TSC: one APIC timer tick at divide-by-1 is one TSC tick, which is
 * what CPUID 0x40000010 EBX publishes (docs/GUEST.md "Interrupts").
 */
#ifndef ARCH_X86_64_VLAPIC_H
#define ARCH_X86_64_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* x2APIC MSRs (SDM table 10-6): 0x800 + xAPIC offset / 16. */
#define X2APIC_MSR_FIRST      0x800U
#define X2APIC_MSR_LAST	      0x8ffU
#define X2APIC_ID	      0x802U
#define X2APIC_VERSION	      0x803U
#define X2APIC_TPR	      0x808U
#define X2APIC_PPR	      0x80aU
#define X2APIC_EOI	      0x80bU
#define X2APIC_LDR	      0x80dU
#define X2APIC_SVR	      0x80fU
#define X2APIC_ISR0	      0x810U
#define X2APIC_TMR0	      0x818U
#define X2APIC_IRR0	      0x820U
#define X2APIC_ESR	      0x828U
#define X2APIC_ICR	      0x830U
#define X2APIC_LVT_TIMER      0x832U
#define X2APIC_LVT_THERMAL    0x833U
#define X2APIC_LVT_PMC	      0x834U
#define X2APIC_LVT_LINT0      0x835U
#define X2APIC_LVT_LINT1      0x836U
#define X2APIC_LVT_ERROR      0x837U
#define X2APIC_TIMER_ICR      0x838U /* initial count */
#define X2APIC_TIMER_CCR      0x839U /* current count */
#define X2APIC_TIMER_DCR      0x83eU
#define X2APIC_SELF_IPI	      0x83fU
#define MSR_IA32_APIC_BASE    0x1bU
#define MSR_IA32_TSC_DEADLINE 0x6e0U

#define APIC_BASE_BSP	  (1ULL << 8)
#define APIC_BASE_EXTD	  (1ULL << 10)
#define APIC_BASE_EN	  (1ULL << 11)
#define APIC_BASE_DEFAULT 0xfee00000ULL

#define APIC_VERSION_VALUE     0x00050014U /* version 0x14, 6 LVT entries (max LVT index 5) */
#define APIC_SVR_ENABLE	       (1U << 8)
#define APIC_LVT_MASKED	       (1U << 16)
#define APIC_LVT_TIMER_MODE(v) (((v) >> 17) & 3U)
#define APIC_TIMER_ONESHOT     0U
#define APIC_TIMER_PERIODIC    1U
#define APIC_TIMER_DEADLINE    2U
/* ESR bits (SDM 10.5.3) */
#define APIC_ESR_SEND_ILLEGAL_VEC (1U << 5)
#define APIC_ESR_RECV_ILLEGAL_VEC (1U << 6)

struct vlapic;

/*
 * Deliver a fixed interrupt `vector` to the vCPU whose x2APIC ID is `dest` (the vCPU's index
 * in its group): 0, or negative when no such vCPU exists in the sender's guest.
 */
typedef int (*vlapic_ipi_fn)(struct vlapic *from, uint32_t dest, unsigned vector);

struct vlapic {
	uint32_t id;	   /* x2APIC ID = the vCPU's index in its guest */
	uint32_t nr_peers; /* vCPUs in the guest: IDs 0 .. nr_peers - 1 */
	uint64_t apic_base;
	uint32_t irr[8]; /* any CPU sets (atomic); the owner clears */
	uint32_t isr[8], tmr[8];
	uint32_t tpr, svr, esr, esr_pending;
	uint32_t lvt_timer, lvt_thermal, lvt_pmc, lvt_lint0, lvt_lint1, lvt_error;
	uint32_t dcr, timer_initial;
	uint64_t icr;
	/* The timer: armed when deadline != 0 (TSC); periodic reloads with period TSC ticks. */
	uint64_t deadline, period;
	uint64_t tsc_deadline_msr;
	/* The shortest period a periodic timer gets (TSC ticks; 0: none): the host's protection. */
	uint64_t min_period;
	/* counters (diagnostics, tests) */
	uint64_t ipis_ignored; /* ICR writes that delivered nothing: mode, destination, vector */
	uint64_t timer_fired;  /* timer expiries that set an IRR bit */
	uint64_t bad_accesses; /* MSR accesses answered with #GP */
	vlapic_ipi_fn send_ipi;
	void *owner; /* the vCPU, for send_ipi */
};

/* Reset state (SDM 10.4.7.1 / 10.12.5.1): xAPIC enabled (EXTD 0), software-disabled, LVTs masked. */
void vlapic_init(struct vlapic *l, uint32_t id, uint32_t nr_peers, vlapic_ipi_fn send_ipi, void *owner);
/* True for an MSR this APIC emulates (x2APIC range, APIC base, TSC deadline). */
bool vlapic_msr_is_ours(uint32_t msr);
/* RDMSR / WRMSR: 0, or -EINVAL when the guest must get #GP (SDM 10.12.1.2). */
int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val);
int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now);
/* Make vector pending (IRR), any CPU. -EINVAL for vectors 0-15 (reserved, SDM 10.5.2). */
int vlapic_raise(struct vlapic *l, unsigned vector);
/* Fire the timer into IRR if it expired at `now` (reloading a periodic one). */
void vlapic_timer_update(struct vlapic *l, uint64_t now);
/* The TSC value of the next timer expiry, 0 = none armed. */
uint64_t vlapic_timer_next(const struct vlapic *l);
/* Processor priority (SDM 10.8.3.1). */
uint32_t vlapic_ppr(const struct vlapic *l);
/* The vector the vCPU should take now (highest IRR above PPR, APIC enabled), or -1. */
int vlapic_pending(const struct vlapic *l);
/* Whether vector is pending (IRR): logs and tests. */
bool vlapic_irr_test(const struct vlapic *l, unsigned vector);
/* The CPU accepted vector (INTA): IRR -> ISR. */
void vlapic_accept(struct vlapic *l, unsigned vector);

#endif /* ARCH_X86_64_VLAPIC_H */
