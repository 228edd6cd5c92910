/* SPDX-License-Identifier: MIT */
/*
 * Page-table engine: a failed request changes nothing (overlap, quota, injected allocation
 * failures at every allocation point), gathers merge and overflow, table pages are freed only
 * on release and never leak; a randomized run against a reference model.
 */
#include "tests/unit/test.h"

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "arch/host/host.h"
#include "ioasid/pt.h"
#include "ioasid/pt_fmt.h"
#include "tests/unit/test_pt_util.h"

#define ALL_SIZES (SZ_4K | SZ_2M | SZ_1G)
#define RW	  (PT_PROT_READ | PT_PROT_WRITE)

TEST(pt_eexist_leaves_table_unchanged)
{
	struct pt_quota q = { .limit_pages = 1000 };
	uint64_t free0 = page_free_count();
	struct pt_state st;
	struct pt_table t;

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_FL, 47, ALL_SIZES, true, &q), 0);
	ASSERT_EQ(pt_map(&t, SZ_1G + 0x5000, hpa(0x5000), 0x1000, RW), 0);
	ASSERT_EQ(pt_map(&t, 4 * SZ_1G + SZ_2M * 3, hpa(SZ_2M), SZ_2M, RW), 0);
	ASSERT_EQ(pt_map(&t, 8 * SZ_1G, hpa(SZ_1G), SZ_1G, RW), 0);

	state_take(&t, &st);
	/* a long 4K-only map whose very last page overlaps: pass 1 counted many new tables */
	EXPECT_EQ(pt_map(&t, 0x1000, hpa(0x10001000), SZ_1G + 0x5000, RW), -EEXIST);
	/* 4K inside an existing 2M leaf */
	EXPECT_EQ(pt_map(&t, 4 * SZ_1G + SZ_2M * 3 + 0x8000, hpa(0), 0x1000, RW), -EEXIST);
	/* 2M leaf over a table that holds a 4K page */
	EXPECT_EQ(pt_map(&t, SZ_1G, hpa(0x40000000), SZ_2M, RW), -EEXIST);
	/* 1G over a 1G, and 2M inside a 1G */
	EXPECT_EQ(pt_map(&t, 8 * SZ_1G, hpa(0), SZ_1G, RW), -EEXIST);
	EXPECT_EQ(pt_map(&t, 8 * SZ_1G + SZ_2M, hpa(0), SZ_2M, RW), -EEXIST);
	/* a range whose middle overlaps the 2M leaf */
	EXPECT_EQ(pt_map(&t, 4 * SZ_1G, hpa(0x1000), SZ_1G, RW), -EEXIST);
	EXPECT_TRUE(state_same_and_free(&t, &st));
	pt_destroy(&t);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(q.used_pages, 0);
}

/*
 * The "large map": 24 MiB of 4K pages (ia and oa differ modulo 2M) straddling the 512 GiB
 * boundary of a 4-level table (two top-level slots), next to an existing mapping so part of
 * the path already exists. It needs 15 new table pages: below 512G the existing level-2 and
 * level-1 tables plus 6 new leaf tables; above, a new level-2, level-1 and 7 leaf tables.
 */
#define BIG_IA	 ((512ULL << 30) - 6 * SZ_2M + 0x1000)
#define BIG_OA	 0x123402000ULL
#define BIG_NEED 15
#define BIG_LEN	 (12 * SZ_2M)

static void big_setup(struct pt_table *t, struct pt_quota *q, enum pt_format fmt)
{
	*q = (struct pt_quota){ .limit_pages = 1000 };
	if (pt_init(t, fmt, pt_fmt_ia_bits(fmt, 4), ALL_SIZES, true, q) != 0 ||
	    pt_map(t, (512ULL << 30) - 8 * SZ_2M, hpa(0x1000), 0x1000, RW) != 0) {
		abort();
	}
}

static bool big_mapped(const struct pt_table *t)
{
	for (uint64_t off = 0; off < BIG_LEN; off += 0x1000 * 61) {
		hpa_t oa;

		if (pt_lookup(t, BIG_IA + off, &oa, NULL, NULL) != 0 || hpa_val(oa) != BIG_OA + off) {
			return false;
		}
	}
	return pt_lookup(t, BIG_IA + BIG_LEN - 0x1000, NULL, NULL, NULL) == 0;
}

