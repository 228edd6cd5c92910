// SPDX-License-Identifier: MIT
/*
 * Test guest "bench" (issue 15, `make bench-guest`, `<arch>-bench-guest`): what a hypercall
 * costs seen from the guest, all-in (the exit, the dispatcher, the engine, the IOMMU's
 * invalidation and its wait, the return), in instructions: the case runs QEMU with
 * `-icount shift=0`, so the counter the guest reads (x86 TSC, arm64 CNTVCT_EL0 at 1 GHz)
 * advances one tick per instruction executed, by the guest and the hypervisor alike.
 *
 * Each operation runs ROUNDS times on a PAGING IOASID the edu is attached to (so an UNMAP must
 * invalidate a live domain); the cost printed is the smallest, minus the cost of reading the
 * counter twice. Before each operation the edu makes one DMA to an unmapped IOVA: the fault is
 * a marker in QEMU's trace (tests/qemu/bench_guest.py counts the invalidation commands between
 * two markers and divides by ROUNDS).
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#define ROUNDS	    8
#define IOVA	    0x40000000ULL
#define IOVA_MARKER 0x7f000000ULL /* never mapped: a DMA there faults, once per operation */
#define BATCH	    128
/*
 * Mapped for the whole run, in the same last-level table as every measured IOVA: that table
 * and the ones above it stay, so a MAP after an UNMAP measures the call, not the re-creation of
 * three table pages the UNMAP freed when it emptied them (as a DMA-API driver with other live
 * mappings would see it).
 */
#define IOVA_ANCHOR (IOVA + 0x1ff000ULL)

static uint8_t pages[BATCH][4096] __attribute__((aligned(4096)));
static struct ioasid_map_entry map_e[BATCH];
static struct ioasid_unmap_entry unmap_e[BATCH];
static volatile uint8_t *edu;
static uint32_t dev, io;
static uint64_t overhead;
static unsigned markers;
static inline uint64_t counter(void)
{
#ifdef __aarch64__
	uint64_t v;

	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
#else
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
#endif
}

/*
 * The edu takes 100 ms of virtual time (here: 10^8 instructions) for a DMA: poll its command
 * register only every 10,000 pause loops, since each MMIO read is an exit to QEMU's device
 * model that costs real time under TCG. 4 bytes: one access, one fault.
 */
static void marker(void)
{
	volatile uint64_t *cmd = (volatile uint64_t *)(edu + EDU_REG_DMA_CMD);

	*(volatile uint64_t *)(edu + EDU_REG_DMA_SRC) = EDU_DEV_BUF;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_DST) = IOVA_MARKER;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CNT) = 4;
	*cmd = EDU_CMD_START | EDU_CMD_TO_RAM;
	for (unsigned polls = 0; polls < 100000 && (*cmd & EDU_CMD_START); polls++) {
		for (unsigned i = 0; i < 10000; i++) {
			guest_cpu_relax();
		}
	}
	markers++;
}

static long map_n(unsigned n, uint64_t len)
{
	struct ioasid_map m = { .ioasid = io, .num_entries = n, .entries_gpa = gpa_of(map_e) };

	for (unsigned i = 0; i < n; i++) {
		/* every other page: n disjoint ranges, the worst case for invalidation */
		map_e[i] = (struct ioasid_map_entry){ .iova = IOVA + i * 0x2000ULL,
						      .gpa = n == 1 ? gpa_of(pages[0]) : gpa_of(pages[i]),
						      .length = len,
						      .prot = IOASID_PROT_READ | IOASID_PROT_WRITE };
	}
	return ioasid_map(&m);
}

static long unmap_n(unsigned n, uint64_t len)
{
	struct ioasid_unmap u = { .ioasid = io, .num_entries = n, .entries_gpa = gpa_of(unmap_e) };

	for (unsigned i = 0; i < n; i++) {
		unmap_e[i] = (struct ioasid_unmap_entry){ .iova = IOVA + i * 0x2000ULL, .length = len };
	}
	return ioasid_unmap(&u);
}

