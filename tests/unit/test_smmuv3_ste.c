// SPDX-License-Identifier: MIT
/*
 * Host tests of the SMMUv3 stream table, CD pools and backend ops (drivers/iommu/smmuv3/
 * smmuv3_ste.c) on the fake arch. smmuv3_cmds() is replaced by a recorder that keeps every
 * batch of commands with a snapshot of the watched STE at the moment it was submitted, so the
 * tests check the order of a live update (abort while the old configuration is retired, the
 * complete new entry when it is published), not only the result.
 */
#include <hv/errno.h>
#include <hv/mm.h>
#include <ioasid/abi.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "ioasid/core.h"
#define TEST_MAIN
#include "test.h"

#define SID	 0x8
#define MAX_SUBS 16

struct sub {
	unsigned n;
	struct smmu_cmd c[24];
	struct smmu_ste ste; /* the watched SID's STE at submit time */
};

static struct sub subs[MAX_SUBS];
static unsigned nsubs;
static int submit_ret;
static uint32_t watch_sid = SID;

int smmuv3_cmds(struct smmuv3_unit *u, const struct smmu_cmd *c, unsigned n)
{
	struct smmu_ste *s = smmuv3_ste_ptr(u, watch_sid, false, NULL);
	struct sub *r;

	if (nsubs == MAX_SUBS || n > 24) {
		return -E2BIG;
	}
	r = &subs[nsubs++];
	*r = (struct sub){ .n = n };
	memcpy(r->c, c, n * sizeof(*c));
	if (s != NULL) {
		r->ste = *s;
	}
	return submit_ret;
}

void smmuv3_sync_to_device(const struct smmuv3_unit *u, const void *p, size_t len)
{
	(void)u;
	(void)p;
	(void)len;
}

static bool cmd_eq(struct smmu_cmd a, struct smmu_cmd b)
{
	return a.d[0] == b.d[0] && a.d[1] == b.d[1];
}

