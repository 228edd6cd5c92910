// SPDX-License-Identifier: MIT
/*
 * SMMUv3 stream table, context descriptors and the IOASID backend ops (ioasid/backend.h).
 *
 * Stream table (spec 3.3, 5.1, 6.3.23/24): linear when the StreamID space is small (SIDSIZE <=
 * SMMUV3_LINEAR_MAX_LG) or the SMMU has no 2-level support, else 2-level with 256 STEs per L2
 * table. Every STE we write starts as V=1 Config=abort. 2-level: the L2 table of bus 0 is made
 * at take-over, others when a StreamID in them is first installed; a StreamID whose L1
 * descriptor is still SPAN=0 is aborted by the SMMU (C_BAD_STREAMID, recorded with CR2.RECINVSID),
 * the same outcome as an abort STE.
 *
 * Configurations per StreamID (the core's IOASID_HW_* modes):
 *   BLOCKED  a stream the core detached translates through an empty table, so its DMA faults
 *            and is recorded (an abort STE, spec 5.2 Config 0b000, would drop it silently and
 *            the guest would never learn of it; VT-d reports such DMA too). In the unit's
 *            single-stage format (u->paging_fmt): stage 2:
 *            Config=S2, S2R=1, the VMID SMMUV3_BLOCKED_VMID and a zeroed start-level table;
 *            stage 1 (stage-1-only units, smmuv3.stage=1): Config=S1 with one CD (R=1, A=1, the ASID SMMUV3_BLOCKED_ASID,
 *            TTB0 a zeroed table). The faults are F_TRANSLATION with the StreamID and address;
 *            the event path reports them as BLOCKED because the route says so
 *            (smmuv3_sid_blocked). Streams never attached keep the abort STE of take-over.
 *   TABLE    an ARM_S2 table: Config=S2, S2VMID = the core's domain; an ARM_S1 table: Config=S1,
 *            one CD (ASID = domain, TTB0 = the table) from a hypervisor page of CDs, S2VMID=0.
 *   NESTED   Config=0b111: our stage 2 (the guest's GPA table, VMID = its domain) under a CD
 *            whose TTB0 is the guest's stage-1 root (an IPA) and ASID the core's s1_domain.
 *            With stage 2 enabled the SMMU fetches the CD itself through stage 2 (spec 3.3.2),
 *            so the CD must have an IPA: each guest stage-2 table gets one hypervisor page of CDs
 *            mapped READ-ONLY at the top of its input range (2^ia_bits - 4 KiB). Devices of that
 *            guest can read their CDs (nothing they do not know) but not change them; the page
 *            costs up to three pages of the GPA table (not charged to the guest), and that IPA
 *            can hold no RAM. The VMID is the GPA table's domain (cfg->s2_domain).
 *
 * Updating a live STE (spec 3.21.3): the SMMU may read an STE as any mix of its 64-bit words,
 * so a multi-word change is made in three steps: (1) word 0 becomes V=1 Config=abort (one
 * single-copy-atomic store; with Config=abort the other words do not matter) and CFGI_STE +
 * CMD_SYNC retire every cached copy; (2) words 1..7 get their new values; (3) word 0 gets its
 * new value, then CFGI_STE (+ CFGI_CD) + CMD_SYNC. During the update the device's DMA aborts;
 * it is never untranslated. A new CD is written to a free slot before the STE points at it and
 * the old slot is freed only after the final sync, so no CD is changed while the SMMU may use
 * it.
 *
 * IOTLB tags: the core's domain numbers are used directly as VMIDs (stage 2) and ASIDs (stage
 * 1); the core reuses a number only after flush_domain of its freed table ran here, so nothing
 * stays cached under it for the next owner. The unit remembers
 * every tag it installed (kind, and for ASIDs the VMID they live under), because flush_range /
 * flush_domain only receive the domain. One guest's flush is always by its own VMID/ASID, never
 * global: S2 range -> TLBI_S2_IPA (range form with IDR3.RIL) and, for a VMID under nested STEs,
 * TLBI_NH_ALL(VMID) for the combined S1+S2 entries that TLBI_S2_IPA leaves (spec 4.4.2);
 * S1 range -> TLBI_NH_VA(VMID, ASID); whole domain -> TLBI_S12_VMALL(VMID) / TLBI_NH_ASID.
 */
#include <string.h>

