/* SPDX-License-Identifier: MIT */
/*
 * IOASID core: happy paths of every call, attach/detach semantics, quota, superpages,
 * invalidation gathering, faults, teardown. Validation rules are in test_core_validate.c,
 * NESTED in test_core_nested.c. Every test asserts translation results through the mock
 * IOMMU's walker, not only return codes.
 */
#define TEST_MAIN
#include "tests/unit/test.h"

#include <hv/errno.h>
#include <hv/mm.h>

#include "arch/host/host.h"
#include "tests/unit/test_core_util.h"

TEST(core_get_info)
{
	CORE_ENV(env, 2);
	struct ioasid_get_info r = { .size = sizeof(r), .dev_id = env.a.dev[1] };

	ASSERT_EQ(h_call(&env.a, IOASID_CALL_GET_INFO, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_abi_version, IOASID_ABI_VERSION);
	EXPECT_EQ(r.out_caps, IOASID_CAP_PAGING | IOASID_CAP_NESTED | IOASID_CAP_PASID | IOASID_CAP_COHERENT);
	EXPECT_EQ(r.out_pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
	EXPECT_EQ(r.out_iova_start, 0);
	EXPECT_EQ(r.out_iova_last, (1ULL << 48) - 1);
	EXPECT_EQ(r.out_ia_bits, 48);
	EXPECT_EQ(r.out_pasid_bits, 8);
	EXPECT_EQ(r.out_formats, (1U << IOASID_FMT_VTD_FL) | (1U << IOASID_FMT_ARM_S1));
	EXPECT_EQ(r.out_gpa_ioasid, env.a.gpa_io);
	EXPECT_NE(r.out_gpa_ioasid, 0);
	EXPECT_EQ(r.out_max_batch, IOASID_MAX_BATCH);
	EXPECT_EQ(r.out_fault_queue, HV_FAULT_QUEUE_LEN);
	core_env_fini(&env);
}

TEST(core_device_list)
{
	CORE_ENV(env, 3);
	struct ioasid_device_info *info = h_ptr(&env.a, H_ARRAY_GPA);
	struct ioasid_device_list r = { .size = sizeof(r), .num_devices = 2, .devices_gpa = H_ARRAY_GPA };

	memset(info, 0xab, 4 * sizeof(*info));
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_DEVICE_LIST, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_num_devices, 3);
	EXPECT_EQ(info[0].dev_id, env.a.dev[0]);
	EXPECT_EQ(info[0].bdf, env.a.rid[0]);
	EXPECT_EQ(info[0].pasid_bits, 8);
	EXPECT_EQ(info[0].__reserved, 0);
	EXPECT_EQ(info[1].dev_id, env.a.dev[1]);
	EXPECT_EQ(info[2].dev_id, 0xabababab); /* capacity respected */
	/* capacity 0: only the count */
	r = (struct ioasid_device_list){ .size = sizeof(r) };
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_DEVICE_LIST, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_num_devices, 3);
	core_env_fini(&env);
}

/* A device nobody attached translates through the guest's GPA space: IOVA == GPA. */
TEST(core_default_gpa_attachment)
{
	CORE_ENV(env, 1);
	hpa_t h;

	ASSERT_EQ(h_dma(&env.a, 0, false, 0, H_DATA_GPA + 0x123, IOASID_FAULT_ACCESS_WRITE, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA + 0x123)));
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, H_RAM1_GPA + 0x5000, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_RAM1_GPA + 0x5000)));
	/* beyond RAM: not mapped */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 2 * H_RAM_SIZE, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

TEST(core_paging_map_attach_translate)
{
	CORE_ENV(env, 1);
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	EXPECT_NE(io, 0);
	ASSERT_EQ(h_map(&env.a, io, 0x80000000ULL, H_DATA_GPA, 0x3000, IOASID_PROT_READ), 0);
	/* not attached yet: the device still uses the GPA space */
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x80000000ULL, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	for (uint64_t off = 0; off < 0x3000; off += 0x800) {
		ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x80000000ULL + off, IOASID_FAULT_ACCESS_READ, &h), 0);
		EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA + off)));
	}
	/* read-only mapping: a write faults with a permission record */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x80001000ULL, IOASID_FAULT_ACCESS_WRITE, &h), -EFAULT);
	/* two faults so far: the not-present one before ATTACH, then this one */
	ASSERT_EQ(env.a.g.fq.count, 2);
	EXPECT_EQ(env.a.g.fq.rec[0].reason, IOASID_FAULT_REASON_NOT_PRESENT);
	EXPECT_EQ(env.a.g.fq.rec[1].reason, IOASID_FAULT_REASON_PERMISSION);
	EXPECT_EQ(env.a.g.fq.rec[1].dev_id, env.a.dev[0]);
	EXPECT_EQ(env.a.g.fq.rec[1].addr, 0x80001000ULL);
	/* GPA space no longer reachable by this device */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, H_DATA_GPA, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* GPA range spanning two host-discontiguous regions: two host chunks, one MAP entry. */
TEST(core_map_spans_regions)
{
	CORE_ENV(env, 1);
	uint64_t ga = H_RAM1_GPA - 0x2000;
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x10000000ULL, ga, 0x4000, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	for (uint64_t off = 0; off < 0x4000; off += 0x1000) {
		ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x10000000ULL + off, IOASID_FAULT_ACCESS_WRITE, &h), 0);
		EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, ga + off)));
	}
	EXPECT_NE(hpa_val(h_hpa(&env.a, ga + 0x1000)) + 0x1000, hpa_val(h_hpa(&env.a, ga + 0x2000)));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* 2 MiB aligned IOVA, GPA and host address: one 2 MiB leaf. Partial unmap splits it. */