static bool ste_eq(const struct smmu_ste *a, const struct smmu_ste *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

struct fixture {
	struct smmuv3_unit u;
	struct hv_device dev;
	struct ioasid_hwt h1, h2; /* stage-2 tables as the core holds them */
	struct pt_table s1a, s1b;
	struct pt_quota quota;
};

/* A unit like QEMU virt's (notes 2.1): S1+S2, 16-bit SIDs/ASIDs/VMIDs, OAS 44, RIL, COHACC. */
static void setup_unit(struct fixture *f, bool linear, bool s1_only);

static void setup(struct fixture *f, bool linear)
{
	setup_unit(f, linear, false);
}

/* s1_only: like QEMU virt-9.1, stage 1 only (single-stage tables and the blocked STE are S1). */
static void setup_unit(struct fixture *f, bool linear, bool s1_only)
{
	memset(f, 0, sizeof(*f));
	nsubs = 0;
	submit_ret = 0;
	watch_sid = SID;
	f->u.regs = (uintptr_t)page_alloc(5); /* a fake register page for STRTAB_BASE(_CFG) */
	f->u.s1p = f->u.s2p = f->u.coherent = f->u.ril = f->u.st_2lvl = f->u.hw_nesting = true;
	f->u.sid_bits = 16;
	f->u.asid_bits = f->u.vmid_bits = 16;
	f->u.oas_enc = 4;
	f->u.oas_bits = 44;
	f->u.paging_fmt = PT_FMT_ARM_S2;
	f->u.ia_bits = 44;
	if (s1_only) {
		f->u.s2p = f->u.hw_nesting = false;
		f->u.paging_fmt = PT_FMT_ARM_S1;
		f->u.ia_bits = 48;
	}
	f->u.iommu = (struct hv_iommu){ .ops = &smmuv3_backend_ops, .priv = &f->u, .name = "test" };
	(void)smmuv3_strtab_init(&f->u, linear);
	f->dev.rid = SID;
	f->quota.limit_pages = 64;
	(void)pt_init(&f->h1.pt, PT_FMT_ARM_S2, 44, SZ_4K | SZ_2M, true, &f->quota);
	(void)pt_init(&f->h2.pt, PT_FMT_ARM_S2, 44, SZ_4K | SZ_2M, true, &f->quota);
	f->h1.domain = 5;
	f->h2.domain = 6;
	(void)pt_init(&f->s1a, PT_FMT_ARM_S1, 48, SZ_4K | SZ_2M, true, NULL);
	(void)pt_init(&f->s1b, PT_FMT_ARM_S1, 48, SZ_4K | SZ_2M, true, NULL);
}

static int install(struct fixture *f, const struct ioasid_hw_config *c)
{
	return smmuv3_backend_ops.install(&f->u.iommu, &f->dev, false, 0, c);
}

static struct ioasid_hw_config table_cfg(struct ioasid_hwt *h)
{
	return (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = h->domain, .table = &h->pt };
}

/* The blocked STE of a stage-2 unit: S2 over the unit's zeroed table, the last VMID. */
static struct smmu_ste want_blocked_s2(const struct fixture *f)
{
	struct smmu_s2_desc d = { .ttb = hpa_val(ptr_to_hpa(f->u.blocked_table)),
				  .vmid = 0xffff,
				  .ia_bits = 44,
				  .levels = 4,
				  .ps_enc = 4,
				  .coherent = true };
	struct smmu_ste s;

	(void)smmu_ste_s2(&d, &s);
	EXPECT_TRUE(s.d[2] & STE_2_S2R); /* its faults are recorded */
	return s;
}

static struct smmu_ste want_s2(const struct fixture *f, const struct ioasid_hwt *h)
{
	struct smmu_s2_desc d = { .ttb = hpa_val(h->pt.root),
				  .vmid = (uint16_t)h->domain,
				  .ia_bits = 44,
				  .levels = 4,
				  .ps_enc = 4,
				  .coherent = true };
	struct smmu_ste s;

	(void)f;
	(void)smmu_ste_s2(&d, &s);
	return s;
}

TEST(strtab_two_level)
{
	static struct fixture f;
	uint32_t cfg;
	struct smmu_ste s;

	setup(&f, false);
	cfg = *(uint32_t *)(f.u.regs + SMMU_STRTAB_BASE_CFG);
	EXPECT_TRUE(!f.u.linear);
	EXPECT_EQ(cfg, (1U << 16) | (8U << 6) | 16); /* FMT=2-level, SPLIT=8, LOG2SIZE=16 */
	EXPECT_EQ(*(uint64_t *)(f.u.regs + SMMU_STRTAB_BASE), hpa_val(ptr_to_hpa(f.u.l1)) | (1ULL << 62));
	EXPECT_EQ(f.u.l1[0], hpa_val(ptr_to_hpa(f.u.l2[0])) | 9); /* bus 0 present, SPAN 9 */
	EXPECT_EQ(f.u.l1[1], 0);				  /* the rest SPAN=0 */
	for (unsigned i = 0; i < 256; i++) {
		EXPECT_EQ(f.u.l2[0][i].d[0], 0x1); /* V=1, abort */
	}
	EXPECT_TRUE(smmuv3_debug_ste(&f.u, 0xff, &s) && s.d[0] == 1);
	EXPECT_TRUE(!smmuv3_debug_ste(&f.u, 0x100, &s));
}

TEST(strtab_linear)
{
	static struct fixture f;
	struct smmu_ste s;

	setup(&f, true);
	EXPECT_TRUE(f.u.linear);
	EXPECT_EQ(*(uint32_t *)(f.u.regs + SMMU_STRTAB_BASE_CFG), 12); /* FMT=linear, 4096 STEs */
	EXPECT_TRUE(smmuv3_debug_ste(&f.u, 4095, &s) && s.d[0] == 1);
	EXPECT_TRUE(!smmuv3_debug_ste(&f.u, 4096, &s));
}

TEST(s2_install_fresh)
{
	static struct fixture f;
	struct ioasid_hw_config c;
	struct smmu_ste want, s;

	setup(&f, false);
	c = table_cfg(&f.h1);
	ASSERT_EQ(install(&f, &c), 0);
	want = want_s2(&f, &f.h1);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_TRUE(ste_eq(&s, &want));
	/* Abort -> S2 needs no retire step: one batch, the new entry complete when published. */
	ASSERT_EQ(nsubs, 1);
	EXPECT_EQ(subs[0].n, 1);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_cfgi_ste(SID, true)));
	EXPECT_TRUE(ste_eq(&subs[0].ste, &want));
}

