// SPDX-License-Identifier: MIT
/*
 * The IOMMU end-to-end self-test, arch-neutral part: the test guest, the hypercall and DMA
 * helpers and the scenarios every IOMMU must pass, written once. hv/selftest_vtd.c and
 * hv/selftest_smmuv3.c link it with their struct st_iommu_ops (hv/selftest_iommu.h). Scenarios:
 *   0. the device starts attached to the guest's GPA IOASID: DMA to a GPA works;
 *   1. PAGING: mapped IOVA, DMA memory -> device -> memory, bytes compared; the highest page
 *      GET_INFO reports (out_iova_last) maps and DMA there lands, a MAP at the limit is -ERANGE
 *      (the width GET_INFO reports is the one MAP and the unit accept, ioasid/pt.h);
 *   2. DMA to an unmapped IOVA: blocked, the unit's record (RID/StreamID, address, direction,
 *      code) and a record in the guest's fault queue;
 *   3. read-only mapping: device reads work, device writes are blocked and reported;
 *   4. unmap (the core invalidates) after the IOTLB was warm: DMA to the old IOVA is blocked;
 *   5. ATTACH over the attachment to another IOASID: DMA follows the new tables;
 *   6. DETACH: the unit's entry blocks, DMA does not land (reported as the unit does);
 *   7. a 4 MiB mapping built from 2 MiB pages: DMA across the boundary translates (and, where
 *      the driver checks the unit's records, unmapping both leaves nothing stale);
 *   8. NESTED: a stage-1 / first-level table written in guest memory as a guest would, over
 *      the GPA IOASID; DMA follows it; the guest changes a leaf and INVALIDATEs: DMA follows
 *      the change; removes it and INVALIDATEs the whole space: DMA faults; points a table
 *      outside its memory: the walk does not
 *      use it; restores the table: DMA follows it again.
 * Each scenario ends with "<name> scenario N (...): PASS|FAIL"; tests/qemu/run.py expects them.
 */
#include <string.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/selftest.h>

#include "hv/selftest_iommu.h"

struct st_iommu st;

/* ---- guest-side helpers: hypercalls with requests in the test guest's memory ---- */

void *st_gptr(uint64_t off)
{
	return st.host + off;
}

long st_call(uint64_t nr, void *req, size_t size)
{
	long ret;

	memcpy(st_gptr(ST_OFF_REQ), req, size);
	ret = ioasid_dispatch(&st.g, nr, gpa(ST_G_BASE + ST_OFF_REQ));
	memcpy(req, st_gptr(ST_OFF_REQ), size);
	return ret;
}

long st_alloc_paging(uint32_t *id)
{
	struct ioasid_alloc a = {
		.size = sizeof(a), .kind = IOASID_KIND_PAGING, .parent = st.info.out_gpa_ioasid, .dev_id = st.dev_id
	};
	long ret = st_call(IOASID_CALL_ALLOC, &a, sizeof(a));

	*id = a.out_ioasid;
	return ret;
}

long st_map(uint32_t id, uint64_t iova, uint64_t goff, uint64_t len, uint32_t prot)
{
	struct ioasid_map_entry e = { .iova = iova, .gpa = ST_G_BASE + goff, .length = len, .prot = prot };
	struct ioasid_map m = {
		.size = sizeof(m), .ioasid = id, .num_entries = 1, .entries_gpa = ST_G_BASE + ST_OFF_ARR
	};

	memcpy(st_gptr(ST_OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_MAP, &m, sizeof(m));
}

long st_unmap(uint32_t id, uint64_t iova, uint64_t len)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = len };
	struct ioasid_unmap m = {
		.size = sizeof(m), .ioasid = id, .num_entries = 1, .entries_gpa = ST_G_BASE + ST_OFF_ARR
	};

	memcpy(st_gptr(ST_OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_UNMAP, &m, sizeof(m));
}