TEST(core_superpage_and_split)
{
	CORE_ENV(env, 1);
	struct ioasid *o;
	uint64_t pgsize = 0, unmapped = 0;
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x40000000ULL, 2 * SZ_2M, SZ_2M, IOASID_PROT_READ), 0);
	o = ioasid_lookup(&env.a.g, io);
	ASSERT_TRUE(o != NULL);
	ASSERT_EQ(pt_lookup(&o->hw[o->fmt].pt, 0x40000000ULL + 0x1234, &h, NULL, &pgsize), 0);
	EXPECT_EQ(pgsize, SZ_2M);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, 2 * SZ_2M + 0x1234)));
	ASSERT_EQ(h_unmap(&env.a, io, 0x40000000ULL + 0x10000, 0x1000, &unmapped), 0);
	EXPECT_EQ(unmapped, 0x1000);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x40010000ULL, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x40011000ULL, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, 2 * SZ_2M + 0x11000)));
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x4000f000ULL, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, 2 * SZ_2M + 0xf000)));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* One UNMAP call of many adjacent entries: one range invalidation, and no stale IOTLB entry. */
TEST(core_unmap_gathers_one_flush)
{
	CORE_ENV(env, 1);
	struct ioasid_unmap_entry e[16];
	struct ioasid_unmap r = { .size = sizeof(r), .num_entries = 16, .entries_gpa = H_ARRAY_GPA };
	const struct mock_flush *f;
	uint64_t before;
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x100000ULL, H_DATA_GPA, 0x10000, IOASID_PROT_READ), 0);
	/* warm the IOTLB */
	for (unsigned i = 0; i < 16; i++) {
		ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x100000ULL + i * 0x1000ULL, IOASID_FAULT_ACCESS_READ, &h), 0);
	}
	for (unsigned i = 0; i < 16; i++) {
		e[i] = (struct ioasid_unmap_entry){ .iova = 0x100000ULL + i * 0x1000ULL, .length = 0x1000 };
	}
	h_put_array(&env.a, e, sizeof(e));
	r.ioasid = io;
	before = env.mock.nr_flush_calls;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_UNMAP, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_done, 16);
	EXPECT_EQ(r.out_unmapped, 0x10000);
	EXPECT_EQ(env.mock.nr_flush_calls - before, 1);
	f = mock_flush_last(&env.mock, 0);
	ASSERT_TRUE(f != NULL);
	EXPECT_EQ(f->all, false);
	EXPECT_EQ(f->start, 0x100000ULL);
	EXPECT_EQ(f->end, 0x110000ULL);
	EXPECT_EQ(f->domain, ioasid_lookup(&env.a.g, io)->hw[PT_FMT_VTD_SL].domain);
	for (unsigned i = 0; i < 16; i++) {
		EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x100000ULL + i * 0x1000ULL, IOASID_FAULT_ACCESS_READ, &h),
			  -ENOENT);
	}
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* One UNMAP call of disjoint entries: every range in one flush_ranges batch per unit. */
TEST(core_unmap_disjoint_ranges_one_batch)
{
	CORE_ENV(env, 1);
	struct ioasid_unmap_entry e[4];
	struct ioasid_unmap r = { .size = sizeof(r), .num_entries = 4, .entries_gpa = H_ARRAY_GPA };
	uint64_t before, batches;
	uint32_t io;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x100000ULL, H_DATA_GPA, 0x10000, IOASID_PROT_READ), 0);
	for (unsigned i = 0; i < 4; i++) {
		e[i] = (struct ioasid_unmap_entry){ .iova = 0x100000ULL + i * 0x4000ULL, .length = 0x1000 };
	}
	h_put_array(&env.a, e, sizeof(e));
	r.ioasid = io;
	before = env.mock.nr_flush_calls;
	batches = env.mock.nr_flush_batches;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_UNMAP, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_done, 4);
	EXPECT_EQ(env.mock.nr_flush_batches - batches, 1);
	EXPECT_EQ(env.mock.nr_flush_calls - before, 4); /* the four ranges, in that one batch */
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* More disjoint ranges than a gather holds: one whole-domain flush instead. */
TEST(core_unmap_gather_overflow_full_flush)
{
	CORE_ENV(env, 1);
	struct ioasid_unmap_entry e[20];
	struct ioasid_unmap r = { .size = sizeof(r), .num_entries = 20, .entries_gpa = H_ARRAY_GPA };
	uint64_t before;
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x100000ULL, H_DATA_GPA, 0x40000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x100000ULL, IOASID_FAULT_ACCESS_READ, &h), 0);
	for (unsigned i = 0; i < 20; i++) {
		e[i] = (struct ioasid_unmap_entry){ .iova = 0x100000ULL + i * 0x2000ULL, .length = 0x1000 };
	}
	h_put_array(&env.a, e, sizeof(e));
	r.ioasid = io;
	before = env.mock.nr_flush_calls;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_UNMAP, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_done, 20);
	EXPECT_EQ(env.mock.nr_flush_calls - before, 1);
	EXPECT_EQ(mock_flush_last(&env.mock, 0)->all, true);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x100000ULL, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x101000ULL, IOASID_FAULT_ACCESS_READ, &h), 0);
	core_env_fini(&env);
}

