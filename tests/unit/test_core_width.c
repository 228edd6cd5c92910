/* SPDX-License-Identifier: MIT */
/*
 * Address widths and caching mode, through the whole core (docs/CORE.md "Input widths"):
 *  - for every table format the core builds (VT-d second- and first-level, Arm stage 1 and 2),
 *    the IOVA range GET_INFO reports is exactly what MAP, UNMAP and the device accept: the last
 *    page below the limit maps and translates, a MAP at the limit is -ERANGE, the whole reported
 *    space unmaps in one call; a device whose IOMMU claims a width its format does not have is
 *    refused when it is assigned;
 *  - under caching mode (the mock caches failed translations, like VT-d with CAP.CM=1) a MAP and
 *    a NESTED refill invalidate what they made present, so DMA sees the new entry at once; a
 *    unit without caching mode costs nothing extra.
 */
#include "tests/unit/test.h"

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "tests/unit/test_core_util.h"

#define RW (IOASID_PROT_READ | IOASID_PROT_WRITE)

static long get_info(struct h_guest *hg, unsigned dev, struct ioasid_get_info *r)
{
	*r = (struct ioasid_get_info){ .size = sizeof(*r), .dev_id = hg->dev[dev] };
	return h_call(hg, IOASID_CALL_GET_INFO, r, sizeof(*r));
}

TEST(core_get_info_width_is_what_map_accepts)
{
	static const struct {
		enum pt_format fmt;
		unsigned levels;
		unsigned bits; /* from the specs: AGAW, canonical 4-level paging, Arm T0SZ */
	} fmts[] = {
		{ PT_FMT_VTD_SL, 4, 48 }, { PT_FMT_VTD_SL, 3, 39 }, { PT_FMT_VTD_FL, 4, 47 },
		{ PT_FMT_ARM_S1, 4, 48 }, { PT_FMT_ARM_S2, 4, 48 }, { PT_FMT_ARM_S2, 3, 39 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct ioasid_dev_caps caps = h_default_caps();
		struct ioasid_get_info r;
		struct core_env env;
		uint64_t top, un = 0;
		uint32_t io;
		hpa_t h;

		caps.paging_fmt = fmts[i].fmt;
		caps.ia_bits = pt_fmt_ia_bits(fmts[i].fmt, fmts[i].levels);
		EXPECT_EQ(caps.ia_bits, fmts[i].bits);
		ASSERT_EQ(core_env_init_caps(&env, 1, 64, &caps), 0);
		ASSERT_EQ(get_info(&env.a, 0, &r), 0);
		EXPECT_EQ(r.out_ia_bits, fmts[i].bits);
		EXPECT_EQ(r.out_iova_start, 0);
		EXPECT_EQ(r.out_iova_last, (1ULL << fmts[i].bits) - 1);
		top = r.out_iova_last + 1;
		ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
		ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
		EXPECT_EQ(h_map(&env.a, io, top - HV_PAGE_SIZE, H_DATA_GPA, HV_PAGE_SIZE, RW), 0);
		EXPECT_EQ(h_map(&env.a, io, top, H_DATA_GPA, HV_PAGE_SIZE, RW), -ERANGE);
		EXPECT_EQ(h_map(&env.a, io, top - HV_PAGE_SIZE, H_DATA_GPA, 2 * HV_PAGE_SIZE, RW), -ERANGE);
		EXPECT_EQ(h_dma(&env.a, 0, false, 0, top - 8, IOASID_FAULT_ACCESS_WRITE, &h), 0);
		EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)) + HV_PAGE_SIZE - 8);
		/* the whole reported space, in one UNMAP */
		EXPECT_EQ(h_unmap(&env.a, io, 0, top, &un), 0);
		EXPECT_EQ(un, HV_PAGE_SIZE);
		EXPECT_EQ(h_dma(&env.a, 0, false, 0, top - 8, IOASID_FAULT_ACCESS_WRITE, &h), -ENOENT);
		EXPECT_EQ(h_check_invariants(&env.a), 0);
		core_env_fini(&env);
	}
}