#include <hv/bits.h>
#include <hv/check.h>
#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "ioasid/core.h"

#define SMMUV3_LINEAR_MAX_LG 12 /* linear up to 4096 STEs (256 KiB) */
#define SMMUV3_TLBI_MAX_CMDS 16 /* more range commands than this: whole-tag invalidation */

static struct smmuv3_unit *unit_of(struct hv_iommu *iommu)
{
	return iommu->priv;
}

static unsigned order_for(size_t bytes)
{
	unsigned order = 0;

	while ((HV_PAGE_SIZE << order) < bytes) {
		order++;
	}
	return order;
}

static void ste_fill_abort(struct smmu_ste *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		t[i] = smmu_ste_abort();
	}
}

/* ---- stream table ---- */

static int l2_alloc(struct smmuv3_unit *u, unsigned l1_idx)
{
	size_t n = 1U << SMMUV3_SPLIT;
	struct smmu_ste *t = page_alloc(order_for(n * sizeof(*t)));

	if (t == NULL) {
		return -ENOMEM;
	}
	ste_fill_abort(t, n);
	smmuv3_sync_to_device(u, t, n * sizeof(*t));
	u->l2[l1_idx] = t;
	/* A single 64-bit store makes the whole L2 table live (spec 5.1). */
	WRITE_ONCE(u->l1[l1_idx], smmu_l1std(hpa_val(ptr_to_hpa(t)), SMMUV3_SPLIT));
	smmuv3_sync_to_device(u, &u->l1[l1_idx], sizeof(uint64_t));
	return 0;
}

static int cd_slot_get(struct smmuv3_cd_pool *p, unsigned *slot);
static uint64_t cd_pool_addr(const struct smmuv3_cd_pool *p, unsigned slot);

/* The BLOCKED STE described at the top of this file; built once per take-over. */
static int blocked_init(struct smmuv3_unit *u)
{
	unsigned levels = pt_levels_for(PT_FMT_ARM_S2, u->ia_bits);
	struct smmu_cd cd;
	unsigned slot;
	int ret;

	u->blocked_table = page_alloc(0); /* zeroed: every descriptor invalid */
	if (u->blocked_table == NULL) {
		return -ENOMEM;
	}
	smmuv3_sync_to_device(u, u->blocked_table, HV_PAGE_SIZE);
	if (u->paging_fmt == PT_FMT_ARM_S2) {
		const struct smmu_s2_desc s2 = { .ttb = hpa_val(ptr_to_hpa(u->blocked_table)),
						 .vmid = (uint16_t)SMMUV3_BLOCKED_VMID(u),
						 .ia_bits = u->ia_bits,
						 .levels = levels,
						 .ps_enc = u->oas_enc,
						 .coherent = u->coherent };

		return smmu_ste_s2(&s2, &u->blocked_ste);
	}
	ret = smmu_cd_s1(&(const struct smmu_s1_desc){ .ttb0 = hpa_val(ptr_to_hpa(u->blocked_table)),
						       .asid = (uint16_t)SMMUV3_BLOCKED_ASID(u),
						       .ia_bits = u->ia_bits,
						       .ips_enc = u->oas_enc,
						       .coherent = u->coherent },
			 &cd);
	ret = ret ? ret : cd_slot_get(&u->host_cds, &slot);
	if (ret) {
		return ret;
	}
	u->host_cds.cds[slot] = cd;
	smmuv3_sync_to_device(u, &u->host_cds.cds[slot], sizeof(cd));
	u->blocked_ste = smmu_ste_s1(cd_pool_addr(&u->host_cds, slot), SMMUV3_S1_VMID, u->coherent);
	return 0;
}

bool smmuv3_sid_blocked(const struct smmuv3_unit *u, uint32_t sid)
{
	for (unsigned i = 0; i < SMMUV3_MAX_ROUTES; i++) {
		const struct smmuv3_route *r = &u->routes[i];

		if (r->used && r->sid == sid) {
			return r->config == STE_CONFIG_ABORT && r->cdtab == NULL;
		}
	}
	return false;
}

