// SPDX-License-Identifier: MIT
/*
 * Self-test "smmuv3_rmr": an IORT RMR honoured end to end (drivers/iommu/smmuv3/smmuv3_rmr.c).
 * QEMU's virt publishes no RMR node, so, as firmware would, the test adds two to the parsed
 * IORT before the take-over, both for edu's StreamID: 16 KiB of free RAM, and a malformed one
 * (not page-aligned) that must be refused. The core never attaches the device; still its DMA
 * inside the range reaches the same physical address, DMA just past it is blocked and recorded,
 * the pages are out of the allocator, and the device cannot be given to a guest.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/edu.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/pci.h>
#include <hv/selftest.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "hv/selftest_iommu.h"

#define RMR_BYTES 0x4000ULL

/* Add an RMR node for one stream with one range; false if the parsed IORT has no room. */
static bool rmr_add(struct acpi_iort *io, unsigned smmu, uint32_t sid, uint64_t base, uint64_t len)
{
	if (io->nr_rmrs >= ACPI_MAX_IORT_RMR || io->nr_rmr_ranges >= ACPI_MAX_IORT_RMR_RANGES ||
	    io->nr_maps >= ACPI_MAX_IORT_IDMAPS) {
		return false;
	}
	io->rmr_ranges[io->nr_rmr_ranges] = (struct acpi_iort_rmr_range){ .base = base, .length = len };
	io->maps[io->nr_maps] = (struct acpi_iort_idmap){ .output_base = sid,
							  .output_ref = io->smmus[smmu].offset,
							  .flags = ACPI_IORT_IDMAP_SINGLE };
	io->rmrs[io->nr_rmrs++] = (struct acpi_iort_rmr){ .first_range = (uint16_t)io->nr_rmr_ranges++,
							  .nr_ranges = 1,
							  .first_map = (uint16_t)io->nr_maps++,
							  .nr_maps = 1 };
	return true;
}

static int selftest_smmuv3_rmr(const struct bootinfo *bi)
{
	const struct smmuv3_opts opts = { 0 };
	struct acpi_iort_target t = { 0 };
	const struct pci_dev *d = NULL;
	struct hv_iommu *gu = NULL;
	struct smmuv3_unit *unit = NULL;
	struct edu edu;
	uint16_t bdf = 0;
	uint32_t sid = 0, rid = 0;
	uint64_t base;
	uint8_t *buf;
	unsigned n;
	bool ok = true;
	int ret = 0;

	if (!hv_acpi.rsdp_ok) {
		ret = acpi_init(&hv_acpi, bi->rsdp);
	}
	if (ret == 0 && hv_pci.nr_devs == 0) {
		ret = pci_enumerate(&hv_pci, &hv_acpi);
	}
	d = ret == 0 ? pci_find_id(&hv_pci, EDU_VENDOR_ID, EDU_DEVICE_ID) : NULL;
	if (d != NULL) {
		bdf = (uint16_t)(d->bus << 8 | d->devfn);
		ret = acpi_iort_map_rid(&hv_acpi, d->segment, bdf, false, &t);
	}
	buf = page_alloc(2);
	if (!ST_CHECK(d != NULL && ret == 0 && t.kind == ACPI_IORT_TARGET_SMMU && buf != NULL,
		      "edu, its StreamID through the IORT, and 16 KiB of RAM")) {
		return ret ? ret : -ENODEV;
	}
	page_free(buf, 2); /* free again: honouring the RMR takes it out of the allocator */
	base = hpa_val(ptr_to_hpa(buf));
	sid = t.id;
	if (!ST_CHECK(rmr_add(&hv_acpi.iort, t.index, sid, base, RMR_BYTES) &&
			      rmr_add(&hv_acpi.iort, t.index, sid, base + 0x800, 0x1000),
		      "RMR %#llx-%#llx for stream %#x added (and a malformed one)", (unsigned long long)base,
		      (unsigned long long)(base + RMR_BYTES - 1), sid)) {
		return -ENOSPC;
	}

	ret = smmuv3_init(&hv_acpi, &opts);
	unit = smmuv3_unit_for(&hv_acpi, d->segment, bdf, &rid);
	if (!ST_CHECK(ret >= 1 && unit != NULL && rid == sid, "SMMU up, edu behind it as stream %#x", rid)) {
		return -ENODEV;
	}
	ret = pci_cfg_write(&hv_acpi, d->segment, d->bus, d->devfn, PCI_COMMAND, 2,
			    pci_cfg_read(&hv_acpi, d->segment, d->bus, d->devfn, PCI_COMMAND, 2) | PCI_COMMAND_MEM |
				    PCI_COMMAND_MASTER);
	if (!ST_CHECK(ret == 0 && edu_init(&edu, hpa(d->bars[0].base), bdf) == 0, "edu answers, bus mastering on")) {
		return -ENODEV;
	}
	ok &= ST_CHECK(smmuv3_rmr_stream(unit, sid), "the stream is an RMR stream");
	ok &= ST_CHECK(palloc_claim(ptr_to_hpa(buf), RMR_BYTES) == -EBUSY, "the RMR's pages are out of the allocator");

	memset(buf, 0, RMR_BYTES);
	for (unsigned i = 0; i < ST_XFER; i++) {
		buf[i] = (uint8_t)(i * 7 + 1);
	}
	(void)smmuv3_poll_events();
	ret = edu_dma(&edu, base, 0, ST_XFER, false);
	ret = ret ? ret : edu_dma(&edu, base + 0x3000, 0, ST_XFER, true);
	n = smmuv3_poll_events();
	ok &= ST_CHECK(ret == 0 && n == 0 && memcmp(buf, buf + 0x3000, ST_XFER) == 0,
		       "DMA inside the RMR, never attached by the core: read %#llx, wrote %#llx at the same "
		       "physical addresses (%d, %u events)",
		       (unsigned long long)base, (unsigned long long)base + 0x3000, ret, n);
	ret = edu_dma(&edu, base + RMR_BYTES, 0, ST_XFER, false);
	n = smmuv3_poll_events();
	ok &= ST_CHECK(ret == 0 && n >= 1 && unit->last_event.sid == sid &&
			       (unit->last_event.addr & ~0xfffULL) == base + RMR_BYTES,
		       "a read just past the RMR is blocked and recorded (%u events, sid %#x addr %#llx)", n,
		       unit->last_event.sid, (unsigned long long)unit->last_event.addr);
	ret = guest_iommu_for(d->segment, bdf, &gu, &rid);
	ok &= ST_CHECK(ret == -EBUSY, "assigning the device to a guest is refused (%d)", ret);
	return ok ? 0 : -EIO;
}
HV_SELFTEST(smmuv3_rmr, selftest_smmuv3_rmr);
