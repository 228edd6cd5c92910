// SPDX-License-Identifier: MIT
/*
 * Test guest "dma": drives QEMU's edu device (assigned to it in the configuration) through the
 * IOASID interface:
 *   - DEVICE_LIST / GET_INFO report the device and the guest's GPA IOASID;
 *   - default attachment: DMA addresses are guest-physical and land in the guest's own RAM;
 *   - PAGING: ALLOC, MAP (a batch of two), ATTACH, DMA with IOVAs, bytes verified;
 *   - UNMAP: DMA to the old IOVA is blocked and reported by FAULT_READ;
 *   - DETACH: DMA to an IOVA that was writable a moment before is blocked (its page keeps a
 *     sentinel the device buffer does not hold) and reported; FREE; re-ATTACH to the GPA
 *     IOASID works again.
 * edu registers (QEMU docs/specs/edu.rst): DMA source 0x80, destination 0x88, count 0x90,
 * command 0x98 (bit 0 start/busy, bit 1 device buffer -> RAM); the device buffer is at 0x40000.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/test.h"

#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_CNT    0x90
#define EDU_DMA_CMD    0x98
#define EDU_CMD_START  0x1ULL
#define EDU_CMD_TO_RAM 0x2ULL
#define EDU_BUF	       0x40000ULL
#define EDU_SPIN_MAX   200000000UL /* bounded wait: the engine takes 100 ms of virtual time */
#define XFER	       256U
#define IOVA_A	       0x10000000ULL
#define IOVA_B	       0x10002000ULL
#define IOVA_C	       0x10001000ULL
#define DEV_BYTE       0x3cU /* what the device buffer holds for the DETACH test */
#define SENTINEL       0xe1U /* what the target page holds; never DEV_BYTE */

static uint8_t buf_a[4096] __attribute__((aligned(4096)));
static uint8_t buf_b[4096] __attribute__((aligned(4096)));
static uint8_t buf_c[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, gpa_io, paging;

static uint64_t rd64(unsigned off)
{
	return *(volatile uint64_t *)(edu + off);
}

static void wr64(unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(edu + off) = v;
}

/* One DMA between RAM address bus (GPA or IOVA) and the device buffer; 0 or -1 (timeout). */
static int edu_dma(uint64_t bus, bool to_ram)
{
	wr64(EDU_DMA_SRC, to_ram ? EDU_BUF : bus);
	wr64(EDU_DMA_DST, to_ram ? bus : EDU_BUF);
	wr64(EDU_DMA_CNT, XFER);
	wr64(EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (unsigned long i = 0; i < EDU_SPIN_MAX; i++) {
		if (!(rd64(EDU_DMA_CMD) & EDU_CMD_START)) {
			return 0;
		}
	}
	guest_printf("edu: DMA did not complete\n");
	return -1;
}

static void fill(uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < XFER; i++) {
		p[i] = (uint8_t)(seed + i * 7);
	}
}

/* Read the fault queue; the number of records whose address is addr (reason in *reason). */
static unsigned faults_at(uint64_t addr, uint32_t *reason)
{
	struct ioasid_fault_record rec[8];
	struct ioasid_fault_read r = { .num_records = 8, .records_gpa = gpa_of(rec) };
	unsigned n = 0;

	EXPECT_EQ(ioasid_fault_read(&r), 0);
	for (unsigned i = 0; i < r.out_num_records && i < 8; i++) {
		guest_printf("  fault: dev 0x%x addr 0x%llx access 0x%x reason %u\n", rec[i].dev_id,
			     (unsigned long long)rec[i].addr, rec[i].access, rec[i].reason);
		if (rec[i].addr == addr && rec[i].dev_id == dev) {
			*reason = rec[i].reason;
			n++;
		}
	}
	return n;
}

TEST(device_list_and_info)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_device_info di[4];
	struct ioasid_device_list dl = { .num_devices = 4, .devices_gpa = gpa_of(di) };
	struct ioasid_get_info gi = { 0 };

	EXPECT_EQ(bi->magic, GUEST_BOOT_MAGIC);
	EXPECT_EQ(bi->nr_devs, 1);
	EXPECT_EQ(ioasid_device_list(&dl), 0);
	EXPECT_EQ(dl.out_num_devices, 1);
	EXPECT_EQ(di[0].dev_id, bi->devs[0].dev_id);
	EXPECT_EQ(di[0].bdf, bi->devs[0].bdf);
	dev = di[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	EXPECT_TRUE(bi->devs[0].bar_size[0] >= 0x1000);
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	EXPECT_EQ(gi.out_abi_version, IOASID_ABI_VERSION);
	EXPECT_TRUE(gi.out_caps & IOASID_CAP_PAGING);
	gpa_io = gi.out_gpa_ioasid;
	EXPECT_TRUE(gpa_io != 0);
	guest_printf("edu: dev_id 0x%x bdf %02x:%02x.%x BAR0 %p; GPA IOASID 0x%x, %u-bit IOVAs\n", dev, di[0].bdf >> 8,
		     (di[0].bdf >> 3) & 0x1f, di[0].bdf & 7, (void *)edu, gpa_io, gi.out_ia_bits);
	/* the edu identification register: 0xRRrr00ed */
	EXPECT_EQ(*(volatile uint32_t *)edu & 0xff, 0xed);
}

TEST(default_gpa_attachment)
{
	fill(buf_a, 0x11);
	memset(buf_b, 0, sizeof(buf_b));
	EXPECT_EQ(edu_dma(gpa_of(buf_a), false), 0);
	EXPECT_EQ(edu_dma(gpa_of(buf_b), true), 0);
	EXPECT_EQ(memcmp(buf_a, buf_b, XFER), 0);
}

TEST(paging_map_attach_dma)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };
	struct ioasid_map_entry e[2] = {
		{ .iova = IOVA_A, .gpa = gpa_of(buf_a), .length = 4096, .prot = IOASID_PROT_READ },
		{ .iova = IOVA_C, .gpa = gpa_of(buf_c), .length = 4096, .prot = IOASID_PROT_READ | IOASID_PROT_WRITE },
	};
	struct ioasid_map mp = { .num_entries = 2, .entries_gpa = gpa_of(e) };
	struct ioasid_attach at = { .dev_id = dev };

	EXPECT_EQ(ioasid_alloc(&al), 0);
	paging = al.out_ioasid;
	mp.ioasid = paging;
	EXPECT_EQ(ioasid_map(&mp), 0);
	EXPECT_EQ(mp.out_done, 2);
	at.ioasid = paging;
	EXPECT_EQ(ioasid_attach(&at), 0);
	fill(buf_a, 0x5a);
	memset(buf_c, 0, sizeof(buf_c));
	EXPECT_EQ(edu_dma(IOVA_A, false), 0);
	EXPECT_EQ(edu_dma(IOVA_C, true), 0);
	if (memcmp(buf_a, buf_c, XFER) == 0) {
		guest_printf("PAGING 0x%x: IOVA 0x%llx -> edu -> IOVA 0x%llx, %u bytes verified\n", paging, IOVA_A,
			     IOVA_C, XFER);
	} else {
		guest_test_fail(__FILE__, __LINE__, "memcmp(buf_a, buf_c, XFER)", 1, 0);
	}
}

