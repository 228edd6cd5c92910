// SPDX-License-Identifier: MIT
/*
 * Host tests of the x86_64 virtual local APIC (arch/x86_64/vlapic.c): the state machine the
 * SVM side drives, with time passed in as TSC values. A guest of up to four vCPUs is an array
 * of vlapics whose send_ipi raises on the sibling, as arch/x86_64/svm_irq.c does.
 */
#define TEST_MAIN
#include <hv/errno.h>

#include "arch/x86_64/vlapic.h"
#include "test.h"

#define NR 4
static struct vlapic cpu[NR];
static unsigned nr_cpus;

static int ipi(struct vlapic *from, uint32_t dest, unsigned vector)
{
	(void)from;
	if (dest >= nr_cpus) {
		return -ENOENT;
	}
	return vlapic_raise(&cpu[dest], vector);
}

static uint64_t rd(struct vlapic *l, uint32_t msr)
{
	uint64_t v = 0xdeadULL;

	EXPECT_EQ(vlapic_msr_read(l, msr, 0, &v), 0);
	return v;
}

static void wr(struct vlapic *l, uint32_t msr, uint64_t v, uint64_t now)
{
	EXPECT_EQ(vlapic_msr_write(l, msr, v, now), 0);
}

/* nr vCPUs, each in x2APIC mode and software-enabled (what guest_irq_init does). */
static void guest(unsigned nr)
{
	nr_cpus = nr;
	for (unsigned k = 0; k < nr; k++) {
		vlapic_init(&cpu[k], k, nr, ipi, NULL);
		wr(&cpu[k], MSR_IA32_APIC_BASE,
		   APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD | (k ? 0 : APIC_BASE_BSP), 0);
		wr(&cpu[k], X2APIC_SVR, APIC_SVR_ENABLE | 0xff, 0);
	}
}

/* Take what is pending, as the injection does; -1 when nothing. */
static int take(struct vlapic *l)
{
	int v = vlapic_pending(l);

	if (v >= 0) {
		vlapic_accept(l, (unsigned)v);
	}
	return v;
}

TEST(vlapic_reset_and_mode)
{
	struct vlapic *l = &cpu[0];
	uint64_t v;

	nr_cpus = 2;
	vlapic_init(l, 1, 2, ipi, NULL);
	EXPECT_EQ(rd(l, MSR_IA32_APIC_BASE), APIC_BASE_DEFAULT | APIC_BASE_EN); /* not the BSP */
	/* xAPIC mode: the x2APIC MSRs #GP (SDM 10.12.1.2) */
	EXPECT_EQ(vlapic_msr_read(l, X2APIC_ID, 0, &v), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_TPR, 0, 0), -EINVAL);
	/* illegal transitions and a moved base */
	EXPECT_EQ(vlapic_msr_write(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EXTD, 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, MSR_IA32_APIC_BASE, 0xfec00000ULL | APIC_BASE_EN | APIC_BASE_EXTD, 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_BSP, 0),
		  -EINVAL);
	wr(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD, 0);
	EXPECT_EQ(rd(l, X2APIC_ID), 1);
	EXPECT_EQ(rd(l, X2APIC_VERSION), APIC_VERSION_VALUE);
	EXPECT_EQ(rd(l, X2APIC_LDR), (0U << 16) | (1U << 1));
	EXPECT_EQ(rd(l, X2APIC_LVT_TIMER) & APIC_LVT_MASKED, APIC_LVT_MASKED);
	EXPECT_EQ(rd(l, X2APIC_SVR), 0xff);
	/* x2APIC -> xAPIC is illegal; x2APIC -> disabled resets; disabled -> x2APIC is illegal */
	EXPECT_EQ(vlapic_msr_write(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN, 0), -EINVAL);
	wr(l, X2APIC_TPR, 0x40, 0);
	wr(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT, 0);
	EXPECT_EQ(vlapic_msr_write(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD, 0),
		  -EINVAL);
	wr(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN, 0);
	wr(l, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD, 0);
	EXPECT_EQ(rd(l, X2APIC_TPR), 0);
}

