// SPDX-License-Identifier: MIT
/*
 * Test guest "abi_truth" (issue 18, `<arch>-guest-abi-truth*`): what GET_INFO reports is what
 * the calls then accept and refuse, and a MAP batch that fails part-way reports how far it got.
 *   - widths: out_ia_bits and [out_iova_start, out_iova_last] agree; MAP of the last page is
 *     accepted, one page further is -ERANGE; DMA to the last page works;
 *   - page sizes: out_pgsize_bitmap has 4 KiB; MAP of a length that is not a 4 KiB multiple
 *     is -EINVAL;
 *   - formats: ALLOC NESTED is accepted for every format in out_formats (and NESTED in
 *     out_caps exactly when out_formats is not empty), -EOPNOTSUPP for every other;
 *   - PASID: with out_pasid_bits = n > 0 an ATTACH at PASID 2^n - 1 is accepted and at 2^n is
 *     -ERANGE; with n = 0 (or no IOASID_CAP_PASID) a PASID ATTACH is -EOPNOTSUPP;
 *   - batches: out_max_batch entries in one MAP are accepted, one more is -E2BIG;
 *   - partial progress: a batch whose entry k collides with an existing mapping returns
 *     -EEXIST with out_done = k; entries 0..k-1 are mapped (DMA lands), entry k's old mapping
 *     is unchanged and entries after k are not mapped (DMA faults).
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/s1.h"
#include "guest/test.h"

#define XFER	 256U
#define SENTINEL 0xe1U
#define IOVA	 0x20000000ULL

static uint8_t pg[5][4096] __attribute__((aligned(4096)));
static uint8_t root[4096] __attribute__((aligned(4096)));
static uint8_t stage[4096] __attribute__((aligned(4096)));
static struct ioasid_map_entry big[IOASID_MAX_BATCH + 1];
static volatile uint8_t *edu;
static uint32_t dev, gpa_io;
static struct ioasid_get_info gi;

static uint32_t paging_alloc(void)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };

	return ioasid_alloc(&al) == 0 ? al.out_ioasid : 0;
}

static long map1(uint32_t io, uint64_t iova, uint64_t gpa, uint64_t len)
{
	struct ioasid_map_entry e = {
		.iova = iova, .gpa = gpa, .length = len, .prot = IOASID_PROT_READ | IOASID_PROT_WRITE
	};
	struct ioasid_map m = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_map(&m);
}

static long attach(uint32_t io, uint32_t flags, uint32_t pasid)
{
	struct ioasid_attach at = { .flags = flags, .dev_id = dev, .pasid = pasid, .ioasid = io };

	return ioasid_attach(&at);
}

static bool all(const uint8_t *p, uint8_t b)
{
	for (unsigned i = 0; i < XFER; i++) {
		if (p[i] != b) {
			return false;
		}
	}
	return true;
}

/* The device writes pattern b to bus address iova (staged through the GPA IOASID first). */
static int write_at(uint32_t io, uint64_t iova, uint8_t b)
{
	memset(stage, b, sizeof(stage));
	if (attach(gpa_io, 0, 0) != 0 || guest_edu_dma(edu, gpa_of(stage), XFER, false) != 0 || attach(io, 0, 0) != 0) {
		return -1;
	}
	return guest_edu_dma(edu, iova, XFER, true);
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;

	EXPECT_EQ(bi->nr_devs, 1);
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	dev = bi->devs[0].dev_id;
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	guest_printf(
		"get_info: caps 0x%x, pgsizes 0x%llx, IOVA [0x%llx, 0x%llx], %u bits, %u PASID bits, formats 0x%x, "
		"batch %u, fault queue %u\n",
		gi.out_caps, (unsigned long long)gi.out_pgsize_bitmap, (unsigned long long)gi.out_iova_start,
		(unsigned long long)gi.out_iova_last, gi.out_ia_bits, gi.out_pasid_bits, gi.out_formats,
		gi.out_max_batch, gi.out_fault_queue);
}

TEST(widths)
{
	uint32_t io = paging_alloc();
	const uint64_t last_page = gi.out_iova_last & ~0xfffULL;

	EXPECT_TRUE(io != 0);
	EXPECT_TRUE(gi.out_ia_bits >= 32 && gi.out_ia_bits <= 57);
	EXPECT_EQ(gi.out_iova_last, (1ULL << gi.out_ia_bits) - 1);
	EXPECT_TRUE(gi.out_iova_start < gi.out_iova_last);
	EXPECT_EQ(map1(io, last_page, gpa_of(pg[0]), 4096), 0);
	EXPECT_EQ(map1(io, last_page + 4096, gpa_of(pg[1]), 4096), -IOASID_ERANGE);
	memset(pg[0], 0, sizeof(pg[0]));
	EXPECT_EQ(write_at(io, last_page, 0x31), 0);
	EXPECT_TRUE(all(pg[0], 0x31));
	EXPECT_EQ(attach(gpa_io, 0, 0), 0);
	EXPECT_EQ(ioasid_free(io), 0);
}

TEST(page_sizes)
{
	uint32_t io = paging_alloc();

	EXPECT_TRUE(gi.out_pgsize_bitmap & 4096);
	EXPECT_EQ(gi.out_pgsize_bitmap & 4095, 0); /* nothing smaller than a page */
	EXPECT_EQ(map1(io, IOVA, gpa_of(pg[0]), 2048), -IOASID_EINVAL);
	EXPECT_EQ(map1(io, IOVA + 2048, gpa_of(pg[0]), 4096), -IOASID_EINVAL);
	EXPECT_EQ(ioasid_free(io), 0);
}

