// SPDX-License-Identifier: MIT
/*
 * IORT: the IO Remapping Table (Arm DEN0049E, "IO Remapping Table, Platform Design Document",
 * revision E.e). We record ITS groups (3.1.1.1), SMMUv3 nodes (3.1.1.5), PCI root complex
 * nodes (3.1.1.3) and reserved memory ranges (RMR, 3.1.1.7) with their ID mappings (3.3), and walk the mappings to turn a PCI requester ID
 * into the (SMMUv3, StreamID) that translates its DMA, or into an ITS DeviceID for its MSIs.
 *
 * Table: 36 number of nodes (u32), 40 offset of the node array (u32). Node header (3.1.1):
 *   0 type u8, 1 length u16, 3 revision u8, 4 identifier u32 (rev >= 3), 8 number of ID
 *   mappings u32, 12 offset of the ID mapping array within the node u32, node data from 16.
 * ID mapping (3.3, 20 bytes): input base, number of IDs (the range size minus one), output
 *   base, output reference (node offset from the start of the table), flags (bit 0 single).
 *
 * Validation: every node inside the table, every ID array inside its node (the count times 20
 * computed in 64 bits, so a huge count cannot wrap), every output reference must point at a
 * node we saw, and an ID range must not wrap 32 bits. Any violation rejects the whole table.
 */
#include <hv/acpi.h>
#include <hv/log.h>

#include "acpi_internal.h"

#define IORT_NR_NODES  36
#define IORT_NODES_OFF 40
#define IORT_HDR_LEN   48

#define NODE_TYPE     0
#define NODE_LEN      1
#define NODE_REV      3
#define NODE_NR_MAPS  8
#define NODE_MAPS_OFF 12
#define NODE_DATA     16

#define IDMAP_LEN 20

/* ITS group data: number of ITSs u32 @16, ITS identifiers u32[] @20. */
#define ITS_NR	16
#define ITS_IDS 20
/* SMMUv3 data: base u64 @16, flags u32 @24, model u32 @40, event/PRI/GERR/sync GSIVs @44.. */
#define SMMU_BASE	 16
#define SMMU_FLAGS	 24
#define SMMU_MODEL	 40
#define SMMU_GSIV_EVENT	 44
#define SMMU_GSIV_PRI	 48
#define SMMU_GSIV_GERR	 52
#define SMMU_GSIV_SYNC	 56
#define SMMU_DEVID_INDEX 64
#define SMMU_MIN_LEN	 68
/* Root complex data: CCA u32 @16, ATS attribute u32 @24, segment u32 @28, address limit @32. */
#define RC_CCA	      16
#define RC_ATS	      24
#define RC_SEGMENT    28
#define RC_ADDR_LIMIT 32
#define RC_MIN_LEN    32

#define IORT_MAX_DEPTH 8 /* RC -> SMMU -> ITS is 2; anything deeper than 8 is a loop */

static int iort_add_maps(struct acpi_iort *io, const uint8_t *n, uint32_t nlen, uint16_t *first, uint16_t *nr)
{
	uint32_t count = get32(n + NODE_NR_MAPS);
	uint32_t off = get32(n + NODE_MAPS_OFF);

	*first = (uint16_t)io->nr_maps;
	*nr = 0;
	if (count == 0) {
		return 0;
	}
	/* 64-bit product: a count of 0x0ccccccd would wrap 20 * count in 32 bits. */
	if (off < NODE_DATA || !acpi_fits(nlen, off, (uint64_t)count * IDMAP_LEN)) {
		return -EINVAL;
	}
	if (count > ACPI_MAX_IORT_IDMAPS - io->nr_maps) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *m = n + off + i * IDMAP_LEN;
		struct acpi_iort_idmap *im = &io->maps[io->nr_maps++];
		uint32_t end;

		im->input_base = get32(m);
		im->nr_ids = get32(m + 4);
		im->output_base = get32(m + 8);
		im->output_ref = get32(m + 12);
		im->flags = get32(m + 16);
		if (!(im->flags & ACPI_IORT_IDMAP_SINGLE) &&
		    (__builtin_add_overflow(im->input_base, im->nr_ids, &end) ||
		     __builtin_add_overflow(im->output_base, im->nr_ids, &end))) {
			return -EINVAL;
		}
	}
	*nr = (uint16_t)count;
	return 0;
}

/*
 * RMR data (3.1.1.7): flags u32 @16, number of memory range descriptors u32 @20, offset of the
 * descriptor array within the node u32 @24. Each descriptor is 20 bytes: base u64, length u64,
 * reserved u32. Ranges must be page-aligned, non-empty and must not wrap.
 */
