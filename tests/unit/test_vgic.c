// SPDX-License-Identifier: MIT
/*
 * Host tests of the arm64 virtual GICv3 (arch/arm64/vgic.c, vgic_mmio.c; docs/ARM64.md
 * "Virtual interrupts"): registers as a guest driver uses them, pending/enabled/active, list
 * register fill by priority and overflow into the software pending list (UIE), the guest's
 * EOI seen through the LRs, IROUTER routing, ICC_SGI1R_EL1 target decoding, accesses the GIC spec
 * does not define (RAZ/WI), and the exit decoder's vGIC cases (vcpu_decode.c). The "hardware"
 * here is the saved LR array of struct vgic_cpu: a test acts as the GIC by editing LR states.
 */
#define TEST_MAIN
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/guest.h>

#include "arch/arm64/arm64.h"
#include "arch/arm64/vcpu.h"
#include "arch/arm64/vgic.h"
#include "test.h"

static struct vgic g;

#define GICD(off)	 (GUEST_GICD_BASE + (off))
#define GICR(k, off)	 (GUEST_GICR_BASE + (uint64_t)(k)*GUEST_GICR_STRIDE + (off))
#define GICR_SGI(k, off) GICR(k, 0x10000 + (off))

static uint64_t bad;

static uint64_t acc(unsigned vcpu, uint64_t ipa, unsigned size, bool write, uint64_t val, vgic_kick_t *kick)
{
	struct vgic_access a = { .ipa = ipa, .size = size, .write = write, .val = val };
	vgic_kick_t k = 0;

	vgic_mmio(&g, vcpu, &a, kick != NULL ? kick : &k, &bad);
	return a.val;
}

static uint64_t rd32(unsigned vcpu, uint64_t ipa)
{
	return acc(vcpu, ipa, 4, false, 0, NULL);
}

static void wr32(unsigned vcpu, uint64_t ipa, uint32_t v)
{
	acc(vcpu, ipa, 4, true, v, NULL);
}

/* A guest driver's set-up: Group 1 on, intid enabled with prio, SPIs routed to vCPU target. */
static void setup(unsigned nr)
{
	vgic_init(&g, nr);
	bad = 0;
	for (unsigned k = 0; k < nr; k++) {
		g.cpu[k].nr_lrs = 4;
	}
	wr32(0, GICD(0), 2); /* EnableGrp1 */
}

static void enable(unsigned vcpu, unsigned intid, uint8_t prio, unsigned target)
{
	if (intid < 32) {
		acc(vcpu, GICR_SGI(vcpu, 0x400 + intid), 1, true, prio, NULL);
		wr32(vcpu, GICR_SGI(vcpu, 0x100), 1U << intid);
		return;
	}
	acc(vcpu, GICD(0x400 + intid), 1, true, prio, NULL);
	acc(vcpu, GICD(0x6000 + 8 * intid), 8, true, target, NULL);
	wr32(vcpu, GICD(0x100 + 4 * (intid / 32)), 1U << (intid % 32));
}

static unsigned lr_state(const struct vgic_cpu *c, unsigned n)
{
	return (unsigned)FIELD_GET(ICH_LR_STATE, c->lr[n]);
}

/* The LR holding intid on vCPU k, -1 if none. */
static int listed(unsigned k, unsigned intid)
{
	for (unsigned n = 0; n < g.cpu[k].nr_lrs; n++) {
		if (g.cpu[k].lr[n] != 0 && FIELD_GET(ICH_LR_VINTID, g.cpu[k].lr[n]) == intid) {
			return (int)n;
		}
	}
	return -1;
}

/* The guest acknowledges (pending -> active) and then EOIs (-> invalid) the LR of intid. */
static void guest_ack(unsigned k, unsigned intid)
{
	int n = listed(k, intid);

	if (n >= 0) {
		g.cpu[k].lr[n] = (g.cpu[k].lr[n] & ~ICH_LR_STATE) | FIELD_PREP(ICH_LR_STATE, ICH_LR_ACTIVE);
	}
}

