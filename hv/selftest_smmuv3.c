// SPDX-License-Identifier: MIT
/*
 * Self-test "smmuv3" (selftest=smmuv3): the IOMMU end-to-end scenarios of hv/selftest_iommu.c
 * (edu DMA through the real IOASID core: GPA, round trip, unmapped, read-only, unmap, replace,
 * detach, 2 MiB blocks, NESTED) on the SMMUv3; this file holds what is SMMUv3's own. The unit's
 * configuration follows the machine and the command line ("smmuv3.stage=1|2", "smmuv3.linear"):
 * stage-2 STEs with hardware nesting (virt), stage-1 STEs with shadowed NESTED (virt +
 * smmuv3.stage=1, or virt-9.1's S1-only SMMU), stage-2 STEs with shadowed NESTED
 * (smmuv3.stage=2). SMMUv3 specifics:
 *   - edu's SMMU and StreamID come from the IORT's root-complex ID mapping (RID -> StreamID);
 *   - before anything is attached, a device write to RAM is aborted by the abort STE;
 *   - faults are events (F_TRANSLATION, F_PERMISSION; QEMU: one per 4 bytes, merged by the
 *     driver into one delivery per page); the guest gets exactly one record per page;
 *   - scenario 6: after DETACH the STE is V=1 Config=abort and DMA is dropped silently (no event,
 *     spec 5.2), also to the GPA (no bypass);
 *   - scenario 7: unmapping both 2 MiB blocks is one range invalidation (IDR3.RIL), and the
 *     event queue shows both pages' faults;
 *   - scenario 8: the guest's VMSAv8-64 stage-1 table; hardware nesting reports a table
 *     pointed outside guest memory as BAD_TABLE;
 *   - no global or command errors at the end; "smmuv3_errors" drives the error paths.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/edu.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pci.h>
#include <hv/selftest.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "hv/selftest_iommu.h"

/* A guest's VMSAv8-64 stage-1 descriptors (Arm ARM D8.3), 4 KiB granule. */
#define G_S1_TABLE 0x3ULL
#define G_S1_PAGE  (0x3ULL | (0x3ULL << 8) | BIT(10) | BIT(6)) /* page, inner shareable, AF, AP[1] */

static struct smmuv3_unit *unit;

/*
 * ACPI, the SMMUs from the IORT; edu from PCI enumeration with memory decode and bus mastering
 * on, its SMMU and StreamID through the IORT's root-complex ID mapping (RID -> StreamID).
 */
