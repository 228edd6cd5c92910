// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/palloc.c: the bitmap page allocator the hypervisor uses on real arches.
 * "RAM" is an aligned heap block of the test process (host addresses stand in for hpa_t).
 * hv_panic() is defined here and longjmps back, so tests can prove that CHECK()s fire on a
 * double free or a free of foreign memory.
 */
#define TEST_MAIN
#include <setjmp.h>
#include <stdarg.h>

#include <hv/bits.h>
#include <hv/check.h>
#include <hv/errno.h>
#include <hv/memmap.h>
#include <hv/mm.h>
#include <hv/palloc.h>

#include "test.h"

#define RAM_SIZE (4ULL << 20) /* 1024 pages */
#define RAM_PAGES (RAM_SIZE / HV_PAGE_SIZE)

static jmp_buf panic_jmp;
static bool panic_armed;
static int panics;

__noreturn void hv_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!panic_armed) {
		vfprintf(stderr, fmt, ap);
		abort();
	}
	va_end(ap);
	panics++;
	longjmp(panic_jmp, 1);
}

void arch_dcache_clean(const void *p, size_t len)
{
	(void)p;
	(void)len;
}

/* A fresh allocator over one 4 MiB block aligned to 4 MiB (so order-10 blocks can exist). */
static uint8_t *fresh_ram(void)
{
	static uint8_t *ram;

	if (ram == NULL) {
		ram = aligned_alloc(RAM_SIZE, RAM_SIZE);
	}
	palloc_reset();
	memset(ram, 0x5a, RAM_SIZE); /* dirty, to prove allocations are zeroed */
	return ram;
}

static bool in_ram(const uint8_t *ram, const void *p, uint64_t len)
{
	return (const uint8_t *)p >= ram && (const uint8_t *)p + len <= ram + RAM_SIZE;
}

TEST(palloc_range_accounting)
{
	uint8_t *ram = fresh_ram();

	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram), RAM_SIZE), 0);
	/* 1024 pages need a 128-byte bitmap: one page goes to the bitmap. */
	EXPECT_EQ(page_total_count(), RAM_PAGES - 1);
	EXPECT_EQ(page_free_count(), RAM_PAGES - 1);
	EXPECT_EQ(palloc_nr_ranges(), 1);
}

TEST(palloc_alloc_free_single)
{
	uint8_t *ram = fresh_ram();
	uint64_t *p, *q;

	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram), RAM_SIZE), 0);
	p = page_alloc(0);
	q = page_alloc(0);
	ASSERT_TRUE(p != NULL && q != NULL);
	EXPECT_TRUE(p != q);
	EXPECT_TRUE(in_ram(ram, p, HV_PAGE_SIZE) && in_ram(ram, q, HV_PAGE_SIZE));
	EXPECT_TRUE(IS_ALIGNED((uintptr_t)p, HV_PAGE_SIZE));
	/* The bitmap page is never handed out. */
	EXPECT_TRUE((uint8_t *)p != ram && (uint8_t *)q != ram);
	EXPECT_EQ(p[0], 0);
	EXPECT_EQ(p[511], 0);
	EXPECT_EQ(page_free_count(), RAM_PAGES - 3);
	page_free(p, 0);
	page_free(q, 0);
	EXPECT_EQ(page_free_count(), RAM_PAGES - 1);
}

TEST(palloc_orders_are_aligned_and_disjoint)
{
	uint8_t *ram = fresh_ram();
	void *blocks[6];
	unsigned orders[6] = { 0, 3, 1, 5, 0, 9 };

	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram), RAM_SIZE), 0);
	for (unsigned i = 0; i < 6; i++) {
		uint64_t len = HV_PAGE_SIZE << orders[i];

		blocks[i] = page_alloc(orders[i]);
		ASSERT_TRUE(blocks[i] != NULL);
		EXPECT_TRUE(IS_ALIGNED((uintptr_t)blocks[i], len));
		EXPECT_TRUE(in_ram(ram, blocks[i], len));
		for (unsigned j = 0; j < i; j++) {
			uintptr_t a = (uintptr_t)blocks[i], b = (uintptr_t)blocks[j];
			uint64_t lb = HV_PAGE_SIZE << orders[j];

			EXPECT_TRUE(a + len <= b || b + lb <= a);
		}
		memset(blocks[i], 0xff, len);
	}
	EXPECT_EQ(page_free_count(), RAM_PAGES - 1 - (1 + 8 + 2 + 32 + 1 + 512));
	for (unsigned i = 0; i < 6; i++) {
		page_free(blocks[i], orders[i]);
	}
	EXPECT_EQ(page_free_count(), RAM_PAGES - 1);
	/* Memory we dirtied comes back zeroed. */
	blocks[0] = page_alloc(9);
	ASSERT_TRUE(blocks[0] != NULL);
	for (uint64_t i = 0; i < (HV_PAGE_SIZE << 9) / 8; i++) {
		if (((uint64_t *)blocks[0])[i] != 0) {
			EXPECT_EQ(((uint64_t *)blocks[0])[i], 0);
			break;
		}
	}
}

