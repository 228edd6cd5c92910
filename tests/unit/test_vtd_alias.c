// SPDX-License-Identifier: MIT
/*
 * Requester-ID aliases in the VT-d backend (drivers/iommu/vtd/vtd_tables.c): the rid_aliases op
 * reads them from the PCI enumeration, and every RID install or block writes the device's own
 * entry and each alias's, in legacy and scalable mode; PASID entries stay on the own RID; an
 * install that cannot get a route slot or a table page for every SID changes none of them.
 * The invalidation queue is replaced by a counter (test_vtd_tables.c checks the sequences).
 */
#include <stdlib.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/pci.h>
#include <ioasid/abi.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"

#define TEST_MAIN
#include "test.h"

#define QEMU_CAP  0x00d2008c222f0606ULL /* qemu-10.0 notes 1.1 */
#define OWN	  0x0208		/* 02:01.0, behind a PCIe-to-PCI bridge ... */
#define ALIAS	  0x0200		/* ... whose secondary bus is 2 */
#define ALIAS_CNV 0x0118		/* and a conventional bridge 01:03.0 above that (made up) */

static unsigned nr_submits;

int vtd_qi_submit(struct vtd_unit *u, const struct vtd_inv_desc *d, unsigned n)
{
	(void)u;
	(void)d;
	(void)n;
	nr_submits++;
	return 0;
}

struct fixture {
	struct vtd_unit u;
	struct hv_device dev;
	struct pt_table t1;
	struct ioasid_hw_config c1, blocked;
	void *page;
};

#include "pt_exit.h"

static void setup(struct fixture *f, bool scalable)
{
	memset(f, 0, sizeof(*f));
	f->u.root = page_alloc(0);
	f->u.cap = QEMU_CAP;
	f->u.ecap = VTD_ECAP_PASID;
	f->u.scalable = scalable;
	f->u.levels = 4;
	f->u.nr_domains = 1U << 16;
	f->u.iommu = (struct hv_iommu){ .ops = &vtd_backend_ops, .priv = &f->u, .name = "test" };
	(void)vtd_tables_init(&f->u);
	f->dev = (struct hv_device){ .rid = OWN, .bdf = OWN, .alias_rids = { ALIAS_CNV, ALIAS }, .nr_alias_rids = 2 };
	f->page = page_alloc(0);
	(void)pt_init(&f->t1, PT_FMT_VTD_SL, 48, SZ_4K | SZ_2M, false, NULL);
	(void)pt_map(&f->t1, 0x10000000, ptr_to_hpa(f->page), HV_PAGE_SIZE, PT_PROT_READ | PT_PROT_WRITE);
	destroy_at_exit(&f->t1);
	f->c1 = (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = 5, .table = &f->t1 };
	f->blocked = (struct ioasid_hw_config){ .mode = IOASID_HW_BLOCKED };
}

static int install(struct fixture *f, bool has_pasid, uint32_t pasid, const struct ioasid_hw_config *c)
{
	return vtd_backend_ops.install(&f->u.iommu, &f->dev, has_pasid, pasid, c);
}

/* sid's RID entry walks 0x10000000 to the fixture's page. */
static bool walks(struct fixture *f, uint16_t sid, uint32_t pasid)
{
	hpa_t h = hpa(0);

	return vtd_debug_walk(&f->u, sid, pasid, 0x10000000, &h, NULL) == 0 &&
	       hpa_val(h) == hpa_val(ptr_to_hpa(f->page));
}

static void check_rid_routes(bool scalable)
{
	static struct fixture legacy, sm; /* one each: their pages stay reachable (LSan) */
	const uint16_t sids[] = { OWN, ALIAS, ALIAS_CNV };
	struct fixture *f = scalable ? &sm : &legacy;

	setup(f, scalable);
	ASSERT_EQ(install(f, false, 0, &f->c1), 0);
	for (unsigned i = 0; i < 3; i++) {
		const struct vtd_route *r = vtd_route_find(&f->u, sids[i], VTD_RID_PASID);

		EXPECT_TRUE(vtd_debug_sid_present(&f->u, sids[i]));
		EXPECT_TRUE(walks(f, sids[i], VTD_RID_PASID));
		/* each SID has its own route: faults on an alias are decoded against the same table */
		ASSERT_TRUE(r != NULL);
		EXPECT_EQ(r->did, 5);
		EXPECT_TRUE(r->table == &f->t1);
	}
	/* DETACH/teardown: the alias is blocked with the device, never left to a former owner. */
	ASSERT_EQ(install(f, false, 0, &f->blocked), 0);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_TRUE(!vtd_debug_sid_present(&f->u, sids[i]));
		EXPECT_EQ(vtd_route_find(&f->u, sids[i], VTD_RID_PASID)->did, 0);
	}
}

