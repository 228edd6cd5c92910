// SPDX-License-Identifier: MIT
/*
 * Test guest "nested_hostile" (issue 18, `<arch>-guest-nested-hostile`): a stage-1 table of the
 * guest's own that is wrong on purpose, under a NESTED IOASID its edu is attached to. Each case
 * edits the table, INVALIDATEs, makes the device DMA through it, then repairs the table:
 *   - loop: tables that point at themselves (2^36 possible leaves from one page);
 *   - table_outside_ram: a table pointer beyond the guest's RAM;
 *   - leaf_outside_ram: a leaf whose output is beyond the guest's RAM;
 *   - leaf_at_mmio: a leaf whose output is the device's own BAR;
 *   - reserved_bits: a leaf with reserved bits / a reserved descriptor type;
 *   - fan_out: 512 x 512 x 512 leaves from three aliased pages, beyond the shadow's walk budget;
 *   - race: vCPU 1 rewrites the leaf (good, other, outside RAM) while vCPU 0 INVALIDATEs it
 *     again and again.
 * Every call gets a code docs/ABI.md lists (ioasid_result_documented), every blocked DMA leaves
 * the guest's sentinel pages untouched and is reported, and after each repair DMA works again.
 * The case runs a second guest (dma, its own edu) on CPU 0 at the same time: it must pass.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/s1.h"
#include "guest/test.h"

#define XFER	    256U
#define IOVA	    0x40000000ULL
#define IOVA_STAGE  (IOVA + (4ULL << 20))
#define SENTINEL    0xe1U
#define OUTSIDE	    0xf0000000ULL /* far beyond the guest's 16 MiB */
#define RACE_ROUNDS 300

