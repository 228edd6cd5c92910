// SPDX-License-Identifier: MIT
/*
 * Host tests of the SMMUv3 format encoders (drivers/iommu/smmuv3/smmuv3_enc.c). Expected
 * values are written with literal bit positions taken from the spec (IHI 0070: 5.2 STE, 5.4 CD,
 * 4.x commands, 7.3 events), not with the driver's field macros, so a wrong macro fails here.
 */
#define TEST_MAIN
#include "tests/unit/test.h"

#include <hv/errno.h>
#include <ioasid/abi.h>

#include "drivers/iommu/smmuv3/smmuv3_enc.h"

TEST(ste_abort)
{
	struct smmu_ste s = smmu_ste_abort();

	EXPECT_EQ(s.d[0], 0x1); /* V=1, Config=0b000 */
	for (int i = 1; i < 8; i++) {
		EXPECT_EQ(s.d[i], 0);
	}
}

TEST(ste_s2_fields)
{
	struct smmu_s2_desc d = {
		.ttb = 0x12345000, .vmid = 0x1234, .ia_bits = 44, .levels = 4, .ps_enc = 4, .coherent = true
	};
	struct smmu_ste s;

	ASSERT_EQ(smmu_ste_s2(&d, &s), 0);
	EXPECT_EQ(s.d[0], 0x1 | (0x6 << 1));  /* V, Config=S2 */
	EXPECT_EQ(s.d[1], 1ULL << 44);	      /* SHCFG=incoming */
	EXPECT_EQ(s.d[2] & 0xffff, 0x1234);   /* S2VMID */
	EXPECT_EQ((s.d[2] >> 32) & 0x3f, 20); /* S2T0SZ = 64 - 44 */
	EXPECT_EQ((s.d[2] >> 38) & 0x3, 2);   /* S2SL0: start at level 0 */
	EXPECT_EQ((s.d[2] >> 40) & 0x3, 1);   /* S2IR0 WB */
	EXPECT_EQ((s.d[2] >> 42) & 0x3, 1);   /* S2OR0 WB */
	EXPECT_EQ((s.d[2] >> 44) & 0x3, 3);   /* S2SH0 inner */
	EXPECT_EQ((s.d[2] >> 46) & 0x3, 0);   /* S2TG 4K */
	EXPECT_EQ((s.d[2] >> 48) & 0x7, 4);   /* S2PS */
	EXPECT_EQ((s.d[2] >> 51) & 1, 1);     /* S2AA64 */
	EXPECT_EQ((s.d[2] >> 52) & 1, 0);     /* S2ENDI little-endian */
	EXPECT_EQ((s.d[2] >> 58) & 1, 1);     /* S2R */
	EXPECT_EQ(s.d[2] & ~(0xffffULL | (0x7fffULL << 32) | (0x7ULL << 48) | (1ULL << 51) | (1ULL << 58)), 0);
	EXPECT_EQ(s.d[3], 0x12345000); /* S2TTB */

	d = (struct smmu_s2_desc){
		.ttb = 0x1000, .vmid = 1, .ia_bits = 39, .levels = 3, .ps_enc = 4, .coherent = false
	};
	ASSERT_EQ(smmu_ste_s2(&d, &s), 0);
	EXPECT_EQ((s.d[2] >> 32) & 0x3f, 25);
	EXPECT_EQ((s.d[2] >> 38) & 0x3, 1); /* start at level 1 */
	EXPECT_EQ((s.d[2] >> 40) & 0xf, 0); /* non-cacheable walks */
	EXPECT_EQ((s.d[2] >> 44) & 0x3, 2); /* outer shareable */
}

TEST(ste_s2_rejects)
{
	struct smmu_s2_desc ok = { .ttb = 0x1000, .vmid = 1, .ia_bits = 44, .levels = 4, .ps_enc = 4 };
	struct smmu_s2_desc d;
	struct smmu_ste s;

	d = ok;
	d.levels = 3; /* 44-bit input needs 4 levels */
	EXPECT_EQ(smmu_ste_s2(&d, &s), -EINVAL);
	d = ok;
	d.ia_bits = 48; /* IPA wider than S2PS (44) */
	EXPECT_EQ(smmu_ste_s2(&d, &s), -EINVAL);
	d = ok;
	d.ttb = 0x1800; /* not page aligned */
	EXPECT_EQ(smmu_ste_s2(&d, &s), -EINVAL);
	d = ok;
	d.ttb = 1ULL << 52; /* beyond S2TTB */
	EXPECT_EQ(smmu_ste_s2(&d, &s), -EINVAL);
	EXPECT_EQ(smmu_s2_sl0(1), -1);
}

