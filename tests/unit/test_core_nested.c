/* SPDX-License-Identifier: MIT */
/*
 * NESTED IOASIDs: a stage-1 table the test writes into guest memory, as a guest driver would,
 * in the VT-d first-level (x86-64 paging) or Arm stage-1 format. Shadowed and hardware-nested
 * realisations must give the same DMA results; the shadow must follow the guest's table after
 * INVALIDATE (and only then), and must never map memory outside the guest's RAM whatever the
 * guest writes.
 */
#include "tests/unit/test.h"

#include <hv/errno.h>

#include "tests/unit/test_core_util.h"

/* Guest stage-1 table pages come from GPA [3 MiB, 4 MiB); the root is the first. */
#define S1_POOL_GPA (3ULL << 20)

struct s1 {
	struct h_guest *hg;
	uint32_t fmt;
	uint64_t root;
	uint64_t next;
};

static void s1_init(struct s1 *s, struct h_guest *hg, uint32_t fmt)
{
	*s = (struct s1){ .hg = hg, .fmt = fmt, .root = S1_POOL_GPA, .next = S1_POOL_GPA + 0x1000 };
	memset(h_ptr(hg, S1_POOL_GPA), 0, 1ULL << 20);
}

/* x86-64 paging entries (SDM vol. 3 4.5): P, R/W, U/S, A, D, PS. */
#define X86_P  0x1ULL
#define X86_RW 0x2ULL
#define X86_US 0x4ULL
#define X86_A  0x20ULL
#define X86_D  0x40ULL
#define X86_PS 0x80ULL
/* Arm VMSAv8-64 stage 1 (Arm ARM D8.3): type bits, AP[2] read-only, SH inner, AF. */
#define ARM_TABLE    0x3ULL
#define ARM_PAGE     0x3ULL
#define ARM_BLOCK    0x1ULL
#define ARM_RDONLY   (1ULL << 7)
#define ARM_SH_INNER (3ULL << 8)
#define ARM_AF	     (1ULL << 10)

static uint64_t *s1_slot(struct s1 *s, uint64_t table, uint64_t iova, unsigned lvl)
{
	return (uint64_t *)h_ptr(s->hg, table) + ((iova >> (12 + 9 * lvl)) & 511);
}

static uint64_t s1_table_entry(const struct s1 *s, uint64_t next)
{
	return s->fmt == IOASID_FMT_VTD_FL ? next | X86_P | X86_RW | X86_US | X86_A : next | ARM_TABLE;
}

static uint64_t s1_leaf_entry(const struct s1 *s, uint64_t ga, unsigned lvl, bool write)
{
	if (s->fmt == IOASID_FMT_VTD_FL) {
		return ga | X86_P | X86_US | X86_A | X86_D | (write ? X86_RW : 0) | (lvl ? X86_PS : 0);
	}
	return ga | (lvl ? ARM_BLOCK : ARM_PAGE) | ARM_AF | ARM_SH_INNER | (write ? 0 : ARM_RDONLY);
}

/* The guest's slot for iova at leaf level lvl (0: 4K, 1: 2M, 2: 1G), creating tables above it. */
static uint64_t *s1_leaf_slot(struct s1 *s, uint64_t iova, unsigned lvl)
{
	uint64_t table = s->root;

	for (unsigned l = 3; l > lvl; l--) {
		uint64_t *e = s1_slot(s, table, iova, l);

		if (*e == 0) {
			*e = s1_table_entry(s, s->next);
			s->next += 0x1000;
		}
		table = *e & 0x000ffffffffff000ULL;
	}
	return s1_slot(s, table, iova, lvl);
}

static void s1_map(struct s1 *s, uint64_t iova, uint64_t ga, unsigned lvl, bool write)
{
	*s1_leaf_slot(s, iova, lvl) = s1_leaf_entry(s, ga, lvl, write);
}

static void s1_unmap(struct s1 *s, uint64_t iova, unsigned lvl)
{
	*s1_leaf_slot(s, iova, lvl) = 0;
}

static bool dma_is(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid, uint64_t iova, unsigned access,
		   uint64_t want_gpa)
{
	hpa_t h;

	if (h_dma(hg, dev, has_pasid, pasid, iova, access, &h) != 0) {
		return false;
	}
	return hpa_val(h) == hpa_val(h_hpa(hg, want_gpa));
}

