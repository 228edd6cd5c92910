// SPDX-License-Identifier: MIT
/*
 * Self-test "smmuv3" (selftest=smmuv3): QEMU's edu device does real DMA through the SMMUv3
 * while a guest object of the real IOASID core owns the device. Every request goes through
 * ioasid_dispatch() with request structs placed in the test guest's memory, as a guest would
 * issue them. The unit's configuration follows the machine and the command line
 * ("smmuv3.stage=1|2", "smmuv3.linear"): stage-2 STEs with hardware nesting (virt), stage-1
 * STEs with shadowed NESTED (virt + smmuv3.stage=1, or virt-9.1's S1-only SMMU), stage-2 STEs
 * with shadowed NESTED (smmuv3.stage=2). Scenarios:
 *   0. the device starts attached to the guest's GPA IOASID: DMA to a GPA works;
 *   1. PAGING: mapped IOVA, DMA memory -> device -> memory, bytes compared;
 *   2. DMA to an unmapped IOVA: blocked, F_TRANSLATION event with StreamID/address/direction,
 *      and a record in the guest's fault queue;
 *   3. read-only mapping: device reads work, device writes are blocked (F_PERMISSION);
 *   4. unmap (the core invalidates) after the IOTLB was warm: DMA to the old IOVA is blocked;
 *   5. ATTACH over the attachment to another IOASID: DMA follows the new tables;
 *   6. DETACH: the STE aborts; DMA is dropped silently (Config=abort records no event);
 *   7. a 4 MiB mapping built from 2 MiB blocks: DMA across the block boundary translates;
 *   8. NESTED: a stage-1 table written in guest memory as a guest would, over the GPA IOASID;
 *      DMA follows it; the guest changes a leaf and INVALIDATEs: DMA follows the change; the
 *      guest removes the leaf and INVALIDATEs: DMA faults.
 * Each scenario ends with "smmuv3 scenario N (...): PASS|FAIL"; tests/qemu/run.py expects them.
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
#include "ioasid/core.h"

/* Test guest memory: 8 MiB, naturally aligned, at this guest-physical address. */
#define G_ORDER	    11
#define G_SIZE	    (HV_PAGE_SIZE << G_ORDER)
#define G_BASE	    0x80000000ULL
#define OFF_REQ	    0x0000ULL /* request structs */
#define OFF_ARR	    0x1000ULL /* batch arrays */
#define OFF_FAULTS  0x2000ULL
#define OFF_GPA_BUF 0x8000ULL
#define OFF_A	    0x10000ULL /* 4 pages */
#define OFF_B	    0x20000ULL /* 4 pages */
#define OFF_RO	    0x30000ULL /* 1 page */
#define OFF_S1	    0x40000ULL /* the guest's stage-1 tables: 4 pages, levels 0..3 */
#define OFF_N1	    0x50000ULL
#define OFF_N2	    0x51000ULL
#define OFF_NSRC    0x52000ULL	/* source page for the nested DMA, at IOVA_N + 4 KiB */
#define OFF_SUPER   0x400000ULL /* 4 MiB, 2 MiB aligned in both GPA and HPA */

#define IOVA_A	      0x10000000ULL
#define IOVA_RO	      0x10100000ULL
#define IOVA_UNMAPPED 0x20000000ULL
#define IOVA_SUPER    0x40000000ULL
#define IOVA_N	      0x50000000ULL
#define XFER	      1024U

/* A guest's VMSAv8-64 stage-1 descriptors (Arm ARM D8.3), 4 KiB granule. */
#define G_S1_TABLE 0x3ULL
#define G_S1_PAGE  (0x3ULL | (0x3ULL << 8) | BIT(10) | BIT(6)) /* page, inner shareable, AF, AP[1] */

static struct st_ctx {
	struct hv_guest g;
	struct smmuv3_unit *u;
	struct edu edu;
	uint32_t sid;
	uint32_t dev_id;
	uint32_t gpa_ioasid;
	uint8_t *host;
} st;

/* ---- the device: PCI enumeration (drivers/pci) and the IORT (drivers/acpi) ---- */

/*
 * Find edu, enable memory decode and bus mastering, and find its SMMU and StreamID through
 * the IORT's root-complex ID mapping (RID -> StreamID).
 */
static int st_find_edu(const struct bootinfo *bi, uint16_t *bdf, hpa_t *bar0, uint32_t *sid)
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
	(void)bi;
	d = pci_find_id(&hv_pci, EDU_VENDOR_ID, EDU_DEVICE_ID);
	if (d == NULL || d->bars[0].size == 0 || (d->bars[0].flags & PCI_BAR_F_IO)) {
		return -ENODEV;
	}
	*bdf = (uint16_t)(d->bus << 8 | d->devfn);
	*bar0 = hpa(d->bars[0].base);
	st.u = smmuv3_unit_for(&hv_acpi, d->segment, *bdf, sid);
	if (st.u == NULL) {
		return -ENODEV;
	}
	cmd = pci_cfg_read(&hv_acpi, d->segment, d->bus, d->devfn, PCI_COMMAND, 2);
	return pci_cfg_write(&hv_acpi, d->segment, d->bus, d->devfn, PCI_COMMAND, 2,
			     cmd | PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
}