TEST(ste_s1_and_nested)
{
	struct smmu_s2_desc d = {
		.ttb = 0x200000, .vmid = 7, .ia_bits = 44, .levels = 4, .ps_enc = 4, .coherent = true
	};
	struct smmu_ste s = smmu_ste_s1(0x40001040, 0, true);

	EXPECT_EQ(s.d[0], 0x40001040 | 0x1 | (0x5 << 1));		  /* S1ContextPtr, V, Config=S1 */
	EXPECT_EQ(s.d[0] >> 59, 0);					  /* S1CDMax = 0 */
	EXPECT_EQ(s.d[1], (1 << 2) | (1 << 4) | (3 << 6) | (1ULL << 44)); /* CIR, COR, CSH, SHCFG */
	EXPECT_EQ((s.d[1] >> 27) & 1, 0);				  /* S1STALLD = 0 */
	EXPECT_EQ(s.d[2], 0);
	s = smmu_ste_s1(0x1000, 0x55, false);
	EXPECT_EQ(s.d[2], 0x55); /* VMID tags S1 entries too */
	EXPECT_EQ(s.d[1], (2 << 6) | (1ULL << 44));

	ASSERT_EQ(smmu_ste_nested(0xfffffff000 + 0x80, &d, &s), 0);
	EXPECT_EQ(s.d[0], (0xfffffff000ULL + 0x80) | 0x1 | (0x7 << 1));
	EXPECT_EQ(s.d[2] & 0xffff, 7);
	EXPECT_EQ((s.d[2] >> 51) & 1, 1);
	EXPECT_EQ(s.d[3], 0x200000);
}

TEST(ste_cd_table)
{
	struct smmu_ste s = smmu_ste_s1_cdtab(0x40002000, 6, false, 2, 0, true);

	EXPECT_EQ(s.d[0], 0x40002000 | 0x1 | (0x5 << 1) | (6ULL << 59)); /* S1CDMax=6, S1Fmt=0 */
	EXPECT_EQ(s.d[1] & 3, 2);					 /* S1DSS=SSID0 */
	s = smmu_ste_s1_cdtab(0x40002000, 6, false, 0, 0, true);
	EXPECT_EQ(s.d[1] & 3, 0); /* S1DSS=terminate */
	EXPECT_EQ(s.d[1] >> 2, ((1 << 2) | (1 << 4) | (3 << 6) | (1ULL << 44)) >> 2);
}

TEST(cd_fields)
{
	struct smmu_s1_desc d = { .ttb0 = 0x80000000, .asid = 0xbeef, .ia_bits = 48, .ips_enc = 4, .coherent = true };
	struct smmu_cd c;

	ASSERT_EQ(smmu_cd_s1(&d, &c), 0);
	EXPECT_EQ(c.d[0] & 0x3f, 16);	  /* T0SZ */
	EXPECT_EQ((c.d[0] >> 6) & 3, 0);  /* TG0 4K */
	EXPECT_EQ((c.d[0] >> 8) & 3, 1);  /* IR0 */
	EXPECT_EQ((c.d[0] >> 10) & 3, 1); /* OR0 */
	EXPECT_EQ((c.d[0] >> 12) & 3, 3); /* SH0 */
	EXPECT_EQ((c.d[0] >> 14) & 1, 0); /* EPD0 */
	EXPECT_EQ((c.d[0] >> 15) & 1, 0); /* ENDI */
	EXPECT_EQ((c.d[0] >> 30) & 1, 1); /* EPD1 */
	EXPECT_EQ((c.d[0] >> 31) & 1, 1); /* V */
	EXPECT_EQ((c.d[0] >> 32) & 7, 4); /* IPS */
	EXPECT_EQ((c.d[0] >> 41) & 1, 1); /* AA64 */
	EXPECT_EQ((c.d[0] >> 42) & 3, 0); /* HD, HA */
	EXPECT_EQ((c.d[0] >> 44) & 1, 0); /* S (stall) */
	EXPECT_EQ((c.d[0] >> 45) & 1, 1); /* R */
	EXPECT_EQ((c.d[0] >> 46) & 1, 1); /* A */
	EXPECT_EQ(c.d[0] >> 48, 0xbeef);  /* ASID */
	EXPECT_EQ(c.d[1], 0x80000000);	  /* TTB0 */
	EXPECT_EQ(c.d[2], 0);		  /* TTB1 */
	EXPECT_EQ(c.d[3], ~0ULL);	  /* MAIR: every index normal WB */

	d.ia_bits = 39;
	ASSERT_EQ(smmu_cd_s1(&d, &c), 0);
	EXPECT_EQ(c.d[0] & 0x3f, 25);
	d.ia_bits = 24; /* T0SZ 40 > 39 */
	EXPECT_EQ(smmu_cd_s1(&d, &c), -EINVAL);
	d.ia_bits = 49;
	EXPECT_EQ(smmu_cd_s1(&d, &c), -EINVAL);
	d.ia_bits = 48;
	d.ttb0 = 0x80000800;
	EXPECT_EQ(smmu_cd_s1(&d, &c), -EINVAL);
}