static void guest_eoi(unsigned k, unsigned intid)
{
	int n = listed(k, intid);

	if (n >= 0) {
		g.cpu[k].lr[n] &= ~ICH_LR_STATE;
	}
}

TEST(vgic_id_registers)
{
	setup(2);
	EXPECT_EQ(rd32(0, GICD(0x4)) & 0x1f, 2); /* ITLinesNumber: INTIDs 0..95 */
	EXPECT_EQ((rd32(0, GICD(0x4)) >> 19) & 0x1f, 9);
	EXPECT_EQ(rd32(0, GICD(0)), 2 | BIT(4) | BIT(6)); /* EnableGrp1, ARE, DS */
	wr32(0, GICD(0), 0xffffffff);
	EXPECT_EQ(rd32(0, GICD(0)), 2 | BIT(4) | BIT(6)); /* only EnableGrp1 is writable */
	EXPECT_EQ((rd32(0, GICD(0xffe8)) >> 4) & 0xf, 3);
	EXPECT_EQ(rd32(0, GICD(0x80 + 4)), 0xffffffff); /* IGROUPR: Group 1 only */
	/* GICR_TYPER: affinity = vCPU, Last on the last one only; 64-bit and 32-bit halves. */
	EXPECT_EQ(acc(0, GICR(1, 8), 8, false, 0, NULL), (1ULL << 32) | (1U << 8) | BIT(4));
	EXPECT_EQ(acc(0, GICR(0, 8), 8, false, 0, NULL) & BIT(4), 0);
	EXPECT_EQ(rd32(0, GICR(1, 0xc)), 1);
	/* WAKER: ProcessorSleep out of reset, ChildrenAsleep follows it. */
	EXPECT_EQ(rd32(0, GICR(0, 0x14)), 6);
	wr32(0, GICR(0, 0x14), 0);
	EXPECT_EQ(rd32(0, GICR(0, 0x14)), 0);
	EXPECT_EQ(bad, 0);
}

TEST(vgic_enable_pending_active_bits)
{
	vgic_kick_t kick = 0;

	setup(2);
	enable(0, 48, 0x80, 1);
	EXPECT_EQ(rd32(0, GICD(0x104)), BIT(16));
	EXPECT_EQ(rd32(1, GICD(0x184)), BIT(16));     /* ICENABLER reads the same */
	acc(0, GICD(0x204), 4, true, BIT(16), &kick); /* ISPENDR */
	EXPECT_EQ(kick, 2);			      /* SPI 48 goes to vCPU 1: kick it */
	EXPECT_EQ(rd32(0, GICD(0x204)), BIT(16));
	EXPECT_TRUE(vgic_has_pending(&g, 1));
	EXPECT_TRUE(!vgic_has_pending(&g, 0));
	wr32(0, GICD(0x284), BIT(16)); /* ICPENDR */
	EXPECT_EQ(rd32(0, GICD(0x204)), 0);
	EXPECT_TRUE(!vgic_has_pending(&g, 1));
	wr32(0, GICD(0x304), BIT(17)); /* ISACTIVER */
	EXPECT_EQ(rd32(0, GICD(0x384)), BIT(17));
	wr32(0, GICD(0x384), BIT(17));
	EXPECT_EQ(rd32(0, GICD(0x304)), 0);
	wr32(0, GICD(0x184), BIT(16)); /* ICENABLER */
	EXPECT_EQ(rd32(0, GICD(0x104)), 0);
	/* A pending but disabled interrupt is not delivered; Group 1 off holds everything back. */
	vgic_raise(&g, 0, 48, &kick);
	EXPECT_TRUE(!vgic_has_pending(&g, 1));
	wr32(0, GICD(0x104), BIT(16));
	EXPECT_TRUE(vgic_has_pending(&g, 1));
	wr32(0, GICD(0), 0);
	EXPECT_TRUE(!vgic_has_pending(&g, 1));
	/* SGIs/PPIs: the redistributor of the vCPU named by the frame, not the caller. */
	wr32(0, GICR_SGI(1, 0x100), BIT(5));
	EXPECT_EQ(rd32(1, GICR_SGI(1, 0x100)), BIT(5));
	EXPECT_EQ(rd32(0, GICR_SGI(0, 0x100)), 0);
	/* The distributor's words for INTIDs 0..31 are RAZ/WI under ARE. */
	wr32(0, GICD(0x100), 0xffffffff);
	EXPECT_EQ(rd32(0, GICD(0x100)), 0);
	EXPECT_EQ(g.cpu[0].priv[3].enabled, 0);
}

