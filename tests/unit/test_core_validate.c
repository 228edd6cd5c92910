/* SPDX-License-Identifier: MIT */
/*
 * Every validation rule of the dispatcher: the documented error, and nothing changed - neither
 * in the caller (tables, routes, quota, refcounts, flushes, fault queue) nor in the other guest.
 */
#include "tests/unit/test.h"

#include <hv/errno.h>

#include "tests/unit/test_core_util.h"

/* A NESTED-capable environment with one PAGING and one NESTED IOASID to aim requests at. */
struct vctx {
	struct core_env env;
	uint32_t paging, nested;
	uint64_t root;
};

static int vctx_init(struct vctx *v)
{
	int ret = core_env_init(&v->env, 2, 512);

	if (ret == 0) {
		ret = (int)h_alloc_paging(&v->env.a, 0, &v->paging);
	}
	if (ret == 0) {
		ret = (int)h_map(&v->env.a, v->paging, 0x100000, H_DATA_GPA, 0x4000, IOASID_PROT_READ);
	}
	if (ret == 0) {
		v->root = H_DATA_GPA + 0x100000; /* an empty (all-zero) guest table */
		ret = (int)h_alloc_nested(&v->env.a, 0, IOASID_FMT_VTD_FL, v->root, &v->nested);
	}
	if (ret == 0) {
		ret = (int)h_attach(&v->env.a, 1, true, 9, v->nested);
	}
	return ret;
}

/* Issue call with req; expect err and both guests' state unchanged. */
static int reject(struct vctx *v, uint64_t call, void *req, size_t size, long err, int line)
{
	uint64_t da = h_state_digest(&v->env.a), db = h_state_digest(&v->env.b);
	long ret = h_call(&v->env.a, call, req, size);
	int bad = 0;

	if (ret != err) {
		fprintf(stderr, "    line %d: call %llu returned %ld, expected %ld\n", line, (unsigned long long)call,
			ret, err);
		bad = 1;
	}
	if (h_state_digest(&v->env.a) != da || h_state_digest(&v->env.b) != db) {
		fprintf(stderr, "    line %d: call %llu changed state\n", line, (unsigned long long)call);
		bad = 1;
	}
	if (h_check_invariants(&v->env.a) != 0) {
		bad = 1;
	}
	return bad;
}
#define REJECT(v, call, req, err) EXPECT_EQ(reject((v), (call), &(req), sizeof(req), (err), __LINE__), 0)

#define VCTX(v)                                                                                                        \
	struct vctx v;                                                                                                 \
	ASSERT_EQ(vctx_init(&v), 0)

TEST(validate_size_rules)
{
	VCTX(v);
	struct {
		struct ioasid_get_info r;
		uint8_t tail[24];
	} big = { 0 };
	uint32_t small[4] = { 0 };
	static const uint32_t v1[] = { 0,
				       sizeof(struct ioasid_get_info),
				       sizeof(struct ioasid_device_list),
				       sizeof(struct ioasid_alloc),
				       sizeof(struct ioasid_free),
				       sizeof(struct ioasid_map),
				       sizeof(struct ioasid_unmap),
				       sizeof(struct ioasid_attach),
				       sizeof(struct ioasid_detach),
				       sizeof(struct ioasid_invalidate),
				       sizeof(struct ioasid_fault_read) };

	/* smaller than version 1: -EINVAL, for every call */
	for (uint64_t call = IOASID_CALL_GET_INFO; call <= IOASID_CALL_FAULT_READ; call++) {
		small[0] = v1[call] - 4;
		EXPECT_EQ(reject(&v, call, small, sizeof(small), -EINVAL, (int)call), 0);
		small[0] = 0;
		EXPECT_EQ(reject(&v, call, small, sizeof(small), -EINVAL, (int)call), 0);
	}
	/* larger with zero tail: accepted; with a non-zero byte anywhere in the tail: -E2BIG */
	big.r = (struct ioasid_get_info){ .size = sizeof(big), .dev_id = v.env.a.dev[0] };
	EXPECT_EQ(h_call(&v.env.a, IOASID_CALL_GET_INFO, &big, sizeof(big)), 0);
	EXPECT_EQ(big.r.out_ia_bits, 48);
	for (unsigned i = 0; i < sizeof(big.tail); i += 7) {
		memset(big.tail, 0, sizeof(big.tail));
		big.tail[i] = 1;
		big.r.size = sizeof(big);
		REJECT(&v, IOASID_CALL_GET_INFO, big, -E2BIG);
	}
	/* a tail beyond a page: -E2BIG without reading it */
	big.r.size = 8192;
	REJECT(&v, IOASID_CALL_GET_INFO, big, -E2BIG);
	core_env_fini(&v.env);
}

