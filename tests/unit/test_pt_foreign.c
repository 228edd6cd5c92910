/* SPDX-License-Identifier: MIT */
/*
 * pt_walk_foreign(): agrees with pt_lookup() on tables the engine built, and rejects malformed
 * hand-built guest tables in a buffer that stands for guest memory.
 */
#include "tests/unit/test.h"

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "ioasid/pt.h"

#define ALL_SIZES (SZ_4K | SZ_2M | SZ_1G)
#define RW	  (PT_PROT_READ | PT_PROT_WRITE)

struct host_reader {
	unsigned reads;
};

/* Our own tables: table addresses are host addresses. */
static int host_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	struct host_reader *r = ctx;

	r->reads++;
	if (index >= 512) {
		return -EINVAL;
	}
	*entry = ((const uint64_t *)(uintptr_t)table_addr)[index];
	return 0;
}

TEST(pt_foreign_matches_lookup)
{
	static const struct {
		enum pt_format fmt;
		unsigned ia_bits;
	} cases[] = {
		{ PT_FMT_VTD_SL, 39 }, { PT_FMT_VTD_SL, 48 }, { PT_FMT_VTD_FL, 47 }, { PT_FMT_ARM_S1, 39 },
		{ PT_FMT_ARM_S1, 48 }, { PT_FMT_ARM_S2, 48 }, { PT_FMT_AMD_V1, 39 }, { PT_FMT_AMD_V1, 48 },
	};

	for (unsigned c = 0; c < ARRAY_SIZE(cases); c++) {
		struct pt_table t;
		struct pt_gather g;
		uint64_t un;

		ASSERT_EQ(pt_init(&t, cases[c].fmt, cases[c].ia_bits, ALL_SIZES, true, NULL), 0);
		ASSERT_EQ(pt_map(&t, 0x1ff000, hpa(0x5ff000), 0x402000, RW), 0);
		ASSERT_EQ(pt_map(&t, SZ_1G, hpa(4 * SZ_1G), SZ_1G, PT_PROT_READ), 0);
		ASSERT_EQ(pt_map(&t, 3 * SZ_1G + 0x5000, hpa(0x77000), 0x3000, PT_PROT_WRITE), 0);
		pt_gather_init(&g);
		ASSERT_EQ(pt_unmap(&t, SZ_1G + SZ_2M, 0x1000, &g, &un), 0); /* a split */
		pt_gather_release(&t, &g);

		static const uint64_t probes[] = {
			0,
			0x1ff000,
			0x1ffabc,
			0x200000,
			0x3fffff,
			0x5ff008,
			0x600000,
			0x601000,
			SZ_1G,
			SZ_1G + SZ_2M,
			SZ_1G + SZ_2M + 0x1000,
			SZ_1G + 0x12345678,
			2 * SZ_1G - 1,
			3 * SZ_1G + 0x5000,
			3 * SZ_1G + 0x7fff,
			3 * SZ_1G + 0x8000,
			(1ULL << 39) - 1,
		};
		for (unsigned i = 0; i < ARRAY_SIZE(probes); i++) {
			struct host_reader r = { 0 };
			uint64_t foa = 0, fsz = 0, lsz = 0;
			unsigned fprot = 0, lprot = 0;
			hpa_t loa = hpa(0);
			int lret = pt_lookup(&t, probes[i], &loa, &lprot, &lsz);
			int fret = pt_walk_foreign(t.fmt, t.levels, hpa_val(t.root), probes[i], host_read, &r, &foa,
						   &fprot, &fsz);

			EXPECT_EQ(fret, lret);
			EXPECT_TRUE(r.reads >= 1 && r.reads <= t.levels);
			if (lret == 0 && fret == 0) {
				EXPECT_EQ(foa, hpa_val(loa));
				EXPECT_EQ(fprot, lprot);
				EXPECT_EQ(fsz, lsz);
			}
		}
		pt_destroy(&t);
	}
}