TEST(vgic_lr_fill_by_priority_and_overflow)
{
	static const uint8_t prio[6] = { 0xa0, 0x20, 0x80, 0x40, 0x60, 0xc0 };
	vgic_kick_t kick = 0;

	setup(1);
	for (unsigned i = 0; i < 6; i++) {
		enable(0, 40 + i, prio[i], 0);
		vgic_raise(&g, 0, 40 + i, &kick);
	}
	vgic_flush(&g, 0);
	/* The four most urgent (0x20, 0x40, 0x60, 0x80: INTIDs 41, 43, 44, 42) are listed. */
	EXPECT_TRUE(listed(0, 41) >= 0 && listed(0, 43) >= 0 && listed(0, 44) >= 0 && listed(0, 42) >= 0);
	EXPECT_EQ(listed(0, 40), -1);
	EXPECT_EQ(listed(0, 45), -1);
	EXPECT_EQ(FIELD_GET(ICH_LR_PRIO, g.cpu[0].lr[listed(0, 41)]), 0x20);
	EXPECT_EQ(lr_state(&g.cpu[0], (unsigned)listed(0, 41)), ICH_LR_PENDING);
	EXPECT_TRUE((g.cpu[0].lr[listed(0, 41)] & ICH_LR_GROUP) != 0);
	/* The rest waits in the software pending list: the maintenance interrupt is asked for. */
	EXPECT_TRUE((g.cpu[0].hcr & ICH_HCR_UIE) != 0);
	EXPECT_TRUE((g.cpu[0].hcr & ICH_HCR_EN) != 0);
	EXPECT_EQ(g.cpu[0].nr_overflows, 1);
	/* The guest takes and ends three: the next flush lists the two waiting ones. */
	guest_ack(0, 41);
	guest_ack(0, 43);
	guest_eoi(0, 41);
	guest_eoi(0, 43);
	guest_ack(0, 44);
	guest_eoi(0, 44);
	vgic_sync(&g, 0);
	EXPECT_EQ(g.spi[41 - 32].lr, -1);
	EXPECT_EQ(g.spi[41 - 32].pending, 0);
	EXPECT_EQ(g.spi[41 - 32].active, 0);
	vgic_flush(&g, 0);
	EXPECT_TRUE(listed(0, 40) >= 0 && listed(0, 45) >= 0 && listed(0, 42) >= 0);
	EXPECT_EQ(g.cpu[0].hcr & ICH_HCR_UIE, 0);
}

TEST(vgic_more_urgent_evicts_a_pending_lr)
{
	vgic_kick_t kick = 0;

	setup(1);
	for (unsigned i = 0; i < 4; i++) {
		enable(0, 50 + i, 0x80, 0);
		vgic_raise(&g, 0, 50 + i, &kick);
	}
	vgic_flush(&g, 0);
	guest_ack(0, 50); /* active: never taken out of its LR */
	vgic_sync(&g, 0);
	enable(0, 60, 0x10, 0);
	vgic_raise(&g, 0, 60, &kick);
	vgic_flush(&g, 0);
	EXPECT_TRUE(listed(0, 60) >= 0);
	EXPECT_TRUE(listed(0, 50) >= 0);
	EXPECT_EQ(lr_state(&g.cpu[0], (unsigned)listed(0, 50)), ICH_LR_ACTIVE);
	/* One of the pending ones went back to the software list, still pending. */
	EXPECT_EQ((listed(0, 51) < 0) + (listed(0, 52) < 0) + (listed(0, 53) < 0), 1);
	EXPECT_TRUE(vgic_has_pending(&g, 0));
}

