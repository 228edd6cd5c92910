/* SPDX-License-Identifier: MIT */
/*
 * Page-table engine: formats, encodings, round trips, superpage selection, splits, argument
 * checks, cache cleaning. Failure atomicity and gathers are in test_pt_txn.c, the foreign walker
 * in test_pt_foreign.c.
 */
#define TEST_MAIN
#include "tests/unit/test.h"

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "ioasid/pt.h"
#include "ioasid/pt_fmt.h"
#include "tests/unit/test_pt_util.h"

#define ALL_SIZES (SZ_4K | SZ_2M | SZ_1G)
#define RW	  (PT_PROT_READ | PT_PROT_WRITE)
#define RO	  PT_PROT_READ

struct fmt_case {
	enum pt_format fmt;
	unsigned ia_bits;
	unsigned levels;
};

static const struct fmt_case fmt_cases[] = {
	{ PT_FMT_VTD_SL, 39, 3 }, { PT_FMT_VTD_SL, 48, 4 }, { PT_FMT_VTD_FL, 47, 4 }, { PT_FMT_ARM_S1, 39, 3 },
	{ PT_FMT_ARM_S1, 48, 4 }, { PT_FMT_ARM_S2, 40, 4 }, { PT_FMT_ARM_S2, 48, 4 }, { PT_FMT_ARM_S2, 32, 3 },
	{ PT_FMT_AMD_V1, 39, 3 }, { PT_FMT_AMD_V1, 48, 4 },
};

TEST(pt_levels_for)
{
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_SL, 39), 3);
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_SL, 48), 4);
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_SL, 40), 0);
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_SL, 57), 0);
	/* first-level: the canonical lower half of 4-level paging, 47 bits and nothing else */
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_FL, 47), 4);
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_FL, 48), 0);
	EXPECT_EQ(pt_levels_for(PT_FMT_VTD_FL, 39), 0);
	EXPECT_EQ(pt_levels_for(PT_FMT_ARM_S1, 39), 3);
	EXPECT_EQ(pt_levels_for(PT_FMT_ARM_S1, 44), 4);
	EXPECT_EQ(pt_levels_for(PT_FMT_ARM_S2, 48), 4);
	EXPECT_EQ(pt_levels_for(PT_FMT_ARM_S2, 31), 0);
	EXPECT_EQ(pt_levels_for(PT_FMT_ARM_S2, 49), 0);
	EXPECT_EQ(pt_levels_for((enum pt_format)9, 48), 0);
}

TEST(pt_init_checks)
{
	struct pt_quota q = { .limit_pages = 10 };
	struct pt_quota zero = { .limit_pages = 0 };
	uint64_t free0 = page_free_count();
	struct pt_table t;

	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, SZ_2M, true, &q), -EINVAL);
	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, SZ_4K | (1ULL << 16), true, &q), -EINVAL);
	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_SL, 40, SZ_4K, true, &q), -EINVAL);
	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, SZ_4K | SZ_1G, true, &q), -EINVAL);
	EXPECT_EQ(pt_init(&t, (enum pt_format)0, 48, SZ_4K, true, &q), -EINVAL);
	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, SZ_4K, true, &zero), -EDQUOT);
	EXPECT_EQ(zero.used_pages, 0);
	q.fail_after = 1;
	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, SZ_4K, true, &q), -ENOMEM);
	EXPECT_EQ(q.used_pages, 0);
	EXPECT_EQ(page_free_count(), free0);
	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, ALL_SIZES, true, &q), 0);
	EXPECT_EQ(t.levels, 4);
	EXPECT_EQ(t.nr_table_pages, 1);
	EXPECT_EQ(q.used_pages, 1);
	EXPECT_EQ(page_free_count(), free0 - 1);
	pt_destroy(&t);
	EXPECT_EQ(q.used_pages, 0);
	EXPECT_EQ(page_free_count(), free0);
}

