// SPDX-License-Identifier: MIT
/*
 * arm64 interrupts in a guest (guest/irq.h) on the hypervisor's virtual GICv3 (docs/ARM64.md,
 * "Virtual interrupts"; docs/GUEST.md, "Interrupts"): the same code would drive a real GICv3
 * with the generic timer. Spec: Arm IHI 0069 (GICv3: ICC_* 12.2, GICD_* 12.9, GICR_* 12.10/12.11)
 * and the Arm ARM D11 (the generic timer: CNTV_CTL_EL0, CNTV_CVAL_EL0, CNTFRQ_EL0).
 *
 *   CPU interface   ICC_SRE_EL1.SRE, ICC_PMR_EL1 = 0xf0, ICC_BPR1_EL1 = 0, ICC_CTLR_EL1.EOImode 0
 *                   (ICC_EOIR1_EL1 drops and deactivates), ICC_IGRPEN1_EL1 = 1
 *   redistributor   GUEST_GICR_BASE + vCPU * GUEST_GICR_STRIDE: GICR_WAKER.ProcessorSleep = 0;
 *                   SGIs/PPIs enabled in its SGI_base frame (IPRIORITYR, ISENABLER0)
 *   distributor     GUEST_GICD_BASE: GICD_CTLR.ARE | EnableGrp1; SPIs: IPRIORITYR, IROUTER
 *                   (Aff0 = the vCPU), ISENABLER
 *   entry           guest/arm64/vectors.S -> guest_irq_dispatch(): ICC_IAR1_EL1, the handler,
 *                   ICC_EOIR1_EL1, until the interface reports nothing pending (INTID >= 1020)
 *   timer           CNTV (PPI 27): CNTV_CVAL_EL0 = now + ticks, CNTV_CTL_EL0.ENABLE; periodic
 *                   re-arms from its previous deadline in the dispatcher, before the handler
 *   IPI             ICC_SGI1R_EL1: INTID, Aff1 and the target list bit of Aff0 = the vCPU
 * Register accesses go through guest_mmio_*() (guest_arch.h): single LDR/STR the hypervisor can
 * decode.
 */
#include <hv/guest.h>

#include "guest/guest.h"
#include "guest/irq.h"

#define NR_VIRQS  96U /* INTIDs 0..95: what the vGIC implements (GICD_TYPER.ITLinesNumber 2) */
#define MAX_VCPUS 16U
#define IRQ_PRIO  0x80U
#define PMR_OPEN  0xf0U

#define GICD_CTLR	0x0000
#define GICD_ISENABLER	0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER	0x6000
#define GICR_WAKER	0x0014
#define GICR_SGI	0x10000
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400

#define CNT_CTL_ENABLE	1U
#define CNT_CTL_ISTATUS 4U

