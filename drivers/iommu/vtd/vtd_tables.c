// SPDX-License-Identifier: MIT
/*
 * VT-d translation structures and the IOASID backend ops (ioasid/backend.h).
 *
 * Legacy mode (spec 9.1, 9.3): root table -> one context table per bus -> 128-bit context
 * entry per devfn with TT=0, SLPTPTR = the core's second-level table, DID = the core's domain.
 * Scalable mode (spec 9.2, 9.4-9.6): root entry -> two context tables per bus (devfn 0-127 and
 * 128-255) -> 256-bit context entry with the device's PASID directory (one page, PDTS=2) ->
 * PASID tables of 64 entries; the RID_PASID entry (PASID 0) carries requests without PASID.
 * PASID entries use PGTT=2 (second level) or, on units that only have ECAP.FLTS, PGTT=1 (first
 * level, x86-64 format built by the core's engine).
 *
 * Blocked = context entry (legacy) or PASID entry (scalable) not present: the request faults
 * with reason 2 / 0x59 and is reported (FPD=0 in every present entry above it).
 *
 * Requester-ID aliases (docs/VTD.md): a device behind a PCIe-to-PCI bridge reaches the unit
 * with the bridge's ID (secondary bus, devfn 0). The core hands each device's aliases over in
 * hv_device.alias_rids (our rid_aliases op computes them from the PCI enumeration); every
 * RID install or block writes the same entry for the own RID and each alias, so the alias is
 * never left routed to a previous owner, and each alias has its own route for fault decoding.
 *
 * Replacing a live entry (attach over an attachment, spec 6.5.3.3 and 9.3/9.6): the entry is
 * wider than one atomic store, and the hardware may fetch it in more than one access, so a walk
 * could combine old and new halves (e.g. the new DID with the old table: translations of the old
 * table cached under the new tag). We therefore
 *   1. clear the qword holding P (P=0: requests now fault, they never bypass),
 *   2. invalidate the context/PASID cache for that entry and the old domain's IOTLB, and wait,
 *   3. write every other qword, then the qword holding P=1 last,
 *   4. invalidate the context/PASID cache again (needed under caching mode, harmless without).
 * Between 1 and 3 the device's DMA is blocked and faults; at no point is it untranslated.
 *
 * ECAP.C=0 (QEMU): walks do not snoop CPU caches, so every table write is cleaned
 * (arch_dcache_clean) before the invalidation that makes it visible; the core's tables are built
 * with pt_table.coherent = false for the same reason.
 */
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pci.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"

#define VTD_PSI_MAX_CHUNKS 16 /* more page-selective descriptors than this: one DSI instead */

static struct vtd_unit *unit_of(struct hv_iommu *iommu)
{
	return iommu->priv;
}

/* Make a table write visible to the unit's walks: a cache clean unless ECAP.C (spec 11.4.3). */
static void vtd_clean(const struct vtd_unit *u, const void *p, size_t len)
{
	if (!u->coherent) {
		arch_dcache_clean(p, len);
	}
}

static bool vtd_drain(const struct vtd_unit *u)
{
	return (u->cap & (VTD_CAP_DRD | VTD_CAP_DWD)) != 0;
}

int vtd_tables_init(struct vtd_unit *u)
{
	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		u->routes[i] = (struct vtd_route){ 0 };
	}
	return 0;
}

/* The context table(s) of a bus, allocated and linked from the root entry on first use. */
static void *vtd_ctx_table(struct vtd_unit *u, unsigned bus)
{
	struct vtd_root_entry *re = &u->root[bus];
	unsigned order = u->scalable ? 1 : 0;
	void *t = u->ctx[bus];

	if (t != NULL) {
		return t;
	}
	t = page_alloc(order);
	if (t == NULL) {
		return NULL;
	}
	vtd_clean(u, t, HV_PAGE_SIZE << order);
	u->ctx[bus] = t;
	/* Not present -> present needs no invalidation unless CAP.CM; the caller flushes anyway. */
	if (u->scalable) {
		re->hi = (hpa_val(ptr_to_hpa(t)) + HV_PAGE_SIZE) | VTD_SRE_UP;
		re->lo = hpa_val(ptr_to_hpa(t)) | VTD_SRE_LP;
	} else {
		re->hi = 0;
		re->lo = hpa_val(ptr_to_hpa(t)) | VTD_RE_P;
	}
	vtd_clean(u, re, sizeof(*re));
	return t;
}