/* Map three regions (4K-only, 2M, 1G), check lookups at several offsets, unmap, no leaks. */
TEST(pt_roundtrip_all_formats)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fmt_cases); i++) {
		const struct fmt_case *fc = &fmt_cases[i];
		struct pt_quota q = { .limit_pages = 1000 };
		uint64_t free0 = page_free_count(), got, sz, un;
		unsigned prot;
		struct pt_gather g;
		struct pt_table t;
		hpa_t oa;
		/* region A: 4K pages (oa not 2M aligned); B: 2M pages; C: one 1G page */
		uint64_t a = 0x10000000, aoa = 0x7654321000, alen = 0x203000;
		uint64_t b = 0x40000000ULL + 0x200000, boa = 0x1234600000, blen = 0x600000;
		uint64_t c = 0x80000000ULL, coa = 0x3c0000000ULL, clen = SZ_1G;

		ASSERT_EQ(pt_init(&t, fc->fmt, fc->ia_bits, ALL_SIZES, true, &q), 0);
		EXPECT_EQ(t.levels, fc->levels);
		ASSERT_EQ(pt_map(&t, a, hpa(aoa), alen, RW), 0);
		ASSERT_EQ(pt_map(&t, b, hpa(boa), blen, RO), 0);
		ASSERT_EQ(pt_map(&t, c, hpa(coa), clen, RW), 0);

		for (uint64_t off = 0; off < alen; off += 0x1000 * 37) {
			ASSERT_EQ(pt_lookup(&t, a + off + 0x123, &oa, &prot, &sz), 0);
			EXPECT_EQ(hpa_val(oa), aoa + off + 0x123);
			EXPECT_EQ(sz, SZ_4K);
			EXPECT_EQ(prot, RW);
		}
		ASSERT_EQ(pt_lookup(&t, b + 0x3ff008, &oa, &prot, &sz), 0);
		EXPECT_EQ(hpa_val(oa), boa + 0x3ff008);
		EXPECT_EQ(sz, SZ_2M);
		EXPECT_EQ(prot, RO);
		ASSERT_EQ(pt_lookup(&t, c + 0x12345678, &oa, &prot, &sz), 0);
		EXPECT_EQ(hpa_val(oa), coa + 0x12345678);
		EXPECT_EQ(sz, SZ_1G);
		EXPECT_EQ(pt_lookup(&t, a + alen, NULL, NULL, NULL), -ENOENT);
		EXPECT_EQ(pt_lookup(&t, a - 0x1000, NULL, NULL, NULL), -ENOENT);
		EXPECT_EQ(pt_lookup(&t, b + blen, NULL, NULL, NULL), -ENOENT);

		pt_gather_init(&g);
		got = 0;
		ASSERT_EQ(pt_unmap(&t, a, alen, &g, &un), 0);
		got += un;
		ASSERT_EQ(pt_unmap(&t, b, blen, &g, &un), 0);
		got += un;
		ASSERT_EQ(pt_unmap(&t, c, clen, &g, &un), 0);
		got += un;
		EXPECT_EQ(got, alen + blen + clen);
		EXPECT_EQ(pt_lookup(&t, a, NULL, NULL, NULL), -ENOENT);
		EXPECT_EQ(pt_lookup(&t, b, NULL, NULL, NULL), -ENOENT);
		EXPECT_EQ(pt_lookup(&t, c, NULL, NULL, NULL), -ENOENT);
		EXPECT_EQ(t.nr_table_pages, 1);
		pt_gather_release(&t, &g);
		EXPECT_EQ(q.used_pages, 1);
		pt_destroy(&t);
		EXPECT_EQ(q.used_pages, 0);
		EXPECT_EQ(page_free_count(), free0);
	}
}

struct enc_case {
	enum pt_format fmt;
	unsigned ia_bits;
	uint64_t rw4k, ro4k, rw2m, wo4k, table_low; /* expected attribute bits (low 12 + top) */
	unsigned wo_prot;			    /* what lookup reports for a write-only map */
	uint64_t table_top;			    /* a table entry's bits 63:48 */
};

/*
 * Exact encodings, written from the specs rather than from the engine's macros:
 *  VT-d SL: R=bit0 W=bit1 PS=bit7.   VT-d FL: P=0 RW=1 US=2 A=5 D=6 PS=7.
 *  Arm S1: type 11/01, AP[1]=6, AP[2]=7 (RO), SH=0b11 at 9:8, AF=10, nG=11, AttrIndx 0.
 *  Arm S2: type 11/01, MemAttr=0b1111 at 5:2, S2AP R=6 W=7, SH=0b11, AF=10.
 *  AMD-Vi v1 (48882 2.2.3): PR=0, NextLevel 11:9 (0 in every leaf, 3 in a 4-level root's
 *  PDE), IR=61, IW=62 (write-only is expressible).
 */
static const struct enc_case enc_cases[] = {
	{ PT_FMT_VTD_SL, 48, 0x003, 0x001, 0x083, 0x002, 0x003, PT_PROT_WRITE },
	{ PT_FMT_VTD_FL, 47, 0x067, 0x025, 0x0e7, 0x067, 0x027, RW },
	{ PT_FMT_ARM_S1, 48, 0xf43, 0xfc3, 0xf41, 0xf43, 0x003, RW },
	{ PT_FMT_ARM_S2, 48, 0x7ff, 0x77f, 0x7fd, 0x7bf, 0x003, PT_PROT_WRITE },
	{ PT_FMT_AMD_V1, 48, 0x6000000000000001ULL, 0x2000000000000001ULL, 0x6000000000000001ULL, 0x4000000000000001ULL,
	  0x601, PT_PROT_WRITE, 0x6000000000000000ULL },
};