#define RMR_FLAGS    16
#define RMR_NR	     20
#define RMR_OFF	     24
#define RMR_MIN_LEN  28
#define RMR_DESC_LEN 20

static int iort_parse_rmr(struct acpi_iort *io, const uint8_t *n, uint32_t nlen, uint32_t noff)
{
	struct acpi_iort_rmr *r;
	uint32_t cnt, off;

	if (nlen < RMR_MIN_LEN || io->nr_rmrs == ACPI_MAX_IORT_RMR) {
		return -EINVAL;
	}
	cnt = get32(n + RMR_NR);
	off = get32(n + RMR_OFF);
	if (cnt == 0 || off < RMR_MIN_LEN || !acpi_fits(nlen, off, (uint64_t)cnt * RMR_DESC_LEN) ||
	    cnt > ACPI_MAX_IORT_RMR_RANGES - io->nr_rmr_ranges) {
		return -EINVAL;
	}
	r = &io->rmrs[io->nr_rmrs++];
	r->offset = noff;
	r->flags = get32(n + RMR_FLAGS);
	r->first_range = (uint16_t)io->nr_rmr_ranges;
	r->nr_ranges = (uint16_t)cnt;
	for (uint32_t i = 0; i < cnt; i++) {
		struct acpi_iort_rmr_range *rg = &io->rmr_ranges[io->nr_rmr_ranges++];
		uint64_t end;

		rg->base = get64(n + off + i * RMR_DESC_LEN);
		rg->length = get64(n + off + i * RMR_DESC_LEN + 8);
		if (rg->length == 0 || (rg->base & (HV_PAGE_SIZE - 1)) != 0 || (rg->length & (HV_PAGE_SIZE - 1)) != 0 ||
		    __builtin_add_overflow(rg->base, rg->length, &end)) {
			return -EINVAL;
		}
	}
	return iort_add_maps(io, n, nlen, &r->first_map, &r->nr_maps);
}

static int iort_parse_node(struct acpi_iort *io, const uint8_t *n, uint32_t nlen, uint32_t noff)
{
	switch (n[NODE_TYPE]) {
	case ACPI_IORT_ITS_GROUP: {
		struct acpi_iort_its_group *g;
		uint32_t cnt;

		if (nlen < ITS_IDS || io->nr_its_groups == ACPI_MAX_IORT_ITS) {
			return -EINVAL;
		}
		cnt = get32(n + ITS_NR);
		if (cnt == 0 || cnt > ACPI_MAX_ITS || !acpi_fits(nlen, ITS_IDS, (uint64_t)cnt * 4)) {
			return -EINVAL;
		}
		g = &io->its_groups[io->nr_its_groups++];
		g->offset = noff;
		g->nr_ids = cnt;
		for (uint32_t i = 0; i < cnt; i++) {
			g->its_ids[i] = get32(n + ITS_IDS + 4 * i);
		}
		return 0;
	}
	case ACPI_IORT_SMMU_V3: {
		struct acpi_iort_smmu *s;

		if (nlen < SMMU_MIN_LEN || io->nr_smmus == ACPI_MAX_IORT_SMMU) {
			return -EINVAL;
		}
		s = &io->smmus[io->nr_smmus++];
		s->offset = noff;
		s->base = hpa(get64(n + SMMU_BASE));
		s->flags = get32(n + SMMU_FLAGS);
		s->model = get32(n + SMMU_MODEL);
		s->gsiv_event = get32(n + SMMU_GSIV_EVENT);
		s->gsiv_pri = get32(n + SMMU_GSIV_PRI);
		s->gsiv_gerr = get32(n + SMMU_GSIV_GERR);
		s->gsiv_sync = get32(n + SMMU_GSIV_SYNC);
		s->devid_index = get32(n + SMMU_DEVID_INDEX);
		/* SMMUv3 spec 6.1: the register file is 64 KiB aligned. */
		if ((hpa_val(s->base) & 0xffff) != 0 || hpa_val(s->base) == 0) {
			return -EINVAL;
		}
		return iort_add_maps(io, n, nlen, &s->first_map, &s->nr_maps);
	}
	case ACPI_IORT_ROOT_COMPLEX: {
		struct acpi_iort_rc *rc;

		if (nlen < RC_MIN_LEN || io->nr_rcs == ACPI_MAX_IORT_RC) {
			return -EINVAL;
		}
		rc = &io->rcs[io->nr_rcs++];
		rc->offset = noff;
		rc->cca = get32(n + RC_CCA);
		rc->ats = get32(n + RC_ATS);
		rc->segment = get32(n + RC_SEGMENT);
		rc->addr_limit = (n[NODE_REV] >= 1 && nlen > RC_ADDR_LIMIT) ? n[RC_ADDR_LIMIT] : 0;
		return iort_add_maps(io, n, nlen, &rc->first_map, &rc->nr_maps);
	}
	case ACPI_IORT_RMR:
		return iort_parse_rmr(io, n, nlen, noff);
	default:
		io->nr_skipped++;
		return 0;
	}
}

