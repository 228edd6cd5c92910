// SPDX-License-Identifier: MIT
/*
 * Synthetic MADT, SPCR and GTDT variants QEMU does not produce: x2APIC entries, disabled and
 * online-capable CPUs, more CPUs than we keep, GICC Online Capable at bit 3, an I/O-port SPCR
 * and a revision-2 GTDT without the virtual EL2 timer. Built byte by byte from ACPI 6.5
 * 5.2.12 / 5.2.25 and the SPCR specification.
 */
#include "test.h"

#include <hv/acpi.h>
#include <hv/errno.h>

#include "test_acpi_util.h"

static struct acpi_info info;

static size_t madt_lapic(uint8_t *e, uint8_t uid, uint8_t id, uint32_t flags)
{
	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
	return 8;
}

static size_t madt_x2apic(uint8_t *e, uint32_t id, uint32_t flags, uint32_t uid)
{
	memset(e, 0, 16);
	e[0] = 9;
	e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	return 16;
}

TEST(madt_x2apic_and_flags)
{
	static uint8_t t[512];
	size_t off = 44;

	memset(t, 0, sizeof(t));
	make_hdr(t, "APIC", 0, 5);
	put32(t + 36, 0xfee00000);
	off += madt_lapic(t + off, 0, 0, ACPI_CPU_ENABLED);
	off += madt_lapic(t + off, 1, 1, 0);				   /* disabled, not hot-pluggable */
	off += madt_lapic(t + off, 2, 2, ACPI_CPU_ONLINE_CAPABLE);	   /* can be brought online */
	off += madt_x2apic(t + off, 0x1234, ACPI_CPU_ENABLED | 0x80, 300); /* reserved bit dropped */
	t[off] = 4;							   /* Local APIC NMI: ignored */
	t[off + 1] = 6;
	off += 6;
	put32(t + 4, (uint32_t)off);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, off), 0);
	ASSERT_EQ(info.madt.nr_cpus, 4);
	EXPECT_EQ(info.madt.nr_enabled, 2);
	EXPECT_EQ(info.madt.cpus[1].flags, 0);
	EXPECT_EQ(info.madt.cpus[2].flags, ACPI_CPU_ONLINE_CAPABLE);
	EXPECT_EQ(info.madt.cpus[3].kind, ACPI_CPU_X2APIC);
	EXPECT_EQ(info.madt.cpus[3].hwid, 0x1234);
	EXPECT_EQ(info.madt.cpus[3].uid, 300);
	EXPECT_EQ(info.madt.cpus[3].flags, ACPI_CPU_ENABLED);
}

TEST(madt_more_cpus_than_kept)
{
	static uint8_t t[44 + 8 * (ACPI_MAX_CPUS + 10)];
	size_t off = 44;

	memset(t, 0, sizeof(t));
	make_hdr(t, "APIC", 0, 5);
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 10; i++) {
		off += madt_lapic(t + off, (uint8_t)i, (uint8_t)i, ACPI_CPU_ENABLED);
	}
	put32(t + 4, (uint32_t)off);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, off), 0);
	EXPECT_EQ(info.madt.nr_cpus, ACPI_MAX_CPUS);
	EXPECT_EQ(info.madt.nr_enabled, ACPI_MAX_CPUS);
	EXPECT_EQ(info.madt.nr_dropped, 10);
	EXPECT_EQ(info.madt.cpus[ACPI_MAX_CPUS - 1].hwid, ACPI_MAX_CPUS - 1);
}