static void nested_translate_fmt(uint32_t fmt)
{
	CORE_ENV(env, 1);
	struct ioasid *o;
	struct s1 s;
	uint64_t pgsize = 0;
	uint32_t io;
	hpa_t h;

	s1_init(&s, &env.a, fmt);
	s1_map(&s, 0x40000000, H_DATA_GPA, 0, true);
	s1_map(&s, 0x80000000, 2 * SZ_2M, 1, false);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, fmt, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000123, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA + 0x123));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x80005000, IOASID_FAULT_ACCESS_READ, 2 * SZ_2M + 0x5000));
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x80005000, IOASID_FAULT_ACCESS_WRITE, &h), -EFAULT);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x40001000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	/* the shadow kept the guest's 2 MiB page as one 2 MiB leaf */
	o = ioasid_lookup(&env.a.g, io);
	ASSERT_TRUE(o != NULL && !o->hw_nested);
	ASSERT_EQ(pt_lookup(&o->hw[o->fmt].pt, 0x80005000, NULL, NULL, &pgsize), 0);
	EXPECT_EQ(pgsize, SZ_2M);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

TEST(nested_shadow_translate_vtd_fl)
{
	nested_translate_fmt(IOASID_FMT_VTD_FL);
}

TEST(nested_shadow_translate_arm_s1)
{
	nested_translate_fmt(IOASID_FMT_ARM_S1);
}

/* The shadow changes only on INVALIDATE, and then exactly as the guest's table says. */
TEST(nested_shadow_coherence_after_invalidate)
{
	CORE_ENV(env, 1);
	struct s1 s;
	uint64_t flushes;
	uint32_t io;
	hpa_t h;

	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0x40000000, H_DATA_GPA, 0, true);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	ASSERT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA));

	/* remap the page: invisible until INVALIDATE (caching mode), then visible */
	s1_map(&s, 0x40000000, H_DATA_GPA + 0x7000, 0, true);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA));
	flushes = env.mock.nr_flush_calls;
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0x40000000, 0x1000), 0);
	EXPECT_EQ(env.mock.nr_flush_calls - flushes, 1);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA + 0x7000));

	/* new mapping elsewhere: visible after INV_ALL */
	s1_map(&s, 0x50000000, H_RAM1_GPA + 0x3000, 0, false);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x50000000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_ALL, 0, 0), 0);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x50000000, IOASID_FAULT_ACCESS_READ, H_RAM1_GPA + 0x3000));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA + 0x7000));

	/* unmap + range invalidate: faults (the IOTLB entry was flushed too) */
	s1_unmap(&s, 0x40000000, 0);
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0x40000000, 0x1000), 0);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x50000000, IOASID_FAULT_ACCESS_READ, H_RAM1_GPA + 0x3000));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/*
 * VT-d first-level space is [0, 2^47) (canonical lower half of 4-level paging, VT-d spec 3.6):
 * its last page shadows and translates; INVALIDATE of the whole space (INV_ALL) succeeds and
 * drops a leaf the guest cleared, whether the shadow is first-level (47-bit, scalable
 * first-level units) or second-level (48-bit); a range beyond the space is -ERANGE.
 */
static void nested_fl_whole_space(enum pt_format shadow_fmt)
{
	const uint64_t top = 1ULL << 47, last = top - HV_PAGE_SIZE;
	struct ioasid_dev_caps caps = h_default_caps();
	struct core_env env;
	struct s1 s;
	uint32_t io;
	hpa_t h;

	caps.paging_fmt = shadow_fmt;
	caps.ia_bits = pt_fmt_ia_bits(shadow_fmt, 4);
	ASSERT_EQ(core_env_init_caps(&env, 1, 512, &caps), 0);
	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0x40000000, H_DATA_GPA, 0, true);
	s1_map(&s, last, H_DATA_GPA + 0x1000, 0, true);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000008, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA + 8));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, top - 8, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA + 0x1ff8));
	/* the guest clears a leaf and invalidates everything */
	s1_unmap(&s, 0x40000000, 0);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_ALL, 0, 0), 0);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x40000008, IOASID_FAULT_ACCESS_WRITE, &h), -ENOENT);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, top - 8, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA + 0x1ff8));
	/* ranges: up to the end of the space, not beyond */
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, last, HV_PAGE_SIZE), 0);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0, top), 0);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, top, HV_PAGE_SIZE), -ERANGE);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, last, 2 * HV_PAGE_SIZE), -ERANGE);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, top - 8, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA + 0x1ff8));
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x40000008, IOASID_FAULT_ACCESS_WRITE, &h), -ENOENT);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

