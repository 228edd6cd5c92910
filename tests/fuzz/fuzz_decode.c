/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the IOMMU drivers' pure decoders and range splitters: what hardware
 * (or a hostile device) writes into a fault record or event, and the ranges guests make the
 * drivers invalidate.
 *   VT-d   vtd_fault_decode (fault recording register, VT-d 11.4.14), vtd_fault_reason_str,
 *          vtd_fault_to_ioasid_reason; vtd_psi_chunks (page-selective invalidation, 6.5.2.3)
 *   SMMUv3 smmu_evt_decode (event record, SMMUv3 7.3), smmu_evt_reason, smmu_evt_name,
 *          smmu_evt_has_addr; smmu_tlbi_chunks (range TLBI, 4.4.1.1)
 *   AMD-Vi amdvi_event_decode (event-log entry, 48882 2.5); amdvi_cmd_inv_pages (the S-bit
 *          range encoding of INVALIDATE_IOMMU_PAGES, 2.4.3), read back as the hardware reads it
 * Input: records of one selector byte and a fixed-size payload. Expected field values are
 * computed here from the spec's bit positions, not from the drivers' own masks. The splitters
 * must cover exactly the requested pages with aligned, in-range chunks, and return quickly for
 * any range (-timeout catches a loop over 2^36 pages). Any violation abort()s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioasid/abi.h>

#include "drivers/iommu/amdvi/amdvi_desc.h"
#include "drivers/iommu/smmuv3/smmuv3_enc.h"
#include "drivers/iommu/smmuv3/smmuv3_regs.h"
#include "drivers/iommu/vtd/vtd_desc.h"

#define FAIL(...)                                                                                                      \
	do {                                                                                                           \
		fprintf(stderr, "fuzz_decode: " __VA_ARGS__);                                                          \
		fputc('\n', stderr);                                                                                   \
		abort();                                                                                               \
	} while (0)

#define MAX_CHUNKS 64

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++) {
		v |= (uint64_t)p[i] << (8 * i);
	}
	return v;
}

static void check_reason(unsigned r)
{
	if (r < IOASID_FAULT_REASON_NOT_PRESENT || r > IOASID_FAULT_REASON_INTERRUPT) {
		FAIL("IOASID fault reason %u", r);
	}
}

/* VT-d 11.4.14: FI 63:12 (IR faults: interrupt index 63:48), SID 15:0, PP 31, FR 39:32, PV 59:40, T 62, F 63. */
static void vtd_fault(const uint8_t *p)
{
	uint64_t lo = get64(p), hi = get64(p + 8);
	uint8_t reason = (uint8_t)(hi >> 32);
	bool ir = reason >= 0x20 && reason <= 0x27;
	struct vtd_fault f;
	const char *s;

	memset(&f, 0xa5, sizeof(f));
	if (vtd_fault_decode(lo, hi, &f) != (bool)(hi >> 63)) {
		FAIL("vtd_fault_decode ignored F");
	}
	if (!(hi >> 63)) {
		return;
	}
	if (f.sid != (uint16_t)hi || f.reason != reason || f.pasid_present != (bool)((hi >> 31) & 1) ||
	    f.pasid != (f.pasid_present ? (uint32_t)(hi >> 40) & 0xfffff : 0) ||
	    f.addr != (ir ? lo >> 48 : lo & ~0xfffULL) || f.write != (ir || !((hi >> 62) & 1))) {
		FAIL("vtd_fault_decode(%#llx, %#llx)", (unsigned long long)lo, (unsigned long long)hi);
	}
	s = vtd_fault_reason_str(reason);
	if (s == NULL || s[0] == '\0') {
		FAIL("no name for reason %#x", reason);
	}
	check_reason(vtd_fault_to_ioasid_reason(reason, lo & 1));
	if (ir && vtd_fault_to_ioasid_reason(reason, lo & 1) != IOASID_FAULT_REASON_INTERRUPT) {
		FAIL("IR reason %#x not reported as an interrupt fault", reason);
	}
}

