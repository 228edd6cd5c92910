// SPDX-License-Identifier: MIT
/*
 * IVRS parsing (drivers/acpi/ivrs.c): the table QEMU 10.0.2 really publishes for q35 +
 * -device amd-iommu (tests/data/acpi/q35-amdvi, read from fw_cfg "etc/acpi/tables"), and
 * synthetic tables built from AMD IOMMU spec 48882 5.2 with what QEMU never generates: a
 * type-40h block, ranges, alias and extended entries, an ACPI HID entry, IVMDs, and broken
 * variants that must be refused whole.
 */
#include "test.h"

#include <hv/acpi.h>
#include <hv/errno.h>

#include "test_acpi_util.h"

static struct acpi_info info;

TEST(q35_amdvi_ivrs_two_blocks_one_unit)
{
	size_t len;
	uint8_t *t = load_table("q35-amdvi/IVRS.bin", &len);
	const struct acpi_ivrs *r = &info.ivrs;
	struct acpi_ivrs_dev_info di;

	ASSERT_TRUE(t != NULL);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, len), 0);
	free(t);
	ASSERT_TRUE(r->present);
	/* QEMU writes a 10h and an 11h block for its one IOMMU at 00:01.0: the 11h one is kept. */
	ASSERT_EQ(r->nr_ivhd, 1);
	EXPECT_EQ(r->nr_shadowed, 1);
	EXPECT_EQ(r->ivhd[0].type, ACPI_IVHD_11);
	EXPECT_EQ(hpa_val(r->ivhd[0].base), 0xfed80000);
	EXPECT_EQ(r->ivhd[0].devid, 0x0008);
	EXPECT_EQ(r->ivhd[0].cap_off, 0x40);
	EXPECT_EQ(r->ivhd[0].segment, 0);
	/* Selects for 00:00.0, 00:01.0, 00:02.0 (edu), 00:1f.0, 00:1f.2, 00:1f.3. */
	ASSERT_EQ(r->ivhd[0].nr_devs, 6);
	EXPECT_EQ(r->devs[r->ivhd[0].first_dev + 2].first, 0x0010);
	EXPECT_EQ(r->ivhd[0].max_devid, 0x00fb);
	/* The IOAPIC (ID 0) through the 8-byte special entry, as 00:14.0. */
	ASSERT_EQ(r->nr_special, 1);
	EXPECT_EQ(r->special[0].variety, ACPI_IVRS_SPECIAL_IOAPIC);
	EXPECT_EQ(r->special[0].handle, 0);
	EXPECT_EQ(r->special[0].devid, 0x00a0);
	EXPECT_EQ(r->nr_ivmd, 0);
	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x0010, &di), 0);
	EXPECT_EQ(di.unit, 0);
	EXPECT_EQ(di.rid, 0x0010);
	EXPECT_EQ(acpi_ivrs_lookup(&info, 0, 0x0018, &di), -ENOENT);
	EXPECT_EQ(acpi_ivrs_lookup(&info, 1, 0x0010, &di), -ENOENT);
}

/* Builder for synthetic IVRS tables. */
struct ivb {
	uint8_t t[1024];
	size_t off;
	size_t blk; /* start of the open block */
};

static void ivb_start(struct ivb *b)
{
	memset(b->t, 0, sizeof(b->t));
	make_hdr(b->t, "IVRS", 0, 2);
	put32(b->t + 36, 0x00203040);
	b->off = 48;
}

static void ivb_ivhd(struct ivb *b, uint8_t type, uint16_t devid, uint64_t base)
{
	uint8_t *s = b->t + b->off;

	b->blk = b->off;
	s[0] = type;
	s[1] = 0xb0;
	put16(s + 4, devid);
	put16(s + 6, 0x40);
	put64(s + 8, base);
	if (type != ACPI_IVHD_10) {
		put64(s + 24, 0x1234ULL);
	}
	b->off += type == ACPI_IVHD_10 ? 24 : 40;
}

static void ivb_e4(struct ivb *b, uint8_t kind, uint16_t devid, uint8_t dte)
{
	uint8_t *e = b->t + b->off;

	e[0] = kind;
	put16(e + 1, devid);
	e[3] = dte;
	b->off += 4;
}

static void ivb_e8(struct ivb *b, uint8_t kind, uint16_t devid, uint8_t b4, uint16_t w5, uint8_t b7)
{
	uint8_t *e = b->t + b->off;

	e[0] = kind;
	put16(e + 1, devid);
	e[4] = b4;
	put16(e + 5, w5);
	e[7] = b7;
	b->off += 8;
}

static void ivb_end_block(struct ivb *b)
{
	put16(b->t + b->blk + 2, (uint16_t)(b->off - b->blk));
}

static void ivb_ivmd(struct ivb *b, uint8_t type, uint8_t flags, uint16_t devid, uint16_t aux, uint64_t base,
		     uint64_t size)
{
	uint8_t *s = b->t + b->off;

	s[0] = type;
	s[1] = flags;
	put16(s + 2, 32);
	put16(s + 4, devid);
	put16(s + 6, aux);
	put64(s + 16, base);
	put64(s + 24, size);
	b->off += 32;
}

