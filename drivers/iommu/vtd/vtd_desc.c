// SPDX-License-Identifier: MIT
/*
 * VT-d format encoders and decoders (see vtd_desc.h). Bit positions are from the Intel VT-d
 * specification rev 4.x: 6.5.2 (invalidation descriptors), 9.3/9.4/9.6 (context and PASID
 * entries), 11.4.14 (fault recording registers). Reserved fields are always written as zero,
 * including where QEMU does not check them.
 */
#include <ioasid/abi.h>

#include "drivers/iommu/vtd/vtd_desc.h"

static struct vtd_inv_desc desc(uint64_t lo, uint64_t hi)
{
	return (struct vtd_inv_desc){ .qw = { lo, hi, 0, 0 } };
}

struct vtd_inv_desc vtd_desc_cc_global(void)
{
	return desc(VTD_DESC_CC | FIELD_PREP(VTD_DESC_G, VTD_CC_G_GLOBAL), 0);
}

/* Device-selective (spec 6.5.2.1): FM=0, the whole SID; DID is the domain the entry had. */
struct vtd_inv_desc vtd_desc_cc_device(uint16_t did, uint16_t sid)
{
	return desc(VTD_DESC_CC | FIELD_PREP(VTD_DESC_G, VTD_CC_G_DEVICE) | FIELD_PREP(VTD_DESC_DID, did) |
			    FIELD_PREP(VTD_CC_SID, sid),
		    0);
}

static uint64_t drain_bits(bool drain)
{
	/* Drain reads and writes so no request translated by the old entry is still in flight. */
	return drain ? (VTD_IOTLB_DR_BIT | VTD_IOTLB_DW_BIT) : 0;
}

struct vtd_inv_desc vtd_desc_iotlb_global(bool drain)
{
	return desc(VTD_DESC_IOTLB | FIELD_PREP(VTD_DESC_G, VTD_IOTLB_G_GLOBAL) | drain_bits(drain), 0);
}

struct vtd_inv_desc vtd_desc_iotlb_domain(uint16_t did, bool drain)
{
	return desc(VTD_DESC_IOTLB | FIELD_PREP(VTD_DESC_G, VTD_IOTLB_G_DOMAIN) | FIELD_PREP(VTD_DESC_DID, did) |
			    drain_bits(drain),
		    0);
}

struct vtd_inv_desc vtd_desc_iotlb_page(uint16_t did, uint64_t addr, unsigned am, bool ih, bool drain)
{
	return desc(VTD_DESC_IOTLB | FIELD_PREP(VTD_DESC_G, VTD_IOTLB_G_PAGE) | FIELD_PREP(VTD_DESC_DID, did) |
			    drain_bits(drain),
		    (addr & VTD_IOTLB_HI_ADDR) | FIELD_PREP(VTD_IOTLB_HI_AM, am) | (ih ? VTD_IOTLB_HI_IH : 0));
}

/* PASID-based IOTLB (spec 6.5.2.4) has no drain bits: they are reserved there. */
struct vtd_inv_desc vtd_desc_piotlb_pasid(uint16_t did, uint32_t pasid)
{
	return desc(VTD_DESC_PIOTLB | FIELD_PREP(VTD_DESC_G, VTD_PIOTLB_G_PASID) | FIELD_PREP(VTD_DESC_DID, did) |
			    FIELD_PREP(VTD_PIOTLB_PASID, pasid),
		    0);
}

struct vtd_inv_desc vtd_desc_piotlb_page(uint16_t did, uint32_t pasid, uint64_t addr, unsigned am, bool ih)
{
	return desc(VTD_DESC_PIOTLB | FIELD_PREP(VTD_DESC_G, VTD_PIOTLB_G_PAGE) | FIELD_PREP(VTD_DESC_DID, did) |
			    FIELD_PREP(VTD_PIOTLB_PASID, pasid),
		    (addr & VTD_IOTLB_HI_ADDR) | FIELD_PREP(VTD_IOTLB_HI_AM, am) | (ih ? VTD_IOTLB_HI_IH : 0));
}

/*
 * ATS size encoding (PCIe ATS 2.3.2, used by spec 6.5.2.5): with S=1 the number of one-bits
 * at the bottom of ADDR[63:12] says the size: n ones = 2^(n+1) pages; all ones = everything.
 */
static uint64_t devtlb_addr(uint64_t addr, unsigned am, bool *s)
{
	*s = am != 0;
	if (am >= VTD_DEVTLB_ALL) {
		return VTD_DEVTLB_HI_ADDR & ~BIT(63); /* every bit but the top: the whole space */
	}
	addr &= VTD_DEVTLB_HI_ADDR;
	return am == 0 ? addr : ((addr & ~((1ULL << (12 + am)) - 1)) | (((1ULL << (am - 1)) - 1) << 12));
}

