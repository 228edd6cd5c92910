// SPDX-License-Identifier: MIT
/*
 * Test guest "smp": one guest with several vCPUs (<arch>-guest-smp, `cpus = 1-4`). vCPU 0 starts
 * the others (x86: VCPU_START; arm64: PSCI CPU_ON), then all make hypercalls at once:
 *   - every vCPU k MAPs and UNMAPs pages of its own range of one shared PAGING IOASID and of a
 *     PAGING IOASID of its own, SMP_ITER times, every result checked (0 expected: the ranges
 *     are disjoint, so nothing another vCPU does may change a result), and leaves the last
 *     SMP_SLOTS pages of its range mapped, each to a page it filled with its own pattern;
 *   - vCPU 0 meanwhile drives DMA through the shared IOASID (the edu attached there) into its
 *     own range, verifying every transfer while the others change the same table.
 * After all have finished (an atomic count), vCPU 0 checks the table: DMA through a few pages
 * of every vCPU's range reads that vCPU's pattern; UNMAP of each range reports exactly the
 * SMP_SLOTS pages left; DMA to an unmapped page is blocked. The other vCPUs go off when their
 * work returns; vCPU 0 exits.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#define SMP_MAX	     4U
#define SMP_ITER     300U
#define SMP_SLOTS    16U
#define SMP_DMA	     12U /* DMA round trips vCPU 0 makes while the others churn */
#define XFER	     256U
#define IOVA_BASE    0x40000000ULL
#define IOVA_STRIDE  0x01000000ULL /* each vCPU's range */
#define IOVA_SCRATCH 0x7f000000ULL /* vCPU 0's write-back page */
#define PAGE	     4096U

static uint8_t pages[SMP_MAX][SMP_SLOTS][PAGE] __attribute__((aligned(4096)));
static uint8_t scratch[PAGE] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint32_t dev, gpa_io, shared;
static unsigned nr, started;
static uint32_t done, failures[SMP_MAX], calls[SMP_MAX], ran_on[SMP_MAX];

static uint8_t pattern(unsigned k, unsigned slot, unsigned i)
{
	return (uint8_t)(k * 61 + slot * 17 + i * 3 + 1);
}

static uint64_t iova_of(unsigned k, unsigned slot)
{
	return IOVA_BASE + k * IOVA_STRIDE + (uint64_t)slot * PAGE;
}

static long map1(uint32_t io, uint64_t iova, const void *p, uint32_t prot)
{
	struct ioasid_map_entry e = { .iova = iova, .gpa = gpa_of(p), .length = PAGE, .prot = prot };
	struct ioasid_map mp = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_map(&mp);
}

static long unmap_range(uint32_t io, uint64_t iova, uint64_t len, uint64_t *bytes)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = len };
	struct ioasid_unmap um = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };
	long r = ioasid_unmap(&um);

	if (bytes != NULL) {
		*bytes = um.out_unmapped;
	}
	return r;
}

static long alloc_paging(uint32_t *out)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };
	long r = ioasid_alloc(&al);

	*out = al.out_ioasid;
	return r;
}

/* Count a failed call of vCPU k (the test reports the totals). */
static void check(unsigned k, long got, long want)
{
	calls[k]++;
	if (got != want) {
		if (failures[k]++ == 0) {
			guest_printf("smp: vCPU %u call %u: got %s, expected %s\n", k, calls[k], ioasid_errname(got),
				     ioasid_errname(want));
		}
	}
}

/* DMA round trip through the shared IOASID: page at `iova` -> device -> scratch; compare. */
static bool dma_check(uint64_t iova, const uint8_t *expect)
{
	memset(scratch, 0, XFER);
	if (guest_edu_dma(edu, iova, XFER, false) != 0 || guest_edu_dma(edu, IOVA_SCRATCH, XFER, true) != 0) {
		return false;
	}
	return memcmp(scratch, expect, XFER) == 0;
}