/* Batch MAP stops at the first failing entry; out_done tells the guest where to resume. */
TEST(core_map_batch_partial_progress)
{
	CORE_ENV(env, 1);
	struct ioasid_map_entry e[3] = {
		{ .iova = 0x200000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = IOASID_PROT_READ },
		{ .iova = 0x300000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = IOASID_PROT_READ },
		{ .iova = 0x200000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = IOASID_PROT_READ },
	};
	struct ioasid_map r = { .size = sizeof(r), .num_entries = 3, .entries_gpa = H_ARRAY_GPA, .out_done = 77 };
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	h_put_array(&env.a, e, sizeof(e));
	r.ioasid = io;
	EXPECT_EQ(h_call(&env.a, IOASID_CALL_MAP, &r, sizeof(r)), -EEXIST);
	EXPECT_EQ(r.out_done, 2);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x300000, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)));
	/* resume after the failed entry */
	r.entries_gpa = H_ARRAY_GPA + 3 * sizeof(e[0]);
	r.num_entries = 0;
	EXPECT_EQ(h_call(&env.a, IOASID_CALL_MAP, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_done, 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* ATTACH over an attachment: one install, never a blocked or untranslated moment in between. */
TEST(core_attach_atomic_replace)
{
	CORE_ENV(env, 1);
	const struct mock_route *rt;
	uint64_t installs;
	uint32_t a, b;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &a), 0);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &b), 0);
	ASSERT_EQ(h_map(&env.a, a, 0x1000000, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_map(&env.a, b, 0x1000000, H_DATA_GPA + 0x5000, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, a), 0);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x1000000, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)));
	installs = env.mock.nr_install_calls;
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, b), 0);
	EXPECT_EQ(env.mock.nr_install_calls - installs, 1);
	rt = mock_route_get(&env.mock, env.a.rid[0], false, 0);
	ASSERT_TRUE(rt != NULL);
	EXPECT_EQ(rt->cfg.mode, IOASID_HW_TABLE);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x1000000, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA + 0x5000)));
	/* refcounts moved: a is free-able, b is busy */
	EXPECT_EQ(h_free(&env.a, b), -EBUSY);
	EXPECT_EQ(h_free(&env.a, a), 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* A failing install (hardware error) leaves the old route and the books untouched. */
TEST(core_attach_install_failure_changes_nothing)
{
	CORE_ENV(env, 1);
	uint64_t digest;
	uint32_t a;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &a), 0);
	digest = h_state_digest(&env.a);
	env.mock.fail_install_after = 1;
	env.mock.fail_err = -ETIMEDOUT;
	EXPECT_EQ(h_attach(&env.a, 0, false, 0, a), -ETIMEDOUT);
	EXPECT_EQ(h_state_digest(&env.a), digest);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, H_DATA_GPA, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)));
	EXPECT_EQ(h_free(&env.a, a), 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* DETACH blocks (never bypass); DMA then faults with reason BLOCKED; re-attach restores. */
TEST(core_detach_blocks)
{
	CORE_ENV(env, 1);
	struct ioasid_fault_record *rec = h_ptr(&env.a, H_ARRAY_GPA);
	struct ioasid_fault_read fr = { .size = sizeof(fr), .num_records = 4, .records_gpa = H_ARRAY_GPA };
	hpa_t h;

	ASSERT_EQ(h_detach(&env.a, 0, false, 0), 0);
	EXPECT_EQ(mock_route_get(&env.mock, env.a.rid[0], false, 0)->cfg.mode, IOASID_HW_BLOCKED);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, H_DATA_GPA, IOASID_FAULT_ACCESS_WRITE, &h), -EPERM);
	EXPECT_EQ(h_detach(&env.a, 0, false, 0), -ENOENT);
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	ASSERT_EQ(fr.out_num_records, 1);
	EXPECT_EQ(rec[0].reason, IOASID_FAULT_REASON_BLOCKED);
	EXPECT_EQ(rec[0].addr, H_DATA_GPA);
	EXPECT_EQ(rec[0].access, IOASID_FAULT_ACCESS_WRITE);
	EXPECT_EQ(rec[0].dev_id, env.a.dev[0]);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, env.a.gpa_io), 0);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, H_DATA_GPA, IOASID_FAULT_ACCESS_WRITE, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* PASID attachments are independent of the RID's; PASID detach blocks only that PASID. */
TEST(core_pasid_attach_detach)
{
	CORE_ENV(env, 1);
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x7000000, H_DATA_GPA + 0x3000, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 0, true, 5, io), 0);
	ASSERT_EQ(h_dma(&env.a, 0, true, 5, 0x7000000, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA + 0x3000)));
	/* the RID still goes through the GPA space */
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, H_DATA_GPA, IOASID_FAULT_ACCESS_READ, &h), 0);
	/* another PASID was never attached */
	EXPECT_EQ(h_dma(&env.a, 0, true, 6, 0x7000000, IOASID_FAULT_ACCESS_READ, &h), -EPERM);
	EXPECT_EQ(h_free(&env.a, io), -EBUSY);
	ASSERT_EQ(h_detach(&env.a, 0, true, 5), 0);
	EXPECT_EQ(h_dma(&env.a, 0, true, 5, 0x7000000, IOASID_FAULT_ACCESS_READ, &h), -EPERM);
	EXPECT_EQ(h_detach(&env.a, 0, true, 5), -ENOENT);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	EXPECT_EQ(h_free(&env.a, io), 0);
	core_env_fini(&env);
}