struct vtd_route *vtd_route_find(struct vtd_unit *u, uint16_t sid, uint32_t pasid)
{
	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		if (u->routes[i].used && u->routes[i].sid == sid && u->routes[i].pasid == pasid) {
			return &u->routes[i];
		}
	}
	return NULL;
}

struct vtd_route *vtd_route_slot(struct vtd_unit *u, uint16_t sid, uint32_t pasid)
{
	struct vtd_route *r = vtd_route_find(u, sid, pasid);

	for (unsigned i = 0; r == NULL && i < VTD_MAX_ROUTES; i++) {
		if (!u->routes[i].used) {
			r = &u->routes[i];
		}
	}
	return r;
}

/* ---- legacy mode ---------------------------------------------------------------------------- */

/* Replace sid's context entry by ne (not present: blocked) in the order described in docs/VTD.md. */
int vtd_write_ce(struct vtd_unit *u, uint16_t sid, struct vtd_context_entry ne, uint16_t did)
{
	struct vtd_context_entry *ctab = vtd_ctx_table(u, sid >> 8);
	struct vtd_context_entry *ce;
	struct vtd_inv_desc d[2];
	int ret;

	if (ctab == NULL) {
		return -ENOMEM;
	}
	ce = &ctab[sid & 0xff];
	if (ce->lo & VTD_CE_P) {
		uint16_t old_did = (uint16_t)FIELD_GET(VTD_CE_DID, ce->hi);

		WRITE_ONCE(ce->lo, 0);
		vtd_clean(u, ce, sizeof(*ce));
		d[0] = vtd_desc_cc_device(old_did, sid);
		d[1] = vtd_desc_iotlb_domain(old_did, vtd_drain(u));
		ret = vtd_qi_submit(u, d, 2);
		if (ret) {
			return ret;
		}
	}
	WRITE_ONCE(ce->hi, ne.hi);
	vtd_clean(u, ce, sizeof(*ce));
	if (!(ne.lo & VTD_CE_P)) {
		return 0; /* blocked: stays not present */
	}
	WRITE_ONCE(ce->lo, ne.lo);
	vtd_clean(u, ce, sizeof(*ce));
	d[0] = vtd_desc_cc_device(did, sid);
	return vtd_qi_submit(u, d, 1);
}

static int vtd_install_legacy(struct vtd_unit *u, uint16_t sid, const struct ioasid_hw_config *cfg)
{
	struct vtd_context_entry ne = { 0, 0 };

	if (cfg->mode == IOASID_HW_TABLE) {
		ne = vtd_ce_translate(cfg->table->root, (uint16_t)cfg->domain, vtd_aw_for_levels(cfg->table->levels));
	}
	return vtd_write_ce(u, sid, ne, (uint16_t)cfg->domain);
}

/* ---- scalable mode -------------------------------------------------------------------------- */

/* The PASID entry of (sid, pasid); allocates the directory and PASID table on first use. */
struct vtd_pasid_entry *vtd_pasid_entry(struct vtd_unit *u, uint16_t sid, uint32_t pasid, bool alloc)
{
	struct vtd_sm_context_entry *ctab = vtd_ctx_table(u, sid >> 8);
	struct vtd_sm_context_entry *ce;
	uint64_t *dir, *pde;
	struct vtd_pasid_entry *pt;