TEST(pt_map_quota_every_point)
{
	static const enum pt_format fmts[] = { PT_FMT_VTD_SL, PT_FMT_ARM_S1 };

	for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
		uint64_t free0 = page_free_count(), need = 0, k;
		struct pt_quota q;
		struct pt_table t;
		int ret;

		big_setup(&t, &q, fmts[f]);
		/* limit = used + k: -EDQUOT and no change until k reaches what the map needs */
		for (k = 0;; k++) {
			struct pt_state st;

			ASSERT_TRUE(k < 100);
			q.limit_pages = q.used_pages + k;
			state_take(&t, &st);
			ret = pt_map(&t, BIG_IA, hpa(BIG_OA), BIG_LEN, RW);
			if (ret == 0) {
				snap_free(&st.snap);
				need = k;
				break;
			}
			EXPECT_EQ(ret, -EDQUOT);
			EXPECT_TRUE(state_same_and_free(&t, &st));
			EXPECT_EQ(pt_lookup(&t, BIG_IA, NULL, NULL, NULL), -ENOENT);
		}
		EXPECT_EQ(need, BIG_NEED);
		EXPECT_TRUE(big_mapped(&t));
		pt_destroy(&t);
		EXPECT_EQ(page_free_count(), free0);
	}
}

TEST(pt_map_injected_failure_every_point)
{
	uint64_t free0 = page_free_count();
	struct pt_quota q;
	struct pt_table t;
	uint64_t n, calls;
	int ret;

	/* quota->fail_after: the Nth allocation of the request fails */
	big_setup(&t, &q, PT_FMT_ARM_S2);
	for (n = 1;; n++) {
		struct pt_state st;

		ASSERT_TRUE(n < 100);
		q.fail_after = n;
		state_take(&t, &st);
		ret = pt_map(&t, BIG_IA, hpa(BIG_OA), BIG_LEN, RW);
		if (ret == 0) {
			snap_free(&st.snap);
			break;
		}
		EXPECT_EQ(ret, -ENOMEM);
		EXPECT_EQ(q.fail_after, 0);
		EXPECT_TRUE(state_same_and_free(&t, &st));
	}
	EXPECT_EQ(n, BIG_NEED + 1); /* the (BIG_NEED+1)th allocation is never made */
	EXPECT_EQ(q.fail_after, 1);
	q.fail_after = 0;
	EXPECT_TRUE(big_mapped(&t));
	pt_destroy(&t);

	/* page_alloc() itself failing, at every call the map makes */
	big_setup(&t, &q, PT_FMT_VTD_FL);
	for (n = 1;; n++) {
		struct pt_state st;

		ASSERT_TRUE(n < 100);
		state_take(&t, &st);
		host_mm_fail_after(n);
		calls = host_mm_alloc_calls();
		ret = pt_map(&t, BIG_IA, hpa(BIG_OA), BIG_LEN, RW);
		host_mm_fail_after(0);
		if (ret == 0) {
			snap_free(&st.snap);
			break;
		}
		EXPECT_EQ(ret, -ENOMEM);
		EXPECT_EQ(host_mm_alloc_calls() - calls, n);
		EXPECT_TRUE(state_same_and_free(&t, &st));
	}
	EXPECT_EQ(n, BIG_NEED + 1);
	EXPECT_TRUE(big_mapped(&t));
	pt_destroy(&t);

	/* and with every allocation failing */
	big_setup(&t, &q, PT_FMT_VTD_SL);
	{
		struct pt_state st;

		state_take(&t, &st);
		host_mm_fail_always(true);
		EXPECT_EQ(pt_map(&t, BIG_IA, hpa(BIG_OA), BIG_LEN, RW), -ENOMEM);
		host_mm_fail_always(false);
		EXPECT_TRUE(state_same_and_free(&t, &st));
	}
	pt_destroy(&t);
	EXPECT_EQ(page_free_count(), free0);
}