TEST(palloc_exhaustion_returns_null)
{
	uint8_t *ram = fresh_ram();
	uint64_t n = 0;

	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram), RAM_SIZE), 0);
	/* The first page holds the bitmap, so no 4 MiB (order 10) block exists. */
	EXPECT_TRUE(page_alloc(10) == NULL);
	while (page_alloc(0) != NULL) {
		n++;
	}
	EXPECT_EQ(n, RAM_PAGES - 1);
	EXPECT_EQ(page_free_count(), 0);
	EXPECT_TRUE(page_alloc(0) == NULL);
	EXPECT_TRUE(page_alloc(99) == NULL);
}

TEST(palloc_double_free_panics)
{
	uint8_t *ram = fresh_ram();
	void *volatile p;

	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram), RAM_SIZE), 0);
	p = page_alloc(0);
	ASSERT_TRUE(p != NULL);
	page_free(p, 0);
	panics = 0;
	panic_armed = true;
	if (setjmp(panic_jmp) == 0) {
		page_free(p, 0);
	}
	EXPECT_EQ(panics, 1);
	/* Freeing memory the allocator never managed is caught too. */
	if (setjmp(panic_jmp) == 0) {
		static uint64_t outside[512] __attribute__((aligned(4096)));

		page_free(outside, 0);
	}
	panic_armed = false;
	EXPECT_EQ(panics, 2);
	EXPECT_EQ(page_free_count(), RAM_PAGES - 1);
}

TEST(palloc_rejects_bad_ranges)
{
	uint8_t *ram = fresh_ram();

	EXPECT_EQ(palloc_add_range(ptr_to_hpa(ram), 0), -EINVAL);
	/* Less than a page once aligned inwards. */
	EXPECT_EQ(palloc_add_range(ptr_to_hpa(ram + 100), HV_PAGE_SIZE), -EINVAL);
	/* Wraps around the address space. */
	EXPECT_EQ(palloc_add_range(hpa(~0ULL - HV_PAGE_SIZE), 4 * HV_PAGE_SIZE), -EINVAL);
	EXPECT_EQ(palloc_nr_ranges(), 0);
	/* Unaligned edges are trimmed to whole pages. */
	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram + 100), 16 * HV_PAGE_SIZE), 0);
	EXPECT_EQ(page_total_count(), 15 - 1);
}

TEST(palloc_init_trims_reserved_and_image)
{
	uint8_t *ram = fresh_ram();
	static struct bootinfo bi;
	uint64_t base = (uint64_t)(uintptr_t)ram;
	void *p;

	memset(&bi, 0, sizeof(bi));
	/* usable [0, 4M) overlapped by a reserved [3M, 5M) region; image at [0, 64K). */
	bi.mem[0] = (struct mem_region){ hpa(base), RAM_SIZE, MEM_USABLE, 0 };
	bi.mem[1] = (struct mem_region){ hpa(base + (3ULL << 20)), 2ULL << 20, MEM_RESERVED, 0 };
	bi.mem[2] = (struct mem_region){ hpa(base + (8ULL << 20)), 1ULL << 20, MEM_HV_POOL, 0 };
	bi.nr_mem = 3;
	bi.image_base = hpa(base);
	bi.image_size = 64 * 1024;
	ASSERT_EQ(palloc_init(&bi), 0);
	/* [64K, 3M) is left: 752 pages, one of them the bitmap. */
	EXPECT_EQ(page_total_count(), (3ULL << 20) / HV_PAGE_SIZE - 16 - 1);
	while ((p = page_alloc(0)) != NULL) {
		uintptr_t a = (uintptr_t)p;

		if (a < base + 64 * 1024 || a >= base + (3ULL << 20)) {
			EXPECT_TRUE(!"page outside the trimmed range");
			break;
		}
	}
	/* Nothing usable at all is an error. */
	palloc_reset();
	bi.nr_mem = 2;
	bi.mem[0].type = MEM_ACPI_RECLAIM;
	EXPECT_EQ(palloc_init(&bi), -ENOMEM);
}

