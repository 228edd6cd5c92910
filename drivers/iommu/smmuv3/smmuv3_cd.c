// SPDX-License-Identifier: MIT
/*
 * SMMUv3 CD tables for SubstreamIDs (PASIDs): a stream whose device has PASIDs attached gets a
 * table of 2^pasid_bits context descriptors (spec 3.3.2 CD lookup; 5.2 S1Fmt, S1CDMax, S1DSS;
 * 5.3 L1CD; 5.4 CD): linear (S1Fmt=0) while 64 CDs (one page) cover it, else 2-level (S1Fmt=1:
 * an L1 table of 2^(pasid_bits-6) descriptors, each pointing at a 4 KiB table of 64 CDs made
 * when a PASID in it is first attached; a new L2 table is complete before its descriptor is
 * made valid, and the CFGI_CD of the CD written there also retires any cached L1CD, 4.3.3). Only with stage-1 STEs: stage 2 is per stream, so PASIDs cannot
 * have their own stage-2 tables. QEMU 10 has SSIDSIZE=0 (no SubstreamIDs, and no device that
 * issues them), so on QEMU pasid_bits is 0 and this path is proven by the host tests
 * (tests/unit/test_smmuv3_ste.c), walking the live CD table with the core's software walker.
 *
 * Layout: CD 0 carries the RID's configuration (STE.S1DSS=SSID0: transactions without a
 * SubstreamID use CD 0, so PASID 0 is not available); with the RID blocked S1DSS=TERMINATE.
 * CD p carries PASID p. The first PASID attach builds the table with the RID's current CD
 * copied into CD 0 and switches the STE with the three-step update (smmuv3_ste_write); when
 * the last CD becomes invalid the STE becomes the blocked one (smmuv3_ste.c) and the table is
 * freed.
 *
 * Updating a live CD (spec 3.21.3, the same rule as for STEs): word 0 (holding V) is cleared
 * by one 64-bit store and CFGI_CD + CMD_SYNC retire cached copies; then words 1..7, then word 0
 * with V=1, then CFGI_CD + CMD_SYNC. A PASID being replaced faults meanwhile; it never walks a
 * half-written CD.
 */
#include <string.h>

#include <hv/bits.h>
#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "ioasid/core.h"

_Static_assert(SMMUV3_ROUTE_CDS >= 1 + HV_DEV_MAX_PASID_ATT, "a CD for the RID and each PASID the core attaches");

static bool cd_2lvl(const struct smmuv3_unit *u)
{
	return u->pasid_bits > SMMUV3_CD_L2_BITS;
}

static unsigned cd_l1_entries(const struct smmuv3_unit *u)
{
	return 1U << (u->pasid_bits - SMMUV3_CD_L2_BITS);
}

/* The ASID of the valid CD ssid, 0 if it is not valid. */
static uint32_t cd_dom(const struct smmuv3_route *r, uint32_t ssid)
{
	for (unsigned k = 0; k < SMMUV3_ROUTE_CDS; k++) {
		if (r->cd_used[k].dom != 0 && r->cd_used[k].ssid == ssid) {
			return r->cd_used[k].dom;
		}
	}
	return 0;
}

/* Record CD ssid as valid with ASID dom (0: invalid). -ENOSPC if the list is full. */
static int cd_dom_set(struct smmuv3_route *r, uint32_t ssid, uint32_t dom)
{
	unsigned free = SMMUV3_ROUTE_CDS;

	for (unsigned k = 0; k < SMMUV3_ROUTE_CDS; k++) {
		if (r->cd_used[k].dom != 0 && r->cd_used[k].ssid == ssid) {
			r->cd_used[k].dom = dom;
			return 0;
		}
		if (r->cd_used[k].dom == 0 && free == SMMUV3_ROUTE_CDS) {
			free = k;
		}
	}
	if (dom == 0) {
		return 0;
	}
	if (free == SMMUV3_ROUTE_CDS) {
		return -ENOSPC;
	}
	r->cd_used[free].ssid = ssid;
	r->cd_used[free].dom = dom;
	return 0;
}

/*
 * CD ssid of r's table; with alloc, a missing L2 table is made (zeroed: every CD invalid) and
 * its L1 descriptor published. NULL if absent (or no memory).
 */
struct smmu_cd *smmuv3_cd_ptr(struct smmuv3_unit *u, struct smmuv3_route *r, uint32_t ssid, bool alloc)
{
	unsigned i = ssid >> SMMUV3_CD_L2_BITS;
	uint64_t *l1 = r->cdtab;

	if (!cd_2lvl(u)) {
		return &((struct smmu_cd *)r->cdtab)[ssid];
	}
	if (r->cd_l2[i] == NULL) {
		if (!alloc || (r->cd_l2[i] = page_alloc(0)) == NULL) {
			return NULL;
		}
		smmuv3_sync_to_device(u, r->cd_l2[i], HV_PAGE_SIZE);
		WRITE_ONCE(l1[i], smmu_l1cd(hpa_val(ptr_to_hpa(r->cd_l2[i]))));
		smmuv3_sync_to_device(u, &l1[i], sizeof(l1[i]));
	}
	return &r->cd_l2[i][ssid & ((1U << SMMUV3_CD_L2_BITS) - 1)];
}

