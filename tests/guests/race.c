// SPDX-License-Identifier: MIT
/*
 * Test guest "race" (<arch>-guest-race): a hostile guest on two vCPUs racing the calls that
 * change the same objects, while a second guest runs its DMA rounds on its own CPU:
 *   vCPU 1: DETACH the device, FREE the current PAGING IOASID, ALLOC a new one (publishing its
 *           id), ATTACH the device to the current IOASID, UNMAP a range of it, in turn;
 *   vCPU 0: MAP pages into whatever IOASID is current (often one being freed), ATTACH the device
 *           to it, FREE it, INVALIDATE and GET_INFO on it.
 * RACE_CALLS calls per vCPU. Every result must be one of the documented codes (docs/ABI.md);
 * the hypervisor must not crash or stall. Afterwards vCPU 0 shows the guest's objects are still
 * consistent: the device can be attached to a fresh IOASID, a page mapped and DMA goes through
 * it and lands right.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#define RACE_CALLS 6000U
#define IOVA_BASE  0x30000000ULL
#define XFER	   256U

static uint8_t pages[16][4096] __attribute__((aligned(4096)));
static uint8_t dst[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, gpa_io, current_io;
static uint32_t done1, undocumented[2], calls[2], ok[2];
/* Every IOASID vCPU 1 allocated: the race leaks some (a FREE refused while attached). */
static uint32_t allocated[RACE_CALLS / 5 + 1];
static unsigned nr_allocated;
static long first_bad[2];

static void note(unsigned k, long r)
{
	calls[k]++;
	ok[k] += r == 0;
	if (!ioasid_result_documented(r) && undocumented[k]++ == 0) {
		first_bad[k] = r;
	}
}

static uint64_t rng_state[2] = { 0x9e3779b97f4a7c15ULL, 0xd1b54a32d192ed03ULL };
static uint64_t rnd(unsigned k)
{
	rng_state[k] ^= rng_state[k] >> 12;
	rng_state[k] ^= rng_state[k] << 25;
	rng_state[k] ^= rng_state[k] >> 27;
	return rng_state[k] * 0x2545f4914f6cdd1dULL;
}

static long alloc_paging(uint32_t *out)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };
	long r = ioasid_alloc(&al);

	*out = r == 0 ? al.out_ioasid : 0;
	return r;
}

static long map1(uint32_t io, uint64_t iova, const void *p)
{
	struct ioasid_map_entry e = {
		.iova = iova, .gpa = gpa_of(p), .length = 4096, .prot = IOASID_PROT_READ | IOASID_PROT_WRITE
	};
	struct ioasid_map mp = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_map(&mp);
}

static long unmap_range(uint32_t io, uint64_t iova, uint64_t len)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = len };
	struct ioasid_unmap um = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_unmap(&um);
}

static long attach(uint32_t io)
{
	struct ioasid_attach at = { .dev_id = dev, .ioasid = io };

	return ioasid_attach(&at);
}

static long detach(void)
{
	struct ioasid_detach d = { .dev_id = dev };

	return ioasid_detach(&d);
}

/* vCPU 1: the object churn. */
static void churner(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < RACE_CALLS; i++) {
		uint32_t io = __atomic_load_n(&current_io, __ATOMIC_ACQUIRE);
		uint32_t fresh = 0;

		switch (i % 5) {
		case 0:
			note(1, detach());
			break;
		case 1:
			note(1, ioasid_free(io)); /* -EBUSY if vCPU 0 attached it again meanwhile */
			break;
		case 2:
			note(1, alloc_paging(&fresh));
			if (fresh != 0) {
				allocated[nr_allocated++] = fresh;
				__atomic_store_n(&current_io, fresh, __ATOMIC_RELEASE);
			}
			break;
		case 3:
			note(1, attach(io));
			break;
		default:
			note(1, unmap_range(io, IOVA_BASE, 16 * 4096));
			break;
		}
	}
	__atomic_store_n(&done1, 1, __ATOMIC_RELEASE);
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };

	EXPECT_EQ(guest_nr_vcpus(), 2);
	EXPECT_EQ(bi->nr_devs, 1);
	dev = bi->devs[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	EXPECT_EQ(alloc_paging(&current_io), 0);
}