TEST(core_pasid_slots_exhausted)
{
	CORE_ENV(env, 1);
	uint32_t io;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	for (uint32_t p = 1; p <= HV_DEV_MAX_PASID_ATT; p++) {
		ASSERT_EQ(h_attach(&env.a, 0, true, p, io), 0);
	}
	EXPECT_EQ(h_attach(&env.a, 0, true, 100, io), -ENOSPC);
	/* replacing an existing PASID needs no new slot */
	EXPECT_EQ(h_attach(&env.a, 0, true, 3, env.a.gpa_io), 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* Quota exhaustion: -EDQUOT, the failing entry changes nothing, earlier work stays. */
TEST(core_quota_exhaustion)
{
	CORE_ENV_QUOTA(env, 1, 8);
	uint64_t used, digest;
	uint32_t io;
	int ret = 0;
	unsigned i;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	/* each 1 GiB-apart 4K mapping needs new lower-level tables */
	for (i = 0; i < 16; i++) {
		used = env.a.g.quota.used_pages;
		digest = h_state_digest(&env.a);
		ret = (int)h_map(&env.a, io, (uint64_t)i << 30, H_DATA_GPA, 0x1000, IOASID_PROT_READ);
		if (ret) {
			break;
		}
	}
	EXPECT_EQ(ret, -EDQUOT);
	EXPECT_TRUE(i > 0 && i < 16);
	EXPECT_EQ(env.a.g.quota.used_pages, used);
	EXPECT_EQ(h_state_digest(&env.a), digest);
	EXPECT_TRUE(env.a.g.quota.used_pages <= 8);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, (uint64_t)i << 30, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, (uint64_t)(i - 1) << 30, IOASID_FAULT_ACCESS_READ, &h), 0);
	/* ALLOC itself is charged too */
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	/* unmapping returns pages; the map then fits */
	ASSERT_EQ(h_unmap(&env.a, io, 0, 0x1000, NULL), 0);
	EXPECT_TRUE(env.a.g.quota.used_pages < used);
	EXPECT_EQ(h_map(&env.a, io, (uint64_t)i << 30, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	core_env_fini(&env);
}

/* Host page allocator failure at every step of a map: -ENOMEM and nothing changed, each time. */
TEST(core_map_alloc_failure_injection)
{
	CORE_ENV(env, 1);
	uint32_t io;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	for (uint64_t n = 1; n < 8; n++) {
		uint64_t digest = h_state_digest(&env.a);
		long ret;

		host_mm_fail_after(n);
		ret = h_map(&env.a, io, (0x40ULL << 30) + (n << 30), H_RAM1_GPA, 0x2000, IOASID_PROT_READ);
		host_mm_fail_after(0);
		if (ret == 0) {
			break;
		}
		EXPECT_EQ(ret, -ENOMEM);
		EXPECT_EQ(h_state_digest(&env.a), digest);
	}
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

TEST(core_free_rules)
{
	CORE_ENV(env, 1);
	uint64_t used0 = env.a.g.quota.used_pages;
	uint32_t io, io2;

	EXPECT_EQ(h_free(&env.a, env.a.gpa_io), -EPERM);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x1000000, H_DATA_GPA, SZ_2M, IOASID_PROT_READ), 0);
	EXPECT_TRUE(env.a.g.quota.used_pages > used0);
	ASSERT_EQ(h_free(&env.a, io), 0);
	EXPECT_EQ(env.a.g.quota.used_pages, used0);
	/* stale ID after free, and after the slot is reused */
	EXPECT_EQ(h_free(&env.a, io), -ENOENT);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io2), 0);
	EXPECT_NE(io2, io);
	EXPECT_EQ(h_map(&env.a, io, 0, H_DATA_GPA, 0x1000, IOASID_PROT_READ), -ENOENT);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* Guest B can name neither A's IOASIDs nor A's devices. */
TEST(core_foreign_ids_rejected)
{
	CORE_ENV(env, 1);
	struct ioasid_get_info gi = { .size = sizeof(gi), .dev_id = env.a.dev[0] };
	uint64_t da, db;
	uint32_t io;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	da = h_state_digest(&env.a);
	db = h_state_digest(&env.b);
	EXPECT_EQ(h_map(&env.b, io, 0, H_DATA_GPA, 0x1000, IOASID_PROT_READ), -ENOENT);
	EXPECT_EQ(h_free(&env.b, io), -ENOENT);
	EXPECT_EQ(h_attach(&env.b, 0, false, 0, io), -ENOENT);
	EXPECT_EQ(h_attach(&env.b, 0, false, 0, env.a.gpa_io), -ENOENT);
	EXPECT_EQ(h_call(&env.b, IOASID_CALL_GET_INFO, &gi, sizeof(gi)), -ENOENT);
	env.b.dev[1] = env.a.dev[0];
	EXPECT_EQ(h_attach(&env.b, 1, false, 0, env.b.gpa_io), -ENOENT);
	EXPECT_EQ(h_detach(&env.b, 1, false, 0), -ENOENT);
	EXPECT_EQ(h_state_digest(&env.a), da);
	EXPECT_EQ(h_state_digest(&env.b), db);
	core_env_fini(&env);
}

/* A device (unit, RID) can belong to one guest only. */
TEST(core_device_assigned_twice_rejected)
{
	CORE_ENV(env, 1);
	uint32_t id;

	EXPECT_EQ(hv_guest_add_device(&env.b.g, &env.mock.unit, 0, 1, env.a.rid[0], &id), -EBUSY);
	core_env_fini(&env);
}

