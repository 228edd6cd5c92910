// SPDX-License-Identifier: MIT
/*
 * Unit tests for arch/arm64/pgtable.c, the builder of the hypervisor's own EL2 stage-1
 * identity map. The tables live in host memory (arch/host page allocator, with failure
 * injection); the QEMU boot test checks the same tables as the hardware walks them (AT S1E2R/W).
 */
#define TEST_MAIN
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "arch/arm64/pgtable.h"
#include "arch/host/host.h"
#include "test.h"

/* Every table page reachable from root, counted (root included). */
static unsigned count_tables(const uint64_t *table, unsigned level)
{
	unsigned n = 1;

	for (unsigned i = 0; i < PT_ENTRIES && level < PT_LEVELS - 1; i++) {
		if ((table[i] & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE)) {
			n += count_tables(hpa_to_ptr(hpa(table[i] & PTE_ADDR)), level + 1);
		}
	}
	return n;
}

static void free_tables(uint64_t *table, unsigned level)
{
	for (unsigned i = 0; i < PT_ENTRIES && level < PT_LEVELS - 1; i++) {
		if ((table[i] & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE)) {
			free_tables(hpa_to_ptr(hpa(table[i] & PTE_ADDR)), level + 1);
		}
	}
	page_free(table, 0);
}

/* va is mapped identically by a leaf at `level` with exactly these attributes. */
static bool mapped_as(const uint64_t *root, uint64_t va, unsigned level, uint64_t attrs)
{
	uint64_t desc, bsize = 1ULL << (HV_PAGE_SHIFT + 9 * (PT_LEVELS - 1 - level));
	uint64_t type = level == PT_LEVELS - 1 ? PTE_TABLE | PTE_VALID : PTE_VALID;
	unsigned l;

	if (!arm64_pt_lookup(root, va, &desc, &l)) {
		return false;
	}
	return l == level && desc == (ALIGN_DOWN(va, bsize) | attrs | type);
}

TEST(arm64_pt_block_sizes)
{
	uint64_t *root = page_alloc(0);
	uint64_t d;
	unsigned l;
	uint64_t free0;

	ASSERT_TRUE(root != NULL);
	free0 = page_free_count();
	/* 1 GiB aligned: one level-1 block, one new table (level 1). */
	EXPECT_EQ(arm64_pt_map(root, 0x40000000, SZ_1G, PT_ATTR_DATA, false), 0);
	EXPECT_TRUE(mapped_as(root, 0x40000000, 1, PT_ATTR_DATA));
	EXPECT_TRUE(mapped_as(root, 0x7fffffff, 1, PT_ATTR_DATA));
	EXPECT_EQ(free0 - page_free_count(), 1);
	/* 2 MiB + 4 KiB at a 2 MiB boundary: a level-2 block and one level-3 page. */
	EXPECT_EQ(arm64_pt_map(root, 0x80000000, SZ_2M + SZ_4K, PT_ATTR_DATA, false), 0);
	EXPECT_TRUE(mapped_as(root, 0x80000000, 2, PT_ATTR_DATA));
	EXPECT_TRUE(mapped_as(root, 0x80200000, 3, PT_ATTR_DATA));
	EXPECT_TRUE(!arm64_pt_lookup(root, 0x80201000, &d, &l));
	EXPECT_TRUE(!arm64_pt_lookup(root, 0x3fffffff, &d, &l));
	EXPECT_EQ(count_tables(root, 0), 4); /* root, L1, L2, L3 */
	free_tables(root, 0);
}

TEST(arm64_pt_unaligned_range_uses_pages_then_blocks)
{
	uint64_t *root = page_alloc(0);
	uint64_t d;
	unsigned l;

	ASSERT_TRUE(root != NULL);
	/* [2M - 4K + 0x123, 4M + 8K): the partial head page, a 2 MiB block, two tail pages. */
	EXPECT_EQ(arm64_pt_map(root, SZ_2M - SZ_4K + 0x123, SZ_2M + 3 * SZ_4K - 0x123,
			       PT_ATTR_DEVICE, false), 0);
	EXPECT_TRUE(mapped_as(root, SZ_2M - SZ_4K, 3, PT_ATTR_DEVICE));
	EXPECT_TRUE(mapped_as(root, SZ_2M, 2, PT_ATTR_DEVICE));
	EXPECT_TRUE(mapped_as(root, 2 * SZ_2M, 3, PT_ATTR_DEVICE));
	EXPECT_TRUE(mapped_as(root, 2 * SZ_2M + SZ_4K, 3, PT_ATTR_DEVICE));
	EXPECT_TRUE(!arm64_pt_lookup(root, 2 * SZ_2M + 2 * SZ_4K, &d, &l));
	EXPECT_TRUE(!arm64_pt_lookup(root, SZ_2M - 2 * SZ_4K, &d, &l));
	free_tables(root, 0);
}

