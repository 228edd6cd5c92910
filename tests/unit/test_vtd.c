// SPDX-License-Identifier: MIT
/*
 * Host tests of the VT-d encoders (drivers/iommu/vtd/vtd_desc.c). Expected values are written
 * out bit by bit from the VT-d spec rev 4.x (6.5.2 descriptors, 9.3/9.4/9.6 entries, 11.4.14
 * fault records). Each encoding is also checked against the reserved-bit masks QEMU 10's
 * intel-iommu applies (a set reserved bit stops QEMU's queue with IQE or faults the entry),
 * and one fault record is the exact value QEMU recorded for an unmapped read (qemu-10.0 notes
 * 1.6).
 */
#define TEST_MAIN
#include <ioasid/abi.h>

#include "drivers/iommu/vtd/vtd_desc.h"
#include "test.h"

/* QEMU 10 reserved-bit masks (hw/i386/intel_iommu_internal.h), as facts to check against. */
#define QEMU_CC_RSVD		0xfffc00000000ffc0ULL
#define QEMU_IOTLB_RSVD_LO	0xffffffff0000f100ULL
#define QEMU_IOTLB_RSVD_HI	0xf80ULL
#define QEMU_PIOTLB_RSVD_VAL0	0xfff000000000f1c0ULL
#define QEMU_PIOTLB_RSVD_VAL1	0xf80ULL
#define QEMU_WAIT_RSVD_LO	0xffffff80ULL
#define QEMU_WAIT_RSVD_HI	0x3ULL
#define QEMU_CE_RSVD_HI		0xffffffffff000080ULL
#define QEMU_CE_RSVD_LO_LOW	0xff0ULL
#define QEMU_SMCE_RSVD_VAL0_LOW 0x1e0ULL
#define QEMU_SMCE_RSVD_VAL1	0xffffffffffe00000ULL

TEST(desc_context_cache)
{
	struct vtd_inv_desc g = vtd_desc_cc_global();
	struct vtd_inv_desc d = vtd_desc_cc_device(0x1234, 0x0108);

	EXPECT_EQ(g.qw[0], 0x1ULL | (1ULL << 4));
	EXPECT_EQ(g.qw[1], 0);
	EXPECT_EQ(d.qw[0], 0x1ULL | (3ULL << 4) | (0x1234ULL << 16) | (0x0108ULL << 32));
	EXPECT_EQ(d.qw[1], 0);
	EXPECT_EQ(d.qw[2] | d.qw[3], 0);
	EXPECT_EQ(d.qw[0] & QEMU_CC_RSVD, 0);
}

TEST(desc_iotlb)
{
	struct vtd_inv_desc g = vtd_desc_iotlb_global(true);
	struct vtd_inv_desc dom = vtd_desc_iotlb_domain(7, false);
	struct vtd_inv_desc p = vtd_desc_iotlb_page(5, 0x12340000, 4, true, true);

	EXPECT_EQ(g.qw[0], 0x2ULL | (1ULL << 4) | (1ULL << 6) | (1ULL << 7));
	EXPECT_EQ(dom.qw[0], 0x2ULL | (2ULL << 4) | (7ULL << 16));
	EXPECT_EQ(dom.qw[1], 0);
	EXPECT_EQ(p.qw[0], 0x2ULL | (3ULL << 4) | (5ULL << 16) | (1ULL << 6) | (1ULL << 7));
	EXPECT_EQ(p.qw[1], 0x12340000ULL | 4 | (1ULL << 6));
	EXPECT_EQ(p.qw[0] & QEMU_IOTLB_RSVD_LO, 0);
	EXPECT_EQ(p.qw[1] & QEMU_IOTLB_RSVD_HI, 0);
	EXPECT_EQ(g.qw[0] & QEMU_IOTLB_RSVD_LO, 0);
	/* DID is 16 bits: a wider value must not spill into reserved bits */
	EXPECT_EQ(vtd_desc_iotlb_domain(0xffff, true).qw[0] & QEMU_IOTLB_RSVD_LO, 0);
}