TEST(nested_vtd_fl_whole_space_fl_shadow)
{
	nested_fl_whole_space(PT_FMT_VTD_FL);
}

TEST(nested_vtd_fl_whole_space_sl_shadow)
{
	nested_fl_whole_space(PT_FMT_VTD_SL);
}

/*
 * Caching mode (the mock caches failed translations like VT-d with CAP.CM=1): a leaf the guest
 * adds where nothing was mapped becomes visible with its INVALIDATE, although the refill
 * unmapped nothing (an empty gather).
 */
TEST(nested_refill_under_caching_mode)
{
	CORE_ENV(env, 1);
	struct s1 s;
	uint64_t calls0;
	uint32_t io;
	hpa_t h;

	env.mock.caching_mode = true;
	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0x40000000, H_DATA_GPA, 0, true);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x50000000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	s1_map(&s, 0x50000000, H_RAM1_GPA + 0x3000, 0, false);
	calls0 = env.mock.nr_flush_after_map;
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0x50000000, HV_PAGE_SIZE), 0);
	EXPECT_EQ(env.mock.nr_flush_after_map, calls0 + 1);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x50000000, IOASID_FAULT_ACCESS_READ, H_RAM1_GPA + 0x3000));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA));
	core_env_fini(&env);
}

/* A range invalidation rebuilds exactly that range; a 2M guest page cut by it stays correct. */
TEST(nested_range_invalidate_partial_superpage)
{
	CORE_ENV(env, 1);
	struct s1 s;
	uint32_t io;

	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0x80000000, 0, 1, true);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	s1_map(&s, 0x80000000, SZ_2M, 1, true);
	/* only [+1M, +1M+8K) is invalidated: that part moves, the rest stays where it was */
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0x80100000, 0x2000), 0);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x80100000, IOASID_FAULT_ACCESS_READ, SZ_2M + 0x100000));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x80101000, IOASID_FAULT_ACCESS_READ, SZ_2M + 0x101000));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x80102000, IOASID_FAULT_ACCESS_READ, 0x102000));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x800ff000, IOASID_FAULT_ACCESS_READ, 0xff000));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

TEST(nested_pasid_attach_and_invalidate)
{
	CORE_ENV(env, 2);
	struct ioasid_inv_entry e = { .type = IOASID_INV_PASID };
	struct ioasid_invalidate r = { .size = sizeof(r), .num_entries = 1, .entries_gpa = H_ARRAY_GPA };
	struct s1 s;
	uint32_t io;

	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0x1000, H_DATA_GPA, 0, true);
	ASSERT_EQ(h_alloc_nested(&env.a, 1, IOASID_FMT_VTD_FL, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 1, true, 4, io), 0);
	EXPECT_TRUE(dma_is(&env.a, 1, true, 4, 0x1000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA));
	/* the RID of device 1 is untouched: still the GPA space */
	EXPECT_TRUE(dma_is(&env.a, 1, false, 0, 0x1000, IOASID_FAULT_ACCESS_READ, 0x1000));
	s1_map(&s, 0x1000, H_DATA_GPA + 0x1000, 0, true);
	e.dev_id = env.a.dev[1];
	e.pasid = 4;
	h_put_array(&env.a, &e, sizeof(e));
	r.ioasid = io;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_INVALIDATE, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_done, 1);
	EXPECT_TRUE(dma_is(&env.a, 1, true, 4, 0x1000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA + 0x1000));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/*
 * Whatever the guest writes, the shadow maps only its own RAM: table pointers and outputs
 * outside RAM, malformed entries, and a 1 GiB page that covers far more than RAM.
 */