static uint8_t pool[64 * 4096] __attribute__((aligned(4096)));
static uint8_t pg[3][4096] __attribute__((aligned(4096)));
static uint8_t stage[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static uint64_t bar;
static uint32_t dev, gpa_io, nested;
static bool hw;
static struct guest_s1 s1;
static volatile uint32_t race_state; /* 1: vCPU 1 flipping, 2: asked to stop, 3: stopped */
static volatile uint64_t race_flips;

static int device_holds(uint8_t b)
{
	memset(stage, b, sizeof(stage));
	return guest_edu_dma(edu, IOVA_STAGE, XFER, false);
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

static unsigned faults_at(uint64_t iova)
{
	struct ioasid_fault_record rec[16];
	struct ioasid_fault_read fr = { .num_records = 16, .records_gpa = gpa_of(rec) };
	unsigned n = 0;

	if (ioasid_fault_read(&fr) != 0) {
		return 0;
	}
	for (unsigned i = 0; i < fr.out_num_records; i++) {
		n += rec[i].dev_id == dev && (rec[i].addr & ~0xfffULL) == iova;
	}
	return n;
}

/* The good state: IOVA -> pg[0] read/write. Returns INVALIDATE's result. */
static long repair(void)
{
	volatile uint64_t *leaf = guest_s1_leaf(&s1, IOVA);

	if (leaf == NULL) {
		return -1;
	}
	*leaf = guest_s1_page(&s1, gpa_of(pg[0]), IOASID_PROT_READ | IOASID_PROT_WRITE);
	return guest_s1_invalidate_all(nested);
}

/* A DMA write to IOVA after the repair lands in pg[0]. */
static bool works_again(void)
{
	memset(pg[0], 0, sizeof(pg[0]));
	return repair() == 0 && device_holds(0x5a) == 0 && guest_edu_dma(edu, IOVA, XFER, true) == 0 &&
	       all(pg[0], 0x5a);
}

/* Write through iova with the table as it is now: nothing of the guest's changes, it is reported. */
static bool write_blocked_at(uint64_t iova)
{
	memset(pg[0], SENTINEL, sizeof(pg[0]));
	memset(pg[1], SENTINEL, sizeof(pg[1]));
	(void)faults_at(0);
	if (device_holds(0x77) != 0 || guest_edu_dma(edu, iova, XFER, true) != 0) {
		return false;
	}
	return all(pg[0], SENTINEL) && all(pg[1], SENTINEL) && faults_at(iova) >= 1;
}

static bool write_blocked(void)
{
	return write_blocked_at(IOVA);
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_get_info gi = { 0 };
	uint32_t fmt = GUEST_S1_NATIVE_FMT;
	struct ioasid_alloc al = { .kind = IOASID_KIND_NESTED, .nested_format = fmt, .nested_levels = GUEST_S1_LEVELS };
	struct ioasid_attach at = { 0 };

	EXPECT_EQ(bi->nr_devs, 1);
	EXPECT_TRUE(guest_nr_vcpus() >= 2);
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	bar = bi->devs[0].bar_gpa[0];
	dev = bi->devs[0].dev_id;
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	hw = (gi.out_caps & IOASID_CAP_NESTED_HW) != 0;
	guest_printf("nested_hostile: %s\n", hw ? "hardware nesting" : "shadowed");
	EXPECT_EQ(guest_s1_init(&s1, fmt, pool, sizeof(pool)), 0);
	EXPECT_EQ(guest_s1_map(&s1, IOVA, gpa_of(pg[0]), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	EXPECT_EQ(guest_s1_map(&s1, IOVA_STAGE, gpa_of(stage), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	al.parent = gpa_io;
	al.dev_id = dev;
	al.nested_root_gpa = guest_s1_root_gpa(&s1);
	EXPECT_EQ(ioasid_alloc(&al), 0);
	nested = al.out_ioasid;
	at.dev_id = dev;
	at.ioasid = nested;
	EXPECT_EQ(ioasid_attach(&at), 0);
	EXPECT_TRUE(works_again());
}

TEST(loop)
{
	static uint64_t saved[512];
	volatile uint64_t *root = s1.root;
	uint64_t self = (root[0] & 0xfffULL) | gpa_of(s1.root);
	long r;

	/* every root entry points at the root: each level walks the root again, 2^36 leaves */
	for (unsigned i = 0; i < 512; i++) {
		saved[i] = root[i];
		root[i] = self;
	}
	r = guest_s1_invalidate_all(nested);
	EXPECT_TRUE(ioasid_result_documented(r));
	if (!hw) {
		/* bounded by the walk budget (or the quota of the shadow it fills), not hours of walking */
		EXPECT_TRUE(r == -IOASID_E2BIG || r == -IOASID_EDQUOT);
	}
	/* whatever the loop maps is inside the guest's own RAM (its root page) */
	EXPECT_EQ(guest_edu_dma(edu, IOVA, XFER, true), 0);
	for (unsigned i = 0; i < 512; i++) {
		root[i] = saved[i];
	}
	EXPECT_TRUE(works_again());
}

TEST(table_outside_ram)
{
	volatile uint64_t *l2e = guest_s1_l2_entry(&s1, IOVA);
	uint64_t saved = *l2e;

	*l2e = (saved & 0xfffULL) | OUTSIDE;
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 2ULL << 20), 0);
	EXPECT_TRUE(write_blocked());
	*l2e = saved;
	EXPECT_TRUE(works_again());
}

TEST(leaf_outside_ram)
{
	*guest_s1_leaf(&s1, IOVA) = guest_s1_page(&s1, OUTSIDE, IOASID_PROT_READ | IOASID_PROT_WRITE);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 4096), 0);
	EXPECT_TRUE(write_blocked());
	EXPECT_TRUE(works_again());
}

TEST(leaf_at_mmio)
{
	/* the device's own BAR, past its registers (edu decodes 1 MiB, uses the first 256 bytes) */
	*guest_s1_leaf(&s1, IOVA) = guest_s1_page(&s1, bar + 0x8000, IOASID_PROT_READ | IOASID_PROT_WRITE);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 4096), 0);
	memset(pg[0], SENTINEL, sizeof(pg[0]));
	(void)faults_at(0);
	EXPECT_EQ(device_holds(0x22), 0);
	EXPECT_EQ(guest_edu_dma(edu, IOVA, XFER, true), 0);
	EXPECT_TRUE(all(pg[0], SENTINEL));
	if (!hw) {
		EXPECT_TRUE(faults_at(IOVA) >= 1); /* a shadow maps RAM outputs only */
	}
	EXPECT_EQ(*(volatile uint32_t *)edu & 0xff, 0xed); /* the device is still itself */
	EXPECT_TRUE(works_again());
}

TEST(reserved_bits)
{
#ifdef __aarch64__
	/* descriptor type 0b01 at level 3 is reserved (Arm ARM D8.3.1); read as a page it is pg[0] */
	*guest_s1_leaf(&s1, IOVA) =
		(guest_s1_page(&s1, gpa_of(pg[0]), IOASID_PROT_READ | IOASID_PROT_WRITE) & ~0x3ULL) | 0x1ULL;
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 4096), 0);
	EXPECT_TRUE(write_blocked());
#else
	/*
	 * A 2 MiB leaf with bit 13 set: bits 20:13 of a PDE that maps a page are reserved (SDM 4.5,
	 * table 4-17). Read as a leaf it would map IOVA's 2 MiB onto the 2 MiB around pg[0].
	 */
	volatile uint64_t *l2e = guest_s1_l2_entry(&s1, IOVA);
	const uint64_t saved = *l2e, off = gpa_of(pg[0]) & 0x1fffffULL;

	*l2e = (gpa_of(pg[0]) - off) | 0x7ULL /* P, R/W, U/S */ | (1ULL << 7) /* PS */ | (1ULL << 13);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 2ULL << 20), 0);
	EXPECT_TRUE(write_blocked_at(IOVA + off));
	*l2e = saved;