long st_invalidate(uint32_t id, uint64_t iova, uint64_t len, uint32_t flags)
{
	struct ioasid_inv_entry e = { .type = IOASID_INV_RANGE, .flags = flags, .addr = iova, .length = len };
	struct ioasid_invalidate r = {
		.size = sizeof(r), .ioasid = id, .num_entries = 1, .entries_gpa = ST_G_BASE + ST_OFF_ARR
	};

	memcpy(st_gptr(ST_OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_INVALIDATE, &r, sizeof(r));
}

/* INVALIDATE of the whole IOASID (IOASID_INV_ALL). */
static long st_invalidate_all(uint32_t id)
{
	struct ioasid_inv_entry e = { .type = IOASID_INV_ALL };
	struct ioasid_invalidate r = {
		.size = sizeof(r), .ioasid = id, .num_entries = 1, .entries_gpa = ST_G_BASE + ST_OFF_ARR
	};

	memcpy(st_gptr(ST_OFF_ARR), &e, sizeof(e));
	return st_call(IOASID_CALL_INVALIDATE, &r, sizeof(r));
}

long st_attach(uint32_t id)
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
uint32_t st_fault_read(struct ioasid_fault_record *rec)
{
	struct ioasid_fault_read r = { .size = sizeof(r),
				       .num_records = HV_FAULT_QUEUE_LEN,
				       .records_gpa = ST_G_BASE + ST_OFF_FAULTS };

	if (st_call(IOASID_CALL_FAULT_READ, &r, sizeof(r)) != 0) {
		return 0;
	}
	if (r.out_num_records != 0) {
		memcpy(rec, st_gptr(ST_OFF_FAULTS), sizeof(*rec));
	}
	return r.out_num_records;
}

/* ---- DMA helpers ---- */

void st_fill(uint64_t off, uint32_t len, uint8_t seed)
{
	uint8_t *p = st_gptr(off);

	for (uint32_t i = 0; i < len; i++) {
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
	}
}

bool st_same(uint64_t off, uint32_t len, uint8_t seed)
{
	const uint8_t *p = st_gptr(off);

	for (uint32_t i = 0; i < len; i++) {
		if (p[i] != (uint8_t)(seed + i * 7 + (i >> 8))) {
			return false;
		}
	}
	return true;
}

/* ST_XFER bytes at off all still hold v: no DMA landed there. */
bool st_untouched(uint64_t off, uint8_t v)
{
	const uint8_t *p = st_gptr(off);

	for (uint32_t i = 0; i < ST_XFER; i++) {
		if (p[i] != v) {
			return false;
		}
	}
	return true;
}

/* memory (bus address) -> edu buffer, and edu buffer -> memory (bus address) */
int st_dma_in(uint64_t iova)
{
	return edu_dma(&st.edu, iova, 0, ST_XFER, false);
}

int st_dma_out(uint64_t iova)
{
	return edu_dma(&st.edu, iova, 0, ST_XFER, true);
}

/* ---- fault checks ---- */

/* Clear stale fault state (the unit's records, the core queue) before a DMA expected to fault. */
void st_faults_reset(void)
{
	struct ioasid_fault_record rec;

	(void)st.ops->poll();
	while (st_fault_read(&rec) != 0) {
		/* drained */
	}
}

/* After a DMA: the expected fault reached the unit and the guest's queue. */
bool st_expect_fault(uint64_t addr, bool write, enum st_fault kind, unsigned reason)
{
	struct ioasid_fault_record rec = { 0 };
	unsigned n = st.ops->poll();
	uint32_t nrec;
	bool ok = true;

	if (st.ops->silent_faults) {
		nrec = st_fault_read(&rec);
		return ST_CHECK(n == 0 && nrec == 0,
				"the unit reports no fault events (%u, %u guest records): %s %#llx blocked silently", n,
				nrec, write ? "write" : "read", (unsigned long long)addr);
	}
	ok &= ST_CHECK(n >= 1, "fault recorded by the unit (%u records)", n);
	if (n == 0) {
		return false;
	}
	ok &= st.ops->unit_fault_ok(n, addr, write, kind);
	nrec = st_fault_read(&rec);
	ok &= ST_CHECK((st.ops->one_guest_record ? nrec == 1 : nrec >= 1) && rec.dev_id == st.dev_id &&
			       rec.addr == addr &&
			       rec.access == (write ? IOASID_FAULT_ACCESS_WRITE : IOASID_FAULT_ACCESS_READ) &&
			       rec.reason == reason,
		       "guest fault queue: %u record(s), dev %#x addr %#llx access %u reason %u (want %s, reason %u)",
		       nrec, rec.dev_id, (unsigned long long)rec.addr, rec.access, rec.reason,
		       st.ops->one_guest_record ? "1 record" : "records", reason);
	return ok;
}

bool st_expect_no_fault(void)
{
	unsigned n = st.ops->poll();

	return ST_CHECK(n == 0, "no fault recorded by the unit (%u)", n);
}

bool st_scenario_end(unsigned nr, const char *what, bool ok)
{
	hv_log(ok ? LOG_INFO : LOG_ERR, "%s scenario %u (%s): %s", st.ops->name, nr, what, ok ? "PASS" : "FAIL");
	return ok;
}

/* ---- the scenarios ---- */

#define RW (IOASID_PROT_READ | IOASID_PROT_WRITE)

static bool sc0_gpa(void)
{
	bool ok = true;

	st_fill(ST_OFF_GPA_BUF, ST_XFER, 0x11);
	memset(st_gptr(ST_OFF_GPA_BUF + 0x1000), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_in(ST_G_BASE + ST_OFF_GPA_BUF) == 0 &&
			       st_dma_out(ST_G_BASE + ST_OFF_GPA_BUF + 0x1000) == 0,
		       "DMA to GPA %#llx and back", (unsigned long long)(ST_G_BASE + ST_OFF_GPA_BUF));
	ok &= ST_CHECK(st_same(ST_OFF_GPA_BUF + 0x1000, ST_XFER, 0x11), "bytes arrived through the GPA table");
	ok &= st_expect_no_fault();
	return st_scenario_end(0, "GPA IOASID", ok);
}

static bool sc1_round_trip(uint32_t a)
{
	bool ok = true;

	ok &= ST_CHECK(st_map(a, ST_IOVA_A, ST_OFF_A, 4 * HV_PAGE_SIZE, RW) == 0, "MAP %#llx -> GPA %#llx, 16 KiB RW",
		       (unsigned long long)ST_IOVA_A, (unsigned long long)(ST_G_BASE + ST_OFF_A));
	ok &= ST_CHECK(st_attach(a) == 0, "ATTACH device -> PAGING %#x", a);
	st_fill(ST_OFF_A, ST_XFER, 0x22);
	memset(st_gptr(ST_OFF_A + 0x1000), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_in(ST_IOVA_A) == 0 && st_dma_out(ST_IOVA_A + 0x1000) == 0,
		       "DMA from IOVA %#llx to IOVA %#llx", (unsigned long long)ST_IOVA_A,
		       (unsigned long long)(ST_IOVA_A + 0x1000));
	ok &= ST_CHECK(st_same(ST_OFF_A + 0x1000, ST_XFER, 0x22), "bytes compared equal after the round trip");
	/*
	 * The top of the range GET_INFO reports (VT-d first-level: 2^47 - 1, the canonical lower
	 * half; second-level 2^48 - 1 or 2^39 - 1; SMMU the stage's width): its last page maps
	 * and the device reaches it; one page further is beyond what the device supports.
	 */
	{
		const uint64_t top = st.info.out_iova_last + 1 - HV_PAGE_SIZE;

		ok &= ST_CHECK(st_map(a, top, ST_OFF_A + 0x2000, HV_PAGE_SIZE, RW) == 0,
			       "MAP the highest page GET_INFO reports, IOVA %#llx (ia_bits %u)",
			       (unsigned long long)top, st.info.out_ia_bits);
		memset(st_gptr(ST_OFF_A + 0x2000), 0, ST_XFER);
		ok &= ST_CHECK(st_dma_out(top) == 0 && st_same(ST_OFF_A + 0x2000, ST_XFER, 0x22),
			       "DMA to IOVA %#llx landed", (unsigned long long)top);
		ok &= ST_CHECK(st_map(a, top + HV_PAGE_SIZE, ST_OFF_A + 0x2000, HV_PAGE_SIZE, RW) == -ERANGE,
			       "MAP at %#llx, past out_iova_last, is -ERANGE",
			       (unsigned long long)(top + HV_PAGE_SIZE));
	}
	ok &= st_expect_no_fault();
	return st_scenario_end(1, "mapped IOVA round trip", ok);
}

static bool sc2_unmapped(void)
{
	bool ok = true;

	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_UNMAPPED) == 0, "device write to unmapped IOVA %#llx",
		       (unsigned long long)ST_IOVA_UNMAPPED);
	ok &= st_expect_fault(ST_IOVA_UNMAPPED, true, ST_FAULT_NOT_PRESENT, IOASID_FAULT_REASON_NOT_PRESENT);
	return st_scenario_end(2, "unmapped IOVA blocked and reported", ok);
}

