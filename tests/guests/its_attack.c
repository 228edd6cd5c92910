// SPDX-License-Identifier: MIT
/*
 * Test guest "its_attack" (arm64): a guest that owns the edu device aims its DMA at the GICv3
 * ITS doorbell, GITS_TRANSLATER (QEMU virt: ITS frame at 0x08080000, translation register
 * frame + 0x10040). A 32-bit write there is an MSI with the writer's DeviceID: it must never
 * reach the ITS on a guest's behalf. The doorbell is not guest memory, so the SMMU's stage 2
 * (the guest's GPA IOASID) has no translation for it:
 *   1. through the default GPA attachment, a write of EventID 0 and one of a forged EventID are
 *      blocked and reported to this guest (SMMU events carry the StreamID) as NOT_PRESENT at
 *      the doorbell's address;
 *   2. through a PAGING IOASID that maps IOVA 0x08090000 to a page of guest RAM, the same write
 *      lands in that RAM page: an IOVA is only an address, and the doorbell is reachable only
 *      through a mapping the hypervisor makes (none yet).
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#define GITS_TRANSLATER 0x08090040ULL
#define DOORBELL_PAGE	0x08090000ULL

static uint32_t msg[1024] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, gpa_io;

static int device_writes(uint64_t addr, uint32_t data)
{
	return guest_edu_write32(edu, msg, gpa_of(msg), addr, data);
}

/* Records of our device at the doorbell's page, with their reason. */
static unsigned doorbell_faults(uint32_t *reason)
{
	struct ioasid_fault_record rec[16];
	struct ioasid_fault_read r = { .num_records = 16, .records_gpa = gpa_of(rec) };
	unsigned n = 0;

	EXPECT_EQ(ioasid_fault_read(&r), 0);
	for (unsigned i = 0; i < r.out_num_records && i < 16; i++) {
		guest_printf("  fault: dev 0x%x addr 0x%llx access 0x%x reason %u\n", rec[i].dev_id,
			     (unsigned long long)rec[i].addr, rec[i].access, rec[i].reason);
		if (rec[i].dev_id == dev && (rec[i].addr & ~0xfffULL) == DOORBELL_PAGE) {
			*reason = rec[i].reason;
			n++;
		}
	}
	return n;
}

TEST(find_device)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	uint32_t reason;

	EXPECT_EQ(bi->nr_devs, 1);
	dev = bi->devs[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	EXPECT_EQ(*(volatile uint32_t *)edu & 0xff, 0xed);
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	(void)doorbell_faults(&reason);
}

TEST(doorbell_blocked_via_gpa_attachment)
{
	uint32_t reason = 0;

	EXPECT_EQ(device_writes(GITS_TRANSLATER, 0), 0);
	EXPECT_TRUE(doorbell_faults(&reason) >= 1);
	EXPECT_EQ(reason, IOASID_FAULT_REASON_NOT_PRESENT);
	EXPECT_EQ(device_writes(GITS_TRANSLATER, 0x7fff), 0); /* a forged EventID */
	reason = 0;
	EXPECT_TRUE(doorbell_faults(&reason) >= 1);
	EXPECT_EQ(reason, IOASID_FAULT_REASON_NOT_PRESENT);
	guest_printf("writes to GITS_TRANSLATER (EventID 0 and 0x7fff): blocked and reported\n");
}

TEST(doorbell_iova_is_just_memory_in_a_paging_ioasid)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };
	struct ioasid_map_entry e[2] = {
		{ .iova = DOORBELL_PAGE, .gpa = gpa_of(page), .length = 4096, .prot = IOASID_PROT_READ | IOASID_PROT_WRITE },
		{ .iova = gpa_of(msg), .gpa = gpa_of(msg), .length = 4096, .prot = IOASID_PROT_READ },
	};
	struct ioasid_map mp = { .num_entries = 2, .entries_gpa = gpa_of(e) };
	struct ioasid_attach at = { .dev_id = dev };
	struct ioasid_attach back = { .dev_id = dev, .ioasid = 0 };
	uint32_t reason = 0;
	uint32_t got;

	memset(page, 0, sizeof(page));
	EXPECT_EQ(ioasid_alloc(&al), 0);
	mp.ioasid = al.out_ioasid;
	EXPECT_EQ(ioasid_map(&mp), 0);
	at.ioasid = al.out_ioasid;
	EXPECT_EQ(ioasid_attach(&at), 0);
	EXPECT_EQ(device_writes(GITS_TRANSLATER, 0x1234), 0);
	memcpy(&got, page + (GITS_TRANSLATER & 0xfff), sizeof(got));
	EXPECT_EQ(got, 0x1234);
	EXPECT_EQ(doorbell_faults(&reason), 0);
	guest_printf("PAGING IOASID mapping IOVA 0x%llx: the write landed in guest RAM (0x%x), not in the ITS\n",
		     (unsigned long long)DOORBELL_PAGE, got);
	back.ioasid = gpa_io;
	EXPECT_EQ(ioasid_attach(&back), 0);
	EXPECT_EQ(ioasid_free(al.out_ioasid), 0);
}

int guest_main(void)
{
	int ret = guest_run_tests();

	guest_printf("still alive\n");
	return ret;
}
