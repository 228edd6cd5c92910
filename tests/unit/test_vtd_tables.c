// SPDX-License-Identifier: MIT
/*
 * Host tests of the VT-d translation structures and backend ops (drivers/iommu/vtd/
 * vtd_tables.c) on the fake arch. vtd_qi_submit() is replaced by a recorder that keeps every
 * batch of descriptors together with a snapshot of the entry being changed at the moment the
 * batch was submitted, so the tests check the order of a live replace (entry not present while
 * the old domain is flushed, new entry complete when it becomes present), not only the result.
 */
#include <stdlib.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <ioasid/abi.h>

#include "arch/host/host.h"
#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"
#define TEST_MAIN
#include "test.h"

#define QEMU_CAP 0x00d2008c222f0606ULL /* qemu-10.0 notes 1.1 */
#define SID	 0x0108		       /* 01:01.0 */
#define MAX_SUBS 16

struct sub {
	unsigned n;
	struct vtd_inv_desc d[80];
	struct vtd_context_entry ce; /* legacy: the SID's context entry at submit time */
	struct vtd_pasid_entry pe;   /* scalable: the watched PASID entry at submit time */
};

static struct sub subs[MAX_SUBS];
static unsigned nsubs;
static uint32_t watch_pasid;
static int submit_ret;

static struct vtd_context_entry *legacy_ce(struct vtd_unit *u, uint16_t sid)
{
	struct vtd_context_entry *t = u->ctx[sid >> 8];

	return t != NULL ? &t[sid & 0xff] : NULL;
}

static struct vtd_pasid_entry *sm_pe(struct vtd_unit *u, uint16_t sid, uint32_t pasid)
{
	struct vtd_sm_context_entry *t = u->ctx[sid >> 8];
	uint64_t *dir, pde;

	if (t == NULL || !(t[sid & 0xff].val[0] & VTD_SMCE_P)) {
		return NULL;
	}
	dir = hpa_to_ptr(hpa(t[sid & 0xff].val[0] & VTD_SMCE_PDIRPTR));
	pde = dir[pasid >> 6];
	if (!(pde & VTD_PDE_P)) {
		return NULL;
	}
	return &((struct vtd_pasid_entry *)hpa_to_ptr(hpa(pde & VTD_PDE_PTPTR)))[pasid % 64];
}

int vtd_qi_submit(struct vtd_unit *u, const struct vtd_inv_desc *d, unsigned n)
{
	struct sub *s;

	if (nsubs == MAX_SUBS || n > 80) {
		return -E2BIG;
	}
	s = &subs[nsubs++];
	*s = (struct sub){ .n = n };
	memcpy(s->d, d, n * sizeof(*d));
	if (!u->scalable && legacy_ce(u, SID) != NULL) {
		s->ce = *legacy_ce(u, SID);
	}
	if (u->scalable && sm_pe(u, SID, watch_pasid) != NULL) {
		s->pe = *sm_pe(u, SID, watch_pasid);
	}
	return submit_ret;
}