static int ivb_parse(struct ivb *b)
{
	put32(b->t + 4, (uint32_t)b->off);
	fix_csum(b->t);
	memset(&info, 0, sizeof(info));
	return acpi_parse_table(&info, b->t, b->off);
}

/* A type-40h unit with every entry kind, and a 10h block for it that must be shadowed. */
static void ivb_full(struct ivb *b)
{
	ivb_start(b);
	ivb_ivhd(b, ACPI_IVHD_10, 0x0002, 0xfeb80000);
	ivb_e4(b, 0x01, 0, 0); /* all: shadowed, must not be recorded */
	ivb_end_block(b);
	ivb_ivhd(b, ACPI_IVHD_40, 0x0002, 0xfeb80000);
	ivb_e4(b, 0x00, 0, 0);		       /* padding */
	ivb_e4(b, 0x02, 0x0008, 0x01);	       /* select 00:01.0 */
	ivb_e4(b, 0x03, 0x0100, 0x00);	       /* range 01:00.0 - */
	ivb_e4(b, 0x04, 0x01ff, 0x00);	       /*      - 01:1f.7 */
	ivb_e8(b, 0x42, 0x0208, 0, 0x0200, 0); /* alias select 02:01.0 -> 02:00.0 */
	ivb_e8(b, 0x43, 0x0300, 0, 0x0218, 0); /* alias range 03:00.0-03:1f.7 -> 02:03.0 */
	ivb_e4(b, 0x04, 0x03ff, 0);
	ivb_e8(b, 0x46, 0x0400, 0x01, 0, 0x80); /* extended select, ext = 0x80000001 */
	ivb_e8(b, 0x47, 0x0500, 0, 0, 0);	/* extended range */
	ivb_e4(b, 0x04, 0x0507, 0);
	ivb_e8(b, 0x48, 0, 0x21, 0x00a0, 1); /* IOAPIC 0x21 as 00:14.0 */
	ivb_e8(b, 0x48, 0, 0x00, 0x00a8, 2); /* HPET 0 as 00:15.0 */
	ivb_e8(b, 0x48, 0, 0x00, 0x00b0, 9); /* unknown variety: skipped */
	/* ACPI HID device, UID "AB" (22 + 2 bytes). */
	{
		uint8_t *e = b->t + b->off;

		memset(e, 0, 24);
		e[0] = 0xf0;
		put16(e + 1, 0x00c0);
		memcpy(e + 4, "AMDI0020", 8);
		e[20] = 2;
		e[21] = 2;
		memcpy(e + 22, "AB", 2);
		b->off += 24;
	}
	ivb_e4(b, 0x3f, 0x0600, 0); /* reserved 4-byte kind: skipped */
	ivb_e8(b, 0x7f, 0x0700, 0, 0, 0);
	ivb_end_block(b);
	ivb_ivmd(b, ACPI_IVMD_SELECT, ACPI_IVMD_UNITY | ACPI_IVMD_IR | ACPI_IVMD_IW, 0x0008, 0, 0x7f000000, 0x4000);
	ivb_ivmd(b, ACPI_IVMD_RANGE, ACPI_IVMD_UNITY | ACPI_IVMD_IR, 0x0100, 0x01ff, 0x7f100000, 0x1000);
	ivb_ivmd(b, ACPI_IVMD_ALL, ACPI_IVMD_EXCL, 0, 0, 0x7f200000, 0x1000);
}

TEST(synthetic_ivhd40_every_entry_kind)
{
	static struct ivb b;
	const struct acpi_ivrs *r = &info.ivrs;
	const struct acpi_ivhd *u;
	struct acpi_ivrs_dev_info di;

	ivb_full(&b);
	ASSERT_EQ(ivb_parse(&b), 0);
	ASSERT_EQ(r->nr_ivhd, 1);
	u = &r->ivhd[0];
	EXPECT_EQ(u->type, ACPI_IVHD_40);
	EXPECT_EQ(u->efr, 0x1234);
	EXPECT_EQ(r->nr_shadowed, 1);
	ASSERT_EQ(u->nr_devs, 6);
	EXPECT_EQ(u->max_devid, 0x0507);
	EXPECT_EQ(r->nr_skipped, 4); /* unknown variety, ACPI HID, 3fh, 7fh */
	ASSERT_EQ(u->nr_special, 2);
	EXPECT_EQ(r->special[1].variety, ACPI_IVRS_SPECIAL_HPET);
	EXPECT_EQ(r->special[0].handle, 0x21);

	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x0008, &di), 0);
	EXPECT_EQ(di.rid, 0x0008);
	EXPECT_EQ(di.dte, 0x01);
	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x0180, &di), 0);
	EXPECT_EQ(di.rid, 0x0180);
	EXPECT_EQ(acpi_ivrs_lookup(&info, 0, 0x0200, &di), -ENOENT); /* only the alias target */
	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x0208, &di), 0);
	EXPECT_EQ(di.rid, 0x0200);
	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x03ff, &di), 0);
	EXPECT_EQ(di.rid, 0x0218);
	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x0400, &di), 0);
	EXPECT_EQ(di.ext, 0x80000001u);
	ASSERT_EQ(acpi_ivrs_lookup(&info, 0, 0x0503, &di), 0);
	EXPECT_EQ(acpi_ivrs_lookup(&info, 0, 0x0508, &di), -ENOENT);
	/* The shadowed 10h block's "all" entry did not leak in. */
	EXPECT_EQ(acpi_ivrs_lookup(&info, 0, 0x0900, &di), -ENOENT);

	ASSERT_EQ(r->nr_ivmd, 3);
	EXPECT_EQ(r->ivmd[0].limit, 0x7f003fffULL);
	EXPECT_TRUE(acpi_ivmd_covers(&info, 0, 0x0008));
	EXPECT_TRUE(!acpi_ivmd_covers(&info, 0, 0x0010));
	EXPECT_TRUE(acpi_ivmd_covers(&info, 1, 0x01ff));
	EXPECT_TRUE(!acpi_ivmd_covers(&info, 1, 0x0200));
	EXPECT_TRUE(acpi_ivmd_covers(&info, 2, 0xffff));
	EXPECT_TRUE(!acpi_ivmd_covers(&info, 3, 0));
}