TEST(pt_encodings)
{
	for (unsigned i = 0; i < ARRAY_SIZE(enc_cases); i++) {
		const struct enc_case *e = &enc_cases[i];
		struct pt_table t;
		unsigned lvl, prot;
		uint64_t pte;

		ASSERT_EQ(pt_init(&t, e->fmt, e->ia_bits, ALL_SIZES, true, NULL), 0);
		ASSERT_EQ(pt_map(&t, 0x1000, hpa(0x12345000), 0x1000, RW), 0);
		ASSERT_EQ(pt_map(&t, 0x2000, hpa(0x23456000), 0x1000, RO), 0);
		ASSERT_EQ(pt_map(&t, 0x3000, hpa(0x34567000), 0x1000, PT_PROT_WRITE), 0);
		ASSERT_EQ(pt_map(&t, 0x400000, hpa(0x7f800000), SZ_2M, RW), 0);

		pte = raw_entry(&t, 0x1000, &lvl);
		EXPECT_EQ(lvl, 0);
		EXPECT_EQ(pte, 0x12345000 | e->rw4k);
		EXPECT_EQ(raw_entry(&t, 0x2000, &lvl), 0x23456000 | e->ro4k);
		EXPECT_EQ(raw_entry(&t, 0x3000, &lvl), 0x34567000 | e->wo4k);
		EXPECT_EQ(pt_lookup(&t, 0x3000, NULL, &prot, NULL), 0);
		EXPECT_EQ(prot, e->wo_prot);
		pte = raw_entry(&t, 0x400000, &lvl);
		EXPECT_EQ(lvl, 1);
		EXPECT_EQ(pte, 0x7f800000 | e->rw2m);
		/*
		 * The root's first entry is a table entry: only the table bits besides the address,
		 * and the live-entry count of the table it points to (one entry: the table for
		 * [0, 1G)) in the software bits pt_fmt.h names.
		 */
		pte = ((uint64_t *)hpa_to_ptr(t.root))[0];
		EXPECT_EQ(pt_table_count(e->fmt, pte), 1);
		pte &= ~pt_cnt_bits(e->fmt);
		EXPECT_EQ(pte & 0xfff, e->table_low);
		EXPECT_EQ(pte >> 48, e->table_top >> 48);
		pt_destroy(&t);
	}
}

static uint64_t pgsize_at(const struct pt_table *t, uint64_t ia)
{
	uint64_t sz = 0;

	if (pt_lookup(t, ia, NULL, NULL, &sz) != 0) {
		return 0;
	}
	return sz;
}

TEST(pt_superpage_selection)
{
	struct pt_table t;
	uint64_t free0 = page_free_count();

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, ALL_SIZES, true, NULL), 0);
	/* 2M aligned ia/oa and length: two 2M leaves under one new table path */
	ASSERT_EQ(pt_map(&t, 0x200000, hpa(0x40000000), 0x400000, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0x200000), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, 0x5ff000), SZ_2M);
	EXPECT_EQ(t.nr_table_pages, 3); /* root, level-2, level-1 */
	/* oa off by 4K: only 4K pages */
	ASSERT_EQ(pt_map(&t, 0x800000, hpa(0x40401000), 0x200000, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0x800000), SZ_4K);
	EXPECT_EQ(pgsize_at(&t, 0x9ff000), SZ_4K);
	/* unaligned head and tail, aligned middle: 4K, 2M, 4K */
	ASSERT_EQ(pt_map(&t, 0xbff000, hpa(0x80bff000), 0x402000, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0xbff000), SZ_4K);
	EXPECT_EQ(pgsize_at(&t, 0xc00000), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, 0xe00000), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, 0x1000000), SZ_4K);
	/* 1G aligned: one 1G leaf */
	ASSERT_EQ(pt_map(&t, 0x40000000, hpa(0xc0000000), SZ_1G, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0x40000000), SZ_1G);
	EXPECT_EQ(pgsize_at(&t, 0x7ffff000), SZ_1G);
	/* ia 1G aligned but oa only 2M aligned: 2M leaves */
	ASSERT_EQ(pt_map(&t, 0x80000000, hpa(0x100200000), SZ_1G, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0x80000000), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, 0xbfe00000), SZ_2M);
	/* length 1G + 2M starting 1G aligned: one 1G then one 2M */
	ASSERT_EQ(pt_map(&t, 0x100000000, hpa(0x140000000), SZ_1G + SZ_2M, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0x100000000), SZ_1G);
	EXPECT_EQ(pgsize_at(&t, 0x140000000), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, 0x140200000), 0);
	pt_destroy(&t);

	/* bitmap without 2M: 2M- and 1G-aligned requests use 4K; without 1G: 2M leaves */
	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S2, 48, SZ_4K, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, 0x200000, hpa(0x200000), SZ_2M, RW), 0);
	EXPECT_EQ(pgsize_at(&t, 0x200000), SZ_4K);
	EXPECT_EQ(pgsize_at(&t, 0x3ff000), SZ_4K);
	ASSERT_EQ(pt_map(&t, SZ_1G, hpa(SZ_1G), SZ_1G, RW), 0);
	EXPECT_EQ(pgsize_at(&t, SZ_1G + 0x1000), SZ_4K);
	EXPECT_EQ(t.nr_table_pages, 1 + 1 + 2 + 1 + 512); /* root, L2, 2 L1, 513 leaf tables */
	pt_destroy(&t);
	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S1, 48, SZ_4K | SZ_2M, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, SZ_1G, hpa(SZ_1G), SZ_1G, RW), 0);
	EXPECT_EQ(pgsize_at(&t, SZ_1G), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, 2 * SZ_1G - 0x1000), SZ_2M);
	pt_destroy(&t);
	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_FL, 47, SZ_4K, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, SZ_1G, hpa(SZ_1G), SZ_2M, RW), 0);
	EXPECT_EQ(pgsize_at(&t, SZ_1G), SZ_4K);
	pt_destroy(&t);
	EXPECT_EQ(page_free_count(), free0);
}