	if (ctab == NULL) {
		return NULL;
	}
	ce = &ctab[sid & 0xff]; /* devfn 128-255 continue into the second page */
	if (!(ce->val[0] & VTD_SMCE_P)) {
		struct vtd_sm_context_entry nce;

		if (!alloc) {
			return NULL;
		}
		dir = page_alloc(0);
		if (dir == NULL) {
			return NULL;
		}
		vtd_clean(u, dir, HV_PAGE_SIZE);
		nce = vtd_smce(ptr_to_hpa(dir), VTD_RID_PASID);
		for (unsigned i = 1; i < 4; i++) {
			ce->val[i] = nce.val[i];
		}
		WRITE_ONCE(ce->val[0], nce.val[0]);
		vtd_clean(u, ce, sizeof(*ce));
	}
	dir = hpa_to_ptr(hpa(ce->val[0] & VTD_SMCE_PDIRPTR));
	if ((pasid >> VTD_PASID_DIR_SHIFT) >= HV_PAGE_SIZE / sizeof(uint64_t)) {
		return NULL;
	}
	pde = &dir[pasid >> VTD_PASID_DIR_SHIFT];
	if (!(*pde & VTD_PDE_P)) {
		if (!alloc) {
			return NULL;
		}
		pt = page_alloc(0);
		if (pt == NULL) {
			return NULL;
		}
		vtd_clean(u, pt, HV_PAGE_SIZE);
		WRITE_ONCE(*pde, hpa_val(ptr_to_hpa(pt)) | VTD_PDE_P);
		vtd_clean(u, pde, sizeof(*pde));
	}
	pt = hpa_to_ptr(hpa(*pde & VTD_PDE_PTPTR));
	return &pt[pasid % VTD_PASID_PER_TABLE];
}

/* Replace the PASID entry of (sid, pasid) by ne (not present: blocked), docs/VTD.md order. */
int vtd_write_pe(struct vtd_unit *u, uint16_t sid, uint32_t pasid, struct vtd_pasid_entry ne, uint16_t did)
{
	struct vtd_pasid_entry *pe = vtd_pasid_entry(u, sid, pasid, (ne.val[0] & VTD_PE_P) != 0);
	struct vtd_inv_desc d[4];
	int ret;

	if (pe == NULL) {
		/* Nothing to block (never installed) or no memory to install. */
		return (ne.val[0] & VTD_PE_P) ? -ENOMEM : 0;
	}
	if (pe->val[0] & VTD_PE_P) {
		uint16_t old_did = (uint16_t)FIELD_GET(VTD_PE_DID, pe->val[1]);
		bool was_pt = FIELD_GET(VTD_PE_PGTT, pe->val[0]) == VTD_PGTT_PT;
		unsigned nd = 3;

		WRITE_ONCE(pe->val[0], 0);
		vtd_clean(u, pe, sizeof(*pe));
		/*
		 * spec 6.5.3.3: PASID cache (PASID-selective), then the old mappings: PASID-based
		 * IOTLB for first-level, domain-selective IOTLB for second-level entries. QEMU
		 * re-reads PASID entries on every miss, so it would not notice a missing PASID-cache
		 * flush; we issue it anyway.
		 */
		d[0] = vtd_desc_pc_pasid(old_did, pasid);
		d[1] = vtd_desc_piotlb_pasid(old_did, pasid);
		d[2] = vtd_desc_iotlb_domain(old_did, vtd_drain(u));
		/*
		 * Leaving pass-through: QEMU 10 decides pass-through per device and revisits that
		 * only on a context-cache invalidation (its address-space switch); without one the
		 * device would keep bypassing translation. Not required by the spec, harmless.
		 */
		if (was_pt) {
			d[nd++] = vtd_desc_cc_device(old_did, sid);
		}
		ret = vtd_qi_submit(u, d, nd);
		if (ret) {
			return ret;
		}
	}
	if (!(ne.val[0] & VTD_PE_P)) {
		return 0;
	}
	for (unsigned i = 1; i < 8; i++) {
		WRITE_ONCE(pe->val[i], ne.val[i]);
	}
	vtd_clean(u, pe, sizeof(*pe));
	WRITE_ONCE(pe->val[0], ne.val[0]);
	vtd_clean(u, pe, sizeof(*pe));
	d[0] = vtd_desc_pc_pasid(did, pasid);
	/* A context entry may have just become present (CM=1 caches not-present entries). */
	d[1] = vtd_desc_cc_device(did, sid);
	return vtd_qi_submit(u, d, 2);
}