/* Faults beyond the queue are counted as lost; sequence numbers show the gap. */
TEST(core_fault_queue_overflow)
{
	CORE_ENV(env, 1);
	struct ioasid_fault_record *rec = h_ptr(&env.a, H_ARRAY_GPA);
	struct ioasid_fault_read fr = { .size = sizeof(fr), .num_records = 100, .records_gpa = H_ARRAY_GPA };
	unsigned total = HV_FAULT_QUEUE_LEN + 6;

	for (unsigned i = 0; i < total; i++) {
		ioasid_report_fault(&env.mock.unit, env.a.rid[0], i & 1, 7, 0x1000ULL * i, IOASID_FAULT_ACCESS_READ,
				    IOASID_FAULT_REASON_NOT_PRESENT);
	}
	/* an unassigned RID reaches nobody */
	ioasid_report_fault(&env.mock.unit, 0xdead, false, 0, 0, 0, IOASID_FAULT_REASON_OTHER);
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	ASSERT_EQ(fr.out_num_records, HV_FAULT_QUEUE_LEN);
	EXPECT_EQ(fr.out_lost, 6);
	for (unsigned i = 0; i < HV_FAULT_QUEUE_LEN; i++) {
		EXPECT_EQ(rec[i].seq, i + 1);
		EXPECT_EQ(rec[i].addr, 0x1000ULL * i);
		EXPECT_EQ(rec[i].pasid, (i & 1) ? 7 : 0);
		EXPECT_EQ(rec[i].access, IOASID_FAULT_ACCESS_READ | ((i & 1) ? IOASID_FAULT_PASID_VALID : 0));
	}
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	EXPECT_EQ(fr.out_num_records, 0);
	EXPECT_EQ(fr.out_lost, 0);
	ioasid_report_fault(&env.mock.unit, env.a.rid[0], false, 0, 0x42000, IOASID_FAULT_ACCESS_WRITE,
			    IOASID_FAULT_REASON_PERMISSION);
	fr.num_records = 1;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	ASSERT_EQ(fr.out_num_records, 1);
	EXPECT_EQ(rec[0].seq, total + 1);
	/* guest B saw nothing */
	EXPECT_EQ(env.b.g.fq.count, 0);
	core_env_fini(&env);
}

/*
 * Records the IOMMU itself dropped (VT-d PFO, SMMUv3 event queue overflow) reach the lost count
 * of every guest with a device behind that unit, once per guest, with a gap in the sequence.
 */
TEST(core_hardware_overflow_reaches_lost_counts)
{
	CORE_ENV(env, 2);
	struct ioasid_fault_record *rec = h_ptr(&env.a, H_ARRAY_GPA);
	struct ioasid_fault_read fr = { .size = sizeof(fr), .num_records = 4, .records_gpa = H_ARRAY_GPA };
	struct mock_iommu other;
	struct ioasid_dev_caps caps = h_default_caps();

	mock_iommu_init(&other, "mock1", &caps);
	ioasid_report_fault(&env.mock.unit, env.a.rid[0], false, 0, 0x1000, IOASID_FAULT_ACCESS_READ,
			    IOASID_FAULT_REASON_NOT_PRESENT);
	ioasid_report_lost(&env.mock.unit, 3);
	ioasid_report_lost(&other.unit, 5); /* nobody's devices are there */
	ioasid_report_fault(&env.mock.unit, env.a.rid[1], false, 0, 0x2000, IOASID_FAULT_ACCESS_READ,
			    IOASID_FAULT_REASON_NOT_PRESENT);
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	ASSERT_EQ(fr.out_num_records, 2);
	EXPECT_EQ(fr.out_lost, 3); /* two devices of A there, still counted once */
	EXPECT_EQ(rec[0].seq, 1);
	EXPECT_EQ(rec[1].seq, 5); /* the three lost ones sit in between */
	fr.size = sizeof(fr);
	ASSERT_EQ(h_call(&env.b, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	EXPECT_EQ(fr.out_num_records, 0);
	EXPECT_EQ(fr.out_lost, 3); /* B has devices on the same unit */
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	EXPECT_EQ(fr.out_lost, 0); /* reported once, then cleared */
	core_env_fini(&env);
}

/* A driver whose hardware stopped says -EIO; guests get the ABI's ENODEV for it. */
TEST(core_dead_iommu_is_enodev_for_guests)
{
	CORE_ENV(env, 1);
	uint32_t a;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &a), 0);
	env.mock.fail_install_after = 1;
	env.mock.fail_err = -EIO;
	EXPECT_EQ(h_attach(&env.a, 0, false, 0, a), -ENODEV);
	EXPECT_EQ(h_free(&env.a, a), 0);
	core_env_fini(&env);
}

/* Reading fewer than queued leaves the rest, in order; a bad array loses nothing. */
TEST(core_fault_read_partial_and_bad_array)
{
	CORE_ENV(env, 1);
	struct ioasid_fault_record *rec = h_ptr(&env.a, H_ARRAY_GPA);
	struct ioasid_fault_read fr = { .size = sizeof(fr), .num_records = 2, .records_gpa = H_ARRAY_GPA };

	for (unsigned i = 0; i < 5; i++) {
		ioasid_report_fault(&env.mock.unit, env.a.rid[0], false, 0, i, 0, IOASID_FAULT_REASON_OTHER);
	}
	fr.records_gpa = 2 * H_RAM_SIZE - 0x10; /* straddles the end of RAM */
	EXPECT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), -EFAULT);
	EXPECT_EQ(env.a.g.fq.count, 5);
	fr.records_gpa = H_ARRAY_GPA;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	EXPECT_EQ(fr.out_num_records, 2);
	EXPECT_EQ(rec[1].seq, 2);
	fr.num_records = 10;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_FAULT_READ, &fr, sizeof(fr)), 0);
	EXPECT_EQ(fr.out_num_records, 3);
	EXPECT_EQ(rec[0].seq, 3);
	EXPECT_EQ(rec[2].seq, 5);
	core_env_fini(&env);
}

/* A flush that fails falls back to a full flush; the error reaches the guest. */
TEST(core_flush_failure_falls_back)
{
	CORE_ENV(env, 1);
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x100000, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), 0);
	env.mock.fail_flush_after = 1;
	EXPECT_EQ(h_unmap(&env.a, io, 0x100000, 0x1000, NULL), 0);
	EXPECT_EQ(mock_flush_last(&env.mock, 0)->all, true);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	core_env_fini(&env);
}