static bool desc_eq(struct vtd_inv_desc a, struct vtd_inv_desc b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

struct fixture {
	struct vtd_unit u;
	struct hv_device dev;
	struct pt_table t1, t2;
	struct ioasid_hw_config c1, c2;
	void *page1, *page2;
};

#include "pt_exit.h"

static void setup(struct fixture *f, bool scalable, bool first_level)
{
	enum pt_format fmt = first_level ? PT_FMT_VTD_FL : PT_FMT_VTD_SL;

	memset(f, 0, sizeof(*f));
	nsubs = 0;
	submit_ret = 0;
	watch_pasid = VTD_RID_PASID;
	f->u.root = page_alloc(0);
	f->u.cap = QEMU_CAP;
	f->u.scalable = scalable;
	f->u.first_level = first_level;
	f->u.levels = 4;
	f->u.nr_domains = 1U << 16;
	f->u.iommu = (struct hv_iommu){ .ops = &vtd_backend_ops, .priv = &f->u, .name = "test" };
	(void)vtd_tables_init(&f->u);
	f->dev.rid = SID;
	f->page1 = page_alloc(0);
	f->page2 = page_alloc(0);
	(void)pt_init(&f->t1, fmt, pt_fmt_ia_bits(fmt, 4), SZ_4K | SZ_2M, false, NULL);
	(void)pt_init(&f->t2, fmt, pt_fmt_ia_bits(fmt, 4), SZ_4K | SZ_2M, false, NULL);
	(void)pt_map(&f->t1, 0x10000000, ptr_to_hpa(f->page1), HV_PAGE_SIZE, PT_PROT_READ | PT_PROT_WRITE);
	(void)pt_map(&f->t2, 0x10000000, ptr_to_hpa(f->page2), HV_PAGE_SIZE, PT_PROT_READ);
	destroy_at_exit(&f->t1);
	destroy_at_exit(&f->t2);
	f->c1 = (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = 5, .table = &f->t1 };
	f->c2 = (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = 6, .table = &f->t2 };
}

static int install(struct fixture *f, bool has_pasid, uint32_t pasid, const struct ioasid_hw_config *c)
{
	return vtd_backend_ops.install(&f->u.iommu, &f->dev, has_pasid, pasid, c);
}

TEST(legacy_install_fresh)
{
	static struct fixture f;
	struct vtd_context_entry want;

	setup(&f, false, false);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	want = vtd_ce_translate(f.t1.root, 5, 2);
	EXPECT_EQ(f.u.root[1].lo, hpa_val(ptr_to_hpa(f.u.ctx[1])) | VTD_RE_P);
	EXPECT_EQ(f.u.root[1].hi, 0);
	EXPECT_EQ(legacy_ce(&f.u, SID)->lo, want.lo);
	EXPECT_EQ(legacy_ce(&f.u, SID)->hi, want.hi);
	ASSERT_EQ(nsubs, 1);
	EXPECT_EQ(subs[0].n, 1);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_cc_device(5, SID)));
	EXPECT_TRUE(vtd_debug_sid_present(&f.u, SID));
	EXPECT_TRUE(!vtd_debug_sid_present(&f.u, SID + 1));
}

TEST(legacy_replace_goes_through_not_present)
{
	static struct fixture f;
	struct vtd_context_entry want;

	setup(&f, false, false);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	nsubs = 0;
	ASSERT_EQ(install(&f, false, 0, &f.c2), 0);
	ASSERT_EQ(nsubs, 2);
	/* 1: old entry not present while the old domain's caches are flushed */
	EXPECT_EQ(subs[0].ce.lo & VTD_CE_P, 0);
	EXPECT_EQ(subs[0].n, 2);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_cc_device(5, SID)));
	EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_iotlb_domain(5, true)));
	/* 2: new entry complete (both halves) by the time it is published */
	want = vtd_ce_translate(f.t2.root, 6, 2);
	EXPECT_EQ(subs[1].ce.lo, want.lo);
	EXPECT_EQ(subs[1].ce.hi, want.hi);
	EXPECT_TRUE(desc_eq(subs[1].d[0], vtd_desc_cc_device(6, SID)));
}

TEST(legacy_block_and_flush_failure)
{
	static struct fixture f;
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	hpa_t h;

	setup(&f, false, false);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	EXPECT_EQ(vtd_debug_walk(&f.u, SID, 0, 0x10000000, &h, NULL), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(ptr_to_hpa(f.page1)));
	nsubs = 0;
	ASSERT_EQ(install(&f, false, 0, &blocked), 0);
	ASSERT_EQ(nsubs, 1);
	EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_iotlb_domain(5, true)));
	EXPECT_EQ(legacy_ce(&f.u, SID)->lo, 0);
	EXPECT_EQ(legacy_ce(&f.u, SID)->hi, 0);
	EXPECT_EQ(vtd_debug_walk(&f.u, SID, 0, 0x10000000, &h, NULL), -ENOENT);
	ASSERT_TRUE(vtd_route_find(&f.u, SID, VTD_RID_PASID) != NULL);
	EXPECT_TRUE(vtd_route_find(&f.u, SID, VTD_RID_PASID)->table == NULL);
	/* A failed invalidation fails the install; the entry stays not present (blocked). */
	submit_ret = -EIO;
	EXPECT_EQ(install(&f, false, 0, &f.c1), -EIO);
	submit_ret = 0;
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	nsubs = 0;
	submit_ret = -EIO;
	EXPECT_EQ(install(&f, false, 0, &f.c2), -EIO);
	EXPECT_EQ(legacy_ce(&f.u, SID)->lo & VTD_CE_P, 0);
}

