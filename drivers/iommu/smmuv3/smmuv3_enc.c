// SPDX-License-Identifier: MIT
/*
 * SMMUv3 format encoders (smmuv3_enc.h). Field choices, each with the spec section (IHI 0070):
 *  - 5.2 STE: V=1 always (V=0 makes the SMMU raise C_BAD_STE for every access, an error
 *    report, not a policy); Config=0b000 aborts silently and is our "blocked". SHCFG=incoming.
 *    S2AA64=1 always (QEMU 10 aborts on AArch32 stage 2), S2R=1 so stage-2 faults are recorded,
 *    S2ENDI=0 (little-endian tables), S2TG=0 (4 KiB granule, the only one ioasid/pt.c builds).
 *  - 5.4 CD: V, AA64 (VMSAv8-64 tables), A=1 (faults abort rather than stall: QEMU has no stall
 *    model and requires it), R=1 (record faults), EPD1=1 (no TTB1 walks: DMA uses the lower VA
 *    range), ENDI=0, HA=HD=0 (no HTTU: our leaves have AF=1 preset).
 *  - Walk attributes: write-back inner shareable when the SMMU is IO-coherent (IDR0.COHACC),
 *    else non-cacheable, so the walker never reads stale cache lines we did not clean.
 */
#include <hv/bits.h>
#include <hv/errno.h>
#include <ioasid/abi.h>

#include "drivers/iommu/smmuv3/smmuv3_enc.h"

#define SMMU_PAGE_SHIFT	 12
#define SMMU_MAIR_ALL_WB 0xffffffffffffffffULL /* every AttrIndx: normal WB RW-allocate */

static uint64_t walk_cache(bool coherent)
{
	return coherent ? SMMU_CACHE_WB : 0;
}

static uint64_t walk_sh(bool coherent)
{
	return coherent ? SMMU_SH_ISH : SMMU_SH_OSH;
}

int smmu_s2_sl0(unsigned levels)
{
	/* 4 KiB granule: SL0 = 0 starts at level 2, 1 at level 1, 2 at level 0 (spec 5.2). */
	if (levels < 2 || levels > 4) {
		return -1;
	}
	return (int)levels - 2;
}

struct smmu_ste smmu_ste_abort(void)
{
	struct smmu_ste s = { { 0 } };

	s.d[0] = STE_0_V | FIELD_PREP(STE_0_CONFIG, STE_CONFIG_ABORT);
	return s;
}

/* The S2 words (2 and 3) of an STE; -EINVAL if the table does not fit the 4 KiB rules. */
static int ste_s2_words(const struct smmu_s2_desc *s2, struct smmu_ste *s)
{
	int sl0 = smmu_s2_sl0(s2->levels);
	bool lvl_ok = (s2->levels == 4 && s2->ia_bits > 39 && s2->ia_bits <= 48) ||
		      (s2->levels == 3 && s2->ia_bits >= 32 && s2->ia_bits <= 39);

	if (sl0 < 0 || !lvl_ok || s2->ia_bits > smmu_oas_bits(s2->ps_enc) || (s2->ttb & ~STE_3_S2TTB) != 0 ||
	    (s2->ttb & (HV_PAGE_SIZE - 1)) != 0) {
		return -EINVAL;
	}
	s->d[2] = FIELD_PREP(STE_2_S2VMID, s2->vmid) | FIELD_PREP(STE_2_S2T0SZ, 64 - s2->ia_bits) |
		  FIELD_PREP(STE_2_S2SL0, (unsigned)sl0) | FIELD_PREP(STE_2_S2IR0, walk_cache(s2->coherent)) |
		  FIELD_PREP(STE_2_S2OR0, walk_cache(s2->coherent)) | FIELD_PREP(STE_2_S2SH0, walk_sh(s2->coherent)) |
		  FIELD_PREP(STE_2_S2TG, 0) | FIELD_PREP(STE_2_S2PS, s2->ps_enc) | STE_2_S2AA64 | STE_2_S2R;
	s->d[3] = s2->ttb & STE_3_S2TTB;
	return 0;
}

static uint64_t ste_s1_word1(bool coherent)
{
	return FIELD_PREP(STE_1_S1DSS, 0) | FIELD_PREP(STE_1_S1CIR, walk_cache(coherent)) |
	       FIELD_PREP(STE_1_S1COR, walk_cache(coherent)) | FIELD_PREP(STE_1_S1CSH, walk_sh(coherent)) |
	       FIELD_PREP(STE_1_SHCFG, STE_SHCFG_INCOMING);
}