/* Chunks of 2^(12+am) bytes, naturally aligned, am <= mamv, back to back over the pages of [start, end). */
static void vtd_psi(const uint8_t *p)
{
	uint64_t start = get64(p), end = get64(p + 8), first = start & ~0xfffULL, last;
	unsigned mamv = p[16] % 64, max = p[17] % (MAX_CHUNKS + 1);
	struct vtd_psi_chunk c[MAX_CHUNKS];
	unsigned n = vtd_psi_chunks(start, end, mamv, c, max);
	uint64_t cur = first;

	last = end > ~0xfffULL ? ~0xfffULL : end;
	last = (last + 0xfff) & ~0xfffULL;
	if (first >= last) {
		if (n != 0) {
			FAIL("vtd_psi_chunks: %u chunks for an empty range", n);
		}
		return;
	}
	if (n == 0) {
		FAIL("vtd_psi_chunks: no chunk for [%#llx, %#llx)", (unsigned long long)start, (unsigned long long)end);
	}
	if (n > max) {
		return; /* the caller flushes the whole domain */
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t size = 1ULL << (12 + c[i].am);

		if (c[i].am > mamv || c[i].addr != cur || (c[i].addr & (size - 1)) != 0 || size > last - cur) {
			FAIL("vtd_psi_chunks [%#llx, %#llx) mamv %u: chunk %u %#llx am %u", (unsigned long long)start,
			     (unsigned long long)end, mamv, i, (unsigned long long)c[i].addr, c[i].am);
		}
		cur += size;
	}
	if (cur != last) {
		FAIL("vtd_psi_chunks [%#llx, %#llx): chunks end at %#llx", (unsigned long long)start,
		     (unsigned long long)end, (unsigned long long)cur);
	}
}

/* SMMUv3 7.3: EventID 7:0, SSV 11, SubstreamID 31:12, StreamID 63:32; addresses in words 2-3. */
static void smmu_event(const uint8_t *p)
{
	struct smmu_evt e;
	struct smmu_event ev;
	const char *s;
	unsigned id;

	for (unsigned i = 0; i < 4; i++) {
		e.d[i] = get64(p + 8 * i);
	}
	id = (unsigned)(e.d[0] & 0xff);
	smmu_evt_decode(&e, &ev);
	if (ev.id != id || ev.sid != (uint32_t)(e.d[0] >> 32) || ev.ssv != (bool)((e.d[0] >> 11) & 1) ||
	    ev.ssid != (uint32_t)((e.d[0] >> 12) & 0xfffff) || ev.cls > 3) {
		FAIL("smmu_evt_decode: id/sid/ssid of %#llx", (unsigned long long)e.d[0]);
	}
	if (smmu_evt_has_addr(id) ? ev.addr != e.d[2] : ev.addr != 0) {
		FAIL("smmu_evt_decode: event %#x address %#llx", id, (unsigned long long)ev.addr);
	}
	if ((ev.ipa & 7) != 0 || ev.ipa >= (1ULL << 52)) {
		FAIL("smmu_evt_decode: event %#x IPA/fetch address %#llx", id, (unsigned long long)ev.ipa);
	}
	check_reason(smmu_evt_reason(&ev));
	s = smmu_evt_name(id);
	if (s == NULL || s[0] == '\0') {
		FAIL("no name for event %#x", id);
	}
}

/* Commands cover (num + 1) << scale pages each (one page without RIL), back to back. */
static void smmu_tlbi(const uint8_t *p)
{
	uint64_t start = get64(p), end = get64(p + 8), addr = start & ~0xfffULL, pages;
	bool ril = p[16] & 1;
	unsigned max = p[17] % (MAX_CHUNKS + 1);
	struct smmu_tlbi_range r[MAX_CHUNKS];
	unsigned n = smmu_tlbi_chunks(start, end, ril, r, max);

	if (end <= start) {
		if (n != 0) {
			FAIL("smmu_tlbi_chunks: %u commands for an empty range", n);
		}
		return;
	}
	pages = ((end - 1 - addr) >> 12) + 1;
	/*
	 * With RIL each command clears the count's five lowest set bits up to scale 30; from bit 31
	 * on commands are capped at 32 << 31 pages. So a 48-bit range (at most 2^36 pages) takes at
	 * most 8 commands (scales 0, 5, ..., 30, then one capped); 2^37 - 15 pages take 9.
	 */
	if (n == 0 || (ril && pages <= (1ULL << 36) && n > 8)) {
		FAIL("smmu_tlbi_chunks: %u commands for %llu pages", n, (unsigned long long)pages);
	}
	if (n > max) {
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t np = ril ? ((uint64_t)r[i].num + 1) << r[i].scale : 1;

		if (r[i].addr != addr || r[i].range != ril || r[i].num > 31 || r[i].scale > 31 ||
		    (!ril && (r[i].num | r[i].scale)) || np > pages) {
			FAIL("smmu_tlbi_chunks [%#llx, %#llx) ril %d: command %u", (unsigned long long)start,
			     (unsigned long long)end, ril, i);
		}
		pages -= np;
		addr += np << 12;
	}
	if (pages != 0) {
		FAIL("smmu_tlbi_chunks [%#llx, %#llx): %llu pages left", (unsigned long long)start,
		     (unsigned long long)end, (unsigned long long)pages);
	}
}