static int vtd_install_scalable(struct vtd_unit *u, uint16_t sid, uint32_t pasid, const struct ioasid_hw_config *cfg)
{
	struct vtd_pasid_entry ne = { { 0 } };

	if (cfg->mode == IOASID_HW_NESTED) {
		ne = vtd_pe_nested(cfg->table->root, cfg->s1_root, (uint16_t)cfg->domain,
				   vtd_aw_for_levels(cfg->table->levels));
	} else if (cfg->mode == IOASID_HW_TABLE) {
		ne = u->first_level ? vtd_pe_first_level(cfg->table->root, (uint16_t)cfg->domain)
				    : vtd_pe_second_level(cfg->table->root, (uint16_t)cfg->domain,
							  vtd_aw_for_levels(cfg->table->levels));
	}
	return vtd_write_pe(u, sid, pasid, ne, (uint16_t)cfg->domain);
}

/* ---- backend ops ---------------------------------------------------------------------------- */

static bool vtd_hw_nesting(const struct vtd_unit *u)
{
	const uint64_t need = VTD_ECAP_NEST | VTD_ECAP_FLTS | VTD_ECAP_SLTS;

	return u->scalable && !u->first_level && (u->ecap & need) == need;
}

static int vtd_get_caps(struct hv_iommu *iommu, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	struct vtd_unit *u = unit_of(iommu);
	uint64_t sllps = FIELD_GET(VTD_CAP_SLLPS, u->cap);
	enum pt_format fmt = u->first_level ? PT_FMT_VTD_FL : PT_FMT_VTD_SL;

	(void)d;
	*caps = (struct ioasid_dev_caps){
		.pgsize_bitmap = SZ_4K,
		/* The format's width (pt.h): 39/48 second-level, 47 first-level (canonical, 3.6). */
		.ia_bits = pt_fmt_ia_bits(fmt, u->levels),
		.paging_fmt = fmt,
		/* Guest first-level tables are shadowed into paging_fmt by the core. */
		.nested_fmts = 1U << PT_FMT_VTD_FL,
		/*
		 * Nested PASID entries (PGTT=011b) when the unit has them (ECAP.NEST with both
		 * first- and second-level support, scalable mode) and our tables are second-level:
		 * the guest's first-level table is walked by the hardware over our GPA table. QEMU
		 * 10 has none (notes 1.2): there the core shadows.
		 */
		.hw_nesting = vtd_hw_nesting(u),
		.coherent = u->coherent,
	};
	if (u->first_level) {
		caps->pgsize_bitmap |= SZ_2M | ((u->cap & VTD_CAP_FL1GP) ? SZ_1G : 0);
	} else {
		caps->pgsize_bitmap |= ((sllps & 1) ? SZ_2M : 0) | ((sllps & 2) ? SZ_1G : 0);
	}
	if (u->scalable && (u->ecap & VTD_ECAP_PASID)) {
		unsigned pss = (unsigned)FIELD_GET(VTD_ECAP_PSS, u->ecap) + 1;

		/* One directory page: 512 x 64 PASIDs = 15 bits. */
		caps->pasid_bits = pss < 15 ? pss : 15;
	}
	return 0;
}

/* The table (TABLE; NESTED: the second level) is in our format and depth; the DID in range. */
static int vtd_table_ok(const struct vtd_unit *u, const struct ioasid_hw_config *cfg)
{
	if (cfg->table->fmt != (u->first_level ? PT_FMT_VTD_FL : PT_FMT_VTD_SL) || cfg->table->levels != u->levels) {
		return -EOPNOTSUPP;
	}
	/* The core's domain numbers are the DIDs; DID 0 is reserved under caching mode. */
	return cfg->domain == 0 || cfg->domain >= u->nr_domains ? -ENOSPC : 0;
}