TEST(replace_goes_through_abort)
{
	static struct fixture f;
	struct ioasid_hw_config c1, c2;
	struct smmu_ste old, want;

	setup(&f, false);
	c1 = table_cfg(&f.h1);
	c2 = table_cfg(&f.h2);
	ASSERT_EQ(install(&f, &c1), 0);
	old = want_s2(&f, &f.h1);
	want = want_s2(&f, &f.h2);
	nsubs = 0;
	ASSERT_EQ(install(&f, &c2), 0);
	ASSERT_EQ(nsubs, 2);
	/* 1: word 0 aborts (the other words still the old ones), retired by CFGI_STE */
	EXPECT_EQ(subs[0].ste.d[0], 0x1);
	EXPECT_EQ(subs[0].ste.d[2], old.d[2]);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_cfgi_ste(SID, true)));
	/* 2: the complete new entry */
	EXPECT_TRUE(ste_eq(&subs[1].ste, &want));
	EXPECT_TRUE(cmd_eq(subs[1].c[0], smmu_cmd_cfgi_ste(SID, true)));
}

TEST(s1_install_uses_a_fresh_cd_slot)
{
	static struct fixture f;
	struct ioasid_hw_config c1 = { .mode = IOASID_HW_TABLE, .domain = 7, .table = NULL };
	struct ioasid_hw_config c2 = { .mode = IOASID_HW_TABLE, .domain = 8, .table = NULL };
	struct smmu_ste s;
	const struct smmu_cd *cd;
	uint64_t ptr;

	setup(&f, false);
	c1.table = &f.s1a;
	c2.table = &f.s1b;
	ASSERT_EQ(install(&f, &c1), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ((s.d[0] >> 1) & 7, 5); /* Config = S1 */
	EXPECT_EQ(s.d[2] & 0xffff, 0);	 /* VMID 0 for stage-1-only STEs */
	ptr = s.d[0] & GENMASK(51, 6);
	EXPECT_EQ(ptr, hpa_val(ptr_to_hpa(f.u.host_cds.cds)));
	cd = hpa_to_ptr(hpa(ptr));
	EXPECT_EQ(cd->d[0] >> 48, 7); /* ASID */
	EXPECT_EQ(cd->d[1], hpa_val(f.s1a.root));
	EXPECT_EQ(cd->d[0] & 0x3f, 16); /* T0SZ for 48 bits */
	ASSERT_EQ(nsubs, 1);
	EXPECT_EQ(subs[0].n, 2);
	EXPECT_TRUE(cmd_eq(subs[0].c[1], smmu_cmd_cfgi_cd(SID, 0, true)));
	EXPECT_EQ(f.u.host_cds.used, 1);
	ASSERT_EQ(install(&f, &c2), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ(s.d[0] & GENMASK(51, 6), ptr + 64); /* a new slot; the old one was in use */
	EXPECT_EQ(((const struct smmu_cd *)hpa_to_ptr(hpa(ptr + 64)))->d[0] >> 48, 8);
	EXPECT_EQ(f.u.host_cds.used, 2); /* old slot freed after the switch */
	/* S1 flushes are tagged (VMID 0, ASID) */
	nsubs = 0;
	ASSERT_EQ(smmuv3_backend_ops.flush_domain(&f.u.iommu, 8), 0);
	ASSERT_EQ(nsubs, 1);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_tlbi_nh_asid(0, 8)));
}