/* ---- guest-side helpers: hypercalls with requests in the test guest's memory ---- */

static void *gptr(uint64_t off)
{
	return st.host + off;
}

static long st_call(uint64_t nr, void *req, size_t size)
{
	long ret;

	memcpy(gptr(OFF_REQ), req, size);
	ret = ioasid_dispatch(&st.g, nr, gpa(G_BASE + OFF_REQ));
	memcpy(req, gptr(OFF_REQ), size);
	return ret;
}

static long st_alloc(uint32_t kind, uint64_t nested_root, uint32_t *id)
{
	struct ioasid_alloc a = { .size = sizeof(a), .kind = kind, .parent = st.gpa_ioasid, .dev_id = st.dev_id };
	long ret;

	if (kind == IOASID_KIND_NESTED) {
		a.nested_format = IOASID_FMT_ARM_S1;
		a.nested_root_gpa = nested_root;
		a.nested_levels = 4;
	}
	ret = st_call(IOASID_CALL_ALLOC, &a, sizeof(a));
	*id = a.out_ioasid;
	return ret;
}

static long st_map(uint32_t id, uint64_t iova, uint64_t goff, uint64_t len, uint32_t prot)
{
	struct ioasid_map_entry e = { .iova = iova, .gpa = G_BASE + goff, .length = len, .prot = prot };
	struct ioasid_map m = { .size = sizeof(m), .ioasid = id, .num_entries = 1, .entries_gpa = G_BASE + OFF_ARR };

	memcpy(gptr(OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_MAP, &m, sizeof(m));
}

static long st_unmap(uint32_t id, uint64_t iova, uint64_t len)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = len };
	struct ioasid_unmap m = { .size = sizeof(m), .ioasid = id, .num_entries = 1, .entries_gpa = G_BASE + OFF_ARR };

	memcpy(gptr(OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_UNMAP, &m, sizeof(m));
}