int smmuv3_strtab_init(struct smmuv3_unit *u, bool force_linear)
{
	uint32_t cfg;
	uint64_t base;

	u->linear = !u->st_2lvl || force_linear || u->sid_bits <= SMMUV3_LINEAR_MAX_LG;
	if (u->linear) {
		size_t n;

		u->st_log2 = MIN(u->sid_bits, (unsigned)SMMUV3_LINEAR_MAX_LG);
		n = 1U << u->st_log2;
		u->strtab = page_alloc(order_for(n * sizeof(struct smmu_ste)));
		if (u->strtab == NULL) {
			return -ENOMEM;
		}
		ste_fill_abort(u->strtab, n);
		smmuv3_sync_to_device(u, u->strtab, n * sizeof(struct smmu_ste));
		base = hpa_val(ptr_to_hpa(u->strtab));
		cfg = (uint32_t)(FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, SMMU_STRTAB_FMT_LINEAR) |
				 FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, u->st_log2));
	} else {
		int ret;

		u->st_log2 = u->sid_bits;
		u->l1_nr = 1U << (u->sid_bits - SMMUV3_SPLIT);
		u->l1 = page_alloc(order_for(u->l1_nr * sizeof(uint64_t)));
		u->l2 = page_alloc(order_for(u->l1_nr * sizeof(struct smmu_ste *)));
		if (u->l1 == NULL || u->l2 == NULL) {
			return -ENOMEM;
		}
		/* page_alloc zeroes: every descriptor starts SPAN=0 (invalid). */
		smmuv3_sync_to_device(u, u->l1, u->l1_nr * sizeof(uint64_t));
		ret = l2_alloc(u, 0); /* bus 0 */
		if (ret) {
			return ret;
		}
		base = hpa_val(ptr_to_hpa(u->l1));
		cfg = (uint32_t)(FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, SMMU_STRTAB_FMT_2LVL) |
				 FIELD_PREP(SMMU_STRTAB_BASE_CFG_SPLIT, SMMUV3_SPLIT) |
				 FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, u->st_log2));
	}
	mmio_write64(u->regs + SMMU_STRTAB_BASE,
		     (u->coherent ? SMMU_STRTAB_BASE_RA : 0) | (base & SMMU_STRTAB_BASE_ADDR));
	mmio_write32(u->regs + SMMU_STRTAB_BASE_CFG, cfg);
	return blocked_init(u);
}

struct smmu_ste *smmuv3_ste_ptr(struct smmuv3_unit *u, uint32_t sid, bool alloc, bool *fresh_l2)
{
	unsigned l1_idx;

	if (fresh_l2 != NULL) {
		*fresh_l2 = false;
	}
	if (sid >= (1ULL << u->st_log2)) {
		return NULL;
	}
	if (u->linear) {
		return &u->strtab[sid];
	}
	l1_idx = sid >> SMMUV3_SPLIT;
	if (u->l2[l1_idx] == NULL) {
		if (!alloc || l2_alloc(u, l1_idx) != 0) {
			return NULL;
		}
		if (fresh_l2 != NULL) {
			*fresh_l2 = true;
		}
	}
	return &u->l2[l1_idx][sid & ((1U << SMMUV3_SPLIT) - 1)];
}

/* ---- CD pools ---- */

static int cd_slot_get(struct smmuv3_cd_pool *p, unsigned *slot)
{
	if (p->cds == NULL) {
		p->cds = page_alloc(0);
		if (p->cds == NULL) {
			return -ENOMEM;
		}
	}
	if (p->used == ~0ULL) {
		return -ENOSPC;
	}
	*slot = (unsigned)__builtin_ctzll(~p->used);
	p->used |= 1ULL << *slot;
	return 0;
}

static void cd_slot_put(struct smmuv3_cd_pool *p, unsigned slot)
{
	p->used &= ~(1ULL << slot);
}

static uint64_t cd_pool_addr(const struct smmuv3_cd_pool *p, unsigned slot)
{
	return (p->s2 != NULL ? p->ipa : hpa_val(ptr_to_hpa(p->cds))) + slot * sizeof(struct smmu_cd);
}

/*
 * The CD page visible at an IPA of stage-2 table s2 (see the top of this file). The table may
 * be a new one at the address of a freed one, so the mapping itself is checked every time.
 */