/* Write one (sid, PASID) entry and record its route (the slot was reserved by vtd_prepare). */
static int vtd_install_sid(struct vtd_unit *u, uint16_t sid, bool has_pasid, uint32_t hw_pasid,
			   const struct ioasid_hw_config *cfg)
{
	struct vtd_route *r = vtd_route_slot(u, sid, hw_pasid);
	int ret;

	if (r == NULL) {
		return -ENOSPC;
	}
	if (u->scalable) {
		ret = vtd_install_scalable(u, sid, hw_pasid, cfg);
	} else {
		ret = vtd_install_legacy(u, sid, cfg);
	}
	if (ret == 0 && has_pasid && cfg->mode == IOASID_HW_BLOCKED) {
		/* A blocked PASID is no route at all (RID routes stay: they classify faults). */
		*r = (struct vtd_route){ 0 };
	} else if (ret == 0) {
		bool nested = cfg->mode == IOASID_HW_NESTED;

		*r = (struct vtd_route){ .used = true,
					 .sid = sid,
					 .pasid = hw_pasid,
					 .did = cfg->mode != IOASID_HW_BLOCKED ? (uint16_t)cfg->domain : 0,
					 /* nested: IOVAs are the guest's stage-1 inputs, not this table's */
					 .table = cfg->mode == IOASID_HW_TABLE ? cfg->table : NULL,
					 .nested = nested,
					 .s2_did = nested ? (uint16_t)cfg->s2_domain : 0 };
	}
	return ret;
}

/*
 * The SIDs an install writes: the device's own RID, and for requests without PASID each of its
 * DMA aliases (d->alias_rids: a bridge above it takes ownership of its requests, include/hv/
 * pci.h). PASID-tagged requests carry an end-to-end TLP prefix no conventional PCI segment
 * can forward, so PASID entries are installed for the own RID only.
 */
static int vtd_install_sids(const struct hv_device *d, bool has_pasid, uint16_t *sids)
{
	unsigned n = 0;

	if (d->rid > 0xffff || d->nr_alias_rids > HV_DEV_MAX_ALIASES) {
		return -EINVAL;
	}
	sids[n++] = (uint16_t)d->rid;
	for (unsigned i = 0; i < d->nr_alias_rids && !has_pasid; i++) {
		if (d->alias_rids[i] > 0xffff) {
			return -EINVAL;
		}
		if (d->alias_rids[i] != d->rid) {
			sids[n++] = (uint16_t)d->alias_rids[i];
		}
	}
	return (int)n;
}

/*
 * Prepare (Hafnium's prepare/commit): every route slot and every table page the n entries need
 * exist before the first entry changes, so an install over several SIDs fails on lack of
 * memory or slots with no SID changed. What remains to fail is the invalidation queue itself
 * (-EIO/-ETIMEDOUT), after which the unit takes no further command anyway.
 */
