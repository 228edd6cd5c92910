/* SPDX-License-Identifier: MIT */
/*
 * Pure encoders and decoders of SMMUv3 memory formats: stream table entries, context
 * descriptors, commands, events, range-TLBI chunking. No hardware access and no allocation, so
 * the host unit tests (tests/unit/test_smmuv3.c) build this file unchanged and check every field
 * lands at the bit the spec (IHI 0070) puts it.
 */
#ifndef SMMUV3_ENC_H
#define SMMUV3_ENC_H

#include <hv/types.h>

#include "drivers/iommu/smmuv3/smmuv3_regs.h"

/* A stage-2 table as the STE describes it (spec 5.2, S2* fields). */
struct smmu_s2_desc {
	uint64_t ttb; /* root table, physical */
	uint16_t vmid;
	unsigned ia_bits; /* IPA width: S2T0SZ = 64 - ia_bits */
	unsigned levels;  /* 3 or 4 (4 KiB granule): gives S2SL0 */
	unsigned ps_enc;  /* output size, IDR5.OAS encoding */
	bool coherent;	  /* walks are cacheable (IDR0.COHACC) */
};

/* A stage-1 context (spec 5.4). */
struct smmu_s1_desc {
	uint64_t ttb0; /* root table: physical, or an IPA when nested */
	uint16_t asid;
	unsigned ia_bits; /* VA width: T0SZ = 64 - ia_bits */
	unsigned ips_enc; /* intermediate/output size, IDR5.OAS encoding */
	bool coherent;
};

/* S2SL0 for a 4 KiB granule: the start level is 4 - levels; -1 if not encodable. */
int smmu_s2_sl0(unsigned levels);

struct smmu_ste smmu_ste_abort(void);
/* Config=S2 (0b110); 0 on success, -EINVAL if the table cannot be described. */
int smmu_ste_s2(const struct smmu_s2_desc *s2, struct smmu_ste *out);
/* Config=S1 (0b101), one CD at cd_addr (S1CDMax=0); vmid tags S1 TLB entries when IDR0.S2P. */
struct smmu_ste smmu_ste_s1(uint64_t cd_addr, uint16_t vmid, bool coherent);
/*
 * Config=S1 with a linear table of 2^cd_bits CDs (S1Fmt=0, S1CDMax=cd_bits, spec 5.2) for
 * SubstreamIDs; s1dss says what transactions without a SubstreamID do (STE_S1DSS_*).
 */
struct smmu_ste smmu_ste_s1_cdtab(uint64_t cdtab_addr, unsigned cd_bits, bool two_level, unsigned s1dss, uint16_t vmid,
				  bool coherent);
/* An L1 CD descriptor (spec 5.3): V, L2Ptr (the 4 KiB table of 64 CDs, S1Fmt=1). */
uint64_t smmu_l1cd(uint64_t l2_addr);
/* Config=nested (0b111): the CD at cd_ipa is fetched through the stage 2. */
int smmu_ste_nested(uint64_t cd_ipa, const struct smmu_s2_desc *s2, struct smmu_ste *out);
/* 0 or -EINVAL. MAIR: every attribute index is normal write-back memory. */
int smmu_cd_s1(const struct smmu_s1_desc *s1, struct smmu_cd *out);
uint64_t smmu_l1std(uint64_t l2_addr, unsigned split);

/* Commands (spec 4.x) */
struct smmu_cmd smmu_cmd_cfgi_ste(uint32_t sid, bool leaf);
struct smmu_cmd smmu_cmd_cfgi_all(void);
struct smmu_cmd smmu_cmd_cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf);
struct smmu_cmd smmu_cmd_tlbi_nh_all(uint16_t vmid);
struct smmu_cmd smmu_cmd_tlbi_nh_asid(uint16_t vmid, uint16_t asid);
struct smmu_cmd smmu_cmd_tlbi_s12_vmall(uint16_t vmid);
struct smmu_cmd smmu_cmd_tlbi_nsnh_all(void);
struct smmu_cmd smmu_cmd_tlbi_el2_all(void);
struct smmu_cmd smmu_cmd_sync(void);

/*
 * One TLBI_NH_VA / TLBI_S2_IPA covers (num + 1) << scale pages of 4 KiB from addr when range
 * invalidation is used (IDR3.RIL; TG=4 KiB), else exactly one page (TG=0, num = scale = 0).
 */
struct smmu_tlbi_range {
	uint64_t addr;
	uint8_t num;
	uint8_t scale;
	bool range;
};
struct smmu_cmd smmu_cmd_tlbi_nh_va(uint16_t vmid, uint16_t asid, const struct smmu_tlbi_range *r, bool leaf);
struct smmu_cmd smmu_cmd_tlbi_s2_ipa(uint16_t vmid, const struct smmu_tlbi_range *r, bool leaf);
/*
 * Split [start, end) (rounded out to 4 KiB) into TLBI commands: with ril, power-of-two-scaled
 * runs (at most 8 for any 48-bit range), else one per page. Writes up to max entries; returns
 * how many are needed, or max + 1 if more than max are (the caller invalidates the whole tag
 * instead).
 */
unsigned smmu_tlbi_chunks(uint64_t start, uint64_t end, bool ril, struct smmu_tlbi_range *out, unsigned max);

/* A decoded event record (spec 7.3). */
struct smmu_event {
	uint8_t id;
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	uint64_t addr; /* input address (translation-class events) */
	uint64_t ipa;  /* S2 faults: the IPA; fetch faults: the fetch address */
	bool read;
	bool s2;
	unsigned cls;
};
void smmu_evt_decode(const struct smmu_evt *e, struct smmu_event *out);
/* IOASID_FAULT_REASON_* for the guest (include/ioasid/abi.h). */
unsigned smmu_evt_reason(const struct smmu_event *ev);
/* True for events that carry an input address (F_TRANSLATION..F_PERMISSION, F_WALK_EABT). */
bool smmu_evt_has_addr(unsigned id);
const char *smmu_evt_name(unsigned id);

#endif /* SMMUV3_ENC_H */