int smmu_ste_s2(const struct smmu_s2_desc *s2, struct smmu_ste *out)
{
	struct smmu_ste s = { { 0 } };
	int ret = ste_s2_words(s2, &s);

	if (ret) {
		return ret;
	}
	s.d[0] = STE_0_V | FIELD_PREP(STE_0_CONFIG, STE_CONFIG_S2);
	s.d[1] = FIELD_PREP(STE_1_SHCFG, STE_SHCFG_INCOMING);
	*out = s;
	return 0;
}

struct smmu_ste smmu_ste_s1(uint64_t cd_addr, uint16_t vmid, bool coherent)
{
	struct smmu_ste s = { { 0 } };

	/* S1Fmt=0, S1CDMax=0: one CD, no SubstreamIDs (QEMU rejects S1CDMax != 0). */
	s.d[0] = STE_0_V | FIELD_PREP(STE_0_CONFIG, STE_CONFIG_S1) | (cd_addr & STE_0_S1CTXPTR);
	s.d[1] = ste_s1_word1(coherent);
	/* With IDR0.S2P the VMID tags stage-1 TLB entries even when stage 2 is bypassed. */
	s.d[2] = FIELD_PREP(STE_2_S2VMID, vmid);
	return s;
}

struct smmu_ste smmu_ste_s1_cdtab(uint64_t cdtab_addr, unsigned cd_bits, bool two_level, unsigned s1dss, uint16_t vmid,
				  bool coherent)
{
	struct smmu_ste s = smmu_ste_s1(cdtab_addr, vmid, coherent);

	/* S1Fmt 0b00 linear, 0b01 2-level with 4 KiB (64-CD) L2 tables (spec 5.2) */
	s.d[0] |= FIELD_PREP(STE_0_S1CDMAX, cd_bits) | FIELD_PREP(STE_0_S1FMT, two_level ? 1U : 0U);
	s.d[1] = (s.d[1] & ~STE_1_S1DSS) | FIELD_PREP(STE_1_S1DSS, s1dss);
	return s;
}

uint64_t smmu_l1cd(uint64_t l2_addr)
{
	return (l2_addr & L1CD_L2PTR) | L1CD_V;
}

int smmu_ste_nested(uint64_t cd_ipa, const struct smmu_s2_desc *s2, struct smmu_ste *out)
{
	struct smmu_ste s = { { 0 } };
	int ret = ste_s2_words(s2, &s);

	if (ret) {
		return ret;
	}
	s.d[0] = STE_0_V | FIELD_PREP(STE_0_CONFIG, STE_CONFIG_NESTED) | (cd_ipa & STE_0_S1CTXPTR);
	s.d[1] = ste_s1_word1(s2->coherent);
	*out = s;
	return 0;
}

int smmu_cd_s1(const struct smmu_s1_desc *s1, struct smmu_cd *out)
{
	struct smmu_cd c = { { 0 } };

	/* T0SZ 16..39 with a 4 KiB granule (spec 5.4; QEMU checks the same bounds). */
	if (s1->ia_bits < 25 || s1->ia_bits > 48 || (s1->ttb0 & ~CD_1_TTB0) != 0 ||
	    (s1->ttb0 & (HV_PAGE_SIZE - 1)) != 0) {
		return -EINVAL;
	}
	c.d[0] = FIELD_PREP(CD_0_T0SZ, 64 - s1->ia_bits) | FIELD_PREP(CD_0_TG0, 0) |
		 FIELD_PREP(CD_0_IR0, walk_cache(s1->coherent)) | FIELD_PREP(CD_0_OR0, walk_cache(s1->coherent)) |
		 FIELD_PREP(CD_0_SH0, walk_sh(s1->coherent)) | CD_0_EPD1 | CD_0_V | FIELD_PREP(CD_0_IPS, s1->ips_enc) |
		 CD_0_AA64 | CD_0_R | CD_0_A | FIELD_PREP(CD_0_ASID, s1->asid);
	c.d[1] = s1->ttb0 & CD_1_TTB0;
	c.d[CD_MAIR_WORD] = SMMU_MAIR_ALL_WB;
	*out = c;
	return 0;
}

uint64_t smmu_l1std(uint64_t l2_addr, unsigned split)
{
	return FIELD_PREP(L1STD_SPAN, split + 1) | (l2_addr & L1STD_L2PTR);
}

/* ---- commands ---- */

static struct smmu_cmd cmd_op(unsigned op)
{
	struct smmu_cmd c = { { FIELD_PREP(CMD_0_OP, op), 0 } };

	return c;
}

struct smmu_cmd smmu_cmd_cfgi_ste(uint32_t sid, bool leaf)
{
	struct smmu_cmd c = cmd_op(CMD_CFGI_STE);