static int vtd_prepare(struct vtd_unit *u, const uint16_t *sids, unsigned n, uint32_t hw_pasid, bool present)
{
	unsigned need = 0, free = 0;

	for (unsigned i = 0; i < n; i++) {
		need += vtd_route_find(u, sids[i], hw_pasid) == NULL;
	}
	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		free += !u->routes[i].used;
	}
	if (need > free) {
		return -ENOSPC;
	}
	for (unsigned i = 0; i < n; i++) {
		/* Legacy blocking also writes into the bus's context table; scalable needs none. */
		if (u->scalable ? present && vtd_pasid_entry(u, sids[i], hw_pasid, true) == NULL
				: vtd_ctx_table(u, sids[i] >> 8) == NULL) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int vtd_install(struct hv_iommu *iommu, const struct hv_device *d, bool has_pasid, uint32_t pasid,
		       const struct ioasid_hw_config *cfg)
{
	struct vtd_unit *u = unit_of(iommu);
	uint32_t hw_pasid = has_pasid ? pasid : VTD_RID_PASID;
	uint16_t sids[1 + HV_DEV_MAX_ALIASES];
	int ret, n;

	n = vtd_install_sids(d, has_pasid, sids);
	if (n < 0) {
		return n;
	}
	switch (cfg->mode) {
	case IOASID_HW_BLOCKED:
		break;
	case IOASID_HW_NESTED:
		/* the stage 2 is our second-level GPA table; the guest's stage 1 is 4-level (FLPM=0) */
		if (!vtd_hw_nesting(u) || cfg->s1_fmt != PT_FMT_VTD_FL || cfg->s1_levels != 4 || cfg->s2_domain == 0 ||
		    cfg->s2_domain >= u->nr_domains) {
			return -EOPNOTSUPP;
		}
		ret = vtd_table_ok(u, cfg);
		if (ret) {
			return ret;
		}
		break;
	case IOASID_HW_TABLE:
		ret = vtd_table_ok(u, cfg);
		if (ret) {
			return ret;
		}
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (has_pasid && (!u->scalable || pasid == VTD_RID_PASID ||
			  pasid >= VTD_PASID_PER_TABLE * (HV_PAGE_SIZE / sizeof(uint64_t)))) {
		return -EOPNOTSUPP;
	}
	ret = vtd_prepare(u, sids, (unsigned)n, hw_pasid, cfg->mode != IOASID_HW_BLOCKED);
	/* Aliases first: the own RID (what GET_INFO and the debug walks name) changes last. */
	for (int i = n - 1; ret == 0 && i >= 0; i--) {
		ret = vtd_install_sid(u, sids[i], has_pasid, hw_pasid, cfg);
	}
	return ret;
}

/*
 * The device's DMA aliases on this segment (include/hv/pci.h: PCIe-to-PCI and conventional
 * bridges above it), from the boot enumeration. A function enumeration did not record has only
 * its own RID; the configuration cannot name such a function (config_validate).
 */
static int vtd_rid_aliases(struct hv_iommu *iommu, const struct hv_device *d, uint32_t *rids, unsigned max)
{
	const struct pci_dev *p = pci_find(&hv_pci, d->segment, (uint8_t)(d->bdf >> 8), (uint8_t)d->bdf);
	uint16_t a[PCI_MAX_DMA_ALIASES];
	unsigned n = 0;
	int k;

	(void)iommu;
	if (p == NULL) {
		return 0;
	}
	k = pci_dma_aliases(p, a, PCI_MAX_DMA_ALIASES);
	for (int i = 1; i < k; i++) {
		if (a[i] == d->rid) {
			continue;
		}
		if (n == max) {
			return -E2BIG;
		}
		rids[n++] = a[i];
	}
	return k < 0 ? k : (int)n;
}

/*
 * Second-level mappings (legacy, and scalable PGTT=2) are invalidated with IOTLB descriptors
 * tagged by DID; first-level ones (PGTT=1) with PASID-based IOTLB descriptors, which also name
 * the PASID (spec 6.5.2.4): one set per PASID the domain is installed on. A domain that is no
 * longer installed anywhere was flushed when its last entry was replaced.
 */
static unsigned vtd_domain_pasids(struct vtd_unit *u, uint16_t did, uint32_t *pasids)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		const struct vtd_route *r = &u->routes[i];
		bool seen = false;

		if (!r->used || r->did != did) {
			continue;
		}
		for (unsigned k = 0; k < n; k++) {
			seen |= pasids[k] == r->pasid;
		}
		if (!seen) {
			pasids[n++] = r->pasid;
		}
	}
	return n;
}

/*
 * Device-TLB invalidations for the ATS routes of did (spec 6.5.2.5/6.5.2.7), in a batch of their
 * own after the IOTLB batch has completed, so a device refetching after its invalidation finds
 * the IOTLB already clean. One descriptor per chunk and route, or one "everything" descriptor
 * per route when chunks is NULL or that would not fit (at most VTD_MAX_ROUTES, which the queue
 * always holds).
 */