/* Each mutation of the full table must make the parser refuse it whole. */
TEST(synthetic_ivrs_malformed_refused)
{
	static struct ivb b;
	size_t ivhd40 = 48 + 24 + 4;
	size_t e0 = ivhd40 + 40; /* the 40h block's first entry (padding) */
	size_t range = e0 + 8;	 /* its 03h start of range */
	size_t ivmd0;
	uint16_t len40;

	ivb_full(&b);
	len40 = rd32(b.t + ivhd40 + 2) & 0xffff;
	ivmd0 = ivhd40 + len40;
	ASSERT_EQ(ivb_parse(&b), 0);

	/* range start followed by another start */
	ivb_full(&b);
	b.t[range + 4] = 0x03;
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	EXPECT_TRUE(!info.ivrs.present);
	EXPECT_EQ(info.ivrs.nr_ivhd, 0);
	/* end before start */
	ivb_full(&b);
	put16(b.t + range + 4 + 1, 0x00ff);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* end without start */
	ivb_full(&b);
	b.t[range] = 0x02;
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* unknown variable-length entry kind */
	ivb_full(&b);
	b.t[e0] = 0x90;
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* block length past the table */
	ivb_full(&b);
	put16(b.t + ivhd40 + 2, (uint16_t)(len40 + 97));
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* zero block length (would loop forever) */
	ivb_full(&b);
	put16(b.t + ivhd40 + 2, 0);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* IVHD shorter than its header */
	ivb_full(&b);
	put16(b.t + ivhd40 + 2, 32);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* block length cuts an entry in half */
	ivb_full(&b);
	put16(b.t + ivhd40 + 2, (uint16_t)(len40 - 2));
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* ACPI HID UID running past the block */
	ivb_full(&b);
	put16(b.t + ivhd40 + 2, (uint16_t)(len40 - 12 - 8)); /* drop 3fh, 7fh, and cut the HID entry */
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* unaligned or zero register base */
	ivb_full(&b);
	put64(b.t + ivhd40 + 8, 0xfeb80010);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	ivb_full(&b);
	put64(b.t + ivhd40 + 8, 0);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* IVMD: zero length, unaligned, wrapping, inverted device range */
	ivb_full(&b);
	put64(b.t + ivmd0 + 24, 0);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	ivb_full(&b);
	put64(b.t + ivmd0 + 16, 0x7f000800);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	ivb_full(&b);
	put64(b.t + ivmd0 + 16, 0xfffffffffffff000ULL);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	ivb_full(&b);
	put16(b.t + ivmd0 + 32 + 6, 0x00ff);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* a 10h block relabelled 40h: too short for the 40h header */
	ivb_full(&b);
	b.t[48] = ACPI_IVHD_40;
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* a table too short for its own header */
	ivb_start(&b);
	b.off = 44;
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
}

TEST(synthetic_ivrs_too_many_entries_refused)
{
	static struct ivb b;

	ivb_start(&b);
	ivb_ivhd(&b, ACPI_IVHD_11, 0x0002, 0xfeb80000);
	for (unsigned i = 0; i <= ACPI_MAX_IVRS_DEVS; i++) {
		ivb_e4(&b, 0x02, (uint16_t)(i * 8), 0);
	}
	ivb_end_block(&b);
	EXPECT_EQ(ivb_parse(&b), -EINVAL);
	/* One fewer fits; unknown block types (IVHD 50h) are stepped over. */
	b.off -= 4;
	ivb_end_block(&b);
	b.t[b.off] = 0x50;
	put16(b.t + b.off + 2, 8);
	b.off += 8;
	ASSERT_EQ(ivb_parse(&b), 0);
	EXPECT_EQ(info.ivrs.nr_devs, ACPI_MAX_IVRS_DEVS);
	EXPECT_EQ(info.ivrs.nr_skipped, 1);
}
