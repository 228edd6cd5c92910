/* SPDX-License-Identifier: MIT */
/*
 * Page-table engine benchmark (host, -O2, no sanitizers): `make bench`.
 *
 * For each case it times pt_map() and pt_unmap() (+ pt_gather_release(), which is where emptied
 * table pages are freed) and, in the same run, a baseline that stores the same number of 64-bit
 * entries with single volatile stores into a preallocated array (what a table write costs with
 * no walk, no checks, no allocation). Results are medians over many rounds, printed in ns per
 * call and as a ratio to that baseline: wall clock on a shared machine is noisy, ratios less so.
 *
 * The host allocator (arch/host/mm.c) is aligned_alloc(): see the mallopt() note in main().
 * "Warm" cases keep one pinned mapping next to the measured range so the tables above it stay
 * allocated (a busy DMA domain); the 1 GiB cases allocate and free their tables every round.
 * Then it prints table memory per mapped GiB with 4K pages only, with 2M, and with 1G leaves.
 *
 * Usage: bench_pt [--quick] [--case N FMT]
 *   --quick: fewer rounds; --case: only case N of format FMT (tests/bench/callgrind.py uses
 *   both under valgrind --tool=callgrind to count instructions per call).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hv/bits.h>
#include <hv/mm.h>

#include "ioasid/pt.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define ALL_SIZES (SZ_4K | SZ_2M | SZ_1G)
#define MAX_ROUNDS 2001

static unsigned rounds_small = 2001, rounds_big = 41;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static void die(const char *what, int ret)
{
	fprintf(stderr, "bench_pt: %s failed: %d\n", what, ret);
	exit(1);
}

/*
 * The measured bodies are separate non-inlined functions so tests/bench/callgrind.py can read
 * their inclusive instruction counts by name.
 */
#define BENCH_FN __attribute__((noinline, noclone))

/* The baseline: n single 64-bit stores of PTE-like values, then n stores of zero. */
static volatile uint64_t *base_arr;
#define BASE_MAX_PTES (1ULL << 18)

BENCH_FN static void baseline_store(uint64_t n, uint64_t oa, uint64_t step)
{
	for (uint64_t i = 0; i < n; i++) {
		base_arr[i] = (oa + i * step) | 3;
	}
}

BENCH_FN static void baseline_clear(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		base_arr[i] = 0;
	}
}

struct bcase {
	const char *name;
	uint64_t ia;       /* first call's ia */
	uint64_t oa;
	uint64_t len;      /* per call */
	unsigned calls;    /* calls per timed batch (each at ia + i * len) */
	uint64_t ptes;     /* leaf entries written per call */
	uint64_t pgsizes;  /* pgsize_bitmap for the table */
	uint64_t pin;      /* ia of a pinned 4K mapping kept for the whole case, 0 = none */
	bool big;
};

static const struct bcase cases[] = {
	{ "1x4K (warm)", SZ_1G, 0x100000000ULL, SZ_4K, 256, 1, ALL_SIZES, SZ_1G + SZ_2M - SZ_4K, false },
	{ "256x4K (warm)", SZ_1G, 0x100000000ULL, 256 * SZ_4K, 1, 256, ALL_SIZES, SZ_1G + SZ_2M - SZ_4K, false },
	{ "256x2M (warm)", SZ_1G, 0x100000000ULL, 256 * SZ_2M, 1, 256, ALL_SIZES, 2 * SZ_1G - SZ_4K, false },
	{ "1G as 4K pages", SZ_1G, 0x100001000ULL, SZ_1G, 1, 1ULL << 18, ALL_SIZES, 3 * SZ_1G, true },
	{ "1G as 2M pages", SZ_1G, 0x100200000ULL, SZ_1G, 1, 512, ALL_SIZES, 3 * SZ_1G, true },
	{ "1G as one 1G", SZ_1G, 0x100000000ULL, SZ_1G, 1, 1, ALL_SIZES, 3 * SZ_1G, true },
};

BENCH_FN static void bench_map_batch(struct pt_table *t, const struct bcase *c)
{
	for (unsigned i = 0; i < c->calls; i++) {
		int ret = pt_map(t, c->ia + i * c->len, hpa(c->oa + i * c->len), c->len, RW);

		if (ret) {
			die("pt_map", ret);
		}
	}
}

/* Unmap and, once "the invalidation is done", free the emptied tables. */
BENCH_FN static void bench_unmap_batch(struct pt_table *t, const struct bcase *c)
{
	struct pt_gather g;
	uint64_t un;

	pt_gather_init(&g);
	for (unsigned i = 0; i < c->calls; i++) {
		int ret = pt_unmap(t, c->ia + i * c->len, c->len, &g, &un);

		if (ret || un != c->len) {
			die("pt_unmap", ret);
		}
	}
	pt_gather_release(t, &g);
}