/* Which recorded node starts at offset ref: kind and index, or -ENOENT. */
static int iort_find_node(const struct acpi_iort *io, uint32_t ref, uint8_t *kind, unsigned *index)
{
	for (unsigned i = 0; i < io->nr_smmus; i++) {
		if (io->smmus[i].offset == ref) {
			*kind = ACPI_IORT_TARGET_SMMU;
			*index = i;
			return 0;
		}
	}
	for (unsigned i = 0; i < io->nr_its_groups; i++) {
		if (io->its_groups[i].offset == ref) {
			*kind = ACPI_IORT_TARGET_ITS;
			*index = i;
			return 0;
		}
	}
	return -ENOENT;
}

/* True if some node of the (already bounds-checked) node array starts at ref. */
static bool iort_node_at(const uint8_t *t, uint32_t nr, uint32_t off, uint32_t ref)
{
	for (uint32_t i = 0; i < nr; i++) {
		if (off == ref) {
			return true;
		}
		off += get16(t + off + NODE_LEN);
	}
	return false;
}

int acpi_parse_iort(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	struct acpi_iort *io = &info->iort;
	uint32_t nr, off, first_off;
	int ret;

	if (len < IORT_HDR_LEN) {
		return -EINVAL;
	}
	io->revision = t[ACPI_HDR_REV];
	nr = get32(t + IORT_NR_NODES);
	off = get32(t + IORT_NODES_OFF);
	if (off < IORT_HDR_LEN) {
		return -EINVAL;
	}
	first_off = off;
	for (uint32_t i = 0; i < nr; i++) {
		uint16_t nlen;

		/* Each node is at least 16 bytes, so a lying node count ends here. */
		if (!acpi_fits(len, off, NODE_DATA)) {
			return -EINVAL;
		}
		nlen = get16(t + off + NODE_LEN);
		if (nlen < NODE_DATA || !acpi_fits(len, off, nlen)) {
			return -EINVAL;
		}
		ret = iort_parse_node(io, t + off, nlen, off);
		if (ret != 0) {
			return ret;
		}
		off += nlen;
	}
	/*
	 * Every mapping must lead to a node of the table. A node of a type we skip (an SMMUv2,
	 * say) is allowed: walks through it end with -ENOENT.
	 */
	for (unsigned i = 0; i < io->nr_maps; i++) {
		if (!iort_node_at(t, nr, first_off, io->maps[i].output_ref)) {
			return -EINVAL;
		}
	}
	io->present = true;
	return 0;
}

/* Apply the first mapping in maps[first, first+nr) that covers id (3.3). */
static int iort_apply(const struct acpi_iort *io, uint16_t first, uint16_t nr, uint32_t id, uint32_t *out,
		      uint32_t *ref)
{
	for (unsigned i = first; i < (unsigned)first + nr; i++) {
		const struct acpi_iort_idmap *m = &io->maps[i];

		if (m->flags & ACPI_IORT_IDMAP_SINGLE) {
			continue; /* single mappings carry a node's own ID, not a translation */
		}
		if (id >= m->input_base && id - m->input_base <= m->nr_ids) {
			*out = m->output_base + (id - m->input_base);
			*ref = m->output_ref;
			return 0;
		}
	}
	return -ENOENT;
}

/* Follow the mappings from one root complex node (DEN0049E 3.3). */
static int iort_walk(const struct acpi_iort *io, const struct acpi_iort_rc *rc, uint16_t rid, bool to_its,
		     struct acpi_iort_target *out)
{
	uint16_t first = rc->first_map, nr = rc->nr_maps;
	uint32_t id = rid, ref;
	int ret;