static long st_invalidate(uint32_t id, uint64_t iova, uint64_t len)
{
	struct ioasid_inv_entry e = { .type = IOASID_INV_RANGE, .addr = iova, .length = len };
	struct ioasid_invalidate r = {
		.size = sizeof(r), .ioasid = id, .num_entries = 1, .entries_gpa = G_BASE + OFF_ARR
	};

	memcpy(gptr(OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_INVALIDATE, &r, sizeof(r));
}

static long st_attach(uint32_t id)
{
	struct ioasid_attach a = { .size = sizeof(a), .dev_id = st.dev_id, .ioasid = id };

	return st_call(IOASID_CALL_ATTACH, &a, sizeof(a));
}

static long st_detach(void)
{
	struct ioasid_detach d = { .size = sizeof(d), .dev_id = st.dev_id };

	return st_call(IOASID_CALL_DETACH, &d, sizeof(d));
}

/* Drain the guest's fault queue; returns the number of records, the first in *rec. */
static uint32_t st_fault_read(struct ioasid_fault_record *rec)
{
	struct ioasid_fault_read r = { .size = sizeof(r),
				       .num_records = HV_FAULT_QUEUE_LEN,
				       .records_gpa = G_BASE + OFF_FAULTS };

	if (st_call(IOASID_CALL_FAULT_READ, &r, sizeof(r)) != 0) {
		return 0;
	}
	if (r.out_num_records != 0) {
		memcpy(rec, gptr(OFF_FAULTS), sizeof(*rec));
	}
	return r.out_num_records;
}

/* ---- DMA helpers ---- */

static void fill(uint64_t off, uint32_t len, uint8_t seed)
{
	uint8_t *p = gptr(off);

	for (uint32_t i = 0; i < len; i++) {
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
	}
}

static bool same(uint64_t off, uint32_t len, uint8_t seed)
{
	const uint8_t *p = gptr(off);

	for (uint32_t i = 0; i < len; i++) {
		if (p[i] != (uint8_t)(seed + i * 7 + (i >> 8))) {
			return false;
		}
	}
	return true;
}

static bool untouched(uint64_t off, uint8_t v)
{
	const uint8_t *p = gptr(off);

	for (uint32_t i = 0; i < XFER; i++) {
		if (p[i] != v) {
			return false;
		}
	}
	return true;
}

/* memory (bus address) -> edu buffer, and edu buffer -> memory (bus address) */
static int dma_in(uint64_t iova)
{
	return edu_dma(&st.edu, iova, 0, XFER, false);
}
static int dma_out(uint64_t iova)
{
	return edu_dma(&st.edu, iova, 0, XFER, true);
}

/* Clear stale fault state (events, the core queue) before a DMA expected to fault. */
static void faults_reset(void)
{
	struct ioasid_fault_record rec;

	(void)smmuv3_poll_events();
	while (st_fault_read(&rec) != 0) {
		/* drained */
	}
}

/*
 * After a DMA: the expected event reached the event queue (QEMU: one per 4 bytes, merged by
 * the driver into one delivery per page) and one record reached the guest's queue.
 */
static bool expect_fault(uint64_t addr, bool write, unsigned evt_id, unsigned reason)
{
	struct ioasid_fault_record rec = { 0 };
	unsigned n = smmuv3_poll_events();
	const struct smmu_event *ev = &st.u->last_event;
	uint32_t nrec;
	bool ok = true;

	ok &= ST_CHECK(n >= 1, "events recorded by the SMMU (%u, %llu merged repeats)", n,
		       (unsigned long long)st.u->nr_last_merged);
	if (n == 0) {
		return false;
	}
	ok &= ST_CHECK(ev->sid == st.sid && ev->addr == addr && ev->read == !write && ev->id == evt_id,
		       "event: %s sid %#x addr %#llx %s (want %s sid %#x addr %#llx %s)", smmu_evt_name(ev->id),
		       ev->sid, (unsigned long long)ev->addr, ev->read ? "read" : "write", smmu_evt_name(evt_id),
		       st.sid, (unsigned long long)addr, write ? "write" : "read");
	nrec = st_fault_read(&rec);
	ok &= ST_CHECK(nrec == 1 && rec.dev_id == st.dev_id && rec.addr == addr &&
			       rec.access == (write ? IOASID_FAULT_ACCESS_WRITE : IOASID_FAULT_ACCESS_READ) &&
			       rec.reason == reason,
		       "guest fault queue: %u record(s), dev %#x addr %#llx access %u reason %u "
		       "(want 1 record, reason %u)",
		       nrec, rec.dev_id, (unsigned long long)rec.addr, rec.access, rec.reason, reason);
	return ok;
}

static bool expect_no_fault(void)
{
	unsigned n = smmuv3_poll_events();

	return ST_CHECK(n == 0, "no event recorded");
}

static bool scenario_end(unsigned nr, const char *what, bool ok)
{
	hv_log(ok ? LOG_INFO : LOG_ERR, "smmuv3 scenario %u (%s): %s", nr, what, ok ? "PASS" : "FAIL");
	return ok;
}

/* ---- the scenarios ---- */

static bool sc0_gpa(void)
{
	bool ok = true;

	fill(OFF_GPA_BUF, XFER, 0x11);
	memset(gptr(OFF_GPA_BUF + 0x1000), 0, XFER);
	ok &= ST_CHECK(dma_in(G_BASE + OFF_GPA_BUF) == 0 && dma_out(G_BASE + OFF_GPA_BUF + 0x1000) == 0,
		       "DMA to GPA %#llx and back", (unsigned long long)(G_BASE + OFF_GPA_BUF));
	ok &= ST_CHECK(same(OFF_GPA_BUF + 0x1000, XFER, 0x11), "bytes arrived through the GPA table");
	ok &= expect_no_fault();
	return scenario_end(0, "GPA IOASID", ok);
}

static bool sc1_round_trip(uint32_t a)
{
	bool ok = true;

	ok &= ST_CHECK(st_map(a, IOVA_A, OFF_A, 4 * HV_PAGE_SIZE, IOASID_PROT_READ | IOASID_PROT_WRITE) == 0,
		       "MAP %#llx -> GPA %#llx, 16 KiB RW", (unsigned long long)IOVA_A,
		       (unsigned long long)(G_BASE + OFF_A));
	ok &= ST_CHECK(st_attach(a) == 0, "ATTACH device -> PAGING %#x", a);
	fill(OFF_A, XFER, 0x22);
	memset(gptr(OFF_A + 0x1000), 0, XFER);
	ok &= ST_CHECK(dma_in(IOVA_A) == 0 && dma_out(IOVA_A + 0x1000) == 0, "DMA from IOVA %#llx to IOVA %#llx",
		       (unsigned long long)IOVA_A, (unsigned long long)(IOVA_A + 0x1000));
	ok &= ST_CHECK(same(OFF_A + 0x1000, XFER, 0x22), "bytes compared equal after the round trip");
	ok &= expect_no_fault();
	return scenario_end(1, "mapped IOVA round trip", ok);
}

static bool sc2_unmapped(void)
{
	bool ok = true;

	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_UNMAPPED) == 0, "device write to unmapped IOVA %#llx",
		       (unsigned long long)IOVA_UNMAPPED);
	ok &= expect_fault(IOVA_UNMAPPED, true, EVT_F_TRANSLATION, IOASID_FAULT_REASON_NOT_PRESENT);
	return scenario_end(2, "unmapped IOVA blocked and reported", ok);
}