TEST(pt_split_failure_changes_nothing)
{
	struct pt_quota q = { .limit_pages = 100 };
	uint64_t un = 99, sz;
	struct pt_gather g;
	struct pt_table t;
	int ret;

	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S2, 48, ALL_SIZES, true, &q), 0);
	ASSERT_EQ(pt_map(&t, SZ_1G, hpa(3 * SZ_1G), SZ_1G, RW), 0);
	pt_gather_init(&g);
	for (uint64_t k = 0; k < 2; k++) {
		struct pt_state st;

		state_take(&t, &st);
		q.limit_pages = q.used_pages + k;
		EXPECT_EQ(pt_unmap(&t, SZ_1G + SZ_2M + 0x1000, 0x1000, &g, &un), -EDQUOT);
		EXPECT_TRUE(state_same_and_free(&t, &st));
		state_take(&t, &st);
		q.limit_pages = 100;
		q.fail_after = k + 1;
		EXPECT_EQ(pt_unmap(&t, SZ_1G + SZ_2M + 0x1000, 0x1000, &g, &un), -ENOMEM);
		q.fail_after = 0;
		EXPECT_TRUE(state_same_and_free(&t, &st));
	}
	EXPECT_EQ(un, 99);
	EXPECT_EQ(g.nr_ranges, 0);
	EXPECT_TRUE(g.leaf_only);
	ASSERT_EQ(pt_lookup(&t, SZ_1G + SZ_2M + 0x1000, NULL, NULL, &sz), 0);
	EXPECT_EQ(sz, SZ_1G);
	q.limit_pages = q.used_pages + 2;
	ret = pt_unmap(&t, SZ_1G + SZ_2M + 0x1000, 0x1000, &g, &un);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(un, 0x1000);
	EXPECT_EQ(pt_lookup(&t, SZ_1G + SZ_2M + 0x1000, NULL, NULL, NULL), -ENOENT);
	pt_gather_release(&t, &g);
	pt_destroy(&t);
	EXPECT_EQ(q.used_pages, 0);
}

TEST(pt_gather_merge_and_overflow)
{
	struct pt_gather g;
	struct pt_table t;
	uint64_t un;

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, ALL_SIZES, true, NULL), 0);
	ASSERT_EQ(pt_map(&t, 0x100000, hpa(0x100000), 0x100000, RW), 0); /* 256 x 4K */
	pt_gather_init(&g);
	EXPECT_TRUE(g.leaf_only);
	ASSERT_EQ(pt_unmap(&t, 0x100000, 0x100000, &g, &un), 0);
	EXPECT_EQ(un, 0x100000);
	EXPECT_EQ(g.nr_ranges, 1);
	EXPECT_EQ(g.ranges[0].start, 0x100000);
	EXPECT_EQ(g.ranges[0].end, 0x200000);
	EXPECT_TRUE(!g.overflow);
	pt_gather_release(&t, &g);
	EXPECT_EQ(g.nr_ranges, 0);

	/* adjacent calls merge; a call that bridges two ranges folds them into one */
	ASSERT_EQ(pt_map(&t, 0x100000, hpa(0x100000), 0x100000, RW), 0);
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, 0x100000, 0x10000, &g, &un), 0);
	ASSERT_EQ(pt_unmap(&t, 0x110000, 0x10000, &g, &un), 0);
	EXPECT_EQ(g.nr_ranges, 1);
	ASSERT_EQ(pt_unmap(&t, 0x140000, 0x10000, &g, &un), 0);
	EXPECT_EQ(g.nr_ranges, 2);
	ASSERT_EQ(pt_unmap(&t, 0x120000, 0x20000, &g, &un), 0);
	EXPECT_EQ(g.nr_ranges, 1);
	EXPECT_EQ(g.ranges[0].start, 0x100000);
	EXPECT_EQ(g.ranges[0].end, 0x150000);
	EXPECT_TRUE(g.leaf_only);
	pt_gather_release(&t, &g);

	/* disjoint ranges: the (PT_GATHER_MAX_RANGES+1)th sets overflow */
	ASSERT_EQ(pt_map(&t, 0x200000, hpa(0x200000), 0x100000, RW), 0);
	pt_gather_init(&g);
	for (unsigned i = 0; i < PT_GATHER_MAX_RANGES; i++) {
		ASSERT_EQ(pt_unmap(&t, 0x200000 + i * 0x2000, 0x1000, &g, &un), 0);
		EXPECT_EQ(un, 0x1000);
	}
	EXPECT_EQ(g.nr_ranges, PT_GATHER_MAX_RANGES);
	EXPECT_TRUE(!g.overflow);
	ASSERT_EQ(pt_unmap(&t, 0x280000, 0x1000, &g, &un), 0);
	EXPECT_TRUE(g.overflow);
	pt_gather_release(&t, &g);
	EXPECT_TRUE(!g.overflow);
	pt_destroy(&t);
}