static int smmu_find_edu(struct st_dev *dev)
{
	const struct pci_dev *d;
	uint32_t cmd;
	int ret;

	if (hv_pci.nr_devs == 0) {
		ret = pci_enumerate(&hv_pci, &hv_acpi);
		if (ret) {
			return ret;
		}
	}
	d = pci_find_id(&hv_pci, EDU_VENDOR_ID, EDU_DEVICE_ID);
	if (d == NULL || d->bars[0].size == 0 || (d->bars[0].flags & PCI_BAR_F_IO)) {
		return -ENODEV;
	}
	dev->bdf = (uint16_t)(d->bus << 8 | d->devfn);
	dev->bar0 = hpa(d->bars[0].base);
	unit = smmuv3_unit_for(&hv_acpi, d->segment, dev->bdf, &dev->rid);
	if (unit == NULL) {
		return -ENODEV;
	}
	dev->iommu = &unit->iommu;
	cmd = pci_cfg_read(&hv_acpi, d->segment, d->bus, d->devfn, PCI_COMMAND, 2);
	return pci_cfg_write(&hv_acpi, d->segment, d->bus, d->devfn, PCI_COMMAND, 2,
			     cmd | PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
}

static int smmu_bring_up(const struct bootinfo *bi, struct st_dev *dev)
{
	struct smmuv3_opts opts;
	int ret;

	smmuv3_opts_from_cmdline(bi->cmdline, &opts);
	if (!hv_acpi.rsdp_ok) {
		ret = acpi_init(&hv_acpi, bi->rsdp);
		if (!ST_CHECK(ret == 0, "ACPI tables parsed (%d)", ret)) {
			return ret;
		}
	}
	ret = smmuv3_init(&hv_acpi, &opts);
	if (!ST_CHECK(ret >= 1, "SMMUv3 units from the IORT up (%d)", ret)) {
		return ret < 0 ? ret : -ENODEV;
	}
	ret = smmu_find_edu(dev);
	if (!ST_CHECK(ret == 0, "edu %02x:%02x.%x behind %s, StreamID %#x (IORT)", dev->bdf >> 8,
		      (dev->bdf >> 3) & 0x1f, dev->bdf & 7, unit ? unit->name : "no SMMU", dev->rid)) {
		return ret;
	}
	return 0;
}

/* The SMMU aborts everything now: bus mastering is on, DMA must not land. */
static bool smmu_before_guest(void)
{
	memset(st_gptr(ST_OFF_GPA_BUF), 0xee, ST_XFER);
	return ST_CHECK(st_dma_out(hpa_val(ptr_to_hpa(st.host)) + ST_OFF_GPA_BUF) == 0 &&
				st_untouched(ST_OFF_GPA_BUF, 0xee) && smmuv3_poll_events() == 0,
			"before any attach, a device write to RAM is aborted (abort STE)");
}

static void smmu_describe(void)
{
	pr_info("smmuv3 selftest: %s STEs for single-stage tables, NESTED %s, %s stream table",
		unit->paging_fmt == PT_FMT_ARM_S2 ? "stage-2" : "stage-1",
		unit->hw_nesting ? "by hardware nesting (S1+S2 STEs)" : "shadowed",
		unit->linear ? "linear" : "2-level");
}

static unsigned smmu_poll(void)
{
	return smmuv3_poll_events();
}

static bool smmu_fault_ok(unsigned n, uint64_t addr, bool write, enum st_fault kind)
{
	const struct smmu_event *ev = &unit->last_event;
	unsigned evt_id = kind == ST_FAULT_READ_ONLY ? EVT_F_PERMISSION : EVT_F_TRANSLATION;

	/* A detached stream's empty table faults like an unmapped IOVA (smmuv3_ste.c, "Blocked"). */
	if (kind == ST_FAULT_BLOCKED) {
		evt_id = EVT_F_TRANSLATION;
	}
	return ST_CHECK(ev->sid == st.dev.rid && ev->addr == addr && ev->read == !write && ev->id == evt_id,
			"event: %s sid %#x addr %#llx %s (want %s sid %#x addr %#llx %s; %u events, %llu merged "
			"repeats)",
			smmu_evt_name(ev->id), ev->sid, (unsigned long long)ev->addr, ev->read ? "read" : "write",
			smmu_evt_name(evt_id), st.dev.rid, (unsigned long long)addr, write ? "write" : "read", n,
			(unsigned long long)unit->nr_last_merged);
}

static bool smmu_detached_entry(void)
{
	struct smmu_ste ste = { { 0 } };
	bool same = smmuv3_debug_ste(unit, st.dev.rid, &ste);

	for (unsigned i = 0; same && i < STE_DWORDS; i++) {
		same = ste.d[i] == unit->blocked_ste.d[i];
	}
	return ST_CHECK(same && (ste.d[0] & STE_0_V) &&
				FIELD_GET(STE_0_CONFIG, ste.d[0]) ==
					(unit->paging_fmt == PT_FMT_ARM_S2 ? STE_CONFIG_S2 : STE_CONFIG_S1),
			"the StreamID's STE is the blocked one: V=1 Config=%s over an empty table (%#llx)",
			unit->paging_fmt == PT_FMT_ARM_S2 ? "S2" : "S1", (unsigned long long)ste.d[0]);
}

static bool smmu_detached_dma(void)
{
	bool ok = st_expect_fault(ST_IOVA_A + 0x1000, true, ST_FAULT_BLOCKED, IOASID_FAULT_REASON_BLOCKED);

	/* GPA as IOVA too: no identity/bypass path behind the blocked STE. */
	memset(st_gptr(ST_OFF_GPA_BUF), 0xee, ST_XFER);
	ok &= ST_CHECK(st_dma_out(ST_G_BASE + ST_OFF_GPA_BUF) == 0 && st_untouched(ST_OFF_GPA_BUF, 0xee),
		       "a write to the GPA does not land either");
	ok &= st_expect_fault(ST_G_BASE + ST_OFF_GPA_BUF, true, ST_FAULT_BLOCKED, IOASID_FAULT_REASON_BLOCKED);
	return ok;
}

static bool smmu_superpage_unmapped(uint64_t cross)
{
	unsigned n = smmuv3_poll_events();

	return ST_CHECK(n == ST_XFER / 4 && unit->last_event.addr == ST_IOVA_SUPER + SZ_2M &&
				unit->last_event.id == EVT_F_TRANSLATION,
			"%u F_TRANSLATION events from %#llx, the last page's at %#llx", n, (unsigned long long)cross,
			(unsigned long long)unit->last_event.addr);
}

static bool smmu_hw_nesting(void)
{
	return unit->hw_nesting;
}

static bool smmu_extra(uint32_t a)
{
	bool ok;

	(void)a;
	ok = ST_CHECK(smmuv3_check_gerror(unit) == 0 && unit->nr_cmd_errors == 0,
		      "no global or command errors (%llu gerrors, %llu command errors)",
		      (unsigned long long)unit->nr_gerrors, (unsigned long long)unit->nr_cmd_errors);
	pr_info("smmuv3 selftest: %llu events, %llu delivered, %llu merged, %llu overflows",
		(unsigned long long)unit->nr_events, (unsigned long long)unit->nr_delivered,
		(unsigned long long)unit->nr_merged, (unsigned long long)unit->nr_overflows);
	return ok;
}

static const struct st_iommu_ops smmu_ops = {
	.name = "smmuv3",
	.rid_name = "sid",
	.bring_up = smmu_bring_up,
	.before_guest = smmu_before_guest,
	.describe = smmu_describe,
	.poll = smmu_poll,
	.unit_fault_ok = smmu_fault_ok,
	.one_guest_record = true,
	.detached_entry = smmu_detached_entry,
	.detached_dma = smmu_detached_dma,
	.superpage_unmapped = smmu_superpage_unmapped,
	.nested_format = IOASID_FMT_ARM_S1,
	.s1_table = G_S1_TABLE,
	.s1_page = G_S1_PAGE,
	.hw_nesting = smmu_hw_nesting,
	.extra = smmu_extra,
};

const struct st_iommu_ops *st_smmuv3_ops(void)
{
	return &smmu_ops;
}

static int selftest_smmuv3(const struct bootinfo *bi)
{
	return st_iommu_run(&smmu_ops, bi);
}
HV_SELFTEST(smmuv3, selftest_smmuv3);

/*
 * Self-test "smmuv3_errors": the error paths, against the same device.
 *   - Event queue overflow: three blocked 4 KiB device writes without draining are 3072 events
 *     for a 2048-entry queue (QEMU: one per 4 bytes). The SMMU reports the loss (GERROR
 *     EVENTQ_ABT_ERR on QEMU, PROD.OVFLG on hardware); the driver counts it, drains what was
 *     kept, and the next fault is still delivered.
 *   - Command error: an undefined opcode makes the SMMU stop with CMDQ_CONS.ERR = ILL and
 *     GERROR.CMDQ_ERR. The submission fails with -EIO; the driver replaces the command,
 *     acknowledges, and the queue keeps working (a later invalidation and DMA succeed).
 *   - Take-over of a live unit (SMMUEN=1, queues on, the device translating), as firmware may
 *     leave it: afterwards every stream aborts, neither the old IOVA nor the host-physical
 *     address is reachable.
 */
static int selftest_smmuv3_errors(const struct bootinfo *bi)
{
	const struct smmu_cmd bad = { { 0x7f, 0 } }; /* no such opcode (spec 4.1.1: CERROR_ILL) */
	struct smmu_cmd good = smmu_cmd_cfgi_all();
	uint64_t overflows, cmd_errors;
	uint32_t a = 0;
	unsigned n;
	bool ok = true;
	int ret = st_iommu_setup(&smmu_ops, bi, &ok);

	if (ret) {
		return ret;
	}
	ok &= ST_CHECK(st_alloc_paging(&a) == 0 && st_attach(a) == 0, "device attached to an empty PAGING IOASID %#x",
		       a);
	st_faults_reset();
	overflows = unit->nr_overflows;
	for (unsigned i = 0; i < 3; i++) {
		ok &= ST_CHECK(edu_dma(&st.edu, ST_IOVA_UNMAPPED, 0, (uint32_t)EDU_BUF_SIZE, true) == 0,
			       "blocked 4 KiB device write %u, events not drained", i + 1);
	}
	n = smmuv3_poll_events();
	ok &= ST_CHECK(n == (1U << unit->evtq_lg) && unit->nr_overflows > overflows,
		       "queue full: %u events kept of 3072, overflow counted (%llu -> %llu)", n,
		       (unsigned long long)overflows, (unsigned long long)unit->nr_overflows);
	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_UNMAPPED) == 0, "another blocked write after the overflow");
	ok &= st_expect_fault(ST_IOVA_UNMAPPED, true, ST_FAULT_NOT_PRESENT, IOASID_FAULT_REASON_NOT_PRESENT);

	cmd_errors = unit->nr_cmd_errors;
	ret = smmuv3_cmds(unit, &bad, 1);
	ok &= ST_CHECK(ret == -EIO && unit->nr_cmd_errors == cmd_errors + 1,
		       "undefined command: %d, command errors %llu", ret, (unsigned long long)unit->nr_cmd_errors);
	ok &= ST_CHECK(smmuv3_check_gerror(unit) == 0, "GERROR acknowledged (no active error)");
	ok &= ST_CHECK(smmuv3_cmds(unit, &good, 1) == 0, "the queue runs on: CFGI_ALL + CMD_SYNC");
	ok &= ST_CHECK(st_map(a, ST_IOVA_A, ST_OFF_A, HV_PAGE_SIZE, IOASID_PROT_READ | IOASID_PROT_WRITE) == 0,
		       "MAP after the error");
	st_fill(ST_OFF_A, ST_XFER, 0x99);
	memset(st_gptr(ST_OFF_A + 0x800), 0, ST_XFER);
	ok &= ST_CHECK(edu_dma(&st.edu, ST_IOVA_A, 0, ST_XFER, false) == 0 &&
			       edu_dma(&st.edu, ST_IOVA_A + 0x800, 0, ST_XFER, true) == 0 &&
			       st_same(ST_OFF_A + 0x800, ST_XFER, 0x99),
		       "DMA round trip after the error");
	ok &= st_expect_no_fault();

	/* Firmware may leave the SMMU live: take it over again while it is translating. */
	ok &= ST_CHECK(smmuv3_debug_retakeover(unit) == 0, "take-over of the live unit (SMMUEN=1)");
	memset(st_gptr(ST_OFF_A + 0x800), 0xee, ST_XFER);
	memset(st_gptr(ST_OFF_GPA_BUF), 0xee, ST_XFER);
	ok &= ST_CHECK(edu_dma(&st.edu, ST_IOVA_A + 0x800, 0, ST_XFER, true) == 0 &&
			       st_untouched(ST_OFF_A + 0x800, 0xee),
		       "a write to the IOVA that was mapped does not land");
	ok &= ST_CHECK(edu_dma(&st.edu, hpa_val(ptr_to_hpa(st.host)) + ST_OFF_GPA_BUF, 0, ST_XFER, true) == 0 &&
			       st_untouched(ST_OFF_GPA_BUF, 0xee),
		       "nor does one to the host-physical address (no bypass)");
	ok &= ST_CHECK(smmuv3_poll_events() == 0 && smmuv3_check_gerror(unit) == 0,
		       "aborted by the STEs, silently; no global error");
	return ok ? 0 : -EIO;
}
HV_SELFTEST(smmuv3_errors, selftest_smmuv3_errors);