TEST(pt_split_2m)
{
	const uint64_t ia = 0x600000, oa = 0x7fe00000;
	struct pt_quota q = { .limit_pages = 100 };
	uint64_t un, sz, tables;
	struct pt_gather g;
	struct pt_table t;
	unsigned prot;
	hpa_t out;

	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S1, 48, ALL_SIZES, true, &q), 0);
	ASSERT_EQ(pt_map(&t, ia, hpa(oa), SZ_2M, RO), 0);
	EXPECT_EQ(pgsize_at(&t, ia), SZ_2M);
	tables = t.nr_table_pages;
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, ia + 0x5000, 0x1000, &g, &un), 0);
	EXPECT_EQ(un, 0x1000);
	EXPECT_EQ(t.nr_table_pages, tables + 1);
	EXPECT_EQ(g.nr_ranges, 1);
	EXPECT_EQ(g.ranges[0].start, ia + 0x5000);
	EXPECT_EQ(g.ranges[0].end, ia + 0x6000);
	EXPECT_TRUE(!g.leaf_only);
	EXPECT_EQ(pt_lookup(&t, ia + 0x5000, NULL, NULL, NULL), -ENOENT);
	/* both remaining halves: 4K pages with the original translation and permission */
	ASSERT_EQ(pt_lookup(&t, ia + 0x4abc, &out, &prot, &sz), 0);
	EXPECT_EQ(hpa_val(out), oa + 0x4abc);
	EXPECT_EQ(sz, SZ_4K);
	EXPECT_EQ(prot, RO);
	ASSERT_EQ(pt_lookup(&t, ia + 0x6000, &out, &prot, &sz), 0);
	EXPECT_EQ(hpa_val(out), oa + 0x6000);
	EXPECT_EQ(sz, SZ_4K);
	ASSERT_EQ(pt_lookup(&t, ia + SZ_2M - 1, &out, NULL, NULL), 0);
	EXPECT_EQ(hpa_val(out), oa + SZ_2M - 1);
	ASSERT_EQ(pt_lookup(&t, ia, &out, NULL, NULL), 0);
	EXPECT_EQ(hpa_val(out), oa);
	/* unmapping the rest empties the split table: it goes on the gather */
	ASSERT_EQ(pt_unmap(&t, ia, SZ_2M, &g, &un), 0);
	EXPECT_EQ(un, SZ_2M - 0x1000);
	EXPECT_EQ(g.nr_ranges, 1);
	EXPECT_EQ(g.ranges[0].start, ia);
	EXPECT_EQ(g.ranges[0].end, ia + SZ_2M);
	EXPECT_TRUE(g.nr_freed >= 1);
	pt_gather_release(&t, &g);
	EXPECT_EQ(q.used_pages, t.nr_table_pages);
	pt_destroy(&t);
	EXPECT_EQ(q.used_pages, 0);
}