#define sysreg_rd(r)                                                                                                   \
	({                                                                                                             \
		uint64_t v_;                                                                                           \
		__asm__ __volatile__("mrs %0, " #r : "=r"(v_));                                                        \
		v_;                                                                                                    \
	})
#define sysreg_wr(r, v) __asm__ __volatile__("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")
#define isb()		__asm__ __volatile__("isb" ::: "memory")

/* ICC_* by encoding (IHI 0069 12.2) */
#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_IAR1_EL1	S3_0_C12_C12_0
#define ICC_EOIR1_EL1	S3_0_C12_C12_1
#define ICC_BPR1_EL1	S3_0_C12_C12_3
#define ICC_CTLR_EL1	S3_0_C12_C12_4
#define ICC_SRE_EL1	S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1	S3_0_C12_C11_5

struct handler {
	guest_irq_fn fn;
	void *arg;
};

static struct handler handlers[NR_VIRQS];
static uint64_t taken[MAX_VCPUS];
static uint64_t period[MAX_VCPUS]; /* 0: one-shot or stopped */

extern char guest_irq_vectors[];
void guest_irq_dispatch(void);

static uint64_t gicr(unsigned vcpu)
{
	return GUEST_GICR_BASE + (uint64_t)vcpu * GUEST_GICR_STRIDE;
}

static unsigned me(void)
{
	return guest_vcpu_id() % MAX_VCPUS;
}

int guest_irq_init(void)
{
	uint64_t rd = gicr(me());

	sysreg_wr(vbar_el1, (uint64_t)(uintptr_t)guest_irq_vectors);
	sysreg_wr(ICC_SRE_EL1, sysreg_rd(ICC_SRE_EL1) | 1);
	isb();
	if (!(sysreg_rd(ICC_SRE_EL1) & 1)) {
		return -IOASID_EOPNOTSUPP; /* no system-register interface */
	}
	/* Wake the redistributor (IHI 0069 11.1): ProcessorSleep = 0, then ChildrenAsleep = 0. */
	guest_mmio_write32(rd + GICR_WAKER, guest_mmio_read32(rd + GICR_WAKER) & ~2U);
	for (unsigned i = 0; (guest_mmio_read32(rd + GICR_WAKER) & 4U) != 0; i++) {
		if (i > 1000000) {
			return -IOASID_ETIMEDOUT;
		}
	}
	guest_mmio_write32(GUEST_GICD_BASE + GICD_CTLR, guest_mmio_read32(GUEST_GICD_BASE + GICD_CTLR) | (1U << 4) |
								(1U << 1)); /* ARE, EnableGrp1 */
	sysreg_wr(ICC_PMR_EL1, PMR_OPEN);
	sysreg_wr(ICC_BPR1_EL1, 0);
	sysreg_wr(ICC_CTLR_EL1, sysreg_rd(ICC_CTLR_EL1) & ~2ULL); /* EOImode 0 */
	sysreg_wr(ICC_IGRPEN1_EL1, 1);
	isb();
	taken[me()] = 0;
	return 0;
}

int guest_irq_set_handler(unsigned virq, guest_irq_fn fn, void *arg)
{
	if (virq >= NR_VIRQS) {
		return -IOASID_EINVAL;
	}
	__atomic_store_n(&handlers[virq].arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&handlers[virq].fn, fn, __ATOMIC_RELEASE);
	return 0;
}

int guest_irq_enable(unsigned virq, unsigned vcpu)
{
	if (virq >= NR_VIRQS || vcpu >= guest_nr_vcpus()) {
		return -IOASID_EINVAL;
	}
	if (virq < 32) {
		/* SGIs and PPIs: in the calling vCPU's own redistributor. */
		uint64_t sgi = gicr(me()) + GICR_SGI;

		guest_mmio_write8(sgi + GICR_IPRIORITYR + virq, IRQ_PRIO);
		guest_mmio_write32(sgi + GICR_ISENABLER0, 1U << virq);
		return 0;
	}
	guest_mmio_write8(GUEST_GICD_BASE + GICD_IPRIORITYR + virq, IRQ_PRIO);
	/* IROUTER: Aff0 = vcpu & 0xff, Aff1 = vcpu >> 8 (MPIDR_EL1 of vCPU k), as two 32-bit halves. */
	guest_mmio_write32(GUEST_GICD_BASE + GICD_IROUTER + 8 * virq, (vcpu & 0xff) | ((vcpu >> 8) & 0xff) << 8);
	guest_mmio_write32(GUEST_GICD_BASE + GICD_IROUTER + 8 * virq + 4, 0);
	guest_mmio_write32(GUEST_GICD_BASE + GICD_ISENABLER + 4 * (virq / 32), 1U << (virq % 32));
	return 0;
}

void guest_irq_on(void)
{
	__asm__ __volatile__("msr daifclr, #2" ::: "memory");
}

void guest_irq_off(void)
{
	__asm__ __volatile__("msr daifset, #2" ::: "memory");
}

void guest_wait_irq(void)
{
	uint64_t daif = sysreg_rd(daif);

	/*
	 * WFI wakes on a pending interrupt even while PSTATE.I masks it (Arm ARM D1, "Wait for
	 * Interrupt"), so a caller that checked its condition with interrupts masked loses no
	 * wake-up; the window after it takes the interrupt.
	 */
	__asm__ __volatile__("dsb sy\n\twfi\n\tmsr daifclr, #2\n\tisb" ::: "memory");
	sysreg_wr(daif, daif);
}

uint64_t guest_irq_count(void)
{
	return __atomic_load_n(&taken[me()], __ATOMIC_RELAXED);
}

uint64_t guest_timer_hz(void)
{
	return sysreg_rd(cntfrq_el0);
}

uint64_t guest_timer_now(void)
{
	isb();
	return sysreg_rd(cntvct_el0);
}

void guest_timer_oneshot(uint64_t ticks)
{
	period[me()] = 0;
	sysreg_wr(cntv_cval_el0, guest_timer_now() + ticks);
	sysreg_wr(cntv_ctl_el0, CNT_CTL_ENABLE);
	isb();
}

void guest_timer_periodic(uint64_t ticks)
{
	period[me()] = ticks;
	sysreg_wr(cntv_cval_el0, guest_timer_now() + ticks);
	sysreg_wr(cntv_ctl_el0, CNT_CTL_ENABLE);
	isb();
}

void guest_timer_stop(void)
{
	sysreg_wr(cntv_ctl_el0, 0);
	isb();
	period[me()] = 0;
}

/*
 * The timer's level is its condition (CNTV_CTL_EL0.ISTATUS): a stale one (stopped or re-armed
 * since it was signalled) is not counted. Periodic: the next deadline follows the previous one
 * (no drift), or now + period if we are more than a period late; one-shot: the timer is off.
 */
static bool timer_tick(void)
{
	uint64_t ctl = sysreg_rd(cntv_ctl_el0), p = period[me()], now, next;

	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_ISTATUS)) != (CNT_CTL_ENABLE | CNT_CTL_ISTATUS)) {
		return false;
	}
	if (p == 0) {
		sysreg_wr(cntv_ctl_el0, 0);
	} else {
		now = guest_timer_now();
		next = sysreg_rd(cntv_cval_el0) + p;
		sysreg_wr(cntv_cval_el0, next > now ? next : now + p);
	}
	isb();
	return true;
}