/*
 * One width per format and depth, and every part of the engine honours exactly that width: the
 * last page below 2^bits maps, looks up, walks (foreign walker) and unmaps; 2^bits is -ERANGE
 * for each; the whole space [0, 2^bits) unmaps in one call. The expected widths are written from
 * the specs, not read from the engine: VT-d SL AGAW 39/48 (sec. 3.7), VT-d FL 4-level paging
 * with canonical inputs, lower half: 47 (sec. 3.6), Arm 4 KiB granule 39/48 (D8.2).
 */
TEST(pt_width_is_what_the_engine_accepts)
{
	static const struct {
		enum pt_format fmt;
		unsigned bits[5]; /* by levels; 0: no such depth */
	} want[] = {
		{ PT_FMT_VTD_SL, { [3] = 39, [4] = 48 } }, { PT_FMT_VTD_FL, { [3] = 0, [4] = 47 } },
		{ PT_FMT_ARM_S1, { [3] = 39, [4] = 48 } }, { PT_FMT_ARM_S2, { [3] = 39, [4] = 48 } },
		{ PT_FMT_AMD_V1, { [3] = 39, [4] = 48 } },
	};

	for (unsigned f = 0; f < ARRAY_SIZE(want); f++) {
		for (unsigned levels = 2; levels <= 5; levels++) {
			unsigned bits = levels <= 4 ? want[f].bits[levels] : 0;
			uint64_t top, foa = 0, un = 0;
			struct host_reader r = { 0 };
			struct pt_gather g;
			struct pt_table t;
			hpa_t loa;

			EXPECT_EQ(pt_fmt_ia_bits(want[f].fmt, levels), bits);
			if (bits == 0) {
				EXPECT_EQ(pt_walk_foreign(want[f].fmt, levels, 0x1000, 0, host_read, &r, &foa, NULL,
							  NULL),
					  -EINVAL);
				continue;
			}
			top = 1ULL << bits;
			EXPECT_EQ(pt_levels_for(want[f].fmt, bits), levels);
			EXPECT_TRUE(pt_levels_for(want[f].fmt, bits + 1) != levels);
			ASSERT_EQ(pt_init(&t, want[f].fmt, bits, ALL_SIZES, true, NULL), 0);
			EXPECT_EQ(t.levels, levels);
			EXPECT_EQ(pt_map(&t, top - 0x1000, hpa(0x5000), 0x1000, RW), 0);
			EXPECT_EQ(pt_map(&t, top, hpa(0x6000), 0x1000, RW), -ERANGE);
			EXPECT_EQ(pt_map(&t, top - 0x1000, hpa(0x6000), 0x2000, RW), -ERANGE);
			EXPECT_EQ(pt_lookup(&t, top - 1, &loa, NULL, NULL), 0);
			EXPECT_EQ(hpa_val(loa), 0x5fffULL);
			EXPECT_EQ(pt_lookup(&t, top, NULL, NULL, NULL), -ERANGE);
			EXPECT_EQ(pt_walk_foreign(t.fmt, t.levels, hpa_val(t.root), top - 1, host_read, &r, &foa, NULL,
						  NULL),
				  0);
			EXPECT_EQ(foa, 0x5fffULL);
			EXPECT_EQ(
				pt_walk_foreign(t.fmt, t.levels, hpa_val(t.root), top, host_read, &r, &foa, NULL, NULL),
				-ERANGE);
			pt_gather_init(&g);
			EXPECT_EQ(pt_unmap(&t, 0, top + 0x1000, &g, &un), -ERANGE);
			EXPECT_EQ(pt_unmap(&t, 0, top, &g, &un), 0); /* the whole space */
			EXPECT_EQ(un, 0x1000);
			pt_gather_release(&t, &g);
			EXPECT_EQ(pt_lookup(&t, top - 1, NULL, NULL, NULL), -ENOENT);
			pt_destroy(&t);
		}
	}
}