static int nest_pool_for(struct smmuv3_unit *u, struct pt_table *s2, struct smmuv3_cd_pool **out)
{
	struct smmuv3_cd_pool *p = NULL;
	uint64_t ipa = (1ULL << s2->ia_bits) - HV_PAGE_SIZE;
	hpa_t cur;
	int ret;

	for (unsigned i = 0; i < SMMUV3_MAX_NEST_POOLS && p == NULL; i++) {
		if (u->nest_cds[i].s2 == s2) {
			p = &u->nest_cds[i];
		}
	}
	for (unsigned i = 0; i < SMMUV3_MAX_NEST_POOLS && p == NULL; i++) {
		if (u->nest_cds[i].s2 == NULL) {
			p = &u->nest_cds[i];
			p->used = 0;
		}
	}
	if (p == NULL) {
		return -ENOSPC;
	}
	if (p->cds == NULL) {
		p->cds = page_alloc(0);
		if (p->cds == NULL) {
			return -ENOMEM;
		}
	}
	if (pt_lookup(s2, ipa, &cur, NULL, NULL) != 0 || hpa_val(cur) != hpa_val(ptr_to_hpa(p->cds))) {
		/* Not present -> present: nothing can be cached for it, no invalidation needed. */
		ret = pt_map(s2, ipa, ptr_to_hpa(p->cds), HV_PAGE_SIZE, PT_PROT_READ);
		if (ret) {
			pr_err("smmuv3: %s: cannot map the nested CD page at IPA %#llx (%d)", u->name,
			       (unsigned long long)ipa, ret);
			return ret == -EEXIST ? -ENOSPC : ret;
		}
	}
	p->s2 = s2;
	p->ipa = ipa;
	*out = p;
	return 0;
}

/* ---- IOTLB tags ---- */

static struct smmuv3_tag *tag_find(struct smmuv3_unit *u, uint32_t domain)
{
	for (unsigned i = 0; i < SMMUV3_MAX_TAGS; i++) {
		if (u->tags[i].used && u->tags[i].domain == domain) {
			return &u->tags[i];
		}
	}
	return NULL;
}

static bool tag_in_use(const struct smmuv3_unit *u, const struct smmuv3_tag *t)
{
	for (unsigned i = 0; i < SMMUV3_MAX_ROUTES; i++) {
		const struct smmuv3_route *r = &u->routes[i];

		if (r->used && r->config != STE_CONFIG_ABORT && r->domain == t->domain) {
			return true;
		}
		for (unsigned k = 0; r->used && r->cdtab != NULL && k < SMMUV3_ROUTE_CDS; k++) {
			if (r->cd_used[k].dom == t->domain) {
				return true;
			}
		}
	}
	/* A VMID under a nested ASID is in use while that ASID is. */
	for (unsigned i = 0; t->kind == SMMUV3_TAG_VMID && i < SMMUV3_MAX_TAGS; i++) {
		const struct smmuv3_tag *a = &u->tags[i];

		if (a->used && a->kind == SMMUV3_TAG_ASID && a->vmid == t->domain && tag_in_use(u, a)) {
			return true;
		}
	}
	return false;
}

static struct smmu_cmd tag_inv_all(const struct smmuv3_tag *t)
{
	return t->kind == SMMUV3_TAG_VMID ? smmu_cmd_tlbi_s12_vmall((uint16_t)t->domain)
					  : smmu_cmd_tlbi_nh_asid(t->vmid, (uint16_t)t->domain);
}

/*
 * Remember (or update) a tag. When the table is full, a tag no STE uses is invalidated and
 * forgotten: nothing cached under it remains, so a later flush of it has nothing to do.
 */
int smmuv3_tag_note(struct smmuv3_unit *u, enum smmuv3_tag_kind kind, uint32_t domain, uint16_t vmid, bool nest_parent)
{
	struct smmuv3_tag *t = tag_find(u, domain);

	for (unsigned i = 0; t == NULL && i < SMMUV3_MAX_TAGS; i++) {
		if (!u->tags[i].used) {
			t = &u->tags[i];
		}
	}
	for (unsigned i = 0; t == NULL && i < SMMUV3_MAX_TAGS; i++) {
		if (!tag_in_use(u, &u->tags[i])) {
			struct smmu_cmd c = tag_inv_all(&u->tags[i]);
			int ret = smmuv3_cmds(u, &c, 1);

			if (ret) {
				return ret;
			}
			t = &u->tags[i];
		}
	}
	if (t == NULL) {
		return -ENOSPC;
	}
	nest_parent |= t->used && t->domain == domain && t->nest_parent;
	*t = (struct smmuv3_tag){
		.used = true, .kind = kind, .domain = domain, .vmid = vmid, .nest_parent = nest_parent
	};
	return 0;
}

