// SPDX-License-Identifier: MIT
/*
 * Test guest "dma_unassigned": the target of DMA by a device that nobody was given.
 *
 * The machine has a second edu device that the configuration assigns to no guest. No guest
 * can program it (its BAR is in no guest's physical space: a guest access would stop that
 * guest with a nested page fault), so the QEMU harness plays the rogue device: when this guest
 * says it is ready, tests/qemu/run.py (case *-guest-dma-unassigned) drives the unassigned edu
 * through QEMU's qtest socket, turns its bus mastering on and makes it write 4 KiB of its (zero)
 * buffer to this guest's target page, once at the page's guest-physical address (where it
 * would land if the device had been put in this guest's DMA space) and once at the page's
 * host-physical address, found by walking the nested table (where it would land if unassigned
 * devices bypassed the IOMMU). Then the harness writes HARNESS_DONE into the flag page, also
 * by host-physical address.
 *
 * This guest checks that the target page still holds its sentinel everywhere, that the faults
 * of a device that is not its own never reach its fault queue, and that DEVICE_LIST and the
 * boot information show only the assigned edu. The case checks that the hypervisor reported
 * the blocked DMA ("fault from unassigned rid").
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/test.h"

#define SENTINEL     0xe1U
#define HARNESS_DONE 0x656e6f64656e6f64ULL /* "donedone" */
/*
 * Bounded wait: one FAULT_READ (a VM exit) per round, 2,500-4,000 rounds/s under TCG on the
 * build machine, so about a minute, within the runner's 180 s; the harness needs ~1-2 s.
 */
#define WAIT_ROUNDS 200000UL

static uint8_t target[4096] __attribute__((aligned(4096)));
static volatile uint64_t flag[512] __attribute__((aligned(4096)));

/* Records in this guest's fault queue; all must be its own device's, and there are none. */
static unsigned fault_records(void)
{
	struct ioasid_fault_record rec[4];
	struct ioasid_fault_read r = { .num_records = 4, .records_gpa = gpa_of(rec) };

	EXPECT_EQ(ioasid_fault_read(&r), 0);
	for (unsigned i = 0; i < r.out_num_records && i < 4; i++) {
		guest_printf("  unexpected fault: dev 0x%x addr 0x%llx reason %u\n", rec[i].dev_id,
			     (unsigned long long)rec[i].addr, rec[i].reason);
	}
	return r.out_num_records;
}

TEST(only_the_assigned_device)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_device_info di[4];
	struct ioasid_device_list dl = { .num_devices = 4, .devices_gpa = gpa_of(di) };

	EXPECT_EQ(bi->magic, GUEST_BOOT_MAGIC);
	EXPECT_EQ(bi->nr_devs, 1);
	EXPECT_EQ(ioasid_device_list(&dl), 0);
	EXPECT_EQ(dl.out_num_devices, 1);
	EXPECT_EQ(di[0].bdf, 0x08); /* 00:01.0; the unassigned edu is 00:06.0 */
	EXPECT_EQ(bi->devs[0].bdf, 0x08);
}

TEST(unassigned_dma_is_blocked)
{
	unsigned long round;
	unsigned changed = 0, faults = 0;

	memset(target, SENTINEL, sizeof(target));
	flag[0] = 0;
	guest_printf("ready: target GPA 0x%llx, flag GPA 0x%llx\n", (unsigned long long)gpa_of(target),
		     (unsigned long long)gpa_of((const void *)flag));
	/* Each FAULT_READ is also an exit in which the hypervisor drains the IOMMU's fault records. */
	for (round = 0; round < WAIT_ROUNDS && flag[0] != HARNESS_DONE; round++) {
		faults += fault_records();
	}
	EXPECT_EQ(flag[0], HARNESS_DONE);
	faults += fault_records();
	for (unsigned i = 0; i < sizeof(target); i++) {
		changed += target[i] != SENTINEL;
	}
	if (flag[0] == HARNESS_DONE) {
		guest_printf("harness done after %lu rounds: %u of 4096 target bytes changed, %u faults in our queue\n",
			     round, changed, faults);
	} else {
		guest_printf("no word from the harness after %lu rounds\n", round);
	}
	EXPECT_EQ(changed, 0);
	EXPECT_EQ(faults, 0);
}

int guest_main(void)
{
	return guest_run_tests();
}