static bool sc3_read_only(uint32_t a)
{
	bool ok = true;

	ok &= ST_CHECK(st_map(a, ST_IOVA_RO, ST_OFF_RO, HV_PAGE_SIZE, IOASID_PROT_READ) == 0, "MAP %#llx read-only",
		       (unsigned long long)ST_IOVA_RO);
	st_fill(ST_OFF_RO, ST_XFER, 0x33);
	/*
	 * Write first: QEMU 10's VT-d does not check permissions on an IOTLB hit, so a write to a
	 * page whose read-only translation a read has already cached is dropped without a fault
	 * record. A write that misses the IOTLB walks the table and is reported.
	 */
	st_fill(ST_OFF_A, ST_XFER, 0x44); /* a pattern unlike the page's, so a write that got through shows */
	ok &= ST_CHECK(st_dma_in(ST_IOVA_A) == 0, "load a new pattern into the device");
	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_RO) == 0, "device write to the read-only page");
	ok &= st_expect_fault(ST_IOVA_RO, true, ST_FAULT_READ_ONLY, IOASID_FAULT_REASON_PERMISSION);
	ok &= ST_CHECK(st_same(ST_OFF_RO, ST_XFER, 0x33), "read-only page unchanged");
	memset(st_gptr(ST_OFF_A + 0x2000), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_in(ST_IOVA_RO) == 0 && st_dma_out(ST_IOVA_A + 0x2000) == 0,
		       "device read of the read-only page");
	ok &= ST_CHECK(st_same(ST_OFF_A + 0x2000, ST_XFER, 0x33), "read-only page is readable");
	ok &= st_expect_no_fault();
	return st_scenario_end(3, "read-only mapping blocks device writes", ok);
}