TEST(nested_cd_page_in_stage2)
{
	static struct fixture f;
	struct ioasid_hw_config c = {
		.mode = IOASID_HW_NESTED, .domain = 10, .s1_root = 0x80040000, .s1_fmt = PT_FMT_ARM_S1, .s1_levels = 4
	};
	const uint64_t top = (1ULL << 44) - 0x1000;
	struct smmu_tlbi_range one = { .addr = 0x50000000, .num = 0, .scale = 0, .range = true };
	const struct smmu_cd *cd;
	struct smmu_ste s;
	unsigned prot = 0;
	hpa_t oa;

	setup(&f, false);
	c.table = &f.h1.pt;
	c.s2_domain = f.h1.domain;
	ASSERT_EQ(install(&f, &c), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ((s.d[0] >> 1) & 7, 7);	 /* nested */
	EXPECT_EQ(s.d[0] & GENMASK(51, 6), top); /* the CD by IPA */
	EXPECT_EQ(s.d[2] & 0xffff, 5);		 /* VMID of the GPA table */
	EXPECT_EQ(s.d[3], hpa_val(f.h1.pt.root));
	/* the CD page is mapped read-only at the top of the guest's stage 2 */
	ASSERT_EQ(pt_lookup(&f.h1.pt, top, &oa, &prot, NULL), 0);
	EXPECT_EQ(hpa_val(oa), hpa_val(ptr_to_hpa(f.u.nest_cds[0].cds)));
	EXPECT_EQ(prot, PT_PROT_READ);
	cd = f.u.nest_cds[0].cds;
	EXPECT_EQ(cd->d[1], 0x80040000); /* TTB0 = the guest's root (IPA) */
	EXPECT_EQ(cd->d[0] >> 48, 10);
	/* flushes: stage-2 ranges also drop combined entries; stage-1 ones carry the VMID */
	nsubs = 0;
	ASSERT_EQ(smmuv3_backend_ops.flush_range(&f.u.iommu, 5, 0x50000000, 0x50001000, true), 0);
	ASSERT_EQ(nsubs, 1);
	ASSERT_EQ(subs[0].n, 2);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_tlbi_s2_ipa(5, &one, true)));
	EXPECT_TRUE(cmd_eq(subs[0].c[1], smmu_cmd_tlbi_nh_all(5)));
	ASSERT_EQ(smmuv3_backend_ops.flush_range(&f.u.iommu, 10, 0x50000000, 0x50001000, false), 0);
	ASSERT_EQ(nsubs, 2);
	EXPECT_EQ(subs[1].n, 1);
	EXPECT_TRUE(cmd_eq(subs[1].c[0], smmu_cmd_tlbi_nh_va(5, 10, &one, false)));
	ASSERT_EQ(smmuv3_backend_ops.flush_domain(&f.u.iommu, 5), 0);
	EXPECT_TRUE(cmd_eq(subs[2].c[0], smmu_cmd_tlbi_s12_vmall(5)));
	ASSERT_EQ(smmuv3_backend_ops.flush_domain(&f.u.iommu, 10), 0);
	EXPECT_TRUE(cmd_eq(subs[3].c[0], smmu_cmd_tlbi_nh_asid(5, 10)));
	/* a domain never installed here: nothing to do, nothing issued */
	ASSERT_EQ(smmuv3_backend_ops.flush_domain(&f.u.iommu, 99), 0);
	ASSERT_EQ(smmuv3_backend_ops.flush_range(&f.u.iommu, 99, 0, 0x1000, true), 0);
	EXPECT_EQ(nsubs, 4);
}

TEST(flush_range_without_ril)
{
	static struct fixture f;
	struct ioasid_hw_config c;

	setup(&f, false);
	f.u.ril = false;
	c = table_cfg(&f.h1);
	ASSERT_EQ(install(&f, &c), 0);
	nsubs = 0;
	ASSERT_EQ(smmuv3_backend_ops.flush_range(&f.u.iommu, 5, 0x10000, 0x13000, false), 0);
	ASSERT_EQ(subs[0].n, 3); /* one TLBI_S2_IPA per page, TG=0 */
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_EQ(subs[0].c[i].d[0], 0x2a | (5ULL << 32));
		EXPECT_EQ(subs[0].c[i].d[1], 0x10000 + i * 0x1000ULL);
	}
	/* more than 16 commands: the whole VMID instead */
	ASSERT_EQ(smmuv3_backend_ops.flush_range(&f.u.iommu, 5, 0, 0x20000, false), 0);
	ASSERT_EQ(subs[1].n, 1);
	EXPECT_TRUE(cmd_eq(subs[1].c[0], smmu_cmd_tlbi_s12_vmall(5)));
}