/*
 * Guest memory: 8 pages at guest-physical GUEST_BASE. The reader translates a table address
 * the way the core would (through the guest's GPA map), and refuses anything outside.
 */
#define GUEST_BASE  0x80000000ULL
#define GUEST_PAGES 8
static uint64_t guest_mem[GUEST_PAGES][512] __attribute__((aligned(4096)));

struct guest_reader {
	unsigned reads;
	int fail_with;
};

static int guest_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	struct guest_reader *r = ctx;

	r->reads++;
	if (r->fail_with) {
		return r->fail_with;
	}
	if (table_addr < GUEST_BASE || table_addr >= GUEST_BASE + GUEST_PAGES * 4096ULL || index >= 512) {
		return -EFAULT;
	}
	*entry = guest_mem[(table_addr - GUEST_BASE) / 4096][index];
	return 0;
}

static uint64_t gpage(unsigned n)
{
	return GUEST_BASE + n * 4096ULL;
}

struct walk_out {
	int ret;
	uint64_t oa, pgsize;
	unsigned prot, reads;
};

static struct walk_out walk(enum pt_format fmt, unsigned levels, uint64_t ia)
{
	struct guest_reader r = { 0 };
	struct walk_out w = { 0 };

	w.ret = pt_walk_foreign(fmt, levels, gpage(0), ia, guest_read, &r, &w.oa, &w.prot, &w.pgsize);
	w.reads = r.reads;
	return w;
}

/* x86-64 paging bits, from the SDM: P=0 RW=1 US=2 A=5 PS=7 */
#define X_P   0x1ULL
#define X_RW  0x2ULL
#define X_US  0x4ULL
#define X_PS  0x80ULL
#define X_TBL (X_P | X_RW | X_US)

/* ia 0x40201000: PML4[0] -> PDPT (page 1)[1] -> PD (page 2)[1] -> PT (page 3)[1] */
#define FL_IA 0x40201000ULL

static void fl_build(void)
{
	memset(guest_mem, 0, sizeof(guest_mem));
	guest_mem[0][0] = gpage(1) | X_TBL;
	guest_mem[1][1] = gpage(2) | X_TBL;
	guest_mem[2][1] = gpage(3) | X_TBL;
	guest_mem[3][1] = 0xabc000 | X_P | X_US | X_RW;
}