static bool sc4_unmap(uint32_t a)
{
	bool ok = true;

	/* Warm the IOTLB for ST_IOVA_A + 0x3000 with a successful write. */
	st_fill(ST_OFF_A, ST_XFER, 0x55);
	memset(st_gptr(ST_OFF_A + 0x3000), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_in(ST_IOVA_A) == 0 && st_dma_out(ST_IOVA_A + 0x3000) == 0, "DMA to IOVA %#llx",
		       (unsigned long long)(ST_IOVA_A + 0x3000));
	ok &= ST_CHECK(st_same(ST_OFF_A + 0x3000, ST_XFER, 0x55), "landed (the IOTLB now caches it)");
	ok &= ST_CHECK(st_unmap(a, ST_IOVA_A + 0x3000, HV_PAGE_SIZE) == 0, "UNMAP %#llx",
		       (unsigned long long)(ST_IOVA_A + 0x3000));
	memset(st_gptr(ST_OFF_A + 0x3000), 0xee, ST_XFER);
	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_A + 0x3000) == 0, "device write to the unmapped IOVA");
	ok &= st_expect_fault(ST_IOVA_A + 0x3000, true, ST_FAULT_NOT_PRESENT, IOASID_FAULT_REASON_NOT_PRESENT);
	ok &= ST_CHECK(st_untouched(ST_OFF_A + 0x3000, 0xee), "old target page unchanged (no stale IOTLB entry)");
	return st_scenario_end(4, "unmap + invalidate blocks the old IOVA", ok);
}

