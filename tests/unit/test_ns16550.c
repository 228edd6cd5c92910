// SPDX-License-Identifier: MIT
/*
 * Unit tests for drivers/uart/ns16550.c against a fake 16550 that models DLAB banking, the
 * scratch register and LSR.THRE, so the init sequence, the divisor and the bounded transmit
 * wait are checked register by register.
 */
#define TEST_MAIN
#include <hv/console.h>
#include <hv/errno.h>

#include "test.h"

#define FAKE_BASE 0x1000

static struct {
	uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
	bool scratch_works;
	unsigned thre_after;  /* LSR reads before THRE reads as set (~0u: never) */
	unsigned lsr_reads;
	char tx[64];
	unsigned nr_tx;
	unsigned reg_shift;
} fake;

static unsigned reg_index(uintptr_t addr)
{
	return (unsigned)((addr - FAKE_BASE) >> fake.reg_shift);
}

static uint8_t fake_read(uintptr_t addr)
{
	bool dlab = fake.lcr & 0x80;

	switch (reg_index(addr)) {
	case 0:
		return dlab ? fake.dll : 0;
	case 1:
		return dlab ? fake.dlm : fake.ier;
	case 3:
		return fake.lcr;
	case 4:
		return fake.mcr;
	case 5:
		fake.lsr_reads++;
		return fake.lsr_reads > fake.thre_after ? 0x60 : 0x00;
	case 7:
		return fake.scratch_works ? fake.scr : 0xff;
	default:
		return 0;
	}
}

static void fake_write(uintptr_t addr, uint8_t v)
{
	bool dlab = fake.lcr & 0x80;

	switch (reg_index(addr)) {
	case 0:
		if (dlab) {
			fake.dll = v;
		} else if (fake.nr_tx < sizeof(fake.tx)) {
			fake.tx[fake.nr_tx++] = (char)v;
		}
		break;
	case 1:
		if (dlab) {
			fake.dlm = v;
		} else {
			fake.ier = v;
		}
		break;
	case 2:
		fake.fcr = v;
		break;
	case 3:
		fake.lcr = v;
		break;
	case 4:
		fake.mcr = v;
		break;
	case 7:
		fake.scr = v;
		break;
	default:
		break;
	}
}

static struct ns16550 uart(unsigned shift)
{
	memset(&fake, 0, sizeof(fake));
	fake.scratch_works = true;
	fake.reg_shift = shift;
	return (struct ns16550){ FAKE_BASE, shift, fake_read, fake_write };
}

TEST(ns16550_init_programs_8n1_and_divisor)
{
	struct ns16550 u = uart(0);

	fake.ier = 0x0f;
	ASSERT_EQ(ns16550_init(&u, 115200, 1843200), 0);
	EXPECT_EQ(fake.dll, 1); /* 1843200 / (16 * 115200) */
	EXPECT_EQ(fake.dlm, 0);
	EXPECT_EQ(fake.lcr, 0x03); /* 8N1, DLAB cleared again */
	EXPECT_EQ(fake.ier, 0);    /* no interrupts */
	EXPECT_EQ(fake.fcr & 0x01, 1);
	EXPECT_EQ(fake.mcr & 0x03, 0x03);
	ASSERT_EQ(ns16550_init(&u, 9600, 1843200), 0);
	EXPECT_EQ(fake.dll, 12);
	ASSERT_EQ(ns16550_init(&u, 50, 1843200), 0); /* divisor 2304 = 0x900 */
	EXPECT_EQ(fake.dll, 0x00);
	EXPECT_EQ(fake.dlm, 0x09);
}

TEST(ns16550_absent_device)
{
	struct ns16550 u = uart(0);

	fake.scratch_works = false;
	EXPECT_EQ(ns16550_init(&u, 115200, 1843200), -ENODEV);
	EXPECT_EQ(fake.lcr, 0); /* nothing programmed */
}

TEST(ns16550_putc_waits_for_thre)
{
	struct ns16550 u = uart(2); /* MMIO-style, registers 4 bytes apart */

	ASSERT_EQ(ns16550_init(&u, 115200, 1843200), 0);
	fake.thre_after = 5;
	fake.lsr_reads = 0;
	ns16550_putc(&u, 'h');
	ns16550_putc(&u, 'i');
	EXPECT_EQ(fake.nr_tx, 2);
	EXPECT_TRUE(fake.tx[0] == 'h' && fake.tx[1] == 'i');
	EXPECT_TRUE(fake.lsr_reads >= 6);
}

TEST(ns16550_putc_gives_up_when_never_ready)
{
	struct ns16550 u = uart(0);

	ASSERT_EQ(ns16550_init(&u, 115200, 1843200), 0);
	fake.thre_after = ~0u;
	ns16550_putc(&u, 'x'); /* must return: the wait is bounded */
	EXPECT_EQ(fake.nr_tx, 0);
	EXPECT_TRUE(fake.lsr_reads > 1000);
}
