// SPDX-License-Identifier: MIT
/*
 * Host tests of the AMD-Vi command-buffer submitter (drivers/iommu/amdvi/amdvi_cmd.c) against a
 * register block in ordinary memory, where nothing executes commands unless the test plays the
 * hardware by writing the COMPLETION_WAIT store slot beforehand. They pin down the rules of
 * docs/AMDVI.md "Command buffer": only the submission's own sequence number completes it (a
 * stale store is never taken, Xen XSA-373), every wait is bounded, and a timeout, a full ring
 * that never drains or a halted buffer marks the unit dead, after which every submission fails
 * at once without touching the hardware.
 */
#define TEST_MAIN
#include "test.h"

#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "drivers/iommu/amdvi/amdvi.h"
#include "drivers/iommu/amdvi/amdvi_regs.h"

struct fx {
	struct amdvi_unit u;
	uint8_t *regs;
};

static void fx_setup(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->regs = page_alloc(2); /* 16 KiB: the register window */
	memset(f->regs, 0, 4 * HV_PAGE_SIZE);
	f->u.regs = (uintptr_t)f->regs;
	snprintf(f->u.name, sizeof(f->u.name), "test");
	(void)amdvi_cmd_init(&f->u);
	memset(f->u.cmdbuf, 0, HV_PAGE_SIZE);
	memset((void *)f->u.wait_status, 0, HV_PAGE_SIZE);
}

static void fx_free(struct fx *f)
{
	page_free(f->regs, 2);
	page_free(f->u.cmdbuf, 0);
	page_free((void *)f->u.wait_status, 0);
}

static uint64_t reg64(struct fx *f, unsigned off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, 8);
	return v;
}

static void set_reg64(struct fx *f, unsigned off, uint64_t v)
{
	memcpy(f->regs + off, &v, 8);
}

static volatile uint64_t *slot(struct fx *f)
{
	return &f->u.wait_status[arch_cpu_id()];
}

TEST(init_programs_base_and_length)
{
	static struct fx f;

	fx_setup(&f);
	/* base 51:12, ComLen 59:56 = 8 (256 entries) */
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_BASE_REG), hpa_val(ptr_to_hpa(f.u.cmdbuf)) | (8ULL << 56));
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_TAIL_REG), 0);
	fx_free(&f);
}

TEST(completes_on_its_own_sequence_number)
{
	static struct fx f;
	struct amdvi_cmd c[2] = { amdvi_cmd_inv_devtab_entry(5), amdvi_cmd_inv_domain(7) };
	struct amdvi_cmd cw;

	fx_setup(&f);
	*slot(&f) = 1; /* "hardware" runs the next wait, which stores 1 */
	ASSERT_EQ(amdvi_cmd_submit(&f.u, c, 1), 0);
	EXPECT_EQ(f.u.cmdbuf[0].qw[0], c[0].qw[0]);
	cw = amdvi_cmd_completion_wait(hpa_val(ptr_to_hpa((const void *)slot(&f))), 1);
	EXPECT_EQ(f.u.cmdbuf[1].qw[0], cw.qw[0]);
	EXPECT_EQ(f.u.cmdbuf[1].qw[1], 1);
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_TAIL_REG), 2 * 16); /* a byte offset */
	*slot(&f) = 2;
	set_reg64(&f, AMDVI_CMDBUF_HEAD_REG, 2 * 16);
	ASSERT_EQ(amdvi_cmd_submit(&f.u, c, 2), 0);
	EXPECT_EQ(f.u.cmdbuf[3].qw[1], c[1].qw[1]);
	EXPECT_EQ(f.u.cmdbuf[4].qw[1], 2);
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_TAIL_REG), 5 * 16);
	EXPECT_TRUE(!f.u.dead);
	fx_free(&f);
}

TEST(stale_store_is_not_taken_and_the_unit_dies)
{
	static struct fx f;
	struct amdvi_cmd c = amdvi_cmd_inv_all();
	uint64_t tail;

	fx_setup(&f);
	*slot(&f) = 1;
	ASSERT_EQ(amdvi_cmd_submit(&f.u, &c, 1), 0);
	/* The slot still holds 1: a late store of the old wait. The new one waits for 2. */
	set_reg64(&f, AMDVI_CMDBUF_HEAD_REG, 2 * 16);
	EXPECT_EQ(amdvi_cmd_submit(&f.u, &c, 1), -ETIMEDOUT);
	EXPECT_TRUE(f.u.dead);
	tail = reg64(&f, AMDVI_CMDBUF_TAIL_REG);
	*slot(&f) = 3; /* even a store that would match the next number: dead is dead */
	EXPECT_EQ(amdvi_cmd_submit(&f.u, &c, 1), -EIO);
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_TAIL_REG), tail); /* the hardware was not touched */
	fx_free(&f);
}

TEST(halted_buffer_marks_the_unit_dead)
{
	static struct fx f;
	struct amdvi_cmd c = amdvi_cmd_inv_all();

	fx_setup(&f);
	f.u.run_bit = true;		    /* the unit reports CmdBufRun ... */
	set_reg64(&f, AMDVI_STATUS_REG, 0); /* ... and it is clear: an illegal command stopped it */
	*slot(&f) = 1;
	EXPECT_EQ(amdvi_cmd_submit(&f.u, &c, 1), -EIO);
	EXPECT_TRUE(f.u.dead);
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_TAIL_REG), 0);
	/* A running buffer is fine. */
	fx_free(&f);
	fx_setup(&f);
	f.u.run_bit = true;
	set_reg64(&f, AMDVI_STATUS_REG, AMDVI_STS_CMDBUF_RUN);
	*slot(&f) = 1;
	EXPECT_EQ(amdvi_cmd_submit(&f.u, &c, 1), 0);
	fx_free(&f);
}

TEST(ring_wraps_and_a_full_ring_that_never_drains_is_fatal)
{
	static struct fx f;
	struct amdvi_cmd c[10];

	for (unsigned i = 0; i < 10; i++) {
		c[i] = amdvi_cmd_inv_devtab_entry((uint16_t)i);
	}
	fx_setup(&f);
	f.u.cmd_tail = 250;
	set_reg64(&f, AMDVI_CMDBUF_HEAD_REG, 250 * 16); /* empty ring, near its end */
	*slot(&f) = 1;
	ASSERT_EQ(amdvi_cmd_submit(&f.u, c, 10), 0);
	EXPECT_EQ(f.u.cmdbuf[255].qw[0], c[5].qw[0]);
	EXPECT_EQ(f.u.cmdbuf[0].qw[0], c[6].qw[0]);
	EXPECT_EQ(f.u.cmdbuf[4].qw[1], 1); /* the wait, after the wrap */
	EXPECT_EQ(reg64(&f, AMDVI_CMDBUF_TAIL_REG), 5 * 16);
	/* 255 entries pending and the head never moves: no room, bounded wait, dead. */
	fx_free(&f);
	fx_setup(&f);
	f.u.cmd_tail = 10;
	set_reg64(&f, AMDVI_CMDBUF_HEAD_REG, 11 * 16);
	*slot(&f) = 1;
	EXPECT_EQ(amdvi_cmd_submit(&f.u, c, 1), -ETIMEDOUT);
	EXPECT_TRUE(f.u.dead);
	EXPECT_EQ(amdvi_cmd_submit(&f.u, c, 255), -E2BIG);
	fx_free(&f);
}