static bool sc5_replace(uint32_t a, uint32_t *b)
{
	bool ok = true;
	long ret = st_alloc_paging(b);

	ok &= ST_CHECK(ret == 0, "ALLOC second PAGING IOASID %#x", *b);
	ok &= ST_CHECK(st_map(*b, ST_IOVA_A, ST_OFF_B, 4 * HV_PAGE_SIZE, RW) == 0,
		       "MAP the same IOVA %#llx -> GPA %#llx in it", (unsigned long long)ST_IOVA_A,
		       (unsigned long long)(ST_G_BASE + ST_OFF_B));
	/* Warm the old translation of ST_IOVA_A + 0x1000 (-> A). */
	st_fill(ST_OFF_A, ST_XFER, 0x66);
	ok &= ST_CHECK(st_dma_in(ST_IOVA_A) == 0 && st_dma_out(ST_IOVA_A + 0x1000) == 0 &&
			       st_same(ST_OFF_A + 0x1000, ST_XFER, 0x66),
		       "before: DMA goes to the first IOASID's page");
	ok &= ST_CHECK(st_attach(*b) == 0, "ATTACH over the attachment (replace %#x -> %#x)", a, *b);
	memset(st_gptr(ST_OFF_A + 0x1000), 0xee, ST_XFER);
	memset(st_gptr(ST_OFF_B + 0x1000), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_out(ST_IOVA_A + 0x1000) == 0, "device write after the replace");
	ok &= ST_CHECK(st_same(ST_OFF_B + 0x1000, ST_XFER, 0x66), "after: DMA lands in the new IOASID's page");
	ok &= ST_CHECK(st_untouched(ST_OFF_A + 0x1000, 0xee), "the old page is untouched");
	ok &= st_expect_no_fault();
	return st_scenario_end(5, "atomic replace follows the new tables", ok);
}

static bool sc6_detach(void)
{
	bool ok = true;

	ok &= ST_CHECK(st_detach() == 0, "DETACH");
	ok &= st.ops->detached_entry();
	memset(st_gptr(ST_OFF_B + 0x1000), 0xee, ST_XFER);
	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_A + 0x1000) == 0, "device write while detached");
	ok &= ST_CHECK(st_untouched(ST_OFF_B + 0x1000, 0xee), "memory untouched");
	ok &= st.ops->detached_dma();
	return st_scenario_end(6, "detach blocks DMA", ok);
}

static bool sc7_superpage(void)
{
	const uint64_t cross = ST_IOVA_SUPER + SZ_2M - ST_XFER / 2; /* spans the 2 MiB boundary */
	struct ioasid *io;
	uint64_t pgsize = 0;
	uint32_t c = 0;
	bool ok = true;
	long ret = st_alloc_paging(&c);

	ok &= ST_CHECK(ret == 0, "ALLOC PAGING %#x", c);
	ok &= ST_CHECK(st_map(c, ST_IOVA_SUPER, ST_OFF_SUPER, 2 * SZ_2M, RW) == 0, "MAP 4 MiB at %#llx -> GPA %#llx",
		       (unsigned long long)ST_IOVA_SUPER, (unsigned long long)(ST_G_BASE + ST_OFF_SUPER));
	io = ioasid_lookup(&st.g, c);
	if (io != NULL) {
		(void)pt_lookup(&io->hw[io->fmt].pt, cross, NULL, NULL, &pgsize);
	}
	ok &= ST_CHECK(pgsize == SZ_2M, "the table maps it with 2 MiB leaves (%#llx)", (unsigned long long)pgsize);
	ok &= ST_CHECK(st_attach(c) == 0, "ATTACH");
	st_fill(ST_OFF_SUPER, ST_XFER, 0x77);
	memset(st_gptr(ST_OFF_SUPER + SZ_2M - ST_XFER / 2), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_in(ST_IOVA_SUPER) == 0 && st_dma_out(cross) == 0,
		       "DMA %u bytes to %#llx, across the 2 MiB boundary", ST_XFER, (unsigned long long)cross);
	ok &= ST_CHECK(st_same(ST_OFF_SUPER + SZ_2M - ST_XFER / 2, ST_XFER, 0x77),
		       "bytes landed on both sides of the boundary");
	memset(st_gptr(ST_OFF_SUPER + 2 * SZ_2M - ST_XFER), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_out(ST_IOVA_SUPER + 2 * SZ_2M - ST_XFER) == 0 &&
			       st_same(ST_OFF_SUPER + 2 * SZ_2M - ST_XFER, ST_XFER, 0x77),
		       "the last bytes of the second 2 MiB leaf translate too");
	ok &= st_expect_no_fault();
	if (st.ops->superpage_unmapped != NULL) {
		struct ioasid_fault_record rec = { 0 };
		uint32_t nrec;

		/* Unmapping both leaves is one range invalidation: nothing stale survives. */
		ok &= ST_CHECK(st_unmap(c, ST_IOVA_SUPER, 2 * SZ_2M) == 0, "UNMAP the 4 MiB");
		memset(st_gptr(ST_OFF_SUPER + SZ_2M - ST_XFER / 2), 0xee, ST_XFER);
		st_faults_reset();
		ok &= ST_CHECK(st_dma_out(cross) == 0, "device write across the old boundary");
		/* Two pages, so two distinct faults: the first at cross, the second at 2 MiB. */
		ok &= st.ops->superpage_unmapped(cross);
		nrec = st_fault_read(&rec);
		ok &= ST_CHECK(nrec == 2 && rec.addr == cross && rec.reason == IOASID_FAULT_REASON_NOT_PRESENT,
			       "guest fault queue: %u records, first at %#llx reason %u", nrec,
			       (unsigned long long)rec.addr, rec.reason);
		ok &= ST_CHECK(st_untouched(ST_OFF_SUPER + SZ_2M - ST_XFER / 2, 0xee),
			       "nothing landed (both cached leaves invalidated)");
	}
	return st_scenario_end(7, "2 MiB superpages", ok);
}