/* An event-log entry as a unit (or a hostile model) writes it: 16 bytes. */
static void amdvi_evt(const uint8_t *p)
{
	uint64_t ev[2] = { get64(p), get64(p + 8) };
	struct amdvi_event e;

	amdvi_event_decode(ev, &e);
	if (e.code != (ev[0] >> 60) || e.devid != (uint16_t)ev[0] || e.addr != ev[1] ||
	    e.flags != ((ev[0] >> 48) & 0xfff)) {
		FAIL("amdvi event %#llx %#llx: code %u devid %#x flags %#x", (unsigned long long)ev[0],
		     (unsigned long long)ev[1], e.code, e.devid, e.flags);
	}
	if (e.reason < IOASID_FAULT_REASON_NOT_PRESENT || e.reason > IOASID_FAULT_REASON_OTHER ||
	    (!e.is_dma_fault && e.reason != IOASID_FAULT_REASON_OTHER) || e.pasid >= (1U << 20)) {
		FAIL("amdvi event %#llx: reason %u dma %d pasid %#x", (unsigned long long)ev[0], e.reason,
		     e.is_dma_fault, e.pasid);
	}
}

/* [start, start + pages * 4K) of a domain: the one command covers it with the smallest block. */
static void amdvi_inv(const uint8_t *p)
{
	uint64_t start = get64(p) & 0x000ffffffffff000ULL, pages = get64(p + 8) & 0xfffffffffULL, end, s, e;
	uint16_t dom = (uint16_t)(p[16] | p[17] << 8), d = 0;
	struct amdvi_cmd c;

	if (pages == 0) {
		return;
	}
	end = start + pages * 4096;
	c = amdvi_cmd_inv_pages(dom, start, end, p[16] & 1);
	if (amdvi_cmd_inv_range(&c, &d, &s, &e) != 0 || d != dom || s > start || e < end) {
		FAIL("amdvi inv [%#llx, %#llx) -> [%#llx, %#llx) dom %#x", (unsigned long long)start,
		     (unsigned long long)end, (unsigned long long)s, (unsigned long long)e, d);
	}
	/* reserved: qw0 bits 31:20 and 59:48, qw1 bits 11:3 (QEMU refuses the command otherwise) */
	if ((c.qw[0] & 0x0fff0000fff00000ULL) || (c.qw[1] & 0xff8ULL)) {
		FAIL("amdvi inv: reserved bits %#llx %#llx", (unsigned long long)c.qw[0], (unsigned long long)c.qw[1]);
	}
	if (e != UINT64_MAX && e - s > 4096 && !(s + (e - s) / 2 > start && s + (e - s) / 2 < end)) {
		FAIL("amdvi inv [%#llx, %#llx): block [%#llx, %#llx) is not the smallest", (unsigned long long)start,
		     (unsigned long long)end, (unsigned long long)s, (unsigned long long)e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		void (*fn)(const uint8_t *p);
		size_t len;
	} ops[6] = { { vtd_fault, 16 }, { vtd_psi, 18 },   { smmu_event, 32 },
		     { smmu_tlbi, 18 }, { amdvi_evt, 16 }, { amdvi_inv, 18 } };

	while (size > 0) {
		unsigned k = data[0] % 6;
		uint8_t buf[32];

		data++;
		size--;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, data, size < ops[k].len ? size : ops[k].len);
		ops[k].fn(buf);
		data += size < ops[k].len ? size : ops[k].len;
		size -= size < ops[k].len ? size : ops[k].len;
	}
	return 0;
}