/* ---- routes and STE updates ---- */

static struct smmuv3_route *route_slot(struct smmuv3_unit *u, uint32_t sid)
{
	struct smmuv3_route *free = NULL;

	for (unsigned i = 0; i < SMMUV3_MAX_ROUTES; i++) {
		if (u->routes[i].used && u->routes[i].sid == sid) {
			return &u->routes[i];
		}
		if (!u->routes[i].used && free == NULL) {
			free = &u->routes[i];
		}
	}
	return free;
}

/* The three-step live update described at the top of this file. */
int smmuv3_ste_write(struct smmuv3_unit *u, uint32_t sid, struct smmu_ste *ste, const struct smmu_ste *new,
		     bool fresh_l2, bool has_cd)
{
	struct smmu_cmd c[2];
	unsigned n = 0;
	int ret;

	if (FIELD_GET(STE_0_CONFIG, ste->d[0]) != STE_CONFIG_ABORT || !(ste->d[0] & STE_0_V)) {
		WRITE_ONCE(ste->d[0], smmu_ste_abort().d[0]);
		smmuv3_sync_to_device(u, ste, sizeof(*ste));
		c[0] = smmu_cmd_cfgi_ste(sid, true);
		ret = smmuv3_cmds(u, c, 1);
		if (ret) {
			return ret;
		}
	}
	for (unsigned i = 1; i < STE_DWORDS; i++) {
		WRITE_ONCE(ste->d[i], new->d[i]);
	}
	smmuv3_sync_to_device(u, ste, sizeof(*ste));
	WRITE_ONCE(ste->d[0], new->d[0]);
	smmuv3_sync_to_device(u, ste, sizeof(*ste));
	/* Leaf=0 after a new L2 table: cached L1 descriptors go too. */
	c[n++] = smmu_cmd_cfgi_ste(sid, !fresh_l2);
	if (has_cd) {
		c[n++] = smmu_cmd_cfgi_cd(sid, 0, true);
	}
	return smmuv3_cmds(u, c, n);
}

static int s2_desc(const struct smmuv3_unit *u, const struct pt_table *t, uint32_t vmid, struct smmu_s2_desc *out)
{
	if (t->fmt != PT_FMT_ARM_S2 || !u->s2p || vmid == 0 || vmid >= SMMUV3_BLOCKED_VMID(u)) {
		return t->fmt != PT_FMT_ARM_S2 || !u->s2p ? -EOPNOTSUPP : -ENOSPC;
	}
	*out = (struct smmu_s2_desc){ .ttb = hpa_val(t->root),
				      .vmid = (uint16_t)vmid,
				      .ia_bits = t->ia_bits,
				      .levels = t->levels,
				      .ps_enc = u->oas_enc,
				      .coherent = u->coherent };
	return 0;
}

/* Build the new STE (and CD) for cfg; allocates the CD slot. Changes nothing visible. */
static int ste_prepare(struct smmuv3_unit *u, const struct ioasid_hw_config *cfg, struct smmu_ste *ste,
		       struct smmuv3_route *nr)
{
	struct smmu_s2_desc s2;
	struct smmu_s1_desc s1;
	struct smmu_cd cd;
	int ret;