static uint64_t devtlb_pfsid(uint16_t pfsid)
{
	return FIELD_PREP(VTD_DEVTLB_PFSID_LO, pfsid & 0xfU) | FIELD_PREP(VTD_DEVTLB_PFSID_HI, pfsid >> 4);
}

struct vtd_inv_desc vtd_desc_devtlb(uint16_t sid, uint16_t pfsid, unsigned qdep, uint64_t addr, unsigned am)
{
	bool s;
	uint64_t a = devtlb_addr(addr, am, &s);

	return desc(VTD_DESC_DEVTLB | devtlb_pfsid(pfsid) | FIELD_PREP(VTD_DEVTLB_MIP, qdep & 0x1fU) |
			    FIELD_PREP(VTD_DEVTLB_SID, sid),
		    a | (s ? VTD_DEVTLB_HI_S : 0));
}

struct vtd_inv_desc vtd_desc_pdevtlb(uint16_t sid, uint16_t pfsid, unsigned qdep, uint32_t pasid, uint64_t addr,
				     unsigned am)
{
	bool s;
	uint64_t a = devtlb_addr(addr, am, &s);

	return desc(VTD_DESC_PDEVTLB | devtlb_pfsid(pfsid) | FIELD_PREP(VTD_PDEVTLB_MIP, qdep & 0x1fU) |
			    FIELD_PREP(VTD_PDEVTLB_SID, sid) | FIELD_PREP(VTD_PDEVTLB_PASID, pasid),
		    a | (s ? VTD_PDEVTLB_HI_S : 0));
}

struct vtd_inv_desc vtd_desc_pc_pasid(uint16_t did, uint32_t pasid)
{
	return desc(VTD_DESC_PC | FIELD_PREP(VTD_DESC_G, VTD_PC_G_PASID) | FIELD_PREP(VTD_DESC_DID, did) |
			    FIELD_PREP(VTD_PC_PASID, pasid),
		    0);
}

struct vtd_inv_desc vtd_desc_wait(uint64_t status_addr, uint32_t data)
{
	return desc(VTD_DESC_WAIT | VTD_WAIT_SW | FIELD_PREP(VTD_WAIT_SDATA, data), status_addr & VTD_WAIT_HI_SADDR);
}

unsigned vtd_psi_chunks(uint64_t start, uint64_t end, unsigned mamv, struct vtd_psi_chunk *out, unsigned max)
{
	uint64_t cur = start & HV_PAGE_MASK;
	unsigned n = 0;

	if (end > (~0ULL & HV_PAGE_MASK)) {
		end = ~0ULL & HV_PAGE_MASK; /* the last page cannot be named exactly; clamp */
	}
	end = (end + HV_PAGE_SIZE - 1) & HV_PAGE_MASK;
	while (cur < end) {
		unsigned am = 0;

		/* Grow while the chunk stays aligned, inside the range and within MAMV. */
		while (am < mamv && am < 51 && (cur & ((1ULL << (HV_PAGE_SHIFT + am + 1)) - 1)) == 0 &&
		       (1ULL << (HV_PAGE_SHIFT + am + 1)) <= end - cur) {
			am++;
		}
		if (n == max) {
			/*
			 * More than max: the caller flushes the domain. Stop counting here: with
			 * MAMV 0 a 48-bit range is 2^36 chunks (minutes of CPU, and the count wraps).
			 */
			return max + 1;
		}
		out[n++] = (struct vtd_psi_chunk){ .addr = cur, .am = am };
		cur += 1ULL << (HV_PAGE_SHIFT + am);
	}
	return n;
}

unsigned vtd_aw_for_levels(unsigned levels)
{
	/* spec 9.3: AW 1 = 39-bit (3-level), 2 = 48-bit (4-level), 3 = 57-bit (5-level) */
	return levels >= 3 && levels <= 5 ? levels - 2 : 0;
}

struct vtd_context_entry vtd_ce_translate(hpa_t slpt, uint16_t did, unsigned aw)
{
	/* FPD=0: faults are recorded. TT=0: untranslated requests walk the second level. */
	return (struct vtd_context_entry){
		.lo = VTD_CE_P | FIELD_PREP(VTD_CE_TT, VTD_CE_TT_SLPT) | (hpa_val(slpt) & VTD_CE_SLPTPTR),
		.hi = FIELD_PREP(VTD_CE_AW, aw) | FIELD_PREP(VTD_CE_DID, did),
	};
}

