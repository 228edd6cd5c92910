// SPDX-License-Identifier: MIT
/*
 * The IOASID core under ThreadSanitizer (make tsan; mk/host.mk): two guests, two vCPUs each
 * (four threads), every vCPU making random hypercalls - ALLOC, FREE, MAP, UNMAP, ATTACH,
 * DETACH, FAULT_READ - on IOASIDs its sibling vCPU also uses, frees and replaces, while their
 * devices do DMA through the mock IOMMUs and so report faults. What it shows:
 *   - TSan sees no data race anywhere in the core, the page-table code or the locks (the run
 *     fails with TSan's exit status otherwise);
 *   - every call returns 0 or an error the ABI documents;
 *   - after every call, the guest's invariants hold, checked with the guest lock held so the
 *     sibling vCPU cannot be half-way through a call: the books (h_check_books: the mock's
 *     routes are what the core's attachments say, counts and quota exact) after every call,
 *     and the whole of h_check_invariants (also: no leaf of any table outside the guest's RAM)
 *     after every 64th call of each vCPU and at the end.
 * TSAN_CALLS=N changes the number of calls per vCPU (default 100,000), TSAN_WALK_EVERY=N how
 * often the tables are walked (1: after every call; 0: only at the end).
 */
#define TEST_MAIN
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include <hv/errno.h>
#include <hv/spinlock.h>

#include "tests/host/harness.h"
#include "tests/unit/test.h"

#define NR_VCPUS      4 /* vCPUs 0, 2 in guest A; 1, 3 in guest B */
#define NR_SLOTS      6 /* IOASIDs a guest's vCPUs share (ids are stored atomically) */
#define NR_DEVS	      2
#define DEFAULT_CALLS 100000
/*
 * The books (counts, quota, every route against the core's attachments) are checked after
 * every call; the full check, which also walks every leaf of every table (~2 ms under TSan),
 * after every 64th call of each vCPU and at the end.
 */
#define DEFAULT_WALK_EVERY 64
#define MBOX_BASE	   (H_DATA_GPA + 0x100000) /* each vCPU's mailbox and entry array */

struct shared {
	struct h_guest *hg;
	uint32_t slot[NR_SLOTS];
};

struct vcpu {
	struct shared *sh;
	unsigned idx;
	uint64_t rng;
	uint64_t calls, ok, bad_ret, bad_inv;
	long last_bad;
};

/*
 * Four threads on a machine that may have two cores (and other work): a ticket lock's waiter
 * that spins while the holder's thread is descheduled wastes whole time slices. The lock
 * semantics do not change with how a waiter waits, so the spin gives the core away here
 * (linked with -Wl,--wrap=arch_cpu_relax, tests/unit/tsan.mk).
 */
void __wrap_arch_cpu_relax(void);
void __wrap_arch_cpu_relax(void)
{
	sched_yield();
}

static uint64_t rnd(struct vcpu *v)
{
	/* xorshift64: each vCPU its own sequence, reproducible from its seed */
	v->rng ^= v->rng << 13;
	v->rng ^= v->rng >> 7;
	v->rng ^= v->rng << 17;
	return v->rng;
}

static bool documented(long ret)
{
	switch (-ret) {
	case 0:
	case EPERM:
	case ENOENT:
	case E2BIG:
	case EAGAIN:
	case EFAULT:
	case EBUSY:
	case EEXIST:
	case EINVAL:
	case ENOSPC:
	case ERANGE:
	case EOVERFLOW:
	case EOPNOTSUPP:
	case EDQUOT:
		return true;
	default:
		return false; /* ENOMEM, ENODEV, ETIMEDOUT: the mock never fails here */
	}
}

static uint32_t pick_io(struct vcpu *v)
{
	return __atomic_load_n(&v->sh->slot[rnd(v) % NR_SLOTS], __ATOMIC_RELAXED);
}

