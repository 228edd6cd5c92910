// SPDX-License-Identifier: MIT
/*
 * AMD-Vi end-to-end self-test (selftest=amdvi, x86_64 test image): the scenarios every IOMMU
 * passes (hv/selftest_iommu.c), with QEMU's edu doing real DMA through the AMD-Vi unit of
 * q35 + -device amd-iommu, the device owned by a guest object of the real IOASID core. What
 * differs from VT-d: the unit comes from the IVRS, faults arrive as IO_PAGE_FAULT events in the
 * event log, and a detached device's DTE is the blocked one (IR = IW = 0).
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/pci.h>
#include <hv/selftest.h>

#include "drivers/iommu/amdvi/amdvi.h"
#include "drivers/iommu/amdvi/amdvi_regs.h"
#include "hv/selftest_iommu.h"
#include "hv/selftest_vtd.h"

/* Guest x86-64 paging bits for the NESTED scenario (the core shadows them). */
#define X86_P  (1ULL << 0)
#define X86_RW (1ULL << 1)
#define X86_US (1ULL << 2)

static struct amdvi_unit *unit;
static uint16_t st_rid;

static int amdvi_bring_up(const struct bootinfo *bi, struct st_dev *dev)
{
	int ret = st_platform(bi);

	if (!ST_CHECK(ret == 0, "ACPI tables and PCI functions (%u) found", hv_pci.nr_devs)) {
		return ret;
	}
	ret = amdvi_init(&hv_acpi);
	if (!ST_CHECK(ret >= 1, "AMD-Vi units from the IVRS up (%d)", ret)) {
		return ret < 0 ? ret : -ENODEV;
	}
	ret = vtd_find_edu(0, &dev->bdf, &dev->bar0);
	if (!ST_CHECK(ret == 0, "edu device found at %02x:%02x.%x", dev->bdf >> 8, (dev->bdf >> 3) & 0x1f,
		      dev->bdf & 7)) {
		return ret;
	}
	unit = amdvi_unit_for(0, dev->bdf, &st_rid);
	if (!ST_CHECK(unit != NULL, "the IVRS names the unit translating it (%s, requester ID %#x)",
		      unit != NULL ? unit->name : "none", st_rid)) {
		return -ENODEV;
	}
	dev->rid = st_rid;
	dev->iommu = &unit->iommu;
	return 0;
}

static void amdvi_describe(void)
{
	pr_info("amdvi selftest: %s, v1 tables, %u-level, %u device-table entries, EFR %#llx", unit->name, AMDVI_LEVELS,
		unit->nr_dte, (unsigned long long)unit->efr);
}

static unsigned amdvi_poll(void)
{
	return amdvi_poll_events();
}

static bool amdvi_fault_ok(unsigned n, uint64_t addr, bool write, enum st_fault kind)
{
	/* QEMU logs one event per 4-byte access of the DMA: the first one is the transfer's start. */
	const struct amdvi_event *e = &unit->first_event;

	(void)write;
	(void)kind;
	return ST_CHECK(e->code == AMDVI_EVT_IO_PAGE_FAULT && e->devid == st_rid && e->addr == addr,
			"event: code %u devid %#x addr %#llx flags %#x (want IO_PAGE_FAULT %#x %#llx; %u events)",
			e->code, e->devid, (unsigned long long)e->addr, e->flags, st_rid, (unsigned long long)addr, n);
}

static bool amdvi_detached_entry(void)
{
	return ST_CHECK(amdvi_dte_is_blocked(unit, st_rid), "the DTE of %#x blocks (IR = IW = 0): qw0 %#llx", st_rid,
			(unsigned long long)unit->devtab[st_rid].qw[0]);
}

static bool amdvi_detached_dma(void)
{
	return st_expect_fault(ST_IOVA_A + 0x1000, true, ST_FAULT_BLOCKED, IOASID_FAULT_REASON_BLOCKED);
}

static bool amdvi_hw_nesting(void)
{
	return false;
}

static const struct st_iommu_ops amdvi_ops = {
	.name = "amdvi",
	.rid_name = "devid",
	.bring_up = amdvi_bring_up,
	.describe = amdvi_describe,
	.poll = amdvi_poll,
	.unit_fault_ok = amdvi_fault_ok,
	.detached_entry = amdvi_detached_entry,
	.detached_dma = amdvi_detached_dma,
	.nested_format = IOASID_FMT_VTD_FL,
	.s1_table = X86_P | X86_RW | X86_US,
	.s1_page = X86_P | X86_RW | X86_US,
	.hw_nesting = amdvi_hw_nesting,
	/*
	 * QEMU 10.0's model blocks the access (a not-present or forbidden entry, the blocked DTE)
	 * but writes no IO_PAGE_FAULT event (its page walk only traces amdvi_page_fault; observed:
	 * the event log and EVTLOG_TAIL stay empty, docs/AMDVI.md). The decoder and the report
	 * path are host-tested (tests/unit/test_amdvi.c).
	 */
	.silent_faults = true,
};

static int selftest_amdvi(const struct bootinfo *bi)
{
	return st_iommu_run(&amdvi_ops, bi);
}
HV_SELFTEST(amdvi, selftest_amdvi);