TEST(desc_pasid_based)
{
	struct vtd_inv_desc a = vtd_desc_piotlb_pasid(9, 0xfffff);
	struct vtd_inv_desc p = vtd_desc_piotlb_page(9, 3, 0x200000, 9, false);
	struct vtd_inv_desc pc = vtd_desc_pc_pasid(9, 0x12345);

	EXPECT_EQ(a.qw[0], 0x6ULL | (2ULL << 4) | (9ULL << 16) | (0xfffffULL << 32));
	EXPECT_EQ(p.qw[0], 0x6ULL | (3ULL << 4) | (9ULL << 16) | (3ULL << 32));
	EXPECT_EQ(p.qw[1], 0x200000ULL | 9);
	EXPECT_EQ(pc.qw[0], 0x7ULL | (1ULL << 4) | (9ULL << 16) | (0x12345ULL << 32));
	/* no drain bits in PASID-based descriptors: they are reserved there */
	EXPECT_EQ(a.qw[0] & QEMU_PIOTLB_RSVD_VAL0, 0);
	EXPECT_EQ(p.qw[0] & QEMU_PIOTLB_RSVD_VAL0, 0);
	EXPECT_EQ(p.qw[1] & QEMU_PIOTLB_RSVD_VAL1, 0);
	EXPECT_EQ(pc.qw[0] & QEMU_PIOTLB_RSVD_VAL0, 0);
}

TEST(desc_wait_status_write_never_interrupt)
{
	struct vtd_inv_desc w = vtd_desc_wait(0x7654321cULL, 0xdeadbeef);

	EXPECT_EQ(w.qw[0], 0x5ULL | (1ULL << 5) | (0xdeadbeefULL << 32));
	EXPECT_EQ(w.qw[1], 0x7654321cULL);
	/* SW without IF: QEMU 10.0.2 asserts on SW+IF */
	EXPECT_EQ(w.qw[0] & (1ULL << 4), 0);
	EXPECT_EQ(w.qw[0] & QEMU_WAIT_RSVD_LO, 0);
	EXPECT_EQ(w.qw[1] & QEMU_WAIT_RSVD_HI, 0);
	/* an unaligned status address is truncated, never spills into reserved bits */
	EXPECT_EQ(vtd_desc_wait(0x1003, 1).qw[1], 0x1000);
}

/* Check that chunks tile [lo, hi) exactly, each naturally aligned with am <= mamv. */
static void check_tiling(uint64_t start, uint64_t end, unsigned mamv)
{
	static struct vtd_psi_chunk c[1U << 16]; /* ranges below are at most 2^15 pages */
	uint64_t lo = start & ~0xfffULL, hi = (end + 0xfff) & ~0xfffULL, cur = lo;
	unsigned n = vtd_psi_chunks(start, end, mamv, c, 1U << 16);

	ASSERT_TRUE(n <= (1U << 16));
	for (unsigned i = 0; i < n; i++) {
		uint64_t size = 1ULL << (12 + c[i].am);

		EXPECT_EQ(c[i].addr, cur);
		EXPECT_EQ(c[i].addr & (size - 1), 0);
		EXPECT_TRUE(c[i].am <= mamv);
		cur += size;
	}
	EXPECT_EQ(cur, hi);
}

TEST(psi_chunks)
{
	struct vtd_psi_chunk c[8];

	EXPECT_EQ(vtd_psi_chunks(0x1000, 0x9000, 18, c, 8), 4);
	EXPECT_EQ(c[0].addr, 0x1000);
	EXPECT_EQ(c[0].am, 0);
	EXPECT_EQ(c[1].addr, 0x2000);
	EXPECT_EQ(c[1].am, 1);
	EXPECT_EQ(c[2].addr, 0x4000);
	EXPECT_EQ(c[2].am, 2);
	EXPECT_EQ(c[3].addr, 0x8000);
	EXPECT_EQ(c[3].am, 0);
	/* one 2 MiB superpage: one descriptor */
	EXPECT_EQ(vtd_psi_chunks(0x40000000, 0x40200000, 18, c, 8), 1);
	EXPECT_EQ(c[0].am, 9);
	/* MAMV caps the size: 4 MiB with MAMV 9 takes two */
	EXPECT_EQ(vtd_psi_chunks(0, 4ULL << 20, 9, c, 8), 2);
	EXPECT_EQ(c[1].addr, 2ULL << 20);
	/* unaligned ends are rounded out to whole pages */
	EXPECT_EQ(vtd_psi_chunks(0x1800, 0x2800, 18, c, 8), 2);
	EXPECT_EQ(c[0].addr, 0x1000);
	EXPECT_EQ(c[1].addr, 0x2000);
	/* empty */
	EXPECT_EQ(vtd_psi_chunks(0x5000, 0x5000, 18, c, 8), 0);
	/* more chunks than room: max + 1 says so, only max are written */
	EXPECT_EQ(vtd_psi_chunks(0x1000, 0x1000 + 511 * 0x1000ULL, 0, c, 8), 9);
	/* and that answer is quick and exact for the whole 48-bit space with MAMV 0 (2^36 chunks) */
	EXPECT_EQ(vtd_psi_chunks(0, 1ULL << 48, 0, c, 8), 9);
}

