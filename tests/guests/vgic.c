// SPDX-License-Identifier: MIT
/*
 * Test guest "vgic" (arm64 only; case arm64-guest-vgic; docs/ARM64.md "Virtual interrupts"):
 * the virtual GICv3 seen by a driver, on one vCPU.
 *
 * 1. registers: GICD_TYPER (INTIDs 0..95), GICD_CTLR (ARE, DS read as 1), this vCPU's
 *    GICR_TYPER (affinity 0, Last), accesses the GIC spec does not define (a reserved offset, a
 *    16-bit write of GICD_CTLR) read as zero and are ignored, and the guest carries on.
 * 2. lr_overflow: 8 SGIs to itself with 8 different priorities while interrupts are masked: more
 *    than the list registers (4 on QEMU), so the hypervisor keeps some in its pending list and
 *    refills from the maintenance interrupt. All 8 arrive, once each, most urgent first.
 */
#include <hv/guest.h>

#include "guest/irq.h"
#include "guest/test.h"

#define NR_SGIS 8

static volatile unsigned order[NR_SGIS];
static volatile unsigned taken;

static void on_sgi(unsigned virq, void *arg)
{
	(void)arg;
	if (taken < NR_SGIS) {
		order[taken] = virq;
	}
	taken++;
}

TEST(registers)
{
	EXPECT_EQ(guest_irq_init(), 0);
	EXPECT_EQ(guest_mmio_read32(GUEST_GICD_BASE + 0x4) & 0x1f, 2);	  /* ITLinesNumber */
	EXPECT_EQ(guest_mmio_read32(GUEST_GICD_BASE) & 0x52, 0x52);	  /* DS, ARE, EnableGrp1 */
	EXPECT_EQ(guest_mmio_read32(GUEST_GICR_BASE + 0x8) & 0x10, 0x10); /* GICR_TYPER.Last */
	EXPECT_EQ(guest_mmio_read32(GUEST_GICR_BASE + 0xc), 0);		  /* Affinity: vCPU 0 */
	EXPECT_EQ(guest_mmio_read32(GUEST_GICD_BASE + 0x5000), 0);	  /* reserved: RAZ */
	guest_mmio_write16(GUEST_GICD_BASE, 0);				  /* 16-bit: WI */
	EXPECT_EQ(guest_mmio_read32(GUEST_GICD_BASE) & 2, 2);
	EXPECT_EQ(guest_mmio_read32(GUEST_GICR_BASE + GUEST_GICR_STRIDE + 0x8), 0); /* no vCPU 1: RAZ */
}

TEST(lr_overflow)
{
	uint64_t sgi = GUEST_GICR_BASE + 0x10000;

	for (unsigned i = 0; i < NR_SGIS; i++) {
		EXPECT_EQ(guest_irq_set_handler(i, on_sgi, NULL), 0);
		EXPECT_EQ(guest_irq_enable(i, 0), 0);
		/* SGI i gets priority 0x80 - 0x10 * i: SGI 7 the most urgent (GICR_IPRIORITYR). */
		guest_mmio_write8(sgi + 0x400 + i, (uint8_t)(0x80 - 0x10 * i));
	}
	guest_irq_off();
	for (unsigned i = 0; i < NR_SGIS; i++) {
		EXPECT_EQ(guest_send_ipi(0, i), 0);
	}
	guest_irq_on();
	for (unsigned long spin = 0; taken < NR_SGIS && spin < 100000000UL; spin++) {
		guest_cpu_relax();
	}
	for (unsigned long spin = 0; spin < 1000000UL; spin++) {
		guest_cpu_relax(); /* and nothing more comes */
	}
	EXPECT_EQ(taken, NR_SGIS);
	for (unsigned i = 0; i < NR_SGIS; i++) {
		EXPECT_EQ(order[i], NR_SGIS - 1 - i);
	}
	guest_printf("vgic: %u SGIs taken in the order %u %u %u %u %u %u %u %u\n", taken, order[0], order[1], order[2],
		     order[3], order[4], order[5], order[6], order[7]);
}

int guest_main(void)
{
	return guest_run_tests();
}