/* The smallest cost of fn over ROUNDS, each preceded by setup (not counted); mark: a marker first. */
static uint64_t measure(const char *name, long (*fn)(void), long (*setup)(void), bool mark)
{
	uint64_t best = ~0ULL;
	long bad = 0;

	if (mark) {
		marker();
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0, t1;
		long ret;

		if (setup != NULL) {
			(void)setup(); /* puts the state back: the first one may find it there already */
		}
		t0 = counter();
		ret = fn();
		t1 = counter();
		bad += ret != 0;
		if (t1 - t0 < best) {
			best = t1 - t0;
		}
	}
	best = best > overhead ? best - overhead : 0;
	guest_printf("bench: %s %llu instructions (%u rounds, %ld failed)\n", name, (unsigned long long)best, ROUNDS,
		     bad);
	return bad == 0 ? best : 0;
}

static long op_null(void)
{
	return hv_call(31, 0) == -IOASID_ENOSYS ? 0 : -1; /* an unassigned call: the shortest path */
}

static long op_map_4k(void)
{
	return map_n(1, 4096);
}

static long op_unmap_4k(void)
{
	return unmap_n(1, 4096);
}

static long op_map_1m(void)
{
	return map_n(1, 256 * 4096ULL);
}

static long op_unmap_1m(void)
{
	return unmap_n(1, 256 * 4096ULL);
}

static long op_map_batch(void)
{
	return map_n(BATCH, 4096);
}

static long op_unmap_batch(void)
{
	return unmap_n(BATCH, 4096);
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING };
	struct ioasid_attach at = { 0 };
	uint64_t best = ~0ULL;

	EXPECT_EQ(bi->nr_devs, 1);
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	dev = bi->devs[0].dev_id;
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	al.parent = gi.out_gpa_ioasid;
	al.dev_id = dev;
	EXPECT_EQ(ioasid_alloc(&al), 0);
	io = al.out_ioasid;
	at.dev_id = dev;
	at.ioasid = io;
	EXPECT_EQ(ioasid_attach(&at), 0);
	{
		struct ioasid_map_entry e = {
			.iova = IOVA_ANCHOR, .gpa = gpa_of(pages[0]), .length = 4096, .prot = IOASID_PROT_READ
		};
		struct ioasid_map m = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

		EXPECT_EQ(ioasid_map(&m), 0);
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0 = counter(), t1 = counter();

		best = t1 - t0 < best ? t1 - t0 : best;
	}
	overhead = best;
	guest_printf("bench: counter read costs %llu\n", (unsigned long long)overhead);
}

TEST(costs)
{
	/*
	 * MAPs first, unmarked (their rounds include UNMAPs as setup, so QEMU's trace cannot tell
	 * their commands apart: a MAP sends none here), then null and the UNMAPs, each after a
	 * marker: four DMAs of 10^8 instructions each instead of eight.
	 */
	EXPECT_TRUE(measure("map_4k", op_map_4k, op_unmap_4k, false) != 0);
	EXPECT_TRUE(measure("map_256x4k", op_map_1m, op_unmap_1m, false) != 0);
	EXPECT_TRUE(measure("map_batch128", op_map_batch, op_unmap_batch, false) != 0);
	(void)op_unmap_batch(); /* nothing mapped before the marked part */
	EXPECT_TRUE(measure("null", op_null, NULL, true) != 0);
	EXPECT_TRUE(measure("unmap_4k", op_unmap_4k, op_map_4k, true) != 0);
	EXPECT_TRUE(measure("unmap_256x4k", op_unmap_1m, op_map_1m, true) != 0);
	EXPECT_TRUE(measure("unmap_batch128", op_unmap_batch, op_map_batch, true) != 0);
	marker();
	guest_printf("bench: %u markers\n", markers);
}

int guest_main(void)
{
	return guest_run_tests();
}
