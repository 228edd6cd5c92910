// SPDX-License-Identifier: MIT
/*
 * Host tests of the GICv3 ITS command encoders and the LPI allocator
 * (drivers/irqchip/gicv3_its_enc.c). Expected values use literal bit positions from Arm IHI
 * 0069 5.3 (each command's DW0..DW3 layout), not the driver's field macros, so a wrong macro
 * fails here.
 */
#define TEST_MAIN
#include "tests/unit/test.h"

#include "drivers/irqchip/gicv3_its_enc.h"

TEST(mapd)
{
	struct its_cmd c = its_cmd_mapd(0x1234, 5, 0x8765432100ULL, true);

	EXPECT_EQ(c.d[0], 0x08 | (0x1234ULL << 32));	   /* MAPD, DeviceID 63:32 */
	EXPECT_EQ(c.d[1], 4);				   /* Size = EventID bits - 1 */
	EXPECT_EQ(c.d[2], 0x8765432100ULL | (1ULL << 63)); /* ITT_addr 51:8, V */
	EXPECT_EQ(c.d[3], 0);
	/* ITT bits below 8 cannot be expressed: they are dropped, never spill into other fields. */
	c = its_cmd_mapd(1, 1, 0x10000ff, true);
	EXPECT_EQ(c.d[2], 0x1000000 | (1ULL << 63));
	c = its_cmd_mapd(0x1234, 5, 0x8765432100ULL, false); /* V=0: unmap, no ITT */
	EXPECT_EQ(c.d[0], 0x08 | (0x1234ULL << 32));
	EXPECT_EQ(c.d[1], 0);
	EXPECT_EQ(c.d[2], 0);
}

TEST(mapc_and_rdbase)
{
	/* PTA = 0: the processor number at RDbase[51:16]; PTA = 1: the address's bits 51:16. */
	EXPECT_EQ(its_rdbase(false, 0x80a0000, 3), 3ULL << 16);
	EXPECT_EQ(its_rdbase(true, 0x80a0000, 3), 0x80a0000);
	EXPECT_EQ(its_rdbase(true, 0x80a1234, 3), 0x80a0000);

	struct its_cmd c = its_cmd_mapc(7, its_rdbase(false, 0, 2), true);

	EXPECT_EQ(c.d[0], 0x09);
	EXPECT_EQ(c.d[1], 0);
	EXPECT_EQ(c.d[2], 7 | (2ULL << 16) | (1ULL << 63)); /* ICID 15:0, RDbase 51:16, V */
	EXPECT_EQ(c.d[3], 0);
}

TEST(mapti)
{
	struct its_cmd c = its_cmd_mapti(0x8, 0x1f, 8193, 3);

	EXPECT_EQ(c.d[0], 0x0a | (0x8ULL << 32));	  /* MAPTI, DeviceID */
	EXPECT_EQ(c.d[1], 0x1f | ((uint64_t)8193 << 32)); /* EventID 31:0, pINTID 63:32 */
	EXPECT_EQ(c.d[2], 3);				  /* ICID */
	EXPECT_EQ(c.d[3], 0);
}

TEST(device_event_commands)
{
	struct {
		struct its_cmd c;
		uint64_t op;
	} t[] = {
		{ its_cmd_inv(0xabcdef01, 0x12345678), 0x0c },
		{ its_cmd_int(0xabcdef01, 0x12345678), 0x03 },
		{ its_cmd_discard(0xabcdef01, 0x12345678), 0x0f },
		{ its_cmd_clear(0xabcdef01, 0x12345678), 0x04 },
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		EXPECT_EQ(t[i].c.d[0], t[i].op | (0xabcdef01ULL << 32));
		EXPECT_EQ(t[i].c.d[1], 0x12345678);
		EXPECT_EQ(t[i].c.d[2], 0);
		EXPECT_EQ(t[i].c.d[3], 0);
	}
}

TEST(sync_invall)
{
	struct its_cmd c = its_cmd_sync(its_rdbase(false, 0, 5));

	EXPECT_EQ(c.d[0], 0x05);
	EXPECT_EQ(c.d[2], 5ULL << 16);
	c = its_cmd_sync(0xfff1234567899abcULL); /* only RDbase[51:16] is kept */
	EXPECT_EQ(c.d[2], 0x0001234567890000ULL);
	c = its_cmd_invall(0x42);
	EXPECT_EQ(c.d[0], 0x0d);
	EXPECT_EQ(c.d[2], 0x42);
}

TEST(itt_sizing)
{
	EXPECT_EQ(its_ev_bits(0), 1);
	EXPECT_EQ(its_ev_bits(1), 1); /* MAPD Size 0 = 1 bit: the smallest ITT, 2 events */
	EXPECT_EQ(its_ev_bits(2), 1);
	EXPECT_EQ(its_ev_bits(3), 2);
	EXPECT_EQ(its_ev_bits(32), 5);
	EXPECT_EQ(its_ev_bits(33), 6);
	EXPECT_EQ(its_itt_bytes(1, 12), 256); /* 24 bytes, 256-byte aligned */
	EXPECT_EQ(its_itt_bytes(5, 8), 256);
	EXPECT_EQ(its_itt_bytes(6, 12), 768);
}

TEST(lpi_prop)
{
	EXPECT_EQ(lpi_prop_byte(0xb0, true), 0xb3); /* priority 7:2, RES1 bit 1, enable bit 0 */
	EXPECT_EQ(lpi_prop_byte(0xb3, false), 0xb2);
}

TEST(lpi_allocator)
{
	uint64_t bits[4] = { 0 };

	for (int i = 0; i < 256; i++) {
		ASSERT_EQ(lpi_bitmap_alloc(bits, 256), i);
	}
	EXPECT_EQ(lpi_bitmap_alloc(bits, 256), -1); /* all taken */
	EXPECT_TRUE(lpi_bitmap_free(bits, 256, 70));
	EXPECT_TRUE(!lpi_bitmap_free(bits, 256, 70));  /* not taken any more */
	EXPECT_TRUE(!lpi_bitmap_free(bits, 256, 256)); /* out of range */
	EXPECT_EQ(lpi_bitmap_alloc(bits, 256), 70);    /* the freed one, lowest first */
	EXPECT_TRUE(lpi_bitmap_free(bits, 256, 0));
	EXPECT_TRUE(lpi_bitmap_free(bits, 256, 255));
	EXPECT_EQ(lpi_bitmap_alloc(bits, 256), 0);
	EXPECT_EQ(lpi_bitmap_alloc(bits, 256), 255);
	/* A smaller pool never hands out indexes beyond it. */
	uint64_t small[1] = { 0 };

	for (int i = 0; i < 10; i++) {
		ASSERT_EQ(lpi_bitmap_alloc(small, 10), i);
	}
	EXPECT_EQ(lpi_bitmap_alloc(small, 10), -1);
	EXPECT_EQ(small[0], 0x3ffULL);
}