TEST(vgic_raise_while_listed_and_eoi)
{
	vgic_kick_t kick = 0;

	setup(1);
	enable(0, 3, 0x80, 0); /* SGI 3 */
	vgic_raise(&g, 0, 3, &kick);
	vgic_flush(&g, 0);
	guest_ack(0, 3);
	vgic_sync(&g, 0);
	/* Raised again while active in its LR: pending and active after the next flush. */
	vgic_raise(&g, 0, 3, &kick);
	vgic_flush(&g, 0);
	EXPECT_EQ(lr_state(&g.cpu[0], (unsigned)listed(0, 3)), ICH_LR_PENDING | ICH_LR_ACTIVE);
	guest_eoi(0, 3); /* the hardware would leave it pending; the test ends both */
	vgic_sync(&g, 0);
	EXPECT_EQ(g.cpu[0].priv[3].lr, -1);
	/* Raised while listed pending: one pending bit, not two interrupts. */
	vgic_raise(&g, 0, 3, &kick);
	vgic_flush(&g, 0);
	vgic_raise(&g, 0, 3, &kick);
	vgic_sync(&g, 0);
	vgic_flush(&g, 0);
	EXPECT_EQ(lr_state(&g.cpu[0], (unsigned)listed(0, 3)), ICH_LR_PENDING);
	guest_ack(0, 3);
	guest_eoi(0, 3);
	vgic_sync(&g, 0);
	EXPECT_TRUE(!vgic_has_pending(&g, 0));
	/* Numbers the vGIC does not have. */
	EXPECT_EQ(vgic_raise(&g, 0, 96, &kick), -EINVAL);
	EXPECT_EQ(vgic_raise(&g, 1, 3, &kick), -EINVAL);
}

TEST(vgic_wake_needs_the_interface_open)
{
	vgic_kick_t kick = 0;

	setup(1);
	enable(0, 40, 0x80, 0);
	vgic_raise(&g, 0, 40, &kick);
	EXPECT_TRUE(vgic_has_pending(&g, 0));
	/* ICH_VMCR_EL2 out of reset: Group 1 off, PMR 0: WFI would not end. */
	EXPECT_TRUE(!vgic_can_wake(&g, 0));
	g.cpu[0].vmcr = ICH_VMCR_VENG1 | FIELD_PREP(ICH_VMCR_VPMR, 0x80);
	EXPECT_TRUE(!vgic_can_wake(&g, 0)); /* priority 0x80 is not below a mask of 0x80 */
	g.cpu[0].vmcr = ICH_VMCR_VENG1 | FIELD_PREP(ICH_VMCR_VPMR, 0xf0);
	EXPECT_TRUE(vgic_can_wake(&g, 0));
	g.cpu[0].vmcr = FIELD_PREP(ICH_VMCR_VPMR, 0xf0);
	EXPECT_TRUE(!vgic_can_wake(&g, 0));
}