static bool sc3_read_only(uint32_t a)
{
	bool ok = true;

	ok &= ST_CHECK(st_map(a, IOVA_RO, OFF_RO, HV_PAGE_SIZE, IOASID_PROT_READ) == 0, "MAP %#llx read-only",
		       (unsigned long long)IOVA_RO);
	fill(OFF_RO, XFER, 0x33);
	fill(OFF_A, XFER, 0x44); /* a pattern unlike the page's, so a write that got through shows */
	ok &= ST_CHECK(dma_in(IOVA_A) == 0, "load a new pattern into the device");
	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_RO) == 0, "device write to the read-only page");
	ok &= expect_fault(IOVA_RO, true, EVT_F_PERMISSION, IOASID_FAULT_REASON_PERMISSION);
	ok &= ST_CHECK(same(OFF_RO, XFER, 0x33), "read-only page unchanged");
	memset(gptr(OFF_A + 0x2000), 0, XFER);
	ok &= ST_CHECK(dma_in(IOVA_RO) == 0 && dma_out(IOVA_A + 0x2000) == 0, "device read of the read-only page");
	ok &= ST_CHECK(same(OFF_A + 0x2000, XFER, 0x33), "read-only page is readable");
	ok &= expect_no_fault();
	return scenario_end(3, "read-only mapping blocks device writes", ok);
}

static bool sc4_unmap(uint32_t a)
{
	bool ok = true;

	fill(OFF_A, XFER, 0x55);
	memset(gptr(OFF_A + 0x3000), 0, XFER);
	ok &= ST_CHECK(dma_in(IOVA_A) == 0 && dma_out(IOVA_A + 0x3000) == 0, "DMA to IOVA %#llx",
		       (unsigned long long)(IOVA_A + 0x3000));
	ok &= ST_CHECK(same(OFF_A + 0x3000, XFER, 0x55), "landed (the IOTLB now caches it)");
	ok &= ST_CHECK(st_unmap(a, IOVA_A + 0x3000, HV_PAGE_SIZE) == 0, "UNMAP %#llx",
		       (unsigned long long)(IOVA_A + 0x3000));
	memset(gptr(OFF_A + 0x3000), 0xee, XFER);
	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_A + 0x3000) == 0, "device write to the unmapped IOVA");
	ok &= expect_fault(IOVA_A + 0x3000, true, EVT_F_TRANSLATION, IOASID_FAULT_REASON_NOT_PRESENT);
	ok &= ST_CHECK(untouched(OFF_A + 0x3000, 0xee), "old target page unchanged (no stale IOTLB entry)");
	return scenario_end(4, "unmap + invalidate blocks the old IOVA", ok);
}

static bool sc5_replace(uint32_t a, uint32_t *b)
{
	bool ok = true;
	long ret = st_alloc(IOASID_KIND_PAGING, 0, b);

	ok &= ST_CHECK(ret == 0, "ALLOC second PAGING IOASID %#x", *b);
	ok &= ST_CHECK(st_map(*b, IOVA_A, OFF_B, 4 * HV_PAGE_SIZE, IOASID_PROT_READ | IOASID_PROT_WRITE) == 0,
		       "MAP the same IOVA %#llx -> GPA %#llx in it", (unsigned long long)IOVA_A,
		       (unsigned long long)(G_BASE + OFF_B));
	fill(OFF_A, XFER, 0x66);
	ok &= ST_CHECK(dma_in(IOVA_A) == 0 && dma_out(IOVA_A + 0x1000) == 0 && same(OFF_A + 0x1000, XFER, 0x66),
		       "before: DMA goes to the first IOASID's page");
	ok &= ST_CHECK(st_attach(*b) == 0, "ATTACH over the attachment (replace %#x -> %#x)", a, *b);
	memset(gptr(OFF_A + 0x1000), 0xee, XFER);
	memset(gptr(OFF_B + 0x1000), 0, XFER);
	ok &= ST_CHECK(dma_out(IOVA_A + 0x1000) == 0, "device write after the replace");
	ok &= ST_CHECK(same(OFF_B + 0x1000, XFER, 0x66), "after: DMA lands in the new IOASID's page");
	ok &= ST_CHECK(untouched(OFF_A + 0x1000, 0xee), "the old page is untouched");
	ok &= expect_no_fault();
	return scenario_end(5, "atomic replace follows the new tables", ok);
}