	switch (cfg->mode) {
	case IOASID_HW_BLOCKED:
		*ste = u->blocked_ste; /* the route's state stays "abort": nothing reaches memory */
		nr->config = STE_CONFIG_ABORT;
		return 0;
	case IOASID_HW_TABLE:
		nr->domain = cfg->domain;
		if (cfg->table->fmt == PT_FMT_ARM_S2) {
			ret = s2_desc(u, cfg->table, cfg->domain, &s2);
			ret = ret ? ret : smmu_ste_s2(&s2, ste);
			nr->config = STE_CONFIG_S2;
			return ret ? ret : smmuv3_tag_note(u, SMMUV3_TAG_VMID, cfg->domain, s2.vmid, false);
		}
		if (cfg->table->fmt != PT_FMT_ARM_S1 || !u->s1p) {
			return -EOPNOTSUPP;
		}
		if (cfg->domain == 0 || cfg->domain >= SMMUV3_BLOCKED_ASID(u)) {
			return -ENOSPC;
		}
		s1 = (struct smmu_s1_desc){ .ttb0 = hpa_val(cfg->table->root),
					    .asid = (uint16_t)cfg->domain,
					    .ia_bits = cfg->table->ia_bits,
					    .ips_enc = u->oas_enc,
					    .coherent = u->coherent };
		nr->pool = &u->host_cds;
		nr->config = STE_CONFIG_S1;
		break;
	case IOASID_HW_NESTED:
		if (!u->hw_nesting || cfg->s1_fmt != PT_FMT_ARM_S1 || cfg->domain == 0 ||
		    cfg->domain >= SMMUV3_BLOCKED_ASID(u)) {
			return -EOPNOTSUPP;
		}
		/*
		 * The stage 2 is the guest's GPA table; its VMID is that table's own domain
		 * (cfg->s2_domain), shared by every STE over the same GPA table.
		 */
		ret = s2_desc(u, cfg->table, cfg->s2_domain, &s2);
		if (ret) {
			return ret;
		}
		ret = nest_pool_for(u, (struct pt_table *)cfg->table, &nr->pool);
		if (ret) {
			return ret;
		}
		s1 = (struct smmu_s1_desc){ .ttb0 = cfg->s1_root,
					    .asid = (uint16_t)cfg->domain,
					    .ia_bits = pt_fmt_ia_bits(cfg->s1_fmt, cfg->s1_levels),
					    .ips_enc = u->oas_enc,
					    .coherent = u->coherent };
		nr->domain = cfg->domain;
		nr->config = STE_CONFIG_NESTED;
		break;
	default:
		return -EOPNOTSUPP;
	}
	ret = smmu_cd_s1(&s1, &cd);
	if (ret) {
		return ret;
	}
	ret = cd_slot_get(nr->pool, &nr->cd_slot);
	if (ret) {
		return ret;
	}
	nr->pool->cds[nr->cd_slot] = cd;
	smmuv3_sync_to_device(u, &nr->pool->cds[nr->cd_slot], sizeof(cd));
	if (nr->config == STE_CONFIG_S1) {
		*ste = smmu_ste_s1(cd_pool_addr(nr->pool, nr->cd_slot), SMMUV3_S1_VMID, u->coherent);
		ret = smmuv3_tag_note(u, SMMUV3_TAG_ASID, cfg->domain, SMMUV3_S1_VMID, false);
	} else {
		ret = smmu_ste_nested(cd_pool_addr(nr->pool, nr->cd_slot), &s2, ste);
		ret = ret ? ret : smmuv3_tag_note(u, SMMUV3_TAG_VMID, s2.vmid, s2.vmid, true);
		ret = ret ? ret : smmuv3_tag_note(u, SMMUV3_TAG_ASID, cfg->domain, s2.vmid, false);
	}
	if (ret) {
		cd_slot_put(nr->pool, nr->cd_slot);
	}
	return ret;
}

/* ---- backend ops ---- */

static int smmuv3_get_caps(struct hv_iommu *iommu, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	struct smmuv3_unit *u = unit_of(iommu);

	(void)d;
	*caps = (struct ioasid_dev_caps){
		/* 4 KiB granule: 2 MiB and 1 GiB blocks at levels 2 and 1 (both stages). */
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
		.ia_bits = u->ia_bits,
		/* CD tables for PASIDs with stage-1 STEs only (QEMU 10: SSIDSIZE=0, none). */
		.pasid_bits = u->pasid_bits,
		.paging_fmt = u->paging_fmt,
		.nested_fmts = u->s1p ? 1U << PT_FMT_ARM_S1 : 0,
		.hw_nesting = u->hw_nesting,
		.coherent = u->coherent,
	};
	return 0;
}