TEST(nested_hostile_guest_table)
{
	CORE_ENV(env, 1);
	struct s1 s;
	uint32_t io;
	hpa_t h;

	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	/* a table pointer far outside RAM, and one at the other guest's RAM address range */
	*s1_slot(&s, s.root, 0x8000000000ULL, 3) = s1_table_entry(&s, 1ULL << 40);
	*s1_slot(&s, s.root, 0x10000000000ULL, 3) = s1_table_entry(&s, hpa_val(h_hpa(&env.b, 0)));
	/* outputs outside RAM */
	s1_map(&s, 0x1000, 2 * H_RAM_SIZE, 0, true);
	s1_map(&s, 0x2000, hpa_val(h_hpa(&env.b, H_DATA_GPA)) & 0xffffffffff000ULL, 0, true);
	/* a malformed entry: PS set in a PML4 entry */
	*s1_slot(&s, s.root, 0x18000000000ULL, 3) = s1_leaf_entry(&s, 0, 3, true);
	/* reserved address bits above 48 */
	s1_map(&s, 0x3000, (1ULL << 50) | H_DATA_GPA, 0, true);
	/* a 1 GiB page at GPA 0: only the 8 MiB of RAM become reachable */
	s1_map(&s, 0xc0000000, 0, 2, true);
	/* a table pointing at itself (a loop is just more levels of the same page) */
	*s1_slot(&s, s.root, 0x20000000000ULL, 3) = s1_table_entry(&s, s.root);

	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x1000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x2000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x3000, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x8000000000ULL, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0xc0000000 + H_RAM1_GPA + 0x10, IOASID_FAULT_ACCESS_WRITE,
			   H_RAM1_GPA + 0x10));
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0xc0000000 + 2 * H_RAM_SIZE, IOASID_FAULT_ACCESS_READ, &h), -ENOENT);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_ALL, 0, 0), 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/* Shadowing a big guest table can exhaust the quota: ALLOC fails and changes nothing. */
TEST(nested_shadow_quota)
{
	CORE_ENV_QUOTA(env, 1, 6);
	uint64_t digest;
	struct s1 s;
	uint32_t io;

	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	for (uint64_t i = 0; i < 8; i++) {
		s1_map(&s, i << 30, H_DATA_GPA, 0, true); /* each needs its own shadow tables */
	}
	digest = h_state_digest(&env.a);
	EXPECT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), -EDQUOT);
	EXPECT_EQ(h_state_digest(&env.a), digest);
	EXPECT_EQ(env.a.g.quota.used_pages, 0);
	/* a smaller table fits; growing it past the quota fails on INVALIDATE, leaving it unmapped */
	memset(h_ptr(&env.a, S1_POOL_GPA), 0, 1ULL << 20);
	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0, H_DATA_GPA, 0, true);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	for (uint64_t i = 1; i < 8; i++) {
		s1_map(&s, i << 30, H_DATA_GPA, 0, true);
	}
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_ALL, 0, 0), -EDQUOT);
	EXPECT_TRUE(env.a.g.quota.used_pages <= 6);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	EXPECT_EQ(h_free(&env.a, io), 0);
	EXPECT_EQ(env.a.g.quota.used_pages, 0);
	core_env_fini(&env);
}

/* Hardware nesting: the backend gets the guest root over the GPA table; INVALIDATE flushes. */
TEST(nested_hardware)
{
	struct ioasid_dev_caps caps = h_default_caps();
	const struct mock_route *rt;
	const struct mock_flush *f;
	struct core_env env;
	struct ioasid *o;
	struct s1 s;
	uint64_t used;
	uint32_t io;

	caps.hw_nesting = true;
	ASSERT_EQ(core_env_init_caps(&env, 1, 64, &caps), 0);
	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	s1_map(&s, 0x40000000, H_DATA_GPA, 0, true);
	used = env.a.g.quota.used_pages;
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	EXPECT_EQ(env.a.g.quota.used_pages, used); /* no shadow */
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	rt = mock_route_get(&env.mock, env.a.rid[0], false, 0);
	ASSERT_TRUE(rt != NULL);
	EXPECT_EQ(rt->cfg.mode, IOASID_HW_NESTED);
	EXPECT_EQ(rt->cfg.s1_root, s.root);
	EXPECT_EQ(rt->cfg.s1_fmt, PT_FMT_VTD_FL);
	/* the stage 2 is the GPA table, with its own tag */
	EXPECT_TRUE(rt->cfg.table == &env.a.g.gpa_io->hw[PT_FMT_VTD_SL].pt);
	EXPECT_EQ(rt->cfg.s2_domain, env.a.g.gpa_io->hw[PT_FMT_VTD_SL].domain);
	EXPECT_TRUE(rt->cfg.s2_domain != 0 && rt->cfg.s2_domain != rt->cfg.domain);
	o = ioasid_lookup(&env.a.g, io);
	ASSERT_TRUE(o != NULL && o->hw_nested);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA));
	/* the guest remaps: the IOTLB keeps the old translation until the guest invalidates */
	s1_map(&s, 0x40000000, H_DATA_GPA + 0x2000, 0, true);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA));
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0x40000000, 0x1000), 0);
	f = mock_flush_last(&env.mock, 0);
	ASSERT_TRUE(f != NULL);
	EXPECT_EQ(f->domain, o->s1_domain);
	EXPECT_EQ(f->start, 0x40000000);
	EXPECT_EQ(f->end, 0x40001000);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x40000000, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA + 0x2000));
	ASSERT_EQ(h_inv(&env.a, io, IOASID_INV_ALL, 0, 0), 0);
	EXPECT_EQ(mock_flush_last(&env.mock, 0)->all, true);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	EXPECT_EQ(h_detach(&env.a, 0, false, 0), 0);
	EXPECT_EQ(h_free(&env.a, io), 0);
	core_env_fini(&env);
}

