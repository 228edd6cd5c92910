// SPDX-License-Identifier: MIT
/*
 * Requester-ID aliases in the core (ioasid/core.c, backend op rid_aliases): the aliases a
 * backend reports are kept with the device, a device whose RIDs overlap another guest's
 * device's RIDs is refused, devices of one guest may share an alias (one isolation group),
 * and a fault on an alias reaches the device's guest as that device's.
 */
#include "tests/unit/test.h"

#include <hv/errno.h>

#include "tests/unit/test_core_util.h"

/* 01:01.0 and 01:02.0 are behind a PCIe-to-PCI bridge (alias 01:00.0); 02:00.0 overflows. */
static int alias_op(struct hv_iommu *u, const struct hv_device *d, uint32_t *rids, unsigned max)
{
	(void)u;
	if (max < 1) {
		return -E2BIG;
	}
	switch (d->bdf) {
	case 0x0108:
	case 0x0110:
		rids[0] = 0x0100;
		return 1;
	case 0x0200:
		return -E2BIG;
	default:
		return 0;
	}
}

struct alias_env {
	struct mock_iommu mock;
	struct ioasid_backend_ops ops;
	struct h_guest a, b;
};

static int alias_env_init(struct alias_env *e)
{
	struct ioasid_dev_caps caps = h_default_caps();
	int ret;

	mock_iommu_init(&e->mock, "alias0", &caps);
	e->ops = *e->mock.unit.ops;
	e->ops.rid_aliases = alias_op;
	e->mock.unit.ops = &e->ops;
	/* Guest IDs of their own: a failed check here cannot keep core_env's 1 and 2 alive. */
	ret = h_guest_setup(&e->a, 11, &e->mock, 0, 0, 512);
	return ret ? ret : h_guest_setup(&e->b, 12, &e->mock, 0, 0, 512);
}

static int add(struct h_guest *hg, struct mock_iommu *m, uint16_t bdf, uint32_t *dev_id)
{
	return hv_guest_add_device(&hg->g, &m->unit, 0, bdf, bdf, dev_id);
}

static const struct ioasid_fault_record *last_fault(struct h_guest *hg)
{
	const struct hv_fault_queue *q = &hg->g.fq;

	return q->count ? &q->rec[(q->head + q->count - 1) % HV_FAULT_QUEUE_LEN] : NULL;
}

TEST(alias_rids_kept_and_shared_only_within_a_guest)
{
	static struct alias_env e;
	uint32_t d1 = 0, d2 = 0, d3 = 0, dx = 0;
	struct hv_device *dev;

	ASSERT_EQ(alias_env_init(&e), 0);
	ASSERT_EQ(add(&e.a, &e.mock, 0x0108, &d1), 0);
	dev = hv_device_lookup(&e.a.g, d1);
	ASSERT_TRUE(dev != NULL);
	EXPECT_EQ(dev->nr_alias_rids, 1);
	EXPECT_EQ(dev->alias_rids[0], 0x0100);

	/* Another guest: neither the sibling behind the same bridge nor the alias RID itself. */
	EXPECT_EQ(add(&e.b, &e.mock, 0x0110, &dx), -EBUSY);
	EXPECT_EQ(add(&e.b, &e.mock, 0x0100, &dx), -EBUSY);
	/* The same guest may hold the whole group. */
	EXPECT_EQ(add(&e.a, &e.mock, 0x0110, &d2), 0);
	/* A device without aliases elsewhere is unaffected; the op's error refuses the device. */
	EXPECT_EQ(add(&e.b, &e.mock, 0x0008, &d3), 0);
	EXPECT_EQ(add(&e.b, &e.mock, 0x0200, &dx), -E2BIG);

	/* Faults: the alias goes to guest a (first device of the group), own RIDs to their device. */
	ioasid_report_fault(&e.mock.unit, 0x0100, false, 0, 0x1000, IOASID_FAULT_ACCESS_WRITE,
			    IOASID_FAULT_REASON_BLOCKED);
	ASSERT_TRUE(last_fault(&e.a) != NULL);
	EXPECT_EQ(last_fault(&e.a)->dev_id, d1);
	ioasid_report_fault(&e.mock.unit, 0x0110, false, 0, 0x2000, IOASID_FAULT_ACCESS_WRITE,
			    IOASID_FAULT_REASON_BLOCKED);
	EXPECT_EQ(last_fault(&e.a)->dev_id, d2);
	EXPECT_EQ(e.b.g.fq.count, 0);

	/* Once guest a is gone, guest b may take the group. */
	h_guest_teardown(&e.a);
	EXPECT_EQ(add(&e.b, &e.mock, 0x0110, &dx), 0);
	ioasid_report_fault(&e.mock.unit, 0x0100, false, 0, 0x3000, IOASID_FAULT_ACCESS_READ,
			    IOASID_FAULT_REASON_BLOCKED);
	ASSERT_TRUE(last_fault(&e.b) != NULL);
	EXPECT_EQ(last_fault(&e.b)->dev_id, dx);
	h_guest_teardown(&e.b);
}
