// SPDX-License-Identifier: MIT
/*
 * Host tests of RMRR handling (drivers/iommu/vtd/vtd_rmrr.c, spec 8.4) over a synthetic DMAR:
 * accepted RMRRs are identity-mapped in a per-unit table and their devices attached to it;
 * malformed RMRRs, RMRRs over the hypervisor's memory, and scopes naming no present endpoint are
 * refused without attaching anything. The units are fakes whose install op records calls; the
 * page-table engine is the real one, so the tests walk the table that would be installed.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/palloc.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"
#define TEST_MAIN
#include "test.h"

#define HV_BASE 0x100000ULL /* the fake hypervisor-owned range [1 MiB, 2 MiB) */
#define HV_END	0x200000ULL

static struct vtd_unit units[2];
static unsigned nr_installs;
static struct {
	uint32_t rid;
	struct ioasid_hw_config cfg;
} installs[8];
static uint32_t next_domain = 100;

static int fake_caps(struct hv_iommu *iommu, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	(void)iommu;
	(void)d;
	*caps = (struct ioasid_dev_caps){ .pgsize_bitmap = SZ_4K | SZ_2M, .ia_bits = 39, .paging_fmt = PT_FMT_VTD_SL };
	return 0;
}

static int fake_install(struct hv_iommu *iommu, const struct hv_device *d, bool has_pasid, uint32_t pasid,
			const struct ioasid_hw_config *cfg)
{
	(void)iommu;
	(void)pasid;
	if (has_pasid || nr_installs == 8) {
		return -EINVAL;
	}
	installs[nr_installs].rid = d->rid;
	installs[nr_installs].cfg = *cfg;
	nr_installs++;
	return 0;
}

static const struct ioasid_backend_ops fake_ops = { .get_caps = fake_caps, .install = fake_install };

/* stubs of what vtd_rmrr.c uses from the rest of the hypervisor */
unsigned vtd_nr_units(void)
{
	return 1;
}

struct vtd_unit *vtd_unit_get(unsigned i)
{
	return &units[i];
}

struct vtd_unit *vtd_unit_for(uint16_t segment, uint16_t bdf)
{
	return segment == 0 && bdf < 0x100 ? &units[0] : NULL; /* bus 0 only */
}

int palloc_claim_device_memory(hpa_t base, uint64_t size)
{
	return hpa_val(base) < HV_END && hpa_val(base) + size > HV_BASE ? -EBUSY : 0;
}

uint32_t ioasid_new_domain(void)
{
	return next_domain++;
}

static struct acpi_dmar dmar;

static void reset(void)
{
	/* Here no hardware walks the tables of the last test: free them before forgetting them. */
	for (unsigned i = 0; i < nr_installs; i++) {
		pt_destroy((struct pt_table *)installs[i].cfg.table);
	}
	vtd_rmrr_forget();
	memset(&dmar, 0, sizeof(dmar));
	nr_installs = 0;
	units[0].iommu = (struct hv_iommu){ .ops = &fake_ops, .priv = &units[0], .name = "dmar0" };
	snprintf(units[0].name, sizeof(units[0].name), "dmar0");
}

static unsigned add_scope(uint8_t type, uint8_t bus, uint8_t devfn, bool resolved)
{
	dmar.scopes[dmar.nr_scopes] = (struct acpi_dmar_scope){
		.type = type, .resolved = resolved, .bus = bus, .devfn = devfn, .path_len = 1
	};
	return dmar.nr_scopes++;
}

static void add_rmrr(uint64_t base, uint64_t limit, unsigned first_scope, unsigned nr_scopes)
{
	dmar.rmrr[dmar.nr_rmrr++] = (struct acpi_rmrr){ .segment = 0,
							.base = base,
							.limit = limit,
							.first_scope = (uint16_t)first_scope,
							.nr_scopes = (uint16_t)nr_scopes };
}

static bool maps_identity(const struct pt_table *t, uint64_t a)
{
	hpa_t out;
	unsigned prot = 0;

	return pt_lookup(t, a, &out, &prot, NULL) == 0 && hpa_val(out) == a && prot == (PT_PROT_READ | PT_PROT_WRITE);
}