TEST(pt_tables_freed_only_on_release)
{
	struct pt_quota q = { .limit_pages = 1000 };
	uint64_t free0 = page_free_count(), free1, used1, tables, un;
	struct pt_gather g;
	struct pt_table t;
	void *p;

	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S1, 48, ALL_SIZES, true, &q), 0);
	/* scattered 4K pages in 4 different 1G regions, 2 different 512G regions */
	for (uint64_t i = 0; i < 4; i++) {
		ASSERT_EQ(pt_map(&t, i * 300 * SZ_1G + 0x3000, hpa(0x1000), 0x1000, RW), 0);
	}
	tables = t.nr_table_pages;
	EXPECT_EQ(tables, 1 + 2 + 4 + 4);
	free1 = page_free_count();
	used1 = q.used_pages;
	pt_gather_init(&g);
	for (uint64_t i = 0; i < 4; i++) {
		ASSERT_EQ(pt_unmap(&t, i * 300 * SZ_1G, SZ_1G, &g, &un), 0);
		EXPECT_EQ(un, 0x1000);
	}
	EXPECT_EQ(t.nr_table_pages, 1);
	EXPECT_EQ(g.nr_freed, tables - 1);
	EXPECT_TRUE(!g.leaf_only);
	/* nothing freed yet, quota still charged */
	EXPECT_EQ(page_free_count(), free1);
	EXPECT_EQ(q.used_pages, used1);
	/* gathered pages still read as empty tables to a late walker */
	for (p = g.freed; p != NULL; p = (void *)(uintptr_t)((uint64_t *)p)[0]) {
		for (unsigned lvl = 0; lvl < 3; lvl++) {
			for (unsigned i = 0; i < PT_ENTRIES; i++) {
				EXPECT_EQ(pt_pte_kind(t.fmt, lvl, ((uint64_t *)p)[i]), PTE_NONE);
			}
		}
	}
	pt_gather_release(&t, &g);
	EXPECT_EQ(page_free_count(), free1 + tables - 1);
	EXPECT_EQ(q.used_pages, 1);
	EXPECT_EQ(g.nr_freed, 0);
	EXPECT_TRUE(g.freed == NULL);
	pt_destroy(&t);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(q.used_pages, 0);
}

TEST(pt_destroy_frees_everything)
{
	struct pt_quota q = { .limit_pages = 5000 };
	uint64_t free0 = page_free_count(), un;
	struct pt_gather g;
	struct pt_table t;

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 48, ALL_SIZES, false, &q), 0);
	ASSERT_EQ(pt_map(&t, 0x1000, hpa(0x1000), 3 * SZ_1G, RW), 0);
	ASSERT_EQ(pt_map(&t, 7 * SZ_1G, hpa(SZ_1G), SZ_1G, RW), 0);
	ASSERT_EQ(pt_map(&t, 600 * SZ_1G, hpa(SZ_1G), 5 * SZ_2M, RW), 0);
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, 7 * SZ_1G + 0x7000, 0x1000, &g, &un), 0);
	ASSERT_EQ(pt_unmap(&t, 600 * SZ_1G + SZ_2M + 0x1000, SZ_2M, &g, &un), 0);
	pt_gather_release(&t, &g);
	EXPECT_EQ(q.used_pages, t.nr_table_pages);
	EXPECT_EQ(page_free_count(), free0 - t.nr_table_pages);
	pt_destroy(&t);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(q.used_pages, 0);
	EXPECT_EQ(hpa_val(t.root), 0);
}