TEST(psi_chunks_tile_ranges)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 2000; i++) {
		uint64_t start, len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		start = (x & 0xffffffffULL) << (x >> 60 & 7);
		len = 1 + ((x >> 32) & ((1ULL << (12 + (x >> 56 & 15))) - 1));
		check_tiling(start, start + len, (unsigned)(x >> 40) % 19);
		if (test_failed_now) {
			fprintf(stderr, "    range [%#llx, +%#llx)\n", (unsigned long long)start,
				(unsigned long long)len);
			return;
		}
	}
}

TEST(context_entry_legacy)
{
	struct vtd_context_entry ce = vtd_ce_translate(hpa(0x123456000ULL), 0x42, vtd_aw_for_levels(4));
	struct vtd_context_entry ce3 = vtd_ce_translate(hpa(0x7000), 0xffff, vtd_aw_for_levels(3));

	EXPECT_EQ(ce.lo, 0x123456000ULL | 1); /* P, FPD=0, TT=0 */
	EXPECT_EQ(ce.hi, 2ULL | (0x42ULL << 8));
	EXPECT_EQ(ce3.hi, 1ULL | (0xffffULL << 8));
	EXPECT_EQ(ce3.hi & QEMU_CE_RSVD_HI, 0);
	EXPECT_EQ(ce.lo & QEMU_CE_RSVD_LO_LOW, 0);
	EXPECT_EQ(vtd_aw_for_levels(2), 0);
	EXPECT_EQ(vtd_aw_for_levels(5), 3);
}

TEST(context_entry_scalable)
{
	struct vtd_sm_context_entry ce = vtd_smce(hpa(0xabcde000ULL), VTD_RID_PASID);

	EXPECT_EQ(ce.val[0], 0xabcde000ULL | 1 | (2ULL << 9)); /* P, PDTS=2: 512-entry directory */
	EXPECT_EQ(ce.val[1], 0);
	EXPECT_EQ(ce.val[2] | ce.val[3], 0);
	EXPECT_EQ(ce.val[0] & QEMU_SMCE_RSVD_VAL0_LOW, 0);
	EXPECT_EQ(vtd_smce(hpa(0x1000), 0xfffff).val[1] & QEMU_SMCE_RSVD_VAL1, 0);
}

TEST(pasid_entries)
{
	struct vtd_pasid_entry sl = vtd_pe_second_level(hpa(0x5000), 0x33, 2);
	struct vtd_pasid_entry fl = vtd_pe_first_level(hpa(0x6000), 0x44);

	EXPECT_EQ(sl.val[0], 0x5000ULL | 1 | (2ULL << 2) | (2ULL << 6));
	EXPECT_EQ(sl.val[1], 0x33);
	for (int i = 2; i < 8; i++) {
		EXPECT_EQ(sl.val[i], 0);
	}
	/* FL: PGTT=1, AW=2 (QEMU checks canonicality against it), FLPTPTR in val[2], FLPM=0 */
	EXPECT_EQ(fl.val[0], 1ULL | (2ULL << 2) | (1ULL << 6));
	EXPECT_EQ(fl.val[1], 0x44);
	EXPECT_EQ(fl.val[2], 0x6000);
	for (int i = 3; i < 8; i++) {
		EXPECT_EQ(fl.val[i], 0);
	}
}

TEST(fault_record_decode)
{
	struct vtd_fault f;

	/* What QEMU 10 recorded for an unmapped read from 00:04.0 (notes 1.6). */
	ASSERT_TRUE(vtd_fault_decode(0x900000, 0xc0ffff0600000020ULL, &f));
	EXPECT_EQ(f.sid, 0x20);
	EXPECT_EQ(f.addr, 0x900000);
	EXPECT_EQ(f.reason, VTD_FR_READ);
	EXPECT_TRUE(!f.write);
	EXPECT_TRUE(!f.pasid_present); /* PV holds garbage (0xffff) but PP=0 */
	EXPECT_EQ(f.pasid, 0);
	/* Scalable first-level: write, PP=1, PASID 5, reason 0x81, low FI bits dropped */
	ASSERT_TRUE(vtd_fault_decode(0x12345fffULL,
				     (1ULL << 63) | (5ULL << 40) | (0x81ULL << 32) | (1ULL << 31) | 0x0108, &f));
	EXPECT_EQ(f.sid, 0x0108);
	EXPECT_EQ(f.addr, 0x12345000);
	EXPECT_TRUE(f.write);
	EXPECT_TRUE(f.pasid_present);
	EXPECT_EQ(f.pasid, 5);
	EXPECT_EQ(f.reason, 0x81);
	/* F clear: no record */
	EXPECT_TRUE(!vtd_fault_decode(0x900000, 0x40ffff0600000020ULL, &f));
}

