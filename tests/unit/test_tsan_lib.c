// SPDX-License-Identifier: MIT
/*
 * The lower layer under ThreadSanitizer (make tsan; mk/host.mk), threads standing in for CPUs:
 *   - the ticket lock (include/hv/spinlock.h) gives mutual exclusion and hands the lock out in
 *     ticket order; the recursive lock lets its holder in again and nobody else;
 *   - the real page allocator (lib/palloc.c) never hands one page to two CPUs at once, keeps
 *     its counters exact, and gets every page back;
 *   - the console and log (lib/console.c, lib/log.c) never interleave two CPUs' lines.
 * TSan must report nothing; it would for a missing lock or a missing barrier in any of them.
 */
#define TEST_MAIN
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdlib.h>

#include <hv/check.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/spinlock.h>

#include "tests/unit/test.h"

#define NR_THREADS 4

/* The real hooks (arch/host/cpu.c) spin; give the core away instead (see tsan.mk). */
void __wrap_arch_cpu_relax(void);
void __wrap_arch_cpu_relax(void)
{
	sched_yield();
}

/* lib/log.c's hv_panic ends here: a CHECK that fires fails the test loudly. */
__noreturn void arch_exit(int code)
{
	fprintf(stderr, "    arch_exit(%d): a CHECK fired\n", code);
	abort();
}

static void run_threads(void *(*fn)(void *), void *args, size_t arg_size)
{
	pthread_t th[NR_THREADS];

	for (unsigned i = 0; i < NR_THREADS; i++) {
		if (pthread_create(&th[i], NULL, fn, (char *)args + i * arg_size) != 0) {
			abort();
		}
	}
	for (unsigned i = 0; i < NR_THREADS; i++) {
		pthread_join(th[i], NULL);
	}
}

/* ---- ticket lock -------------------------------------------------------------------------- */

#define LOCK_ITERS 200000

static hv_spinlock_t tl = HV_SPINLOCK_INIT;
static uint64_t tl_counter; /* plain: only ever touched under tl */
static unsigned tl_inside;  /* plain too: a second thread inside would see 1 */
static unsigned tl_overlaps;

static void *ticket_worker(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < LOCK_ITERS; i++) {
		if (i % 8 == 0) {
			while (!hv_spin_trylock(&tl)) {
				sched_yield();
			}
		} else {
			hv_spin_lock(&tl);
		}
		tl_overlaps += tl_inside;
		tl_inside = 1;
		tl_counter++;
		tl_inside = 0;
		hv_spin_unlock(&tl);
	}
	return NULL;
}

TEST(ticket_lock_mutual_exclusion)
{
	char none[NR_THREADS];

	run_threads(ticket_worker, none, 1);
	EXPECT_EQ(tl_counter, (uint64_t)NR_THREADS * LOCK_ITERS);
	EXPECT_EQ(tl_overlaps, 0);
	EXPECT_TRUE(!hv_spin_is_locked(&tl));
	/* every ticket handed out was served */
	EXPECT_EQ(tl.next, tl.owner);
}

TEST(ticket_lock_trylock_fails_while_held_or_queued)
{
	hv_spinlock_t l = HV_SPINLOCK_INIT;

	ASSERT_TRUE(hv_spin_trylock(&l));
	EXPECT_TRUE(hv_spin_is_locked(&l));
	EXPECT_TRUE(!hv_spin_trylock(&l));
	hv_spin_unlock(&l);
	EXPECT_TRUE(!hv_spin_is_locked(&l));
	/* a waiter that took a ticket (next moved) also makes trylock fail: FIFO is kept */
	hv_spin_lock(&l);
	__atomic_fetch_add(&l.next, 1, __ATOMIC_RELAXED); /* a queued waiter's ticket */
	hv_spin_unlock(&l);
	EXPECT_TRUE(!hv_spin_trylock(&l));
	hv_spin_unlock(&l); /* the queued waiter's turn, ended */
	EXPECT_TRUE(hv_spin_trylock(&l));
	hv_spin_unlock(&l);
}

/* ---- recursive lock ----------------------------------------------------------------------- */

