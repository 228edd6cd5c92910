// SPDX-License-Identifier: MIT
/*
 * SMMUv3 interrupts: the event queue and global errors reported by wired interrupts instead of
 * polling. Spec: Arm IHI 0070 (SMMUv3) 6.3.7 SMMU_IRQ_CTRL / 6.3.8 IRQ_CTRLACK, 3.18
 * (interrupts and notifications), 7.5 (GERROR); Arm DEN0049 IORT 3.1.1.5 (the SMMUv3 node's
 * Event, PRI, GERR and Sync GSIVs).
 *
 * Assumptions:
 *   - The IORT names the unit's wired event and GERROR interrupts as GSIVs, i.e. GICv3 SPIs.
 *     SMMUv3 wired interrupts are edge-triggered (the unit pulses them; QEMU's hw/arm/smmuv3.c
 *     uses qemu_irq_pulse, and Linux registers the IORT SMMUv3 GSIVs edge-sensitive).
 *   - MSIs are not used (SMMU_*_IRQ_CFG0 = 0: "no MSI", IHI 0070 6.3.27): the wired line is
 *     the notification even where IDR0.MSI is set.
 *   - Both SPIs go to the boot CPU, which takes them in its interrupt windows (arch/arm64/irq.c);
 *     the handler runs there with IRQs masked and no lock held (windows are never opened under
 *     a lock), so it may take evtq_lock and the IOASID core's fault locks (ioasid_report_fault),
 *     exactly as the polling path does.
 *
 * Enabling (IHI 0070 6.3.7): IRQ_CTRL is written, then IRQ_CTRLACK must read back the same
 * value before the enables are in effect; the wait is bounded and a unit that never
 * acknowledges keeps IRQ_CTRL = 0 and stays polled. The SPIs are enabled at the GIC last.
 *
 * GERROR (7.5): the handler acknowledges what is active by writing GERRORN, except CMDQ_ERR:
 * that stays with the command path (smmuv3.c, cmdq_fix_error), whose submitter is waiting for
 * its CMD_SYNC and must first replace the failing command; a queue that stops for good is
 * marked dead there. EVENTQ_ABT_ERR (QEMU's way of saying "queue overflowed") reaches the
 * guests' lost count through smmuv3_check_gerror, as when polled.
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mmio.h>
#include <hv/percpu.h>
#include <hv/wait.h>

#include <arch/irq.h>
#include "drivers/iommu/smmuv3/smmuv3.h"
#include "drivers/iommu/smmuv3/smmuv3_regs.h"
#include "drivers/irqchip/gicv3.h"
#include "drivers/irqchip/gicv3_dist.h"

#define SMMU_IRQ_ACK_US	 100000
#define SMMU_IRQ_LOG_MAX 8 /* interrupts logged per unit and kind, then only counted */
#define SMMU_IRQ_ENABLES (SMMU_IRQ_CTRL_EVENTQ_IRQEN | SMMU_IRQ_CTRL_GERROR_IRQEN)

static void evtq_irq(unsigned intid, void *arg)
{
	struct smmuv3_unit *u = arg;
	uint64_t n = __atomic_add_fetch(&u->nr_evtq_irqs, 1, __ATOMIC_RELAXED);
	unsigned drained = smmuv3_evtq_drain(u, " by the event interrupt");

	if (n <= SMMU_IRQ_LOG_MAX) {
		pr_info("smmuv3: %s: event queue interrupt (SPI %u, #%llu): %u event(s) taken by the handler", u->name,
			intid, (unsigned long long)n, drained);
	}
}

static void gerror_irq(unsigned intid, void *arg)
{
	struct smmuv3_unit *u = arg;
	uint64_t n = __atomic_add_fetch(&u->nr_gerror_irqs, 1, __ATOMIC_RELAXED);
	uint32_t active = smmuv3_check_gerror(u); /* all but CMDQ_ERR: see the top */

	if (n <= SMMU_IRQ_LOG_MAX) {
		pr_info("smmuv3: %s: global error interrupt (SPI %u, #%llu): acknowledged %#x", u->name, intid,
			(unsigned long long)n, active);
	}
}

static int irq_ctrl_write(struct smmuv3_unit *u, uint32_t v)
{
	mmio_write32(u->regs + SMMU_IRQ_CTRL, v);
	return poll_until(mmio_read32(u->regs + SMMU_IRQ_CTRLACK) == v, SMMU_IRQ_ACK_US);
}

static void spis_release(struct smmuv3_unit *u)
{
	if (u->spi_event) {
		(void)gicv3_spi_disable(u->spi_event);
		(void)arm64_irq_set_handler(u->spi_event, NULL, NULL);
	}
	if (u->spi_gerror) {
		(void)gicv3_spi_disable(u->spi_gerror);
		(void)arm64_irq_set_handler(u->spi_gerror, NULL, NULL);
	}
	u->spi_event = u->spi_gerror = 0;
}