static bool sc6_detach(void)
{
	struct smmu_ste ste = { { 0 } };
	bool ok = true;

	ok &= ST_CHECK(st_detach() == 0, "DETACH");
	ok &= ST_CHECK(smmuv3_debug_ste(st.u, st.sid, &ste) && (ste.d[0] & STE_0_V) &&
			       FIELD_GET(STE_0_CONFIG, ste.d[0]) == STE_CONFIG_ABORT,
		       "the StreamID's STE is V=1 Config=abort (%#llx)", (unsigned long long)ste.d[0]);
	memset(gptr(OFF_B + 0x1000), 0xee, XFER);
	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_A + 0x1000) == 0, "device write while detached");
	ok &= ST_CHECK(untouched(OFF_B + 0x1000, 0xee), "memory untouched");
	/* GPA as IOVA too: no identity/bypass path behind an abort STE. */
	memset(gptr(OFF_GPA_BUF), 0xee, XFER);
	ok &= ST_CHECK(dma_out(G_BASE + OFF_GPA_BUF) == 0 && untouched(OFF_GPA_BUF, 0xee),
		       "a write to the GPA does not land either");
	ok &= ST_CHECK(smmuv3_poll_events() == 0, "aborted silently (no event: spec 5.2 Config=0b000)");
	return scenario_end(6, "detach blocks DMA", ok);
}

static bool sc7_superpage(void)
{
	const uint64_t cross = IOVA_SUPER + SZ_2M - XFER / 2; /* spans the 2 MiB boundary */
	struct ioasid *io;
	uint64_t pgsize = 0;
	uint32_t c = 0;
	bool ok = true;
	long ret = st_alloc(IOASID_KIND_PAGING, 0, &c);

	ok &= ST_CHECK(ret == 0, "ALLOC PAGING %#x", c);
	ok &= ST_CHECK(st_map(c, IOVA_SUPER, OFF_SUPER, 2 * SZ_2M, IOASID_PROT_READ | IOASID_PROT_WRITE) == 0,
		       "MAP 4 MiB at %#llx -> GPA %#llx", (unsigned long long)IOVA_SUPER,
		       (unsigned long long)(G_BASE + OFF_SUPER));
	io = ioasid_lookup(&st.g, c);
	if (io != NULL) {
		(void)pt_lookup(&io->hw[io->fmt].pt, cross, NULL, NULL, &pgsize);
	}
	ok &= ST_CHECK(pgsize == SZ_2M, "the table maps it with 2 MiB blocks (%#llx)", (unsigned long long)pgsize);
	ok &= ST_CHECK(st_attach(c) == 0, "ATTACH");
	fill(OFF_SUPER, XFER, 0x77);
	memset(gptr(OFF_SUPER + SZ_2M - XFER / 2), 0, XFER);
	ok &= ST_CHECK(dma_in(IOVA_SUPER) == 0 && dma_out(cross) == 0,
		       "DMA %u bytes to %#llx, across the 2 MiB boundary", XFER, (unsigned long long)cross);
	ok &= ST_CHECK(same(OFF_SUPER + SZ_2M - XFER / 2, XFER, 0x77), "bytes landed on both sides of the boundary");
	memset(gptr(OFF_SUPER + 2 * SZ_2M - XFER), 0, XFER);
	ok &= ST_CHECK(dma_out(IOVA_SUPER + 2 * SZ_2M - XFER) == 0 && same(OFF_SUPER + 2 * SZ_2M - XFER, XFER, 0x77),
		       "the last bytes of the second block translate too");
	ok &= expect_no_fault();
	/* Unmapping both blocks is one range invalidation (IDR3.RIL): nothing stale survives. */
	ok &= ST_CHECK(st_unmap(c, IOVA_SUPER, 2 * SZ_2M) == 0, "UNMAP the 4 MiB");
	memset(gptr(OFF_SUPER + SZ_2M - XFER / 2), 0xee, XFER);
	faults_reset();
	ok &= ST_CHECK(dma_out(cross) == 0, "device write across the old boundary");
	{
		/* Two pages, so two distinct faults: the first at cross, the second at 2 MiB. */
		struct ioasid_fault_record rec = { 0 };
		unsigned n = smmuv3_poll_events();
		uint32_t nrec = st_fault_read(&rec);

		ok &= ST_CHECK(n == XFER / 4 && st.u->last_event.addr == IOVA_SUPER + SZ_2M &&
				       st.u->last_event.id == EVT_F_TRANSLATION,
			       "%u F_TRANSLATION events, the last page's at %#llx", n,
			       (unsigned long long)st.u->last_event.addr);
		ok &= ST_CHECK(nrec == 2 && rec.addr == cross && rec.reason == IOASID_FAULT_REASON_NOT_PRESENT,
			       "guest fault queue: %u records, first at %#llx reason %u", nrec,
			       (unsigned long long)rec.addr, rec.reason);
	}
	ok &= ST_CHECK(untouched(OFF_SUPER + SZ_2M - XFER / 2, 0xee),
		       "nothing landed (both cached blocks invalidated)");
	return scenario_end(7, "2 MiB block mappings", ok);
}