TEST(fault_reason_mapping)
{
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_CTX_NOT_PRESENT, false), IOASID_FAULT_REASON_BLOCKED);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_ROOT_NOT_PRESENT, false), IOASID_FAULT_REASON_BLOCKED);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_SM_PTE_NOT_PRESENT, false), IOASID_FAULT_REASON_BLOCKED);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_WRITE, false), IOASID_FAULT_REASON_NOT_PRESENT);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_WRITE, true), IOASID_FAULT_REASON_PERMISSION);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_READ, true), IOASID_FAULT_REASON_PERMISSION);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_SM_WRITE, true), IOASID_FAULT_REASON_PERMISSION);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_SM_FL_NOT_PRESENT, false), IOASID_FAULT_REASON_NOT_PRESENT);
	EXPECT_EQ(vtd_fault_to_ioasid_reason(VTD_FR_CTX_RSVD, false), IOASID_FAULT_REASON_OTHER);
	EXPECT_TRUE(strcmp(vtd_fault_reason_str(VTD_FR_CTX_NOT_PRESENT), "context entry not present") == 0);
}

/*
 * Device-TLB descriptors (spec 6.5.2.5, 6.5.2.7) written out bit by bit: PFSID split into
 * [15:12] and [63:52], the ATS size encoding (n low one-bits in ADDR[63:12] with S=1 = 2^(n+1)
 * pages; ADDR[62:12] all ones = everything).
 */
TEST(desc_device_tlb)
{
	struct vtd_inv_desc one = vtd_desc_devtlb(0x0108, 0x0108, 4, 0x12345000, 0);
	struct vtd_inv_desc rng = vtd_desc_devtlb(0x0108, 0xabcd, 31, 0x40000, 3); /* 8 pages */
	struct vtd_inv_desc all = vtd_desc_devtlb(0x0108, 0x0108, 0, 0, VTD_DEVTLB_ALL);
	struct vtd_inv_desc p = vtd_desc_pdevtlb(0x0108, 0x0108, 2, 0x12345, 0x200000, 9); /* 2 MiB */

	EXPECT_EQ(one.qw[0], 0x3ULL | (0x8ULL << 12) | (4ULL << 16) | (0x0108ULL << 32) | (0x010ULL << 52));
	EXPECT_EQ(one.qw[1], 0x12345000ULL);
	EXPECT_EQ(rng.qw[0], 0x3ULL | (0xdULL << 12) | (31ULL << 16) | (0x0108ULL << 32) | (0xabcULL << 52));
	EXPECT_EQ(rng.qw[1], 0x40000ULL | 0x3000ULL | 1); /* two one-bits: 2^3 pages */
	EXPECT_EQ(all.qw[1], 0x7ffffffffffff000ULL | 1);
	EXPECT_EQ(p.qw[0], 0x8ULL | (2ULL << 4) | (0x8ULL << 12) | (0x0108ULL << 16) | (0x12345ULL << 32) |
				   (0x010ULL << 52));
	EXPECT_EQ(p.qw[1], 0x200000ULL | 0xff000ULL | (1ULL << 11)); /* eight one-bits: 2^9 pages */
	EXPECT_EQ(one.qw[2] | one.qw[3] | p.qw[2] | p.qw[3], 0);
	/* an unaligned address is aligned down to the range; wide queue depths do not spill */
	EXPECT_EQ(vtd_desc_devtlb(1, 1, 0xff, 0x47000, 3).qw[1], 0x40000ULL | 0x3000ULL | 1);
	EXPECT_EQ(vtd_desc_devtlb(1, 1, 0xff, 0, 0).qw[0] & ~GENMASK(20, 16), 0x3ULL | (1ULL << 12) | (1ULL << 32));
}