	for (unsigned depth = 0; depth < IORT_MAX_DEPTH; depth++) {
		uint8_t kind;
		unsigned idx;

		ret = iort_apply(io, first, nr, id, &id, &ref);
		if (ret != 0) {
			goto out;
		}
		ret = iort_find_node(io, ref, &kind, &idx);
		if (ret != 0) {
			goto out;
		}
		if (kind == ACPI_IORT_TARGET_ITS || !to_its) {
			out->kind = kind;
			out->index = idx;
			out->id = id;
			ret = 0;
			goto out;
		}
		first = io->smmus[idx].first_map;
		nr = io->smmus[idx].nr_maps;
	}
	ret = -EINVAL;
out:
	return ret;
}

int acpi_iort_map_rid(const struct acpi_info *info, uint32_t segment, uint16_t rid, bool to_its,
		      struct acpi_iort_target *out)
{
	const struct acpi_iort *io = &info->iort;
	int ret = -ENOENT;

	/*
	 * A segment may be described by several root complex nodes (one per host bridge, each
	 * mapping its own bus range): the first whose mappings cover the RID decides.
	 */
	for (unsigned i = 0; i < io->nr_rcs && ret == -ENOENT; i++) {
		if (io->rcs[i].segment == segment) {
			ret = iort_walk(io, &io->rcs[i], rid, to_its, out);
		}
	}
	return ret;
}

bool acpi_iort_rmr_covers(const struct acpi_info *info, unsigned rmr, unsigned smmu, uint32_t sid)
{
	const struct acpi_iort *io = &info->iort;
	const struct acpi_iort_rmr *r;

	if (rmr >= io->nr_rmrs || smmu >= io->nr_smmus) {
		return false;
	}
	r = &io->rmrs[rmr];
	for (unsigned i = r->first_map; i < (unsigned)r->first_map + r->nr_maps; i++) {
		const struct acpi_iort_idmap *m = &io->maps[i];
		uint32_t nr = (m->flags & ACPI_IORT_IDMAP_SINGLE) ? 0 : m->nr_ids;

		/* The StreamIDs are the mapping's output range (3.1.1.7). */
		if (m->output_ref == io->smmus[smmu].offset && sid >= m->output_base && sid - m->output_base <= nr) {
			return true;
		}
	}
	return false;
}

void acpi_log_iort(const struct acpi_info *info)
{
	const struct acpi_iort *io = &info->iort;

	if (!io->present) {
		return;
	}
	pr_info("iort: rev %u, %u its groups, %u smmuv3, %u root complexes, %u rmr", io->revision, io->nr_its_groups,
		io->nr_smmus, io->nr_rcs, io->nr_rmrs);
	for (unsigned i = 0; i < io->nr_smmus; i++) {
		const struct acpi_iort_smmu *s = &io->smmus[i];

		if (info->hw_probed) {
			pr_info("iort: smmuv3 base 0x%08llx idr0 0x%08x flags 0x%x model %u gsiv %u/%u/%u/%u",
				(unsigned long long)hpa_val(s->base), s->idr0, s->flags, s->model, s->gsiv_event,
				s->gsiv_pri, s->gsiv_gerr, s->gsiv_sync);
		} else {
			pr_info("iort: smmuv3 base 0x%08llx flags 0x%x model %u gsiv %u/%u/%u/%u",
				(unsigned long long)hpa_val(s->base), s->flags, s->model, s->gsiv_event, s->gsiv_pri,
				s->gsiv_gerr, s->gsiv_sync);
		}
	}
	for (unsigned i = 0; i < io->nr_rmrs; i++) {
		const struct acpi_iort_rmr *r = &io->rmrs[i];

		for (unsigned j = 0; j < r->nr_ranges; j++) {
			const struct acpi_iort_rmr_range *rg = &io->rmr_ranges[r->first_range + j];

			pr_info("iort: rmr%u 0x%llx-0x%llx flags 0x%x, %u stream range(s)", i,
				(unsigned long long)rg->base, (unsigned long long)(rg->base + rg->length - 1), r->flags,
				r->nr_maps);
		}
	}
	for (unsigned i = 0; i < io->nr_rcs; i++) {
		const struct acpi_iort_rc *rc = &io->rcs[i];

		pr_info("iort: root complex seg %u cca %u ats %u", rc->segment, rc->cca, rc->ats);
		for (unsigned j = 0; j < rc->nr_maps; j++) {
			const struct acpi_iort_idmap *m = &io->maps[rc->first_map + j];
			uint8_t kind = 0;
			unsigned idx = 0;

			iort_find_node(io, m->output_ref, &kind, &idx);
			pr_info("iort:   rid 0x%x-0x%x -> %s%u id 0x%x", m->input_base, m->input_base + m->nr_ids,
				kind == ACPI_IORT_TARGET_SMMU ? "smmuv3-" : "its-", idx, m->output_base);
		}
	}
}
