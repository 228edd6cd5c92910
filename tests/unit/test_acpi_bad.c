// SPDX-License-Identifier: MIT
/*
 * Malformed and synthetic ACPI tables: every broken length, count or reference must be
 * rejected with -EINVAL and leave nothing half-parsed behind; ASan (exact-size buffers) proves
 * nothing is read past a table's end. Plus a synthetic DMAR with what QEMU never generates
 * (bridge scopes, INCLUDE_PCI_ALL, RMRR, ATSR) and a seeded mutation sweep over the captured
 * tables.
 */
#include "test.h"

#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/pci.h>

#include "test_acpi_util.h"

static struct acpi_info info;

/* Load a captured table into an exact-size buffer (so ASan sees any overrun). */
static uint8_t *load_exact(const char *name, size_t *len)
{
	uint8_t *t = load_table(name, len), *e;

	if (t == NULL) {
		return NULL;
	}
	e = malloc(*len);
	memcpy(e, t, *len);
	free(t);
	return e;
}

/* Edit a copy of a captured table with fn, fix its checksum, and parse it into a fresh info. */
static int parse_edited(const char *name, void (*fn)(uint8_t *t))
{
	size_t len;
	uint8_t *t = load_exact(name, &len);
	int ret;

	if (t == NULL) {
		return -999;
	}
	fn(t);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ret = acpi_parse_table(&info, t, len);
	free(t);
	return ret;
}

/* q35 DMAR layout: DRHD at 0x30 (length 0x40), scopes at 0x40, 0x48, ..., 0x68. */
static void dmar_scope_past_end(uint8_t *t)
{
	t[0x69] = 0x10; /* the last scope claims 16 bytes; only 8 are left in the DRHD */
}
static void dmar_scope_len_zero(uint8_t *t)
{
	t[0x41] = 0;
}
static void dmar_scope_odd_len(uint8_t *t)
{
	t[0x49] = 7;
}
static void dmar_drhd_len_zero(uint8_t *t)
{
	put16(t + 0x32, 0);
}
static void dmar_drhd_past_table(uint8_t *t)
{
	put16(t + 0x32, 0x80);
}
static void dmar_drhd_base_unaligned(uint8_t *t)
{
	put64(t + 0x38, 0xfed90010);
}
static void dmar_scope_bad_devfn(uint8_t *t)
{
	t[0x56] = 32; /* device numbers are 0..31 */
}

TEST(dmar_malformed_rejected)
{
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_scope_past_end), -EINVAL);
	EXPECT_TRUE(!info.dmar.present);
	EXPECT_EQ(info.dmar.nr_drhd, 0);
	EXPECT_EQ(info.dmar.nr_scopes, 0);
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_scope_len_zero), -EINVAL);
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_scope_odd_len), -EINVAL);
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_drhd_len_zero), -EINVAL);
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_drhd_past_table), -EINVAL);
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_drhd_base_unaligned), -EINVAL);
	EXPECT_EQ(parse_edited("q35/DMAR.bin", dmar_scope_bad_devfn), -EINVAL);
	EXPECT_EQ(info.dmar.nr_drhd, 0);
}

TEST(table_header_checks)
{
	size_t len;
	uint8_t *t = load_exact("q35/DMAR.bin", &len);

	ASSERT_TRUE(t != NULL);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, len - 1), -EINVAL); /* truncated: length > avail */
	EXPECT_EQ(acpi_parse_table(&info, t, 20), -EINVAL);	 /* not even a header */
	t[20] ^= 0x01;						 /* checksum */
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EINVAL);
	t[20] ^= 0x01;
	put32(t + 4, 30); /* length below the header size */
	fix_csum(t);
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EINVAL);
	put32(t + 4, (uint32_t)len);
	fix_csum(t);
	EXPECT_EQ(acpi_parse_table(&info, t, len), 0);
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EEXIST); /* a second DMAR */
	EXPECT_EQ(info.dmar.nr_drhd, 1);		     /* the first one stays */
	free(t);
}

/* virt IORT layout: ITS group at 0x30, SMMUv3 at 0x48 (len 0x58), root complex at 0xa0. */
static void iort_map_count_wraps(uint8_t *t)
{
	put32(t + 0xa8, 0x0ccccccd); /* 20 * count wraps to 4 in 32 bits */
}
static void iort_map_count_huge(uint8_t *t)
{
	put32(t + 0xa8, 0xffffffff);
}
static void iort_map_count_one_too_many(uint8_t *t)
{
	put32(t + 0xa8, 3);
}
static void iort_map_bad_ref(uint8_t *t)
{
	put32(t + 0xa0 + 0x24 + 12, 0x31); /* not the start of any node */
}
static void iort_node_count_lies(uint8_t *t)
{
	put32(t + 36, 4);
}
static void iort_node_len_zero(uint8_t *t)
{
	put16(t + 0x48 + 1, 0);
}
static void iort_range_wraps(uint8_t *t)
{
	put32(t + 0xa0 + 0x24, 0xffffff80); /* input base + 0xff wraps */
}
static void iort_its_count_huge(uint8_t *t)
{
	put32(t + 0x30 + 16, 0x40000000);
}
static void iort_smmu_base_unaligned(uint8_t *t)
{
	put64(t + 0x48 + 16, 0x09051000);
}
static void iort_node_array_in_header(uint8_t *t)
{
	put32(t + 40, 8);
}