/* Teardown returns every page the guest made us allocate. */
TEST(core_teardown_frees_everything)
{
	uint64_t free0 = page_free_count();
	CORE_ENV(env, 2);
	uint32_t io;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x1000000, H_DATA_GPA, 0x200000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 1, true, 3, io), 0);
	EXPECT_TRUE(page_free_count() < free0);
	core_env_fini(&env);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(mock_route_get(&env.mock, env.a.rid[0], false, 0)->cfg.mode, IOASID_HW_BLOCKED);
	EXPECT_EQ(mock_route_get(&env.mock, env.a.rid[1], true, 3)->cfg.mode, IOASID_HW_BLOCKED);
}

/*
 * IOTLB entries outlive a route: unmapping from an IOASID no device uses right now must still
 * flush, or the stale entry is hit when a device comes back to it.
 */
TEST(core_unmap_while_detached_still_flushes)
{
	CORE_ENV(env, 1);
	uint32_t a;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &a), 0);
	ASSERT_EQ(h_map(&env.a, a, 0x100000, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, a), 0);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, env.a.gpa_io), 0);
	ASSERT_EQ(h_unmap(&env.a, a, 0x100000, 0x1000, NULL), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, a), 0);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	core_env_fini(&env);
}

/*
 * A guest whose devices sit behind two IOMMUs with different table formats (VT-d second-level
 * and Arm stage 2, 39-bit): one GPA table per format, both giving the same translation; a PAGING
 * IOASID built for one IOMMU cannot be attached behind the other.
 */
TEST(core_two_iommu_formats)
{
	struct ioasid_dev_caps c1 = h_default_caps();
	struct mock_iommu m1;
	struct mock_iommu *mocks[2];
	struct core_env env;
	struct ioasid *gio;
	uint32_t io;
	hpa_t h0, h1;

	ASSERT_EQ(core_env_init(&env, 0, 64), 0);
	h_guest_teardown(&env.a);
	c1.paging_fmt = PT_FMT_ARM_S2;
	c1.ia_bits = 39;
	mock_iommu_init(&m1, "mock1", &c1);
	mocks[0] = &env.mock;
	mocks[1] = &m1;
	ASSERT_EQ(h_guest_setup_ex(&env.a, 1, mocks, 2, 0x10, 64, NULL, NULL), 0);
	gio = env.a.g.gpa_io;
	EXPECT_TRUE(gio->hw[PT_FMT_VTD_SL].valid);
	EXPECT_TRUE(gio->hw[PT_FMT_ARM_S2].valid);
	EXPECT_NE(gio->hw[PT_FMT_VTD_SL].domain, gio->hw[PT_FMT_ARM_S2].domain);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, H_RAM1_GPA + 0x42000, IOASID_FAULT_ACCESS_WRITE, &h0), 0);
	ASSERT_EQ(h_dma(&env.a, 1, false, 0, H_RAM1_GPA + 0x42000, IOASID_FAULT_ACCESS_WRITE, &h1), 0);
	EXPECT_EQ(hpa_val(h0), hpa_val(h1));
	EXPECT_EQ(hpa_val(h0), hpa_val(h_hpa(&env.a, H_RAM1_GPA + 0x42000)));
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	EXPECT_EQ(h_attach(&env.a, 1, false, 0, io), -EOPNOTSUPP);
	EXPECT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	/* a PAGING IOASID for the 39-bit IOMMU refuses IOVAs beyond 2^39 */
	ASSERT_EQ(h_alloc_paging(&env.a, 1, &io), 0);
	EXPECT_EQ(h_map(&env.a, io, 1ULL << 39, H_DATA_GPA, 0x1000, IOASID_PROT_READ), -ERANGE);
	EXPECT_EQ(h_map(&env.a, io, (1ULL << 39) - 0x1000, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 1, false, 0, io), 0);
	ASSERT_EQ(h_dma(&env.a, 1, false, 0, (1ULL << 39) - 0x1000, IOASID_FAULT_ACCESS_READ, &h1), 0);
	EXPECT_EQ(hpa_val(h1), hpa_val(h_hpa(&env.a, H_DATA_GPA)));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* Splitting a superpage needs a table page: with the quota full, UNMAP fails and changes nothing. */
TEST(core_split_needs_quota)
{
	CORE_ENV_QUOTA(env, 1, 3);
	struct ioasid_unmap_entry e = { .iova = 0x40000000ULL + 0x5000, .length = 0x1000 };
	struct ioasid_unmap r = { .size = sizeof(r), .num_entries = 1, .entries_gpa = H_ARRAY_GPA };
	uint64_t digest;
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	/* root + one table per level down to the 2 MiB leaf: the quota of 3 is now used up */
	ASSERT_EQ(h_map(&env.a, io, 0x40000000ULL, 0, SZ_2M, IOASID_PROT_READ), 0);
	EXPECT_EQ(env.a.g.quota.used_pages, 3);
	digest = h_state_digest(&env.a);
	h_put_array(&env.a, &e, sizeof(e));
	r.ioasid = io;
	EXPECT_EQ(h_call(&env.a, IOASID_CALL_UNMAP, &r, sizeof(r)), -EDQUOT);
	EXPECT_EQ(r.out_done, 0);
	EXPECT_EQ(r.out_unmapped, 0);
	EXPECT_EQ(h_state_digest(&env.a), digest);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x40005000ULL, IOASID_FAULT_ACCESS_READ, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, 0x5000)));
	/* unmapping the whole superpage needs nothing and works */
	EXPECT_EQ(h_unmap(&env.a, io, 0x40000000ULL, SZ_2M, NULL), 0);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x40005000ULL, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	core_env_fini(&env);
}