TEST(vgic_virtual_timer_is_listed_with_hw)
{
	setup(1);
	g.cpu[0].vtimer_fired = true;
	vgic_flush(&g, 0);
	EXPECT_EQ(listed(0, 27), -1); /* PPI 27 not enabled by the guest yet */
	EXPECT_TRUE(!vgic_has_pending(&g, 0));
	enable(0, 27, 0x80, 0);
	EXPECT_TRUE(vgic_has_pending(&g, 0));
	vgic_flush(&g, 0);
	EXPECT_TRUE(listed(0, 27) >= 0);
	EXPECT_TRUE((g.cpu[0].lr[listed(0, 27)] & ICH_LR_HW) != 0);
	EXPECT_EQ(FIELD_GET(ICH_LR_PINTID, g.cpu[0].lr[listed(0, 27)]), 27);
	EXPECT_TRUE(!g.cpu[0].vtimer_fired);
	/* The guest's ISPENDR/ICPENDR cannot touch it while the physical PPI owns it. */
	wr32(0, GICR_SGI(0, 0x280), BIT(27));
	EXPECT_EQ(g.cpu[0].priv[27].pending, 1);
	guest_ack(0, 27);
	guest_eoi(0, 27);
	vgic_sync(&g, 0);
	EXPECT_EQ(g.cpu[0].priv[27].hw, 0);
	EXPECT_EQ(g.cpu[0].priv[27].lr, -1);
}

TEST(vgic_irouter_routing)
{
	vgic_kick_t kick = 0;

	setup(3);
	enable(0, 70, 0x80, 2);
	EXPECT_EQ(vgic_spi_target(&g, 70), 2);
	vgic_raise(&g, 0, 70, &kick); /* raised "through" vCPU 0: goes to vCPU 2 */
	EXPECT_EQ(kick, BIT(2));
	vgic_flush(&g, 0);
	vgic_flush(&g, 2);
	EXPECT_EQ(listed(0, 70), -1);
	EXPECT_TRUE(listed(2, 70) >= 0);
	/* 32-bit halves; Aff1 and Aff2 of a vCPU that does not exist: not delivered. */
	wr32(0, GICD(0x6000 + 8 * 71), 1);
	wr32(0, GICD(0x6000 + 8 * 71 + 4), 0);
	EXPECT_EQ(vgic_spi_target(&g, 71), 1);
	EXPECT_EQ(acc(0, GICD(0x6000 + 8 * 71), 8, false, 0, NULL), 1);
	wr32(0, GICD(0x6000 + 8 * 71), 1U << 8);
	EXPECT_EQ(vgic_spi_target(&g, 71), -1);
	wr32(0, GICD(0x6000 + 8 * 71), 1U << 16);
	EXPECT_EQ(vgic_spi_target(&g, 71), -1);
	wr32(0, GICD(0x6000 + 8 * 71), 7);
	EXPECT_EQ(vgic_spi_target(&g, 71), -1);
	/* IRM (any PE): vCPU 0. */
	wr32(0, GICD(0x6000 + 8 * 71), BIT(31) | 2);
	EXPECT_EQ(vgic_spi_target(&g, 71), 0);
	/* Re-routing a pending SPI kicks its new vCPU. */
	kick = 0;
	acc(0, GICD(0x6000 + 8 * 70), 8, true, 1, &kick);
	EXPECT_EQ(kick, BIT(1));
}

TEST(vgic_sgi1r_targets)
{
	vgic_kick_t kick = 0;

	setup(3);
	/* INTID 5 to the target list {1, 2}. */
	vgic_sgi1r(&g, 0, FIELD_PREP(VGIC_SGI1R_INTID, 5) | 0x6, &kick);
	EXPECT_EQ(kick, BIT(1) | BIT(2));
	EXPECT_TRUE(g.cpu[1].priv[5].pending && g.cpu[2].priv[5].pending && !g.cpu[0].priv[5].pending);
	/* Target bits beyond the guest's vCPUs, another Aff1, RS or Aff2: nobody. */
	setup(3);
	kick = 0;
	vgic_sgi1r(&g, 0, FIELD_PREP(VGIC_SGI1R_INTID, 1) | BIT(5), &kick);
	vgic_sgi1r(&g, 0, FIELD_PREP(VGIC_SGI1R_INTID, 1) | FIELD_PREP(VGIC_SGI1R_AFF1, 1) | 1, &kick);
	vgic_sgi1r(&g, 0, FIELD_PREP(VGIC_SGI1R_INTID, 1) | FIELD_PREP(VGIC_SGI1R_RS, 1) | 1, &kick);
	vgic_sgi1r(&g, 0, FIELD_PREP(VGIC_SGI1R_INTID, 1) | FIELD_PREP(VGIC_SGI1R_AFF2, 1) | 1, &kick);
	EXPECT_EQ(kick, 0);
	EXPECT_TRUE(!g.cpu[0].priv[1].pending);
	/* IRM: every vCPU but the sender. */
	vgic_sgi1r(&g, 1, FIELD_PREP(VGIC_SGI1R_INTID, 2) | VGIC_SGI1R_IRM, &kick);
	EXPECT_EQ(kick, BIT(0) | BIT(2));
	EXPECT_TRUE(!g.cpu[1].priv[2].pending);
}

