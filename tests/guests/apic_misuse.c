// SPDX-License-Identifier: MIT
/*
 * Test guest "apic_misuse" (x86_64 only; `x86_64-guest-apic-misuse`): what a guest can do wrong
 * with its virtual local APIC (arch/x86_64/vlapic.c, docs/GUEST.md "Interrupts") changes only its
 * own APIC. The checks: the x2APIC registers read as documented; IPIs the hypervisor must drop
 * (NMI, INIT, SIPI to itself, a fixed one to a vCPU the guest does not have, an illegal vector)
 * deliver nothing and the guest keeps running; then a write to the read-only ID register must
 * come back as #GP through the guest's own IDT: the SDK reports "irq: exception 13" and exits
 * with status 0xe0 + 13 = 237, the hypervisor runs on.
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/test.h"

static volatile uint64_t hits;

static void on_ipi(unsigned virq, void *arg)
{
	(void)virq;
	(void)arg;
	hits++;
}

TEST(registers)
{
	EXPECT_EQ(guest_irq_init(), 0);
	EXPECT_EQ(guest_rdmsr(0x1b) & 0xc00, 0xc00);	/* EN | EXTD */
	EXPECT_EQ(guest_rdmsr(0x802), guest_vcpu_id()); /* x2APIC ID = vCPU number */
	EXPECT_EQ(guest_rdmsr(0x803), 0x50014);		/* version */
	EXPECT_EQ(guest_rdmsr(0x80d), 1);		/* LDR: cluster 0, bit 0 */
	EXPECT_EQ(guest_rdmsr(0x80f), 0x1ff);		/* SVR as guest_irq_init left it */
	EXPECT_TRUE(guest_timer_hz() != 0);
}

TEST(dropped_ipis)
{
	EXPECT_EQ(guest_irq_set_handler(GUEST_IRQ_IPI_BASE, on_ipi, NULL), 0);
	guest_irq_on();
	guest_wrmsr(0x830, (0ULL << 32) | (4U << 8) | GUEST_IRQ_IPI_BASE);		/* NMI to itself */
	guest_wrmsr(0x830, (0ULL << 32) | (5U << 8) | (1U << 14) | GUEST_IRQ_IPI_BASE); /* INIT */
	guest_wrmsr(0x830, (0ULL << 32) | (6U << 8) | 0x10);				/* SIPI */
	guest_wrmsr(0x830, (7ULL << 32) | GUEST_IRQ_IPI_BASE);				/* no vCPU 7 */
	guest_wrmsr(0x830, (0ULL << 32) | 0x05);					/* illegal vector */
	EXPECT_EQ(hits, 0);
	guest_wrmsr(0x828, 0);
	EXPECT_EQ(guest_rdmsr(0x828), 1U << 5); /* ESR: send illegal vector */
	/* and the APIC still works: a self IPI arrives */
	guest_wrmsr(0x83f, GUEST_IRQ_IPI_BASE);
	EXPECT_EQ(hits, 1);
	guest_irq_off();
}

int guest_main(void)
{
	int failed = guest_run_tests();

	guest_printf("apic_misuse: %d failed; now writing the read-only x2APIC ID\n", failed);
	guest_wrmsr(0x802, 5);
	guest_printf("still running after the write\n");
	return 1;
}