TEST(install_rejects)
{
	static struct fixture f;
	struct ioasid_hw_config c;

	setup(&f, false, false);
	c = f.c1;
	c.domain = 0;
	EXPECT_EQ(install(&f, false, 0, &c), -ENOSPC);
	c.domain = 1U << 16;
	EXPECT_EQ(install(&f, false, 0, &c), -ENOSPC);
	EXPECT_EQ(install(&f, true, 1, &f.c1), -EOPNOTSUPP); /* no PASIDs in legacy mode */
	c = f.c1;
	c.mode = IOASID_HW_NESTED;
	EXPECT_EQ(install(&f, false, 0, &c), -EOPNOTSUPP);
	f.u.levels = 3; /* a 4-level table on a unit built for 3 levels */
	EXPECT_EQ(install(&f, false, 0, &f.c1), -EOPNOTSUPP);
	EXPECT_EQ(nsubs, 0);
}

TEST(scalable_second_level_replace)
{
	static struct fixture f;
	struct vtd_sm_context_entry *ce;
	struct vtd_pasid_entry want;

	setup(&f, true, false);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	/* root: lo -> devfn 0-127, hi -> devfn 128-255 (the second page) */
	EXPECT_EQ(f.u.root[1].lo, hpa_val(ptr_to_hpa(f.u.ctx[1])) | VTD_SRE_LP);
	EXPECT_EQ(f.u.root[1].hi, (hpa_val(ptr_to_hpa(f.u.ctx[1])) + HV_PAGE_SIZE) | VTD_SRE_UP);
	ce = &((struct vtd_sm_context_entry *)f.u.ctx[1])[SID & 0xff];
	EXPECT_EQ(ce->val[0] & (VTD_SMCE_P | VTD_SMCE_PDTS), VTD_SMCE_P | (2ULL << 9));
	EXPECT_EQ(ce->val[1], VTD_RID_PASID);
	want = vtd_pe_second_level(f.t1.root, 5, 2);
	ASSERT_TRUE(sm_pe(&f.u, SID, 0) != NULL);
	EXPECT_EQ(memcmp(sm_pe(&f.u, SID, 0), &want, sizeof(want)), 0);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_pc_pasid(5, 0)));
	EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_cc_device(5, SID)));
	nsubs = 0;
	ASSERT_EQ(install(&f, false, 0, &f.c2), 0);
	ASSERT_EQ(nsubs, 2);
	EXPECT_EQ(subs[0].pe.val[0] & VTD_PE_P, 0);
	EXPECT_EQ(subs[0].n, 3);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_pc_pasid(5, 0)));
	EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_piotlb_pasid(5, 0)));
	EXPECT_TRUE(desc_eq(subs[0].d[2], vtd_desc_iotlb_domain(5, true)));
	want = vtd_pe_second_level(f.t2.root, 6, 2);
	EXPECT_EQ(memcmp(&subs[1].pe, &want, sizeof(want)), 0);
}