TEST(block_and_lazy_l2)
{
	static struct fixture f;
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	struct ioasid_hw_config c;
	struct smmu_ste s, want;

	setup(&f, false);
	f.dev.rid = 0x1234;
	watch_sid = 0x1234;
	ASSERT_EQ(install(&f, &blocked), 0); /* L1 SPAN=0 aborts already: nothing allocated */
	EXPECT_TRUE(f.u.l2[0x12] == NULL);
	EXPECT_EQ(nsubs, 0);
	c = table_cfg(&f.h1);
	ASSERT_EQ(install(&f, &c), 0);
	ASSERT_TRUE(f.u.l2[0x12] != NULL);
	EXPECT_EQ(f.u.l1[0x12], hpa_val(ptr_to_hpa(f.u.l2[0x12])) | 9);
	ASSERT_EQ(nsubs, 1);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_cfgi_ste(0x1234, false))); /* Leaf=0: new L2 */
	EXPECT_TRUE(!smmuv3_sid_blocked(&f.u, 0x1234));
	nsubs = 0;
	ASSERT_EQ(install(&f, &blocked), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, 0x1234, &s));
	want = want_blocked_s2(&f);
	EXPECT_TRUE(ste_eq(&s, &want));
	EXPECT_TRUE(smmuv3_sid_blocked(&f.u, 0x1234));
	EXPECT_TRUE(!smmuv3_sid_blocked(&f.u, 0x1235)); /* never attached: no route */
	/* the switch went through an abort STE (retired by CFGI_STE) before the blocked one */
	ASSERT_EQ(nsubs, 2);
	EXPECT_EQ(subs[0].ste.d[0] & 0xf, 1);
	EXPECT_TRUE(ste_eq(&subs[1].ste, &want));
}

/* The blocked STE's table maps nothing, and its tags are never handed to a core domain. */
TEST(blocked_table_and_reserved_tags)
{
	static struct fixture f;
	const uint64_t *t;
	struct ioasid_hw_config c;

	setup(&f, false);
	t = f.u.blocked_table;
	ASSERT_TRUE(t != NULL);
	for (unsigned i = 0; i < 512; i++) {
		EXPECT_EQ(t[i], 0);
	}
	f.h1.domain = 0xffff; /* SMMUV3_BLOCKED_VMID with 16 VMID bits */
	c = table_cfg(&f.h1);
	EXPECT_EQ(install(&f, &c), -ENOSPC);
	f.h1.domain = 0xfffe;
	c = table_cfg(&f.h1);
	EXPECT_EQ(install(&f, &c), 0);
	c = (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = 0xffff, .table = &f.s1a };
	f.u.paging_fmt = PT_FMT_ARM_S1;
	EXPECT_EQ(install(&f, &c), -ENOSPC); /* SMMUV3_BLOCKED_ASID */
}

/* Stage-1-only units (QEMU virt-9.1): the blocked STE is S1 with one CD over an empty table. */
TEST(blocked_ste_stage1)
{
	static struct fixture f;
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	struct ioasid_hw_config c = { .mode = IOASID_HW_TABLE, .domain = 7 };
	struct smmu_cd want_cd;
	struct smmu_ste s, want;
	uint64_t cd_pa;

	setup_unit(&f, true, true);
	ASSERT_TRUE(f.u.blocked_table != NULL);
	ASSERT_EQ(f.u.host_cds.used, 1); /* slot 0: the blocked CD */
	ASSERT_EQ(smmu_cd_s1(&(const struct smmu_s1_desc){ .ttb0 = hpa_val(ptr_to_hpa(f.u.blocked_table)),
							    .asid = 0xffff,
							    .ia_bits = 48,
							    .ips_enc = 4,
							    .coherent = true },
			     &want_cd),
		  0);
	EXPECT_EQ(memcmp(&f.u.host_cds.cds[0], &want_cd, sizeof(want_cd)), 0);
	EXPECT_TRUE(want_cd.d[0] & CD_0_R);
	c.table = &f.s1a;
	ASSERT_EQ(install(&f, &c), 0);
	ASSERT_EQ(install(&f, &blocked), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	cd_pa = hpa_val(ptr_to_hpa(f.u.host_cds.cds));
	want = smmu_ste_s1(cd_pa, 0, true);
	EXPECT_TRUE(ste_eq(&s, &want));
	EXPECT_EQ(f.u.host_cds.used, 1); /* the attached CD's slot was given back */
	EXPECT_TRUE(smmuv3_sid_blocked(&f.u, SID));
}

TEST(install_rejects_and_failures)
{
	static struct fixture f;
	struct ioasid_hw_config c, s1 = { .mode = IOASID_HW_TABLE, .domain = 7, .table = NULL };
	struct smmu_ste before, after;

	setup(&f, false);
	s1.table = &f.s1a;
	c = table_cfg(&f.h1);
	EXPECT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 1, &c), -EOPNOTSUPP);
	f.dev.rid = 1U << 16;
	EXPECT_EQ(install(&f, &c), -EINVAL);
	f.dev.rid = SID;
	f.h1.domain = 0; /* VMID 0 is reserved for stage-1-only STEs */
	c = table_cfg(&f.h1);
	EXPECT_EQ(install(&f, &c), -ENOSPC);
	f.h1.domain = 1U << 16;
	c = table_cfg(&f.h1);
	EXPECT_EQ(install(&f, &c), -ENOSPC);
	f.h1.domain = 5;
	c = table_cfg(&f.h1);
	f.u.s2p = false;
	EXPECT_EQ(install(&f, &c), -EOPNOTSUPP);
	f.u.s2p = true;
	f.u.s1p = false;
	EXPECT_EQ(install(&f, &s1), -EOPNOTSUPP);
	f.u.s1p = true;
	/* the command queue fails: error returned, CD slot given back */
	ASSERT_EQ(install(&f, &c), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &before));
	submit_ret = -ETIMEDOUT;
	EXPECT_EQ(install(&f, &s1), -ETIMEDOUT);
	EXPECT_EQ(f.u.host_cds.used, 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &after));
	/* failed while retiring the old entry: left aborting, never half-written */
	EXPECT_EQ(after.d[0], 0x1);
	EXPECT_EQ(after.d[2], before.d[2]);
}

