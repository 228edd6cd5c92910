// SPDX-License-Identifier: MIT
/*
 * GICv3 distributor: SPIs for the hypervisor's own wired interrupt sources (gicv3_dist.h). Spec:
 * Arm IHI 0069 ("GIC Architecture Specification, GICv3 and GICv4"), 12.9 for the GICD_*
 * registers, 4.1 for groups and security, 4.5 for affinity routing.
 *
 * Assumptions:
 *   - gicv3_init() checked GICD_CTLR.ARE(_NS) and enabled Group 1: with affinity routing an
 *     SPI goes to the CPU its GICD_IROUTER<n> names (Interrupt_Routing_Mode = 0), never to the
 *     legacy GICD_ITARGETSR.
 *   - We are Non-secure at EL2. With one Security state (DS = 1, QEMU virt without EL3) the
 *     group registers are ours; with two, Non-secure writes to a Secure interrupt's group bits
 *     are ignored (IHI 0069 4.1.4), which the read-back below turns into -EPERM.
 *   - Guests never reach GICD (the vGIC emulates it; armvgic's work), so only the hypervisor
 *     writes these registers; gicd_lock serialises the read-modify-writes of the shared words.
 *
 * Every wait on GICD_CTLR.RWP is bounded: RWP tracks the effect of GICD_ICENABLER writes
 * (IHI 0069 12.9.4), the one write whose completion we must know (a disabled SPI must not be
 * delivered afterwards).
 */
#include <hv/acpi.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mmio.h>
#include <hv/spinlock.h>
#include <hv/wait.h>

#include "drivers/irqchip/gicv3.h"
#include "drivers/irqchip/gicv3_dist.h"

#define GICD_CTLR	   0x0000
#define GICD_CTLR_ARE	   BIT(4)
#define GICD_CTLR_RWP	   BIT(31)
#define GICD_TYPER	   0x0004
#define GICD_TYPER_ITLINES GENMASK(4, 0) /* 32 * (N + 1) INTIDs */
#define GICD_IGROUPR	   0x0080
#define GICD_ISENABLER	   0x0100
#define GICD_ICENABLER	   0x0180
#define GICD_ISPENDR	   0x0200
#define GICD_ICPENDR	   0x0280
#define GICD_IPRIORITYR	   0x0400
#define GICD_ICFGR	   0x0c00
#define GICD_IGRPMODR	   0x0d00
#define GICD_IROUTER	   0x6000
#define GICD_IROUTER_IRM   BIT(31) /* 1: any participating CPU; we always name one */

#define GICD_WAIT_US 100000

static hv_spinlock_t gicd_lock; /* a leaf: the shared GICD words (group, config) */

static uintptr_t gicd_base(void)
{
	return gicv3_present() ? (uintptr_t)hpa_val(hv_acpi.madt.gicd_base) : 0;
}

static int spi_check(unsigned intid, uintptr_t *d)
{
	unsigned lines;

	*d = gicd_base();
	if (*d == 0) {
		return -ENODEV;
	}
	lines = 32U * ((unsigned)FIELD_GET(GICD_TYPER_ITLINES, mmio_read32(*d + GICD_TYPER)) + 1U);
	if (intid < GICV3_SPI_FIRST || intid >= lines || intid >= GICV3_INTID_SPECIAL) {
		return -EINVAL;
	}
	if (!(mmio_read32(*d + GICD_CTLR) & GICD_CTLR_ARE)) {
		return -EOPNOTSUPP;
	}
	return 0;
}

static int rwp_wait(uintptr_t d)
{
	return poll_until(!(mmio_read32(d + GICD_CTLR) & GICD_CTLR_RWP), GICD_WAIT_US);
}

int gicv3_spi_disable(unsigned intid)
{
	uintptr_t d;
	int ret = spi_check(intid, &d);

	if (ret) {
		return ret;
	}
	mmio_write32(d + GICD_ICENABLER + 4 * (intid / 32), BIT(intid % 32));
	return rwp_wait(d);
}

int gicv3_spi_enable(unsigned intid)
{
	uintptr_t d;
	int ret = spi_check(intid, &d);

	if (ret) {
		return ret;
	}
	mmio_write32(d + GICD_ISENABLER + 4 * (intid / 32), BIT(intid % 32));
	return 0;
}

int gicv3_spi_set_pending(unsigned intid)
{
	uintptr_t d;
	int ret = spi_check(intid, &d);

	if (ret) {
		return ret;
	}
	mmio_write32(d + GICD_ISPENDR + 4 * (intid / 32), BIT(intid % 32));
	return 0;
}

int gicv3_spi_config(unsigned intid, bool edge, uint8_t prio, uint64_t mpidr)
{
	uint32_t bit = BIT(intid % 32), grp, cfg;
	unsigned word = 4 * (intid / 32);
	uintptr_t d;
	uint64_t route;
	int ret;

	/* Disabled first (and waited for): it must not fire half-configured (IHI 0069 12.9.9). */
	ret = gicv3_spi_disable(intid);
	if (ret) {
		return ret;
	}
	d = gicd_base();
	hv_spin_lock(&gicd_lock);
	/* Non-secure Group 1: IGROUPR = 1, IGRPMODR = 0 (IHI 0069 4.1.2, table 4-1). */
	mmio_write32(d + GICD_IGROUPR + word, mmio_read32(d + GICD_IGROUPR + word) | bit);
	mmio_write32(d + GICD_IGRPMODR + word, mmio_read32(d + GICD_IGRPMODR + word) & ~bit);
	grp = mmio_read32(d + GICD_IGROUPR + word);
	/* Int_config: 2 bits per INTID, the upper one set for edge (IHI 0069 12.9.7). */
	cfg = mmio_read32(d + GICD_ICFGR + 4 * (intid / 16));
	cfg &= ~(2U << (2 * (intid % 16)));
	cfg |= edge ? 2U << (2 * (intid % 16)) : 0;
	mmio_write32(d + GICD_ICFGR + 4 * (intid / 16), cfg);
	hv_spin_unlock(&gicd_lock);
	if (!(grp & bit)) {
		return -EPERM;
	}
	mmio_write8(d + GICD_IPRIORITYR + intid, prio);
	/* Aff3 at 39:32, Aff2..Aff0 at 23:0 as in MPIDR_EL1; IRM = 0: that one CPU (12.9.22). */
	route = mpidr & (0xffULL << 32 | 0xffffffULL);
	mmio_write64(d + GICD_IROUTER + 8 * intid, route & ~(uint64_t)GICD_IROUTER_IRM);
	/* A stale edge from before the configuration is dropped. */
	mmio_write32(d + GICD_ICPENDR + word, bit);
	return 0;
}