TEST(scalable_pasid_attach_walks)
{
	static struct fixture f;
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	unsigned prot = 0;
	hpa_t h;

	setup(&f, true, true);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	watch_pasid = 1000; /* second PASID table (1000 / 64 = directory entry 15) */
	ASSERT_EQ(install(&f, true, 1000, &f.c2), 0);
	EXPECT_EQ(vtd_debug_walk(&f.u, SID, 1000, 0x10000000, &h, &prot), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(ptr_to_hpa(f.page2)));
	EXPECT_EQ(prot, PT_PROT_READ);
	EXPECT_EQ(vtd_debug_walk(&f.u, SID, 0, 0x10000000, &h, &prot), 0);
	EXPECT_EQ(hpa_val(h), hpa_val(ptr_to_hpa(f.page1)));
	EXPECT_EQ(vtd_debug_walk(&f.u, SID, 999, 0x10000000, &h, &prot), -ENOENT);
	/* first-level PASID entry: PGTT=1, AW=2, FLPTPTR in val[2] */
	EXPECT_EQ(sm_pe(&f.u, SID, 1000)->val[2], hpa_val(f.t2.root));
	/* range flush of domain 6 names its PASID; domain 5's its own */
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 6, 0x10000000, 0x10001000, true), 0);
	ASSERT_EQ(nsubs, 1);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_piotlb_page(6, 1000, 0x10000000, 0, true)));
	ASSERT_EQ(install(&f, true, 1000, &blocked), 0);
	EXPECT_EQ(vtd_debug_walk(&f.u, SID, 1000, 0x10000000, &h, &prot), -ENOENT);
	EXPECT_TRUE(vtd_route_find(&f.u, SID, 1000) == NULL); /* its slot is free again */
	/* many PASIDs attached and detached in turn never run out of route slots */
	for (uint32_t p = 1; p < 3 * VTD_MAX_ROUTES; p++) {
		nsubs = 0; /* the recorder keeps MAX_SUBS batches */
		ASSERT_EQ(install(&f, true, p, &f.c2), 0);
		ASSERT_EQ(install(&f, true, p, &blocked), 0);
	}
	EXPECT_EQ(install(&f, true, VTD_RID_PASID, &f.c2), -EOPNOTSUPP);
}

TEST(flush_range_psi_and_dsi)
{
	static struct fixture f;

	setup(&f, false, false);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 5, 0x1000, 0x9000, true), 0);
	ASSERT_EQ(nsubs, 1);
	ASSERT_EQ(subs[0].n, 4);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_page(5, 0x1000, 0, true, true)));
	EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_iotlb_page(5, 0x2000, 1, true, true)));
	EXPECT_TRUE(desc_eq(subs[0].d[2], vtd_desc_iotlb_page(5, 0x4000, 2, true, true)));
	EXPECT_TRUE(desc_eq(subs[0].d[3], vtd_desc_iotlb_page(5, 0x8000, 0, true, true)));
	/* several ranges: one submission (one wait), the ranges' descriptors in order */
	{
		const struct pt_range rg[3] = { { 0x1000, 0x2000 }, { 0x10000, 0x10000 }, { 0x20000, 0x24000 } };

		nsubs = 0;
		ASSERT_EQ(vtd_backend_ops.flush_ranges(&f.u.iommu, 5, rg, 3, true), 0);
		ASSERT_EQ(nsubs, 1);
		ASSERT_EQ(subs[0].n, 2);
		EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_page(5, 0x1000, 0, true, true)));
		EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_iotlb_page(5, 0x20000, 2, true, true)));
	}
	/* ranges that need more than 16 descriptors together: one domain-selective flush */
	{
		const struct pt_range rg[2] = { { 0x1000, 0x9000 }, { 0x101000, 0x101000 + 0x1000 * 0x7fffULL } };

		nsubs = 0;
		ASSERT_EQ(vtd_backend_ops.flush_ranges(&f.u.iommu, 5, rg, 2, false), 0);
		ASSERT_EQ(nsubs, 1);
		ASSERT_EQ(subs[0].n, 1);
		EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_domain(5, true)));
	}
	/* a range needing more than 16 descriptors becomes one domain-selective flush */
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 5, 0x1000, 0x1000 + 0x1000 * 0x1ffffULL, false), 0);
	ASSERT_EQ(nsubs, 1);
	ASSERT_EQ(subs[0].n, 1);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_domain(5, true)));
	/* domain flush; domain 0 / out of range never reaches the hardware */
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 5), 0);
	EXPECT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 0), 0);
	EXPECT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 70000, 0, 0x1000, true), 0);
	ASSERT_EQ(nsubs, 1);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_domain(5, true)));
	/* without CAP.PSI: always domain-selective */
	f.u.cap &= ~VTD_CAP_PSI;
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 5, 0x1000, 0x2000, true), 0);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_domain(5, true)));
}

/*
 * A route whose device has ATS enabled (set here by hand: the driver never enables ATS) gets
 * device-TLB invalidations after every IOTLB flush of its domain, in a batch of their own;
 * routes without ATS never do.
 */