TEST(madt_gicc_online_capable_normalised)
{
	static uint8_t t[44 + 82];
	uint8_t *e = t + 44;

	memset(t, 0, sizeof(t));
	make_hdr(t, "APIC", sizeof(t), 5);
	e[0] = 0xb;
	e[1] = 82;			      /* the ACPI 6.3+ size */
	put32(e + 8, 7);		      /* UID */
	put32(e + 12, 1u << 3);		      /* Online Capable, not enabled */
	put64(e + 60, 0x080a0000);	      /* GICR base */
	put64(e + 68, 0x0000000100000203ULL); /* MPIDR Aff3=1 Aff1=2 Aff0=3 */
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, sizeof(t)), 0);
	ASSERT_EQ(info.madt.nr_cpus, 1);
	EXPECT_EQ(info.madt.nr_enabled, 0);
	EXPECT_EQ(info.madt.cpus[0].flags, ACPI_CPU_ONLINE_CAPABLE);
	EXPECT_EQ(info.madt.cpus[0].uid, 7);
	EXPECT_EQ(info.madt.cpus[0].hwid, 0x0000000100000203ULL);
	EXPECT_EQ(hpa_val(info.madt.cpus[0].gicr_base), 0x080a0000);
}

TEST(spcr_io_port_16550)
{
	static uint8_t t[80];

	memset(t, 0, sizeof(t));
	make_hdr(t, "SPCR", sizeof(t), 2);
	t[36] = ACPI_SPCR_16550;
	t[40] = 1; /* system I/O */
	t[41] = 8;
	t[43] = 1;
	put64(t + 44, 0x3f8);
	t[52] = 1; /* PC-AT 8259 IRQ */
	t[53] = 4;
	put32(t + 54, 4);
	t[58] = 7; /* 115200 */
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, sizeof(t)), 0);
	EXPECT_EQ(info.spcr.interface_type, ACPI_SPCR_16550);
	EXPECT_EQ(info.spcr.space_id, 1);
	EXPECT_EQ(info.spcr.base, 0x3f8);
	EXPECT_EQ(info.spcr.baud_rate, 115200);
	EXPECT_EQ(info.spcr.gsiv, 4);

	/* An unknown baud code decodes to 0 ("as is"), a short table is refused. */
	t[58] = 9;
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, sizeof(t)), 0);
	EXPECT_EQ(info.spcr.baud_rate, 0);
	put32(t + 4, 50);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, sizeof(t)), -EINVAL);
	EXPECT_TRUE(!info.spcr.present);
}

TEST(gtdt_revision2_has_no_virtual_el2)
{
	size_t len;
	uint8_t *t = load_table("virt/GTDT.bin", &len);

	ASSERT_TRUE(t != NULL);
	/* Revision 2 and 96 bytes long: the rev-3 field must not be read. */
	t[8] = 2;
	put32(t + 4, 96);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, 96), 0);
	EXPECT_EQ(info.gtdt.el2_gsiv, 26);
	EXPECT_EQ(info.gtdt.virt_el2_gsiv, 0);
	/* Shorter than the EL2 timer fields: refused. */
	put32(t + 4, 72);
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, 72), -EINVAL);
	free(t);
}

/* IORT node builders (DEN0049E 3.1.1): header, then the ID array right after the data. */
static size_t iort_node(uint8_t *n, uint8_t type, uint16_t data_len, uint32_t nr_maps)
{
	uint16_t len = (uint16_t)(data_len + 20 * nr_maps);

	memset(n, 0, len);
	n[0] = type;
	put16(n + 1, len);
	n[3] = 4;
	put32(n + 8, nr_maps);
	put32(n + 12, nr_maps ? data_len : 0);
	return len;
}

static void iort_map(uint8_t *m, uint32_t in, uint32_t nr, uint32_t out, uint32_t ref)
{
	put32(m, in);
	put32(m + 4, nr);
	put32(m + 8, out);
	put32(m + 12, ref);
	put32(m + 16, 0);
}

/*
 * Two root complexes on segment 0 (two host bridges), a named component (skipped) and an
 * SMMUv3 whose StreamIDs are offset: RC A maps RIDs 0x000-0x0ff to the SMMU at +0x1000, RC B
 * maps 0x100-0x1ff straight to the ITS at +0x8000.
 */