TEST(validate_request_address)
{
	VCTX(v);
	uint64_t da = h_state_digest(&v.env.a);
	const uint64_t bad[] = { 2 * H_RAM_SIZE, 2 * H_RAM_SIZE + 0x1000, 0xfffffffffffffffcULL, 1ULL << 52 };
	struct ioasid_free *f = h_ptr(&v.env.a, 2 * H_RAM_SIZE - 8);

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (uint64_t call = IOASID_CALL_GET_INFO; call <= IOASID_CALL_FAULT_READ; call++) {
			EXPECT_EQ(ioasid_dispatch(&v.env.a.g, call, gpa(bad[i])), -EFAULT);
		}
	}
	/* size fits but the struct runs off the end of RAM */
	f->size = sizeof(*f);
	EXPECT_EQ(ioasid_dispatch(&v.env.a.g, IOASID_CALL_FREE, gpa(2 * H_RAM_SIZE - 8)), -EFAULT);
	EXPECT_EQ(h_state_digest(&v.env.a), da);
	core_env_fini(&v.env);
}

TEST(validate_unknown_calls)
{
	VCTX(v);
	struct ioasid_free r = { .size = sizeof(r) };

	REJECT(&v, 0, r, -ENOSYS);
	REJECT(&v, 11, r, -ENOSYS);
	REJECT(&v, IOASID_CALL_CONSOLE_WRITE, r, -ENOSYS);
	REJECT(&v, IOASID_CALL_EXIT, r, -ENOSYS);
	REJECT(&v, 1ULL << 40 | IOASID_CALL_FREE, r, -ENOSYS);
	core_env_fini(&v.env);
}

TEST(validate_flags_and_reserved)
{
	VCTX(v);
	struct ioasid_get_info gi = { .size = sizeof(gi), .dev_id = v.env.a.dev[0], .flags = 1 };
	struct ioasid_device_list dl = { .size = sizeof(dl), .flags = 1U << 31 };
	struct ioasid_alloc al = { .size = sizeof(al),
				   .flags = 1,
				   .kind = IOASID_KIND_PAGING,
				   .parent = v.env.a.gpa_io,
				   .dev_id = v.env.a.dev[0] };
	struct ioasid_free fr = { .size = sizeof(fr), .flags = 1, .ioasid = v.paging };
	struct ioasid_map mp = { .size = sizeof(mp), .flags = 1, .ioasid = v.paging };
	struct ioasid_unmap um = { .size = sizeof(um), .flags = 4, .ioasid = v.paging };
	struct ioasid_attach at = { .size = sizeof(at), .flags = 2, .dev_id = v.env.a.dev[0], .ioasid = v.paging };
	struct ioasid_detach dt = { .size = sizeof(dt), .flags = 2, .dev_id = v.env.a.dev[0] };
	struct ioasid_invalidate iv = { .size = sizeof(iv), .flags = 1, .ioasid = v.nested };
	struct ioasid_fault_read fq = { .size = sizeof(fq), .flags = 1 };

	REJECT(&v, IOASID_CALL_GET_INFO, gi, -EINVAL);
	gi.flags = 0;
	gi.__reserved = 1;
	REJECT(&v, IOASID_CALL_GET_INFO, gi, -EINVAL);
	REJECT(&v, IOASID_CALL_DEVICE_LIST, dl, -EINVAL);
	REJECT(&v, IOASID_CALL_ALLOC, al, -EINVAL);
	REJECT(&v, IOASID_CALL_FREE, fr, -EINVAL);
	fr.flags = 0;
	fr.__reserved = 0x100;
	REJECT(&v, IOASID_CALL_FREE, fr, -EINVAL);
	REJECT(&v, IOASID_CALL_MAP, mp, -EINVAL);
	mp.flags = 0;
	mp.__reserved = 1;
	REJECT(&v, IOASID_CALL_MAP, mp, -EINVAL);
	REJECT(&v, IOASID_CALL_UNMAP, um, -EINVAL);
	um.flags = 0;
	um.__reserved = 1;
	REJECT(&v, IOASID_CALL_UNMAP, um, -EINVAL);
	REJECT(&v, IOASID_CALL_ATTACH, at, -EINVAL);
	at.flags = 0;
	at.__reserved = 1;
	REJECT(&v, IOASID_CALL_ATTACH, at, -EINVAL);
	at.__reserved = 0;
	at.pasid = 3; /* a PASID without IOASID_ATTACH_PASID */
	REJECT(&v, IOASID_CALL_ATTACH, at, -EINVAL);
	REJECT(&v, IOASID_CALL_DETACH, dt, -EINVAL);
	dt.flags = 0;
	dt.pasid = 9;
	REJECT(&v, IOASID_CALL_DETACH, dt, -EINVAL);
	REJECT(&v, IOASID_CALL_INVALIDATE, iv, -EINVAL);
	iv.flags = 0;
	iv.__reserved = 1;
	REJECT(&v, IOASID_CALL_INVALIDATE, iv, -EINVAL);
	REJECT(&v, IOASID_CALL_FAULT_READ, fq, -EINVAL);
	core_env_fini(&v.env);
}