/*
 * The guest's own stage-1 / first-level table for ST_IOVA_N: levels 0..3 in four pages at
 * ST_OFF_S1 (4 KiB granule, 512 entries a level), with ST_IOVA_N + 4 KiB -> ST_OFF_NSRC.
 * Returns the leaf for ST_IOVA_N.
 */
static volatile uint64_t *s1_build(void)
{
	uint64_t *l0 = st_gptr(ST_OFF_S1), *l1 = st_gptr(ST_OFF_S1 + 0x1000), *l2 = st_gptr(ST_OFF_S1 + 0x2000);
	uint64_t *l3 = st_gptr(ST_OFF_S1 + 0x3000);
	const uint64_t tbl = st.ops->s1_table;

	memset(l0, 0, 4 * HV_PAGE_SIZE);
	l0[(ST_IOVA_N >> 39) & 511] = (ST_G_BASE + ST_OFF_S1 + 0x1000) | tbl;
	l1[(ST_IOVA_N >> 30) & 511] = (ST_G_BASE + ST_OFF_S1 + 0x2000) | tbl;
	l2[(ST_IOVA_N >> 21) & 511] = (ST_G_BASE + ST_OFF_S1 + 0x3000) | tbl;
	l3[((ST_IOVA_N >> 12) & 511) + 1] = (ST_G_BASE + ST_OFF_NSRC) | st.ops->s1_page;
	return &l3[(ST_IOVA_N >> 12) & 511];
}

