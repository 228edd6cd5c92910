// SPDX-License-Identifier: MIT
/*
 * Guests' devices on arm64: the SMMUv3 unit that translates a PCI function and its StreamID
 * (from the IORT root-complex ID mappings; include/hv/guest.h, guest_iommu_for), and fault
 * collection from the event queues before a guest reads its fault queue. The unit's GPA table
 * is PT_FMT_ARM_S2, the format the CPU's stage 2 uses too (arch/arm64/vcpu.c).
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/guest.h>

#include "drivers/iommu/smmuv3/smmuv3.h"

int guest_iommu_takeover(void)
{
	/* Default options: stage-2 translation for guests' devices (docs/SMMUV3.md). */
	const struct smmuv3_opts opts = { 0 };
	int up = smmuv3_init(&hv_acpi, &opts); /* idempotent: every IORT SMMUv3 once */

	return up == 0 ? -ENODEV : up;
}

int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid)
{
	struct smmuv3_unit *s;
	uint32_t sid;
	int up = guest_iommu_takeover();

	if (up < 0) {
		return up;
	}
	s = smmuv3_unit_for(&hv_acpi, segment, bdf, &sid);
	if (s == NULL) {
		return -ENODEV;
	}
	*u = &s->iommu;
	*rid = sid;
	return 0;
}

void guest_iommu_poll(void)
{
	(void)smmuv3_poll_events();
}

void guest_iommu_collect_faults(void)
{
	(void)smmuv3_poll_events(); /* no event interrupt until the hypervisor drives the GIC */
}
