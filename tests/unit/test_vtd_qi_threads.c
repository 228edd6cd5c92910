// SPDX-License-Identifier: MIT
/*
 * The VT-d invalidation queue shared by several CPUs (drivers/iommu/vtd/vtd.c, "queued
 * invalidation"): threads stand in for CPUs submitting at once, and one more thread plays the
 * hardware over a register block in memory - it fetches descriptors from IQH up to IQT in
 * order, performs each wait's status write, and moves IQH, slowly and in small steps so that
 * the queue fills and submitters queue behind each other. What must hold:
 *   - every submission returns 0, and by then the "hardware" has fetched all of its own
 *     descriptors (a submitter never returns on another CPU's completion);
 *   - every descriptor is fetched exactly once and in each CPU's order (nothing is overwritten
 *     before it was fetched: the room check works when the queue wraps and fills);
 *   - each wait writes the submitting CPU's own status word;
 *   - a queue error (IQE) stops the batches behind the bad descriptor with -EIO, lets those
 *     before it complete, and kills the unit for everyone.
 * The register block is plain memory shared with the "hardware" thread, which a real IOMMU is
 * not, so this test runs in the ASan suite (make unit) rather than under TSan.
 */
#define TEST_MAIN
#include <pthread.h>
#include <sched.h>

#include <hv/errno.h>
#include <hv/mm.h>

#include "drivers/iommu/vtd/vtd.h"
#include "test.h"

#define NR_CPUS	    4
#define QUEUE_SLOTS 8 /* a small queue, so it wraps and fills all the time */
#define BATCHES	    3000
#define BAD_BATCH   100	   /* the IQE test: CPU 0's batch that carries a bad descriptor */
#define BAD_DESC    0xfULL /* a descriptor type the "hardware" rejects (IQE) */

struct hw {
	struct vtd_unit *u;
	uint8_t *regs;
	int stop;
	uint64_t fetched;
	unsigned max_pending;		       /* the fullest the queue was seen */
	bool plant_bad;			       /* CPU 0's batch BAD_BATCH ends with a BAD_DESC */
	uint64_t bad;			       /* out-of-order, duplicate or foreign descriptors */
	uint64_t done_batch[NR_CPUS];	       /* per CPU: last batch whose wait was performed (atomic) */
	uint64_t next_tag[NR_CPUS];	       /* per CPU: the tag expected next */
	volatile uint32_t *status_of[NR_CPUS]; /* the status word a CPU's waits must name */
};

/*
 * Five threads on a machine that may have two cores: a submitter that spins (on the lock, or for
 * room) while the "hardware" thread is descheduled wastes whole time slices, so the spin gives
 * the core away (linked with -Wl,--wrap=arch_cpu_relax, tests/unit/vtd.mk).
 */
void __wrap_arch_cpu_relax(void);
void __wrap_arch_cpu_relax(void)
{
	sched_yield();
}

static uint64_t reg_ld(struct hw *h, unsigned off)
{
	return __atomic_load_n((uint64_t *)(h->regs + off), __ATOMIC_ACQUIRE);
}

static void reg_st(struct hw *h, unsigned off, uint64_t v)
{
	__atomic_store_n((uint64_t *)(h->regs + off), v, __ATOMIC_RELEASE);
}

/* Tags: CPU in bits 63:56, batch in 55:8, descriptor index in 7:0. */
static uint64_t tag(unsigned cpu, uint64_t batch, unsigned i)
{
	return (uint64_t)cpu << 56 | batch << 8 | i;
}