/*
 * All-or-nothing across host chunks: the second chunk of a region-spanning MAP needs a table the
 * quota cannot pay for; the first chunk, already mapped, is taken back out and flushed.
 */
TEST(core_map_second_chunk_fails_undoes_first)
{
	CORE_ENV_QUOTA(env, 1, 4);
	uint64_t iova = 0x40000000ULL + SZ_2M - 0x1000;
	uint64_t flushes;
	uint32_t io;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	EXPECT_EQ(env.a.g.quota.used_pages, 1);
	flushes = env.mock.nr_flush_calls;
	/*
	 * chunk 1: GPA [4M-4K, 4M) at IOVA 1G+2M-4K needs three new tables (1 GiB, 2 MiB and 4 KiB
	 * levels), using up the quota; chunk 2 at IOVA 1G+2M needs another 4 KiB-level table
	 */
	EXPECT_EQ(h_map(&env.a, io, iova, H_RAM1_GPA - 0x1000, 0x2000, IOASID_PROT_READ), -EDQUOT);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, iova, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, iova + 0x1000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(env.a.g.quota.used_pages, 1);
	EXPECT_EQ(env.mock.nr_flush_calls - flushes, 1);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/*
 * Teardown when the IOMMU cannot block a device: its IOASID's tables, and the GPA parent they
 * depend on, are leaked rather than freed under a device that can still reach them.
 */
TEST(core_teardown_with_failing_iommu_leaks_safely)
{
	CORE_ENV(env, 1);
	uint32_t io;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_map(&env.a, io, 0x100000, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	env.mock.fail_install_after = 1;
	env.mock.fail_err = -ETIMEDOUT;
	EXPECT_EQ(hv_guest_destroy(&env.a.g), -ETIMEDOUT); /* the caller must keep the guest's RAM */
	/* the route still points at the (still allocated, still correct) table */
	EXPECT_EQ(mock_route_get(&env.mock, env.a.rid[0], false, 0)->cfg.mode, IOASID_HW_TABLE);
	{
		hpa_t h;

		ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), 0);
		EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)));
	}
	/* both the PAGING IOASID and its GPA parent were kept; the test frees them for LSan */
	EXPECT_TRUE(ioasid_lookup(&env.a.g, io) != NULL);
	EXPECT_TRUE(env.a.g.gpa_io != NULL && env.a.g.gpa_io->in_use);
	for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
		for (unsigned f = 0; f < HV_NR_FMT; f++) {
			if (env.a.g.ioasids[i].in_use && env.a.g.ioasids[i].hw[f].valid) {
				pt_destroy(&env.a.g.ioasids[i].hw[f].pt);
			}
		}
	}
	core_env_fini(&env);
}

/*
 * 1 GiB pages: a guest with a 1 GiB-aligned 1 GiB region gets a single 1 GiB leaf in its GPA
 * table, and a 1 GiB PAGING map of it is one leaf too (the memory itself is never touched).
 */
TEST(core_superpage_1g)
{
	struct ioasid_dev_caps caps = h_default_caps();
	struct mock_iommu m;
	struct hv_guest *g = calloc(1, sizeof(*g));
	void *ram = aligned_alloc(SZ_1G, SZ_1G);
	struct hv_mem_region mem[2];
	struct hv_guest_config cfg = { .id = 7, .mem = mem, .nr_mem = 2, .quota_pages = 16 };
	struct ioasid_map_entry *e;
	struct ioasid_alloc *al;
	struct ioasid_map *mp;
	uint64_t pgsize = 0;
	uint32_t dev, io;
	struct ioasid *o;
	char *low = aligned_alloc(SZ_2M, SZ_2M);
	hpa_t h;

	ASSERT_TRUE(g != NULL && ram != NULL && low != NULL);
	memset(low, 0, SZ_2M);
	/* GPA [0, 2M): ordinary RAM for requests; GPA [1G, 2G): the big region */
	mem[0] = (struct hv_mem_region){ .gpa = gpa(0), .hpa = ptr_to_hpa(low), .size = SZ_2M };
	mem[1] = (struct hv_mem_region){ .gpa = gpa(SZ_1G), .hpa = ptr_to_hpa(ram), .size = SZ_1G };
	mock_iommu_init(&m, "mock1g", &caps);
	ASSERT_EQ(hv_guest_init(g, &cfg), 0);
	ASSERT_EQ(hv_guest_add_device(g, &m.unit, 0, 1, 0x77, &dev), 0);
	ASSERT_EQ(pt_lookup(&g->gpa_io->hw[PT_FMT_VTD_SL].pt, SZ_1G + 0x12345, &h, NULL, &pgsize), 0);
	EXPECT_EQ(pgsize, SZ_1G);
	EXPECT_EQ(hpa_val(h), (uint64_t)(uintptr_t)ram + 0x12345);

	al = (struct ioasid_alloc *)(low + 0x1000);
	*al = (struct ioasid_alloc){
		.size = sizeof(*al), .kind = IOASID_KIND_PAGING, .parent = g->gpa_io->id, .dev_id = dev
	};
	ASSERT_EQ(ioasid_dispatch(g, IOASID_CALL_ALLOC, gpa(0x1000)), 0);
	io = al->out_ioasid;
	e = (struct ioasid_map_entry *)(low + 0x3000);
	*e = (struct ioasid_map_entry){ .iova = 4 * SZ_1G, .gpa = SZ_1G, .length = SZ_1G, .prot = IOASID_PROT_READ };
	mp = (struct ioasid_map *)(low + 0x2000);
	*mp = (struct ioasid_map){ .size = sizeof(*mp), .ioasid = io, .num_entries = 1, .entries_gpa = 0x3000 };
	ASSERT_EQ(ioasid_dispatch(g, IOASID_CALL_MAP, gpa(0x2000)), 0);
	o = ioasid_lookup(g, io);
	ASSERT_TRUE(o != NULL);
	ASSERT_EQ(pt_lookup(&o->hw[o->fmt].pt, 4 * SZ_1G + SZ_1G - 8, &h, NULL, &pgsize), 0);
	EXPECT_EQ(pgsize, SZ_1G);
	EXPECT_EQ(hpa_val(h), (uint64_t)(uintptr_t)ram + SZ_1G - 8);
	/* root + one 1 GiB-level table: a GiB of DMA space for two table pages */
	EXPECT_EQ(o->hw[o->fmt].pt.nr_table_pages, 2);
	hv_guest_destroy(g);
	free(g);
	free(ram);
	free(low);
}

