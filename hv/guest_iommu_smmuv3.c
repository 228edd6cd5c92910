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
#include <hv/log.h>
#include <hv/pci.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "ioasid/core.h"

/*
 * Every PCI function the enumeration found gets its StreamID's blocked configuration (stage 2
 * or 1 over an empty table, fault recording on: drivers/iommu/smmuv3/smmuv3_ste.c) instead of
 * the abort STE of take-over, which drops DMA silently (SMMUv3 5.2, Config=0b000). Its DMA is
 * still refused, and now also recorded: the core logs and counts it as a fault of an unassigned
 * device, as VT-d does for a context entry that is not present. Devices attached later replace
 * the configuration as usual.
 */
static void block_known_streams(void)
{
	static const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	unsigned n = 0, failed = 0;

	for (unsigned i = 0; i < hv_pci.nr_devs; i++) {
		const struct pci_dev *p = &hv_pci.devs[i];
		struct hv_device dev = { 0 };
		struct smmuv3_unit *s;
		uint32_t sid;

		s = smmuv3_unit_for(&hv_acpi, p->segment, (uint16_t)(p->bus << 8 | p->devfn), &sid);
		if (s == NULL || smmuv3_sid_blocked(s, sid) || smmuv3_rmr_stream(s, sid)) {
			continue;
		}
		dev.segment = p->segment;
		dev.bdf = (uint16_t)(p->bus << 8 | p->devfn);
		dev.rid = sid;
		dev.iommu = &s->iommu;
		if (ioasid_hw_install(&s->iommu, &dev, false, 0, &blocked) == 0) {
			n++;
		} else {
			failed++; /* stays on the abort STE: still blocked, just not recorded */
		}
	}
	pr_info("smmuv3: %u known stream(s) blocked with fault recording%s", n, failed ? " (some kept aborting)" : "");
}

int guest_iommu_takeover(void)
{
	/* Default options: stage-2 translation for guests' devices (docs/SMMUV3.md). */
	const struct smmuv3_opts opts = { 0 };
	static bool blocked_known;
	int up = smmuv3_init(&hv_acpi, &opts); /* idempotent: every IORT SMMUv3 once */

	if (up > 0 && !blocked_known) {
		blocked_known = true;
		block_known_streams();
	}
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
	if (smmuv3_rmr_stream(s, sid)) {
		/* Firmware keeps DMA-ing into its RMR ranges: not ours to give (docs/SMMUV3.md "RMRs"). */
		pr_err("guests: %04x:%02x:%02x.%x (stream %#x) has an IORT RMR; it cannot be assigned to a guest",
		       segment, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, sid);
		return -EBUSY;
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
	/*
	 * A unit with its event interrupt up is drained by the handler (drivers/iommu/smmuv3/
	 * smmuv3_irq.c) when the boot CPU takes it; here only a unit whose interrupt could not be
	 * set up, and events whose interrupt CPU 0 has not taken yet (a register read otherwise).
	 */
	(void)smmuv3_collect_for_read();
}