TEST(arm64_pt_idempotent_and_conflicts)
{
	uint64_t *root = page_alloc(0);
	uint64_t free0;

	ASSERT_TRUE(root != NULL);
	EXPECT_EQ(arm64_pt_map(root, 0x9000000, SZ_4K, PT_ATTR_DEVICE, false), 0);
	free0 = page_free_count();
	/* The same mapping again: success, nothing allocated. */
	EXPECT_EQ(arm64_pt_map(root, 0x9000000, SZ_4K, PT_ATTR_DEVICE, false), 0);
	EXPECT_EQ(page_free_count(), free0);
	/* Different attributes over it: refused, the original stays. */
	EXPECT_EQ(arm64_pt_map(root, 0x9000000, SZ_4K, PT_ATTR_DATA, false), -EEXIST);
	EXPECT_TRUE(mapped_as(root, 0x9000000, 3, PT_ATTR_DEVICE));
	/* RAM over a 2 MiB block as device: refused too (no block splitting, ever). */
	EXPECT_EQ(arm64_pt_map(root, 0x40000000, SZ_2M, PT_ATTR_DATA, false), 0);
	EXPECT_EQ(arm64_pt_map(root, 0x40001000, SZ_4K, PT_ATTR_DEVICE, false), -EEXIST);
	EXPECT_TRUE(mapped_as(root, 0x40001000, 2, PT_ATTR_DATA));
	free_tables(root, 0);
}

TEST(arm64_pt_wx_keep_more_specific)
{
	uint64_t *root = page_alloc(0);
	uint64_t d;
	unsigned l;
	uint64_t text = 0x7c415000;

	ASSERT_TRUE(root != NULL);
	/* The boot order of arm64_mmu_init(): code first, then RAM around it with keep. */
	EXPECT_EQ(arm64_pt_map(root, text, 3 * SZ_4K, PT_ATTR_TEXT, false), 0);
	EXPECT_EQ(arm64_pt_map(root, 0x40000000, SZ_1G, PT_ATTR_DATA, true), 0);
	for (uint64_t p = text; p < text + 3 * SZ_4K; p += SZ_4K) {
		EXPECT_TRUE(mapped_as(root, p, 3, PT_ATTR_TEXT));
	}
	EXPECT_TRUE(mapped_as(root, text - SZ_4K, 3, PT_ATTR_DATA));
	EXPECT_TRUE(mapped_as(root, text + 3 * SZ_4K, 3, PT_ATTR_DATA));
	/* Elsewhere the big blocks are still used. */
	EXPECT_TRUE(mapped_as(root, 0x40000000, 2, PT_ATTR_DATA));
	EXPECT_TRUE(mapped_as(root, 0x7fe00000, 2, PT_ATTR_DATA));
	/* Text is read-only and executable, data execute-never. */
	ASSERT_TRUE(arm64_pt_lookup(root, text, &d, &l));
	EXPECT_TRUE((d & PTE_AP2_RO) && !(d & PTE_XN));
	ASSERT_TRUE(arm64_pt_lookup(root, 0x40000000, &d, &l));
	EXPECT_TRUE(!(d & PTE_AP2_RO) && (d & PTE_XN));
	free_tables(root, 0);
}

TEST(arm64_pt_range_checks)
{
	uint64_t *root = page_alloc(0);
	uint64_t d;
	unsigned l;
	uint64_t free0;

	ASSERT_TRUE(root != NULL);
	free0 = page_free_count();
	EXPECT_EQ(arm64_pt_map(root, ~0ULL - SZ_4K, 2 * SZ_4K, PT_ATTR_DATA, false), -ERANGE);
	EXPECT_EQ(arm64_pt_map(root, (1ULL << 48) - SZ_4K, 2 * SZ_4K, PT_ATTR_DATA, false),
		  -ERANGE);
	EXPECT_EQ(arm64_pt_map(root, 0x1000, 0, PT_ATTR_DATA, false), 0);
	EXPECT_EQ(page_free_count(), free0);
	/* The very last page below 2^48 is mappable. */
	EXPECT_EQ(arm64_pt_map(root, (1ULL << 48) - SZ_4K, SZ_4K, PT_ATTR_DEVICE, false), 0);
	EXPECT_TRUE(mapped_as(root, (1ULL << 48) - SZ_4K, 3, PT_ATTR_DEVICE));
	EXPECT_TRUE(!arm64_pt_lookup(root, 1ULL << 48, &d, &l));
	free_tables(root, 0);
}

TEST(arm64_pt_table_alloc_failure)
{
	uint64_t va = 0x123456000ULL, free0 = page_free_count();

	/*
	 * A fresh 4 KiB mapping needs L1, L2 and L3 tables: fail each in turn. What was built
	 * before the failure stays reachable from the root (documented), the retry completes it,
	 * and freeing the tables returns every page.
	 */
	for (uint64_t n = 1; n <= 3; n++) {
		uint64_t *root = page_alloc(0);

		ASSERT_TRUE(root != NULL);
		host_mm_fail_after(n);
		EXPECT_EQ(arm64_pt_map(root, va, SZ_4K, PT_ATTR_DATA, false), -ENOMEM);
		host_mm_fail_after(0);
		EXPECT_EQ(count_tables(root, 0), n);
		EXPECT_EQ(arm64_pt_map(root, va, SZ_4K, PT_ATTR_DATA, false), 0);
		EXPECT_TRUE(mapped_as(root, va, 3, PT_ATTR_DATA));
		EXPECT_EQ(count_tables(root, 0), 4);
		free_tables(root, 0);
		EXPECT_EQ(page_free_count(), free0);
	}
}
