/* SPDX-License-Identifier: MIT */
/*
 * Pure encoders and decoders for VT-d formats: invalidation descriptors, context and PASID
 * entries, fault records, and the page-selective invalidation chunking of a range. No MMIO and
 * no allocation, so the host unit tests (tests/unit/test_vtd*.c) check them bit for bit.
 */
#ifndef VTD_DESC_H
#define VTD_DESC_H

#include <hv/types.h>

#include "drivers/iommu/vtd/vtd_regs.h"

/* ---- invalidation descriptors (spec 6.5.2) ---- */
struct vtd_inv_desc vtd_desc_cc_global(void);
struct vtd_inv_desc vtd_desc_cc_device(uint16_t did, uint16_t sid);
struct vtd_inv_desc vtd_desc_iotlb_global(bool drain);
struct vtd_inv_desc vtd_desc_iotlb_domain(uint16_t did, bool drain);
/* Page-selective: [addr, addr + 2^(12+am)), addr aligned to that size. ih: leaf-only hint. */
struct vtd_inv_desc vtd_desc_iotlb_page(uint16_t did, uint64_t addr, unsigned am, bool ih, bool drain);
struct vtd_inv_desc vtd_desc_piotlb_pasid(uint16_t did, uint32_t pasid);
struct vtd_inv_desc vtd_desc_piotlb_page(uint16_t did, uint32_t pasid, uint64_t addr, unsigned am, bool ih);
struct vtd_inv_desc vtd_desc_pc_pasid(uint16_t did, uint32_t pasid);
/*
 * Device-TLB invalidation for an ATS-enabled device (spec 6.5.2.5 and, with a PASID, 6.5.2.7):
 * 2^am pages at addr (aligned to them), or everything with am = VTD_DEVTLB_ALL. pfsid is the
 * physical function's source-id (the SID itself for a PF), qdep the ATS invalidate queue depth.
 */
#define VTD_DEVTLB_ALL 64U
struct vtd_inv_desc vtd_desc_devtlb(uint16_t sid, uint16_t pfsid, unsigned qdep, uint64_t addr, unsigned am);
struct vtd_inv_desc vtd_desc_pdevtlb(uint16_t sid, uint16_t pfsid, unsigned qdep, uint32_t pasid, uint64_t addr,
				     unsigned am);
/* Interrupt entry cache (spec 6.5.2.6): every entry, or 2^im entries from index (aligned). */
struct vtd_inv_desc vtd_desc_iec_global(void);
struct vtd_inv_desc vtd_desc_iec_index(uint16_t index, unsigned im);
/* Status write of data to the 4-byte aligned addr; never IF (QEMU 10.0.2 aborts on SW+IF). */
struct vtd_inv_desc vtd_desc_wait(uint64_t status_addr, uint32_t data);

/*
 * Split [start, end) (rounded out to 4 KiB) into naturally aligned power-of-two chunks of at
 * most 2^(12+mamv) bytes, as page-selective invalidations need (spec 6.5.2.2: ADDR is aligned
 * to 2^(12+AM)). Writes up to max (addr, am) pairs; returns how many chunks the range needs,
 * max + 1 if more than max (then the caller falls back to a domain-selective flush), or 0 for
 * an empty range.
 */
struct vtd_psi_chunk {
	uint64_t addr;
	unsigned am;
};
unsigned vtd_psi_chunks(uint64_t start, uint64_t end, unsigned mamv, struct vtd_psi_chunk *out, unsigned max);

/* ---- translation structures (spec ch. 9) ---- */
/* AW field of a context/PASID entry for a second-level table of this many levels; 0 if none. */
unsigned vtd_aw_for_levels(unsigned levels);
struct vtd_context_entry vtd_ce_translate(hpa_t slpt, uint16_t did, unsigned aw);
struct vtd_sm_context_entry vtd_smce(hpa_t pasid_dir, uint32_t rid_pasid);
struct vtd_pasid_entry vtd_pe_second_level(hpa_t slpt, uint16_t did, unsigned aw);
/*
 * First-level: FLPTPTR = root, FLPM = 0 (4-level). AW is set to 2 as well: QEMU checks FL
 * IOVAs for canonicality against the entry's *second-level* AW (qemu-10.0 notes 1.2).
 */
struct vtd_pasid_entry vtd_pe_first_level(hpa_t flpt, uint16_t did);
/*
 * Nested (PGTT=011b, spec 9.6, 3.8): the guest's 4-level first-level table at flpt_gpa (a
 * guest-physical address, itself translated by the second level) over our second-level table.
 */
struct vtd_pasid_entry vtd_pe_nested(hpa_t slpt, uint64_t flpt_gpa, uint16_t did, unsigned aw);

/* ---- interrupt remapping (spec 9.10, 5.1) ---- */
/*
 * A remapped, fixed-delivery, edge, physical-destination entry for vector to the CPU with APIC
 * ID dest (x2apic: 32-bit destination, EIME=1; else the 8-bit xAPIC ID), raised only by
 * requester ID sid (SVT=01b, SQ=00b: all 16 bits compared). FPD=0: blocked requests are
 * recorded as faults.
 */
struct vtd_irte vtd_irte_remapped(uint8_t vector, uint32_t dest, bool x2apic, uint16_t sid);
/*
 * Which requests may use an entry (spec 9.10, SVT/SQ/SID): svt VTD_SVT_RID with sid the exact
 * requester ID (SQ=00b: all 16 bits compared), or VTD_SVT_BUS with sid = start bus << 8 | end
 * bus (the request's bus must lie in [start, end]).
 */
struct vtd_ir_source {
	unsigned svt;
	uint16_t sid;
};
struct vtd_irte vtd_irte_remapped_src(uint8_t vector, uint32_t dest, bool x2apic, struct vtd_ir_source src);
/* The remappable-format MSI address and data that select entry index (SHV=0, data 0). */
void vtd_msi_remappable(uint16_t index, uint64_t *addr, uint32_t *data);
/* True for the interrupt-remapping fault reasons (0x20-0x27). */
bool vtd_fault_is_ir(uint8_t reason);

/* ---- fault records (spec 7.1.3, 11.4.14) ---- */
struct vtd_fault {
	uint16_t sid;
	bool pasid_present;
	uint32_t pasid;
	uint64_t addr;	/* page address of the faulting request; interrupt index for IR faults */
	uint8_t reason; /* VTD_FR_* */
	bool write;	/* T=0 */
};
/* Decode one fault recording register pair; false if F is clear (no record). */
bool vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f);
const char *vtd_fault_reason_str(uint8_t reason);
/* IOASID_FAULT_REASON_* for a VT-d reason; mapped = the address has a translation. */
unsigned vtd_fault_to_ioasid_reason(uint8_t reason, bool mapped);

#endif /* VTD_DESC_H */