/* ---- SubstreamIDs: CD tables (smmuv3_cd.c) ---- */

static struct smmuv3_route *route_of(struct smmuv3_unit *u, uint32_t sid)
{
	for (unsigned i = 0; i < SMMUV3_MAX_ROUTES; i++) {
		if (u->routes[i].used && u->routes[i].sid == sid) {
			return &u->routes[i];
		}
	}
	return NULL;
}

/* Read a guest-invisible table the way the core's software walker reads any table. */
static int read_host(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	(void)ctx;
	*entry = ((const uint64_t *)hpa_to_ptr(hpa(table_addr)))[index];
	return 0;
}

/* STE -> CD table -> CD[ssid] -> TTB0 -> walk: what the SMMU would translate iova to. */
static int walk_live(struct fixture *f, uint32_t ssid, uint64_t iova, uint64_t *oa)
{
	struct smmu_ste s;
	const struct smmu_cd *tab, *cd;
	unsigned prot;
	uint64_t pgsize;

	if (!smmuv3_debug_ste(&f->u, SID, &s) || ((s.d[0] >> 1) & 7) != 5) {
		return -ENOENT;
	}
	if (ssid >= (1U << (s.d[0] >> 59))) {
		return -ERANGE;
	}
	tab = hpa_to_ptr(hpa(s.d[0] & GENMASK(51, 6)));
	if (((s.d[0] >> 4) & 3) == 1) {
		/* S1Fmt=1: L1 descriptor [ssid >> 6] -> 4 KiB table of 64 CDs (spec 5.3) */
		uint64_t l1 = ((const uint64_t *)tab)[ssid >> 6];

		if (!(l1 & 1)) {
			return -ENOENT;
		}
		tab = hpa_to_ptr(hpa(l1 & GENMASK(55, 12)));
		ssid &= 63;
	}
	cd = &tab[ssid];
	if (!(cd->d[0] & (1ULL << 31))) {
		return -ENOENT;
	}
	return pt_walk_foreign(PT_FMT_ARM_S1, 4, cd->d[1] & GENMASK(51, 4), iova, read_host, NULL, oa, &prot, &pgsize);
}

static void setup_s1_pasid(struct fixture *f, void **pa, void **pb)
{
	setup(f, false);
	f->u.paging_fmt = PT_FMT_ARM_S1;
	f->u.hw_nesting = false;
	f->u.ssid_bits = 8;
	f->u.pasid_bits = 6;
	*pa = page_alloc(0);
	*pb = page_alloc(0);
	(void)pt_map(&f->s1a, 0x10000000, ptr_to_hpa(*pa), HV_PAGE_SIZE, PT_PROT_READ | PT_PROT_WRITE);
	(void)pt_map(&f->s1b, 0x10000000, ptr_to_hpa(*pb), HV_PAGE_SIZE, PT_PROT_READ | PT_PROT_WRITE);
}