/* One random call from this vCPU's own mailbox (a sibling never writes it). */
static long one_call(struct vcpu *v)
{
	struct h_guest *hg = v->sh->hg;
	uint64_t mbox = MBOX_BASE + 0x10000ULL * (v->idx / 2), arr = mbox + 0x1000;
	uint64_t r = rnd(v);
	unsigned dev = (unsigned)(r >> 8) % NR_DEVS;
	uint64_t iova = ((r >> 16) % 64) << 21 | ((r >> 24) % 16) << 12;
	uint64_t len = (1 + (r >> 32) % 16) << 12;
	uint64_t call;

	switch (r % 16) {
	case 0:
	case 1: {
		struct ioasid_alloc *a = h_ptr(hg, mbox);

		*a = (struct ioasid_alloc){
			.size = sizeof(*a), .kind = IOASID_KIND_PAGING, .parent = hg->gpa_io, .dev_id = hg->dev[dev]
		};
		call = IOASID_CALL_ALLOC;
		break;
	}
	case 2: {
		struct ioasid_free *f = h_ptr(hg, mbox);

		*f = (struct ioasid_free){ .size = sizeof(*f), .ioasid = pick_io(v) };
		call = IOASID_CALL_FREE;
		break;
	}
	case 3:
	case 4:
	case 5:
	case 6: {
		struct ioasid_map_entry *e = h_ptr(hg, arr);
		struct ioasid_map *m = h_ptr(hg, mbox);

		*e = (struct ioasid_map_entry){ .iova = iova,
						.gpa = H_DATA_GPA + (((r >> 40) % 64) << 12),
						.length = len,
						.prot = IOASID_PROT_READ | ((r >> 48) & 1 ? IOASID_PROT_WRITE : 0) };
		*m = (struct ioasid_map){
			.size = sizeof(*m), .ioasid = pick_io(v), .num_entries = 1, .entries_gpa = arr
		};
		call = IOASID_CALL_MAP;
		break;
	}
	case 7:
	case 8:
	case 9: {
		struct ioasid_unmap_entry *e = h_ptr(hg, arr);
		struct ioasid_unmap *u = h_ptr(hg, mbox);

		*e = (struct ioasid_unmap_entry){ .iova = iova & ~((2ULL << 20) - 1), .length = 4ULL << 20 };
		*u = (struct ioasid_unmap){
			.size = sizeof(*u), .ioasid = pick_io(v), .num_entries = 1, .entries_gpa = arr
		};
		call = IOASID_CALL_UNMAP;
		break;
	}
	case 10:
	case 11: {
		struct ioasid_attach *a = h_ptr(hg, mbox);

		*a = (struct ioasid_attach){ .size = sizeof(*a), .dev_id = hg->dev[dev], .ioasid = pick_io(v) };
		call = IOASID_CALL_ATTACH;
		break;
	}
	case 12: {
		struct ioasid_detach *d = h_ptr(hg, mbox);

		*d = (struct ioasid_detach){ .size = sizeof(*d), .dev_id = hg->dev[dev] };
		call = IOASID_CALL_DETACH;
		break;
	}
	case 13:
	case 14: {
		hpa_t out;

		/* DMA by a device: a fault report when it is blocked or unmapped (registry, queue) */
		hv_spin_lock(&hg->g.lock); /* the mock's IOTLB is the guest's, like its tables */
		(void)h_dma(hg, dev, false, 0, iova, (r >> 48) & 1 ? IOASID_PROT_WRITE : IOASID_PROT_READ, &out);
		hv_spin_unlock(&hg->g.lock);
		return 0;
	}
	default: {
		struct ioasid_fault_read *fr = h_ptr(hg, mbox);

		*fr = (struct ioasid_fault_read){ .size = sizeof(*fr), .num_records = 16, .records_gpa = arr };
		call = IOASID_CALL_FAULT_READ;
		break;
	}
	}
	long ret = ioasid_dispatch(&hg->g, call, gpa(mbox));

	if (call == IOASID_CALL_ALLOC && ret == 0) {
		uint32_t io = ((struct ioasid_alloc *)h_ptr(hg, mbox))->out_ioasid;
		uint32_t old = __atomic_exchange_n(&v->sh->slot[rnd(v) % NR_SLOTS], io, __ATOMIC_RELAXED);
		struct ioasid_free *f = h_ptr(hg, mbox);

		/*
		 * Shared with the sibling from now on; the one it replaces is freed (it may still be
		 * attached: -EBUSY, and it stays until teardown), so the tables stay small enough
		 * for a full invariant check after every call.
		 */
		*f = (struct ioasid_free){ .size = sizeof(*f), .ioasid = old };
		if (old != 0 && !documented(ioasid_dispatch(&hg->g, IOASID_CALL_FREE, gpa(mbox)))) {
			ret = -ENOMEM; /* reported as undocumented by the caller */
		}
	}
	return ret;
}