TEST(pt_split_1g)
{
	const uint64_t ia = SZ_1G, oa = 5 * SZ_1G;
	struct pt_quota q = { .limit_pages = 100 };
	uint64_t un, sz;
	struct pt_gather g;
	struct pt_table t;
	hpa_t out;

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 39, ALL_SIZES, false, &q), 0);
	ASSERT_EQ(pt_map(&t, ia, hpa(oa), SZ_1G, RW), 0);
	EXPECT_EQ(t.nr_table_pages, 1); /* 3-level: the 1G leaf sits in the root */
	pt_gather_init(&g);
	/* one 4K page 2M+4K into the 1G page: splits 1G -> 2M and one 2M -> 4K */
	ASSERT_EQ(pt_unmap(&t, ia + SZ_2M + 0x1000, 0x1000, &g, &un), 0);
	EXPECT_EQ(un, 0x1000);
	EXPECT_EQ(t.nr_table_pages, 3);
	EXPECT_EQ(q.used_pages, 3);
	EXPECT_EQ(pgsize_at(&t, ia), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, ia + SZ_2M), SZ_4K);
	EXPECT_EQ(pgsize_at(&t, ia + SZ_2M + 0x1000), 0);
	EXPECT_EQ(pgsize_at(&t, ia + SZ_2M + 0x2000), SZ_4K);
	EXPECT_EQ(pgsize_at(&t, ia + 2 * SZ_2M), SZ_2M);
	EXPECT_EQ(pgsize_at(&t, ia + SZ_1G - 0x1000), SZ_2M);
	ASSERT_EQ(pt_lookup(&t, ia + SZ_2M + 0x2345, &out, NULL, NULL), 0);
	EXPECT_EQ(hpa_val(out), oa + SZ_2M + 0x2345);
	ASSERT_EQ(pt_lookup(&t, ia + SZ_1G - 8, &out, NULL, NULL), 0);
	EXPECT_EQ(hpa_val(out), oa + SZ_1G - 8);
	pt_gather_release(&t, &g);

	/* first half of a second 1G page: the other half stays, as 2M leaves */
	ASSERT_EQ(pt_map(&t, 2 * SZ_1G, hpa(7 * SZ_1G), SZ_1G, RW), 0);
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, 2 * SZ_1G, SZ_1G / 2, &g, &un), 0);
	EXPECT_EQ(un, SZ_1G / 2);
	EXPECT_EQ(pgsize_at(&t, 2 * SZ_1G), 0);
	EXPECT_EQ(pgsize_at(&t, 2 * SZ_1G + SZ_1G / 2 - 0x1000), 0);
	ASSERT_EQ(pt_lookup(&t, 2 * SZ_1G + SZ_1G / 2, &out, NULL, &sz), 0);
	EXPECT_EQ(hpa_val(out), 7 * SZ_1G + SZ_1G / 2);
	EXPECT_EQ(sz, SZ_2M);
	ASSERT_EQ(pt_lookup(&t, 3 * SZ_1G - 0x10, &out, NULL, &sz), 0);
	EXPECT_EQ(hpa_val(out), 8 * SZ_1G - 0x10);
	pt_gather_release(&t, &g);
	pt_destroy(&t);
	EXPECT_EQ(q.used_pages, 0);
}

TEST(pt_argument_checks)
{
	struct pt_quota q = { .limit_pages = 100 };
	struct pt_state st;
	struct pt_gather g;
	struct pt_table t;
	uint64_t un = 77;

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 39, ALL_SIZES, true, &q), 0);
	ASSERT_EQ(pt_map(&t, 0x1000, hpa(0x1000), 0x1000, RW), 0);
	state_take(&t, &st);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(0x2000), 0, RW), -EINVAL);
	EXPECT_EQ(pt_map(&t, 0x2800, hpa(0x2000), 0x1000, RW), -EINVAL);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(0x2800), 0x1000, RW), -EINVAL);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(0x2000), 0x800, RW), -EINVAL);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(0x2000), 0x1000, 0), -EINVAL);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(0x2000), 0x1000, RW | 4), -EINVAL);
	EXPECT_EQ(pt_map(&t, (1ULL << 39) - 0x1000, hpa(0), 0x2000, RW), -ERANGE);
	EXPECT_EQ(pt_map(&t, 1ULL << 39, hpa(0), 0x1000, RW), -ERANGE);
	EXPECT_EQ(pt_map(&t, 0xfffffffffffff000ULL, hpa(0), 0x2000, RW), -ERANGE);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(0xfffffffffffff000ULL), 0x2000, RW), -ERANGE);
	EXPECT_EQ(pt_map(&t, 0x2000, hpa(1ULL << 48), 0x1000, RW), -ERANGE);
	pt_gather_init(&g);
	EXPECT_EQ(pt_unmap(&t, 0x1000, 0, &g, &un), -EINVAL);
	EXPECT_EQ(pt_unmap(&t, 0x1800, 0x1000, &g, &un), -EINVAL);
	EXPECT_EQ(pt_unmap(&t, 0x1000, 0x1800, &g, &un), -EINVAL);
	EXPECT_EQ(pt_unmap(&t, 0x1000, 1ULL << 39, &g, &un), -ERANGE);
	EXPECT_EQ(pt_unmap(&t, 0xfffffffffffff000ULL, 0x2000, &g, &un), -ERANGE);
	EXPECT_EQ(un, 77);
	EXPECT_EQ(g.nr_ranges, 0);
	EXPECT_TRUE(state_same_and_free(&t, &st));
	EXPECT_EQ(pt_lookup(&t, 1ULL << 39, NULL, NULL, NULL), -ERANGE);
	/* the highest page is mappable */
	EXPECT_EQ(pt_map(&t, (1ULL << 39) - 0x1000, hpa(0x5000), 0x1000, RW), 0);
	EXPECT_EQ(pgsize_at(&t, (1ULL << 39) - 1), SZ_4K);
	pt_destroy(&t);

	/* first-level: canonical lower half only */
	EXPECT_EQ(pt_init(&t, PT_FMT_VTD_FL, 48, ALL_SIZES, true, &q), -EINVAL);
	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_FL, 47, ALL_SIZES, true, &q), 0);
	EXPECT_EQ(pt_map(&t, 1ULL << 47, hpa(0), 0x1000, RW), -ERANGE);
	EXPECT_EQ(pt_map(&t, (1ULL << 47) - 0x1000, hpa(0), 0x1000, RW), 0);
	pt_destroy(&t);
	EXPECT_EQ(q.used_pages, 0);
}