/* A batch of invalidations is applied in order and reports how many were done. */
TEST(nested_invalidate_batch)
{
	CORE_ENV(env, 1);
	struct ioasid_inv_entry e[3] = {
		{ .type = IOASID_INV_RANGE, .addr = 0x1000, .length = 0x1000 },
		{ .type = IOASID_INV_RANGE, .addr = 0x5000, .length = 0x1000, .flags = IOASID_INV_LEAF },
		{ .type = IOASID_INV_ALL },
	};
	struct ioasid_invalidate r = { .size = sizeof(r), .num_entries = 3, .entries_gpa = H_ARRAY_GPA };
	struct s1 s;
	uint32_t io;

	s1_init(&s, &env.a, IOASID_FMT_ARM_S1);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_ARM_S1, s.root, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	s1_map(&s, 0x1000, H_DATA_GPA, 0, true);
	s1_map(&s, 0x5000, H_DATA_GPA + 0x1000, 0, false);
	h_put_array(&env.a, e, sizeof(e));
	r.ioasid = io;
	ASSERT_EQ(h_call(&env.a, IOASID_CALL_INVALIDATE, &r, sizeof(r)), 0);
	EXPECT_EQ(r.out_done, 3);
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x1000, IOASID_FAULT_ACCESS_WRITE, H_DATA_GPA));
	EXPECT_TRUE(dma_is(&env.a, 0, false, 0, 0x5000, IOASID_FAULT_ACCESS_READ, H_DATA_GPA + 0x1000));
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}

/*
 * Four guest pages can describe 2^36 translations (every entry of each level pointing at the
 * same next page). Shadowing stops at the per-call walk budget with -E2BIG instead of walking
 * for hours, and a failed ALLOC changes nothing.
 */
TEST(nested_walk_budget)
{
	CORE_ENV(env, 1);
	uint64_t digest;
	struct s1 s;
	uint32_t io;

	s1_init(&s, &env.a, IOASID_FMT_VTD_FL);
	for (unsigned lvl = 3; lvl > 0; lvl--) {
		uint64_t *t = h_ptr(&env.a, S1_POOL_GPA + (3 - lvl) * 0x1000ULL);

		for (unsigned i = 0; i < 512; i++) {
			t[i] = s1_table_entry(&s, S1_POOL_GPA + (4 - lvl) * 0x1000ULL);
		}
	}
	for (unsigned i = 0; i < 512; i++) {
		((uint64_t *)h_ptr(&env.a, S1_POOL_GPA + 0x3000))[i] = s1_leaf_entry(&s, 1ULL << 40, 0, true);
	}
	digest = h_state_digest(&env.a);
	EXPECT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), -E2BIG);
	EXPECT_EQ(h_state_digest(&env.a), digest);
	/* an empty table is cheap; then the same guest table behind a range invalidation */
	memset(h_ptr(&env.a, S1_POOL_GPA), 0, 0x1000);
	ASSERT_EQ(h_alloc_nested(&env.a, 0, IOASID_FMT_VTD_FL, s.root, &io), 0);
	((uint64_t *)h_ptr(&env.a, S1_POOL_GPA))[0] = s1_table_entry(&s, S1_POOL_GPA + 0x1000);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_ALL, 0, 0), -E2BIG);
	EXPECT_EQ(h_inv(&env.a, io, IOASID_INV_RANGE, 0, 1ULL << 29), 0);
	EXPECT_EQ(h_check_invariants(&env.a), 0);
	core_env_fini(&env);
}
