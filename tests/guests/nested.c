// SPDX-License-Identifier: MIT
/*
 * Test guest "nested" (issue 18, `<arch>-guest-nested*`): a stage-1 table of the guest's own
 * (guest/s1.h) under a NESTED IOASID over its GPA IOASID, its edu attached to it, every edit
 * proven by DMA once the matching INVALIDATE has returned:
 *   - DMA in both directions through the guest's table;
 *   - a leaf removed (range INVALIDATE): the write is blocked, reported NOT_PRESENT, the page
 *     keeps its sentinel;
 *   - a permission taken away (read-only): the write is blocked and reported, the read works;
 *   - a page remapped elsewhere: DMA follows, the old page is untouched;
 *   - a whole subtree replaced (a new level-0 table under the 2 MiB entry): DMA follows it;
 *   - a leaf changed and "all" invalidated: DMA follows, nothing stale;
 *   - the device back on the GPA IOASID, the NESTED IOASID freed.
 * GET_INFO chooses the format; hardware nesting (SMMUv3 on virt) and shadowing (SMMUv3 on
 * virt-9.1, VT-d) must behave the same from here.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/s1.h"
#include "guest/test.h"

#define XFER	   256U
#define IOVA	   0x40000000ULL /* 1 GiB: far from the guest's RAM, nothing maps it by default */
#define SENTINEL   0xe1U
#define IOVA_STAGE (IOVA + (4ULL << 20)) /* the staging page, outside the 2 MiB that gets replaced */