TEST(pt_vtd_39bit_three_level)
{
	struct pt_table t;
	uint64_t un, sz;
	struct pt_gather g;
	hpa_t oa;

	ASSERT_EQ(pt_init(&t, PT_FMT_VTD_SL, 39, ALL_SIZES, true, NULL), 0);
	EXPECT_EQ(t.levels, 3);
	ASSERT_EQ(pt_map(&t, 256 * SZ_1G, hpa(2 * SZ_1G), SZ_1G, RW), 0);
	EXPECT_EQ(t.nr_table_pages, 1);
	ASSERT_EQ(pt_map(&t, (1ULL << 39) - SZ_2M, hpa(0x200000), SZ_2M, RW), 0);
	EXPECT_EQ(t.nr_table_pages, 2);
	ASSERT_EQ(pt_lookup(&t, 256 * SZ_1G + 0xabcdef, &oa, NULL, &sz), 0);
	EXPECT_EQ(hpa_val(oa), 2 * SZ_1G + 0xabcdef);
	EXPECT_EQ(sz, SZ_1G);
	ASSERT_EQ(pt_lookup(&t, (1ULL << 39) - 1, &oa, NULL, &sz), 0);
	EXPECT_EQ(hpa_val(oa), 0x400000 - 1);
	EXPECT_EQ(sz, SZ_2M);
	/* root slot 256 holds the 1G leaf directly: raw entry has PS and R/W */
	EXPECT_EQ(((uint64_t *)hpa_to_ptr(t.root))[256], 2 * SZ_1G | 0x83);
	pt_gather_init(&g);
	ASSERT_EQ(pt_unmap(&t, 0, 1ULL << 39, &g, &un), 0);
	EXPECT_EQ(un, SZ_1G + SZ_2M);
	EXPECT_EQ(g.ranges[0].start, 256 * SZ_1G);
	EXPECT_EQ(g.ranges[0].end, 1ULL << 39);
	pt_gather_release(&t, &g);
	pt_destroy(&t);
}

/*
 * Random map/unmap against a reference array of 4K pages over 4 GiB: every result (error code,
 * bytes unmapped) and every translation must match the model.
 */