TEST(pasid_cd_table_walks)
{
	static struct fixture f;
	struct ioasid_hw_config rid = { .mode = IOASID_HW_TABLE, .domain = 7 };
	struct ioasid_hw_config p3 = { .mode = IOASID_HW_TABLE, .domain = 8 };
	struct smmu_ste s;
	struct smmuv3_route *r;
	void *pa, *pb;
	uint64_t oa = 0;

	setup_s1_pasid(&f, &pa, &pb);
	rid.table = &f.s1a;
	p3.table = &f.s1b;
	ASSERT_EQ(install(&f, &rid), 0);
	ASSERT_EQ(f.u.host_cds.used, 1);
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 3, &p3), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	r = route_of(&f.u, SID);
	ASSERT_TRUE(r != NULL && r->cdtab != NULL);
	EXPECT_EQ(s.d[0] & GENMASK(51, 6), hpa_val(ptr_to_hpa(r->cdtab)));
	EXPECT_EQ(s.d[0] >> 59, 6);	 /* S1CDMax: 64 CDs */
	EXPECT_EQ(s.d[1] & 3, 2);	 /* S1DSS=SSID0: the RID uses CD 0 */
	EXPECT_EQ(f.u.host_cds.used, 0); /* the RID's single CD moved into CD 0 */
	/* the live tables translate as attached: RID -> page A, PASID 3 -> page B */
	ASSERT_EQ(walk_live(&f, 0, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pa)));
	ASSERT_EQ(walk_live(&f, 3, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pb)));
	EXPECT_EQ(walk_live(&f, 4, 0x10000000, &oa), -ENOENT);
	EXPECT_EQ(walk_live(&f, 64, 0x10000000, &oa), -ERANGE);
	/* PASID 0 is the RID's; PASIDs beyond the table are refused */
	EXPECT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 0, &p3), -EINVAL);
	EXPECT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 64, &p3), -EINVAL);
}

TEST(pasid_replace_and_teardown)
{
	static struct fixture f;
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	struct ioasid_hw_config pa_cfg = { .mode = IOASID_HW_TABLE, .domain = 8 };
	struct ioasid_hw_config pb_cfg = { .mode = IOASID_HW_TABLE, .domain = 9 };
	struct smmuv3_route *r;
	struct smmu_ste s, want;
	void *pa, *pb;
	uint64_t oa = 0;
	struct smmu_cd cd;

	setup_s1_pasid(&f, &pa, &pb);
	pa_cfg.table = &f.s1a;
	pb_cfg.table = &f.s1b;
	/* a PASID on a stream whose RID is blocked: S1DSS=terminate */
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 5, &pa_cfg), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ(s.d[1] & 3, 0);
	EXPECT_TRUE(!smmuv3_debug_cd(&f.u, SID, 0, &cd));
	ASSERT_EQ(walk_live(&f, 5, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pa)));
	/* replace PASID 5's table: the CD is invalidated (and retired) before it is rewritten */
	r = route_of(&f.u, SID);
	nsubs = 0;
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 5, &pb_cfg), 0);
	ASSERT_EQ(nsubs, 2);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_cfgi_cd(SID, 5, true)));
	EXPECT_TRUE(cmd_eq(subs[1].c[0], smmu_cmd_cfgi_cd(SID, 5, true)));
	EXPECT_EQ(((const struct smmu_cd *)r->cdtab)[5].d[0] >> 48, 9);
	ASSERT_EQ(walk_live(&f, 5, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pb)));
	/* the RID attaches: CD 0 written, S1DSS switches to SSID0 through an STE update */
	nsubs = 0;
	ASSERT_EQ(install(&f, &pa_cfg), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ(s.d[1] & 3, 2);
	ASSERT_EQ(walk_live(&f, 0, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pa)));
	/* a stage-2 RID cannot share the stream with PASIDs */
	{
		struct ioasid_hw_config c2 = table_cfg(&f.h1);

		EXPECT_EQ(install(&f, &c2), -EOPNOTSUPP);
	}
	/* detach everything: back to the blocked STE, the table freed */
	ASSERT_EQ(install(&f, &blocked), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ(s.d[1] & 3, 0); /* RID terminated again */
	EXPECT_TRUE(!smmuv3_sid_blocked(&f.u, SID)); /* the CD table still serves PASID 5 */
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 5, &blocked), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	want = want_blocked_s2(&f);
	EXPECT_TRUE(ste_eq(&s, &want));
	EXPECT_TRUE(smmuv3_sid_blocked(&f.u, SID));
	EXPECT_TRUE(r->cdtab == NULL);
	/* the ASIDs are still known for flushes */
	nsubs = 0;
	ASSERT_EQ(smmuv3_backend_ops.flush_domain(&f.u.iommu, 9), 0);
	EXPECT_TRUE(cmd_eq(subs[0].c[0], smmu_cmd_tlbi_nh_asid(0, 9)));
}