/* The guest's own stage-1 table for IOVA_N: levels 0..3 in four pages at OFF_S1. */
static uint64_t *g_s1_leaf(void)
{
	uint64_t *l0 = gptr(OFF_S1), *l1 = gptr(OFF_S1 + 0x1000), *l2 = gptr(OFF_S1 + 0x2000);
	uint64_t *l3 = gptr(OFF_S1 + 0x3000);

	memset(l0, 0, 4 * HV_PAGE_SIZE);
	l0[(IOVA_N >> 39) & 511] = (G_BASE + OFF_S1 + 0x1000) | G_S1_TABLE;
	l1[(IOVA_N >> 30) & 511] = (G_BASE + OFF_S1 + 0x2000) | G_S1_TABLE;
	l2[(IOVA_N >> 21) & 511] = (G_BASE + OFF_S1 + 0x3000) | G_S1_TABLE;
	l3[((IOVA_N >> 12) & 511) + 1] = (G_BASE + OFF_NSRC) | G_S1_PAGE;
	return &l3[(IOVA_N >> 12) & 511];
}

static bool sc8_nested(void)
{
	volatile uint64_t *leaf = g_s1_leaf();
	uint32_t n = 0;
	bool ok = true;
	long ret;

	*leaf = (G_BASE + OFF_N1) | G_S1_PAGE;
	ret = st_alloc(IOASID_KIND_NESTED, G_BASE + OFF_S1, &n);
	ok &= ST_CHECK(ret == 0, "ALLOC NESTED %#x over the GPA IOASID, guest stage-1 root at GPA %#llx", n,
		       (unsigned long long)(G_BASE + OFF_S1));
	ok &= ST_CHECK(st_attach(n) == 0, "ATTACH device -> NESTED (%s)",
		       st.u->hw_nesting ? "hardware nesting" : "shadowed");
	fill(OFF_NSRC, XFER, 0x88);
	ok &= ST_CHECK(dma_in(IOVA_N + HV_PAGE_SIZE) == 0, "device read from IOVA %#llx (guest-mapped)",
		       (unsigned long long)(IOVA_N + HV_PAGE_SIZE));
	memset(gptr(OFF_N1), 0, XFER);
	memset(gptr(OFF_N2), 0xee, XFER);
	ok &= ST_CHECK(dma_out(IOVA_N) == 0, "device write to IOVA %#llx", (unsigned long long)IOVA_N);
	ok &= ST_CHECK(same(OFF_N1, XFER, 0x88), "landed where the guest's stage-1 points (GPA %#llx)",
		       (unsigned long long)(G_BASE + OFF_N1));
	/* The guest retargets its leaf and invalidates, as a guest driver would. */
	*leaf = (G_BASE + OFF_N2) | G_S1_PAGE;
	ok &= ST_CHECK(st_invalidate(n, IOVA_N, HV_PAGE_SIZE) == 0, "INVALIDATE %#llx", (unsigned long long)IOVA_N);
	memset(gptr(OFF_N1), 0xdd, XFER);
	ok &= ST_CHECK(dma_out(IOVA_N) == 0, "device write after the change");
	ok &= ST_CHECK(same(OFF_N2, XFER, 0x88), "DMA follows the changed leaf (GPA %#llx)",
		       (unsigned long long)(G_BASE + OFF_N2));
	ok &= ST_CHECK(untouched(OFF_N1, 0xdd), "the old target is untouched (no stale entry)");
	ok &= expect_no_fault();
	/* The guest removes the leaf: DMA faults at the IOVA. */
	*leaf = 0;
	ok &= ST_CHECK(st_invalidate(n, IOVA_N, HV_PAGE_SIZE) == 0, "INVALIDATE after clearing the leaf");
	memset(gptr(OFF_N2), 0xdd, XFER);
	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_N) == 0, "device write to the removed page");
	ok &= expect_fault(IOVA_N, true, EVT_F_TRANSLATION, IOASID_FAULT_REASON_NOT_PRESENT);
	ok &= ST_CHECK(untouched(OFF_N2, 0xdd), "nothing landed");
	/*
	 * The guest points its level-3 table outside its memory (here: the host-physical page
	 * that backs its RAM, an address it may have learnt): the walk must not read it. Hardware
	 * nesting faults the table fetch in stage 2 (BAD_TABLE); shadowing never maps it.
	 */
	*leaf = (G_BASE + OFF_N2) | G_S1_PAGE;
	((uint64_t *)gptr(OFF_S1 + 0x2000))[(IOVA_N >> 21) & 511] =
		(hpa_val(ptr_to_hpa(st.host)) + OFF_S1 + 0x3000) | G_S1_TABLE;
	ok &= ST_CHECK(st_invalidate(n, IOVA_N, HV_PAGE_SIZE) == 0, "INVALIDATE after pointing a table at HPA %#llx",
		       (unsigned long long)(hpa_val(ptr_to_hpa(st.host)) + OFF_S1 + 0x3000));
	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_N) == 0, "device write through the bad table");
	ok &= expect_fault(IOVA_N, true, EVT_F_TRANSLATION,
			   st.u->hw_nesting ? IOASID_FAULT_REASON_BAD_TABLE : IOASID_FAULT_REASON_NOT_PRESENT);
	ok &= ST_CHECK(untouched(OFF_N2, 0xdd), "nothing landed");
	return scenario_end(8, st.u->hw_nesting ? "NESTED, hardware nesting" : "NESTED, shadowed", ok);
}