TEST(pt_unmap_holes)
{
	struct pt_gather g;
	struct pt_table t;
	uint64_t un;

	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S2, 48, ALL_SIZES, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, 0x10000, hpa(0x10000), 0x1000, RW), 0);
	ASSERT_EQ(pt_map(&t, 0x12000, hpa(0x12000), 0x1000, RW), 0);
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, 0x8000, 0x20000, &g, &un), 0);
	EXPECT_EQ(un, 0x2000);
	/* one range per call, from the first to the last unmapped page */
	EXPECT_EQ(g.nr_ranges, 1);
	EXPECT_EQ(g.ranges[0].start, 0x10000);
	EXPECT_EQ(g.ranges[0].end, 0x13000);
	EXPECT_EQ(g.nr_freed, 3); /* levels 2, 1, 0 below the root emptied */
	EXPECT_EQ(t.nr_table_pages, 1);
	/* unmap over nothing at all: success, nothing gathered */
	ASSERT_EQ(pt_unmap(&t, 0x40000000, SZ_1G, &g, &un), 0);
	EXPECT_EQ(un, 0);
	EXPECT_EQ(g.nr_ranges, 1);
	pt_gather_release(&t, &g);
	pt_destroy(&t);
}

/* Every entry a non-coherent table write changes lies in a range handed to arch_dcache_clean. */
TEST(pt_noncoherent_clean)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fmt_cases); i++) {
		const struct fmt_case *fc = &fmt_cases[i];
		struct pt_snap before, after;
		struct pt_gather g;
		struct pt_table t;
		uint64_t un;

		clean_rec_start();
		ASSERT_EQ(pt_init(&t, fc->fmt, fc->ia_bits, ALL_SIZES, false, NULL), 0);
		EXPECT_TRUE(clean_rec_covers(hpa_to_ptr(t.root), HV_PAGE_SIZE));
		snap_take(&t, &before);
		clean_rec_start();
		ASSERT_EQ(pt_map(&t, 0x1ff000, hpa(0x9ff000), 0x402000, RW), 0);
		ASSERT_EQ(pt_map(&t, SZ_1G, hpa(SZ_1G), SZ_1G, RO), 0);
		snap_take(&t, &after);
		EXPECT_TRUE(clean_rec_count() > 0);
		EXPECT_TRUE(clean_rec_covers_changes(&before, &after));
		snap_free(&before);
		before = after;
		/* unmap with two splits and emptied tables */
		clean_rec_start();
		pt_gather_init(&g);
		ASSERT_EQ(pt_unmap(&t, 0x1ff000, 0x3000, &g, &un), 0);
		ASSERT_EQ(pt_unmap(&t, SZ_1G + SZ_2M + 0x1000, 0x1000, &g, &un), 0);
		snap_take(&t, &after);
		EXPECT_TRUE(clean_rec_covers_changes(&before, &after));
		snap_free(&before);
		snap_free(&after);
		pt_gather_release(&t, &g);
		pt_destroy(&t);

		/* coherent: never cleaned */
		clean_rec_start();
		ASSERT_EQ(pt_init(&t, fc->fmt, fc->ia_bits, ALL_SIZES, true, NULL), 0);
		ASSERT_EQ(pt_map(&t, 0x1ff000, hpa(0x9ff000), 0x402000, RW), 0);
		pt_gather_init(&g);
		ASSERT_EQ(pt_unmap(&t, 0x1ff000, 0x3000, &g, &un), 0);
		pt_gather_release(&t, &g);
		EXPECT_EQ(clean_rec_count(), 0);
		pt_destroy(&t);
		clean_rec_stop();
	}
}

