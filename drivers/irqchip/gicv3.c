// SPDX-License-Identifier: MIT
/*
 * Minimal GICv3 for CPU kicks (gicv3.h). Spec: Arm IHI 0069 ("GIC Architecture Specification,
 * GICv3 and GICv4"); register names and offsets from its chapter 12 (distributor GICD_*,
 * redistributor GICR_*) and the ICC_* system-register descriptions.
 *
 * Assumptions:
 *   - The firmware left the distributor with affinity routing on (GICD_CTLR.ARE(_NS)), as every
 *     ACPI arm64 system does; without it the redistributors' SGI registers are not the ones in
 *     use (IHI 0069 2.2.3) and we give up (-EOPNOTSUPP): CPUs then poll instead of sleeping.
 *   - We run Non-secure at EL2. With two Security states Non-secure software can only make an
 *     interrupt Non-secure Group 1 if Secure firmware left it Non-secure; with one (QEMU virt
 *     without EL3: GICD_CTLR.DS = 1) IGROUPR0 is ours to write. Either way, the kick SGI ends
 *     up Group 1 and is read with ICC_IAR1_EL1.
 *   - Nothing but the kick SGI is touched: no SPI, PPI, LPI or ITS state (IHI 0069 says SGI and
 *     PPI configuration lives in each CPU's own redistributor when ARE is set, so this never
 *     disturbs another CPU or a device).
 *   - EOImode = 1 (IHI 0069 4.1.1, ICC_CTLR_EL1.EOImode): ICC_EOIR1_EL1 only drops the running
 *     priority and ICC_DIR_EL1 deactivates. gicv3_eoi() does both; the vGIC (arch/arm64/
 *     vgic_hw.c) drops the virtual timer's PPI without deactivating it, so the physical PPI stays
 *     active until the guest's EOI deactivates it through a list register with the HW bit.
 *   - The vGIC's PPIs (maintenance 25, CNTHP 26, CNTV 27) are enabled by gicv3_ppi_enable().
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mmio.h>
#include <hv/wait.h>

#include "drivers/irqchip/gicv3.h"
#include "drivers/irqchip/gicv3_its.h"

/* Distributor (IHI 0069 12.9) */
#define GICD_SIZE	    0x10000
#define GICD_CTLR	    0x0000
#define GICD_CTLR_ENABLE_G1 BIT(1) /* EnableGrp1 (DS = 1) / EnableGrp1NS (Non-secure view) */
#define GICD_CTLR_ARE	    BIT(4) /* ARE (DS = 1) / ARE_NS (Non-secure view) */
#define GICD_CTLR_DS	    BIT(6)
#define GICD_CTLR_RWP	    BIT(31)

/* Redistributor: RD_base frame then SGI_base frame, 64 KiB each (IHI 0069 12.10, 12.11) */
#define GICR_FRAME		   0x10000
#define GICR_CTLR		   0x0000
#define GICR_CTLR_RWP		   BIT(3)
#define GICR_TYPER		   0x0008
#define GICR_TYPER_VLPIS	   BIT(1) /* GICv4: two more frames (VLPI_base, reserved) follow */
#define GICR_TYPER_LAST		   BIT(4) /* the last redistributor of its region */
#define GICR_TYPER_AFF		   GENMASK(63, 32)
#define GICR_WAKER		   0x0014
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_SGI_BASE		   GICR_FRAME
#define GICR_IGROUPR0		   0x0080
#define GICR_ISENABLER0		   0x0100
#define GICR_IPRIORITYR		   0x0400
#define GICR_IGRPMODR0		   0x0d00
#define GICR_MAP_SIZE		   (2 * GICR_FRAME)

/* ICC_SRE_EL2 */
#define ICC_SRE_SRE    BIT(0) /* system-register interface at EL2 */
#define ICC_SRE_ENABLE BIT(3) /* EL1 may use ICC_SRE_EL1 (the guests' view stays virtual: IMO) */
/* ICC_CTLR_EL1 */
#define ICC_CTLR_EOIMODE BIT(1)
/* ICC_SGI1R_EL1 (IHI 0069 12.2.22) */
#define ICC_SGI1R_TARGETS GENMASK(15, 0)
#define ICC_SGI1R_AFF1	  GENMASK(23, 16)
#define ICC_SGI1R_INTID	  GENMASK(27, 24)
#define ICC_SGI1R_AFF2	  GENMASK(39, 32)
#define ICC_SGI1R_RS	  GENMASK(47, 44)
#define ICC_SGI1R_AFF3	  GENMASK(55, 48)