static int smmuv3_install(struct hv_iommu *iommu, const struct hv_device *d, bool has_pasid, uint32_t pasid,
			  const struct ioasid_hw_config *cfg)
{
	struct smmuv3_unit *u = unit_of(iommu);
	struct smmuv3_route *r, nr;
	struct smmu_ste new, *ste;
	bool fresh_l2 = false;
	int ret;

	if (has_pasid && u->pasid_bits == 0) {
		return -EOPNOTSUPP;
	}
	r = route_slot(u, d->rid);
	if (r == NULL) {
		return -ENOSPC;
	}
	if (has_pasid || (r->used && r->cdtab != NULL)) {
		return smmuv3_install_cdtab(u, r, d->rid, has_pasid, pasid, cfg);
	}
	nr = (struct smmuv3_route){ .used = true, .sid = d->rid };
	ret = ste_prepare(u, cfg, &new, &nr);
	if (ret) {
		return ret;
	}
	ste = smmuv3_ste_ptr(u, d->rid, cfg->mode != IOASID_HW_BLOCKED, &fresh_l2);
	if (ste == NULL && cfg->mode == IOASID_HW_BLOCKED && d->rid < (1ULL << u->st_log2)) {
		/* No L2 table (L1 SPAN=0): the SMMU aborts the stream already. */
		*r = nr;
		return 0;
	}
	if (ste == NULL) {
		ret = d->rid >= (1ULL << u->st_log2) ? -EINVAL : -ENOMEM;
		goto undo;
	}
	ret = smmuv3_ste_write(u, d->rid, ste, &new, fresh_l2, nr.pool != NULL);
	if (ret) {
		/* The STE may now abort; an abort STE is what the core assumes after a failure. */
		pr_err("smmuv3: %s: STE update for sid %#x failed (%d)", u->name, d->rid, ret);
		goto undo;
	}
	if (r->used && r->pool != NULL) {
		cd_slot_put(r->pool, r->cd_slot);
	}
	*r = nr;
	return 0;
undo:
	if (nr.pool != NULL) {
		cd_slot_put(nr.pool, nr.cd_slot);
	}
	return ret;
}

static int smmuv3_flush_domain(struct hv_iommu *iommu, uint32_t domain)
{
	struct smmuv3_unit *u = unit_of(iommu);
	struct smmuv3_tag *t = tag_find(u, domain);
	struct smmu_cmd c;

	if (t == NULL) {
		return 0; /* never installed here: nothing can be cached under it */
	}
	c = tag_inv_all(t);
	return smmuv3_cmds(u, &c, 1);
}

/*
 * TLBI commands for every range of r[], then one CMD_SYNC (smmuv3_cmds()): one submission, one
 * wait, whatever the number of ranges. More than SMMUV3_TLBI_MAX_CMDS: the whole tag instead.
 */
static int smmuv3_flush_ranges(struct hv_iommu *iommu, uint32_t domain, const struct pt_range *r, unsigned nr,
			       bool leaf)
{
	struct smmuv3_unit *u = unit_of(iommu);
	struct smmuv3_tag *t = tag_find(u, domain);
	struct smmu_tlbi_range rg[SMMUV3_TLBI_MAX_CMDS];
	struct smmu_cmd c[SMMUV3_TLBI_MAX_CMDS + 1];
	unsigned n = 0, k = 0;

	if (t == NULL) {
		return 0;
	}
	for (unsigned i = 0; i < nr && n <= SMMUV3_TLBI_MAX_CMDS; i++) {
		/* more than the room left comes back as room + 1: n then exceeds the maximum */
		n += smmu_tlbi_chunks(r[i].start, r[i].end, u->ril, &rg[n], SMMUV3_TLBI_MAX_CMDS - n);
	}
	if (n == 0) {
		return 0;
	}
	if (n > SMMUV3_TLBI_MAX_CMDS) {
		return smmuv3_flush_domain(iommu, domain);
	}
	for (unsigned i = 0; i < n; i++) {
		c[k++] = t->kind == SMMUV3_TAG_VMID ? smmu_cmd_tlbi_s2_ipa((uint16_t)domain, &rg[i], leaf)
						    : smmu_cmd_tlbi_nh_va(t->vmid, (uint16_t)domain, &rg[i], leaf);
	}
	if (t->kind == SMMUV3_TAG_VMID && t->nest_parent) {
		c[k++] = smmu_cmd_tlbi_nh_all((uint16_t)domain);
	}
	return smmuv3_cmds(u, c, k);
}

static int smmuv3_flush_range(struct hv_iommu *iommu, uint32_t domain, uint64_t start, uint64_t end, bool leaf)
{
	struct pt_range r = { start, end };

	return smmuv3_flush_ranges(iommu, domain, &r, 1, leaf);
}

const struct ioasid_backend_ops smmuv3_backend_ops = {
	.get_caps = smmuv3_get_caps,
	.install = smmuv3_install,
	.flush_range = smmuv3_flush_range,
	.flush_ranges = smmuv3_flush_ranges,
	.flush_domain = smmuv3_flush_domain,
};