TEST(legacy_alias_entries_follow_the_device)
{
	check_rid_routes(false);
}

TEST(scalable_alias_entries_follow_the_device)
{
	check_rid_routes(true);
}

TEST(pasid_entries_only_on_the_own_rid)
{
	static struct fixture f;
	hpa_t h = hpa(0);

	setup(&f, true);
	ASSERT_EQ(install(&f, true, 1, &f.c1), 0);
	EXPECT_TRUE(walks(&f, OWN, 1));
	EXPECT_TRUE(vtd_route_find(&f.u, ALIAS, 1) == NULL);
	EXPECT_TRUE(vtd_debug_walk(&f.u, ALIAS, 1, 0x10000000, &h, NULL) != 0);
}

TEST(no_slot_for_every_sid_changes_nothing)
{
	static struct fixture f;

	setup(&f, false);
	/* Leave two free route slots for three SIDs. */
	for (unsigned i = 0; i < VTD_MAX_ROUTES - 2; i++) {
		f.u.routes[i] =
			(struct vtd_route){ .used = true, .sid = (uint16_t)(0x8000 + i), .pasid = VTD_RID_PASID };
	}
	nr_submits = 0;
	EXPECT_EQ(install(&f, false, 0, &f.c1), -ENOSPC);
	EXPECT_TRUE(!vtd_debug_sid_present(&f.u, OWN));
	EXPECT_TRUE(!vtd_debug_sid_present(&f.u, ALIAS));
	EXPECT_TRUE(!vtd_debug_sid_present(&f.u, ALIAS_CNV));
	EXPECT_EQ(nr_submits, 0);
	/* A third slot frees up: now it fits. */
	f.u.routes[0].used = false;
	EXPECT_EQ(install(&f, false, 0, &f.c1), 0);
	EXPECT_TRUE(vtd_debug_sid_present(&f.u, ALIAS));
}

TEST(bad_alias_rejected)
{
	static struct fixture f;

	setup(&f, false);
	f.dev.alias_rids[1] = 0x10000;
	EXPECT_EQ(install(&f, false, 0, &f.c1), -EINVAL);
	EXPECT_TRUE(!vtd_debug_sid_present(&f.u, OWN));
}

/* The op: 02:01.0 behind the PCIe-to-PCI bridge 01:00.0 (secondary bus 2) under root port 00:02.0. */
TEST(rid_aliases_op_reads_the_enumeration)
{
	static struct fixture f;
	uint32_t rids[HV_DEV_MAX_ALIASES] = { 0 };
	struct hv_device other = { .rid = 0x0008, .bdf = 0x0008 };

	setup(&f, false);
	memset(&hv_pci, 0, sizeof(hv_pci));
	hv_pci.devs[0] = (struct pci_dev){ .bus = 0,
					   .devfn = 2 << 3,
					   .header_type = 1,
					   .sec_bus = 1,
					   .sub_bus = 2,
					   .cap_exp = 0x40,
					   .pcie_type = PCI_EXP_TYPE_ROOT_PORT };
	hv_pci.devs[1] = (struct pci_dev){ .bus = 1,
					   .devfn = 0,
					   .header_type = 1,
					   .sec_bus = 2,
					   .sub_bus = 2,
					   .cap_exp = 0x40,
					   .pcie_type = PCI_EXP_TYPE_PCI_BRIDGE };
	hv_pci.devs[2] = (struct pci_dev){ .bus = 2, .devfn = 1 << 3 };
	hv_pci.devs[3] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3 };
	hv_pci.nr_devs = 4;
	(void)pci_group_all(&hv_pci);
	f.dev.nr_alias_rids = 0;
	ASSERT_EQ(vtd_backend_ops.rid_aliases(&f.u.iommu, &f.dev, rids, HV_DEV_MAX_ALIASES), 1);
	EXPECT_EQ(rids[0], ALIAS);
	EXPECT_EQ(vtd_backend_ops.rid_aliases(&f.u.iommu, &f.dev, rids, 0), -E2BIG);
	EXPECT_EQ(vtd_backend_ops.rid_aliases(&f.u.iommu, &other, rids, HV_DEV_MAX_ALIASES), 0);
	memset(&hv_pci, 0, sizeof(hv_pci));
}