int smmuv3_irq_setup(struct smmuv3_unit *u, const struct acpi_iort_smmu *node)
{
	uint64_t mpidr = this_cpu()->hw_id;
	int ret;

	__atomic_store_n(&u->irq_on, false, __ATOMIC_RELEASE);
	if (!gicv3_present() || node->gsiv_event == 0 || node->gsiv_gerr == 0 || node->gsiv_event == node->gsiv_gerr) {
		pr_warn("smmuv3: %s: no wired event/GERROR interrupts (GIC %s, GSIVs %u/%u): events are polled",
			u->name, gicv3_present() ? "up" : "absent", node->gsiv_event, node->gsiv_gerr);
		return -ENODEV;
	}
	/* Quiet while wiring: no enable, and no MSI in place of the wire. */
	ret = irq_ctrl_write(u, 0);
	if (ret) {
		goto fail;
	}
	if (u->idr[0] & SMMU_IDR0_MSI) {
		mmio_write64(u->regs + SMMU_EVENTQ_IRQ_CFG0, 0);
		mmio_write64(u->regs + SMMU_GERROR_IRQ_CFG0, 0);
	}
	u->spi_event = node->gsiv_event;
	u->spi_gerror = node->gsiv_gerr;
	ret = gicv3_spi_config(u->spi_event, true, GICV3_PRIO_DEV, mpidr);
	ret = ret ? ret : gicv3_spi_config(u->spi_gerror, true, GICV3_PRIO_DEV, mpidr);
	ret = ret ? ret : arm64_irq_set_handler(u->spi_event, evtq_irq, u);
	ret = ret ? ret : arm64_irq_set_handler(u->spi_gerror, gerror_irq, u);
	if (ret) {
		goto fail;
	}
	ret = irq_ctrl_write(u, SMMU_IRQ_ENABLES);
	if (ret) {
		pr_err("smmuv3: %s: IRQ_CTRLACK %#x never matched IRQ_CTRL %#x", u->name,
		       mmio_read32(u->regs + SMMU_IRQ_CTRLACK), (unsigned)SMMU_IRQ_ENABLES);
		(void)irq_ctrl_write(u, 0);
		goto fail;
	}
	ret = gicv3_spi_enable(u->spi_event);
	ret = ret ? ret : gicv3_spi_enable(u->spi_gerror);
	if (ret) {
		(void)irq_ctrl_write(u, 0);
		goto fail;
	}
	__atomic_store_n(&u->irq_on, true, __ATOMIC_RELEASE);
	pr_info("smmuv3: %s: event queue interrupt SPI %u, global error SPI %u (edge, to CPU MPIDR %#llx), "
		"IRQ_CTRL %#x acknowledged",
		u->name, u->spi_event, u->spi_gerror, (unsigned long long)mpidr,
		mmio_read32(u->regs + SMMU_IRQ_CTRLACK));
	/* Anything queued before the enable raised no interrupt: take it now. */
	(void)smmuv3_evtq_drain(u, "");
	(void)smmuv3_check_gerror(u);
	return 0;
fail:
	spis_release(u);
	pr_err("smmuv3: %s: interrupts not set up (%d %s): events are polled", u->name, ret, hv_strerror(ret));
	return ret;
}

/* Events the unit wrote that nobody consumed yet (index and wrap of PROD vs ours). */
static bool evtq_pending(const struct smmuv3_unit *u)
{
	uint32_t prod = mmio_read32(u->regs + SMMU_EVTQ_PROD);

	return SMMU_Q_IDXWRP(u->evtq_lg, prod) !=
	       SMMU_Q_IDXWRP(u->evtq_lg, __atomic_load_n(&u->evtq_cons, __ATOMIC_RELAXED));
}

unsigned smmuv3_collect_for_read(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < smmuv3_nr_units(); i++) {
		struct smmuv3_unit *u = smmuv3_unit_get(i);

		if (!__atomic_load_n(&u->irq_on, __ATOMIC_ACQUIRE)) {
			(void)smmuv3_check_gerror(u);
			n += smmuv3_evtq_drain(u, "");
			(void)smmuv3_check_gerror(u);
		} else if (evtq_pending(u)) {
			/*
			 * The interrupt is on its way to CPU 0 but not taken yet (CPU 0 may be waking
			 * from WFI on another host thread): the reader must not miss a record its
			 * device's DMA already produced. One register read when nothing is queued.
			 */
			n += smmuv3_evtq_drain(u, " at FAULT_READ, before the interrupt was taken");
		}
	}
	return n;
}