#define RLOCK_ITERS 50000

static hv_rspinlock_t rl = HV_RSPINLOCK_INIT;
static uint64_t rl_counter;
static unsigned rl_bad;

static void rl_nested(unsigned depth)
{
	hv_rspin_lock(&rl);
	rl_bad += !hv_rspin_held(&rl) || rl.depth != depth;
	rl_counter++;
	if (depth < 3) {
		rl_nested(depth + 1);
	}
	hv_rspin_unlock(&rl);
}

static void *rlock_worker(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < RLOCK_ITERS; i++) {
		if (i % 4 == 0) {
			while (!hv_rspin_trylock(&rl)) {
				sched_yield();
			}
			rl_nested(2);
			hv_rspin_unlock(&rl);
		} else {
			rl_nested(1);
		}
	}
	return NULL;
}

TEST(recursive_lock_reenters_on_one_cpu_excludes_others)
{
	char none[NR_THREADS];

	run_threads(rlock_worker, none, 1);
	EXPECT_EQ(rl_bad, 0);
	EXPECT_EQ(rl_counter, (uint64_t)NR_THREADS * RLOCK_ITERS * 3 - (uint64_t)NR_THREADS * (RLOCK_ITERS / 4));
	EXPECT_EQ(rl.holder, -1);
	EXPECT_EQ(rl.depth, 0);
	EXPECT_TRUE(!hv_rspin_held(&rl));
}

/* ---- page allocator ----------------------------------------------------------------------- */

#define PA_POOL	 (1ULL << 20) /* 1 MiB of "RAM": the threads together want more, now and then */
#define PA_ITERS 20000
#define PA_HELD	 48 /* blocks a thread may hold at once */

static uint8_t *pa_ram;
static uint32_t *pa_owner; /* per page of pa_ram: 0 free, else thread + 1 (atomic) */
static uint64_t pa_bad, pa_dry;

struct pa_thread {
	unsigned id;
	uint64_t rng;
	void *held[PA_HELD];
	unsigned order[PA_HELD];
};