TEST(vlapic_irr_isr_eoi)
{
	struct vlapic *l = &cpu[0];

	guest(1);
	/* software-disabled: held, not delivered */
	wr(l, X2APIC_SVR, 0xff, 0);
	EXPECT_EQ(vlapic_raise(l, 0x41), 0);
	EXPECT_EQ(vlapic_pending(l), -1);
	wr(l, X2APIC_SVR, APIC_SVR_ENABLE | 0xff, 0);
	EXPECT_EQ(rd(l, X2APIC_IRR0 + 2), 1U << 1);
	EXPECT_EQ(take(l), 0x41);
	EXPECT_EQ(rd(l, X2APIC_IRR0 + 2), 0);
	EXPECT_EQ(rd(l, X2APIC_ISR0 + 2), 1U << 1);
	EXPECT_EQ(rd(l, X2APIC_PPR), 0x40);
	/* the same class is blocked while 0x41 is in service */
	vlapic_raise(l, 0x42);
	EXPECT_EQ(vlapic_pending(l), -1);
	wr(l, X2APIC_EOI, 0, 0);
	EXPECT_EQ(rd(l, X2APIC_ISR0 + 2), 0);
	EXPECT_EQ(rd(l, X2APIC_PPR), 0);
	EXPECT_EQ(take(l), 0x42);
	wr(l, X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(l), -1);
	/* vectors 0-15 cannot be raised */
	EXPECT_EQ(vlapic_raise(l, 3), -EINVAL);
	EXPECT_EQ(vlapic_raise(l, 256), -EINVAL);
	/* EOI with a value, or read: #GP */
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_EOI, 1, 0), -EINVAL);
	{
		uint64_t v;

		EXPECT_EQ(vlapic_msr_read(l, X2APIC_EOI, 0, &v), -EINVAL);
	}
}

TEST(vlapic_priorities_tpr_nested)
{
	struct vlapic *l = &cpu[0];

	guest(1);
	vlapic_raise(l, 0x35);
	vlapic_raise(l, 0x90);
	vlapic_raise(l, 0x60);
	/* TPR 0x70: only 0x90 is above it */
	wr(l, X2APIC_TPR, 0x70, 0);
	EXPECT_EQ(rd(l, X2APIC_PPR), 0x70);
	EXPECT_EQ(take(l), 0x90);
	EXPECT_EQ(rd(l, X2APIC_PPR), 0x90);
	EXPECT_EQ(take(l), -1);
	/* a higher one nests into 0x90's handler; a lower one waits */
	vlapic_raise(l, 0xa1);
	EXPECT_EQ(take(l), 0xa1);
	EXPECT_EQ(rd(l, X2APIC_ISR0 + 5), 1U << 1);  /* 0xa1 */
	EXPECT_EQ(rd(l, X2APIC_ISR0 + 4), 1U << 16); /* 0x90 */
	EXPECT_EQ(take(l), -1);
	wr(l, X2APIC_EOI, 0, 0); /* ends 0xa1, the highest in service */
	EXPECT_EQ(rd(l, X2APIC_ISR0 + 5), 0);
	EXPECT_EQ(rd(l, X2APIC_ISR0 + 4), 1U << 16);
	EXPECT_EQ(take(l), -1); /* 0x60 still below 0x90 */
	wr(l, X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(l), -1); /* and below the TPR */
	wr(l, X2APIC_TPR, 0x00, 0);
	EXPECT_EQ(take(l), 0x60);
	wr(l, X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(l), 0x35);
	wr(l, X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(l), -1);
	/* PPR = TPR when TPR's class is the higher, with its low bits */
	wr(l, X2APIC_TPR, 0x5a, 0);
	EXPECT_EQ(rd(l, X2APIC_PPR), 0x5a);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_TPR, 0x100, 0), -EINVAL);
}