TEST(rmrr_identity_mapped_and_device_attached)
{
	const struct pt_table *t;

	reset();
	add_rmrr(0x7f000000, 0x7f003fff, add_scope(ACPI_SCOPE_PCI_ENDPOINT, 0, 0xf8, true), 1);
	vtd_rmrr_claim(&dmar);
	ASSERT_EQ(vtd_rmrr_setup(&dmar), 1);
	ASSERT_EQ(nr_installs, 1);
	EXPECT_EQ(installs[0].rid, 0xf8);
	EXPECT_EQ(installs[0].cfg.mode, IOASID_HW_TABLE);
	EXPECT_EQ(installs[0].cfg.domain, next_domain - 1);
	t = installs[0].cfg.table;
	ASSERT_TRUE(t != NULL);
	EXPECT_TRUE(maps_identity(t, 0x7f000000));
	EXPECT_TRUE(maps_identity(t, 0x7f003ff8));
	EXPECT_EQ(pt_lookup(t, 0x7f004000, NULL, NULL, NULL), -ENOENT); /* just past the end */
	EXPECT_EQ(pt_lookup(t, 0x7efff000, NULL, NULL, NULL), -ENOENT);
	EXPECT_TRUE(vtd_rmrr_device(0, 0xf8));
	EXPECT_TRUE(!vtd_rmrr_device(0, 0xf0));
	EXPECT_TRUE(!vtd_rmrr_device(1, 0xf8));
}

/* Two RMRRs of one device, overlapping: both ranges mapped, the device attached once. */
TEST(rmrr_overlapping_ranges_one_device)
{
	unsigned s;

	reset();
	s = add_scope(ACPI_SCOPE_PCI_ENDPOINT, 0, 0x10, true);
	add_rmrr(0x80000000, 0x80003fff, s, 1);
	add_rmrr(0x80002000, 0x80005fff, s, 1);
	vtd_rmrr_claim(&dmar);
	ASSERT_EQ(vtd_rmrr_setup(&dmar), 1);
	ASSERT_EQ(nr_installs, 1);
	EXPECT_TRUE(maps_identity(installs[0].cfg.table, 0x80000000));
	EXPECT_TRUE(maps_identity(installs[0].cfg.table, 0x80005000));
	EXPECT_EQ(pt_lookup(installs[0].cfg.table, 0x80006000, NULL, NULL, NULL), -ENOENT);
}

/* Every malformed or unsafe RMRR is refused: nothing attached, nothing remembered, no crash. */
TEST(rmrr_refusals)
{
	unsigned ep, s;

	reset();
	ep = add_scope(ACPI_SCOPE_PCI_ENDPOINT, 0, 0x08, true);
	add_rmrr(0x7f000800, 0x7f001fff, ep, 1);		/* base not page-aligned */
	add_rmrr(0x7f000000, 0x7f0017ff, ep, 1);		/* end not page-aligned */
	add_rmrr(0x7f002000, 0x7f000fff, ep, 1);		/* ends before it starts */
	add_rmrr(0x0, 0xffffffffffffffffULL, ep, 1);		/* limit + 1 wraps */
	add_rmrr(0x40000000, 0x80000fff, ep, 1);		/* more than 1 GiB */
	add_rmrr(HV_BASE, HV_BASE + 0x3fff, ep, 1);		/* the hypervisor's memory */
	add_rmrr(0x7f000000, 0x7f000fff, ep, 0);		/* no scopes */
	add_rmrr(0x7f000000, 0x7f000fff, 200, 1);		/* scope index beyond the table */
	add_rmrr(0x7f000000, 0x7f000fff, ep, 0xffff);		/* scope count overflows */
	s = add_scope(ACPI_SCOPE_PCI_ENDPOINT, 0, 0x18, false); /* device not present */
	add_rmrr(0x7f000000, 0x7f000fff, s, 1);
	s = add_scope(ACPI_SCOPE_IOAPIC, 0xff, 0, true); /* not a PCI endpoint */
	add_rmrr(0x7f000000, 0x7f000fff, s, 1);
	s = add_scope(ACPI_SCOPE_PCI_ENDPOINT, 3, 0, true); /* no unit translates bus 3 */
	add_rmrr(0x7f000000, 0x7f000fff, s, 1);
	s = add_scope(ACPI_SCOPE_PCI_ENDPOINT, 0, 0x20, true);
	add_rmrr(0x8000000000ULL, 0x8000000fffULL, s, 1); /* beyond the unit's 39-bit tables */
	vtd_rmrr_claim(&dmar);
	EXPECT_EQ(vtd_rmrr_setup(&dmar), 0);
	EXPECT_EQ(nr_installs, 0);
	EXPECT_TRUE(!vtd_rmrr_device(0, 0x08));
	EXPECT_TRUE(!vtd_rmrr_device(0, 0x18));
	EXPECT_TRUE(!vtd_rmrr_device(0, 0x20));
	reset();
}