static uint8_t pool[32 * 4096] __attribute__((aligned(4096)));
static uint8_t pg[6][4096] __attribute__((aligned(4096)));
static uint8_t stage[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, gpa_io, nested;
static bool hw;
static uint64_t stage_bus; /* the staging page's bus address on the current attachment */
static struct guest_s1 s1;

/* Device buffer <- RAM at bus address bus (XFER bytes). */
static int dma_in(uint64_t bus)
{
	return guest_edu_dma(edu, bus, XFER, false);
}

/* RAM at bus address bus <- device buffer. */
static int dma_out(uint64_t bus)
{
	return guest_edu_dma(edu, bus, XFER, true);
}

/* Put pattern b in the device buffer, from the staging page. */
static int device_holds(uint8_t b)
{
	memset(stage, b, sizeof(stage));
	return guest_edu_dma(edu, stage_bus, XFER, false) == 0 ? 0 : -1;
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

/* Drain the fault queue; how many records were at iova's page with this access. */
static unsigned faults_at(uint64_t iova, uint32_t access, uint32_t *reason)
{
	struct ioasid_fault_record rec[16];
	struct ioasid_fault_read fr = { .num_records = 16, .records_gpa = gpa_of(rec) };
	unsigned n = 0;

	if (ioasid_fault_read(&fr) != 0) {
		return 0;
	}
	for (unsigned i = 0; i < fr.out_num_records; i++) {
		if (rec[i].dev_id == dev && (rec[i].addr & ~0xfffULL) == iova && (rec[i].access & access)) {
			n++;
			if (reason != NULL) {
				*reason = rec[i].reason;
			}
		}
	}
	return n;
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	uint32_t want = GUEST_S1_NATIVE_FMT;

	EXPECT_EQ(bi->nr_devs, 1);
	if (bi->nr_devs != 1) {
		return;
	}
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	dev = bi->devs[0].dev_id;
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	stage_bus = gpa_of(stage);
	EXPECT_TRUE(gi.out_caps & IOASID_CAP_NESTED);
	EXPECT_TRUE(gi.out_formats & (1U << want));
	hw = (gi.out_caps & IOASID_CAP_NESTED_HW) != 0;
	guest_printf("nested: format %s, %s\n", want == IOASID_FMT_VTD_FL ? "VT-d first-level" : "Arm stage 1",
		     hw ? "hardware nesting" : "shadowed");
	EXPECT_EQ(guest_s1_init(&s1, want, pool, sizeof(pool)), 0);
}

TEST(build_alloc_attach)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_NESTED,
				   .parent = gpa_io,
				   .dev_id = dev,
				   .nested_format = s1.fmt,
				   .nested_root_gpa = guest_s1_root_gpa(&s1),
				   .nested_levels = GUEST_S1_LEVELS };
	struct ioasid_attach at = { .dev_id = dev };

	EXPECT_EQ(guest_s1_map(&s1, IOVA, gpa_of(pg[0]), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	EXPECT_EQ(guest_s1_map(&s1, IOVA + 0x1000, gpa_of(pg[1]), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	EXPECT_EQ(guest_s1_map(&s1, IOVA + 0x2000, gpa_of(pg[2]), 4096, IOASID_PROT_READ), 0);
	EXPECT_EQ(guest_s1_map(&s1, IOVA_STAGE, gpa_of(stage), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	EXPECT_EQ(ioasid_alloc(&al), 0);
	nested = al.out_ioasid;
	EXPECT_TRUE(nested != 0);
	EXPECT_EQ(guest_s1_invalidate_all(nested), 0); /* the rule: invalidate after every change */
	at.ioasid = nested;
	EXPECT_EQ(ioasid_attach(&at), 0);
	stage_bus = IOVA_STAGE;
	(void)faults_at(0, 0, NULL); /* start with an empty fault queue */
}

TEST(dma_through_own_table)
{
	memset(pg[0], 0x11, sizeof(pg[0]));
	memset(pg[1], 0, sizeof(pg[1]));
	EXPECT_EQ(dma_in(IOVA), 0);
	EXPECT_EQ(dma_out(IOVA + 0x1000), 0);
	EXPECT_TRUE(all(pg[1], 0x11));
	EXPECT_EQ(faults_at(IOVA, IOASID_FAULT_ACCESS_READ | IOASID_FAULT_ACCESS_WRITE, NULL), 0);
}

TEST(remove_leaf)
{
	uint32_t reason = 0;

	EXPECT_EQ(guest_s1_unmap(&s1, IOVA + 0x1000, 4096), 0);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA + 0x1000, 4096), 0);
	memset(pg[1], SENTINEL, sizeof(pg[1]));
	EXPECT_EQ(device_holds(0x22), 0);
	EXPECT_EQ(dma_out(IOVA + 0x1000), 0);
	EXPECT_TRUE(all(pg[1], SENTINEL));
	EXPECT_TRUE(faults_at(IOVA + 0x1000, IOASID_FAULT_ACCESS_WRITE, &reason) >= 1);
	EXPECT_EQ(reason, IOASID_FAULT_REASON_NOT_PRESENT);
}

TEST(take_write_away)
{
	uint32_t reason = 0;

	*guest_s1_leaf(&s1, IOVA) = guest_s1_page(&s1, gpa_of(pg[0]), IOASID_PROT_READ);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 4096), 0);
	memset(pg[0], 0x33, sizeof(pg[0]));
	EXPECT_EQ(device_holds(0x44), 0);
	EXPECT_EQ(dma_out(IOVA), 0); /* a write through a read-only leaf */
	EXPECT_TRUE(all(pg[0], 0x33));
	EXPECT_TRUE(faults_at(IOVA, IOASID_FAULT_ACCESS_WRITE, &reason) >= 1);
	EXPECT_TRUE(reason == IOASID_FAULT_REASON_PERMISSION || reason == IOASID_FAULT_REASON_NOT_PRESENT);
	/* reading still works: the device now holds pg[0]'s bytes */
	EXPECT_EQ(dma_in(IOVA), 0);
	memset(stage, 0, sizeof(stage));
	EXPECT_EQ(guest_edu_dma(edu, stage_bus, XFER, true), 0);
	EXPECT_TRUE(all(stage, 0x33));
}

TEST(remap_page)
{
	memset(pg[2], SENTINEL, sizeof(pg[2]));
	memset(pg[3], 0, sizeof(pg[3]));
	EXPECT_EQ(guest_s1_map(&s1, IOVA + 0x2000, gpa_of(pg[3]), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA + 0x2000, 4096), 0);
	EXPECT_EQ(device_holds(0x55), 0);
	EXPECT_EQ(dma_out(IOVA + 0x2000), 0);
	EXPECT_TRUE(all(pg[3], 0x55));
	EXPECT_TRUE(all(pg[2], SENTINEL));
}

TEST(replace_subtree)
{
	volatile uint64_t *l2e = guest_s1_l2_entry(&s1, IOVA);
	uint64_t entry = 0;
	uint64_t *t = guest_s1_new_table(&s1, &entry);

	EXPECT_TRUE(l2e != NULL && t != NULL);
	if (l2e == NULL || t == NULL) {
		return;
	}
	t[0] = guest_s1_page(&s1, gpa_of(pg[4]), IOASID_PROT_READ | IOASID_PROT_WRITE);
	t[2] = guest_s1_page(&s1, gpa_of(pg[5]), IOASID_PROT_READ | IOASID_PROT_WRITE);
	*l2e = entry; /* IOVA .. IOVA + 2 MiB now walk the new table */
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 2ULL << 20), 0);
	memset(pg[0], SENTINEL, sizeof(pg[0]));
	memset(pg[3], SENTINEL, sizeof(pg[3]));
	memset(pg[4], 0, sizeof(pg[4]));
	memset(pg[5], 0, sizeof(pg[5]));
	EXPECT_EQ(device_holds(0x66), 0);
	EXPECT_EQ(dma_out(IOVA), 0);
	EXPECT_EQ(dma_out(IOVA + 0x2000), 0);
	EXPECT_TRUE(all(pg[4], 0x66));
	EXPECT_TRUE(all(pg[5], 0x66));
	EXPECT_TRUE(all(pg[0], SENTINEL));
	EXPECT_TRUE(all(pg[3], SENTINEL));
	/* IOVA + 0x1000 is a hole in the new table */
	(void)faults_at(0, 0, NULL);
	EXPECT_EQ(dma_out(IOVA + 0x1000), 0);
	EXPECT_TRUE(faults_at(IOVA + 0x1000, IOASID_FAULT_ACCESS_WRITE, NULL) >= 1);
}