struct vtd_pasid_entry vtd_pe_nested(hpa_t slpt, uint64_t flpt_gpa, uint16_t did, unsigned aw)
{
	return (struct vtd_pasid_entry){
		.val = { VTD_PE_P | FIELD_PREP(VTD_PE_AW, aw) | FIELD_PREP(VTD_PE_PGTT, VTD_PGTT_NESTED) |
				 (hpa_val(slpt) & VTD_PE_SLPTPTR),
			 FIELD_PREP(VTD_PE_DID, did), FIELD_PREP(VTD_PE_FLPM, 0) | (flpt_gpa & VTD_PE_FLPTPTR), 0, 0, 0,
			 0, 0 }
	};
}

struct vtd_sm_context_entry vtd_smce(hpa_t pasid_dir, uint32_t rid_pasid)
{
	/* FPD=0 (faults reported); DTE=0 and PRE=0: no ATS or page requests are enabled. */
	return (struct vtd_sm_context_entry){ .val = { VTD_SMCE_P | FIELD_PREP(VTD_SMCE_PDTS, VTD_PDTS_ONE_PAGE) |
							       (hpa_val(pasid_dir) & VTD_SMCE_PDIRPTR),
						       FIELD_PREP(VTD_SMCE_RID_PASID, rid_pasid), 0, 0 } };
}

struct vtd_pasid_entry vtd_pe_second_level(hpa_t slpt, uint16_t did, unsigned aw)
{
	return (struct vtd_pasid_entry){ .val = { VTD_PE_P | FIELD_PREP(VTD_PE_AW, aw) |
							  FIELD_PREP(VTD_PE_PGTT, VTD_PGTT_SL) |
							  (hpa_val(slpt) & VTD_PE_SLPTPTR),
						  FIELD_PREP(VTD_PE_DID, did), 0, 0, 0, 0, 0, 0 } };
}

struct vtd_pasid_entry vtd_pe_first_level(hpa_t flpt, uint16_t did)
{
	return (struct vtd_pasid_entry){
		.val = { VTD_PE_P | FIELD_PREP(VTD_PE_AW, 2) | FIELD_PREP(VTD_PE_PGTT, VTD_PGTT_FL),
			 FIELD_PREP(VTD_PE_DID, did), FIELD_PREP(VTD_PE_FLPM, 0) | (hpa_val(flpt) & VTD_PE_FLPTPTR), 0,
			 0, 0, 0, 0 }
	};
}

struct vtd_inv_desc vtd_desc_iec_global(void)
{
	return desc(VTD_DESC_IEC, 0);
}

struct vtd_inv_desc vtd_desc_iec_index(uint16_t index, unsigned im)
{
	return desc(VTD_DESC_IEC | VTD_IEC_G_INDEX | FIELD_PREP(VTD_IEC_IM, im) | FIELD_PREP(VTD_IEC_IIDX, index), 0);
}

struct vtd_irte vtd_irte_remapped_src(uint8_t vector, uint32_t dest, bool x2apic, struct vtd_ir_source src)
{
	uint64_t dst = x2apic ? FIELD_PREP(VTD_IRTE_DST, dest) : FIELD_PREP(VTD_IRTE_DST_XAPIC, dest & 0xff);

	return (struct vtd_irte){
		.lo = VTD_IRTE_P | FIELD_PREP(VTD_IRTE_DLM, VTD_IRTE_DLM_FIXED) | FIELD_PREP(VTD_IRTE_V, vector) | dst,
		.hi = FIELD_PREP(VTD_IRTE_HI_SID, src.sid) | FIELD_PREP(VTD_IRTE_HI_SQ, 0) |
		      FIELD_PREP(VTD_IRTE_HI_SVT, src.svt == VTD_SVT_BUS ? VTD_SVT_BUS : VTD_SVT_RID),
	};
}

struct vtd_irte vtd_irte_remapped(uint8_t vector, uint32_t dest, bool x2apic, uint16_t sid)
{
	return vtd_irte_remapped_src(vector, dest, x2apic, (struct vtd_ir_source){ .svt = VTD_SVT_RID, .sid = sid });
}

void vtd_msi_remappable(uint16_t index, uint64_t *addr, uint32_t *data)
{
	*addr = VTD_MSI_ADDR_BASE | FIELD_PREP(VTD_MSI_ADDR_HANDLE_LO, index & 0x7fff) | VTD_MSI_ADDR_REMAP |
		((index & 0x8000) ? VTD_MSI_ADDR_HANDLE_HI : 0);
	*data = 0;
}

bool vtd_fault_is_ir(uint8_t reason)
{
	return reason >= VTD_FR_IR_FIRST && reason <= VTD_FR_IR_LAST;
}

