// SPDX-License-Identifier: MIT
/*
 * Reserved Memory Region Reporting (VT-d spec 8.4): memory a firmware-owned device (a USB
 * controller's legacy emulation, an integrated GPU, a BMC path) may keep using for DMA after
 * boot. The spec asks the OS to identity-map each RMRR for the devices its scopes name, before
 * translation is enabled for them, and for as long as they may use it.
 *
 * Policy (docs/VTD.md "RMRRs"):
 *   - At take-over, every unit gets one hypervisor-owned identity table (the unit's own format,
 *     second- or first-level) holding the RMRRs of its devices; each device an RMRR names is
 *     attached to that table instead of being blocked. So its DMA inside its RMRRs reaches the
 *     same physical address, and everything else faults as for any blocked device.
 *   - Such a device is never assigned to a guest (guest_iommu_for refuses it with -EBUSY). Linux
 *     instead keeps the RMRR identity-mapped inside the device's new domain; for a guest that
 *     would put host-physical memory into its IOVA space and let the firmware's DMA and the
 *     guest's collide. Xen refuses such assignments by default for the same reason; so do we.
 *   - An RMRR is checked before it is honoured: base and end page-aligned, end after base, at
 *     most VTD_RMRR_MAX_BYTES, inside the unit's address width, scopes in the table's scope
 *     array. Its memory must not be ours: palloc_claim_device_memory() refuses the
 *     hypervisor's image, heap and loaded files, and takes usable RAM out of the page allocator
 *     for good (refused if a page is already in use). A refused RMRR is logged and skipped;
 *     its devices stay blocked. Nothing in the table can crash us.
 */
#include <hv/acpi.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/palloc.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"

#define VTD_RMRR_MAX_BYTES (1ULL << 30) /* far above any real RMRR; bounds the table we build */
#define VTD_RMRR_MAX_DEVS  32

struct vtd_rmrr_table {
	bool valid;
	struct pt_table pt;
	uint32_t domain;
};

static struct vtd_rmrr_table rmrr_tables[VTD_MAX_UNITS];
static struct {
	uint16_t segment, bdf;
	struct vtd_unit *unit;
} rmrr_devs[VTD_RMRR_MAX_DEVS];
static unsigned nr_rmrr_devs;

#ifdef HV_HOST
/* Host tests only (tests/unit/test_vtd_rmrr.c): never in a hypervisor image. */
void vtd_rmrr_forget(void)
{
	for (unsigned i = 0; i < VTD_MAX_UNITS; i++) {
		rmrr_tables[i] = (struct vtd_rmrr_table){ 0 }; /* tables a unit may walk are never freed */
	}
	nr_rmrr_devs = 0;
}
#endif

bool vtd_rmrr_device(uint16_t segment, uint16_t bdf)
{
	for (unsigned i = 0; i < nr_rmrr_devs; i++) {
		if (rmrr_devs[i].segment == segment && rmrr_devs[i].bdf == bdf) {
			return true;
		}
	}
	return false;
}

/* The identity table of unit index ui, created on first use in the unit's format. */
static struct vtd_rmrr_table *rmrr_table(unsigned ui)
{
	struct vtd_rmrr_table *t = &rmrr_tables[ui];
	struct vtd_unit *u = vtd_unit_get(ui);

	if (!t->valid && ioasid_identity_table_init(&u->iommu, &t->pt, &t->domain) == 0) {
		t->valid = true;
	}
	return t->valid ? t : NULL;
}

static unsigned unit_index(const struct vtd_unit *u)
{
	for (unsigned i = 0; i < vtd_nr_units(); i++) {
		if (vtd_unit_get(i) == u) {
			return i;
		}
	}
	return VTD_MAX_UNITS;
}

/* Checks of one RMRR that need no hardware; 0 or why not (for the log). */
static const char *rmrr_check(const struct acpi_dmar *d, const struct acpi_rmrr *r)
{
	uint64_t end = r->limit + 1;

	if (!IS_ALIGNED(r->base, HV_PAGE_SIZE) || !IS_ALIGNED(end, HV_PAGE_SIZE)) {
		return "not page-aligned";
	}
	if (end <= r->base) {
		return "ends before it starts";
	}
	if (end - r->base > VTD_RMRR_MAX_BYTES) {
		return "larger than 1 GiB";
	}
	if (r->nr_scopes == 0 || r->first_scope >= d->nr_scopes || r->nr_scopes > d->nr_scopes - r->first_scope) {
		return "no device scopes";
	}
	return NULL;
}

