// SPDX-License-Identifier: MIT
/*
 * Device MSIs routed to guests on arm64 (include/hv/irq_route.h, docs/ARM64.md "Device MSIs").
 *
 * A route is: the device's DeviceID at the ITS (IORT), one EventID of its own (the MSI vector
 * number: the data the device writes), a hypervisor LPI the event is mapped to on the collection
 * of the target vCPU's CPU, and the device's MSI capability programmed with (the doorbell IOVA
 * of its stream, EventID). The LPI's handler runs on that CPU and sends the guest's virtual
 * interrupt (virq_send: an SPI of the guest's vGIC). r->arch[0] = the LPI, r->arch[1] = the
 * EventID + 1 (0: none).
 *
 * What a device can reach: only (its DeviceID, an EventID of its ITT), and the ITT holds only
 * the events the hypervisor mapped for it, each to an LPI whose handler names this route's
 * guest. Its MSI writes go through the SMMU to the doorbell page only (arch/arm64/msi_doorbell.c).
 */
#include <hv/errno.h>
#include <hv/irq_route.h>
#include <hv/log.h>
#include <hv/virq.h>

#include <arch/irq.h>
#include "arch/arm64/msi_doorbell.h"
#include "drivers/iommu/smmuv3/smmuv3.h"
#include "drivers/irqchip/gicv3_its.h"

#define ROUTE_LOG_MAX 4 /* failed deliveries logged per route, then only counted */

static void route_irq(unsigned intid, void *arg)
{
	struct msi_route *r = arg;
	uint64_t n = __atomic_add_fetch(&r->nr_delivered, 1, __ATOMIC_RELAXED);
	int ret;

	if (r->target->group == NULL) {
		/* A vCPU outside any group has no virtual interrupt controller (selftest=its_route). */
		if (n <= ROUTE_LOG_MAX) {
			pr_info("irq_route: LPI %u -> %s virq %u: no vGIC for this vCPU, counted (%llu)", intid,
				r->target->name, r->virq, (unsigned long long)n);
		}
		return;
	}
	ret = virq_send(r->target, r->virq);
	if (ret != 0 && n <= ROUTE_LOG_MAX) {
		pr_warn("irq_route: LPI %u -> guest %s virq %u: virq_send failed (%d %s), delivery %llu", intid,
			r->target->name, r->virq, ret, hv_strerror(ret), (unsigned long long)n);
	}
}

static int route_ids(const struct msi_route *r, uint32_t *devid, uint32_t *sid)
{
	struct smmuv3_unit *u;
	int ret = gicv3_its_devid(r->pdev, devid);

	if (ret) {
		return ret == -ENODEV ? -EOPNOTSUPP : ret;
	}
	u = smmuv3_unit_for(&hv_acpi, r->pdev->segment, (uint16_t)(r->pdev->bus << 8 | r->pdev->devfn), sid);
	if (u == NULL || &u->iommu != r->iommu) {
		return -EOPNOTSUPP; /* no SMMU between it and the ITS: no doorbell we could confine */
	}
	return 0;
}

void arch_msi_route_clear(struct msi_route *r)
{
	unsigned lpi = (unsigned)r->arch[0];
	uint32_t devid, sid;

	if (r->arch[1] == 0) {
		return;
	}
	pci_msi_disable(r->pdev);
	if (route_ids(r, &devid, &sid) == 0) {
		/* DISCARD + SYNC: the ITS raises nothing more for it, a pending LPI is dropped. */
		(void)gicv3_its_unmap_event(devid, (uint32_t)(r->arch[1] - 1));
		arm64_msi_doorbell_detach(r->iommu, sid);
	}
	/*
	 * The handler slot is cleared before the LPI is reused. A handler already running on the
	 * target CPU finishes with r still valid: routes are freed by hv/guest_irq.c only after
	 * the guest's vCPUs stopped (docs/ARM64.md "Device MSIs").
	 */
	(void)arm64_irq_set_handler(lpi, NULL, NULL);
	gicv3_lpi_free(lpi);
	r->arch[0] = r->arch[1] = 0;
}

int arch_msi_route_set(struct msi_route *r)
{
	uint32_t devid = 0, sid = 0, event = r->source;
	unsigned lpi = 0, nr = pci_msi_count(r->pdev);
	uint64_t addr = 0;
	int ret;

	if (r->target == NULL || r->pdev == NULL) {
		return -EINVAL;
	}
	if (nr == 0) {
		return -EOPNOTSUPP;
	}
	if (r->source >= nr) {
		return -EINVAL;
	}
	arch_msi_route_clear(r); /* a replaced route: its old event, LPI and doorbell first */
	ret = route_ids(r, &devid, &sid);
	if (ret) {
		return ret;
	}
	ret = gicv3_lpi_alloc(&lpi);
	if (ret) {
		return ret == -ENODEV ? -EOPNOTSUPP : ret;
	}
	ret = arm64_irq_set_handler(lpi, route_irq, r);
	if (ret) {
		goto free_lpi;
	}
	ret = arm64_msi_doorbell_attach(r->iommu, sid, &addr);
	if (ret) {
		goto free_handler;
	}
	ret = gicv3_its_map_event(devid, nr, event, lpi, r->target->cpu);
	if (ret) {
		goto detach;
	}
	ret = pci_msi_program(r->pdev, r->source, addr, event);
	if (ret) {
		(void)gicv3_its_unmap_event(devid, event);
		goto detach;
	}
	r->arch[0] = lpi;
	r->arch[1] = (uintptr_t)event + 1;
	pr_info("irq_route: %04x:%02x:%02x.%x MSI %u: DeviceID %#x EventID %u -> LPI %u on CPU %u -> guest %s virq %u "
		"(doorbell IOVA %#llx)",
		r->pdev->segment, r->pdev->bus, r->pdev->devfn >> 3, r->pdev->devfn & 7, r->source, devid, event, lpi,
		r->target->cpu, r->target->name, r->virq, (unsigned long long)addr);
	return 0;
detach:
	arm64_msi_doorbell_detach(r->iommu, sid);
free_handler:
	(void)arm64_irq_set_handler(lpi, NULL, NULL);
free_lpi:
	gicv3_lpi_free(lpi);
	return ret;
}
