// SPDX-License-Identifier: MIT
/*
 * Host tests of the VT-d invalidation queue submitter (drivers/iommu/vtd/vtd.c:
 * vtd_qi_submit) against a register block in ordinary memory, where nothing processes the
 * queue unless the test plays the hardware by writing the status word. They pin down the
 * completion rule that keeps a late completion from being taken for a later batch's (Xen
 * XSA-373): every wait writes a fresh sequence number, only that number completes the batch,
 * and after a timeout or a queue error the unit refuses all further work.
 */
#define TEST_MAIN
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"
#include "test.h"

/* Not exercised here; vtd.c links against them. */
int acpi_dmar_unit_for(const struct acpi_info *info, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	(void)info;
	(void)segment;
	(void)bus;
	(void)devfn;
	return -1;
}

void vtd_rmrr_claim(const struct acpi_dmar *d)
{
	(void)d;
}

int vtd_rmrr_setup(const struct acpi_dmar *d)
{
	(void)d;
	return 0;
}

void ioasid_report_lost(struct hv_iommu *u, uint64_t n)
{
	(void)u;
	(void)n;
}

void ioasid_report_fault(struct hv_iommu *u, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t addr,
			 unsigned access, unsigned reason)
{
	(void)u;
	(void)rid;
	(void)has_pasid;
	(void)pasid;
	(void)addr;
	(void)access;
	(void)reason;
}

struct qi_fixture {
	struct vtd_unit u;
	uint8_t *regs;
};

static void qi_setup(struct qi_fixture *f, bool wide)
{
	memset(f, 0, sizeof(*f));
	f->regs = page_alloc(0);
	f->u.regs = (uintptr_t)f->regs;
	f->u.iq = page_alloc(0);
	f->u.iq_dw = wide ? 32 : 16;
	f->u.iq_nr = (unsigned)(HV_PAGE_SIZE / f->u.iq_dw);
	f->u.wait_status = page_alloc(0);
	snprintf(f->u.name, sizeof(f->u.name), "test");
}

static uint64_t reg64(struct qi_fixture *f, unsigned off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, sizeof(v));
	return v;
}

static const uint64_t *slot(struct qi_fixture *f, unsigned i)
{
	return (const uint64_t *)((const uint8_t *)f->u.iq + (size_t)i * f->u.iq_dw);
}

TEST(qi_batch_ends_with_a_status_write_wait)
{
	static struct qi_fixture f;
	struct vtd_inv_desc d[2] = { vtd_desc_cc_global(), vtd_desc_iotlb_domain(7, true) };
	struct vtd_inv_desc w;

	qi_setup(&f, false);
	*f.u.wait_status = 1; /* "hardware" completes the next wait, which writes 1 */
	ASSERT_EQ(vtd_qi_submit(&f.u, d, 2), 0);
	EXPECT_EQ(slot(&f, 0)[0], d[0].qw[0]);
	EXPECT_EQ(slot(&f, 1)[0], d[1].qw[0]);
	w = vtd_desc_wait(hpa_val(ptr_to_hpa((const void *)f.u.wait_status)), 1);
	EXPECT_EQ(slot(&f, 2)[0], w.qw[0]);
	EXPECT_EQ(slot(&f, 2)[1], w.qw[1]);
	EXPECT_EQ(reg64(&f, VTD_IQT_REG), 3 * 16); /* byte offset of the next free slot */
	EXPECT_TRUE(!f.u.qi_dead);
}

TEST(qi_256bit_slots_and_wrap)
{
	static struct qi_fixture f;
	struct vtd_inv_desc d = vtd_desc_piotlb_pasid(3, 0);

	qi_setup(&f, true);
	f.u.iq_tail = f.u.iq_nr - 1; /* the batch wraps to slot 0 */
	f.u.wait_seq = 41;
	*f.u.wait_status = 42;
	ASSERT_EQ(vtd_qi_submit(&f.u, &d, 1), 0);
	EXPECT_EQ(slot(&f, f.u.iq_nr - 1)[0], d.qw[0]);
	EXPECT_EQ(slot(&f, f.u.iq_nr - 1)[2] | slot(&f, f.u.iq_nr - 1)[3], 0);
	EXPECT_EQ(slot(&f, 0)[0] & VTD_DESC_TYPE, VTD_DESC_WAIT);
	EXPECT_EQ(reg64(&f, VTD_IQT_REG), 1 * 32);
	/* a batch that cannot fit with its wait is refused before touching the queue */
	EXPECT_EQ(vtd_qi_submit(&f.u, &d, f.u.iq_nr - 1), -E2BIG);
}

TEST(qi_late_completion_never_completes_a_later_wait)
{
	static struct qi_fixture f;
	struct vtd_inv_desc d = vtd_desc_iotlb_global(false);
	uint64_t iqt;

	qi_setup(&f, false);
	f.u.wait_seq = 9;
	/* The status word still holds the previous wait's number (9): a late write of it. */
	*f.u.wait_status = 9;
	EXPECT_EQ(vtd_qi_submit(&f.u, &d, 1), -ETIMEDOUT);
	EXPECT_TRUE(f.u.qi_dead);
	/* Now the timed-out wait (10) completes late: nothing may be taken as done any more. */
	*f.u.wait_status = 10;
	iqt = reg64(&f, VTD_IQT_REG);
	EXPECT_EQ(vtd_qi_submit(&f.u, &d, 1), -EIO);
	EXPECT_EQ(reg64(&f, VTD_IQT_REG), iqt); /* the hardware was not touched */
}

TEST(qi_queue_error_kills_the_unit)
{
	static struct qi_fixture f;
	struct vtd_inv_desc d = vtd_desc_iotlb_global(false);
	uint32_t fsts = (uint32_t)VTD_FSTS_IQE;

	qi_setup(&f, false);
	memcpy(f.regs + VTD_FSTS_REG, &fsts, sizeof(fsts));
	EXPECT_EQ(vtd_qi_submit(&f.u, &d, 1), -EIO);
	EXPECT_TRUE(f.u.qi_dead);
}

TEST(qi_sequence_skips_zero)
{
	static struct qi_fixture f;
	struct vtd_inv_desc d = vtd_desc_iotlb_global(false);

	qi_setup(&f, false);
	f.u.wait_seq = 0xffffffffU;
	*f.u.wait_status = 1; /* 0 is the status page's initial value: never used as a number */
	ASSERT_EQ(vtd_qi_submit(&f.u, &d, 1), 0);
	EXPECT_EQ(f.u.wait_seq, 1);
	EXPECT_EQ(slot(&f, 1)[0] >> 32, 1);
}