TEST(race)
{
	EXPECT_EQ(guest_vcpu_start(1, churner, NULL), 0);
	for (unsigned i = 0; i < RACE_CALLS; i++) {
		uint32_t io = __atomic_load_n(&current_io, __ATOMIC_ACQUIRE);
		unsigned slot = (unsigned)(rnd(0) % 16);

		switch (i % 6) {
		case 0:
		case 1:
		case 2:
			note(0, map1(io, IOVA_BASE + slot * 4096ULL, pages[slot]));
			break;
		case 3:
			note(0, attach(io));
			break;
		case 4:
			if (rnd(0) % 4 == 0) {
				note(0, ioasid_free(io));
			} else {
				struct ioasid_get_info gi = { .dev_id = dev };

				note(0, ioasid_get_info(&gi));
			}
			break;
		default: {
			struct ioasid_inv_entry e = { .type = IOASID_INV_RANGE,
						      .addr = IOVA_BASE,
						      .length = 16 * 4096 };
			struct ioasid_invalidate inv = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

			note(0, ioasid_invalidate(&inv));
			break;
		}
		}
	}
	for (unsigned long spin = 0; !__atomic_load_n(&done1, __ATOMIC_ACQUIRE); spin++) {
		if (spin > 4000000000UL) {
			break;
		}
		guest_cpu_relax();
	}
	EXPECT_EQ(__atomic_load_n(&done1, __ATOMIC_ACQUIRE), 1);
	for (unsigned k = 0; k < 2; k++) {
		guest_printf("race: vCPU %u: %u calls, %u succeeded, %u undocumented results (first %ld)\n", k,
			     calls[k], ok[k], undocumented[k], first_bad[k]);
		EXPECT_EQ(undocumented[k], 0);
		EXPECT_EQ(calls[k], RACE_CALLS);
		EXPECT_TRUE(ok[k] > 0);
	}
}

/*
 * After the race: with the device detached, every IOASID ever allocated frees (0) or is already
 * gone (-ENOENT); then a fresh IOASID, one page, and the device's DMA lands exactly there.
 */
TEST(still_consistent)
{
	uint32_t io = 0;
	unsigned freed = 0;

	detach(); /* whatever the race left: attached somewhere or not */
	EXPECT_TRUE(ioasid_free(current_io) == 0 || ioasid_free(current_io) == -IOASID_ENOENT);
	for (unsigned i = 0; i < nr_allocated; i++) {
		long r = ioasid_free(allocated[i]);

		EXPECT_TRUE(r == 0 || r == -IOASID_ENOENT);
		freed += r == 0;
	}
	guest_printf("race: %u IOASIDs allocated during the race, %u still live afterwards (freed now)\n", nr_allocated,
		     freed);
	EXPECT_EQ(alloc_paging(&io), 0);
	for (unsigned i = 0; i < XFER; i++) {
		pages[0][i] = (uint8_t)(i * 5 + 3);
	}
	memset(dst, 0, sizeof(dst));
	EXPECT_EQ(map1(io, IOVA_BASE, pages[0]), 0);
	EXPECT_EQ(map1(io, IOVA_BASE + 0x100000, dst), 0);
	EXPECT_EQ(attach(io), 0);
	EXPECT_EQ(guest_edu_dma(edu, IOVA_BASE, XFER, false), 0);
	EXPECT_EQ(guest_edu_dma(edu, IOVA_BASE + 0x100000, XFER, true), 0);
	EXPECT_EQ(memcmp(dst, pages[0], XFER), 0);
	guest_printf("race: after %u calls the device still DMAs through a fresh IOASID\n", calls[0] + calls[1]);
}

int guest_main(void)
{
	return guest_run_tests();
}