TEST(flush_reaches_ats_device_tlbs)
{
	static struct fixture f;
	struct vtd_route *r;

	setup(&f, false, false);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 5, 0x1000, 0x3000, true), 0);
	EXPECT_EQ(nsubs, 1); /* no ATS: IOTLB only */
	r = vtd_route_find(&f.u, SID, VTD_RID_PASID);
	ASSERT_TRUE(r != NULL);
	r->ats = true;
	r->ats_qdep = 8;
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 5, 0x1000, 0x3000, true), 0);
	ASSERT_EQ(nsubs, 2);
	ASSERT_EQ(subs[0].n, 2); /* 0x1000 (1 page), 0x2000 (1 page) */
	ASSERT_EQ(subs[1].n, 2);
	EXPECT_TRUE(desc_eq(subs[1].d[0], vtd_desc_devtlb(SID, SID, 8, 0x1000, 0)));
	EXPECT_TRUE(desc_eq(subs[1].d[1], vtd_desc_devtlb(SID, SID, 8, 0x2000, 0)));
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 5), 0);
	ASSERT_EQ(nsubs, 2);
	ASSERT_EQ(subs[1].n, 1);
	EXPECT_TRUE(desc_eq(subs[1].d[0], vtd_desc_devtlb(SID, SID, 8, 0, VTD_DEVTLB_ALL)));
	/* another domain's flush does not reach this device */
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 6), 0);
	EXPECT_EQ(nsubs, 1);
	/* the IOTLB flush failing: no device-TLB batch after it */
	nsubs = 0;
	submit_ret = -EIO;
	EXPECT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 5), -EIO);
	submit_ret = 0;
	EXPECT_EQ(nsubs, 1);
}

/*
 * Pass-through for the hypervisor's own use: refused without ECAP.PT; legacy TT=10b and
 * scalable PGTT=100b entries; leaving pass-through in scalable mode adds a device-selective
 * context-cache invalidation (QEMU revisits pass-through only then).
 */
TEST(passthrough_entries)
{
	static struct fixture f, g; /* legacy, scalable */
	struct vtd_context_entry want_ce = vtd_ce_passthrough(9, 2);
	struct vtd_pasid_entry want_pe = vtd_pe_passthrough(9, 2);

	EXPECT_EQ(want_ce.lo, VTD_CE_P | (2ULL << 2));
	EXPECT_EQ(want_ce.hi, 2ULL | (9ULL << 8));
	EXPECT_EQ(want_pe.val[0], VTD_PE_P | (2ULL << 2) | (4ULL << 6));
	EXPECT_EQ(want_pe.val[1], 9);

	setup(&f, false, false);
	EXPECT_EQ(vtd_install_passthrough(&f.u, SID, 9), -EOPNOTSUPP); /* ECAP.PT clear */
	f.u.ecap |= VTD_ECAP_PT;
	EXPECT_EQ(vtd_install_passthrough(&f.u, SID, 0), -EOPNOTSUPP);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	nsubs = 0;
	ASSERT_EQ(vtd_install_passthrough(&f.u, SID, 9), 0);
	ASSERT_EQ(nsubs, 2); /* old translation retired while not present, then the new entry */
	EXPECT_EQ(subs[0].ce.lo & VTD_CE_P, 0);
	EXPECT_EQ(legacy_ce(&f.u, SID)->lo, want_ce.lo);
	EXPECT_EQ(legacy_ce(&f.u, SID)->hi, want_ce.hi);

	setup(&g, true, false);
	g.u.ecap |= VTD_ECAP_PT;
	ASSERT_EQ(vtd_install_passthrough(&g.u, SID, 9), 0);
	ASSERT_TRUE(sm_pe(&g.u, SID, 0) != NULL);
	EXPECT_EQ(memcmp(sm_pe(&g.u, SID, 0), &want_pe, sizeof(want_pe)), 0);
	nsubs = 0;
	ASSERT_EQ(install(&g, false, 0, &g.c1), 0);
	ASSERT_EQ(subs[0].n, 4);
	EXPECT_TRUE(desc_eq(subs[0].d[3], vtd_desc_cc_device(9, SID)));
	nsubs = 0;
	ASSERT_EQ(install(&g, false, 0, &g.c2), 0);
	EXPECT_EQ(subs[0].n, 3); /* leaving a translated entry: no extra context-cache flush */
}