static void run_case(const struct bcase *c, enum pt_format fmt)
{
	static uint64_t tm[MAX_ROUNDS], tu[MAX_ROUNDS], bm[MAX_ROUNDS], bu[MAX_ROUNDS];
	unsigned rounds = c->big ? rounds_big : rounds_small;
	uint64_t n = c->ptes * c->calls;
	struct pt_table t;
	double mm, mu, bmm, bmu;
	int ret;

	ret = pt_init(&t, fmt, 48, c->pgsizes, true, NULL);
	if (ret) {
		die("pt_init", ret);
	}
	if (c->pin && (ret = pt_map(&t, c->pin, hpa(0x5000), SZ_4K, RW)) != 0) {
		die("pin", ret);
	}
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t t0, t1, t2, t3, t4;

		t0 = now_ns();
		bench_map_batch(&t, c);
		t1 = now_ns();
		bench_unmap_batch(&t, c);
		t2 = now_ns();
		baseline_store(n, c->oa, c->len / c->ptes);
		t3 = now_ns();
		baseline_clear(n);
		t4 = now_ns();
		tm[r] = t1 - t0;
		tu[r] = t2 - t1;
		bm[r] = t3 - t2;
		bu[r] = t4 - t3;
	}
	pt_destroy(&t);
	mm = (double)median(tm, rounds) / c->calls;
	mu = (double)median(tu, rounds) / c->calls;
	bmm = (double)median(bm, rounds) / c->calls;
	bmu = (double)median(bu, rounds) / c->calls;
	/* a baseline under the clock's resolution reads as 0: report against 1 ns then */
	bmm = bmm < 1 ? 1 : bmm;
	bmu = bmu < 1 ? 1 : bmu;
	printf("  %-16s %8lu %12.0f %10.0f %8.1f %12.0f %10.0f %8.1f\n", c->name,
	       (unsigned long)c->ptes, mm, bmm, mm / bmm, mu, bmu, mu / bmu);
}

/* KiB of table pages per GiB mapped, over 16 GiB with the given page sizes. */
static void table_memory(enum pt_format fmt, uint64_t pgsizes, const char *label)
{
	const uint64_t len = 16 * SZ_1G;
	struct pt_table t;
	int ret;

	ret = pt_init(&t, fmt, 48, pgsizes, true, NULL);
	if (ret) {
		die("pt_init", ret);
	}
	ret = pt_map(&t, 64 * SZ_1G, hpa(64 * SZ_1G), len, RW);
	if (ret) {
		die("pt_map 16G", ret);
	}
	printf("  %-28s %10.1f KiB/GiB  (%lu table pages for 16 GiB)\n", label,
	       (double)t.nr_table_pages * 4.0 / 16.0, (unsigned long)t.nr_table_pages);
	pt_destroy(&t);
}

int main(int argc, char **argv)
{
	static const struct {
		enum pt_format fmt;
		const char *name;
	} fmts[] = { { PT_FMT_VTD_SL, "VT-d second-level, 48-bit" },
		     { PT_FMT_ARM_S2, "Arm stage 2, 48-bit" } };
	int only_case = -1, only_fmt = -1;

	/*
	 * The hypervisor's page allocator hands out memory that is already mapped. glibc would
	 * return freed table pages to the kernel (trim, or mmap for big blocks) and take a page
	 * fault on every reuse, which made the 1 GiB cases measure the host kernel, not the engine
	 * (2.0 ms instead of 0.19 ms per 1 GiB 4K map in our runs). Keep freed memory in the heap.
	 */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_MMAP_THRESHOLD, 1 << 30);
	mallopt(M_TOP_PAD, 64 << 20);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			rounds_small = 21;
			rounds_big = 3;
		} else if (strcmp(argv[i], "--case") == 0 && i + 2 < argc) {
			/* one case of one format, for tests/bench/callgrind.py */
			only_case = atoi(argv[++i]);
			only_fmt = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_pt [--quick] [--case N FMT]\n");
			return 2;
		}
	}
	base_arr = calloc(BASE_MAX_PTES, sizeof(uint64_t));
	if (base_arr == NULL) {
		die("calloc", -1);
	}
	if (only_case >= 0) {
		const struct bcase *c = &cases[only_case % ARRAY_SIZE(cases)];

		printf("case %s fmt %s rounds %u calls %u ptes %lu\n", c->name,
		       fmts[only_fmt % ARRAY_SIZE(fmts)].name, c->big ? rounds_big : rounds_small,
		       c->calls, (unsigned long)c->ptes);
		run_case(c, fmts[only_fmt % ARRAY_SIZE(fmts)].fmt);
		return 0;
	}
	printf("pt engine benchmark: median of %u rounds (%u for 1G cases), ns per call;\n"
	       "baseline = the same number of single 64-bit stores into a preallocated array\n",
	       rounds_small, rounds_big);
	for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
		printf("\n%s\n", fmts[f].name);
		printf("  %-16s %8s %12s %10s %8s %12s %10s %8s\n", "case", "PTEs", "map ns",
		       "base ns", "ratio", "unmap ns", "base ns", "ratio");
		for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
			run_case(&cases[i], fmts[f].fmt);
		}
	}
	printf("\ntable memory per mapped GiB (VT-d SL 48-bit, 16 GiB mapped, 1G aligned)\n");
	table_memory(PT_FMT_VTD_SL, SZ_4K, "4K pages only");
	table_memory(PT_FMT_VTD_SL, SZ_4K | SZ_2M, "4K+2M superpages");
	table_memory(PT_FMT_VTD_SL, ALL_SIZES, "4K+2M+1G superpages");
	printf("bench_pt: done\n");
	free((void *)base_arr);
	return 0;
}