TEST(vlapic_timer_oneshot)
{
	struct vlapic *l = &cpu[0];
	uint64_t v;

	guest(1);
	wr(l, X2APIC_TIMER_DCR, 0xb, 0); /* divide by 1 */
	wr(l, X2APIC_LVT_TIMER, 0xec, 0);
	wr(l, X2APIC_TIMER_ICR, 1000, 5000);
	EXPECT_EQ(vlapic_timer_next(l), 6000);
	EXPECT_EQ(vlapic_msr_read(l, X2APIC_TIMER_CCR, 5400, &v), 0);
	EXPECT_EQ(v, 600);
	vlapic_timer_update(l, 5999);
	EXPECT_EQ(vlapic_pending(l), -1);
	vlapic_timer_update(l, 6000);
	EXPECT_EQ(take(l), 0xec);
	EXPECT_EQ(vlapic_timer_next(l), 0);
	vlapic_timer_update(l, 20000);
	EXPECT_EQ(vlapic_pending(l), -1); /* once */
	EXPECT_EQ(vlapic_msr_read(l, X2APIC_TIMER_CCR, 20000, &v), 0);
	EXPECT_EQ(v, 0);
	wr(l, X2APIC_EOI, 0, 0);
	/* divide by 4 (DCR 0001b), count 100: 400 TSC ticks */
	wr(l, X2APIC_TIMER_DCR, 0x1, 0);
	wr(l, X2APIC_TIMER_ICR, 100, 30000);
	EXPECT_EQ(vlapic_timer_next(l), 30400);
	EXPECT_EQ(vlapic_msr_read(l, X2APIC_TIMER_CCR, 30200, &v), 0);
	EXPECT_EQ(v, 50);
	/* a count of 0 stops it */
	wr(l, X2APIC_TIMER_ICR, 0, 30300);
	EXPECT_EQ(vlapic_timer_next(l), 0);
	/* masked: expires without an interrupt */
	wr(l, X2APIC_LVT_TIMER, 0xec | APIC_LVT_MASKED, 0);
	wr(l, X2APIC_TIMER_ICR, 10, 40000);
	vlapic_timer_update(l, 50000);
	EXPECT_EQ(vlapic_pending(l), -1);
	EXPECT_EQ(vlapic_timer_next(l), 0);
	/* reserved mode 11b and a reserved bit: #GP */
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_LVT_TIMER, 0xec | (3U << 17), 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_LVT_TIMER, 0xec | (1U << 20), 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_TIMER_DCR, 0x10, 0), -EINVAL);
}

TEST(vlapic_timer_periodic_reload)
{
	struct vlapic *l = &cpu[0];
	uint64_t v;

	guest(1);
	wr(l, X2APIC_TIMER_DCR, 0xb, 0);
	wr(l, X2APIC_LVT_TIMER, 0xec | (1U << 17), 0);
	wr(l, X2APIC_TIMER_ICR, 1000, 0);
	for (unsigned i = 1; i <= 5; i++) {
		vlapic_timer_update(l, i * 1000ULL - 1);
		EXPECT_EQ(vlapic_pending(l), -1);
		vlapic_timer_update(l, i * 1000ULL);
		EXPECT_EQ(take(l), 0xec);
		wr(l, X2APIC_EOI, 0, 0);
		EXPECT_EQ(vlapic_timer_next(l), (i + 1) * 1000ULL); /* re-armed, same phase */
	}
	/* missed periods collapse into one interrupt, the phase is kept */
	vlapic_timer_update(l, 9500);
	EXPECT_EQ(take(l), 0xec);
	wr(l, X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(l), -1);
	EXPECT_EQ(vlapic_timer_next(l), 10000);
	EXPECT_EQ(vlapic_msr_read(l, X2APIC_TIMER_CCR, 9750, &v), 0);
	EXPECT_EQ(v, 250);
	EXPECT_EQ(l->timer_fired, 6);
	/* a period below min_period is lengthened to it */
	l->min_period = 500;
	wr(l, X2APIC_TIMER_ICR, 10, 20000);
	EXPECT_EQ(vlapic_timer_next(l), 20500);
	vlapic_timer_update(l, 20500);
	EXPECT_EQ(vlapic_timer_next(l), 21000);
	EXPECT_EQ(take(l), 0xec);
	wr(l, X2APIC_EOI, 0, 0);
	/* masked and stopped */
	wr(l, X2APIC_LVT_TIMER, 0xec | APIC_LVT_MASKED, 0);
	wr(l, X2APIC_TIMER_ICR, 0, 9800);
	vlapic_timer_update(l, 100000);
	EXPECT_EQ(take(l), -1);
}