void guest_irq_dispatch(void)
{
	/* Bounded: the hypervisor could keep one pending forever. */
	for (unsigned n = 0; n < 64; n++) {
		unsigned intid = (unsigned)(sysreg_rd(ICC_IAR1_EL1) & 0xffffff);
		guest_irq_fn fn;

		if (intid >= 1020) {
			break;
		}
		if (intid < NR_VIRQS && (intid != GUEST_IRQ_TIMER || timer_tick())) {
			fn = __atomic_load_n(&handlers[intid].fn, __ATOMIC_ACQUIRE);
			taken[me()]++;
			if (fn != NULL) {
				fn(intid, __atomic_load_n(&handlers[intid].arg, __ATOMIC_RELAXED));
			}
		}
		sysreg_wr(ICC_EOIR1_EL1, intid);
		isb();
	}
}

int guest_send_ipi(unsigned vcpu, unsigned virq)
{
	uint64_t v;

	if (virq >= 16 || vcpu >= guest_nr_vcpus()) {
		return -IOASID_EINVAL;
	}
	/* IHI 0069 12.2.22: INTID 27:24, Aff1 23:16, RS 47:44, TargetList bit Aff0 % 16. */
	v = (uint64_t)virq << 24 | (uint64_t)((vcpu >> 8) & 0xff) << 16 | (uint64_t)((vcpu & 0xff) >> 4) << 44 |
	    1ULL << (vcpu & 15);
	__asm__ __volatile__("dsb ishst" ::: "memory"); /* our stores before the SGI (as Linux does) */
	sysreg_wr(ICC_SGI1R_EL1, v);
	isb();
	return 0;
}