TEST(formats)
{
	const uint32_t known[2] = { IOASID_FMT_VTD_FL, IOASID_FMT_ARM_S1 };

	EXPECT_EQ((gi.out_caps & IOASID_CAP_NESTED) != 0, gi.out_formats != 0);
	for (unsigned i = 0; i < 2; i++) {
		struct ioasid_alloc al = { .kind = IOASID_KIND_NESTED,
					   .parent = gpa_io,
					   .dev_id = dev,
					   .nested_format = known[i],
					   .nested_root_gpa = gpa_of(root),
					   .nested_levels = 4 };
		long r = ioasid_alloc(&al);

		if (gi.out_formats & (1U << known[i])) {
			EXPECT_EQ(r, 0);
			EXPECT_EQ(ioasid_free(al.out_ioasid), 0);
		} else {
			EXPECT_EQ(r, -IOASID_EOPNOTSUPP);
		}
	}
}

TEST(pasid)
{
	uint32_t io = paging_alloc();
	const uint32_t n = gi.out_pasid_bits;

	EXPECT_EQ((gi.out_caps & IOASID_CAP_PASID) != 0, n != 0);
	if (n == 0) {
		EXPECT_EQ(attach(io, IOASID_ATTACH_PASID, 1), -IOASID_EOPNOTSUPP);
	} else {
		struct ioasid_detach dt = { .flags = IOASID_ATTACH_PASID, .dev_id = dev, .pasid = (1U << n) - 1 };

		EXPECT_EQ(attach(io, IOASID_ATTACH_PASID, (1U << n) - 1), 0);
		EXPECT_EQ(n < 32 ? attach(io, IOASID_ATTACH_PASID, 1U << n) : -IOASID_ERANGE, -IOASID_ERANGE);
		EXPECT_EQ(ioasid_detach(&dt), 0);
	}
	EXPECT_EQ(ioasid_free(io), 0);
}

TEST(batches)
{
	uint32_t io = paging_alloc();
	struct ioasid_map m = { .ioasid = io, .entries_gpa = gpa_of(big) };

	EXPECT_EQ(gi.out_max_batch, IOASID_MAX_BATCH);
	for (unsigned i = 0; i <= IOASID_MAX_BATCH; i++) {
		big[i] = (struct ioasid_map_entry){
			.iova = IOVA + i * 4096ULL, .gpa = gpa_of(pg[i % 5]), .length = 4096, .prot = IOASID_PROT_READ
		};
	}
	m.num_entries = gi.out_max_batch + 1;
	EXPECT_EQ(ioasid_map(&m), -IOASID_E2BIG);
	m.num_entries = gi.out_max_batch;
	EXPECT_EQ(ioasid_map(&m), 0);
	EXPECT_EQ(m.out_done, gi.out_max_batch);
	EXPECT_EQ(ioasid_free(io), 0);
}

TEST(partial_progress)
{
	uint32_t io = paging_alloc();
	struct ioasid_map_entry e[4];
	struct ioasid_map m = { .ioasid = io, .num_entries = 4, .entries_gpa = gpa_of(e) };
	struct ioasid_fault_record rec[8];
	struct ioasid_fault_read fr = { .num_records = 8, .records_gpa = gpa_of(rec) };
	long r;
	bool seen = false;

	/* IOVA + 2 pages is mapped already, to pg[4] */
	EXPECT_EQ(map1(io, IOVA + 0x2000, gpa_of(pg[4]), 4096), 0);
	for (unsigned i = 0; i < 4; i++) {
		e[i] = (struct ioasid_map_entry){ .iova = IOVA + i * 0x1000ULL,
						  .gpa = gpa_of(pg[i]),
						  .length = 4096,
						  .prot = IOASID_PROT_READ | IOASID_PROT_WRITE };
	}
	r = ioasid_map(&m);
	EXPECT_EQ(r, -IOASID_EEXIST);
	EXPECT_EQ(m.out_done, 2);
	for (unsigned i = 0; i < 5; i++) {
		memset(pg[i], SENTINEL, sizeof(pg[i]));
	}
	(void)ioasid_fault_read(&fr);
	EXPECT_EQ(write_at(io, IOVA, 0x41), 0); /* entry 0: mapped */
	EXPECT_EQ(write_at(io, IOVA + 0x1000, 0x42), 0);
	EXPECT_EQ(write_at(io, IOVA + 0x2000, 0x43), 0); /* entry 2: the old mapping, pg[4] */
	EXPECT_EQ(write_at(io, IOVA + 0x3000, 0x44), 0); /* entry 3: never applied */
	EXPECT_TRUE(all(pg[0], 0x41));
	EXPECT_TRUE(all(pg[1], 0x42));
	EXPECT_TRUE(all(pg[2], SENTINEL));
	EXPECT_TRUE(all(pg[4], 0x43));
	EXPECT_TRUE(all(pg[3], SENTINEL));
	fr.num_records = 8;
	EXPECT_EQ(ioasid_fault_read(&fr), 0);
	for (unsigned i = 0; i < fr.out_num_records; i++) {
		seen |= rec[i].dev_id == dev && rec[i].addr == IOVA + 0x3000 &&
			rec[i].reason == IOASID_FAULT_REASON_NOT_PRESENT;
	}
	EXPECT_TRUE(seen);
	EXPECT_EQ(attach(gpa_io, 0, 0), 0);
	EXPECT_EQ(ioasid_free(io), 0);
}

int guest_main(void)
{
	return guest_run_tests();
}