/*
 * Priorities: lower is more urgent; implementations may keep as few as 4 of the 8 bits (IHI
 * 0069 4.8), so both values below use only the top nibble. The mask lets the kick through.
 */
#define GICV3_PRIO_KICK 0xa0
#define GICV3_PMR	0xf0

/* RWP and ChildrenAsleep: bounded (IHI 0069 gives no figure; a register write's propagation). */
#define GICV3_WAIT_US 100000

#define icc_read(r)                                                                                                    \
	({                                                                                                             \
		uint64_t v_;                                                                                           \
		__asm__ __volatile__("mrs %0, " #r : "=r"(v_));                                                        \
		v_;                                                                                                    \
	})
#define icc_write(r, v) __asm__ __volatile__("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")
#define icc_isb()	__asm__ __volatile__("isb" ::: "memory")

static uintptr_t gicd;
static const struct acpi_madt *gic_madt;

bool gicv3_present(void)
{
	return gicd != 0;
}

/* MADT affinity (Aff3 at 39:32, Aff2..Aff0 at 23:0) as GICR_TYPER.Affinity spells it. */
static uint32_t typer_affinity(uint64_t mpidr)
{
	return (uint32_t)((((mpidr >> 32) & 0xff) << 24) | (mpidr & 0xffffff));
}

int gicv3_init(const struct acpi_madt *madt)
{
	uint32_t ctlr;
	int ret;

	if (!madt->present || !madt->has_gicd) {
		return -ENODEV;
	}
	if (madt->gic_version != 0 && madt->gic_version != 3 && madt->gic_version != 4) {
		pr_warn("gicv3: the MADT names GIC version %u: no CPU kicks (CPUs poll)", madt->gic_version);
		return -EOPNOTSUPP;
	}
	ret = arch_map_mmio(madt->gicd_base, GICD_SIZE);
	for (unsigned i = 0; i < madt->nr_gicr && ret == 0; i++) {
		ret = arch_map_mmio(madt->gicr[i].base, madt->gicr[i].length);
	}
	for (unsigned i = 0; i < madt->nr_cpus && ret == 0; i++) {
		if (hpa_val(madt->cpus[i].gicr_base) != 0) {
			ret = arch_map_mmio(madt->cpus[i].gicr_base, GICR_MAP_SIZE);
		}
	}
	if (ret != 0) {
		pr_err("gicv3: cannot map the distributor or redistributors (%d)", ret);
		return ret;
	}
	ctlr = mmio_read32((uintptr_t)hpa_val(madt->gicd_base) + GICD_CTLR);
	if (!(ctlr & GICD_CTLR_ARE)) {
		pr_warn("gicv3: distributor at 0x%llx without affinity routing (GICD_CTLR 0x%x): no CPU kicks",
			(unsigned long long)hpa_val(madt->gicd_base), ctlr);
		return -EOPNOTSUPP;
	}
	if (!(ctlr & GICD_CTLR_ENABLE_G1)) {
		/* Group 1 off at the distributor would hold back our SGI too (IHI 0069 4.1.2). */
		mmio_write32((uintptr_t)hpa_val(madt->gicd_base) + GICD_CTLR, ctlr | GICD_CTLR_ENABLE_G1);
		ret = poll_until(!(mmio_read32((uintptr_t)hpa_val(madt->gicd_base) + GICD_CTLR) & GICD_CTLR_RWP),
				 GICV3_WAIT_US);
		if (ret != 0) {
			pr_err("gicv3: GICD_CTLR.RWP stuck after enabling Group 1");
			return ret;
		}
	}
	gicd = (uintptr_t)hpa_val(madt->gicd_base);
	gic_madt = madt;
	pr_info("gicv3: distributor at 0x%llx (GICD_CTLR 0x%x%s), %u redistributor region(s); kick SGI %u",
		(unsigned long long)gicd, mmio_read32(gicd + GICD_CTLR),
		(ctlr & GICD_CTLR_DS) ? ", one Security state" : "", madt->nr_gicr, GICV3_SGI_KICK);
	return 0;
}

/* Walk one redistributor region for the frame whose GICR_TYPER names aff; 0 if none. */
static uintptr_t gicr_find_in(uintptr_t base, uint64_t len, uint32_t aff)
{
	uintptr_t end = base + len;

	for (uintptr_t rd = base; rd + GICR_MAP_SIZE <= end;) {
		uint64_t typer = mmio_read64(rd + GICR_TYPER);

		if ((uint32_t)FIELD_GET(GICR_TYPER_AFF, typer) == aff) {
			return rd;
		}
		if (typer & GICR_TYPER_LAST) {
			break;
		}
		rd += (typer & GICR_TYPER_VLPIS) ? 4 * GICR_FRAME : 2 * GICR_FRAME;
	}
	return 0;
}

static uintptr_t gicr_find(uint64_t mpidr, hpa_t hint)
{
	uint32_t aff = typer_affinity(mpidr);
	uintptr_t rd;

	if (hpa_val(hint) != 0) {
		return gicr_find_in((uintptr_t)hpa_val(hint), GICR_MAP_SIZE, aff);
	}
	for (unsigned i = 0; i < gic_madt->nr_gicr; i++) {
		rd = gicr_find_in((uintptr_t)hpa_val(gic_madt->gicr[i].base), gic_madt->gicr[i].length, aff);
		if (rd != 0) {
			return rd;
		}
	}
	return 0;
}

int gicv3_cpu_init(uint64_t mpidr, hpa_t gicr_hint, uint64_t *rd_out)
{
	uintptr_t rd, sgi;
	uint32_t waker;
	int ret;

	if (gicd == 0) {
		return -ENODEV;
	}
	rd = gicr_find(mpidr, gicr_hint);
	if (rd == 0) {
		return -ENOENT;
	}
	/* Wake it: ProcessorSleep = 0, then ChildrenAsleep reads 0 (IHI 0069 11.1, power management). */
	waker = mmio_read32(rd + GICR_WAKER);
	if (waker & GICR_WAKER_PROCESSOR_SLEEP) {
		mmio_write32(rd + GICR_WAKER, waker & ~GICR_WAKER_PROCESSOR_SLEEP);
	}
	ret = poll_until(!(mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP), GICV3_WAIT_US);
	if (ret != 0) {
		return ret;
	}
	/* The kick SGI: Group 1 (Non-secure: IGRPMODR0 = 0), its priority, enabled. */
	sgi = rd + GICR_SGI_BASE;
	mmio_write32(sgi + GICR_IGROUPR0, mmio_read32(sgi + GICR_IGROUPR0) | BIT(GICV3_SGI_KICK));
	mmio_write32(sgi + GICR_IGRPMODR0, mmio_read32(sgi + GICR_IGRPMODR0) & ~(uint32_t)BIT(GICV3_SGI_KICK));
	mmio_write8(sgi + GICR_IPRIORITYR + GICV3_SGI_KICK, GICV3_PRIO_KICK);
	mmio_write32(sgi + GICR_ISENABLER0, BIT(GICV3_SGI_KICK));
	ret = poll_until(!(mmio_read32(rd + GICR_CTLR) & GICR_CTLR_RWP), GICV3_WAIT_US);
	if (ret != 0) {
		return ret;
	}
	/*
	 * The CPU interface: system registers at EL2 (ICC_SRE_EL2.SRE; Enable lets EL1 see
	 * ICC_SRE_EL1, whose accesses go to the virtual interface while HCR_EL2.IMO = 1), the
	 * priority mask, EOImode 0, Group 1 on (IHI 0069 12.2).
	 */
	icc_write(S3_4_C12_C9_5, icc_read(S3_4_C12_C9_5) | ICC_SRE_SRE | ICC_SRE_ENABLE); /* ICC_SRE_EL2 */
	icc_isb();
	if (!(icc_read(S3_4_C12_C9_5) & ICC_SRE_SRE)) {
		return -EOPNOTSUPP;
	}
	icc_write(S3_0_C4_C6_0, GICV3_PMR);						   /* ICC_PMR_EL1 */
	icc_write(S3_0_C12_C12_3, 0);							   /* ICC_BPR1_EL1 */
	icc_write(S3_0_C12_C12_4, icc_read(S3_0_C12_C12_4) | ICC_CTLR_EOIMODE);		   /* ICC_CTLR_EL1 */
	icc_write(S3_0_C12_C12_7, 1);							   /* ICC_IGRPEN1_EL1 */
	icc_isb();
	(void)gicv3_lpi_cpu_init(rd); /* LPIs (gicv3_lpi.c): this CPU takes device MSIs, or logs why not */
	*rd_out = rd;
	return 0;
}

void gicv3_send_sgi(uint64_t mpidr, unsigned sgi)
{
	unsigned aff0 = (unsigned)(mpidr & 0xff);
	uint64_t v = FIELD_PREP(ICC_SGI1R_TARGETS, 1u << (aff0 & 15)) | FIELD_PREP(ICC_SGI1R_RS, aff0 >> 4) |
		     FIELD_PREP(ICC_SGI1R_AFF1, (mpidr >> 8) & 0xff) |
		     FIELD_PREP(ICC_SGI1R_AFF2, (mpidr >> 16) & 0xff) |
		     FIELD_PREP(ICC_SGI1R_AFF3, (mpidr >> 32) & 0xff) | FIELD_PREP(ICC_SGI1R_INTID, sgi & 15);

	/*
	 * The SGI is not ordered after our earlier stores by the GIC (a system-register write is not
	 * a memory access): make them visible to the inner shareable domain first, as Linux does
	 * before an IPI; the ISB sends it now.
	 */
	__asm__ __volatile__("dsb ishst" ::: "memory");
	icc_write(S3_0_C12_C11_5, v); /* ICC_SGI1R_EL1 */
	icc_isb();
}

unsigned gicv3_ack(void)
{
	unsigned intid = (unsigned)(icc_read(S3_0_C12_C12_0) & 0xffffff); /* ICC_IAR1_EL1 */

	/* Reads of the interrupt's state after the acknowledge must not be hoisted above it. */
	__asm__ __volatile__("dsb sy" ::: "memory");
	return intid;
}

void gicv3_drop(unsigned intid)
{
	icc_write(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1: priority drop only (EOImode = 1) */
	icc_isb();
}

void gicv3_deactivate(unsigned intid)
{
	icc_write(S3_0_C12_C11_1, intid); /* ICC_DIR_EL1 */
	icc_isb();
}

void gicv3_eoi(unsigned intid)
{
	icc_write(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
	/* LPIs have no active state: no deactivation (IHI 0069 4.1.1; a DIR of one is ignored anyway). */
	if (intid < GICV3_INTID_SPECIAL) {
		icc_write(S3_0_C12_C11_1, intid); /* ICC_DIR_EL1 */
	}
	icc_isb();
}

int gicv3_ppi_enable(uint64_t rd, unsigned intid, uint8_t prio)
{
	uintptr_t sgi = (uintptr_t)rd + GICR_SGI_BASE;

	if (rd == 0 || intid < 16 || intid > 31) {
		return -EINVAL;
	}
	/* As the kick SGI: Group 1 Non-secure, its priority, enabled (IHI 0069 12.11). */
	mmio_write32(sgi + GICR_IGROUPR0, mmio_read32(sgi + GICR_IGROUPR0) | (uint32_t)BIT(intid));
	mmio_write32(sgi + GICR_IGRPMODR0, mmio_read32(sgi + GICR_IGRPMODR0) & ~(uint32_t)BIT(intid));
	mmio_write8(sgi + GICR_IPRIORITYR + intid, prio);
	mmio_write32(sgi + GICR_ISENABLER0, (uint32_t)BIT(intid));
	return poll_until(!(mmio_read32((uintptr_t)rd + GICR_CTLR) & GICR_CTLR_RWP), GICV3_WAIT_US);
}