static void *hw_run(void *arg)
{
	struct hw *h = arg;
	struct vtd_unit *u = h->u;
	uint64_t rng = 88172645463325252ULL;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		unsigned head = (unsigned)(reg_ld(h, VTD_IQH_REG) / u->iq_dw);
		unsigned tail = (unsigned)(reg_ld(h, VTD_IQT_REG) / u->iq_dw);
		unsigned budget;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		budget = 1 + (unsigned)(rng % 4);
		if ((tail + u->iq_nr - head) % u->iq_nr > h->max_pending) {
			h->max_pending = (tail + u->iq_nr - head) % u->iq_nr;
		}
		if (reg_ld(h, VTD_FSTS_REG) & VTD_FSTS_IQE) {
			sched_yield(); /* halted on an error, as the hardware is (spec 6.5.2.10) */
			continue;
		}
		while (head != tail && budget-- > 0) {
			const uint64_t *d = (const uint64_t *)((const uint8_t *)u->iq + (size_t)head * u->iq_dw);
			uint64_t q0 = __atomic_load_n(&d[0], __ATOMIC_ACQUIRE),
				 q1 = __atomic_load_n(&d[1], __ATOMIC_ACQUIRE);

			if ((q0 & VTD_DESC_TYPE) == BAD_DESC) {
				__atomic_store_n((uint32_t *)(h->regs + VTD_FSTS_REG), (uint32_t)VTD_FSTS_IQE,
						 __ATOMIC_RELEASE);
				break; /* IQH stays at the bad descriptor */
			}
			if ((q0 & VTD_DESC_TYPE) == VTD_DESC_WAIT) {
				volatile uint32_t *st = hpa_to_ptr(hpa(q1 & VTD_WAIT_HI_SADDR));
				unsigned cpu = NR_CPUS;

				for (unsigned c = 0; c < NR_CPUS; c++) {
					cpu = h->status_of[c] == st ? c : cpu;
				}
				if (cpu == NR_CPUS || !(q0 & VTD_WAIT_SW) || (h->next_tag[cpu] & 0xff) == 0) {
					h->bad++; /* a foreign status word, or a wait without a batch before it */
				} else {
					/* The wait ends its CPU's batch b: b is complete, b + 1 comes next. */
					uint64_t b = (h->next_tag[cpu] >> 8) & 0xffffffffffffULL;

					__atomic_store_n(&h->done_batch[cpu], b, __ATOMIC_RELEASE);
					h->next_tag[cpu] = tag(cpu, b + 1, 0);
				}
				__atomic_store_n(st, (uint32_t)(q0 >> 32), __ATOMIC_RELEASE);
			} else {
				unsigned cpu = (unsigned)(q1 >> 56);

				if (cpu >= NR_CPUS || q1 != h->next_tag[cpu]) {
					h->bad++;
				} else {
					h->next_tag[cpu] = q1 + 1;
				}
			}
			h->fetched++;
			head = (head + 1) % u->iq_nr;
		}
		reg_st(h, VTD_IQH_REG, (uint64_t)head * u->iq_dw);
		sched_yield();
	}
	return NULL;
}

struct cpu {
	struct hw *h;
	unsigned id;
	uint64_t batches, ok, eio, early, other, ok_after_err;
	int first_err;
	uint64_t first_err_batch;
};

static void *cpu_run(void *arg)
{
	struct cpu *c = arg;
	struct hw *h = c->h;

	h->status_of[c->id] = &h->u->wait_status[arch_cpu_id()];
	/* wait until every CPU announced its status word (the "hardware" checks against them) */
	while (__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE) == 0 && c->batches == 0) {
		unsigned known = 0;

		for (unsigned i = 0; i < NR_CPUS; i++) {
			known += __atomic_load_n(&h->status_of[i], __ATOMIC_ACQUIRE) != NULL;
		}
		if (known == NR_CPUS) {
			break;
		}
		sched_yield();
	}
	for (uint64_t b = 1; b <= BATCHES; b++) {
		struct vtd_inv_desc d[7];
		unsigned n = 1 + (unsigned)((b * 7 + c->id) % 4);
		int ret;

		for (unsigned i = 0; i < n; i++) {
			d[i] = (struct vtd_inv_desc){ .qw = { VTD_DESC_CC, tag(c->id, b, i) } };
		}
		if (h->plant_bad && c->id == 0 && b == BAD_BATCH) {
			d[n - 1].qw[0] = BAD_DESC;
		}
		ret = vtd_qi_submit(h->u, d, n);
		c->batches++;
		if (ret == 0) {
			c->ok++;
			c->ok_after_err += c->first_err != 0;
			/* Our batch was fetched in full before we were told it is done. */
			c->early += __atomic_load_n(&h->done_batch[c->id], __ATOMIC_ACQUIRE) < b;
		} else {
			if (c->first_err == 0) {
				c->first_err = ret;
				c->first_err_batch = b;
			}
			c->eio += ret == -EIO;
			c->other += ret != -EIO;
		}
	}
	return NULL;
}