static uint64_t env_num(const char *name, uint64_t def)
{
	const char *e = getenv(name);

	return e != NULL ? strtoull(e, NULL, 0) : def;
}

static void *vcpu_run(void *arg)
{
	struct vcpu *v = arg;
	struct h_guest *hg = v->sh->hg;
	uint64_t n = env_num("TSAN_CALLS", DEFAULT_CALLS), walk = env_num("TSAN_WALK_EVERY", DEFAULT_WALK_EVERY);

	for (uint64_t i = 0; i < n; i++) {
		long ret = one_call(v);
		int line;

		v->calls++;
		v->ok += ret == 0;
		if (!documented(ret)) {
			v->bad_ret++;
			v->last_bad = ret;
		}
		/* The guest lock: the sibling vCPU is never half-way through a call while we look. */
		hv_spin_lock(&hg->g.lock);
		line = walk != 0 && i % walk == walk - 1 ? h_check_invariants(hg) : h_check_books(hg);
		hv_spin_unlock(&hg->g.lock);
		if (line != 0) {
			v->bad_inv++;
			fprintf(stderr, "    vcpu %u call %llu: invariant at harness.c:%d\n", v->idx,
				(unsigned long long)i, line);
			break;
		}
	}
	return NULL;
}

TEST(tsan_two_guests_four_vcpus_random_calls)
{
	static struct mock_iommu ma, mb;
	static struct h_guest a, b;
	struct ioasid_dev_caps caps = h_default_caps();
	struct shared sh[2] = { { .hg = &a }, { .hg = &b } };
	struct vcpu v[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	uint64_t calls = 0, ok = 0;

	/* One mock per guest: a mock has no lock of its own, and the guest lock covers it. */
	mock_iommu_init(&ma, "mockA", &caps);
	mock_iommu_init(&mb, "mockB", &caps);
	ASSERT_EQ(h_guest_setup(&a, 1, &ma, NR_DEVS, 0x10, 256), 0);
	ASSERT_EQ(h_guest_setup(&b, 2, &mb, NR_DEVS, 0x20, 256), 0);
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		v[i] = (struct vcpu){ .sh = &sh[i % 2], .idx = i, .rng = 0x9e3779b97f4a7c15ULL * (i + 1) };
		ASSERT_EQ(pthread_create(&th[i], NULL, vcpu_run, &v[i]), 0);
	}
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(v[i].bad_ret, 0);
		EXPECT_EQ(v[i].bad_inv, 0);
		if (v[i].bad_ret != 0) {
			fprintf(stderr, "    vcpu %u: undocumented result %ld\n", i, v[i].last_bad);
		}
		calls += v[i].calls;
		ok += v[i].ok;
	}
	printf("# %llu calls, %llu succeeded\n", (unsigned long long)calls, (unsigned long long)ok);
	EXPECT_TRUE(ok > calls / 10); /* the mix reaches real work, not only errors */
	EXPECT_EQ(h_check_invariants(&a), 0);
	EXPECT_EQ(h_check_invariants(&b), 0);
	h_guest_teardown(&a);
	h_guest_teardown(&b);
}
