// SPDX-License-Identifier: MIT
/*
 * Test guest "partition": one partition of <arch>-guest-partitions (tests/qemu/run.py). Two
 * guests run this image at the same time on disjoint CPUs, each with its own edu. Each does
 * PARTITION_ROUNDS rounds of: MAP a page at a fresh IOVA of its own PAGING IOASID (the device
 * attached there), one edu DMA through it, verify, UNMAP, and checks after the last UNMAP that
 * the IOVA no longer reaches memory (the DMA faults). Even rounds write a pattern that depends
 * on the round and on the guest's device into the device buffer; odd rounds read it back into a
 * zeroed page and compare: a DMA that went through the other guest's mapping, or a stale
 * translation, shows up as a mismatch. Progress lines every PARTITION_REPORT rounds let the
 * runner prove from the log order that the two guests' runs overlapped.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#ifndef PARTITION_ROUNDS
#define PARTITION_ROUNDS 1000U
#endif
#define PARTITION_REPORT 100U
#define XFER		 256U
#define IOVA_BASE	 0x20000000ULL
#define IOVA_SLOTS	 64U

static uint8_t src[4096] __attribute__((aligned(4096)));
static uint8_t dst[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, paging;

/* EXPECT, and leave the test at the first failure (later steps depend on it). */
#define REQUIRE(cond)                                                                                                  \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			EXPECT_TRUE(cond);                                                                             \
			return;                                                                                        \
		}                                                                                                      \
	} while (0)

static uint8_t pattern(unsigned round, unsigned i)
{
	return (uint8_t)(round * 13 + i * 7 + dev * 29);
}

static long map1(uint64_t iova, const void *p, uint32_t prot)
{
	struct ioasid_map_entry e = { .iova = iova, .gpa = gpa_of(p), .length = 4096, .prot = prot };
	struct ioasid_map mp = { .ioasid = paging, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_map(&mp);
}

static long unmap1(uint64_t iova)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = 4096 };
	struct ioasid_unmap um = { .ioasid = paging, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_unmap(&um);
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING };
	struct ioasid_attach at = { 0 };

	REQUIRE(bi->magic == GUEST_BOOT_MAGIC && bi->nr_devs == 1 && bi->devs[0].bar_size[0] >= 0x1000);
	dev = bi->devs[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	REQUIRE((*(volatile uint32_t *)edu & 0xff) == 0xed);
	gi.dev_id = dev;
	REQUIRE((ioasid_get_info(&gi)) == 0);
	al.parent = gi.out_gpa_ioasid;
	al.dev_id = dev;
	REQUIRE((ioasid_alloc(&al)) == 0);
	paging = al.out_ioasid;
	at.dev_id = dev;
	at.ioasid = paging;
	REQUIRE((ioasid_attach(&at)) == 0);
	guest_printf("partition: dev 0x%x on PAGING IOASID 0x%x; %u rounds start\n", dev, paging, PARTITION_ROUNDS);
}

TEST(rounds)
{
	unsigned bad = 0;

	REQUIRE(paging != 0);
	for (unsigned round = 0; round < PARTITION_ROUNDS && bad == 0; round++) {
		uint64_t iova = IOVA_BASE + (uint64_t)(round % IOVA_SLOTS) * 4096;
		bool to_ram = round & 1;

		if (!to_ram) {
			for (unsigned i = 0; i < XFER; i++) {
				src[i] = pattern(round, i);
			}
		} else {
			memset(dst, 0, XFER);
		}
		EXPECT_EQ(map1(iova, to_ram ? dst : src, to_ram ? IOASID_PROT_WRITE : IOASID_PROT_READ), 0);
		EXPECT_EQ(guest_edu_dma(edu, iova, XFER, to_ram), 0);
		if (to_ram) {
			for (unsigned i = 0; i < XFER; i++) {
				bad += dst[i] != pattern(round - 1, i);
			}
		}
		EXPECT_EQ(unmap1(iova), 0);
		if ((round + 1) % PARTITION_REPORT == 0) {
			guest_printf("partition: round %u done\n", round + 1);
		}
	}
	EXPECT_EQ(bad, 0);
}

/* After the last UNMAP the IOVA reaches nothing: the DMA is blocked and reported, dst untouched. */
TEST(unmapped_iova_blocked)
{
	struct ioasid_fault_record rec[4];
	struct ioasid_fault_read fr = { .num_records = 4, .records_gpa = gpa_of(rec) };
	uint64_t iova = IOVA_BASE + (uint64_t)((PARTITION_ROUNDS - 1) % IOVA_SLOTS) * 4096;
	unsigned hits = 0;

	REQUIRE(paging != 0);
	memset(dst, 0xa5, XFER);
	EXPECT_EQ(guest_edu_dma(edu, iova, XFER, true), 0);
	EXPECT_EQ(dst[0], 0xa5);
	EXPECT_EQ(ioasid_fault_read(&fr), 0);
	for (unsigned i = 0; i < fr.out_num_records && i < 4; i++) {
		hits += rec[i].dev_id == dev && rec[i].addr == iova;
	}
	/*
	 * Reported, or reported lost: the other partition's device may fault on the same unit at the
	 * same moment and fill its fault-recording registers (QEMU's VT-d has one); the hypervisor
	 * then counts the loss for every guest on the unit (out_lost), never hides it.
	 */
	if (hits == 0 && fr.out_lost != 0) {
		guest_printf("partition: the fault record was lost (%llu), reported as lost\n", (unsigned long long)fr.out_lost);
	}
	EXPECT_TRUE(hits >= 1 || fr.out_lost != 0);
	guest_printf("partition: all rounds done\n");
}

int guest_main(void)
{
	return guest_run_tests();
}