TEST(iort_malformed_rejected)
{
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_map_count_wraps), -EINVAL);
	EXPECT_TRUE(!info.iort.present);
	EXPECT_EQ(info.iort.nr_smmus, 0);
	EXPECT_EQ(info.iort.nr_maps, 0);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_map_count_huge), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_map_count_one_too_many), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_map_bad_ref), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_node_count_lies), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_node_len_zero), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_range_wraps), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_its_count_huge), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_smmu_base_unaligned), -EINVAL);
	EXPECT_EQ(parse_edited("virt/IORT.bin", iort_node_array_in_header), -EINVAL);
}

/* The SMMU's own mapping points back at itself: an MSI walk must stop, not spin. */
static void iort_smmu_loops(uint8_t *t)
{
	put32(t + 0x48 + 0x44 + 12, 0x48);
}

TEST(iort_loop_is_cut)
{
	struct acpi_iort_target tg;

	ASSERT_EQ(parse_edited("virt/IORT.bin", iort_smmu_loops), 0);
	EXPECT_EQ(acpi_iort_map_rid(&info, 0, 0x08, true, &tg), -EINVAL);
	/* DMA stops at the first SMMU and is unaffected. */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x08, false, &tg), 0);
	EXPECT_EQ(tg.kind, ACPI_IORT_TARGET_SMMU);
	EXPECT_EQ(tg.id, 8);
}

/* virt MADT: GICD at 44 (len 24), GICC at 68 (len 80), GICR at 148, ITS at 164. */
static void madt_entry_len_zero(uint8_t *t)
{
	t[68 + 1] = 0;
}
static void madt_entry_past_end(uint8_t *t)
{
	t[164 + 1] = 40;
}
static void madt_gicc_short(uint8_t *t)
{
	t[68 + 1] = 40; /* a GICC needs 80 bytes */
}

TEST(madt_malformed_rejected)
{
	EXPECT_EQ(parse_edited("virt/APIC.bin", madt_entry_len_zero), -EINVAL);
	EXPECT_TRUE(!info.madt.present);
	EXPECT_EQ(info.madt.nr_cpus, 0);
	EXPECT_EQ(parse_edited("virt/APIC.bin", madt_entry_past_end), -EINVAL);
	EXPECT_EQ(parse_edited("virt/APIC.bin", madt_gicc_short), -EINVAL);
}

static void mcfg_bus_range_backwards(uint8_t *t)
{
	t[44 + 10] = 0x10;
	t[44 + 11] = 0x0f;
}
static void mcfg_base_unaligned(uint8_t *t)
{
	put64(t + 44, 0xb0001000);
}
static void mcfg_base_wraps(uint8_t *t)
{
	put64(t + 44, 0xfffffffff0000000ULL);
}

TEST(mcfg_malformed_rejected)
{
	size_t len;
	uint8_t *t = load_exact("q35/MCFG.bin", &len);

	EXPECT_EQ(parse_edited("q35/MCFG.bin", mcfg_bus_range_backwards), -EINVAL);
	EXPECT_EQ(info.nr_mcfg, 0);
	EXPECT_EQ(parse_edited("q35/MCFG.bin", mcfg_base_unaligned), -EINVAL);
	EXPECT_EQ(parse_edited("q35/MCFG.bin", mcfg_base_wraps), -EINVAL);
	/* 8 bytes cut off the entry: not a whole number of entries. */
	ASSERT_TRUE(t != NULL);
	put32(t + 4, (uint32_t)len - 8);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, len - 8), -EINVAL);
	free(t);
}

/*
 * A synthetic DMAR with what QEMU never builds:
 *   DRHD0 0xfed91000 seg 0: bridge scope 00:02.0 -> 05:00.0 (two hops), endpoint 00:03.0
 *   DRHD1 0xfed92000 seg 0 INCLUDE_PCI_ALL, no scopes
 *   RMRR  0x7f000000-0x7f0fffff for 00:14.0
 *   ATSR  ALL_PORTS seg 0;  RHSA (skipped)
 */