TEST(vgic_undefined_accesses_are_raz_wi)
{
	setup(2);
	/* A 16-bit access to GICD_CTLR, a misaligned word, a byte of ISENABLER: RAZ/WI, counted. */
	EXPECT_EQ(acc(0, GICD(0), 2, true, 0, NULL), 0);
	EXPECT_EQ(rd32(0, GICD(0)) & 2, 2);
	EXPECT_EQ(acc(0, GICD(0x102), 4, false, 0, NULL), 0);
	acc(0, GICD(0x104), 1, true, 0xff, NULL);
	EXPECT_EQ(rd32(0, GICD(0x104)), 0);
	EXPECT_EQ(bad, 3);
	/* Beyond INTID 95, reserved offsets, the redistributor of a vCPU the guest does not have. */
	wr32(0, GICD(0x10c), 0xffffffff);
	EXPECT_EQ(rd32(0, GICD(0x10c)), 0);
	EXPECT_EQ(rd32(0, GICD(0x5000)), 0);
	EXPECT_EQ(rd32(0, GICR(2, 8)), 0);
	wr32(0, GICR_SGI(2, 0x100), 0xffffffff);
	EXPECT_EQ(acc(0, GICD(0x6000 + 8 * 96), 8, false, 0, NULL), 0);
	/* A size the CPU cannot produce. */
	EXPECT_EQ(acc(0, GICD(0), 3, false, 0, NULL), 0);
	EXPECT_EQ(bad, 10);
	/* IPRIORITYR takes bytes; priorities keep their top 5 bits. */
	acc(0, GICD(0x400 + 33), 1, true, 0xff, NULL);
	EXPECT_EQ(acc(0, GICD(0x400 + 33), 1, false, 0, NULL), 0xf8);
	EXPECT_EQ(rd32(0, GICD(0x400 + 32)), 0xf800);
	EXPECT_EQ(bad, 10);
	EXPECT_TRUE(vgic_mmio_is_vgic(GUEST_GICD_BASE) && vgic_mmio_is_vgic(GUEST_VGIC_END - 1));
	EXPECT_TRUE(!vgic_mmio_is_vgic(GUEST_VGIC_END) && !vgic_mmio_is_vgic(GUEST_GICD_BASE - 1));
}

/* ESR_EL2 of a stage-2 translation fault (level 3) of a data access, ISV set. */
#define ESR(ec, iss) (((uint64_t)(ec) << 26) | ESR_IL | (uint64_t)(iss))
#define DABT_ISV(sas, srt, wnr)                                                                                        \
	(ESR_ISS_ABT_ISV | FIELD_PREP(ESR_ISS_ABT_SAS, sas) | FIELD_PREP(ESR_ISS_ABT_SRT, srt) |                       \
	 ((wnr) ? ESR_ISS_ABT_WNR : 0) | 0x07)
#define HPFAR(ipa) FIELD_PREP(HPFAR_FIPA, (ipa) >> 12)