/* One bad MAP entry: the error, and no entry of the batch applied. */
static int map_entry_rejected(struct vctx *v, struct ioasid_map_entry bad, long err, int line)
{
	struct ioasid_map_entry e[3] = {
		{ .iova = 0x900000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = IOASID_PROT_READ },
		bad,
		{ .iova = 0xa00000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = IOASID_PROT_READ },
	};
	struct ioasid_map r = {
		.size = sizeof(r), .ioasid = v->paging, .num_entries = 3, .entries_gpa = H_ARRAY_GPA, .out_done = 55
	};
	int bad_ret;

	h_put_array(&v->env.a, e, sizeof(e));
	bad_ret = reject(v, IOASID_CALL_MAP, &r, sizeof(r), err, line);
	if (r.out_done != 55) {
		fprintf(stderr, "    line %d: out_done written on a rejected batch\n", line);
		bad_ret = 1;
	}
	return bad_ret;
}
#define MAP_BAD(v, err, ...)                                                                                           \
	EXPECT_EQ(map_entry_rejected((v), (struct ioasid_map_entry){ __VA_ARGS__ }, (err), __LINE__), 0)

TEST(validate_map_entries)
{
	VCTX(v);
	const uint32_t R = IOASID_PROT_READ;

	MAP_BAD(&v, -EINVAL, .iova = 0x1000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = 0);
	MAP_BAD(&v, -EINVAL, .iova = 0x1000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = 4);
	MAP_BAD(&v, -EINVAL, .iova = 0x1000, .gpa = H_DATA_GPA, .length = 0x1000, .prot = R, .__reserved = 1);
	MAP_BAD(&v, -EINVAL, .iova = 0x1800, .gpa = H_DATA_GPA, .length = 0x1000, .prot = R);
	MAP_BAD(&v, -EINVAL, .iova = 0x1000, .gpa = H_DATA_GPA + 8, .length = 0x1000, .prot = R);
	MAP_BAD(&v, -EINVAL, .iova = 0x1000, .gpa = H_DATA_GPA, .length = 0, .prot = R);
	MAP_BAD(&v, -EINVAL, .iova = 0x1000, .gpa = H_DATA_GPA, .length = 0x1001, .prot = R);
	MAP_BAD(&v, -EOVERFLOW, .iova = 0xfffffffffffff000ULL, .gpa = H_DATA_GPA, .length = 0x2000, .prot = R);
	MAP_BAD(&v, -ERANGE, .iova = (1ULL << 48) - 0x1000, .gpa = H_DATA_GPA, .length = 0x2000, .prot = R);
	MAP_BAD(&v, -ERANGE, .iova = 1ULL << 48, .gpa = H_DATA_GPA, .length = 0x1000, .prot = R);
	MAP_BAD(&v, -EOVERFLOW, .iova = 0x1000, .gpa = 0xfffffffffffff000ULL, .length = 0x2000, .prot = R);
	/* outputs outside the caller's RAM: past the end, straddling it, far away */
	MAP_BAD(&v, -EFAULT, .iova = 0x1000, .gpa = 2 * H_RAM_SIZE, .length = 0x1000, .prot = R);
	MAP_BAD(&v, -EFAULT, .iova = 0x1000, .gpa = 2 * H_RAM_SIZE - 0x1000, .length = 0x2000, .prot = R);
	MAP_BAD(&v, -EFAULT, .iova = 0x1000, .gpa = 1ULL << 40, .length = 0x1000, .prot = R);
	/* mapping over an existing mapping is a resource error, not a validation one: entry 0 stays */
	core_env_fini(&v.env);
}

