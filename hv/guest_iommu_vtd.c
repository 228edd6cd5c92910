// SPDX-License-Identifier: MIT
/*
 * Guests' devices on x86_64: the VT-d unit that translates a PCI function (include/hv/guest.h,
 * guest_iommu_for) and fault collection before a guest reads its fault queue.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/log.h>

#include "drivers/iommu/vtd/vtd.h"

int guest_iommu_takeover(void)
{
	int up = vtd_init(&hv_acpi); /* idempotent: takes every DMAR unit over once */

	return up == 0 ? -ENODEV : up;
}

int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid)
{
	struct vtd_unit *v;
	int up = guest_iommu_takeover();

	if (up < 0) {
		return up;
	}
	if (vtd_rmrr_device(segment, bdf)) {
		/* Firmware keeps DMA-ing into its RMRR: not ours to give away (docs/VTD.md "RMRRs"). */
		pr_err("guests: %04x:%02x:%02x.%x has an RMRR; it cannot be assigned to a guest", segment, bdf >> 8,
		       (bdf >> 3) & 0x1f, bdf & 7);
		return -EBUSY;
	}
	v = vtd_unit_for(segment, bdf);
	if (v == NULL) {
		return -ENODEV;
	}
	if (!vtd_ir_enabled(v)) {
		/*
		 * Without interrupt remapping a DMA to 0xFEE00000 is an interrupt message to any CPU
		 * (NMI, INIT, SMI): such a device is not given to a guest (docs/VTD.md).
		 */
		pr_err("guests: %04x:%02x:%02x.%x: its unit %s has no interrupt remapping; not assigned", segment,
		       bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, v->name);
		return -EPERM;
	}
	*u = &v->iommu;
	*rid = bdf; /* VT-d source-id: bus << 8 | devfn (spec 3.4.1) */
	return 0;
}

void guest_iommu_poll(void)
{
	(void)vtd_poll_faults();
}

void guest_iommu_collect_faults(void)
{
	(void)vtd_poll_faults_unnotified();
}