TEST(vgic_exit_decoding)
{
	struct arm64_exit_decision d;
	uint64_t ipa = GUEST_GICR_BASE + 0x10100;

	arm64_vcpu_decode(ARM64_VEC_LOWER64, ESR(ESR_EC_DABT_LOW, DABT_ISV(2, 5, 1) | ESR_ISS_ABT_SF), ipa & 0xfff,
			  HPFAR(ipa), 0, 0, &d);
	EXPECT_EQ(d.action, ARM64_EXIT_MMIO);
	EXPECT_EQ(d.ipa, ipa);
	EXPECT_EQ(d.size, 4);
	EXPECT_EQ(d.reg, 5);
	EXPECT_TRUE(d.write && d.skip && d.sf);
	arm64_vcpu_decode(ARM64_VEC_LOWER64, ESR(ESR_EC_DABT_LOW, DABT_ISV(0, 31, 0) | ESR_ISS_ABT_SSE), 0x400,
			  HPFAR(GUEST_GICD_BASE), 0, 0, &d);
	EXPECT_TRUE(d.action == ARM64_EXIT_MMIO && d.size == 1 && d.reg == 31 && !d.write && d.sse);
	/* No valid syndrome (an LDP, a write-back form): the guest is stopped, not emulated. */
	arm64_vcpu_decode(ARM64_VEC_LOWER64, ESR(ESR_EC_DABT_LOW, 0x07), 0, HPFAR(GUEST_GICD_BASE), 0, 0, &d);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
	EXPECT_TRUE(strstr(d.reason, "ISV = 0") != NULL);
	/* Outside the frames: a plain stage-2 fault stop, as before. */
	arm64_vcpu_decode(ARM64_VEC_LOWER64, ESR(ESR_EC_DABT_LOW, DABT_ISV(2, 1, 0)), 0, HPFAR(GUEST_VGIC_END), 0, 0,
			  &d);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
	/* A permission fault in the frames (cannot happen: nothing maps them) is not emulated. */
	arm64_vcpu_decode(ARM64_VEC_LOWER64, ESR(ESR_EC_DABT_LOW, ESR_ISS_ABT_ISV | 0x0f), 0, HPFAR(GUEST_GICD_BASE), 0,
			  0, &d);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
	/* MSR ICC_SGI1R_EL1, x7 (op0 3, op1 0, CRn 12, CRm 11, op2 5). */
	arm64_vcpu_decode(ARM64_VEC_LOWER64,
			  ESR(ESR_EC_SYSREG, FIELD_PREP(ESR_ISS_SYS_OP0, 3) | FIELD_PREP(ESR_ISS_SYS_CRN, 12) |
						     FIELD_PREP(ESR_ISS_SYS_CRM, 11) | FIELD_PREP(ESR_ISS_SYS_OP2, 5) |
						     FIELD_PREP(ESR_ISS_SYS_RT, 7)),
			  0, 0, 0, 0, &d);
	EXPECT_TRUE(d.action == ARM64_EXIT_SGI && d.reg == 7 && d.skip);
	/* ICC_SGI0R_EL1 (Group 0): ignored, the guest continues after it. */
	arm64_vcpu_decode(ARM64_VEC_LOWER64,
			  ESR(ESR_EC_SYSREG, FIELD_PREP(ESR_ISS_SYS_OP0, 3) | FIELD_PREP(ESR_ISS_SYS_CRN, 12) |
						     FIELD_PREP(ESR_ISS_SYS_CRM, 11) | FIELD_PREP(ESR_ISS_SYS_OP2, 7)),
			  0, 0, 0, 0, &d);
	EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.skip);
	/* WFI: halt, past the instruction. */
	arm64_vcpu_decode(ARM64_VEC_LOWER64, ESR(ESR_EC_WFX, 0), 0, 0, 0, 0, &d);
	EXPECT_TRUE(d.action == ARM64_EXIT_HALT && d.skip);
}