static size_t build_dmar(uint8_t *t)
{
	size_t off = 48;

	memset(t, 0, 256);
	make_hdr(t, "DMAR", 0, 1);
	t[36] = 38; /* HAW 39 bits */
	/* DRHD0 */
	put16(t + off, 0);
	put16(t + off + 2, 16 + 10 + 8);
	t[off + 4] = 0;
	put64(t + off + 8, 0xfed91000);
	off += 16;
	t[off] = ACPI_SCOPE_PCI_BRIDGE; /* bridge 00:02.0, then 00.0 on its secondary bus */
	t[off + 1] = 10;
	t[off + 5] = 0;
	t[off + 6] = 2;
	t[off + 7] = 0;
	t[off + 8] = 0;
	t[off + 9] = 0;
	off += 10;
	t[off] = ACPI_SCOPE_PCI_ENDPOINT;
	t[off + 1] = 8;
	t[off + 6] = 3;
	off += 8;
	/* DRHD1 */
	put16(t + off, 0);
	put16(t + off + 2, 16);
	t[off + 4] = ACPI_DRHD_INCLUDE_PCI_ALL;
	put64(t + off + 8, 0xfed92000);
	off += 16;
	/* RMRR */
	put16(t + off, 1);
	put16(t + off + 2, 24 + 8);
	put64(t + off + 8, 0x7f000000);
	put64(t + off + 16, 0x7f0fffff);
	t[off + 24] = ACPI_SCOPE_PCI_ENDPOINT;
	t[off + 25] = 8;
	t[off + 30] = 0x14;
	off += 32;
	/* ATSR */
	put16(t + off, 2);
	put16(t + off + 2, 8);
	t[off + 4] = ACPI_ATSR_ALL_PORTS;
	off += 8;
	/* RHSA: recorded as skipped */
	put16(t + off, 3);
	put16(t + off + 2, 20);
	off += 20;
	put32(t + 4, (uint32_t)off);
	fix_csum(t);
	return off;
}

TEST(synthetic_dmar_bridges_rmrr_pci_all)
{
	static struct pci_info pci;
	uint8_t t[256];
	size_t len = build_dmar(t);
	const struct acpi_dmar *d = &info.dmar;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, len), 0);
	ASSERT_EQ(d->nr_drhd, 2);
	EXPECT_EQ(d->haw, 39);
	EXPECT_EQ(d->drhd[0].nr_scopes, 2);
	EXPECT_EQ(d->drhd[1].flags, ACPI_DRHD_INCLUDE_PCI_ALL);
	EXPECT_EQ(d->drhd[1].nr_scopes, 0);
	ASSERT_EQ(d->nr_rmrr, 1);
	EXPECT_EQ(d->rmrr[0].base, 0x7f000000);
	EXPECT_EQ(d->rmrr[0].limit, 0x7f0fffff);
	EXPECT_EQ(d->rmrr[0].nr_scopes, 1);
	ASSERT_EQ(d->nr_atsr, 1);
	EXPECT_EQ(d->atsr[0].type, ACPI_DMAR_ATSR);
	EXPECT_EQ(d->atsr[0].flags, ACPI_ATSR_ALL_PORTS);
	EXPECT_EQ(d->nr_skipped, 1);
	EXPECT_EQ(d->scopes[0].path_len, 2);

	/* Without the bridge, the two-hop path cannot resolve. */
	memset(&pci, 0, sizeof(pci));
	EXPECT_EQ(pci_resolve_dmar_scopes(&info, &pci), 2); /* endpoint 00:03.0 and the RMRR's */
	EXPECT_TRUE(!d->scopes[0].resolved);

	/* Bridge 00:02.0 with buses 05-06. */
	pci.nr_devs = 2;
	pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 2 << 3, .header_type = 1, .sec_bus = 5, .sub_bus = 6 };
	pci.devs[1] = (struct pci_dev){ .bus = 5, .devfn = 0, .header_type = 1, .sec_bus = 6, .sub_bus = 6 };
	EXPECT_EQ(pci_resolve_dmar_scopes(&info, &pci), 3);
	ASSERT_TRUE(d->scopes[0].resolved);
	EXPECT_EQ(d->scopes[0].bus, 5);
	EXPECT_EQ(d->scopes[0].devfn, 0);
	EXPECT_EQ(d->scopes[0].sec_bus, 6);
	EXPECT_EQ(d->scopes[0].sub_bus, 6);
	EXPECT_EQ(d->scopes[2].bus, 0);
	EXPECT_EQ(d->scopes[2].devfn, 0x14 << 3);

	/* Unit selection (VT-d 8.3.2): explicit scopes first, then INCLUDE_PCI_ALL. */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 5, 0), 0);      /* the bridge itself */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 6, 0x08), 0);   /* below the bridge */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 0, 3 << 3), 0); /* endpoint scope */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 0, 4 << 3), 1); /* anything else: PCI_ALL */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 7, 0), 1);
	EXPECT_EQ(acpi_dmar_unit_for(&info, 1, 0, 0), -1); /* no unit on segment 1 */
}

