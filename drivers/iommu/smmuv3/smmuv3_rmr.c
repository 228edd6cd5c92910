// SPDX-License-Identifier: MIT
/*
 * IORT Reserved Memory Ranges (Arm DEN0049E 3.1.1.7, "RMR node"): memory that a device behind
 * an SMMU may keep using for DMA after boot (a firmware-owned device, a boot framebuffer). The
 * node lists memory ranges and, through its ID mappings, the StreamIDs on an SMMU that use
 * them. The OS is asked to keep those ranges identity-mapped for those streams.
 *
 * The same policy as VT-d RMRRs (drivers/iommu/vtd/vtd_rmrr.c, docs/SMMUV3.md "RMRs"):
 *   - at take-over every unit gets one hypervisor-owned identity table (the unit's own
 *     single-stage format) holding the ranges of its RMR streams, and each such stream is
 *     installed on it instead of the abort STE: its DMA inside the ranges reaches the same
 *     physical address, everything else faults;
 *   - such a stream's device is never assigned to a guest (guest_iommu_for: -EBUSY);
 *   - a node is checked first: every range page-aligned, non-empty, no wrap, at most
 *     SMMUV3_RMR_MAX_BYTES, inside the unit's input range; at most SMMUV3_RMR_MAX_STREAMS
 *     streams; its memory must not be the hypervisor's (palloc_claim_device_memory takes
 *     usable RAM out of the allocator, refuses the image, heap and loaded files). A refused
 *     node is logged and skipped: its streams stay on the abort STE.
 */
#include <hv/acpi.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/palloc.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "ioasid/core.h"

#define SMMUV3_RMR_MAX_BYTES   (1ULL << 30)
#define SMMUV3_RMR_MAX_STREAMS 32

struct rmr_table {
	bool valid;
	struct pt_table pt;
	uint32_t domain;
};

static struct rmr_table rmr_tables[SMMUV3_MAX_UNITS];
static struct {
	struct smmuv3_unit *unit;
	unsigned ui;
	uint32_t sid;
} rmr_streams[SMMUV3_RMR_MAX_STREAMS];
static unsigned nr_rmr_streams;

bool smmuv3_rmr_stream(const struct smmuv3_unit *u, uint32_t sid)
{
	for (unsigned i = 0; i < nr_rmr_streams; i++) {
		if (rmr_streams[i].unit == u && rmr_streams[i].sid == sid) {
			return true;
		}
	}
	return false;
}

static struct rmr_table *rmr_table(unsigned ui)
{
	struct rmr_table *t = &rmr_tables[ui];
	struct smmuv3_unit *u = smmuv3_unit_get(ui);

	if (!t->valid && ioasid_identity_table_init(&u->iommu, &t->pt, &t->domain) == 0) {
		t->valid = true;
	}
	return t->valid ? t : NULL;
}

/* Checks of one node that need no hardware: NULL or why not (for the log). */
static const char *rmr_check(const struct acpi_iort *io, const struct acpi_iort_rmr *r)
{
	if (r->nr_ranges == 0 || r->first_range >= io->nr_rmr_ranges ||
	    r->nr_ranges > io->nr_rmr_ranges - r->first_range) {
		return "no memory ranges";
	}
	if (r->nr_maps == 0 || r->first_map >= io->nr_maps || r->nr_maps > io->nr_maps - r->first_map) {
		return "no stream mappings";
	}
	for (unsigned k = r->first_range; k < (unsigned)r->first_range + r->nr_ranges; k++) {
		const struct acpi_iort_rmr_range *g = &io->rmr_ranges[k];
		uint64_t end;

		if (!IS_ALIGNED(g->base, HV_PAGE_SIZE) || !IS_ALIGNED(g->length, HV_PAGE_SIZE) || g->length == 0) {
			return "a range is not page-aligned";
		}
		if (ADD_OVERFLOWS(g->base, g->length, &end) || g->length > SMMUV3_RMR_MAX_BYTES) {
			return "a range wraps or is larger than 1 GiB";
		}
	}
	return NULL;
}

/* Identity-map every range of r into t (what is there already is the same identity). */
static int rmr_map_ranges(const struct acpi_iort *io, const struct acpi_iort_rmr *r, struct rmr_table *t)
{
	int ret = 0;

	for (unsigned k = r->first_range; k < (unsigned)r->first_range + r->nr_ranges && ret == 0; k++) {
		ret = ioasid_identity_map(&t->pt, io->rmr_ranges[k].base, io->rmr_ranges[k].length);
	}
	return ret;
}

