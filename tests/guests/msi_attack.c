// SPDX-License-Identifier: MIT
/*
 * Test guest "msi_attack": a guest that owns the edu device and aims its DMA at the x86
 * interrupt window (0xFEE0_0000-0xFEEF_FFFF), where a memory write is an interrupt message.
 * Interrupt remapping (drivers/iommu/vtd/vtd_ir.c) must keep every such message from reaching
 * a CPU on the guest's behalf, and the hypervisor must stay up (docs/VTD.md "Interrupt
 * remapping"). The device does the writes; the guest only sets them up:
 *   1. remappable-format messages naming forged handles (0: never handed out, 5: not present,
 *      0x7fff: beyond the table) through the default GPA attachment: each is blocked and
 *      recorded; on hardware the record comes back to this guest with
 *      IOASID_FAULT_REASON_INTERRUPT and the handle as addr (see forged_handle for QEMU);
 *   2. the same through a PAGING IOASID that maps IOVA 0xFEE00000 to a page of guest RAM: the
 *      write is still an interrupt request, blocked and recorded, and the RAM page behind the
 *      mapping stays untouched (the window is not memory for a device);
 *   3. compatibility-format NMI (data 0x400) and fixed-vector (0x40) messages: blocked on
 *      hardware with CFIS=0 (fault 0x25); QEMU 10 passes that format through anyway, so there
 *      the host takes an NMI and a stray interrupt, counts them and goes on. The guest prints
 *      how many fault records it got; the test runner checks the hypervisor's counters.
 *   4. an NMI message queued in the device just before the guest exits never fires (teardown
 *      quiesces the device first).
 * INIT and SMI in compatibility format are not sent: on QEMU they would reset the CPU into the
 * firmware or enter SMM, a gap of the emulator (on hardware CFIS=0 blocks them like NMI).
 * The edu engine copies from its own buffer (bus address 0x40000) to the target, 4 bytes: the
 * message data first goes from guest RAM into the device buffer.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#define MSI_WINDOW	0xfee00000ULL
#define MSI_REMAP	(1ULL << 4) /* interrupt format: remappable (VT-d 5.1.2.2) */
#define MSI_HANDLE(h)	((((uint64_t)(h)&0x7fff) << 5) | (((uint64_t)(h) >> 15) << 2))
#define MSI_DM_NMI	0x400U /* delivery mode 100b (SDM 10.11.2) */
#define MSI_DM_FIXED(v) (0x000U | (v))