#define MODEL_PAGES (1U << 20)
struct model_page {
	uint64_t oa; /* 0 = unmapped (oa 0 is never used) */
	uint8_t prot;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rand_len(void)
{
	switch (rng() % 4) {
	case 0:
		return (1 + rng() % 8) * 0x1000;
	case 1:
		return (1 + rng() % 600) * 0x1000;
	case 2:
		return (1 + rng() % 6) * SZ_2M;
	default:
		return (rng() % 2 ? SZ_1G : SZ_2M * (1 + rng() % 700));
	}
}

static uint64_t rand_base(uint64_t len)
{
	uint64_t align = rng() % 3 == 0 ? SZ_4K : (rng() % 3 ? SZ_2M : SZ_1G);
	uint64_t ia = ALIGN_DOWN(rng() % (4 * SZ_1G), align);

	if (rng() % 4 == 0) {
		ia += 0x1000 * (rng() % 4);
	}
	return ia + len <= 4 * SZ_1G ? ia : 4 * SZ_1G - len;
}

static bool model_check_page(const struct pt_table *t, const struct model_page *m, uint64_t pg)
{
	unsigned prot;
	hpa_t oa;
	int ret = pt_lookup(t, pg << 12, &oa, &prot, NULL);

	if (m[pg].oa == 0) {
		return ret == -ENOENT;
	}
	return ret == 0 && hpa_val(oa) == m[pg].oa && prot == m[pg].prot;
}

TEST(pt_random_vs_model)
{
	static const enum pt_format fmts[] = { PT_FMT_VTD_SL, PT_FMT_VTD_FL, PT_FMT_ARM_S1, PT_FMT_ARM_S2,
					       PT_FMT_AMD_V1 };

	for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
		struct model_page *m = calloc(MODEL_PAGES, sizeof(*m));
		struct pt_quota q = { .limit_pages = 100000 };
		uint64_t free0 = page_free_count();
		unsigned bad = 0, maps = 0, unmaps = 0, eexist = 0;
		struct pt_gather g;
		struct pt_table t;

		ASSERT_TRUE(m != NULL);
		if (pt_init(&t, fmts[f], pt_fmt_ia_bits(fmts[f], 4), ALL_SIZES, true, &q) != 0) {
			free(m);
			TEST_FAIL_("pt_init(fmt %d) failed", fmts[f]);
			return;
		}
		for (unsigned op = 0; op < 3000 && bad < 5; op++) {
			uint64_t len = rand_len(), ia = rand_base(len), pg0 = ia >> 12, n = len >> 12;
			uint64_t expect_un = 0, un = 0;
			bool overlap = false;

			if (rng() % 2) {
				uint64_t oa = ALIGN_DOWN(rng() % (1ULL << 46), SZ_1G) + SZ_1G +
					      (rng() % 2 ? (ia & (SZ_1G - 1)) : 0x1000 * (rng() % 3));
				unsigned prot = rng() % 2 ? RW : PT_PROT_READ;
				int ret;

				for (uint64_t i = 0; i < n; i++) {
					overlap |= m[pg0 + i].oa != 0;
				}
				ret = pt_map(&t, ia, hpa(oa), len, prot);
				if (ret != (overlap ? -EEXIST : 0)) {
					bad++;
					fprintf(stderr, "    op %u map %#lx+%#lx: %d\n", op, (unsigned long)ia,
						(unsigned long)len, ret);
				}
				if (ret == 0) {
					maps++;
					for (uint64_t i = 0; i < n; i++) {
						m[pg0 + i].oa = oa + i * 0x1000;
						m[pg0 + i].prot = (uint8_t)prot;
					}
				} else {
					eexist++;
				}
			} else {
				pt_gather_init(&g);
				for (uint64_t i = 0; i < n; i++) {
					expect_un += m[pg0 + i].oa ? 0x1000 : 0;
				}
				if (pt_unmap(&t, ia, len, &g, &un) != 0 || un != expect_un) {
					bad++;
					fprintf(stderr, "    op %u unmap %#lx+%#lx: %#lx != %#lx\n", op,
						(unsigned long)ia, (unsigned long)len, (unsigned long)un,
						(unsigned long)expect_un);
				}
				pt_gather_release(&t, &g);
				unmaps++;
				for (uint64_t i = 0; i < n; i++) {
					m[pg0 + i].oa = 0;
				}
			}
			/* the pages around and inside the range, then a random sample */
			for (uint64_t i = 0; i < n + 2 && i < 1100; i++) {
				uint64_t pg = pg0 + i - (pg0 ? 1 : 0);

				if (pg < MODEL_PAGES && !model_check_page(&t, m, pg)) {
					bad++;
					break;
				}
			}
			for (unsigned i = 0; i < 64; i++) {
				if (!model_check_page(&t, m, rng() % MODEL_PAGES)) {
					bad++;
					break;
				}
			}
			EXPECT_EQ(q.used_pages, t.nr_table_pages);
			if (op % 8 == 0 && !pt_counts_consistent(&t)) {
				bad++;
				fprintf(stderr, "    op %u: live-entry counts or empty tables wrong\n", op);
			}
		}
		EXPECT_TRUE(pt_counts_consistent(&t));
		EXPECT_EQ(bad, 0);
		EXPECT_TRUE(maps > 100 && unmaps > 100 && eexist > 100);
		/* full final comparison */
		for (uint64_t pg = 0; pg < MODEL_PAGES; pg += 7) {
			if (!model_check_page(&t, m, pg)) {
				bad++;
			}
		}
		EXPECT_EQ(bad, 0);
		pt_destroy(&t);
		EXPECT_EQ(page_free_count(), free0);
		free(m);
	}
}