/*
 * A scalable-mode PASID table entry written out from the VT-d specification (rev. 4.x, 9.6,
 * "Scalable-Mode PASID Table Entry"), field by field, with the bit numbers the spec uses for
 * the 512-bit entry, and without the driver's macros or encoders: a layout mistake shared by
 * vtd_regs.h and vtd_desc.c shows up as a difference instead of cancelling out.
 */
static void spec_field(uint64_t e[8], unsigned hi, unsigned lo, uint64_t v)
{
	ASSERT_EQ(hi / 64, lo / 64); /* no field used here crosses a 64-bit word */
	ASSERT_TRUE(hi - lo == 63 || v >> (hi - lo + 1) == 0);
	e[lo / 64] |= v << (lo % 64);
}

static void expect_entry(const struct vtd_pasid_entry *pe, const uint64_t want[8])
{
	for (unsigned i = 0; i < 8; i++) {
		EXPECT_EQ(pe->val[i], want[i]);
	}
}

/*
 * Hardware nesting (PGTT=011b) where ECAP.NEST says the unit has it (QEMU 10 does not, so this
 * is its only test): the nested PASID entry, the checks, PASID-tagged flushes of the nested
 * DID, and a second-level change also retiring the nested translations built on it.
 */
TEST(nested_pasid_entry)
{
	static struct fixture f, g; /* nesting unit; unit without ECAP.NEST */
	struct ioasid_dev_caps caps;
	struct ioasid_hw_config n = { .mode = IOASID_HW_NESTED,
				      .domain = 7,
				      .s2_domain = 5,
				      .s1_root = 0x80040000,
				      .s1_fmt = PT_FMT_VTD_FL,
				      .s1_levels = 4 };
	uint64_t spec[8] = { 0 };

	setup(&g, true, false);
	n.table = &g.t1;
	ASSERT_EQ(vtd_backend_ops.get_caps(&g.u.iommu, &g.dev, &caps), 0);
	EXPECT_TRUE(!caps.hw_nesting);
	EXPECT_EQ(install(&g, false, 0, &n), -EOPNOTSUPP);

	setup(&f, true, false);
	f.u.ecap |= VTD_ECAP_NEST | VTD_ECAP_FLTS | VTD_ECAP_SLTS;
	n.table = &f.t1;
	ASSERT_EQ(vtd_backend_ops.get_caps(&f.u.iommu, &f.dev, &caps), 0);
	EXPECT_TRUE(caps.hw_nesting);
	n.s1_levels = 5;
	EXPECT_EQ(install(&f, false, 0, &n), -EOPNOTSUPP);
	n.s1_levels = 4;
	ASSERT_EQ(install(&f, false, 0, &n), 0);
	spec_field(spec, 0, 0, 1);			    /* P */
	spec_field(spec, 1, 1, 0);			    /* FPD: faults are reported */
	spec_field(spec, 4, 2, 2);			    /* AW: 4-level second-level table (48 bits) */
	spec_field(spec, 8, 6, 3);			    /* PGTT: 011b, nested */
	spec_field(spec, 63, 12, hpa_val(f.t1.root) >> 12); /* SLPTPTR: the GPA table */
	spec_field(spec, 79, 64, 7);			    /* DID: the nested domain */
	spec_field(spec, 131, 130, 0);			    /* FLPM: 4-level first-level */
	spec_field(spec, 191, 140, 0x80040000ULL >> 12);    /* FLPTPTR: the guest's table, a GPA */
	ASSERT_TRUE(sm_pe(&f.u, SID, 0) != NULL);
	expect_entry(sm_pe(&f.u, SID, 0), spec);
	/* the guest's INVALIDATE: PASID-based, page-selective */
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 7, 0x1000, 0x2000, true), 0);
	ASSERT_EQ(nsubs, 1);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_piotlb_page(7, 0, 0x1000, 0, true)));
	/* a change of the GPA table (domain 5) also retires the nested translations over it */
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_range(&f.u.iommu, 5, 0x1000, 0x2000, true), 0);
	ASSERT_EQ(nsubs, 2);
	EXPECT_TRUE(desc_eq(subs[0].d[0], vtd_desc_iotlb_page(5, 0x1000, 0, true, true)));
	ASSERT_EQ(subs[1].n, 1);
	EXPECT_TRUE(desc_eq(subs[1].d[0], vtd_desc_piotlb_pasid(7, 0)));
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 5), 0);
	ASSERT_EQ(nsubs, 2);
	EXPECT_TRUE(desc_eq(subs[1].d[0], vtd_desc_piotlb_pasid(7, 0)));
	/* replaced by a plain table: the nested DID is flushed PASID-selectively on the way out */
	nsubs = 0;
	ASSERT_EQ(install(&f, false, 0, &f.c2), 0);
	EXPECT_TRUE(desc_eq(subs[0].d[1], vtd_desc_piotlb_pasid(7, 0)));
	nsubs = 0;
	ASSERT_EQ(vtd_backend_ops.flush_domain(&f.u.iommu, 5), 0);
	EXPECT_EQ(nsubs, 1); /* nothing nested over domain 5 any more */
}

