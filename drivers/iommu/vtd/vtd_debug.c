// SPDX-License-Identifier: MIT
/*
 * VT-d test hooks, test image only (drivers/iommu/vtd/build.mk HV_TEST_SRCS_x86_64; README
 * "Images"): the pass-through entries and vtd_install_passthrough, a DMA-bypass primitive the
 * IOASID core never offers, and the read-back hooks the self-tests (hv/selftest_vtd.c) and the
 * host tests use to check the structures as the hardware would walk them. The release image
 * links none of this: nothing in it can install a pass-through entry.
 */
#include <hv/errno.h>
#include <hv/mm.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/pt.h"

/* ---- pass-through (legacy TT=10b, spec 9.3; scalable PGTT=100b, 9.6) ------------------------ */

struct vtd_context_entry vtd_ce_passthrough(uint16_t did, unsigned aw)
{
	return (struct vtd_context_entry){
		.lo = VTD_CE_P | FIELD_PREP(VTD_CE_TT, VTD_CE_TT_PT),
		.hi = FIELD_PREP(VTD_CE_AW, aw) | FIELD_PREP(VTD_CE_DID, did),
	};
}

struct vtd_pasid_entry vtd_pe_passthrough(uint16_t did, unsigned aw)
{
	return (struct vtd_pasid_entry){ .val = { VTD_PE_P | FIELD_PREP(VTD_PE_AW, aw) |
							  FIELD_PREP(VTD_PE_PGTT, VTD_PGTT_PT),
						  FIELD_PREP(VTD_PE_DID, did), 0, 0, 0, 0, 0, 0 } };
}

/*
 * Pass-through for the hypervisor's own use only: sid's requests without PASID reach host
 * physical addresses untranslated. The IOASID core has no such mode (struct ioasid_hw_config),
 * so no guest can obtain it; a later install by the core replaces it like any entry.
 */
int vtd_install_passthrough(struct vtd_unit *u, uint16_t sid, uint16_t did)
{
	unsigned aw = vtd_aw_for_levels(u->levels);
	struct vtd_route *r;
	int ret;

	if (!(u->ecap & VTD_ECAP_PT) || did == 0 || did >= u->nr_domains) {
		return -EOPNOTSUPP;
	}
	r = vtd_route_slot(u, sid, VTD_RID_PASID);
	if (r == NULL) {
		return -ENOSPC;
	}
	ret = u->scalable ? vtd_write_pe(u, sid, VTD_RID_PASID, vtd_pe_passthrough(did, aw), did)
			  : vtd_write_ce(u, sid, vtd_ce_passthrough(did, aw), did);
	if (ret == 0) {
		/* No table: faults (none expected) are classified as "blocked". */
		*r = (struct vtd_route){ .used = true, .sid = sid, .pasid = VTD_RID_PASID, .did = did };
	}
	return ret;
}

/* ---- read-back hooks ------------------------------------------------------------------------ */

bool vtd_debug_sid_present(struct vtd_unit *u, uint16_t sid)
{
	if (u->scalable) {
		struct vtd_pasid_entry *pe = vtd_pasid_entry(u, sid, VTD_RID_PASID, false);

		return pe != NULL && (pe->val[0] & VTD_PE_P);
	}
	if (u->ctx[sid >> 8] == NULL) {
		return false;
	}
	return (((struct vtd_context_entry *)u->ctx[sid >> 8])[sid & 0xff].lo & VTD_CE_P) != 0;
}

/* Walking the live structures (what the hardware would read). */
static int vtd_walk_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	(void)ctx;
	if (index >= 512) {
		return -EINVAL;
	}
	*entry = READ_ONCE(((const uint64_t *)hpa_to_ptr(hpa(table_addr)))[index]);
	return 0;
}

int vtd_debug_walk(struct vtd_unit *u, uint16_t sid, uint32_t pasid, uint64_t iova, hpa_t *out, unsigned *prot)
{
	const struct vtd_root_entry *re = &u->root[sid >> 8];
	unsigned devfn = sid & 0xff, levels;
	enum pt_format fmt;
	uint64_t root, oa;
	unsigned allowed;
	int ret;

	if (!u->scalable) {
		const struct vtd_context_entry *ce;

		if (!(re->lo & VTD_RE_P)) {
			return -ENOENT;
		}
		ce = &((const struct vtd_context_entry *)hpa_to_ptr(hpa(re->lo & VTD_RE_CTP)))[devfn];
		if (!(ce->lo & VTD_CE_P)) {
			return -ENOENT;
		}
		fmt = PT_FMT_VTD_SL;
		levels = (unsigned)FIELD_GET(VTD_CE_AW, ce->hi) + 2;
		root = ce->lo & VTD_CE_SLPTPTR;
	} else {
		uint64_t half = devfn < 128 ? re->lo : re->hi, pde;
		const struct vtd_sm_context_entry *ce;
		const struct vtd_pasid_entry *pe;
		const uint64_t *dir;

		if (!(half & VTD_SRE_LP)) {
			return -ENOENT;
		}
		ce = &((const struct vtd_sm_context_entry *)hpa_to_ptr(hpa(half & VTD_SRE_LCTP)))[devfn & 127];
		if (!(ce->val[0] & VTD_SMCE_P)) {
			return -ENOENT;
		}
		dir = hpa_to_ptr(hpa(ce->val[0] & VTD_SMCE_PDIRPTR));
		pde = dir[(pasid >> VTD_PASID_DIR_SHIFT) % (HV_PAGE_SIZE / sizeof(uint64_t))];
		if (!(pde & VTD_PDE_P)) {
			return -ENOENT;
		}
		pe = &((const struct vtd_pasid_entry *)hpa_to_ptr(
			hpa(pde & VTD_PDE_PTPTR)))[pasid % VTD_PASID_PER_TABLE];
		if (!(pe->val[0] & VTD_PE_P)) {
			return -ENOENT;
		}
		switch (FIELD_GET(VTD_PE_PGTT, pe->val[0])) {
		case VTD_PGTT_SL:
			fmt = PT_FMT_VTD_SL;
			levels = (unsigned)FIELD_GET(VTD_PE_AW, pe->val[0]) + 2;
			root = pe->val[0] & VTD_PE_SLPTPTR;
			break;
		case VTD_PGTT_FL:
			fmt = PT_FMT_VTD_FL;
			levels = 4;
			root = pe->val[2] & VTD_PE_FLPTPTR;
			break;
		default:
			return -EOPNOTSUPP;
		}
	}
	ret = pt_walk_foreign(fmt, levels, root, iova, vtd_walk_read, NULL, &oa, &allowed, NULL);
	if (ret == 0) {
		*out = hpa(oa);
		if (prot != NULL) {
			*prot = allowed;
		}
	}
	return ret;
}