TEST(unmap_blocks_and_reports)
{
	struct ioasid_unmap_entry e = { .iova = IOVA_C, .length = 4096 };
	struct ioasid_unmap um = { .ioasid = paging, .num_entries = 1, .entries_gpa = gpa_of(&e) };
	uint32_t reason = 0;

	EXPECT_EQ(ioasid_unmap(&um), 0);
	EXPECT_EQ(um.out_unmapped, 4096);
	memset(buf_c, 0, sizeof(buf_c));
	EXPECT_EQ(edu_dma(IOVA_C, true), 0);
	for (unsigned i = 0; i < XFER; i++) {
		EXPECT_EQ(buf_c[i], 0); /* nothing arrived (the device buffer holds fill(0x5a)) */
	}
	EXPECT_TRUE(faults_at(IOVA_C, &reason) >= 1);
	EXPECT_EQ(reason, IOASID_FAULT_REASON_NOT_PRESENT);
}

/* Bytes of p[0, XFER) that are not the sentinel. */
static unsigned not_sentinel(const uint8_t *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < XFER; i++) {
		n += p[i] != SENTINEL;
	}
	return n;
}

/*
 * DETACH blocks the device. The DMA tried after the DETACH is one that did land a
 * moment before: IOVA_B is mapped read-write and a device write to it is seen to arrive while
 * attached. The device buffer holds DEV_BYTE everywhere and the page SENTINEL everywhere, so
 * a single byte written after the DETACH would show.
 */
TEST(detach_blocks_and_reports)
{
	struct ioasid_map_entry e = {
		.iova = IOVA_B, .gpa = gpa_of(buf_b), .length = 4096, .prot = IOASID_PROT_READ | IOASID_PROT_WRITE
	};
	struct ioasid_map mp = { .ioasid = paging, .num_entries = 1, .entries_gpa = gpa_of(&e) };
	struct ioasid_detach de = { .dev_id = dev };
	uint32_t reason = 0;

	EXPECT_EQ(ioasid_map(&mp), 0);
	memset(buf_a, DEV_BYTE, XFER);
	EXPECT_EQ(edu_dma(IOVA_A, false), 0); /* device buffer := DEV_BYTE */
	memset(buf_b, SENTINEL, sizeof(buf_b));
	EXPECT_EQ(edu_dma(IOVA_B, true), 0); /* attached: the write lands */
	EXPECT_EQ(memcmp(buf_a, buf_b, XFER), 0);
	EXPECT_EQ(not_sentinel(buf_b), XFER);

	EXPECT_EQ(ioasid_detach(&de), 0);
	EXPECT_EQ(ioasid_free(paging), 0); /* no longer attached: FREE works */
	memset(buf_b, SENTINEL, sizeof(buf_b));
	EXPECT_EQ(edu_dma(IOVA_B, true), 0);
	EXPECT_EQ(not_sentinel(buf_b), 0); /* detached: nothing arrived */
	EXPECT_TRUE(faults_at(IOVA_B, &reason) >= 1);
	EXPECT_EQ(reason, IOASID_FAULT_REASON_BLOCKED);
}

TEST(reattach_gpa)
{
	struct ioasid_attach at = { .dev_id = dev, .ioasid = gpa_io };

	EXPECT_EQ(ioasid_attach(&at), 0);
	fill(buf_a, 0x77);
	memset(buf_b, 0, sizeof(buf_b));
	EXPECT_EQ(edu_dma(gpa_of(buf_a), false), 0);
	EXPECT_EQ(edu_dma(gpa_of(buf_b), true), 0);
	EXPECT_EQ(memcmp(buf_a, buf_b, XFER), 0);
}

int guest_main(void)
{
	return guest_run_tests();
}