/*
 * More than 64 PASIDs: a 2-level CD table (S1Fmt=1). L2 tables are made only for the PASIDs
 * attached, each published by a valid L1 descriptor; the live walk reaches every attached
 * PASID; detaching everything frees the whole table.
 */
TEST(pasid_two_level_cd_table)
{
	static struct fixture f;
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	struct ioasid_hw_config p3 = { .mode = IOASID_HW_TABLE, .domain = 8 };
	struct ioasid_hw_config p700 = { .mode = IOASID_HW_TABLE, .domain = 9 };
	struct smmuv3_route *r;
	const uint64_t *l1;
	struct smmu_ste s;
	void *pa, *pb;
	uint64_t oa = 0;
	unsigned valid = 0;

	setup_s1_pasid(&f, &pa, &pb);
	f.u.ssid_bits = f.u.pasid_bits = 10; /* 1024 PASIDs: 16 L1 descriptors */
	p3.table = &f.s1a;
	p700.table = &f.s1b;
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 3, &p3), 0);
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 700, &p700), 0);
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_EQ((s.d[0] >> 4) & 3, 1);  /* S1Fmt: 2-level, 4 KiB L2 tables */
	EXPECT_EQ(s.d[0] >> 59, 10);	  /* S1CDMax */
	EXPECT_EQ(s.d[1] & 3, 0);	  /* the RID is terminated */
	r = route_of(&f.u, SID);
	ASSERT_TRUE(r != NULL && r->cdtab != NULL && r->cd_l2 != NULL);
	l1 = r->cdtab;
	for (unsigned i = 0; i < 16; i++) {
		valid += l1[i] & 1;
	}
	EXPECT_EQ(valid, 2); /* L2 tables for PASIDs 0-63 and 640-703 only */
	EXPECT_EQ(l1[0], hpa_val(ptr_to_hpa(r->cd_l2[0])) | 1);
	EXPECT_EQ(l1[10], hpa_val(ptr_to_hpa(r->cd_l2[10])) | 1);
	ASSERT_EQ(walk_live(&f, 3, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pa)));
	ASSERT_EQ(walk_live(&f, 700, 0x10000000, &oa), 0);
	EXPECT_EQ(oa, hpa_val(ptr_to_hpa(pb)));
	EXPECT_EQ(walk_live(&f, 701, 0x10000000, &oa), -ENOENT);
	EXPECT_EQ(walk_live(&f, 200, 0x10000000, &oa), -ENOENT); /* no L2 table there */
	EXPECT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 1024, &p3), -EINVAL);
	/* detaching a PASID whose L2 table never existed changes nothing */
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 200, &blocked), 0);
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 3, &blocked), 0);
	EXPECT_EQ(walk_live(&f, 3, 0x10000000, &oa), -ENOENT);
	ASSERT_EQ(walk_live(&f, 700, 0x10000000, &oa), 0);
	ASSERT_EQ(smmuv3_backend_ops.install(&f.u.iommu, &f.dev, true, 700, &blocked), 0);
	EXPECT_TRUE(r->cdtab == NULL && r->cd_l2 == NULL); /* all freed (ASan checks the pages) */
	ASSERT_TRUE(smmuv3_debug_ste(&f.u, SID, &s));
	EXPECT_TRUE(smmuv3_sid_blocked(&f.u, SID));
}