static void rmrr_unaligned(uint8_t *t)
{
	/* RMRR at 48 + 34 + 16 = 98: limit must end a 4 KiB page. */
	put64(t + 98 + 16, 0x7f0ffffe);
}

TEST(synthetic_dmar_bad_rmrr)
{
	uint8_t t[256];
	size_t len = build_dmar(t);

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, len), 0); /* the unedited table is fine */
	rmrr_unaligned(t);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EINVAL);
	EXPECT_EQ(info.dmar.nr_rmrr, 0);
}

/*
 * Seeded mutation sweep: flip random bytes of each captured table (checksum fixed so the
 * parser proper is reached), in an exact-size buffer. Any result but 0 / -EINVAL is a bug, and
 * ASan/UBSan abort on any out-of-bounds read.
 */
TEST(mutation_sweep)
{
	static const char *const names[] = { "q35/DMAR.bin",  "q35/APIC.bin",  "q35/MCFG.bin",	"virt/IORT.bin",
					     "virt/APIC.bin", "virt/SPCR.bin", "virt/GTDT.bin", "virt/MCFG.bin" };
	unsigned seed = 12345, accepted = 0, rejected = 0;

	for (unsigned n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t len;
		uint8_t *orig = load_exact(names[n], &len);

		ASSERT_TRUE(orig != NULL);
		for (unsigned iter = 0; iter < 4000; iter++) {
			uint8_t *t = malloc(len);
			int ret;

			memcpy(t, orig, len);
			for (unsigned k = 0; k < 1 + iter % 4; k++) {
				seed = seed * 1103515245u + 12345u;
				/* Skip the signature and length so the parser under test is reached. */
				t[8 + (seed >> 8) % (len - 8)] ^= (uint8_t)(1u << ((seed >> 4) % 8));
			}
			fix_csum(t);
			memset(&info, 0, sizeof(info));
			ret = acpi_parse_table(&info, t, len);
			if (ret == 0) {
				accepted++;
				EXPECT_TRUE(info.dmar.nr_scopes <= ACPI_MAX_SCOPES);
				EXPECT_TRUE(info.iort.nr_maps <= ACPI_MAX_IORT_IDMAPS);
			} else {
				rejected++;
				EXPECT_EQ(ret, -EINVAL);
			}
			free(t);
		}
		free(orig);
	}
	/* Both outcomes must occur, or the sweep is not exercising anything. */
	EXPECT_TRUE(accepted > 0);
	EXPECT_TRUE(rejected > 0);
}

/* More DRHDs or scopes than the arrays hold: rejected as a whole, never half-recorded. */
TEST(dmar_beyond_array_limits_rejected)
{
	static uint8_t t[48 + 16 * (ACPI_MAX_DRHD + 1) + 8 * (ACPI_MAX_SCOPES + 1)];
	size_t off;

	for (unsigned units = ACPI_MAX_DRHD; units <= ACPI_MAX_DRHD + 1; units++) {
		memset(t, 0, sizeof(t));
		make_hdr(t, "DMAR", 0, 1);
		off = 48;
		for (unsigned i = 0; i < units; i++) {
			put16(t + off + 2, 16);
			put64(t + off + 8, 0xfed00000 + 0x1000 * i);
			off += 16;
		}
		put32(t + 4, (uint32_t)off);
		fix_csum(t);
		memset(&info, 0, sizeof(info));
		EXPECT_EQ(acpi_parse_table(&info, t, off), units <= ACPI_MAX_DRHD ? 0 : -EINVAL);
		EXPECT_EQ(info.dmar.nr_drhd, units <= ACPI_MAX_DRHD ? units : 0);
	}
	for (unsigned scopes = ACPI_MAX_SCOPES; scopes <= ACPI_MAX_SCOPES + 1; scopes++) {
		memset(t, 0, sizeof(t));
		make_hdr(t, "DMAR", 0, 1);
		put16(t + 48 + 2, (uint16_t)(16 + 8 * scopes));
		put64(t + 48 + 8, 0xfed90000);
		for (unsigned i = 0; i < scopes; i++) {
			t[64 + 8 * i] = ACPI_SCOPE_PCI_ENDPOINT;
			t[64 + 8 * i + 1] = 8;
			t[64 + 8 * i + 5] = (uint8_t)(i / 32);
			t[64 + 8 * i + 6] = (uint8_t)(i % 32);
		}
		off = 64 + 8 * scopes;
		put32(t + 4, (uint32_t)off);
		fix_csum(t);
		memset(&info, 0, sizeof(info));
		EXPECT_EQ(acpi_parse_table(&info, t, off), scopes <= ACPI_MAX_SCOPES ? 0 : -EINVAL);
		EXPECT_EQ(info.dmar.nr_scopes, scopes <= ACPI_MAX_SCOPES ? scopes : 0);
	}
}