	c.d[0] |= FIELD_PREP(CMD_0_SID, sid);
	c.d[1] = leaf ? CMD_1_LEAF : 0;
	return c;
}

struct smmu_cmd smmu_cmd_cfgi_all(void)
{
	struct smmu_cmd c = cmd_op(CMD_CFGI_STE_RANGE);

	c.d[1] = FIELD_PREP(CMD_1_RANGE, 31); /* spec 4.3.3: Range=31 means every StreamID */
	return c;
}

struct smmu_cmd smmu_cmd_cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf)
{
	struct smmu_cmd c = cmd_op(CMD_CFGI_CD);

	c.d[0] |= FIELD_PREP(CMD_0_SSID, ssid) | FIELD_PREP(CMD_0_SID, sid);
	c.d[1] = leaf ? CMD_1_LEAF : 0;
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_nh_all(uint16_t vmid)
{
	struct smmu_cmd c = cmd_op(CMD_TLBI_NH_ALL);

	c.d[0] |= FIELD_PREP(CMD_0_VMID, vmid);
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_nh_asid(uint16_t vmid, uint16_t asid)
{
	struct smmu_cmd c = cmd_op(CMD_TLBI_NH_ASID);

	c.d[0] |= FIELD_PREP(CMD_0_VMID, vmid) | FIELD_PREP(CMD_0_ASID, asid);
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_s12_vmall(uint16_t vmid)
{
	struct smmu_cmd c = cmd_op(CMD_TLBI_S12_VMALL);

	c.d[0] |= FIELD_PREP(CMD_0_VMID, vmid);
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_nsnh_all(void)
{
	return cmd_op(CMD_TLBI_NSNH_ALL);
}

struct smmu_cmd smmu_cmd_tlbi_el2_all(void)
{
	return cmd_op(CMD_TLBI_EL2_ALL);
}

struct smmu_cmd smmu_cmd_sync(void)
{
	/* CS=0 (SIG_NONE): completion is observed by CMDQ_CONS moving past it (spec 4.7.3). */
	return cmd_op(CMD_SYNC);
}

static uint64_t tlbi_range_d0(const struct smmu_tlbi_range *r)
{
	return r->range ? FIELD_PREP(CMD_0_NUM, r->num) | FIELD_PREP(CMD_0_SCALE, r->scale) : 0;
}

static uint64_t tlbi_range_d1(const struct smmu_tlbi_range *r, bool leaf)
{
	/* TG=1: 4 KiB granule, range form (spec 4.4.1, IDR3.RIL); TG=0: one address. TTL=0. */
	return (leaf ? CMD_1_LEAF : 0) | FIELD_PREP(CMD_1_TG, r->range ? 1 : 0);
}

struct smmu_cmd smmu_cmd_tlbi_nh_va(uint16_t vmid, uint16_t asid, const struct smmu_tlbi_range *r, bool leaf)
{
	struct smmu_cmd c = cmd_op(CMD_TLBI_NH_VA);

	c.d[0] |= tlbi_range_d0(r) | FIELD_PREP(CMD_0_VMID, vmid) | FIELD_PREP(CMD_0_ASID, asid);
	c.d[1] = tlbi_range_d1(r, leaf) | (r->addr & CMD_1_VA);
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_s2_ipa(uint16_t vmid, const struct smmu_tlbi_range *r, bool leaf)
{
	struct smmu_cmd c = cmd_op(CMD_TLBI_S2_IPA);

	c.d[0] |= tlbi_range_d0(r) | FIELD_PREP(CMD_0_VMID, vmid);
	c.d[1] = tlbi_range_d1(r, leaf) | (r->addr & CMD_1_IPA);
	return c;
}

unsigned smmu_tlbi_chunks(uint64_t start, uint64_t end, bool ril, struct smmu_tlbi_range *out, unsigned max)
{
	uint64_t addr = ALIGN_DOWN(start, HV_PAGE_SIZE);
	uint64_t pages, n;
	unsigned count = 0;

	if (end <= start) {
		return 0;
	}
	/* Pages from addr through the one holding end - 1 (no overflow near 2^64). */
	pages = ((end - 1 - addr) >> SMMU_PAGE_SHIFT) + 1;
	while (pages != 0) {
		struct smmu_tlbi_range r = { .addr = addr, .range = ril };

		if (ril) {
			/*
			 * (NUM+1) << SCALE pages, NUM < 32, SCALE < 32. The scale is the lowest set
			 * bit of the remaining count and NUM+1 its next five bits, so each command
			 * clears the count's five lowest set-bit positions: at most one command per
			 * 5 bits of page count (8 for a 48-bit range).
			 */
			unsigned scale = (unsigned)__builtin_ctzll(pages);

			if (scale >= 31) {
				scale = 31;
				n = MIN(pages >> 31, 32ULL);
			} else {
				n = (pages >> scale) & 31; /* odd, so at least 1 */
			}
			r.scale = (uint8_t)scale;
			r.num = (uint8_t)(n - 1);
			n <<= scale;
		} else {
			n = 1;
		}
		if (count == max) {
			/*
			 * More than max: the caller invalidates the whole tag. Stop counting here:
			 * without RIL a 48-bit range is 2^36 commands (minutes of CPU, and the
			 * count wraps).
			 */
			return max + 1;
		}
		out[count++] = r;
		pages -= n;
		addr += n << SMMU_PAGE_SHIFT;
		if (!ril && count > max) {
			/* The caller flushes the whole tag; the exact count does not matter. */
			break;
		}
	}
	return count;
}

/* ---- events ---- */

void smmu_evt_decode(const struct smmu_evt *e, struct smmu_event *out)
{
	*out = (struct smmu_event){
		.id = (uint8_t)FIELD_GET(EVT_0_ID, e->d[0]),
		.sid = (uint32_t)FIELD_GET(EVT_0_SID, e->d[0]),
		.ssv = (e->d[0] & EVT_0_SSV) != 0,
		.ssid = (uint32_t)FIELD_GET(EVT_0_SSID, e->d[0]),
	};
	switch (out->id) {
	case EVT_F_TRANSLATION:
	case EVT_F_ADDR_SIZE:
	case EVT_F_ACCESS:
	case EVT_F_PERMISSION:
	case EVT_F_WALK_EABT:
		out->read = (e->d[1] & EVT_1_RNW) != 0;
		out->s2 = (e->d[1] & EVT_1_S2) != 0;
		out->cls = (unsigned)FIELD_GET(EVT_1_CLASS, e->d[1]);
		out->addr = e->d[2];
		out->ipa = out->id == EVT_F_WALK_EABT ? (e->d[3] & EVT_3_FETCH_ADDR) : (e->d[3] & EVT_3_IPA);
		break;
	case EVT_F_STE_FETCH:
	case EVT_F_CD_FETCH:
		out->ipa = e->d[3] & EVT_3_FETCH_ADDR;
		break;
	default:
		break;
	}
}

bool smmu_evt_has_addr(unsigned id)
{
	return (id >= EVT_F_TRANSLATION && id <= EVT_F_PERMISSION) || id == EVT_F_WALK_EABT;
}

unsigned smmu_evt_reason(const struct smmu_event *ev)
{
	switch (ev->id) {
	case EVT_F_TRANSLATION:
		/*
		 * A fault while fetching a stage-1 table or CD (CLASS=TT/CD; only stage 2 can fault
		 * such a fetch: nested, a table pointer outside the guest's memory) is the guest's
		 * table being bad, not a missing page. QEMU 10 reports these with S2=0, so CLASS
		 * alone decides.
		 */
		if (ev->cls != EVT_CLASS_IN) {
			return IOASID_FAULT_REASON_BAD_TABLE;
		}
		return IOASID_FAULT_REASON_NOT_PRESENT;
	case EVT_F_ADDR_SIZE:
	case EVT_F_ACCESS:
		/* Beyond the table's range / AF=0 (the software walker treats AF=0 as absent). */
		return IOASID_FAULT_REASON_NOT_PRESENT;
	case EVT_F_PERMISSION:
		return IOASID_FAULT_REASON_PERMISSION;
	case EVT_F_WALK_EABT:
		return IOASID_FAULT_REASON_BAD_TABLE;
	case EVT_F_STREAM_DISABLED:
		return IOASID_FAULT_REASON_BLOCKED;
	default:
		return IOASID_FAULT_REASON_OTHER;
	}
}

const char *smmu_evt_name(unsigned id)
{
	switch (id) {
	case EVT_C_BAD_STREAMID:
		return "C_BAD_STREAMID";
	case EVT_F_STE_FETCH:
		return "F_STE_FETCH";
	case EVT_C_BAD_STE:
		return "C_BAD_STE";
	case EVT_F_STREAM_DISABLED:
		return "F_STREAM_DISABLED";
	case EVT_F_CD_FETCH:
		return "F_CD_FETCH";
	case EVT_C_BAD_CD:
		return "C_BAD_CD";
	case EVT_F_WALK_EABT:
		return "F_WALK_EABT";
	case EVT_F_TRANSLATION:
		return "F_TRANSLATION";
	case EVT_F_ADDR_SIZE:
		return "F_ADDR_SIZE";
	case EVT_F_ACCESS:
		return "F_ACCESS";
	case EVT_F_PERMISSION:
		return "F_PERMISSION";
	default:
		return "event";
	}
}