TEST(validate_batch_limits)
{
	VCTX(v);
	struct ioasid_map mp = {
		.size = sizeof(mp), .ioasid = v.paging, .num_entries = IOASID_MAX_BATCH + 1, .entries_gpa = H_ARRAY_GPA
	};
	struct ioasid_unmap um = {
		.size = sizeof(um), .ioasid = v.paging, .num_entries = 1, .entries_gpa = 2 * H_RAM_SIZE - 8
	};
	struct ioasid_invalidate iv = {
		.size = sizeof(iv), .ioasid = v.nested, .num_entries = 0xffffffffU, .entries_gpa = H_ARRAY_GPA
	};
	struct ioasid_device_list dl = { .size = sizeof(dl), .num_devices = 2, .devices_gpa = 2 * H_RAM_SIZE - 16 };
	struct ioasid_fault_read fq = { .size = sizeof(fq), .num_records = 0x10000000, .records_gpa = H_ARRAY_GPA };

	REJECT(&v, IOASID_CALL_MAP, mp, -E2BIG);
	REJECT(&v, IOASID_CALL_UNMAP, um, -EFAULT);
	REJECT(&v, IOASID_CALL_INVALIDATE, iv, -E2BIG);
	REJECT(&v, IOASID_CALL_DEVICE_LIST, dl, -EFAULT);
	REJECT(&v, IOASID_CALL_FAULT_READ, fq, -EFAULT);
	core_env_fini(&v.env);
}

TEST(validate_unmap_entries)
{
	VCTX(v);
	struct ioasid_unmap um = {
		.size = sizeof(um), .ioasid = v.paging, .num_entries = 2, .entries_gpa = H_ARRAY_GPA
	};
	struct ioasid_unmap_entry e[2] = { { .iova = 0x100000, .length = 0x1000 } };
	const struct ioasid_unmap_entry bad[] = {
		{ .iova = 0x100800, .length = 0x1000 },	  { .iova = 0x100000, .length = 0 },
		{ .iova = 0x100000, .length = 0x800 },	  { .iova = 0xfffffffffffff000ULL, .length = 0x2000 },
		{ .iova = 1ULL << 48, .length = 0x1000 },
	};
	const long err[] = { -EINVAL, -EINVAL, -EINVAL, -EOVERFLOW, -ERANGE };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e[1] = bad[i];
		h_put_array(&v.env.a, e, sizeof(e));
		REJECT(&v, IOASID_CALL_UNMAP, um, err[i]);
	}
	core_env_fini(&v.env);
}