TEST(caps_follow_the_unit)
{
	static struct fixture f;
	struct ioasid_dev_caps c;

	setup(&f, false, false);
	ASSERT_EQ(vtd_backend_ops.get_caps(&f.u.iommu, &f.dev, &c), 0);
	EXPECT_EQ(c.pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G); /* CAP.SLLPS = 2M + 1G */
	EXPECT_EQ(c.ia_bits, 48);
	EXPECT_EQ(c.paging_fmt, PT_FMT_VTD_SL);
	EXPECT_EQ(c.pasid_bits, 0);
	EXPECT_TRUE(!c.coherent && !c.hw_nesting);
	f.u.levels = 3;
	ASSERT_EQ(vtd_backend_ops.get_caps(&f.u.iommu, &f.dev, &c), 0);
	EXPECT_EQ(c.ia_bits, 39); /* AGAW 39-bit, 3 levels */
	f.u.levels = 4;
	f.u.scalable = f.u.first_level = true;
	f.u.ecap = VTD_ECAP_PASID | FIELD_PREP(VTD_ECAP_PSS, 19);
	ASSERT_EQ(vtd_backend_ops.get_caps(&f.u.iommu, &f.dev, &c), 0);
	EXPECT_EQ(c.ia_bits, 47); /* 4-level first-level: canonical lower half (spec 3.6) */
	EXPECT_EQ(c.paging_fmt, PT_FMT_VTD_FL);
	EXPECT_EQ(c.pgsize_bitmap, SZ_4K | SZ_2M); /* no CAP.FL1GP */
	EXPECT_EQ(c.pasid_bits, 15);		   /* one directory page */
}

/*
 * The width the unit reports (caps.ia_bits, which GET_INFO passes on) is what a table built from
 * those caps, as the core builds it, accepts and the unit walks: the last page below 2^ia_bits
 * maps and translates through the installed entry, a MAP at 2^ia_bits is -ERANGE. Legacy 48 and
 * 39 bits, scalable second-level, scalable first-level (47: canonical lower half, spec 3.6).
 */
TEST(caps_width_is_what_map_accepts)
{
	static const struct {
		bool scalable, first_level;
		unsigned levels, bits;
	} modes[] = {
		{ false, false, 4, 48 },
		{ false, false, 3, 39 },
		{ true, false, 4, 48 },
		{ true, true, 4, 47 },
	};

	static struct fixture fs[ARRAY_SIZE(modes)]; /* one each: every page stays reachable */

	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++) {
		struct fixture *fp = &fs[i];
		struct ioasid_dev_caps c;
		struct ioasid_hw_config cfg;
		struct pt_table t;
		uint64_t top;
		hpa_t h = hpa(0);

		setup(fp, modes[i].scalable, modes[i].first_level);
		fp->u.levels = modes[i].levels;
		ASSERT_EQ(vtd_backend_ops.get_caps(&fp->u.iommu, &fp->dev, &c), 0);
		EXPECT_EQ(c.ia_bits, modes[i].bits);
		ASSERT_EQ(pt_init(&t, c.paging_fmt, c.ia_bits, c.pgsize_bitmap, c.coherent, NULL), 0);
		top = 1ULL << c.ia_bits;
		EXPECT_EQ(pt_map(&t, top - HV_PAGE_SIZE, ptr_to_hpa(fp->page1), HV_PAGE_SIZE, PT_PROT_READ), 0);
		EXPECT_EQ(pt_map(&t, top, ptr_to_hpa(fp->page1), HV_PAGE_SIZE, PT_PROT_READ), -ERANGE);
		cfg = (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = 7, .table = &t };
		ASSERT_EQ(install(fp, false, 0, &cfg), 0);
		EXPECT_EQ(vtd_debug_walk(&fp->u, SID, VTD_RID_PASID, top - 1, &h, NULL), 0);
		EXPECT_EQ(hpa_val(h), hpa_val(ptr_to_hpa(fp->page1)) + HV_PAGE_SIZE - 1);
		pt_destroy(&t);
	}
}

