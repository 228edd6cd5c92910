// SPDX-License-Identifier: MIT
/*
 * Guests' devices on x86_64: the IOMMU unit that translates a PCI function (include/hv/guest.h,
 * guest_iommu_for) and fault collection before a guest reads its fault queue. Both x86 drivers
 * are built; the firmware's tables decide which units exist (a DMAR's DRHDs: VT-d; an IVRS's
 * IVHDs: AMD-Vi), and each device is served by the driver whose unit lists it:
 *   VT-d: refusing a function whose requester-ID aliases have an RMRR or sit on another unit,
 *         or whose unit cannot remap interrupts;
 *   AMD-Vi: always refused for guests until the driver remaps interrupts (docs/AMDVI.md); the
 *         units are still taken over at boot, so every device's DMA is blocked.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/log.h>
#include <hv/pci.h>

#include "drivers/iommu/amdvi/amdvi.h"
#include "drivers/iommu/vtd/vtd.h"

int guest_iommu_takeover(void)
{
	/* Both idempotent: every DMAR unit and every IVRS unit, taken over once. */
	int vtd = hv_acpi.dmar.present ? vtd_init(&hv_acpi) : -ENODEV;
	int amd = hv_acpi.ivrs.present ? amdvi_init(&hv_acpi) : -ENODEV;
	int up = (vtd > 0 ? vtd : 0) + (amd > 0 ? amd : 0);

	if (up > 0) {
		return up;
	}
	if (!hv_acpi.dmar.present && !hv_acpi.ivrs.present) {
		pr_err("guests: no DMAR or IVRS table: no IOMMU to take over");
	}
	return vtd < 0 ? vtd : (amd < 0 ? amd : -ENODEV);
}

/*
 * A device behind an AMD-Vi unit: found, but not given to a guest. Without interrupt remapping
 * (DTE IV=0: the unit forwards interrupt messages untranslated) the device's DMA to 0xFEExxxxx
 * is an interrupt to any CPU, the rule VT-d units without IR follow too (docs/AMDVI.md).
 */
static int guest_iommu_amdvi(uint16_t segment, uint16_t bdf, struct amdvi_unit *a)
{
	if (amdvi_ivmd_device(segment, bdf)) {
		pr_err("guests: %04x:%02x:%02x.%x has an IVMD; it cannot be assigned to a guest", segment, bdf >> 8,
		       (bdf >> 3) & 0x1f, bdf & 7);
		return -EBUSY;
	}
	pr_err("guests: %04x:%02x:%02x.%x: its unit %s has no interrupt remapping; not assigned", segment, bdf >> 8,
	       (bdf >> 3) & 0x1f, bdf & 7, a->name);
	return -EPERM;
}

/* seg:bdf cannot be given away: it or one of its DMA aliases has an RMRR, or the aliases are
 * translated by another unit than v (a DMAR that splits a bridge's hierarchy). */
static int guest_iommu_refuse(uint16_t segment, uint16_t bdf, const struct vtd_unit *v)
{
	const struct pci_dev *p = pci_find(&hv_pci, segment, (uint8_t)(bdf >> 8), (uint8_t)bdf);
	uint16_t rids[PCI_MAX_DMA_ALIASES] = { bdf };
	int n = p != NULL ? pci_dma_aliases(p, rids, PCI_MAX_DMA_ALIASES) : 1;

	if (n < 0) {
		pr_err("guests: %04x:%02x:%02x.%x: requester-ID aliases unknown (%s)", segment, bdf >> 8,
		       (bdf >> 3) & 0x1f, bdf & 7, hv_strerror(n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (vtd_rmrr_device(segment, rids[i])) {
			/* Firmware keeps DMA-ing into its RMRR: not ours to give away (docs/VTD.md "RMRRs"). */
			pr_err("guests: %04x:%02x:%02x.%x has an RMRR%s; it cannot be assigned to a guest", segment,
			       bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, i == 0 ? "" : " on its requester-ID alias");
			return -EBUSY;
		}
		if (vtd_unit_for(segment, rids[i]) != v) {
			pr_err("guests: %04x:%02x:%02x.%x: its alias %02x:%02x.%x is on another VT-d unit", segment,
			       bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, rids[i] >> 8, (rids[i] >> 3) & 0x1f, rids[i] & 7);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid)
{
	struct vtd_unit *v;
	int up = guest_iommu_takeover();
	int ret;

	if (up < 0) {
		return up;
	}
	v = vtd_unit_for(segment, bdf);
	if (v == NULL) {
		struct amdvi_unit *a = amdvi_unit_for(segment, bdf, NULL);

		return a != NULL ? guest_iommu_amdvi(segment, bdf, a) : -ENODEV;
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
	ret = guest_iommu_refuse(segment, bdf, v);
	if (ret) {
		return ret;
	}
	*u = &v->iommu;
	/* VT-d source-id: bus << 8 | devfn (spec 3.4.1); the core learns the aliases from the
	 * backend's rid_aliases op and routes them too. */
	*rid = bdf;
	return 0;
}

void guest_iommu_poll(void)
{
	(void)vtd_poll_faults();
	(void)amdvi_poll_events();
}

/*
 * Every unit, also those with a fault interrupt: that interrupt goes to CPU 0, and a guest on
 * another CPU may read its queue before CPU 0 has taken it. A fault of a DMA the guest saw
 * complete is already recorded (the unit records before it answers the request), so this
 * drain makes FAULT_READ see it whichever CPU the guest runs on.
 */
void guest_iommu_collect_faults(void)
{
	(void)vtd_poll_faults();
	(void)amdvi_poll_events();
}