TEST(validate_kind_rules)
{
	VCTX(v);
	struct ioasid_map mp = { .size = sizeof(mp), .ioasid = v.env.a.gpa_io };
	struct ioasid_unmap um = { .size = sizeof(um), .ioasid = v.nested };
	struct ioasid_invalidate iv = { .size = sizeof(iv), .ioasid = v.paging };
	struct ioasid_free fr = { .size = sizeof(fr), .ioasid = v.env.a.gpa_io };

	REJECT(&v, IOASID_CALL_MAP, mp, -EPERM);
	mp.ioasid = v.nested;
	REJECT(&v, IOASID_CALL_MAP, mp, -EPERM);
	REJECT(&v, IOASID_CALL_UNMAP, um, -EPERM);
	REJECT(&v, IOASID_CALL_INVALIDATE, iv, -EPERM);
	iv.ioasid = v.env.a.gpa_io;
	REJECT(&v, IOASID_CALL_INVALIDATE, iv, -EPERM);
	REJECT(&v, IOASID_CALL_FREE, fr, -EPERM);
	fr.ioasid = v.nested; /* attached (device 1, PASID 9) */
	REJECT(&v, IOASID_CALL_FREE, fr, -EBUSY);
	core_env_fini(&v.env);
}

TEST(validate_alloc_rules)
{
	VCTX(v);
	struct ioasid_alloc base = {
		.size = sizeof(base), .kind = IOASID_KIND_PAGING, .parent = v.env.a.gpa_io, .dev_id = v.env.a.dev[0]
	};
	struct ioasid_alloc nb = { .size = sizeof(nb),
				   .kind = IOASID_KIND_NESTED,
				   .parent = v.env.a.gpa_io,
				   .dev_id = v.env.a.dev[0],
				   .nested_format = IOASID_FMT_VTD_FL,
				   .nested_root_gpa = v.root,
				   .nested_levels = 4 };
	struct ioasid_alloc r;

	r = base, r.kind = 0;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = base, r.kind = 9;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = base, r.kind = IOASID_KIND_GPA;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EPERM);
	r = base, r.parent = v.paging;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = base, r.parent = 0x12345;
	REJECT(&v, IOASID_CALL_ALLOC, r, -ENOENT);
	r = base, r.parent = v.env.b.gpa_io;
	REJECT(&v, IOASID_CALL_ALLOC, r, -ENOENT);
	r = base, r.dev_id = v.env.b.dev[0];
	REJECT(&v, IOASID_CALL_ALLOC, r, -ENOENT);
	r = base, r.nested_root_gpa = 0x1000;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = base, r.nested_levels = 4;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = nb, r.nested_format = 1; /* VT-d second-level is ours, not a guest stage-1 */
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = nb, r.nested_levels = 5;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = nb, r.nested_levels = 3; /* x86 first-level needs 4 levels */
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = nb, r.nested_root_gpa = v.root + 8;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EINVAL);
	r = nb, r.nested_root_gpa = 2 * H_RAM_SIZE;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EFAULT);
	r = nb, r.nested_root_gpa = 1ULL << 44;
	REJECT(&v, IOASID_CALL_ALLOC, r, -EFAULT);
	core_env_fini(&v.env);
}

TEST(validate_alloc_unsupported_format)
{
	struct ioasid_dev_caps caps = h_default_caps();
	struct core_env env;
	uint32_t io;

	caps.nested_fmts = 1U << PT_FMT_VTD_FL;
	caps.pasid_bits = 0;
	ASSERT_EQ(core_env_init_caps(&env, 1, 64, &caps), 0);
	EXPECT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_ARM_S1, H_DATA_GPA, &io), -EOPNOTSUPP);
	EXPECT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, H_DATA_GPA, &io), 0);
	/* no PASID support at all */
	EXPECT_EQ(h_attach(&env.a, 0, true, 0, io), -EOPNOTSUPP);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

TEST(validate_ioasid_slots_exhausted)
{
	VCTX(v);
	struct ioasid_alloc r = {
		.size = sizeof(r), .kind = IOASID_KIND_PAGING, .parent = v.env.a.gpa_io, .dev_id = v.env.a.dev[0]
	};
	uint32_t io;
	long ret = 0;
	unsigned n = 0;

	while (n < 2 * HV_GUEST_MAX_IOASIDS && (ret = h_alloc_paging(&v.env.a, 0, &io)) == 0) {
		n++;
	}
	EXPECT_EQ(ret, -ENOSPC);
	EXPECT_EQ(n, HV_GUEST_MAX_IOASIDS - 3); /* GPA, the PAGING and the NESTED of vctx */
	REJECT(&v, IOASID_CALL_ALLOC, r, -ENOSPC);
	core_env_fini(&v.env);
}