TEST(vlapic_timer_tsc_deadline)
{
	struct vlapic *l = &cpu[0];

	guest(1);
	/* not in deadline mode: the MSR reads 0 and writes are ignored */
	wr(l, MSR_IA32_TSC_DEADLINE, 5000, 0);
	EXPECT_EQ(rd(l, MSR_IA32_TSC_DEADLINE), 0);
	EXPECT_EQ(vlapic_timer_next(l), 0);
	wr(l, X2APIC_LVT_TIMER, 0xec | (2U << 17), 0);
	wr(l, MSR_IA32_TSC_DEADLINE, 5000, 0);
	EXPECT_EQ(rd(l, MSR_IA32_TSC_DEADLINE), 5000);
	/* the initial count is ignored in this mode */
	wr(l, X2APIC_TIMER_ICR, 10, 0);
	EXPECT_EQ(vlapic_timer_next(l), 5000);
	vlapic_timer_update(l, 4999);
	EXPECT_EQ(take(l), -1);
	vlapic_timer_update(l, 5001);
	EXPECT_EQ(take(l), 0xec);
	EXPECT_EQ(rd(l, MSR_IA32_TSC_DEADLINE), 0); /* fired: reads 0 */
	wr(l, X2APIC_EOI, 0, 0);
	/* a re-arm replaces; 0 disarms; leaving the mode disarms */
	wr(l, MSR_IA32_TSC_DEADLINE, 9000, 6000);
	wr(l, MSR_IA32_TSC_DEADLINE, 8000, 6000);
	EXPECT_EQ(vlapic_timer_next(l), 8000);
	wr(l, MSR_IA32_TSC_DEADLINE, 0, 6000);
	EXPECT_EQ(vlapic_timer_next(l), 0);
	wr(l, MSR_IA32_TSC_DEADLINE, 8000, 6000);
	wr(l, X2APIC_LVT_TIMER, 0xec, 6000);
	EXPECT_EQ(vlapic_timer_next(l), 0);
	vlapic_timer_update(l, 9000);
	EXPECT_EQ(take(l), -1);
}

TEST(vlapic_icr)
{
	uint64_t v;

	guest(3);
	/* fixed, physical: to vCPU 2 */
	wr(&cpu[0], X2APIC_ICR, (2ULL << 32) | 0xf0, 0);
	EXPECT_EQ(take(&cpu[2]), 0xf0);
	EXPECT_EQ(take(&cpu[1]), -1);
	EXPECT_EQ(rd(&cpu[0], X2APIC_ICR), (2ULL << 32) | 0xf0);
	/* self IPI: the register and the shorthand */
	wr(&cpu[1], X2APIC_SELF_IPI, 0x51, 0);
	EXPECT_EQ(take(&cpu[1]), 0x51);
	wr(&cpu[1], X2APIC_ICR, (1ULL << 18) | 0x52, 0);
	EXPECT_EQ(take(&cpu[1]), -1); /* 0x52 same class as 0x51 in service */
	wr(&cpu[1], X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(&cpu[1]), 0x52);
	/* all but self: vCPU 1 takes it above the 0x52 in service, vCPU 2 not above its 0xf0 */
	wr(&cpu[0], X2APIC_ICR, (3ULL << 18) | 0x61, 0);
	EXPECT_EQ(take(&cpu[0]), -1);
	EXPECT_EQ(take(&cpu[1]), 0x61);
	wr(&cpu[1], X2APIC_EOI, 0, 0);
	wr(&cpu[1], X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(&cpu[2]), -1);
	wr(&cpu[2], X2APIC_EOI, 0, 0);
	EXPECT_EQ(take(&cpu[2]), 0x61);
	wr(&cpu[2], X2APIC_EOI, 0, 0);
	/* logical: cluster 0, bits 0 and 2 */
	wr(&cpu[1], X2APIC_ICR, (0x5ULL << 32) | (1ULL << 11) | 0x71, 0);
	EXPECT_EQ(take(&cpu[0]), 0x71);
	EXPECT_EQ(vlapic_irr_test(&cpu[2], 0x71), true);
	EXPECT_EQ(take(&cpu[1]), -1);
	/* outside the guest, other delivery modes, an illegal vector: nothing, counted */
	cpu[0].ipis_ignored = 0;
	wr(&cpu[0], X2APIC_ICR, (3ULL << 32) | 0xf1, 0);		    /* no vCPU 3 */
	wr(&cpu[0], X2APIC_ICR, (1000ULL << 32) | 0xf1, 0);		    /* nor 1000 */
	wr(&cpu[0], X2APIC_ICR, (1ULL << 32) | (4U << 8), 0);		    /* NMI */
	wr(&cpu[0], X2APIC_ICR, (1ULL << 32) | (5U << 8) | (1U << 14), 0);  /* INIT */
	wr(&cpu[0], X2APIC_ICR, (1ULL << 32) | (6U << 8) | 0x10, 0);	    /* SIPI */
	wr(&cpu[0], X2APIC_ICR, (1ULL << 32) | 0x05, 0);		    /* vector < 16 */
	wr(&cpu[0], X2APIC_ICR, (0x100ULL << 32) | (1ULL << 11) | 0xf1, 0); /* logical cluster 1: none */
	EXPECT_EQ(cpu[0].ipis_ignored, 7);
	EXPECT_EQ(vlapic_irr_test(&cpu[1], 0xf1), false);
	EXPECT_EQ(vlapic_irr_test(&cpu[1], 0x10), false);
	/* the illegal vector shows in ESR after the latching write */
	wr(&cpu[0], X2APIC_ESR, 0, 0);
	EXPECT_EQ(rd(&cpu[0], X2APIC_ESR), APIC_ESR_SEND_ILLEGAL_VEC);
	wr(&cpu[0], X2APIC_ESR, 0, 0);
	EXPECT_EQ(rd(&cpu[0], X2APIC_ESR), 0);
	/* reserved ICR bits: #GP, nothing sent */
	EXPECT_EQ(vlapic_msr_write(&cpu[0], X2APIC_ICR, (1ULL << 32) | (1ULL << 20) | 0xf2, 0), -EINVAL);
	EXPECT_EQ(vlapic_irr_test(&cpu[1], 0xf2), false);
	EXPECT_EQ(vlapic_msr_read(&cpu[0], X2APIC_ICR, 0, &v), 0);
}