TEST(iort_two_root_complexes_one_segment)
{
	static uint8_t t[512];
	struct acpi_iort_target tg;
	size_t off = 48, its, smmu, n;

	memset(t, 0, sizeof(t));
	make_hdr(t, "IORT", 0, 5);
	put32(t + 40, 48);
	its = off;
	n = iort_node(t + off, ACPI_IORT_ITS_GROUP, 24, 0);
	put32(t + off + 16, 1);
	off += n;
	smmu = off;
	n = iort_node(t + off, ACPI_IORT_SMMU_V3, 68, 1);
	put64(t + off + 16, 0x2b400000);
	iort_map(t + off + 68, 0, 0xffff, 0, (uint32_t)its);
	off += n;
	n = iort_node(t + off, ACPI_IORT_NAMED_COMPONENT, 40, 0);
	off += n;
	n = iort_node(t + off, ACPI_IORT_ROOT_COMPLEX, 36, 1);
	iort_map(t + off + 36, 0x000, 0xff, 0x1000, (uint32_t)smmu);
	off += n;
	n = iort_node(t + off, ACPI_IORT_ROOT_COMPLEX, 36, 1);
	iort_map(t + off + 36, 0x100, 0xff, 0x8000, (uint32_t)its);
	off += n;
	put32(t + 36, 5);
	put32(t + 4, (uint32_t)off);
	fix_csum(t);

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, off), 0);
	EXPECT_EQ(info.iort.nr_rcs, 2);
	EXPECT_EQ(info.iort.nr_skipped, 1);
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x08, false, &tg), 0);
	EXPECT_EQ(tg.kind, ACPI_IORT_TARGET_SMMU);
	EXPECT_EQ(tg.id, 0x1008);
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x08, true, &tg), 0); /* MSI: SMMU -> ITS */
	EXPECT_EQ(tg.kind, ACPI_IORT_TARGET_ITS);
	EXPECT_EQ(tg.id, 0x1008);
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x108, false, &tg), 0); /* the second bridge */
	EXPECT_EQ(tg.kind, ACPI_IORT_TARGET_ITS);
	EXPECT_EQ(tg.id, 0x8008);
	EXPECT_EQ(acpi_iort_map_rid(&info, 0, 0x208, false, &tg), -ENOENT); /* nobody's */

	/* A mapping into the named component: allowed, but the walk ends there. */
	put32(t + off - 20 + 12, (uint32_t)(smmu + 88));
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, off), 0);
	EXPECT_EQ(acpi_iort_map_rid(&info, 0, 0x108, false, &tg), -ENOENT);
}

/*
 * acpi_probe_hw() over host memory standing in for the register files (the host arch's
 * arch_map_mmio() accepts anything): CAP at 0x08 and ECAP at 0x10 of each DRHD, IDR0 at 0 of
 * each SMMU, and hw_probed set only after all of them were read.
 */
TEST(probe_hw_reads_id_registers)
{
	uint64_t *drhd = aligned_alloc(4096, 4096);
	uint32_t *smmu = aligned_alloc(0x10000, 0x20000);

	ASSERT_TRUE(drhd != NULL && smmu != NULL);
	drhd[1] = 0xd2008c222f0606ULL;
	drhd[2] = 0xf00f4aULL;
	smmu[0] = 0x0d44101b;
	memset(&info, 0, sizeof(info));
	info.dmar.present = true;
	info.dmar.nr_drhd = 1;
	info.dmar.drhd[0].base = hpa((uint64_t)(uintptr_t)drhd);
	info.iort.present = true;
	info.iort.nr_smmus = 1;
	info.iort.smmus[0].base = hpa((uint64_t)(uintptr_t)smmu);
	EXPECT_TRUE(!info.hw_probed);
	ASSERT_EQ(acpi_probe_hw(&info), 0);
	EXPECT_TRUE(info.hw_probed);
	EXPECT_EQ(info.dmar.drhd[0].cap, 0xd2008c222f0606ULL);
	EXPECT_EQ(info.dmar.drhd[0].ecap, 0xf00f4aULL);
	EXPECT_EQ(info.iort.smmus[0].idr0, 0x0d44101b);
	free(drhd);
	free(smmu);
}