/* A new, empty table for r (linear CDs, or L1 descriptors + the L2 pointer page). */
static int cdtab_alloc(struct smmuv3_unit *u, struct smmuv3_route *r)
{
	/* 64 CDs of 64 bytes, or at most 512 L1 descriptors of 8 bytes: one page either way. */
	r->cdtab = page_alloc(0);
	r->cd_l2 = cd_2lvl(u) ? page_alloc(0) : NULL;
	if (r->cdtab == NULL || (cd_2lvl(u) && r->cd_l2 == NULL)) {
		page_free(r->cdtab, 0);
		page_free(r->cd_l2, 0);
		r->cdtab = NULL;
		r->cd_l2 = NULL;
		return -ENOMEM;
	}
	smmuv3_sync_to_device(u, r->cdtab, HV_PAGE_SIZE);
	return 0;
}

/* Free r's table; only once no STE points at it any more. */
static void cdtab_free(struct smmuv3_unit *u, struct smmuv3_route *r)
{
	for (unsigned i = 0; r->cd_l2 != NULL && i < cd_l1_entries(u); i++) {
		page_free(r->cd_l2[i], 0);
	}
	page_free(r->cd_l2, 0);
	page_free(r->cdtab, 0);
	r->cd_l2 = NULL;
	r->cdtab = NULL;
}

static int cd_for(const struct smmuv3_unit *u, const struct ioasid_hw_config *cfg, struct smmu_cd *cd)
{
	struct smmu_s1_desc s1;

	if (cfg->mode != IOASID_HW_TABLE || cfg->table->fmt != PT_FMT_ARM_S1 || !u->s1p) {
		return -EOPNOTSUPP; /* stage 2 and nesting are per stream, not per SubstreamID */
	}
	if (cfg->domain == 0 || cfg->domain >= SMMUV3_BLOCKED_ASID(u)) {
		return -ENOSPC;
	}
	s1 = (struct smmu_s1_desc){ .ttb0 = hpa_val(cfg->table->root),
				    .asid = (uint16_t)cfg->domain,
				    .ia_bits = cfg->table->ia_bits,
				    .ips_enc = u->oas_enc,
				    .coherent = u->coherent };
	return smmu_cd_s1(&s1, cd);
}

/* Replace the CD at slot (new NULL: invalidate), in the order described above. */
static int cd_write(struct smmuv3_unit *u, uint32_t sid, uint32_t ssid, struct smmu_cd *slot, const struct smmu_cd *new)
{
	struct smmu_cmd c = smmu_cmd_cfgi_cd(sid, ssid, true);
	int ret;

	if (slot->d[0] & CD_0_V) {
		WRITE_ONCE(slot->d[0], 0);
		smmuv3_sync_to_device(u, slot, sizeof(*slot));
		ret = smmuv3_cmds(u, &c, 1);
		if (ret || new == NULL) {
			return ret;
		}
	}
	if (new == NULL) {
		return 0;
	}
	for (unsigned i = 1; i < CD_DWORDS; i++) {
		WRITE_ONCE(slot->d[i], new->d[i]);
	}
	smmuv3_sync_to_device(u, slot, sizeof(*slot));
	WRITE_ONCE(slot->d[0], new->d[0]);
	smmuv3_sync_to_device(u, slot, sizeof(*slot));
	return smmuv3_cmds(u, &c, 1);
}

static struct smmu_ste cdtab_ste(const struct smmuv3_unit *u, const struct smmuv3_route *r)
{
	return smmu_ste_s1_cdtab(hpa_val(ptr_to_hpa(r->cdtab)), u->pasid_bits, cd_2lvl(u),
				 cd_dom(r, 0) != 0 ? STE_S1DSS_SSID0 : STE_S1DSS_TERMINATE, SMMUV3_S1_VMID,
				 u->coherent);
}