static bool sc8_nested(void)
{
	volatile uint64_t *leaf = s1_build();
	volatile uint64_t *l2e = (uint64_t *)st_gptr(ST_OFF_S1 + 0x2000) + ((ST_IOVA_N >> 21) & 511);
	const uint64_t l2_good = *l2e, bad_pa = hpa_val(ptr_to_hpa(st.host)) + ST_OFF_S1 + 0x3000;
	const bool hw = st.ops->hw_nesting();
	struct ioasid_alloc a = { .size = sizeof(a),
				  .kind = IOASID_KIND_NESTED,
				  .parent = st.info.out_gpa_ioasid,
				  .dev_id = st.dev_id,
				  .nested_format = st.ops->nested_format,
				  .nested_root_gpa = ST_G_BASE + ST_OFF_S1,
				  .nested_levels = 4 };
	uint32_t n;
	bool ok = true;
	long ret;

	*leaf = (ST_G_BASE + ST_OFF_N1) | st.ops->s1_page;
	ret = st_call(IOASID_CALL_ALLOC, &a, sizeof(a));
	n = a.out_ioasid;
	ok &= ST_CHECK(ret == 0, "ALLOC NESTED %#x over the GPA IOASID, the guest's table at GPA %#llx", n,
		       (unsigned long long)(ST_G_BASE + ST_OFF_S1));
	ok &= ST_CHECK(st_attach(n) == 0, "ATTACH device -> NESTED (%s)", hw ? "hardware nesting" : "shadowed");
	st_fill(ST_OFF_NSRC, ST_XFER, 0x88);
	ok &= ST_CHECK(st_dma_in(ST_IOVA_N + HV_PAGE_SIZE) == 0, "device read from IOVA %#llx (guest-mapped)",
		       (unsigned long long)(ST_IOVA_N + HV_PAGE_SIZE));
	memset(st_gptr(ST_OFF_N1), 0, ST_XFER);
	memset(st_gptr(ST_OFF_N2), 0xee, ST_XFER);
	ok &= ST_CHECK(st_dma_out(ST_IOVA_N) == 0, "device write to IOVA %#llx", (unsigned long long)ST_IOVA_N);
	ok &= ST_CHECK(st_same(ST_OFF_N1, ST_XFER, 0x88), "landed where the guest's table points (GPA %#llx)",
		       (unsigned long long)(ST_G_BASE + ST_OFF_N1));
	/* The guest retargets its leaf and invalidates, as a guest driver would. */
	*leaf = (ST_G_BASE + ST_OFF_N2) | st.ops->s1_page;
	ok &= ST_CHECK(st_invalidate(n, ST_IOVA_N, HV_PAGE_SIZE, IOASID_INV_LEAF) == 0,
		       "guest changes the leaf to GPA %#llx and INVALIDATEs",
		       (unsigned long long)(ST_G_BASE + ST_OFF_N2));
	memset(st_gptr(ST_OFF_N1), 0xdd, ST_XFER);
	ok &= ST_CHECK(st_dma_out(ST_IOVA_N) == 0, "device write after the change");
	ok &= ST_CHECK(st_same(ST_OFF_N2, ST_XFER, 0x88), "DMA follows the changed leaf (GPA %#llx)",
		       (unsigned long long)(ST_G_BASE + ST_OFF_N2));
	ok &= ST_CHECK(st_untouched(ST_OFF_N1, 0xdd), "the old target is untouched (no stale entry)");
	ok &= st_expect_no_fault();
	/* The guest removes the leaf: DMA faults at the IOVA. */
	*leaf = 0;
	ok &= ST_CHECK(st_invalidate_all(n) == 0, "INVALIDATE of the whole space after clearing the leaf");
	memset(st_gptr(ST_OFF_N2), 0xdd, ST_XFER);
	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_N) == 0, "device write to the removed page");
	ok &= st_expect_fault(ST_IOVA_N, true, ST_FAULT_NOT_PRESENT, IOASID_FAULT_REASON_NOT_PRESENT);
	ok &= ST_CHECK(st_untouched(ST_OFF_N2, 0xdd), "nothing landed");
	/*
	 * The guest points its level-3 table outside its memory (here: the host-physical page
	 * that backs its RAM, an address it may have learnt): the walk must not read it. Hardware
	 * nesting faults the table fetch in stage 2 (BAD_TABLE); shadowing never maps it.
	 */
	*leaf = (ST_G_BASE + ST_OFF_N2) | st.ops->s1_page;
	*l2e = bad_pa | st.ops->s1_table;
	ok &= ST_CHECK(st_invalidate(n, ST_IOVA_N, HV_PAGE_SIZE, 0) == 0,
		       "INVALIDATE after pointing a table at HPA %#llx", (unsigned long long)bad_pa);
	st_faults_reset();
	ok &= ST_CHECK(st_dma_out(ST_IOVA_N) == 0, "device write through the bad table");
	ok &= st_expect_fault(ST_IOVA_N, true, ST_FAULT_NOT_PRESENT,
			      hw ? IOASID_FAULT_REASON_BAD_TABLE : IOASID_FAULT_REASON_NOT_PRESENT);
	ok &= ST_CHECK(st_untouched(ST_OFF_N2, 0xdd), "nothing landed");
	/* The guest repairs its table: DMA follows it again (later scenarios use this route). */
	*l2e = l2_good;
	ok &= ST_CHECK(st_invalidate(n, ST_IOVA_N, HV_PAGE_SIZE, 0) == 0, "INVALIDATE after restoring the table");
	memset(st_gptr(ST_OFF_N2), 0, ST_XFER);
	ok &= ST_CHECK(st_dma_out(ST_IOVA_N) == 0 && st_same(ST_OFF_N2, ST_XFER, 0x88),
		       "DMA follows the restored table (GPA %#llx)", (unsigned long long)(ST_G_BASE + ST_OFF_N2));
	ok &= st_expect_no_fault();
	return st_scenario_end(8, hw ? "NESTED, hardware nesting" : "NESTED, shadowed", ok);
}