TEST(invalidate_all)
{
	*guest_s1_leaf(&s1, IOVA) = guest_s1_page(&s1, gpa_of(pg[0]), IOASID_PROT_READ | IOASID_PROT_WRITE);
	EXPECT_EQ(guest_s1_invalidate_all(nested), 0);
	memset(pg[0], 0, sizeof(pg[0]));
	memset(pg[4], SENTINEL, sizeof(pg[4]));
	EXPECT_EQ(device_holds(0x77), 0);
	EXPECT_EQ(dma_out(IOVA), 0);
	EXPECT_TRUE(all(pg[0], 0x77));
	EXPECT_TRUE(all(pg[4], SENTINEL));
	EXPECT_EQ(faults_at(IOVA, IOASID_FAULT_ACCESS_READ | IOASID_FAULT_ACCESS_WRITE, NULL), 0);
}

TEST(back_to_gpa_and_free)
{
	struct ioasid_attach at = { .dev_id = dev, .ioasid = gpa_io };

	EXPECT_EQ(ioasid_attach(&at), 0);
	stage_bus = gpa_of(stage);
	EXPECT_EQ(ioasid_free(nested), 0);
	memset(pg[1], 0, sizeof(pg[1]));
	EXPECT_EQ(device_holds(0x88), 0);
	EXPECT_EQ(dma_out(gpa_of(pg[1])), 0);
	EXPECT_TRUE(all(pg[1], 0x88));
}

int guest_main(void)
{
	return guest_run_tests();
}