static void churn(unsigned k)
{
	uint32_t own = 0;

	check(k, alloc_paging(&own), 0);
	for (unsigned i = 0; i < SMP_ITER; i++) {
		unsigned slot = i % SMP_SLOTS;
		uint64_t iova = iova_of(k, slot);

		check(k, map1(shared, iova, pages[k][slot], IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
		check(k, map1(own, iova, pages[k][slot], IOASID_PROT_READ), 0);
		check(k, unmap_range(own, iova, PAGE, NULL), 0);
		if (i < SMP_ITER - SMP_SLOTS) {
			check(k, unmap_range(shared, iova, PAGE, NULL), 0); /* the last round stays mapped */
		}
	}
	check(k, ioasid_free(own), 0);
}

static void worker(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;

	ran_on[k] = guest_vcpu_id();
	churn(k);
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	struct ioasid_attach at = { 0 };

	nr = guest_nr_vcpus();
	guest_printf("smp: %u vCPUs; this is vCPU %u\n", nr, guest_vcpu_id());
	EXPECT_EQ(nr, SMP_MAX);
	EXPECT_EQ(guest_vcpu_id(), 0);
	if (bi->nr_devs != 1 || nr != SMP_MAX) {
		nr = 0;
		return;
	}
	dev = bi->devs[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	EXPECT_EQ(alloc_paging(&shared), 0);
	for (unsigned k = 0; k < SMP_MAX; k++) {
		for (unsigned s = 0; s < SMP_SLOTS; s++) {
			for (unsigned i = 0; i < XFER; i++) {
				pages[k][s][i] = pattern(k, s, i);
			}
		}
	}
	EXPECT_EQ(map1(shared, IOVA_SCRATCH, scratch, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	at.dev_id = dev;
	at.ioasid = shared;
	EXPECT_EQ(ioasid_attach(&at), 0);
}

/* Starting: a vCPU that is on cannot be started again; one that does not exist is refused. */
TEST(start_vcpus)
{
	if (nr == 0) {
		EXPECT_TRUE(false);
		return;
	}
	for (unsigned k = 1; k < nr; k++) {
		long r = guest_vcpu_start(k, worker, (void *)(uintptr_t)k);

		EXPECT_EQ(r, 0);
		started += r == 0;
	}
	EXPECT_TRUE(guest_vcpu_start(1, worker, (void *)1) != 0); /* already on (or pending) */
#if defined(__x86_64__)
	{
		struct ioasid_vcpu_start r = {
			.size = sizeof(r), .vcpu = nr, .entry_gpa = gpa_of(worker), .stack_gpa = gpa_of(scratch)
		};

		EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, gpa_of(&r)), -IOASID_ENOENT);
	}
#else
	{
		long aff = guest_psci(0xC4000004U, 1, 0, 0); /* AFFINITY_INFO: ON (0) or ON_PENDING (2) */

		EXPECT_EQ(guest_psci(0xC4000003U, nr, gpa_of(worker), 0), -2); /* INVALID_PARAMETERS */
		EXPECT_TRUE(aff == 0 || aff == 2);
		EXPECT_EQ(guest_psci(0xC4000004U, nr, 0, 0), -2);
	}
#endif
}

/* vCPU 0's share: map its own range, then DMA through it while the others change the table. */
TEST(all_vcpus_at_once)
{
	unsigned bad_dma = 0;

	if (nr == 0) {
		EXPECT_TRUE(false);
		return;
	}
	for (unsigned s = 0; s < SMP_SLOTS; s++) {
		check(0, map1(shared, iova_of(0, s), pages[0][s], IOASID_PROT_READ), 0);
	}
	for (unsigned i = 0; i < SMP_DMA; i++) {
		unsigned s = i % SMP_SLOTS;

		bad_dma += !dma_check(iova_of(0, s), pages[0][s]);
	}
	guest_printf("smp: vCPU 0: %u DMA round trips during the churn, %u wrong\n", SMP_DMA, bad_dma);
	for (unsigned long spin = 0; __atomic_load_n(&done, __ATOMIC_ACQUIRE) != started; spin++) {
		if (spin > 1000000000UL) {
			guest_printf("smp: the other vCPUs did not finish\n");
			break;
		}
		guest_cpu_relax();
	}
	EXPECT_EQ(__atomic_load_n(&done, __ATOMIC_ACQUIRE), nr - 1);
	EXPECT_EQ(bad_dma, 0);
	for (unsigned k = 0; k < nr; k++) {
		guest_printf("smp: vCPU %u (ran as vCPU %u): %u calls, %u failed\n", k,
			     k == 0 ? guest_vcpu_id() : ran_on[k], calls[k], failures[k]);
		EXPECT_EQ(failures[k], 0);
		EXPECT_EQ(ran_on[k], k);
	}
}

/* The shared table after the churn: exactly each vCPU's last SMP_SLOTS pages, each its own. */
TEST(final_tables)
{
	uint64_t bytes = 0;

	if (nr == 0) {
		EXPECT_TRUE(false);
		return;
	}
	for (unsigned k = 1; k < nr; k++) {
		EXPECT_TRUE(dma_check(iova_of(k, 0), pages[k][0]));
		EXPECT_TRUE(dma_check(iova_of(k, SMP_SLOTS - 1), pages[k][SMP_SLOTS - 1]));
	}
	for (unsigned k = 0; k < nr; k++) {
		EXPECT_EQ(unmap_range(shared, iova_of(k, 0), IOVA_STRIDE, &bytes), 0);
		EXPECT_EQ(bytes, (uint64_t)SMP_SLOTS * PAGE);
	}
	/*
	 * Unmapped now: the device reads nothing from there. Load its buffer with something else
	 * first, so that what it last read (pages[1][0]) cannot come back by itself.
	 */
	memset(scratch, 0x5a, XFER);
	EXPECT_EQ(guest_edu_dma(edu, IOVA_SCRATCH, XFER, false), 0);
	EXPECT_TRUE(!dma_check(iova_of(1, 0), pages[1][0]));
	guest_printf("smp: final tables checked\n");
}

int guest_main(void)
{
	return guest_run_tests();
}