bool vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f)
{
	if (!(hi & VTD_FRCD_HI_F)) {
		return false;
	}
	*f = (struct vtd_fault){
		.sid = (uint16_t)FIELD_GET(VTD_FRCD_HI_SID, hi),
		.pasid_present = (hi & VTD_FRCD_HI_PP) != 0,
		.pasid = (hi & VTD_FRCD_HI_PP) ? (uint32_t)FIELD_GET(VTD_FRCD_HI_PV, hi) : 0,
		.addr = lo & VTD_FRCD_LO_FI,
		.reason = (uint8_t)FIELD_GET(VTD_FRCD_HI_FR, hi),
		.write = !(hi & VTD_FRCD_HI_T),
	};
	if (vtd_fault_is_ir(f->reason)) {
		/* Interrupt requests: FI bits 63:48 hold the interrupt index (spec 11.4.14). */
		f->addr = lo >> 48;
		f->write = true;
	}
	return true;
}

const char *vtd_fault_reason_str(uint8_t reason)
{
	switch (reason) {
	case VTD_FR_ROOT_NOT_PRESENT:
		return "root entry not present";
	case VTD_FR_CTX_NOT_PRESENT:
		return "context entry not present";
	case VTD_FR_CTX_INVALID:
		return "invalid context entry";
	case VTD_FR_ADDR_BEYOND_AW:
		return "address beyond AW";
	case VTD_FR_WRITE:
		return "no write permission";
	case VTD_FR_READ:
		return "no read permission";
	case VTD_FR_PTE_ACCESS:
		return "paging entry unreadable";
	case VTD_FR_ROOT_RSVD:
		return "root entry reserved bits";
	case VTD_FR_CTX_RSVD:
		return "context entry reserved bits";
	case VTD_FR_PTE_RSVD:
		return "paging entry reserved bits";
	case VTD_FR_IR_REQ_RSVD:
		return "interrupt request reserved bits";
	case VTD_FR_IR_INDEX_OVER:
		return "interrupt index beyond the table";
	case VTD_FR_IR_ENTRY_P:
		return "interrupt entry not present";
	case VTD_FR_IR_ROOT_INVAL:
		return "interrupt table address invalid";
	case VTD_FR_IR_IRTE_RSVD:
		return "interrupt entry reserved bits";
	case VTD_FR_IR_REQ_COMPAT:
		return "compatibility-format interrupt blocked";
	case VTD_FR_IR_SID_ERR:
		return "interrupt from a requester the entry does not name";
	case VTD_FR_SM_PDE_ACCESS:
		return "PASID directory unreadable";
	case VTD_FR_SM_PDE_NOT_PRESENT:
		return "PASID directory entry not present";
	case VTD_FR_SM_PTE_ACCESS:
		return "PASID table unreadable";
	case VTD_FR_SM_PTE_NOT_PRESENT:
		return "PASID entry not present";
	case VTD_FR_SM_PTE_INVALID:
		return "invalid PASID entry";
	case VTD_FR_SM_FL_NONCANONICAL:
		return "first-level non-canonical address";
	case VTD_FR_SM_FL_NOT_PRESENT:
		return "first-level entry not present";
	case VTD_FR_SM_FL_US:
		return "first-level U/S=0";
	case VTD_FR_SM_WRITE:
		return "no write permission";
	default:
		return "other";
	}
}

unsigned vtd_fault_to_ioasid_reason(uint8_t reason, bool mapped)
{
	if (vtd_fault_is_ir(reason)) {
		return IOASID_FAULT_REASON_INTERRUPT;
	}
	switch (reason) {
	case VTD_FR_ROOT_NOT_PRESENT:
	case VTD_FR_CTX_NOT_PRESENT:
	case VTD_FR_SM_PDE_NOT_PRESENT:
	case VTD_FR_SM_PTE_NOT_PRESENT:
		/* Our blocked state is exactly "no context / PASID entry". */
		return IOASID_FAULT_REASON_BLOCKED;
	case VTD_FR_ADDR_BEYOND_AW:
	case VTD_FR_SM_FL_NONCANONICAL:
	case VTD_FR_SM_FL_NOT_PRESENT:
		return IOASID_FAULT_REASON_NOT_PRESENT;
	case VTD_FR_WRITE:
	case VTD_FR_READ:
	case VTD_FR_SM_WRITE:
	case VTD_FR_SM_FL_US:
		/*
		 * A second-level entry with R=W=0 is "not present" (spec 9.8), and the
		 * hardware reports it with the same reasons as a permission violation; the
		 * caller tells the two apart by looking the address up in the table.
		 */
		return mapped ? IOASID_FAULT_REASON_PERMISSION : IOASID_FAULT_REASON_NOT_PRESENT;
	default:
		return IOASID_FAULT_REASON_OTHER;
	}
}