static int vtd_flush_devtlb(struct vtd_unit *u, uint16_t did, const struct vtd_psi_chunk *c, unsigned nc)
{
	struct vtd_inv_desc d[VTD_MAX_ROUTES];
	unsigned n = 0, nats = 0;

	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		nats += u->routes[i].used && u->routes[i].did == did && u->routes[i].ats;
	}
	if (nats == 0) {
		return 0;
	}
	if (c == NULL || nats * nc > VTD_MAX_ROUTES) {
		nc = 1;
		c = NULL;
	}
	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		const struct vtd_route *r = &u->routes[i];

		if (!r->used || r->did != did || !r->ats) {
			continue;
		}
		for (unsigned k = 0; k < nc; k++) {
			uint64_t addr = c != NULL ? c[k].addr : 0;
			unsigned am = c != NULL ? c[k].am : VTD_DEVTLB_ALL;

			/* PFSID = SID: a physical function (no SR-IOV virtual functions are assigned). */
			d[n++] = r->pasid == VTD_RID_PASID
					 ? vtd_desc_devtlb(r->sid, r->sid, r->ats_qdep, addr, am)
					 : vtd_desc_pdevtlb(r->sid, r->sid, r->ats_qdep, r->pasid, addr, am);
		}
	}
	return vtd_qi_submit(u, d, n);
}

/* did tags nested (PGTT=011b) translations: they are PASID-tagged, like first-level ones. */
static bool vtd_did_pasid_tagged(const struct vtd_unit *u, uint16_t did)
{
	for (unsigned i = 0; !u->first_level && i < VTD_MAX_ROUTES; i++) {
		if (u->routes[i].used && u->routes[i].did == did && u->routes[i].nested) {
			return true;
		}
	}
	return u->first_level;
}

/*
 * A change to second-level table s2_did also changes every nested translation built on it,
 * which the hardware tags with the nested entry's DID and PASID (spec 6.5.2.4): retire those
 * too, all of each (PASID-selective), in a batch of their own.
 */
static int vtd_flush_nested_over(struct vtd_unit *u, uint16_t s2_did)
{
	struct vtd_inv_desc d[VTD_MAX_ROUTES];
	unsigned n = 0;

	for (unsigned i = 0; i < VTD_MAX_ROUTES; i++) {
		const struct vtd_route *r = &u->routes[i];

		if (r->used && r->nested && r->s2_did == s2_did) {
			d[n++] = vtd_desc_piotlb_pasid(r->did, r->pasid);
		}
	}
	return n != 0 ? vtd_qi_submit(u, d, n) : 0;
}

static int vtd_flush_domain(struct hv_iommu *iommu, uint32_t domain)
{
	struct vtd_unit *u = unit_of(iommu);
	struct vtd_inv_desc d[VTD_MAX_ROUTES + 1];
	uint32_t pasids[VTD_MAX_ROUTES];
	unsigned n = 0, np;
	int ret;

	if (domain == 0 || domain >= u->nr_domains) {
		return 0; /* never installed on this unit: nothing can be cached under it */
	}
	if (vtd_did_pasid_tagged(u, (uint16_t)domain)) {
		np = vtd_domain_pasids(u, (uint16_t)domain, pasids);
		for (unsigned k = 0; k < np; k++) {
			d[n++] = vtd_desc_piotlb_pasid((uint16_t)domain, pasids[k]);
		}
	}
	d[n++] = vtd_desc_iotlb_domain((uint16_t)domain, vtd_drain(u));
	ret = vtd_qi_submit(u, d, n);
	ret = ret ? ret : vtd_flush_nested_over(u, (uint16_t)domain);
	return ret ? ret : vtd_flush_devtlb(u, (uint16_t)domain, NULL, 0);
}

/*
 * Page-selective invalidations of every range of rg[] (for each PASID the domain is tagged
 * with), all in one vtd_qi_submit(): one batch ending in one wait descriptor. More than
 * VTD_PSI_MAX_CHUNKS descriptors: one domain-selective invalidation instead. Nested
 * translations over the domain and ATS device TLBs, where there are any, take a batch each.
 */