/* An IOMMU that reports a width its format cannot translate gets no device (the old VT-d bug). */
TEST(core_refuses_a_width_the_format_lacks)
{
	struct ioasid_dev_caps caps = h_default_caps();
	static struct mock_iommu m;
	static struct h_guest hg;

	caps.paging_fmt = PT_FMT_VTD_FL;
	caps.ia_bits = 48; /* 4-level first-level is 47 bits (canonical lower half) */
	mock_iommu_init(&m, "mock-fl48", &caps);
	EXPECT_EQ(h_guest_setup(&hg, 1, &m, 1, 0x10, 64), -EINVAL);
	EXPECT_EQ(hg.ndev, 0);
	h_guest_teardown(&hg);
}

static struct core_env *cm_env(struct core_env *env, bool caching_mode)
{
	struct ioasid_dev_caps caps = h_default_caps();

	if (core_env_init_caps(env, 1, 64, &caps) != 0) {
		return NULL;
	}
	env->mock.caching_mode = caching_mode;
	return env;
}

TEST(core_map_under_caching_mode_invalidates)
{
	struct core_env env;
	uint64_t calls0, flushes0;
	uint32_t io;
	hpa_t h;

	ASSERT_TRUE(cm_env(&env, true) != NULL);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	/* A DMA before the MAP faults, and the unit caches that "not present". */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x10000000, IOASID_FAULT_ACCESS_WRITE, &h), -ENOENT);
	calls0 = env.mock.nr_flush_after_map;
	flushes0 = env.mock.nr_flush_calls;
	ASSERT_EQ(h_map(&env.a, io, 0x10000000, H_DATA_GPA, 2 * HV_PAGE_SIZE, RW), 0);
	/* The DMA after the MAP sees the new entry, because the MAP invalidated the range. */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x10000008, IOASID_FAULT_ACCESS_WRITE, &h), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(h_hpa(&env.a, H_DATA_GPA)) + 8);
	EXPECT_EQ(env.mock.nr_flush_after_map, calls0 + 1);
	ASSERT_EQ(env.mock.nr_flush_calls, flushes0 + 1);
	EXPECT_EQ(mock_flush_last(&env.mock, 0)->start, 0x10000000);
	EXPECT_EQ(mock_flush_last(&env.mock, 0)->end, 0x10000000 + 2 * HV_PAGE_SIZE);
	EXPECT_TRUE(!mock_flush_last(&env.mock, 0)->leaf); /* table entries became present too */
	/* A failed range invalidation falls back to the whole domain: nothing stale either. */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x20000000, IOASID_FAULT_ACCESS_WRITE, &h), -ENOENT);
	env.mock.fail_flush_after = 1;
	env.mock.fail_err = -ETIMEDOUT;
	EXPECT_EQ(h_map(&env.a, io, 0x20000000, H_DATA_GPA, HV_PAGE_SIZE, RW), 0);
	EXPECT_TRUE(mock_flush_last(&env.mock, 0)->all);
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x20000000, IOASID_FAULT_ACCESS_WRITE, &h), 0);
	core_env_fini(&env);
}

TEST(core_map_without_caching_mode_costs_no_flush)
{
	struct core_env env;
	uint64_t flushes0;
	uint32_t io;
	hpa_t h;

	ASSERT_TRUE(cm_env(&env, false) != NULL);
	ASSERT_EQ(h_alloc_paging(&env.a, 0, &io), 0);
	ASSERT_EQ(h_attach(&env.a, 0, false, 0, io), 0);
	flushes0 = env.mock.nr_flush_calls;
	ASSERT_EQ(h_map(&env.a, io, 0x10000000, H_DATA_GPA, HV_PAGE_SIZE, RW), 0);
	EXPECT_EQ(env.mock.nr_flush_after_map, 1);    /* the core asks ... */
	EXPECT_EQ(env.mock.nr_flush_calls, flushes0); /* ... and a unit without CM does nothing */
	EXPECT_EQ(h_dma(&env.a, 0, false, 0, 0x10000000, IOASID_FAULT_ACCESS_WRITE, &h), 0);
	core_env_fini(&env);
}