/*
 * A split must not change what the surviving part of a superpage means: the 4K (or 2M) leaves it
 * creates are bit-for-bit what a direct map of that size and permission writes.
 */
TEST(pt_split_preserves_attributes)
{
	static const enum pt_format fmts[] = { PT_FMT_VTD_SL, PT_FMT_VTD_FL, PT_FMT_ARM_S1, PT_FMT_ARM_S2,
					       PT_FMT_AMD_V1 };
	static const unsigned prots[] = { RO, RW, PT_PROT_WRITE };

	for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
		for (unsigned p = 0; p < ARRAY_SIZE(prots); p++) {
			struct pt_table t, ref;
			struct pt_gather g;
			unsigned lvl, rlvl;
			uint64_t un;

			ASSERT_EQ(pt_init(&t, fmts[f], pt_fmt_ia_bits(fmts[f], 4), ALL_SIZES, true, NULL), 0);
			ASSERT_EQ(pt_init(&ref, fmts[f], pt_fmt_ia_bits(fmts[f], 4), ALL_SIZES, true, NULL), 0);
			ASSERT_EQ(pt_map(&t, SZ_1G, hpa(8 * SZ_1G), SZ_1G, prots[p]), 0);
			pt_gather_init(&g);
			ASSERT_EQ(pt_unmap(&t, SZ_1G + SZ_2M, 0x1000, &g, &un), 0);
			pt_gather_release(&t, &g);
			/* the same translations, mapped directly at 4K and 2M */
			ASSERT_EQ(
				pt_map(&ref, SZ_1G + SZ_2M + 0x1000, hpa(8 * SZ_1G + SZ_2M + 0x1000), 0x1000, prots[p]),
				0);
			ASSERT_EQ(pt_map(&ref, SZ_1G + 4 * SZ_2M, hpa(8 * SZ_1G + 4 * SZ_2M), SZ_2M, prots[p]), 0);
			EXPECT_EQ(raw_entry(&t, SZ_1G + SZ_2M + 0x1000, &lvl),
				  raw_entry(&ref, SZ_1G + SZ_2M + 0x1000, &rlvl));
			EXPECT_EQ(lvl, 0);
			EXPECT_EQ(rlvl, 0);
			EXPECT_EQ(raw_entry(&t, SZ_1G + 4 * SZ_2M, &lvl), raw_entry(&ref, SZ_1G + 4 * SZ_2M, &rlvl));
			EXPECT_EQ(lvl, 1);
			EXPECT_EQ(rlvl, 1);
			pt_destroy(&t);
			pt_destroy(&t); /* a second destroy is a no-op */
			pt_destroy(&ref);
		}
	}
}

/*
 * PT_PROT_DEVICE (BARs in the CPU's nested table): the exact bits in the two formats that
 * define it, reported back by pt_lookup, kept by a superpage split, never mixed with normal
 * memory in one block, and refused (nothing changed) where it has no meaning.
 */