/* A stream that already has a CD table: change one CD, then S1DSS or the STE as needed. */
static int cdtab_update(struct smmuv3_unit *u, struct smmuv3_route *r, uint32_t sid, unsigned idx,
			const struct smmu_cd *cd, uint32_t domain, struct smmu_ste *ste)
{
	unsigned old_dss = cd_dom(r, 0) != 0;
	struct smmu_cd *slot = smmuv3_cd_ptr(u, r, idx, cd != NULL);
	struct smmu_ste new;
	bool any = false;
	int ret;

	if (slot == NULL) {
		return cd == NULL ? 0 : -ENOMEM; /* invalidating a CD whose L2 table never existed */
	}
	if (cd != NULL && cd_dom(r, idx) == 0 && cd_dom_set(r, idx, domain) != 0) {
		return -ENOSPC;
	}
	ret = cd_write(u, sid, idx, slot, cd);
	/* Whatever happened, the books follow the CD's V bit (room was made above). */
	(void)cd_dom_set(r, idx, (slot->d[0] & CD_0_V) ? domain : 0);
	if (ret) {
		return ret;
	}
	for (unsigned k = 0; k < SMMUV3_ROUTE_CDS; k++) {
		any |= r->cd_used[k].dom != 0;
	}
	if (!any) {
		/* Nothing valid left: the blocked STE, then the table can go. */
		new = u->blocked_ste;
		ret = smmuv3_ste_write(u, sid, ste, &new, false, false);
		if (ret) {
			return ret;
		}
		cdtab_free(u, r);
		r->config = STE_CONFIG_ABORT;
		return 0;
	}
	if ((unsigned)(cd_dom(r, 0) != 0) != old_dss) {
		new = cdtab_ste(u, r);
		return smmuv3_ste_write(u, sid, ste, &new, false, true);
	}
	return 0;
}

int smmuv3_install_cdtab(struct smmuv3_unit *u, struct smmuv3_route *r, uint32_t sid, bool has_pasid, uint32_t pasid,
			 const struct ioasid_hw_config *cfg)
{
	unsigned idx = has_pasid ? pasid : 0;
	bool block = cfg->mode == IOASID_HW_BLOCKED;
	struct smmu_cd cd, *c0, *ci;
	struct smmu_ste *ste, new;
	struct smmuv3_route nr;
	uint32_t dom0 = 0;
	bool fresh = false;
	int ret;

	if (has_pasid && (pasid == 0 || pasid >= (1U << u->pasid_bits))) {
		return -EINVAL; /* SSID 0 is the RID's (S1DSS=SSID0) */
	}
	if (!block) {
		ret = cd_for(u, cfg, &cd);
		ret = ret ? ret : smmuv3_tag_note(u, SMMUV3_TAG_ASID, cfg->domain, SMMUV3_S1_VMID, false);
		if (ret) {
			return ret;
		}
	}
	ste = smmuv3_ste_ptr(u, sid, !block, &fresh);
	if (ste == NULL) {
		return block ? 0 : (sid >= (1ULL << u->st_log2) ? -EINVAL : -ENOMEM);
	}
	if (r->used && r->cdtab != NULL) {
		return cdtab_update(u, r, sid, idx, block ? NULL : &cd, block ? 0 : cfg->domain, ste);
	}
	if (block) {
		return 0; /* a PASID that was never attached */
	}
	/* The first PASID: the RID's configuration moves into CD 0. */
	if (r->used && r->config == STE_CONFIG_S1 && r->pool != NULL) {
		dom0 = r->domain;
	} else if (r->used && r->config != STE_CONFIG_ABORT) {
		return -EOPNOTSUPP; /* a stage-2 or nested RID cannot share its stream with PASIDs */
	}
	nr = r->used ? *r : (struct smmuv3_route){ .used = true, .sid = sid, .config = STE_CONFIG_ABORT };
	nr.cdtab = NULL;
	nr.cd_l2 = NULL;
	memset(nr.cd_used, 0, sizeof(nr.cd_used));
	ret = cdtab_alloc(u, &nr); /* zeroed: every CD (or L1 descriptor) invalid */
	if (ret) {
		return ret;
	}
	c0 = dom0 != 0 ? smmuv3_cd_ptr(u, &nr, 0, true) : NULL;
	ci = smmuv3_cd_ptr(u, &nr, idx, true);
	if ((dom0 != 0 && c0 == NULL) || ci == NULL) {
		cdtab_free(u, &nr);
		return -ENOMEM;
	}
	if (dom0 != 0) {
		*c0 = r->pool->cds[r->cd_slot];
		smmuv3_sync_to_device(u, c0, sizeof(*c0));
		(void)cd_dom_set(&nr, 0, dom0);
	}
	*ci = cd;
	smmuv3_sync_to_device(u, ci, sizeof(*ci));
	(void)cd_dom_set(&nr, idx, cfg->domain); /* two entries: the list has room */
	new = cdtab_ste(u, &nr);
	ret = smmuv3_ste_write(u, sid, ste, &new, fresh, true);
	*r = nr;
	if (ret) {
		/*
		 * The STE may already point at the table (a failed final sync) or abort: keep the
		 * table (never free what the SMMU may walk) and the books saying so.
		 */
		pr_err("smmuv3: %s: switching sid %#x to a CD table failed (%d)", u->name, sid, ret);
		return ret;
	}
	if (r->pool != NULL) {
		/* CD 0 is the copy now; the single CD is no longer referenced. */
		r->pool->used &= ~(1ULL << r->cd_slot);
		r->pool = NULL;
	}
	r->config = STE_CONFIG_S1;
	r->domain = 0;
	return 0;
}