/*
 * Caching mode (CAP.CM=1, spec 6.1): the unit may have cached the entries a MAP makes present,
 * so the MAP invalidates the range: second-level a page-selective IOTLB invalidation (IH=0:
 * table entries became present too), first-level a PASID-based one. CM=0: nothing queued.
 */
TEST(map_under_caching_mode_invalidates)
{
	static const bool fl[] = { false, true };

	static struct fixture fs[ARRAY_SIZE(fl)];

	for (unsigned i = 0; i < ARRAY_SIZE(fl); i++) {
		struct fixture *fp = &fs[i];
		struct vtd_inv_desc want;

		setup(fp, fl[i], fl[i]);
		ASSERT_EQ(install(fp, false, 0, &fp->c1), 0);
		want = fl[i] ? vtd_desc_piotlb_page(5, VTD_RID_PASID, 0x20000000, 1, false)
			     : vtd_desc_iotlb_page(5, 0x20000000, 1, false, true);
		/* CM=0 (QEMU's default CAP): a MAP costs nothing */
		nsubs = 0;
		ASSERT_EQ(pt_map(&fp->t1, 0x20000000, ptr_to_hpa(fp->page2), 2 * HV_PAGE_SIZE, PT_PROT_READ), 0);
		EXPECT_EQ(vtd_backend_ops.flush_after_map(&fp->u.iommu, 5, 0x20000000, 0x20002000), 0);
		EXPECT_EQ(nsubs, 0);
		/* CM=1: one batch, one descriptor for the 8 KiB (AM=1) */
		fp->u.cap |= VTD_CAP_CM;
		ASSERT_EQ(vtd_backend_ops.flush_after_map(&fp->u.iommu, 5, 0x20000000, 0x20002000), 0);
		ASSERT_EQ(nsubs, 1);
		EXPECT_EQ(subs[0].n, 1);
		EXPECT_TRUE(desc_eq(subs[0].d[0], want));
		/* a failed invalidation is reported (the core then unmaps again) */
		nsubs = 0;
		submit_ret = -ETIMEDOUT;
		EXPECT_EQ(vtd_backend_ops.flush_after_map(&fp->u.iommu, 5, 0x20000000, 0x20002000), -ETIMEDOUT);
		submit_ret = 0;
	}
}

static const void *clean_seen[64];
static unsigned nclean;

static void record_clean(const void *p, size_t len)
{
	(void)len;
	if (nclean < 64) {
		clean_seen[nclean++] = p;
	}
}

static bool cleaned(const void *p)
{
	for (unsigned i = 0; i < nclean; i++) {
		if (clean_seen[i] == p) {
			return true;
		}
	}
	return false;
}

TEST(table_writes_cleaned_unless_coherent)
{
	static struct fixture f, g;

	setup(&f, false, false);
	nclean = 0;
	host_mm_set_clean_hook(record_clean);
	ASSERT_EQ(install(&f, false, 0, &f.c1), 0);
	EXPECT_TRUE(cleaned(&f.u.root[1]));
	EXPECT_TRUE(cleaned(legacy_ce(&f.u, SID)));
	setup(&g, true, false);
	g.u.coherent = true; /* ECAP.C=1: walks snoop, no cleans */
	nclean = 0;
	ASSERT_EQ(install(&g, false, 0, &g.c1), 0);
	host_mm_set_clean_hook(NULL);
	EXPECT_EQ(nclean, 0);
}