TEST(pt_device_memory)
{
	const unsigned dev_rw = RW | PT_PROT_DEVICE;
	struct pt_table t;
	struct pt_gather g;
	unsigned lvl, prot;
	uint64_t un;

	/* x86 paging / NPT: PCD|PWT (bits 4, 3) = PAT index 3 */
	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_FL, 47, ALL_SIZES, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, 0x1000, hpa(0xfe000000), 0x1000, dev_rw), 0);
	ASSERT_EQ(pt_map(&t, 0x2000, hpa(0x12345000), 0x1000, RW), 0);
	EXPECT_EQ(raw_entry(&t, 0x1000, &lvl), 0xfe000000ULL | 0x7f);
	EXPECT_EQ(raw_entry(&t, 0x2000, &lvl) & 0x18, 0);
	ASSERT_EQ(pt_lookup(&t, 0x1000, NULL, &prot, NULL), 0);
	EXPECT_EQ(prot, dev_rw);
	ASSERT_EQ(pt_lookup(&t, 0x2000, NULL, &prot, NULL), 0);
	EXPECT_EQ(prot, RW);
	pt_destroy(&t);

	/* Arm stage 2: MemAttr 0b0001 (Device-nGnRE), XN=0b10, a 2 MiB block, then split */
	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S2, 48, ALL_SIZES, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, 0x10000000, hpa(0x10000000), SZ_2M, dev_rw), 0);
	ASSERT_EQ(pt_map(&t, 0x10200000, hpa(0x10200000), SZ_2M, RW), 0);
	EXPECT_EQ(raw_entry(&t, 0x10000000, &lvl), 0x10000000ULL | (2ULL << 53) | 0x7c5);
	EXPECT_EQ(lvl, 1);
	EXPECT_EQ(raw_entry(&t, 0x10200000, &lvl), 0x10200000ULL | 0x7fd);
	ASSERT_EQ(pt_lookup(&t, 0x10001000, NULL, &prot, NULL), 0);
	EXPECT_EQ(prot, dev_rw);
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, 0x10005000, 0x1000, &g, &un), 0);
	pt_gather_release(&t, &g);
	ASSERT_EQ(pt_lookup(&t, 0x10006000, NULL, &prot, NULL), 0);
	EXPECT_EQ(prot, dev_rw); /* the split kept the device attribute */
	EXPECT_EQ(raw_entry(&t, 0x10006000, &lvl), 0x10006000ULL | (2ULL << 53) | 0x7c7);
	EXPECT_EQ(lvl, 0);
	ASSERT_EQ(pt_lookup(&t, 0x10200000, NULL, &prot, NULL), 0);
	EXPECT_EQ(prot, RW); /* the neighbouring block is still normal memory */
	pt_destroy(&t);

	/* no meaning in VT-d second-level or Arm stage 1 (no MAIR index for it): refused */
	for (unsigned f = 0; f < 2; f++) {
		struct pt_state st;

		ASSERT_EQ(pt_init(&t, f ? PT_FMT_ARM_S1 : PT_FMT_VTD_SL, 48, ALL_SIZES, true, NULL), 0);
		state_take(&t, &st);
		EXPECT_EQ(pt_map(&t, 0x1000, hpa(0xfe000000), 0x1000, dev_rw), -EINVAL);
		EXPECT_TRUE(state_same_and_free(&t, &st));
		pt_destroy(&t);
	}
	/* the attribute alone grants nothing */
	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S2, 48, ALL_SIZES, true, NULL), 0);
	EXPECT_EQ(pt_map(&t, 0x1000, hpa(0xfe000000), 0x1000, PT_PROT_DEVICE), -EINVAL);
	pt_destroy(&t);
}

/*
 * AMD-Vi v1 keeps a table's live-entry count modulo 512 in the 9 software bits of its PDE
 * (pt_fmt.h): a full table (512 entries, stored as 0) must read back as 512, survive unmaps one
 * entry at a time, and be unlinked only when the last entry goes. The PDEs name the level below
 * (NextLevel), which the hardware-faithful walker (pt_walk_foreign) checks on every walk.
 */
TEST(pt_amd_v1_full_table_count)
{
	struct pt_table t;
	struct pt_gather g;
	uint64_t un, pde, pages;
	hpa_t oa;

	ASSERT_EQ(pt_init(&t, PT_FMT_AMD_V1, 48, SZ_4K, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, SZ_1G, hpa(0x40000000), SZ_2M, RW), 0);
	pages = t.nr_table_pages;
	EXPECT_EQ(pages, 4);
	/* root -> lvl 2 -> lvl 1: the lvl-1 entry points to the full PTE table */
	{
		const uint64_t *l3 = hpa_to_ptr(t.root);
		const uint64_t *l2 = hpa_to_ptr(hpa(pt_table_addr(PT_FMT_AMD_V1, l3[0])));
		const uint64_t *l1 = hpa_to_ptr(hpa(pt_table_addr(PT_FMT_AMD_V1, l2[1])));

		EXPECT_EQ(FIELD_GET(AMD_PTE_NEXT, l3[0]), 3);
		EXPECT_EQ(FIELD_GET(AMD_PTE_NEXT, l2[1]), 2);
		pde = l1[0];
		EXPECT_EQ(FIELD_GET(AMD_PTE_NEXT, pde), 1);
		EXPECT_EQ(pde & pt_cnt_bits(PT_FMT_AMD_V1), 0); /* 512 is stored as 0 */
		EXPECT_EQ(pt_table_count(PT_FMT_AMD_V1, pde), 512);
		EXPECT_EQ(pde & AMD_PTE_RSVD_PDE, 0);
	}
	for (unsigned i = 0; i < 512; i++) {
		pt_gather_init(&g);
		ASSERT_EQ(pt_unmap(&t, SZ_1G + (uint64_t)i * SZ_4K, SZ_4K, &g, &un), 0);
		EXPECT_EQ(un, SZ_4K);
		pt_gather_release(&t, &g);
		if (i < 511) {
			EXPECT_EQ(t.nr_table_pages, pages);
			EXPECT_EQ(pt_lookup(&t, SZ_1G + 511 * SZ_4K, &oa, NULL, NULL), 0);
		}
	}
	EXPECT_EQ(t.nr_table_pages, 1); /* every table below the root went with its last entry */
	pt_destroy(&t);
}