static uint32_t msg[1024] __attribute__((aligned(4096)));
static uint8_t window_page[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, gpa_io, paging;

/* Have the device write the 32-bit data to bus address addr (an interrupt message there). */
static int device_writes(uint64_t addr, uint32_t data)
{
	return guest_edu_write32(edu, msg, gpa_of(msg), addr, data);
}

/* Drain the fault queue: records of our device with reason INTERRUPT; the last one's addr. */
static unsigned interrupt_faults(uint64_t *last_index)
{
	struct ioasid_fault_record rec[16];
	struct ioasid_fault_read r = { .num_records = 16, .records_gpa = gpa_of(rec) };
	unsigned n = 0;

	EXPECT_EQ(ioasid_fault_read(&r), 0);
	for (unsigned i = 0; i < r.out_num_records && i < 16; i++) {
		guest_printf("  fault: dev 0x%x index/addr 0x%llx access 0x%x reason %u\n", rec[i].dev_id,
			     (unsigned long long)rec[i].addr, rec[i].access, rec[i].reason);
		if (rec[i].dev_id == dev && rec[i].reason == IOASID_FAULT_REASON_INTERRUPT &&
		    rec[i].access == IOASID_FAULT_ACCESS_WRITE) {
			*last_index = rec[i].addr;
			n++;
		}
	}
	return n;
}

/*
 * One forged remappable message naming handle h; returns the INTERRUPT records that came back
 * to this guest naming h. On hardware that is 1: the record carries the device's source-id.
 * QEMU 10 tags interrupt requests made by DMA (not by the MSI capability) with source-id
 * 0xffff, so there the hypervisor logs the blocked request but cannot tell whose it was, and
 * this guest gets 0 (docs/VTD.md "Interrupt remapping"); the test runner checks the log.
 */
static unsigned forged_handle(uint64_t base, uint16_t h)
{
	uint64_t idx = ~0ULL;
	unsigned n;

	EXPECT_EQ(device_writes(base | MSI_REMAP | MSI_HANDLE(h), 0), 0);
	n = interrupt_faults(&idx);
	EXPECT_TRUE(n <= 1);
	if (n == 1) {
		EXPECT_EQ(idx, h);
	}
	return n;
}

TEST(find_device)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	uint64_t idx;

	EXPECT_EQ(bi->nr_devs, 1);
	dev = bi->devs[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	EXPECT_EQ(*(volatile uint32_t *)edu & 0xff, 0xed);
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	(void)interrupt_faults(&idx); /* start from an empty queue */
}

TEST(forged_handles_via_gpa_attachment)
{
	unsigned n = forged_handle(MSI_WINDOW, 0) + forged_handle(MSI_WINDOW, 5) + forged_handle(MSI_WINDOW, 0x7fff);

	guest_printf("remappable messages with forged handles 0, 5, 0x7fff sent; %u of 3 fault records reached this "
		     "guest\n",
		     n);
}

TEST(forged_handle_via_paging_mapping_of_the_window)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };
	/* The window over a RAM page, and the message buffer at its own address (edu reads it). */
	struct ioasid_map_entry e[2] = {
		{ .iova = MSI_WINDOW,
		  .gpa = gpa_of(window_page),
		  .length = 4096,
		  .prot = IOASID_PROT_READ | IOASID_PROT_WRITE },
		{ .iova = gpa_of(msg), .gpa = gpa_of(msg), .length = 4096, .prot = IOASID_PROT_READ },
	};
	struct ioasid_map mp = { .num_entries = 2, .entries_gpa = gpa_of(e) };
	struct ioasid_attach at = { .dev_id = dev };
	struct ioasid_attach back = { .dev_id = dev };
	unsigned untouched = 0;
	uint64_t idx;

	memset(window_page, 0xa5, sizeof(window_page));
	EXPECT_EQ(ioasid_alloc(&al), 0);
	paging = al.out_ioasid;
	mp.ioasid = paging;
	/* Mapping the window is allowed: it is just an IOVA range the device can never use. */
	EXPECT_EQ(ioasid_map(&mp), 0);
	EXPECT_EQ(mp.out_done, 2);
	at.ioasid = paging;
	EXPECT_EQ(ioasid_attach(&at), 0);
	(void)forged_handle(MSI_WINDOW, 7);
	EXPECT_EQ(device_writes(MSI_WINDOW, MSI_DM_FIXED(0x41)), 0); /* compat, see the top */
	EXPECT_TRUE(interrupt_faults(&idx) <= 1);
	for (unsigned i = 0; i < sizeof(window_page); i++) {
		untouched += window_page[i] == 0xa5;
	}
	EXPECT_EQ(untouched, sizeof(window_page));
	guest_printf("PAGING IOASID mapping IOVA 0xfee00000: messages still blocked, RAM behind it untouched\n");
	back.ioasid = gpa_io;
	EXPECT_EQ(ioasid_attach(&back), 0);
	EXPECT_EQ(ioasid_free(paging), 0);
}

TEST(compatibility_format_nmi_and_fixed)
{
	uint64_t idx = 0;
	unsigned n;

	EXPECT_EQ(device_writes(MSI_WINDOW, MSI_DM_NMI), 0);
	EXPECT_EQ(device_writes(MSI_WINDOW, MSI_DM_FIXED(0x40)), 0);
	n = interrupt_faults(&idx);
	guest_printf("compatibility-format NMI and vector 0x40 sent: %u fault record(s) (hardware: 2; QEMU 10: 0, "
		     "it passes that format)\n",
		     n);
	EXPECT_TRUE(n <= 2);
}

/*
 * The last shot: an NMI message queued in the engine (edu fires it 100 ms of virtual time after
 * the command) and the guest exits at once. Teardown turns bus mastering off before the
 * device is detached (drivers/pci/pci_quiesce.c), so the message is never sent: the test
 * runner checks the hypervisor took exactly the one NMI of compatibility_format_nmi_and_fixed.
 */
static void nmi_after_exit(void)
{
	msg[0] = MSI_DM_NMI;
	if (guest_edu_dma(edu, gpa_of(msg), 4, false) != 0) {
		return;
	}
	*(volatile uint64_t *)(edu + EDU_REG_DMA_SRC) = EDU_DEV_BUF;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_DST) = MSI_WINDOW;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CNT) = 4;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CMD) = EDU_CMD_START | EDU_CMD_TO_RAM;
	guest_printf("NMI message queued in the device; exiting before it fires\n");
}

int guest_main(void)
{
	int ret = guest_run_tests();

	guest_printf("still alive\n");
	nmi_after_exit();
	return ret;
}