TEST(l1_descriptor)
{
	EXPECT_EQ(smmu_l1std(0x40004000, 8), 0x40004000 | 9); /* SPAN = split + 1 */
}

TEST(commands)
{
	struct smmu_cmd c;
	struct smmu_tlbi_range r = { .addr = 0x12345000, .num = 3, .scale = 4, .range = true };
	struct smmu_tlbi_range one = { .addr = 0x12345000 };

	c = smmu_cmd_cfgi_ste(0x1234, true);
	EXPECT_EQ(c.d[0], 0x03 | (0x1234ULL << 32));
	EXPECT_EQ(c.d[1], 1);
	c = smmu_cmd_cfgi_ste(8, false);
	EXPECT_EQ(c.d[1], 0);
	c = smmu_cmd_cfgi_all();
	EXPECT_EQ(c.d[0], 0x04);
	EXPECT_EQ(c.d[1], 31);
	c = smmu_cmd_cfgi_cd(8, 5, true);
	EXPECT_EQ(c.d[0], 0x05 | (5ULL << 12) | (8ULL << 32));
	EXPECT_EQ(c.d[1], 1);
	c = smmu_cmd_tlbi_nh_all(2);
	EXPECT_EQ(c.d[0], 0x10 | (2ULL << 32));
	c = smmu_cmd_tlbi_nh_asid(3, 7);
	EXPECT_EQ(c.d[0], 0x11 | (3ULL << 32) | (7ULL << 48));
	c = smmu_cmd_tlbi_s12_vmall(9);
	EXPECT_EQ(c.d[0], 0x28 | (9ULL << 32));
	EXPECT_EQ(smmu_cmd_tlbi_nsnh_all().d[0], 0x30);
	EXPECT_EQ(smmu_cmd_tlbi_el2_all().d[0], 0x20);
	c = smmu_cmd_sync();
	EXPECT_EQ(c.d[0], 0x46); /* CS = SIG_NONE */
	EXPECT_EQ(c.d[1], 0);

	c = smmu_cmd_tlbi_nh_va(1, 2, &r, true);
	EXPECT_EQ(c.d[0], 0x12 | (3ULL << 12) | (4ULL << 20) | (1ULL << 32) | (2ULL << 48));
	EXPECT_EQ(c.d[1], 1 | (1ULL << 10) | 0x12345000); /* Leaf, TG=4K, address */
	c = smmu_cmd_tlbi_nh_va(1, 2, &one, false);
	EXPECT_EQ(c.d[0], 0x12 | (1ULL << 32) | (2ULL << 48)); /* no NUM/SCALE */
	EXPECT_EQ(c.d[1], 0x12345000);			       /* TG=0: one address */
	r.addr = (1ULL << 52) | 0x7000;
	c = smmu_cmd_tlbi_s2_ipa(5, &r, false);
	EXPECT_EQ(c.d[0], 0x2a | (3ULL << 12) | (4ULL << 20) | (5ULL << 32));
	EXPECT_EQ(c.d[1], (1ULL << 10) | 0x7000); /* IPA is bits 51:12 only */
}

TEST(event_decode)
{
	struct smmu_evt e = { { 0x10 | (1ULL << 11) | (5ULL << 12) | (8ULL << 32),
				(1ULL << 35) | (1ULL << 39) | (2ULL << 40), 0x20000123, 0x20000000 } };
	struct smmu_event ev;

	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(ev.id, 0x10);
	EXPECT_TRUE(ev.ssv);
	EXPECT_EQ(ev.ssid, 5);
	EXPECT_EQ(ev.sid, 8);
	EXPECT_TRUE(ev.read);
	EXPECT_TRUE(ev.s2);
	EXPECT_EQ(ev.cls, 2);
	EXPECT_EQ(ev.addr, 0x20000123);
	EXPECT_EQ(ev.ipa, 0x20000000);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_NOT_PRESENT);
	EXPECT_TRUE(smmu_evt_has_addr(ev.id));

	e.d[1] = (1ULL << 39) | (1ULL << 40); /* write, S2 fault while walking the stage-1 table */
	smmu_evt_decode(&e, &ev);
	EXPECT_TRUE(!ev.read);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_BAD_TABLE);
	e.d[1] = 1ULL << 40; /* the same as QEMU 10 reports it: S2=0, CLASS=TT */
	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_BAD_TABLE);

	e.d[0] = 0x13 | (0x10ULL << 32);
	e.d[1] = 0;
	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(ev.sid, 0x10);
	EXPECT_TRUE(!ev.ssv);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_PERMISSION);

	e.d[0] = 0x12;
	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_NOT_PRESENT); /* AF=0 = absent */
	e.d[0] = 0x11;
	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_NOT_PRESENT);

	e.d[0] = 0x0b;
	e.d[3] = 0x4000000000008ULL | 7; /* fetch address: bits 51:3 */
	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(ev.ipa, 0x4000000000008ULL);
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_BAD_TABLE);

	e = (struct smmu_evt){ { 0x04 | (3ULL << 32), ~0ULL, ~0ULL, ~0ULL } };
	smmu_evt_decode(&e, &ev);
	EXPECT_EQ(ev.sid, 3);
	EXPECT_EQ(ev.addr, 0); /* C_BAD_STE carries no address */
	EXPECT_TRUE(!smmu_evt_has_addr(ev.id));
	EXPECT_EQ(smmu_evt_reason(&ev), IOASID_FAULT_REASON_OTHER);
	EXPECT_TRUE(strcmp(smmu_evt_name(0x04), "C_BAD_STE") == 0);
	EXPECT_TRUE(strcmp(smmu_evt_name(0x10), "F_TRANSLATION") == 0);
}