#endif
	EXPECT_TRUE(works_again());
}

TEST(fan_out)
{
	volatile uint64_t *root = s1.root;
	uint64_t e0 = 0, e1 = 0, e2 = 0;
	uint64_t *t0 = guest_s1_new_table(&s1, &e0), *t1 = guest_s1_new_table(&s1, &e1);
	uint64_t *t2 = guest_s1_new_table(&s1, &e2);
	const uint64_t region = 1ULL << 39; /* root entry 1: [512 GiB, 1 TiB) */
	long r;

	EXPECT_TRUE(t0 != NULL && t1 != NULL && t2 != NULL);
	if (t0 == NULL || t1 == NULL || t2 == NULL) {
		return;
	}
	for (unsigned i = 0; i < 512; i++) {
		t0[i] = guest_s1_page(&s1, gpa_of(pg[2]), IOASID_PROT_READ);
		t1[i] = e0;
		t2[i] = e1;
	}
	root[1] = e2; /* 2^27 translations, every one to pg[2] */
	r = guest_s1_invalidate_all(nested);
	EXPECT_TRUE(ioasid_result_documented(r));
	if (!hw) {
		EXPECT_TRUE(r == -IOASID_E2BIG || r == -IOASID_EDQUOT);
	}
	/* a small range of it is fine */
	EXPECT_EQ(guest_s1_invalidate(nested, region, 2ULL << 20), 0);
	root[1] = 0;
	EXPECT_TRUE(works_again());
}

static void flipper(void *arg)
{
	volatile uint64_t *leaf = arg;
	const uint64_t v[3] = {
		guest_s1_page(&s1, gpa_of(pg[0]), IOASID_PROT_READ | IOASID_PROT_WRITE),
		guest_s1_page(&s1, gpa_of(pg[1]), IOASID_PROT_READ | IOASID_PROT_WRITE),
		guest_s1_page(&s1, OUTSIDE, IOASID_PROT_READ | IOASID_PROT_WRITE),
	};

	race_state = 1;
	for (uint64_t i = 0; __atomic_load_n(&race_state, __ATOMIC_ACQUIRE) == 1; i++) {
		*leaf = v[i % 3];
		race_flips++;
	}
	race_state = 3;
}

TEST(race)
{
	volatile uint64_t *leaf = guest_s1_leaf(&s1, IOVA);
	unsigned bad = 0;

	EXPECT_EQ(guest_vcpu_start(1, flipper, (void *)(uintptr_t)leaf), 0);
	for (unsigned long spin = 0; race_state != 1 && spin < 100000000UL; spin++) {
		guest_cpu_relax();
	}
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		long r = i % 8 == 7 ? guest_s1_invalidate_all(nested) : guest_s1_invalidate(nested, IOVA, 4096);

		bad += r != 0;
	}
	__atomic_store_n(&race_state, 2, __ATOMIC_RELEASE);
	for (unsigned long spin = 0; race_state != 3 && spin < 100000000UL; spin++) {
		guest_cpu_relax();
	}
	EXPECT_EQ(race_state, 3);
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(race_flips > RACE_ROUNDS);
	guest_printf("race: %u INVALIDATEs while vCPU 1 rewrote the leaf %llu times\n", RACE_ROUNDS,
		     (unsigned long long)race_flips);
	/* the last word is the guest's: after the final INVALIDATE DMA follows the final leaf */
	memset(pg[1], 0, sizeof(pg[1]));
	memset(pg[0], SENTINEL, sizeof(pg[0]));
	*leaf = guest_s1_page(&s1, gpa_of(pg[1]), IOASID_PROT_READ | IOASID_PROT_WRITE);
	EXPECT_EQ(guest_s1_invalidate(nested, IOVA, 4096), 0);
	EXPECT_EQ(device_holds(0x66), 0);
	EXPECT_EQ(guest_edu_dma(edu, IOVA, XFER, true), 0);
	EXPECT_TRUE(all(pg[1], 0x66));
	EXPECT_TRUE(all(pg[0], SENTINEL));
	EXPECT_TRUE(works_again());
}

TEST(free)
{
	struct ioasid_attach at = { .dev_id = dev, .ioasid = gpa_io };

	EXPECT_EQ(ioasid_attach(&at), 0);
	EXPECT_EQ(ioasid_free(nested), 0);
}

int guest_main(void)
{
	return guest_run_tests();
}