TEST(validate_attach_rules)
{
	VCTX(v);
	struct ioasid_attach at = { .size = sizeof(at),
				    .flags = IOASID_ATTACH_PASID,
				    .dev_id = v.env.a.dev[0],
				    .pasid = 256,
				    .ioasid = v.paging };
	struct ioasid_detach dt = {
		.size = sizeof(dt), .flags = IOASID_ATTACH_PASID, .dev_id = v.env.a.dev[0], .pasid = 1U << 31
	};

	REJECT(&v, IOASID_CALL_ATTACH, at, -ERANGE); /* pasid_bits = 8 */
	REJECT(&v, IOASID_CALL_DETACH, dt, -ERANGE);
	at.pasid = 255;
	at.ioasid = 0;
	REJECT(&v, IOASID_CALL_ATTACH, at, -ENOENT);
	at.ioasid = v.env.b.gpa_io;
	REJECT(&v, IOASID_CALL_ATTACH, at, -ENOENT);
	at.ioasid = v.paging;
	at.dev_id = v.env.b.dev[0];
	REJECT(&v, IOASID_CALL_ATTACH, at, -ENOENT);
	at.dev_id = 0;
	REJECT(&v, IOASID_CALL_ATTACH, at, -ENOENT);
	dt.pasid = 200; /* never attached */
	REJECT(&v, IOASID_CALL_DETACH, dt, -ENOENT);
	core_env_fini(&v.env);
}

static int inv_entry_rejected(struct vctx *v, struct ioasid_inv_entry bad, long err, int line)
{
	struct ioasid_inv_entry e[2] = { { .type = IOASID_INV_ALL }, bad };
	struct ioasid_invalidate r = {
		.size = sizeof(r), .ioasid = v->nested, .num_entries = 2, .entries_gpa = H_ARRAY_GPA
	};

	h_put_array(&v->env.a, e, sizeof(e));
	return reject(v, IOASID_CALL_INVALIDATE, &r, sizeof(r), err, line);
}
#define INV_BAD(v, err, ...)                                                                                           \
	EXPECT_EQ(inv_entry_rejected((v), (struct ioasid_inv_entry){ __VA_ARGS__ }, (err), __LINE__), 0)

TEST(validate_invalidate_entries)
{
	VCTX(v);

	INV_BAD(&v, -EINVAL, .type = 0);
	INV_BAD(&v, -EINVAL, .type = 4);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_ALL, .flags = 2);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_ALL, .addr = 0x1000);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_ALL, .dev_id = v.env.a.dev[1]);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_RANGE, .addr = 0x800, .length = 0x1000);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_RANGE, .addr = 0x1000, .length = 0);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_RANGE, .addr = 0x1000, .length = 0x1000, .pasid = 9);
	INV_BAD(&v, -EOVERFLOW, .type = IOASID_INV_RANGE, .addr = 0xfffffffffffff000ULL, .length = 0x2000);
	INV_BAD(&v, -ERANGE, .type = IOASID_INV_RANGE, .addr = 1ULL << 48, .length = 0x1000);
	INV_BAD(&v, -EINVAL, .type = IOASID_INV_PASID, .dev_id = v.env.a.dev[1], .pasid = 9, .length = 1);
	INV_BAD(&v, -ENOENT, .type = IOASID_INV_PASID, .dev_id = v.env.a.dev[1], .pasid = 8);
	INV_BAD(&v, -ENOENT, .type = IOASID_INV_PASID, .dev_id = v.env.a.dev[0], .pasid = 9);
	INV_BAD(&v, -ENOENT, .type = IOASID_INV_PASID, .dev_id = v.env.b.dev[1], .pasid = 9);
	/* and the well-formed PASID entry is accepted */
	INV_BAD(&v, 0, .type = IOASID_INV_PASID, .dev_id = v.env.a.dev[1], .pasid = 9);
	core_env_fini(&v.env);
}