/* Map r into the tables of the units of its devices; note the devices. */
static void rmrr_map(const struct acpi_dmar *d, unsigned idx, const struct acpi_rmrr *r)
{
	uint64_t size = r->limit + 1 - r->base;

	for (unsigned s = r->first_scope; s < r->first_scope + r->nr_scopes; s++) {
		const struct acpi_dmar_scope *sc = &d->scopes[s];
		struct ioasid_dev_caps caps = { 0 };
		uint16_t bdf = (uint16_t)(sc->bus << 8 | sc->devfn);
		struct vtd_rmrr_table *t;
		struct vtd_unit *u;
		unsigned ui;
		int ret;

		if (sc->type != ACPI_SCOPE_PCI_ENDPOINT || !sc->resolved) {
			pr_warn("vtd: RMRR %u: scope %u is not a present PCI endpoint; skipped", idx, s);
			continue;
		}
		u = vtd_unit_for(r->segment, bdf);
		ui = u != NULL ? unit_index(u) : VTD_MAX_UNITS;
		if (ui == VTD_MAX_UNITS || nr_rmrr_devs == VTD_RMRR_MAX_DEVS) {
			pr_warn("vtd: RMRR %u: device %02x:%02x.%x has no unit (or too many RMRR devices); skipped",
				idx, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
			continue;
		}
		if (u->iommu.ops->get_caps(&u->iommu, &(const struct hv_device){ 0 }, &caps) != 0 ||
		    r->limit >> caps.ia_bits != 0) {
			pr_err("vtd: RMRR %u: beyond the %u-bit tables of %s; skipped", idx, caps.ia_bits, u->name);
			continue;
		}
		t = rmrr_table(ui);
		if (t == NULL) {
			pr_err("vtd: RMRR %u: no memory for the identity table of %s; skipped", idx, u->name);
			continue;
		}
		ret = ioasid_identity_map(&t->pt, r->base, size);
		if (ret) {
			pr_err("vtd: RMRR %u: identity mapping failed (%d %s); skipped", idx, ret, hv_strerror(ret));
			continue;
		}
		if (!vtd_rmrr_device(r->segment, bdf)) {
			rmrr_devs[nr_rmrr_devs].segment = r->segment;
			rmrr_devs[nr_rmrr_devs].bdf = bdf;
			rmrr_devs[nr_rmrr_devs].unit = u;
			nr_rmrr_devs++;
		}
		pr_info("vtd: RMRR %u: %#llx-%#llx identity-mapped for %02x:%02x.%x on %s (domain %u)", idx,
			(unsigned long long)r->base, (unsigned long long)r->limit, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7,
			u->name, t->domain);
	}
}

static bool rmrr_accepted[ACPI_MAX_RMRR];

/*
 * Before the units allocate anything (root tables, queues, interrupt-remapping tables): check
 * each RMRR and take its memory out of the page allocator, so nothing the hypervisor
 * allocates can land in memory a device keeps writing.
 */
void vtd_rmrr_claim(const struct acpi_dmar *d)
{
	for (unsigned i = 0; i < d->nr_rmrr && i < ACPI_MAX_RMRR; i++) {
		const struct acpi_rmrr *r = &d->rmrr[i];
		const char *why = rmrr_check(d, r);
		int ret;

		if (why == NULL) {
			ret = palloc_claim_device_memory(hpa(r->base), r->limit + 1 - r->base);
			why = ret == 0 ? NULL : "overlaps memory the hypervisor owns or already uses";
		}
		rmrr_accepted[i] = why == NULL;
		if (why != NULL) {
			pr_err("vtd: RMRR %u %#llx-%#llx (segment %u) refused: %s; its devices stay blocked", i,
			       (unsigned long long)r->base, (unsigned long long)r->limit, r->segment, why);
		}
	}
}

int vtd_rmrr_setup(const struct acpi_dmar *d)
{
	unsigned attached = 0;

	for (unsigned i = 0; i < d->nr_rmrr && i < ACPI_MAX_RMRR; i++) {
		if (rmrr_accepted[i]) {
			rmrr_map(d, i, &d->rmrr[i]);
		}
	}
	/* Tables complete first, then the devices move onto them (spec 8.4: before they translate). */
	for (unsigned i = 0; i < nr_rmrr_devs; i++) {
		struct vtd_unit *u = rmrr_devs[i].unit;
		struct vtd_rmrr_table *t = &rmrr_tables[unit_index(u)];
		const struct hv_device dev = { .segment = rmrr_devs[i].segment,
					       .bdf = rmrr_devs[i].bdf,
					       .rid = rmrr_devs[i].bdf };
		const struct ioasid_hw_config cfg = { .mode = IOASID_HW_TABLE, .domain = t->domain, .table = &t->pt };
		int ret = ioasid_hw_install(&u->iommu, &dev, false, 0, &cfg);

		if (ret) {
			pr_err("vtd: RMRR device %02x:%02x.%x: install failed (%d %s); it stays blocked", dev.bdf >> 8,
			       (dev.bdf >> 3) & 0x1f, dev.bdf & 7, ret, hv_strerror(ret));
			continue;
		}
		attached++;
	}
	return (int)attached;
}