/* The streams of node idx on the unit with index ui: map its ranges, note the streams. */
static void rmr_node_on_unit(const struct acpi_iort *io, unsigned idx, unsigned ui)
{
	const struct acpi_iort_rmr *r = &io->rmrs[idx];
	struct smmuv3_unit *u = smmuv3_unit_get(ui);
	uint32_t smmu_off = io->smmus[u->iort_index].offset;
	struct rmr_table *t = NULL;
	int ret;

	for (unsigned m = r->first_map; m < (unsigned)r->first_map + r->nr_maps; m++) {
		const struct acpi_iort_idmap *map = &io->maps[m];
		uint32_t n = (map->flags & ACPI_IORT_IDMAP_SINGLE) ? 1 : map->nr_ids + 1;

		if (map->output_ref != smmu_off) {
			continue;
		}
		if (t == NULL) {
			t = rmr_table(ui);
			ret = t != NULL ? rmr_map_ranges(io, r, t) : -ENOMEM;
			if (ret) {
				pr_err("smmuv3: RMR %u: identity mapping on %s failed (%d %s); skipped", idx, u->name,
				       ret, hv_strerror(ret));
				return;
			}
		}
		for (uint32_t k = 0; k < n; k++) {
			uint32_t sid = map->output_base + k;

			if (nr_rmr_streams == SMMUV3_RMR_MAX_STREAMS || sid < map->output_base) {
				pr_err("smmuv3: RMR %u: more than %u streams; the rest stay blocked", idx,
				       SMMUV3_RMR_MAX_STREAMS);
				return;
			}
			if (!smmuv3_rmr_stream(u, sid)) {
				rmr_streams[nr_rmr_streams++] = (typeof(rmr_streams[0])){ .unit = u, .ui = ui, .sid = sid };
			}
			pr_info("smmuv3: RMR %u: stream %#x on %s keeps its ranges identity-mapped (domain %u)", idx, sid,
				u->name, t->domain);
		}
	}
}

static bool rmr_accepted[ACPI_MAX_IORT_RMR];

/*
 * Before the units allocate anything: check each node and take its memory out of the page
 * allocator, so nothing the hypervisor allocates (stream tables, queues) can land in memory a
 * device keeps writing.
 */
void smmuv3_rmr_claim(const struct acpi_info *acpi)
{
	const struct acpi_iort *io = &acpi->iort;

	for (unsigned i = 0; i < io->nr_rmrs && i < ACPI_MAX_IORT_RMR; i++) {
		const struct acpi_iort_rmr *r = &io->rmrs[i];
		const char *why = rmr_check(io, r);

		for (unsigned k = r->first_range; why == NULL && k < (unsigned)r->first_range + r->nr_ranges; k++) {
			const struct acpi_iort_rmr_range *g = &io->rmr_ranges[k];

			if (palloc_claim_device_memory(hpa(g->base), g->length) != 0) {
				why = "overlaps memory the hypervisor owns or already uses";
			}
		}
		rmr_accepted[i] = why == NULL;
		if (why != NULL) {
			pr_err("smmuv3: RMR %u refused: %s; its streams stay blocked", i, why);
		}
	}
}

int smmuv3_rmr_setup(const struct acpi_info *acpi)
{
	const struct acpi_iort *io = &acpi->iort;
	unsigned attached = 0;

	for (unsigned i = 0; i < io->nr_rmrs && i < ACPI_MAX_IORT_RMR; i++) {
		if (!rmr_accepted[i]) {
			continue;
		}
		for (unsigned ui = 0; ui < smmuv3_nr_units(); ui++) {
			rmr_node_on_unit(io, i, ui);
		}
	}
	/* Tables complete first, then the streams move onto them. */
	for (unsigned i = 0; i < nr_rmr_streams; i++) {
		struct smmuv3_unit *u = rmr_streams[i].unit;
		struct rmr_table *t = &rmr_tables[rmr_streams[i].ui];
		const struct hv_device dev = { .rid = rmr_streams[i].sid, .iommu = &u->iommu };
		const struct ioasid_hw_config cfg = { .mode = IOASID_HW_TABLE, .domain = t->domain, .table = &t->pt };
		int ret = ioasid_hw_install(&u->iommu, &dev, false, 0, &cfg);

		if (ret) {
			pr_err("smmuv3: RMR stream %#x on %s: install failed (%d %s); it stays blocked", dev.rid, u->name,
			       ret, hv_strerror(ret));
			continue;
		}
		attached++;
	}
	return (int)attached;
}