/* ---- set-up and the run ---- */

int st_iommu_setup(const struct st_iommu_ops *ops, const struct bootinfo *bi, bool *ok)
{
	struct hv_mem_region region;
	struct hv_guest_config cfg;
	int ret;

	memset(&st, 0, sizeof(st));
	st.ops = ops;
	ret = ops->bring_up(bi, &st.dev);
	if (ret) {
		return ret;
	}
	ret = edu_init(&st.edu, st.dev.bar0, st.dev.bdf);
	if (ret) {
		return ret;
	}
	st.host = page_alloc(ST_G_ORDER);
	if (st.host == NULL) {
		return -ENOMEM;
	}
	if (ops->before_guest != NULL) {
		*ok &= ops->before_guest();
	}
	region = (struct hv_mem_region){ .gpa = gpa(ST_G_BASE), .hpa = ptr_to_hpa(st.host), .size = ST_G_SIZE };
	cfg = (struct hv_guest_config){ .id = 1, .mem = &region, .nr_mem = 1, .quota_pages = 256 };
	ret = hv_guest_init(&st.g, &cfg);
	if (!ST_CHECK(ret == 0, "test guest: 8 MiB at GPA %#llx -> HPA %#llx", (unsigned long long)ST_G_BASE,
		      (unsigned long long)hpa_val(region.hpa))) {
		return ret;
	}
	ret = hv_guest_add_device(&st.g, st.dev.iommu, 0, st.dev.bdf, st.dev.rid, &st.dev_id);
	if (!ST_CHECK(ret == 0, "edu assigned to the guest (dev %#x, %s %#x)", st.dev_id, ops->rid_name, st.dev.rid)) {
		return ret;
	}
	st.info = (struct ioasid_get_info){ .size = sizeof(st.info), .dev_id = st.dev_id };
	ret = (int)st_call(IOASID_CALL_GET_INFO, &st.info, sizeof(st.info));
	if (!ST_CHECK(ret == 0, "GET_INFO: GPA IOASID %#x, ia_bits %u, page sizes %#llx, caps %#x",
		      st.info.out_gpa_ioasid, st.info.out_ia_bits, (unsigned long long)st.info.out_pgsize_bitmap,
		      st.info.out_caps)) {
		return ret;
	}
	ops->describe();
	return 0;
}

int st_iommu_run(const struct st_iommu_ops *ops, const struct bootinfo *bi)
{
	uint32_t a = 0, b = 0;
	bool ok = true;
	int ret = st_iommu_setup(ops, bi, &ok);

	if (ret) {
		return ret;
	}
	ok &= sc0_gpa();
	ret = (int)st_alloc_paging(&a);
	ok &= ST_CHECK(ret == 0, "ALLOC PAGING %#x", a);
	ok &= sc1_round_trip(a);
	ok &= sc2_unmapped();
	ok &= sc3_read_only(a);
	ok &= sc4_unmap(a);
	ok &= sc5_replace(a, &b);
	ok &= sc6_detach();
	ok &= sc7_superpage();
	ok &= sc8_nested();
	if (ops->extra != NULL) {
		ok &= ops->extra(a);
	}
	return ok ? 0 : -EIO;
}