static void setup(struct vtd_unit *u, struct hw *h)
{
	memset(u, 0, sizeof(*u));
	memset(h, 0, sizeof(*h));
	h->u = u;
	h->regs = page_alloc(0);
	u->regs = (uintptr_t)h->regs;
	u->iq = page_alloc(0);
	u->iq_dw = 16;
	u->iq_nr = QUEUE_SLOTS;
	u->wait_status = page_alloc(0);
	snprintf(u->name, sizeof(u->name), "threads");
}

TEST(qi_four_cpus_each_waits_for_its_own_batch)
{
	static struct vtd_unit u;
	static struct hw h;
	struct cpu c[NR_CPUS];
	pthread_t th[NR_CPUS], hw;

	setup(&u, &h);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		h.next_tag[i] = tag(i, 1, 0);
	}
	ASSERT_EQ(pthread_create(&hw, NULL, hw_run, &h), 0);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		c[i] = (struct cpu){ .h = &h, .id = i };
		ASSERT_EQ(pthread_create(&th[i], NULL, cpu_run, &c[i]), 0);
	}
	for (unsigned i = 0; i < NR_CPUS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(c[i].ok, BATCHES);
		EXPECT_EQ(c[i].early, 0);
		if (c[i].first_err != 0) {
			fprintf(stderr, "    cpu %u: batch %llu returned %d\n", i,
				(unsigned long long)c[i].first_err_batch, c[i].first_err);
		}
	}
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	pthread_join(hw, NULL);
	EXPECT_EQ(h.bad, 0);
	EXPECT_TRUE(!u.qi_dead);
	EXPECT_EQ(u.iq_prod, h.fetched);	       /* everything queued was fetched, nothing twice */
	EXPECT_TRUE(h.max_pending >= QUEUE_SLOTS - 2); /* (nearly) full: submitters had to wait for room */
}

TEST(qi_queue_error_fails_the_batches_behind_it_and_the_unit)
{
	static struct vtd_unit u;
	static struct hw h;
	struct cpu c[NR_CPUS];
	pthread_t th[NR_CPUS], hw;

	setup(&u, &h);
	h.plant_bad = true;
	for (unsigned i = 0; i < NR_CPUS; i++) {
		h.next_tag[i] = tag(i, 1, 0);
	}
	ASSERT_EQ(pthread_create(&hw, NULL, hw_run, &h), 0);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		c[i] = (struct cpu){ .h = &h, .id = i };
		ASSERT_EQ(pthread_create(&th[i], NULL, cpu_run, &c[i]), 0);
	}
	for (unsigned i = 0; i < NR_CPUS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(c[i].early, 0);
		EXPECT_EQ(c[i].other, 0);	 /* -EIO, never a timeout: nobody waited for nothing */
		EXPECT_EQ(c[i].ok_after_err, 0); /* dead is dead */
		EXPECT_EQ(c[i].ok + c[i].eio, BATCHES);
	}
	/* CPU 0's batches before the bad one completed; the bad one failed */
	EXPECT_EQ(c[0].first_err_batch, BAD_BATCH);
	EXPECT_EQ(c[0].first_err, -EIO);
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	pthread_join(hw, NULL);
	EXPECT_EQ(h.bad, 0);
	EXPECT_TRUE(u.qi_dead);
}