/*
 * The x86 CPU start-up trampoline (boot/efi_main.c boot_alloc_trampoline): carved out of
 * usable RAM as MEM_FIRMWARE, as boot/ does, it is never handed out, even when every other
 * page is allocated.
 */
TEST(palloc_never_hands_out_the_smp_trampoline)
{
	uint8_t *ram = fresh_ram();
	static struct bootinfo bi;
	uint64_t base = (uint64_t)(uintptr_t)ram, tramp = base + (1ULL << 20);
	uint64_t n = 0;
	void *p;

	memset(&bi, 0, sizeof(bi));
	ASSERT_EQ(memmap_append(&bi, base, RAM_SIZE, MEM_USABLE), 0);
	ASSERT_EQ(memmap_carve(&bi, tramp, BOOTINFO_SMP_TRAMPOLINE_SIZE, MEM_FIRMWARE), 0);
	memmap_normalise(&bi);
	bi.smp_trampoline = hpa(tramp);
	ASSERT_EQ(palloc_init(&bi), 0);
	while ((p = page_alloc(0)) != NULL) {
		uintptr_t a = (uintptr_t)p;

		n++;
		if (a + HV_PAGE_SIZE > tramp && a < tramp + BOOTINFO_SMP_TRAMPOLINE_SIZE) {
			EXPECT_TRUE(!"the trampoline was handed out");
			break;
		}
	}
	/* Every managed page was handed out; only the trampoline and the two ranges' bitmaps were not. */
	EXPECT_EQ(n, page_total_count());
	EXPECT_EQ(n + BOOTINFO_SMP_TRAMPOLINE_SIZE / HV_PAGE_SIZE + 2, RAM_PAGES);
}

/* palloc_claim (RMRRs): free pages taken for good; in-use, partly managed or foreign ranges not. */
TEST(palloc_claim_takes_free_pages_only)
{
	uint8_t *ram = fresh_ram();
	uint8_t *p;
	uint64_t before;

	ASSERT_EQ(palloc_add_range(ptr_to_hpa(ram), RAM_SIZE), 0);
	p = page_alloc(2);
	ASSERT_TRUE(p != NULL);
	EXPECT_EQ(palloc_claim(ptr_to_hpa(p), 4 * HV_PAGE_SIZE), -EBUSY); /* in use */
	page_free(p, 2);
	before = page_free_count();
	EXPECT_EQ(palloc_claim(ptr_to_hpa(p + HV_PAGE_SIZE), HV_PAGE_SIZE + 1), -EINVAL);
	EXPECT_EQ(palloc_claim(ptr_to_hpa(p), 0), -EINVAL);
	EXPECT_EQ(palloc_claim(ptr_to_hpa(ram), 2 * HV_PAGE_SIZE), -EBUSY); /* the bitmap page is not managed */
	EXPECT_EQ(palloc_claim(hpa(hpa_val(ptr_to_hpa(ram)) + RAM_SIZE), HV_PAGE_SIZE), -ENOENT);
	EXPECT_EQ(page_free_count(), before);
	ASSERT_EQ(palloc_claim(ptr_to_hpa(p), 4 * HV_PAGE_SIZE), 0);
	EXPECT_EQ(page_free_count(), before - 4);
	EXPECT_EQ(palloc_claim(ptr_to_hpa(p), HV_PAGE_SIZE), -EBUSY); /* taken already */
	/* never handed out again */
	for (uint64_t i = 0; i < RAM_PAGES; i++) {
		uint8_t *q = page_alloc(0);

		if (q == NULL) {
			break;
		}
		EXPECT_TRUE(q < p || q >= p + 4 * HV_PAGE_SIZE);
	}
}