TEST(pt_foreign_vtd_fl)
{
	struct walk_out w;

	fl_build();
	w = walk(PT_FMT_VTD_FL, 4, FL_IA + 0x123);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0xabc123);
	EXPECT_EQ(w.prot, RW);
	EXPECT_EQ(w.pgsize, SZ_4K);
	EXPECT_EQ(w.reads, 4);
	/* write taken away at an upper level */
	guest_mem[1][1] &= ~X_RW;
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).prot, PT_PROT_READ);
	fl_build();
	/* not present; supervisor-only */
	guest_mem[3][1] &= ~X_P;
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -ENOENT);
	fl_build();
	guest_mem[2][1] &= ~X_US;
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -ENOENT);
	fl_build();
	/* reserved address bits (above 48) in a leaf and in a table entry */
	guest_mem[3][1] |= BIT(50);
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -EINVAL);
	fl_build();
	guest_mem[1][1] |= BIT(48);
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -EINVAL);
	fl_build();
	/* PS in the PML4 entry is reserved */
	guest_mem[0][0] |= X_PS;
	w = walk(PT_FMT_VTD_FL, 4, FL_IA);
	EXPECT_EQ(w.ret, -EINVAL);
	EXPECT_EQ(w.reads, 1);
	fl_build();
	/* a 2M leaf: fine with PAT (bit 12), malformed with bit 13 */
	guest_mem[2][1] = 0x7fe00000 | X_TBL | X_PS | BIT(12);
	w = walk(PT_FMT_VTD_FL, 4, FL_IA + 0x10);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0x7fe01010);
	EXPECT_EQ(w.pgsize, SZ_2M);
	EXPECT_EQ(w.reads, 3);
	guest_mem[2][1] |= BIT(13);
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -EINVAL);
	/* a 1G leaf: malformed with bit 20 */
	guest_mem[1][1] = 0x1c0000000ULL | X_P | X_US | X_PS;
	w = walk(PT_FMT_VTD_FL, 4, FL_IA);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0x1c0201000ULL);
	EXPECT_EQ(w.pgsize, SZ_1G);
	EXPECT_EQ(w.prot, PT_PROT_READ);
	guest_mem[1][1] |= BIT(20);
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -EINVAL);
	fl_build();
	/* a table pointer outside guest memory: the reader's error comes back */
	guest_mem[1][1] = 0x1000000 | X_TBL;
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, FL_IA).ret, -EFAULT);
	fl_build();
	/* a loop (PML4 entry pointing at itself) is walked at most 4 levels deep */
	guest_mem[0][0] = gpage(0) | X_TBL;
	guest_mem[0][1] = gpage(0) | X_TBL;
	w = walk(PT_FMT_VTD_FL, 4, 0x8040201000ULL & ((1ULL << 47) - 1));
	EXPECT_TRUE(w.reads <= 4);
	fl_build();
	/* the reader failing; bad arguments */
	{
		struct guest_reader r = { .fail_with = -EIO };
		uint64_t oa;

		EXPECT_EQ(pt_walk_foreign(PT_FMT_VTD_FL, 4, gpage(0), FL_IA, guest_read, &r, &oa, NULL, NULL), -EIO);
		EXPECT_EQ(r.reads, 1);
		EXPECT_EQ(pt_walk_foreign(PT_FMT_VTD_FL, 4, gpage(0), FL_IA, NULL, &r, &oa, NULL, NULL), -EINVAL);
	}
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 3, FL_IA).ret, -EINVAL);
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 5, FL_IA).ret, -EINVAL);
	EXPECT_EQ(walk(PT_FMT_VTD_FL, 4, 1ULL << 47).ret, -ERANGE);
	EXPECT_EQ(pt_walk_foreign(PT_FMT_VTD_FL, 4, gpage(0) + 8, FL_IA, guest_read, NULL, NULL, NULL, NULL), -EINVAL);
	EXPECT_EQ(walk((enum pt_format)7, 4, FL_IA).ret, -EINVAL);
}

/* VT-d second-level bits: R=0 W=1 PS=7 SNP=11 TM=62 */
TEST(pt_foreign_vtd_sl)
{
	struct walk_out w;

	memset(guest_mem, 0, sizeof(guest_mem));
	guest_mem[0][0] = gpage(1) | 3; /* 3 levels: a root entry covers 1G */
	guest_mem[0][1] = gpage(1) | 1; /* read-only table */
	guest_mem[1][1] = gpage(2) | 3;
	guest_mem[2][1] = 0x5000 | 3;
	w = walk(PT_FMT_VTD_SL, 3, 0x201000);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0x5000);
	EXPECT_EQ(w.prot, RW);
	EXPECT_EQ(w.reads, 3);
	EXPECT_EQ(walk(PT_FMT_VTD_SL, 3, SZ_1G + 0x201000).prot, PT_PROT_READ);
	guest_mem[2][1] |= BIT(11);
	EXPECT_EQ(walk(PT_FMT_VTD_SL, 3, 0x201000).ret, -EINVAL);
	guest_mem[2][1] = 0x5000 | 3 | BIT(62);
	EXPECT_EQ(walk(PT_FMT_VTD_SL, 3, 0x201000).ret, -EINVAL);
	guest_mem[2][1] = 0x5000; /* R=W=0: not present whatever else is set */
	EXPECT_EQ(walk(PT_FMT_VTD_SL, 3, 0x201000).ret, -ENOENT);
	/* a 1G leaf at the top of a 3-level table is fine; PS at the top of 4 levels is not */
	guest_mem[0][2] = 0x40000000 | 0x83;
	w = walk(PT_FMT_VTD_SL, 3, 2 * SZ_1G + 0x10);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0x40000010);
	EXPECT_EQ(w.pgsize, SZ_1G);
	guest_mem[0][0] = 0x83;
	EXPECT_EQ(walk(PT_FMT_VTD_SL, 4, 0x10).ret, -EINVAL);
	EXPECT_EQ(walk(PT_FMT_VTD_SL, 3, 1ULL << 39).ret, -ERANGE);
}