TEST(vlapic_bad_msrs)
{
	struct vlapic *l = &cpu[0];
	uint64_t v;
	static const uint32_t ro[] = { X2APIC_ID,   X2APIC_VERSION,  X2APIC_PPR,      X2APIC_LDR,
				       X2APIC_ISR0, X2APIC_TMR0 + 7, X2APIC_IRR0 + 3, X2APIC_TIMER_CCR };
	static const uint32_t absent[] = { 0x800, 0x801, 0x804, 0x809, 0x80c, 0x80e /* DFR */, 0x82f /* CMCI */,
					   0x831, 0x83a, 0x840, 0x8ff };

	guest(2);
	l->bad_accesses = 0;
	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		EXPECT_EQ(vlapic_msr_write(l, ro[i], 0, 0), -EINVAL);
	}
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		EXPECT_EQ(vlapic_msr_write(l, absent[i], 0, 0), -EINVAL);
		EXPECT_EQ(vlapic_msr_read(l, absent[i], 0, &v), -EINVAL);
	}
	EXPECT_EQ(vlapic_msr_read(l, X2APIC_SELF_IPI, 0, &v), -EINVAL);
	/* upper halves of 32-bit registers, reserved bits */
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_TPR, 1ULL << 32, 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_SVR, 1U << 9, 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_ESR, 1, 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_LVT_ERROR, 1U << 8, 0), -EINVAL);
	EXPECT_EQ(vlapic_msr_write(l, X2APIC_SELF_IPI, 0x100, 0), -EINVAL);
	EXPECT_EQ(l->bad_accesses, 8 + 2 * 11 + 1 + 5);
	/* none of it changed anything the sibling sees, nor our own state */
	EXPECT_EQ(vlapic_pending(&cpu[1]), -1);
	EXPECT_EQ(vlapic_pending(l), -1);
	EXPECT_EQ(rd(l, X2APIC_ID), 0);
	EXPECT_EQ(rd(l, X2APIC_SVR), APIC_SVR_ENABLE | 0xff);
	/* software-disabling masks the LVTs and keeps them masked */
	wr(l, X2APIC_LVT_LINT0, 0x700, 0);
	wr(l, X2APIC_SVR, 0xff, 0);
	EXPECT_EQ(rd(l, X2APIC_LVT_LINT0) & APIC_LVT_MASKED, APIC_LVT_MASKED);
	wr(l, X2APIC_LVT_TIMER, 0xec, 0);
	EXPECT_EQ(rd(l, X2APIC_LVT_TIMER), 0xec | APIC_LVT_MASKED);
	EXPECT_TRUE(vlapic_msr_is_ours(0x830) && vlapic_msr_is_ours(0x1b) && vlapic_msr_is_ours(0x6e0));
	EXPECT_TRUE(!vlapic_msr_is_ours(0x7ff) && !vlapic_msr_is_ours(0x900) && !vlapic_msr_is_ours(0x10));
}