static int vtd_flush_ranges(struct hv_iommu *iommu, uint32_t domain, const struct pt_range *rg, unsigned nr, bool leaf)
{
	struct vtd_unit *u = unit_of(iommu);
	struct vtd_psi_chunk c[VTD_PSI_MAX_CHUNKS];
	struct vtd_inv_desc d[VTD_PSI_MAX_CHUNKS];
	uint32_t pasids[VTD_MAX_ROUTES];
	unsigned n = 0, np = 1;
	bool tagged;
	int ret;

	if (domain == 0 || domain >= u->nr_domains) {
		return 0;
	}
	for (unsigned i = 0; i < nr && n <= VTD_PSI_MAX_CHUNKS; i++) {
		/* more than the room left comes back as room + 1: n then exceeds the maximum */
		if (rg[i].end <= rg[i].start) {
			continue;
		}
		n += vtd_psi_chunks(rg[i].start, rg[i].end, (unsigned)FIELD_GET(VTD_CAP_MAMV, u->cap), &c[n],
				    VTD_PSI_MAX_CHUNKS - n);
	}
	if (n == 0) {
		return 0;
	}
	tagged = vtd_did_pasid_tagged(u, (uint16_t)domain);
	if (tagged) {
		np = vtd_domain_pasids(u, (uint16_t)domain, pasids);
		if (np == 0) {
			return 0; /* installed nowhere: see above */
		}
	}
	if (!(u->cap & VTD_CAP_PSI) || n * np > VTD_PSI_MAX_CHUNKS) {
		return vtd_flush_domain(iommu, domain);
	}
	for (unsigned k = 0; k < np; k++) {
		for (unsigned i = 0; i < n; i++) {
			/* IH (leaf only) lets the hardware keep cached non-leaf entries (6.5.2.2). */
			d[k * n + i] =
				tagged ? vtd_desc_piotlb_page((uint16_t)domain, pasids[k], c[i].addr, c[i].am, leaf)
				       : vtd_desc_iotlb_page((uint16_t)domain, c[i].addr, c[i].am, leaf, vtd_drain(u));
		}
	}
	ret = vtd_qi_submit(u, d, n * np);
	ret = ret ? ret : vtd_flush_nested_over(u, (uint16_t)domain);
	return ret ? ret : vtd_flush_devtlb(u, (uint16_t)domain, c, n);
}

static int vtd_flush_range(struct hv_iommu *iommu, uint32_t domain, uint64_t start, uint64_t end, bool leaf)
{
	struct pt_range r = { start, end };

	return vtd_flush_ranges(iommu, domain, &r, 1, leaf);
}

/*
 * Caching mode (CAP.CM, spec 6.1 "Caching Mode"): the unit may cache not-present and erroneous
 * entries (a virtual IOMMU does, so that its host learns of every new mapping), so software
 * must invalidate after making an entry present exactly as after changing one: a page-selective
 * IOTLB invalidation of the range (PASID-based for first-level and nested translations; one
 * domain-selective one when the range needs too many), non-leaf, because a MAP may also have
 * made table entries present and those are cached in the paging-structure caches. Context and
 * PASID entries that become present get their context/PASID-cache invalidation in vtd_write_ce()
 * and vtd_write_pe() whatever CM says. Without CM a not-present entry is never cached (6.1) and
 * a MAP costs no invalidation.
 */
static int vtd_flush_after_map(struct hv_iommu *iommu, uint32_t domain, uint64_t start, uint64_t end)
{
	struct vtd_unit *u = unit_of(iommu);

	if (!(u->cap & VTD_CAP_CM)) {
		return 0;
	}
	return vtd_flush_range(iommu, domain, start, end, false);
}

const struct ioasid_backend_ops vtd_backend_ops = {
	.get_caps = vtd_get_caps,
	.install = vtd_install,
	.flush_range = vtd_flush_range,
	.flush_ranges = vtd_flush_ranges,
	.flush_domain = vtd_flush_domain,
	.flush_after_map = vtd_flush_after_map,
	.rid_aliases = vtd_rid_aliases,
};