/* Arm descriptor bits (Arm ARM D8.3): type 1:0, AP[2]=7, AF=10, S2AP 7:6, APTable[1]=62 */
#define A_TBL 0x3ULL
#define A_AF  BIT(10)

static void arm_build(void)
{
	memset(guest_mem, 0, sizeof(guest_mem));
	/* 4 levels, ia 0x40201000: L0[0] -> L1 (p1)[1] -> L2 (p2)[1] -> L3 (p3)[1] */
	guest_mem[0][0] = gpage(1) | A_TBL;
	guest_mem[1][1] = gpage(2) | A_TBL;
	guest_mem[2][1] = gpage(3) | A_TBL;
	guest_mem[3][1] = 0xdef000 | A_TBL | A_AF | (3ULL << 8);
}

TEST(pt_foreign_arm_s1)
{
	struct walk_out w;

	arm_build();
	w = walk(PT_FMT_ARM_S1, 4, FL_IA + 4);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0xdef004);
	EXPECT_EQ(w.prot, RW);
	EXPECT_EQ(w.pgsize, SZ_4K);
	guest_mem[3][1] |= BIT(7); /* AP[2]: read-only */
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).prot, PT_PROT_READ);
	arm_build();
	guest_mem[1][1] |= BIT(62); /* APTable[1]: no writes below */
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).prot, PT_PROT_READ);
	arm_build();
	guest_mem[3][1] &= ~A_AF;
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).ret, -ENOENT);
	arm_build();
	guest_mem[3][1] &= ~1ULL;
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).ret, -ENOENT);
	arm_build();
	/* type 01 at level 3 is reserved */
	guest_mem[3][1] = 0xdef000 | 0x1 | A_AF;
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).ret, -EINVAL);
	arm_build();
	/* a block at level 0 does not exist with a 4 KiB granule */
	guest_mem[0][0] = 0x0 | 0x1 | A_AF;
	w = walk(PT_FMT_ARM_S1, 4, FL_IA);
	EXPECT_EQ(w.ret, -EINVAL);
	EXPECT_EQ(w.reads, 1);
	arm_build();
	/* OA bits 51:48 are RES0 without 52-bit addressing */
	guest_mem[3][1] |= BIT(49);
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).ret, -EINVAL);
	arm_build();
	/* level-1 block (1G): fine, and with a low address bit set malformed; nT is allowed */
	guest_mem[1][1] = 0x80000000ULL | 0x1 | A_AF | BIT(16);
	w = walk(PT_FMT_ARM_S1, 4, FL_IA);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0x80201000ULL);
	EXPECT_EQ(w.pgsize, SZ_1G);
	guest_mem[1][1] |= BIT(21);
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 4, FL_IA).ret, -EINVAL);
	arm_build();
	/* level-2 block (2M) */
	guest_mem[2][1] = 0x600000 | 0x1 | A_AF;
	w = walk(PT_FMT_ARM_S1, 4, FL_IA);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0x601000);
	EXPECT_EQ(w.pgsize, SZ_2M);
	EXPECT_EQ(w.reads, 3);
	/* 3 levels start at level 1: page 0 is then the level-1 table */
	arm_build();
	guest_mem[0][1] = gpage(2) | A_TBL;
	w = walk(PT_FMT_ARM_S1, 3, FL_IA);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.oa, 0xdef000);
	EXPECT_EQ(w.reads, 3);
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 3, 1ULL << 39).ret, -ERANGE);
	EXPECT_EQ(walk(PT_FMT_ARM_S1, 2, FL_IA).ret, -EINVAL);
}