/*
 * Common set-up: ACPI, the SMMUs from the IORT, edu from PCI enumeration, the test guest with
 * edu assigned (attached to its GPA IOASID). *ok collects the checks that do not stop the test.
 */
static int st_setup(const struct bootinfo *bi, bool *ok)
{
	struct hv_mem_region region;
	struct hv_guest_config cfg;
	struct ioasid_get_info gi = { .size = sizeof(gi) };
	struct smmuv3_opts opts;
	hpa_t bar0 = hpa(0);
	uint16_t bdf = 0;
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
	ret = st_find_edu(bi, &bdf, &bar0, &st.sid);
	if (!ST_CHECK(ret == 0, "edu %02x:%02x.%x behind %s, StreamID %#x (IORT)", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7,
		      st.u ? st.u->name : "no SMMU", st.sid)) {
		return ret;
	}
	/* The SMMU aborts everything now: bus mastering was enabled above, DMA must not land. */
	ret = edu_init(&st.edu, bar0, bdf);
	if (ret) {
		return ret;
	}
	st.host = page_alloc(G_ORDER);
	if (st.host == NULL) {
		return -ENOMEM;
	}
	memset(gptr(OFF_GPA_BUF), 0xee, XFER);
	*ok &= ST_CHECK(dma_out(hpa_val(ptr_to_hpa(st.host)) + OFF_GPA_BUF) == 0 && untouched(OFF_GPA_BUF, 0xee) &&
				smmuv3_poll_events() == 0,
			"before any attach, a device write to RAM is aborted (abort STE)");
	region = (struct hv_mem_region){ .gpa = gpa(G_BASE), .hpa = ptr_to_hpa(st.host), .size = G_SIZE };
	cfg = (struct hv_guest_config){ .id = 1, .mem = &region, .nr_mem = 1, .quota_pages = 256 };
	ret = hv_guest_init(&st.g, &cfg);
	if (!ST_CHECK(ret == 0, "test guest: 8 MiB at GPA %#llx -> HPA %#llx", (unsigned long long)G_BASE,
		      (unsigned long long)hpa_val(region.hpa))) {
		return ret;
	}
	ret = hv_guest_add_device(&st.g, &st.u->iommu, 0, bdf, st.sid, &st.dev_id);
	if (!ST_CHECK(ret == 0, "edu assigned to the guest (dev %#x, sid %#x)", st.dev_id, st.sid)) {
		return ret;
	}
	gi.dev_id = st.dev_id;
	ret = (int)st_call(IOASID_CALL_GET_INFO, &gi, sizeof(gi));
	if (!ST_CHECK(ret == 0, "GET_INFO: GPA IOASID %#x, ia_bits %u, page sizes %#llx, caps %#x", gi.out_gpa_ioasid,
		      gi.out_ia_bits, (unsigned long long)gi.out_pgsize_bitmap, gi.out_caps)) {
		return ret;
	}
	st.gpa_ioasid = gi.out_gpa_ioasid;
	pr_info("smmuv3 selftest: %s STEs for single-stage tables, NESTED %s, %s stream table",
		st.u->paging_fmt == PT_FMT_ARM_S2 ? "stage-2" : "stage-1",
		st.u->hw_nesting ? "by hardware nesting (S1+S2 STEs)" : "shadowed",
		st.u->linear ? "linear" : "2-level");
	return 0;
}