/* Check a chunk list: contiguous, exactly the pages of [start, end), fields in range. */
static int chunks_cover(uint64_t start, uint64_t end, bool ril, unsigned *count)
{
	struct smmu_tlbi_range r[64];
	uint64_t addr = start & ~0xfffULL, last = ((end - 1) | 0xfff) + 1;
	unsigned n = smmu_tlbi_chunks(start, end, ril, r, 64);

	*count = n;
	if (n > 64) {
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t pages = ril ? ((uint64_t)r[i].num + 1) << r[i].scale : 1;

		if (r[i].addr != addr || r[i].num > 31 || r[i].scale > 31 || r[i].range != ril) {
			return -1;
		}
		addr += pages << 12;
	}
	return addr == last ? 1 : -2;
}

TEST(tlbi_chunks)
{
	struct smmu_tlbi_range r[4];
	unsigned count = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	EXPECT_EQ(smmu_tlbi_chunks(0x1000, 0x1000, true, r, 4), 0);
	/* 33 pages: scale 0 takes the low five bits (1 page), then 32 pages = 1 << 5 */
	EXPECT_EQ(smmu_tlbi_chunks(0x1000, 0x1000 + 33 * 0x1000, true, r, 4), 2);
	EXPECT_EQ(r[0].addr, 0x1000);
	EXPECT_EQ(r[0].num, 0);
	EXPECT_EQ(r[0].scale, 0);
	EXPECT_EQ(r[1].addr, 0x2000);
	EXPECT_EQ(r[1].num, 0);
	EXPECT_EQ(r[1].scale, 5);
	/* an unaligned single byte is one page */
	EXPECT_EQ(smmu_tlbi_chunks(0x1fff, 0x2000, true, r, 4), 1);
	EXPECT_EQ(r[0].addr, 0x1000);
	EXPECT_EQ(r[0].num, 0);
	/* a range crossing a page boundary by one byte is two pages */
	EXPECT_EQ(chunks_cover(0x1fff, 0x2001, true, &count), 1);
	EXPECT_EQ(count, 1);
	/* 2 MiB: 512 pages = 1 << 9 */
	EXPECT_EQ(smmu_tlbi_chunks(0x200000, 0x400000, true, r, 4), 1);
	EXPECT_EQ(r[0].num, 0);
	EXPECT_EQ(r[0].scale, 9);
	/* 96 pages = 3 << 5 */
	EXPECT_EQ(smmu_tlbi_chunks(0, 96 * 0x1000, true, r, 4), 1);
	EXPECT_EQ(r[0].num, 2);
	EXPECT_EQ(r[0].scale, 5);
	/* the whole 48-bit space: 2^36 pages, scale clamped to 31 */
	EXPECT_EQ(chunks_cover(0, 1ULL << 48, true, &count), 1);
	EXPECT_TRUE(count <= 8);
	/* without RIL: one command per page, and the count tells the caller to give up */
	EXPECT_EQ(chunks_cover(0x3000, 0x7000, false, &count), 1);
	EXPECT_EQ(count, 4);
	EXPECT_TRUE(smmu_tlbi_chunks(0, 1ULL << 40, false, r, 4) > 4);
	/* quick, and not wrapped, for the whole 48-bit space without RIL (2^36 commands) */
	EXPECT_EQ(smmu_tlbi_chunks(0, 1ULL << 48, false, r, 4), 5);
	for (int i = 0; i < 20000; i++) {
		uint64_t a, b;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		a = seed & ((1ULL << 48) - 1);
		b = a + 1 + ((seed >> 20) & ((1ULL << ((seed >> 2) % 40)) - 1));
		if (b > (1ULL << 48)) {
			continue;
		}
		ASSERT_EQ(chunks_cover(a, b, true, &count), 1);
		ASSERT_TRUE(count <= 8);
	}
}