TEST(pt_foreign_arm_s2)
{
	struct walk_out w;

	arm_build();
	guest_mem[3][1] |= BIT(6); /* S2AP read */
	w = walk(PT_FMT_ARM_S2, 4, FL_IA);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.prot, PT_PROT_READ);
	guest_mem[3][1] |= BIT(7);
	EXPECT_EQ(walk(PT_FMT_ARM_S2, 4, FL_IA).prot, RW);
	guest_mem[3][1] &= ~(BIT(6) | BIT(7)); /* valid but no access */
	EXPECT_EQ(walk(PT_FMT_ARM_S2, 4, FL_IA).ret, -ENOENT);
	guest_mem[3][1] |= BIT(6) | BIT(50);
	EXPECT_EQ(walk(PT_FMT_ARM_S2, 4, FL_IA).ret, -EINVAL);
}

/*
 * Garbage in guest memory: random entries, with table pointers that mostly stay inside the
 * guest buffer so walks go deep. Whatever the walk meets, it reads at most `levels` entries,
 * returns only documented codes, and a success is self-consistent.
 */
TEST(pt_foreign_random_garbage)
{
	static const enum pt_format fmts[] = { PT_FMT_VTD_SL, PT_FMT_VTD_FL, PT_FMT_ARM_S1, PT_FMT_ARM_S2 };
	uint64_t x = 0x243f6a8885a308d3ULL;
	unsigned ok = 0, einval = 0, enoent = 0, efault = 0, other = 0;

	for (unsigned round = 0; round < 200; round++) {
		for (unsigned p = 0; p < GUEST_PAGES; p++) {
			for (unsigned i = 0; i < 512; i++) {
				uint64_t v;

				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				v = x;
				if (v % 4 != 0) {
					/* keep most pointers inside guest memory, low attribute bits random */
					v = (v & 0xfff & ~(v % 2 ? 0xf00ULL : 0)) |
					    gpage((unsigned)((v >> 20) % (GUEST_PAGES + 1)));
					v |= (x >> 40) % 8 == 0 ? BIT(48 + (x >> 50) % 16) : 0;
				}
				guest_mem[p][i] = v;
			}
		}
		for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
			for (unsigned levels = 3; levels <= 4; levels++) {
				for (unsigned k = 0; k < 16; k++) {
					uint64_t ia = (x >> k) & ((1ULL << (levels == 3 ? 39 : 47)) - 1) & ~0xfffULL;
					struct walk_out w = walk(fmts[f], levels, ia);

					EXPECT_TRUE(w.reads <= levels);
					if (fmts[f] == PT_FMT_VTD_FL && levels == 3) {
						EXPECT_EQ(w.ret, -EINVAL);
						continue;
					}
					switch (w.ret) {
					case 0:
						ok++;
						EXPECT_TRUE(w.pgsize == SZ_4K || w.pgsize == SZ_2M ||
							    w.pgsize == SZ_1G);
						EXPECT_EQ(w.oa & (w.pgsize - 1), ia & (w.pgsize - 1));
						EXPECT_TRUE(w.oa < (1ULL << 48));
						EXPECT_TRUE(w.prot != 0 && (w.prot & ~RW) == 0);
						break;
					case -EINVAL:
						einval++;
						break;
					case -ENOENT:
						enoent++;
						break;
					case -EFAULT:
						efault++;
						break;
					default:
						other++;
						break;
					}
				}
			}
		}
	}
	EXPECT_EQ(other, 0);
	/* the generator must reach every outcome, or the test proves little */
	EXPECT_TRUE(ok > 50 && einval > 50 && enoent > 50 && efault > 50);
	printf("# garbage walks: %u ok, %u EINVAL, %u ENOENT, %u EFAULT\n", ok, einval, enoent, efault);
}
