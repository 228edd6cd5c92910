/* SPDX-License-Identifier: MIT */
/*
 * Concurrency: two vCPUs of one guest issue hypercalls on the same IOASID at once (pKVM's
 * "a malicious kernel can issue concurrent requests"), while a third thread plays an IOMMU
 * driver reporting faults. The guest lock serialises the hypercalls and the fault-queue lock the
 * reports; at the end the books, the tables and the fault sequence numbers must be exact.
 */
#include <pthread.h>

#include "tests/unit/test.h"

#include <hv/errno.h>

#include "tests/unit/test_core_util.h"

#define THR_ITERS  1500
#define THR_FAULTS 5000

struct thr {
	struct core_env *env;
	uint32_t io;
	unsigned idx;
	int errors;
};

/* One vCPU: its own mailbox and entry array, its own IOVA range, MAP then UNMAP, repeatedly. */
static void *vcpu(void *arg)
{
	struct thr *t = arg;
	struct h_guest *hg = &t->env->a;
	uint64_t mbox = H_DATA_GPA + 0x10000 * (t->idx + 1);
	uint64_t arr = mbox + 0x1000;
	uint64_t iova = 0x10000000ULL * (t->idx + 1);

	for (unsigned i = 0; i < THR_ITERS; i++) {
		struct ioasid_map_entry *me = h_ptr(hg, arr);
		struct ioasid_map *m = h_ptr(hg, mbox);
		struct ioasid_unmap_entry *ue = h_ptr(hg, arr);
		struct ioasid_unmap *u = h_ptr(hg, mbox);
		uint64_t len = 0x1000ULL * (1 + i % 8);

		*me = (struct ioasid_map_entry){
			.iova = iova, .gpa = H_DATA_GPA, .length = len, .prot = IOASID_PROT_READ
		};
		*m = (struct ioasid_map){ .size = sizeof(*m), .ioasid = t->io, .num_entries = 1, .entries_gpa = arr };
		if (ioasid_dispatch(&hg->g, IOASID_CALL_MAP, gpa(mbox)) != 0) {
			t->errors++;
		}
		*ue = (struct ioasid_unmap_entry){ .iova = iova, .length = len };
		*u = (struct ioasid_unmap){ .size = sizeof(*u), .ioasid = t->io, .num_entries = 1, .entries_gpa = arr };
		if (ioasid_dispatch(&hg->g, IOASID_CALL_UNMAP, gpa(mbox)) != 0 || u->out_unmapped != len) {
			t->errors++;
		}
	}
	return NULL;
}

static void *faulter(void *arg)
{
	struct thr *t = arg;

	for (unsigned i = 0; i < THR_FAULTS; i++) {
		ioasid_report_fault(&t->env->mock.unit, t->env->a.rid[0], false, 0, i, 0, IOASID_FAULT_REASON_OTHER);
	}
	return NULL;
}

TEST(threads_concurrent_hypercalls_and_faults)
{
	CORE_ENV(env, 1);
	struct thr t[3];
	pthread_t th[3];
	uint64_t used0, seen = 0, lost = 0, last_seq = 0;
	struct ioasid_fault_record *rec = h_ptr(&env.a, H_ARRAY_GPA);
	uint32_t io;
	bool ordered = true;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	used0 = env.a.g.quota.used_pages;
	for (unsigned i = 0; i < 3; i++) {
		t[i] = (struct thr){ .env = &env, .io = io, .idx = i };
		ASSERT_EQ(pthread_create(&th[i], NULL, i < 2 ? vcpu : faulter, &t[i]), 0);
	}
	/* meanwhile, drain the fault queue from the main thread (a third vCPU) */
	while (seen + lost < THR_FAULTS) {
		struct ioasid_fault_read fr = { .size = sizeof(fr), .num_records = 64, .records_gpa = H_ARRAY_GPA };
		uint64_t mbox = H_DATA_GPA + 0x80000;

		*(struct ioasid_fault_read *)h_ptr(&env.a, mbox) = fr;
		ASSERT_EQ(ioasid_dispatch(&env.a.g, IOASID_CALL_FAULT_READ, gpa(mbox)), 0);
		fr = *(struct ioasid_fault_read *)h_ptr(&env.a, mbox);
		for (unsigned i = 0; i < fr.out_num_records; i++) {
			ordered &= rec[i].seq > last_seq && rec[i].addr == rec[i].seq - 1;
			last_seq = rec[i].seq;
		}
		seen += fr.out_num_records;
		lost += fr.out_lost;
	}
	for (unsigned i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
	}
	EXPECT_EQ(t[0].errors, 0);
	EXPECT_EQ(t[1].errors, 0);
	EXPECT_TRUE(ordered);
	EXPECT_EQ(seen + lost, THR_FAULTS);
	/* everything mapped was unmapped; the emptied table pages went back to the quota */
	EXPECT_EQ(env.a.g.quota.used_pages, used0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}