/*
 * An RMR node (DEN0049E 3.1.1.7): StreamIDs 0x10-0x11 of the SMMU must keep two reserved
 * ranges mapped. Built on the captured virt IORT by appending the node.
 */
static size_t build_rmr_iort(uint8_t *t, uint32_t nr_ranges, uint64_t base1)
{
	size_t len;
	uint8_t *orig = load_table("virt/IORT.bin", &len);
	uint8_t *n = t + len;
	size_t nlen = 28 + 20 * nr_ranges + 20;

	memcpy(t, orig, len);
	free(orig);
	memset(n, 0, nlen);
	n[0] = ACPI_IORT_RMR;
	put16(n + 1, (uint16_t)nlen);
	n[3] = 3;
	put32(n + 8, 1);				/* one ID mapping ... */
	put32(n + 12, (uint32_t)(28 + 20 * nr_ranges)); /* ... after the descriptors */
	put32(n + 16, ACPI_IORT_RMR_REMAP_PERMITTED);
	put32(n + 20, nr_ranges);
	put32(n + 24, 28);
	for (uint32_t i = 0; i < nr_ranges; i++) {
		put64(n + 28 + 20 * i, base1 + 0x100000ULL * i);
		put64(n + 28 + 20 * i + 8, 0x10000);
	}
	iort_map(n + 28 + 20 * nr_ranges, 0x10, 1, 0x10, 0x48); /* SIDs 0x10-0x11 -> the SMMU */
	put32(t + 36, rd32(t + 36) + 1);
	put32(t + 4, (uint32_t)(len + nlen));
	fix_csum(t);
	return len + nlen;
}

TEST(iort_rmr_ranges_and_streams)
{
	static uint8_t t[1024];
	size_t len = build_rmr_iort(t, 2, 0x7f000000);
	struct acpi_iort_target tg;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(acpi_parse_table(&info, t, len), 0);
	ASSERT_EQ(info.iort.nr_rmrs, 1);
	EXPECT_EQ(info.iort.rmrs[0].flags, ACPI_IORT_RMR_REMAP_PERMITTED);
	ASSERT_EQ(info.iort.rmrs[0].nr_ranges, 2);
	EXPECT_EQ(info.iort.rmr_ranges[0].base, 0x7f000000);
	EXPECT_EQ(info.iort.rmr_ranges[1].base, 0x7f100000);
	EXPECT_EQ(info.iort.rmr_ranges[1].length, 0x10000);
	EXPECT_TRUE(!acpi_iort_rmr_covers(&info, 0, 0, 0x0f));
	EXPECT_TRUE(acpi_iort_rmr_covers(&info, 0, 0, 0x10));
	EXPECT_TRUE(acpi_iort_rmr_covers(&info, 0, 0, 0x11));
	EXPECT_TRUE(!acpi_iort_rmr_covers(&info, 0, 0, 0x12));
	EXPECT_TRUE(!acpi_iort_rmr_covers(&info, 1, 0, 0x10)); /* no such RMR */
	/* The RMR changes nothing about RID translation. */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x10, false, &tg), 0);
	EXPECT_EQ(tg.kind, ACPI_IORT_TARGET_SMMU);
	EXPECT_EQ(tg.id, 0x10);

	/* Unaligned range, too many ranges, and a descriptor count that runs off the node. */
	len = build_rmr_iort(t, 1, 0x7f000800);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EINVAL);
	EXPECT_EQ(info.iort.nr_rmrs, 0);
	len = build_rmr_iort(t, ACPI_MAX_IORT_RMR_RANGES + 1, 0x7f000000);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EINVAL);
	len = build_rmr_iort(t, 2, 0x7f000000);
	put32(t + 236 + 20, 0x0ccccccd); /* 20 * count wraps 32 bits */
	fix_csum(t);
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(acpi_parse_table(&info, t, len), -EINVAL);
}