static uint64_t pa_rnd(struct pa_thread *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* Claim (or release) every page of a block in the owner map: a page already owned is a bug. */
static void pa_own(struct pa_thread *t, void *p, unsigned order, bool take)
{
	uint64_t first = (uint64_t)((uint8_t *)p - pa_ram) >> HV_PAGE_SHIFT;

	for (uint64_t k = first; k < first + (1ULL << order); k++) {
		uint32_t expect = take ? 0 : t->id + 1;

		if (!__atomic_compare_exchange_n(&pa_owner[k], &expect, take ? t->id + 1 : 0, false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED)) {
			__atomic_fetch_add(&pa_bad, 1, __ATOMIC_RELAXED);
		}
	}
}

static void *palloc_worker(void *arg)
{
	struct pa_thread *t = arg;

	for (unsigned i = 0; i < PA_ITERS; i++) {
		unsigned s = (unsigned)(pa_rnd(t) % PA_HELD);

		if (t->held[s] != NULL) {
			uint64_t *w = t->held[s];

			/* Still ours and still as we left it: nobody else was handed this block. */
			if (w[0] != (uint64_t)t->id || w[(HV_PAGE_SIZE << t->order[s]) / 8 - 1] != ~w[1]) {
				__atomic_fetch_add(&pa_bad, 1, __ATOMIC_RELAXED);
			}
			pa_own(t, t->held[s], t->order[s], false);
			page_free(t->held[s], t->order[s]);
			t->held[s] = NULL;
		} else {
			unsigned order = (unsigned)(pa_rnd(t) % 8 == 0 ? pa_rnd(t) % 4 : 0);
			uint64_t *w = page_alloc(order);

			if (w == NULL) {
				__atomic_fetch_add(&pa_dry, 1, __ATOMIC_RELAXED);
				continue; /* full for now: the others will free */
			}
			pa_own(t, w, order, true);
			/* page_alloc zeroed it (outside its lock): writing it races with any co-owner. */
			w[0] = t->id;
			w[1] = i;
			w[(HV_PAGE_SIZE << order) / 8 - 1] = ~(uint64_t)i;
			t->held[s] = w;
			t->order[s] = order;
		}
	}
	for (unsigned s = 0; s < PA_HELD; s++) {
		if (t->held[s] != NULL) {
			pa_own(t, t->held[s], t->order[s], false);
			page_free(t->held[s], t->order[s]);
		}
	}
	return NULL;
}

TEST(palloc_many_cpus_never_share_a_page)
{
	struct pa_thread t[NR_THREADS];
	uint64_t total, free0;

	pa_ram = aligned_alloc(PA_POOL, PA_POOL);
	pa_owner = calloc(PA_POOL >> HV_PAGE_SHIFT, sizeof(*pa_owner));
	ASSERT_TRUE(pa_ram != NULL && pa_owner != NULL);
	palloc_reset();
	ASSERT_EQ(palloc_add_range(ptr_to_hpa(pa_ram), PA_POOL), 0);
	total = page_total_count();
	free0 = page_free_count();
	for (unsigned i = 0; i < NR_THREADS; i++) {
		t[i] = (struct pa_thread){ .id = i, .rng = 0x2545f4914f6cdd1dULL * (i + 3) };
	}
	run_threads(palloc_worker, t, sizeof(t[0]));
	EXPECT_EQ(pa_bad, 0);
	EXPECT_TRUE(pa_dry > 0); /* it ran dry now and then: the failure path ran concurrently too */
	printf("# page_alloc ran dry %llu times\n", (unsigned long long)pa_dry);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(page_total_count(), total);
	palloc_reset();
	free(pa_owner);
	free(pa_ram);
}

/* ---- console and log ---------------------------------------------------------------------- */

#define LOG_LINES 3000

static char rec_buf[NR_THREADS * LOG_LINES * 64];
static size_t rec_len; /* written only under the console lock */

static void rec_putc(void *ctx, char c)
{
	(void)ctx;
	if (rec_len < sizeof(rec_buf)) {
		rec_buf[rec_len++] = c;
	}
}

static const struct console_dev rec_console = { "rec", NULL, rec_putc };

static void *log_worker(void *arg)
{
	unsigned id = *(unsigned *)arg;

	for (unsigned i = 0; i < LOG_LINES; i++) {
		if (i % 2) {
			pr_info("cpu %u line %u: the quick brown fox", id, i);
		} else {
			/* a multi-line unit (an exception dump) held together, nested inside */
			console_lock();
			pr_warn("cpu %u line %u: dump", id, i);
			console_unlock();
		}
	}
	return NULL;
}

TEST(log_lines_never_interleave)
{
	unsigned ids[NR_THREADS];
	unsigned next[NR_THREADS] = { 0 };
	unsigned lines = 0, bad = 0;
	char *p;

	hv_log_level = LOG_INFO;
	console_register(&rec_console);
	for (unsigned i = 0; i < NR_THREADS; i++) {
		ids[i] = i;
	}
	run_threads(log_worker, ids, sizeof(ids[0]));
	console_register(NULL);
	ASSERT_TRUE(rec_len < sizeof(rec_buf));
	rec_buf[rec_len] = '\0';
	/* Every line whole, and each CPU's lines in its own order. */
	for (p = rec_buf; *p != '\0';) {
		char *eol = strstr(p, "\r\n");
		unsigned id, n;
		char tail[64];

		if (eol == NULL) {
			bad++;
			break;
		}
		*eol = '\0';
		if ((sscanf(p, "[INF] cpu %u line %u: %63[^\n]", &id, &n, tail) == 3 &&
		     strcmp(tail, "the quick brown fox") == 0) ||
		    (sscanf(p, "[WRN] cpu %u line %u: %63[^\n]", &id, &n, tail) == 3 && strcmp(tail, "dump") == 0)) {
			bad += id >= NR_THREADS || n != next[id];
			if (id < NR_THREADS) {
				next[id] = n + 1;
			}
		} else {
			bad++;
		}
		lines++;
		p = eol + 2;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(lines, NR_THREADS * LOG_LINES);
}