/* GET_INFO follows the device's IOMMU: hardware nesting, no PASID, non-coherent walks, 39 bits. */
TEST(core_get_info_caps_variants)
{
	struct ioasid_dev_caps caps = h_default_caps();
	struct ioasid_get_info r;
	struct core_env env;

	caps.hw_nesting = true;
	caps.pasid_bits = 0;
	caps.coherent = false;
	caps.ia_bits = 39;
	caps.pgsize_bitmap = SZ_4K | SZ_2M;
	caps.nested_fmts = 1U << PT_FMT_VTD_FL;
	ASSERT_EQ(core_env_init_caps(&env, 1, 64, &caps), 0);
	r = (struct ioasid_get_info){ .size = sizeof(r), .dev_id = env.a.dev[0] };
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_GET_INFO, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_caps, IOASID_CAP_PAGING | IOASID_CAP_NESTED | IOASID_CAP_NESTED_HW);
	EXPECT_EQ(r.out_pasid_bits, 0);
	EXPECT_EQ(r.out_ia_bits, 39);
	EXPECT_EQ(r.out_iova_last, (1ULL << 39) - 1);
	EXPECT_EQ(r.out_pgsize_bitmap, SZ_4K | SZ_2M);
	EXPECT_EQ(r.out_formats, 1U << IOASID_FMT_VTD_FL);
	/* the GPA table follows too: 3 levels, no 1 GiB leaves, non-coherent */
	EXPECT_EQ(env.a.g.gpa_io->hw[PT_FMT_VTD_SL].pt.levels, 3);
	EXPECT_EQ(env.a.g.gpa_io->hw[PT_FMT_VTD_SL].pt.coherent, false);
	core_env_fini(&env);
}

static uint32_t paging_domain(struct h_guest *hg, uint32_t id)
{
	struct ioasid *io = ioasid_lookup(&hg->g, id);

	return io != NULL && io->hw[io->fmt].valid ? io->hw[io->fmt].domain : 0;
}

/*
 * Domain IDs are recycled (lowest free first), but only after FREE flushed them: the new owner
 * of the ID must not hit the IOTLB entries the old owner's DMA left (the mock IOTLB keeps them
 * until a flush of that domain).
 */
TEST(core_domain_ids_recycled_after_flush)
{
	CORE_ENV(env, 1);
	uint32_t io1, io2, d1;
	hpa_t h;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io1), 0);
	d1 = paging_domain(&env.a, io1);
	ASSERT_TRUE(d1 != 0);
	ASSERT_EQ(h_map(&env.a, io1, 0x100000, H_DATA_GPA, 0x1000, IOASID_PROT_READ), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io1), 0);
	ASSERT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), 0); /* cached */
	ASSERT_EQ(h_detach(&env.a, 0, false, 0), 0);
	ASSERT_EQ(h_free(&env.a, io1), 0);
	EXPECT_EQ(mock_flush_last(&env.mock, 0)->domain, d1);
	EXPECT_TRUE(mock_flush_last(&env.mock, 0)->all);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io2), 0);
	EXPECT_EQ(paging_domain(&env.a, io2), d1); /* reused */
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io2), 0);
	/* nothing mapped in the new table: the old translation must be gone */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x100000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	core_env_fini(&env);
}

/* A unit that cannot flush keeps entries under the ID: the ID is never handed out again. */
TEST(core_domain_id_kept_when_flush_fails)
{
	CORE_ENV(env, 1);
	uint32_t io1, io2, d1;

	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io1), 0);
	d1 = paging_domain(&env.a, io1);
	env.mock.fail_flush_after = 1;
	ASSERT_EQ(h_free(&env.a, io1), 0);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io2), 0);
	EXPECT_TRUE(paging_domain(&env.a, io2) != d1);
	core_env_fini(&env);
}

/* The allocator itself: lowest free first, 0 when exhausted, an ID back after a put. */
TEST(core_domain_allocator_bounds)
{
	static uint32_t got[IOASID_MAX_DOMAINS];
	unsigned n = 0;
	uint32_t d;

	while ((d = ioasid_new_domain()) != 0) {
		ASSERT_TRUE(n < IOASID_MAX_DOMAINS && d < IOASID_MAX_DOMAINS);
		got[n++] = d;
	}
	EXPECT_TRUE(n > 0);
	for (unsigned i = 1; i < n; i++) {
		EXPECT_TRUE(got[i] > got[i - 1]); /* distinct, lowest first */
	}
	ioasid_put_domain(got[n / 2]);
	EXPECT_EQ(ioasid_new_domain(), got[n / 2]);
	EXPECT_EQ(ioasid_new_domain(), 0);
	for (unsigned i = 0; i < n; i++) {
		ioasid_put_domain(got[i]);
	}
}