static int selftest_smmuv3(const struct bootinfo *bi)
{
	uint32_t a = 0, b = 0;
	bool ok = true;
	int ret = st_setup(bi, &ok);

	if (ret) {
		return ret;
	}
	ok &= sc0_gpa();
	ret = (int)st_alloc(IOASID_KIND_PAGING, 0, &a);
	ok &= ST_CHECK(ret == 0, "ALLOC PAGING %#x", a);
	ok &= sc1_round_trip(a);
	ok &= sc2_unmapped();
	ok &= sc3_read_only(a);
	ok &= sc4_unmap(a);
	ok &= sc5_replace(a, &b);
	ok &= sc6_detach();
	ok &= sc7_superpage();
	ok &= sc8_nested();
	ok &= ST_CHECK(smmuv3_check_gerror(st.u) == 0 && st.u->nr_cmd_errors == 0,
		       "no global or command errors (%llu gerrors, %llu command errors)",
		       (unsigned long long)st.u->nr_gerrors, (unsigned long long)st.u->nr_cmd_errors);
	pr_info("smmuv3 selftest: %llu events, %llu delivered, %llu merged, %llu overflows",
		(unsigned long long)st.u->nr_events, (unsigned long long)st.u->nr_delivered,
		(unsigned long long)st.u->nr_merged, (unsigned long long)st.u->nr_overflows);
	return ok ? 0 : -EIO;
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
	int ret = st_setup(bi, &ok);

	if (ret) {
		return ret;
	}
	ok &= ST_CHECK(st_alloc(IOASID_KIND_PAGING, 0, &a) == 0 && st_attach(a) == 0,
		       "device attached to an empty PAGING IOASID %#x", a);
	faults_reset();
	overflows = st.u->nr_overflows;
	for (unsigned i = 0; i < 3; i++) {
		ok &= ST_CHECK(edu_dma(&st.edu, IOVA_UNMAPPED, 0, (uint32_t)EDU_BUF_SIZE, true) == 0,
			       "blocked 4 KiB device write %u, events not drained", i + 1);
	}
	n = smmuv3_poll_events();
	ok &= ST_CHECK(n == (1U << st.u->evtq_lg) && st.u->nr_overflows > overflows,
		       "queue full: %u events kept of 3072, overflow counted (%llu -> %llu)", n,
		       (unsigned long long)overflows, (unsigned long long)st.u->nr_overflows);
	faults_reset();
	ok &= ST_CHECK(dma_out(IOVA_UNMAPPED) == 0, "another blocked write after the overflow");
	ok &= expect_fault(IOVA_UNMAPPED, true, EVT_F_TRANSLATION, IOASID_FAULT_REASON_NOT_PRESENT);

	cmd_errors = st.u->nr_cmd_errors;
	ret = smmuv3_cmds(st.u, &bad, 1);
	ok &= ST_CHECK(ret == -EIO && st.u->nr_cmd_errors == cmd_errors + 1,
		       "undefined command: %d, command errors %llu", ret, (unsigned long long)st.u->nr_cmd_errors);
	ok &= ST_CHECK(smmuv3_check_gerror(st.u) == 0, "GERROR acknowledged (no active error)");
	ok &= ST_CHECK(smmuv3_cmds(st.u, &good, 1) == 0, "the queue runs on: CFGI_ALL + CMD_SYNC");
	ok &= ST_CHECK(st_map(a, IOVA_A, OFF_A, HV_PAGE_SIZE, IOASID_PROT_READ | IOASID_PROT_WRITE) == 0,
		       "MAP after the error");
	fill(OFF_A, XFER, 0x99);
	memset(gptr(OFF_A + 0x800), 0, XFER);
	ok &= ST_CHECK(edu_dma(&st.edu, IOVA_A, 0, XFER, false) == 0 &&
			       edu_dma(&st.edu, IOVA_A + 0x800, 0, XFER, true) == 0 && same(OFF_A + 0x800, XFER, 0x99),
		       "DMA round trip after the error");
	ok &= expect_no_fault();

	/* Firmware may leave the SMMU live: take it over again while it is translating. */
	ok &= ST_CHECK(smmuv3_debug_retakeover(st.u) == 0, "take-over of the live unit (SMMUEN=1)");
	memset(gptr(OFF_A + 0x800), 0xee, XFER);
	memset(gptr(OFF_GPA_BUF), 0xee, XFER);
	ok &= ST_CHECK(edu_dma(&st.edu, IOVA_A + 0x800, 0, XFER, true) == 0 && untouched(OFF_A + 0x800, 0xee),
		       "a write to the IOVA that was mapped does not land");
	ok &= ST_CHECK(edu_dma(&st.edu, hpa_val(ptr_to_hpa(st.host)) + OFF_GPA_BUF, 0, XFER, true) == 0 &&
			       untouched(OFF_GPA_BUF, 0xee),
		       "nor does one to the host-physical address (no bypass)");
	ok &= ST_CHECK(smmuv3_poll_events() == 0 && smmuv3_check_gerror(st.u) == 0,
		       "aborted by the STEs, silently; no global error");
	return ok ? 0 : -EIO;
}
HV_SELFTEST(smmuv3_errors, selftest_smmuv3_errors);
