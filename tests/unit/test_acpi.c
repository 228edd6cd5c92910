// SPDX-License-Identifier: MIT
/*
 * ACPI parsing against the tables QEMU 10.0.2 + OVMF (q35, intel-iommu, edu) and + AAVMF
 * (virt, smmuv3, GICv3) really publish (tests/data/acpi/README.md). Values asserted here were
 * checked by hand against the hex dumps and QEMU's own description (qemu-10.0 notes 1.10, 2.5).
 */
#define TEST_MAIN
#include "test.h"

#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/pci.h>

#include "test_acpi_util.h"

static struct acpi_info info;

/* Parse one captured table into a fresh info; returns the parser's result. */
static int parse_file(const char *name)
{
	size_t len;
	uint8_t *t = load_table(name, &len);
	int ret;

	if (t == NULL) {
		return -999;
	}
	ret = acpi_parse_table(&info, t, len);
	free(t);
	return ret;
}

TEST(q35_dmar_one_drhd_with_explicit_scopes)
{
	const struct acpi_dmar *d = &info.dmar;
	const struct acpi_dmar_scope *sc;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("q35/DMAR.bin"), 0);
	EXPECT_TRUE(d->present);
	EXPECT_EQ(d->haw, 48);	/* aw-bits 48: HAW field 47 */
	EXPECT_EQ(d->flags, 1); /* INTR_REMAP only */
	ASSERT_EQ(d->nr_drhd, 1);
	EXPECT_EQ(hpa_val(d->drhd[0].base), 0xfed90000);
	EXPECT_EQ(d->drhd[0].segment, 0);
	EXPECT_EQ(d->drhd[0].flags, 0); /* no INCLUDE_PCI_ALL on QEMU */
	EXPECT_EQ(d->nr_rmrr, 0);
	EXPECT_EQ(d->nr_atsr, 0);
	ASSERT_EQ(d->drhd[0].nr_scopes, 6);
	sc = &d->scopes[d->drhd[0].first_scope];
	/* IOAPIC: enum 0 behind the pseudo source-id ff:00.0, resolved literally. */
	EXPECT_EQ(sc[0].type, ACPI_SCOPE_IOAPIC);
	EXPECT_EQ(sc[0].enum_id, 0);
	EXPECT_TRUE(sc[0].resolved);
	EXPECT_EQ(sc[0].bus, 0xff);
	EXPECT_EQ(sc[0].devfn, 0);
	/* Host bridge, edu at 00:01.0, then the ICH9 functions 1f.0, 1f.2, 1f.3. */
	static const uint8_t devs[5][2] = { { 0, 0 }, { 1, 0 }, { 0x1f, 0 }, { 0x1f, 2 }, { 0x1f, 3 } };
	for (unsigned i = 0; i < 5; i++) {
		EXPECT_EQ(sc[1 + i].type, ACPI_SCOPE_PCI_ENDPOINT);
		EXPECT_EQ(sc[1 + i].start_bus, 0);
		EXPECT_EQ(sc[1 + i].path_len, 1);
		EXPECT_EQ(sc[1 + i].path[0][0], devs[i][0]);
		EXPECT_EQ(sc[1 + i].path[0][1], devs[i][1]);
		EXPECT_TRUE(!sc[1 + i].resolved); /* PCI scopes wait for enumeration */
	}
}

TEST(q35_dmar_scopes_resolve_and_select_unit)
{
	static struct pci_info pci;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("q35/DMAR.bin"), 0);
	/* What enumeration found: the host bridge and edu (the other functions too). */
	memset(&pci, 0, sizeof(pci));
	pci.nr_devs = 2;
	pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 0, .vendor = 0x8086, .device = 0x29c0 };
	pci.devs[1] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3, .vendor = 0x1234, .device = 0x11e8 };
	EXPECT_EQ(pci_resolve_dmar_scopes(&info, &pci), 6);
	EXPECT_EQ(info.dmar.scopes[2].bus, 0);
	EXPECT_EQ(info.dmar.scopes[2].devfn, 0x08);
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 0, 0x08), 0);  /* edu */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 0, 0xfa), 0);  /* 1f.2 */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 0, 0x10), -1); /* 02.0: nobody (no PCI_ALL) */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 1, 0, 0x08), -1); /* another segment */
}

TEST(q35_madt_two_lapics_and_ioapic)
{
	const struct acpi_madt *m = &info.madt;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("q35/APIC.bin"), 0);
	EXPECT_TRUE(m->present);
	EXPECT_EQ(hpa_val(m->lapic_base), 0xfee00000);
	ASSERT_EQ(m->nr_cpus, 2); /* -smp 2 */
	EXPECT_EQ(m->nr_enabled, 2);
	for (unsigned i = 0; i < 2; i++) {
		EXPECT_EQ(m->cpus[i].kind, ACPI_CPU_LAPIC);
		EXPECT_EQ(m->cpus[i].hwid, i);
		EXPECT_EQ(m->cpus[i].uid, i);
		EXPECT_EQ(m->cpus[i].flags, ACPI_CPU_ENABLED);
	}
	ASSERT_EQ(m->nr_ioapics, 1);
	EXPECT_EQ(hpa_val(m->ioapics[0].base), 0xfec00000);
	EXPECT_EQ(m->ioapics[0].gsi_base, 0);
	EXPECT_TRUE(!m->has_gicd);
}

TEST(q35_mcfg_one_window)
{
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("q35/MCFG.bin"), 0);
	ASSERT_EQ(info.nr_mcfg, 1);
	EXPECT_EQ(hpa_val(info.mcfg[0].base), 0xb0000000);
	EXPECT_EQ(info.mcfg[0].segment, 0);
	EXPECT_EQ(info.mcfg[0].start_bus, 0);
	EXPECT_EQ(info.mcfg[0].end_bus, 0xff);
	EXPECT_TRUE(acpi_mcfg_find(&info, 0, 0x80) == &info.mcfg[0]);
	EXPECT_TRUE(acpi_mcfg_find(&info, 1, 0) == NULL);
}

TEST(q35_unknown_table_is_enoent)
{
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(parse_file("q35/HPET.bin"), -ENOENT);
	EXPECT_EQ(parse_file("q35/WAET.bin"), -ENOENT);
}

TEST(virt_iort_nodes)
{
	const struct acpi_iort *io = &info.iort;
	const struct acpi_iort_smmu *s;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("virt/IORT.bin"), 0);
	EXPECT_TRUE(io->present);
	EXPECT_EQ(io->revision, 3);
	ASSERT_EQ(io->nr_its_groups, 1);
	EXPECT_EQ(io->its_groups[0].nr_ids, 1);
	EXPECT_EQ(io->its_groups[0].its_ids[0], 0);
	ASSERT_EQ(io->nr_smmus, 1);
	s = &io->smmus[0];
	EXPECT_EQ(hpa_val(s->base), 0x09050000);
	EXPECT_EQ(s->flags, ACPI_IORT_SMMU_COHACC);
	EXPECT_EQ(s->model, 0);
	EXPECT_EQ(s->gsiv_event, 106);
	EXPECT_EQ(s->gsiv_pri, 107);
	EXPECT_EQ(s->gsiv_gerr, 109);
	EXPECT_EQ(s->gsiv_sync, 108);
	EXPECT_EQ(s->nr_maps, 1);
	ASSERT_EQ(io->nr_rcs, 1);
	EXPECT_EQ(io->rcs[0].segment, 0);
	EXPECT_EQ(io->rcs[0].cca, 1);
	EXPECT_EQ(io->rcs[0].ats, 0);
	EXPECT_EQ(io->rcs[0].addr_limit, 64);
	ASSERT_EQ(io->rcs[0].nr_maps, 2);
	EXPECT_EQ(io->maps[io->rcs[0].first_map].nr_ids, 0xff);
	EXPECT_EQ(io->maps[io->rcs[0].first_map + 1].input_base, 0x100);
}

TEST(virt_iort_rid_to_streamid)
{
	struct acpi_iort_target t;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("virt/IORT.bin"), 0);
	/* edu at 00:01.0: RID 0x08 -> SMMU 0, StreamID 0x08 (qemu-10.0 notes 2.5). */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x08, false, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_SMMU);
	EXPECT_EQ(t.index, 0);
	EXPECT_EQ(t.id, 0x08);
	/* Bus 0 ends at RID 0xff. */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0xff, false, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_SMMU);
	EXPECT_EQ(t.id, 0xff);
	/* Bus 1 and up bypass the SMMU: straight to the ITS with DeviceID = RID. */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x100, false, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_ITS);
	EXPECT_EQ(t.index, 0);
	EXPECT_EQ(t.id, 0x100);
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0xffff, false, &t), 0);
	EXPECT_EQ(t.id, 0xffff);
	/* MSIs of edu: through the SMMU's own mapping to the ITS. */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x08, true, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_ITS);
	EXPECT_EQ(t.id, 0x08);
	/* No root complex on segment 1. */
	EXPECT_EQ(acpi_iort_map_rid(&info, 1, 0x08, false, &t), -ENOENT);
}

TEST(virt_madt_gicv3)
{
	const struct acpi_madt *m = &info.madt;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("virt/APIC.bin"), 0);
	ASSERT_EQ(m->nr_cpus, 1);
	EXPECT_EQ(m->nr_enabled, 1);
	EXPECT_EQ(m->cpus[0].kind, ACPI_CPU_GICC);
	EXPECT_EQ(m->cpus[0].hwid, 0); /* MPIDR Aff0 = 0 */
	EXPECT_EQ(m->cpus[0].uid, 0);
	EXPECT_EQ(m->cpus[0].vgic_maint_gsiv, 25);
	EXPECT_EQ(hpa_val(m->cpus[0].gicr_base), 0); /* described by the GICR entry instead */
	EXPECT_TRUE(m->has_gicd);
	EXPECT_EQ(hpa_val(m->gicd_base), 0x08000000);
	EXPECT_EQ(m->gic_version, 3);
	ASSERT_EQ(m->nr_gicr, 1);
	EXPECT_EQ(hpa_val(m->gicr[0].base), 0x080a0000);
	EXPECT_EQ(m->gicr[0].length, 0x00f60000);
	ASSERT_EQ(m->nr_its, 1);
	EXPECT_EQ(hpa_val(m->its[0].base), 0x08080000);
	hpa_t its;
	ASSERT_EQ(acpi_its_base(&info, 0, &its), 0); /* the ITS the IORT's group names */
	EXPECT_EQ(hpa_val(its), 0x08080000);
	EXPECT_EQ(acpi_its_base(&info, 1, &its), -ENOENT);
}

TEST(virt_spcr_gtdt_mcfg)
{
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("virt/SPCR.bin"), 0);
	EXPECT_TRUE(info.spcr.present);
	EXPECT_EQ(info.spcr.interface_type, ACPI_SPCR_PL011);
	EXPECT_EQ(info.spcr.space_id, 0);
	EXPECT_EQ(info.spcr.bit_width, 32);
	EXPECT_EQ(info.spcr.access_size, 3);
	EXPECT_EQ(info.spcr.base, 0x09000000);
	EXPECT_EQ(info.spcr.gsiv, 33);
	EXPECT_EQ(info.spcr.baud_rate, 9600);

	ASSERT_EQ(parse_file("virt/GTDT.bin"), 0);
	EXPECT_EQ(info.gtdt.sec_el1_gsiv, 29);
	EXPECT_EQ(info.gtdt.el1_gsiv, 30);
	EXPECT_EQ(info.gtdt.el1_flags, 4); /* always-on capability */
	EXPECT_EQ(info.gtdt.virt_el1_gsiv, 27);
	EXPECT_EQ(info.gtdt.el2_gsiv, 26);
	EXPECT_EQ(info.gtdt.virt_el2_gsiv, 28);

	ASSERT_EQ(parse_file("virt/MCFG.bin"), 0);
	ASSERT_EQ(info.nr_mcfg, 1);
	EXPECT_EQ(hpa_val(info.mcfg[0].base), 0x4010000000ULL);
	EXPECT_EQ(info.mcfg[0].end_bus, 0xff);
}

/*
 * The whole walk: RSDP -> XSDT -> tables, with the XSDT rebuilt in host memory (the captured
 * one holds guest-physical addresses; on the host, pointers are "host-physical").
 */
static uint8_t *build_rsdp(const char *dir, const char *const *names, unsigned n, uint8_t **tables, uint8_t **xsdt_out)
{
	uint8_t *rsdp = calloc(1, 36);
	uint8_t *x = calloc(1, 36 + 8 * n);
	char path[64];
	size_t len;

	make_hdr(x, "XSDT", 36 + 8 * n, 1);
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s.bin", dir, names[i]);
		tables[i] = load_table(path, &len);
		put64(x + 36 + 8 * i, (uint64_t)(uintptr_t)tables[i]);
	}
	fix_csum(x);
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, (uint64_t)(uintptr_t)x);
	rsdp[8] = (uint8_t)(0 - acpi_checksum(rsdp, 20));
	rsdp[32] = (uint8_t)(0 - acpi_checksum(rsdp, 36));
	*xsdt_out = x;
	return rsdp;
}

TEST(walk_q35_from_rsdp)
{
	static const char *const names[] = { "APIC", "HPET", "MCFG", "DMAR", "WAET" };
	uint8_t *tables[5], *x;
	uint8_t *rsdp = build_rsdp("q35", names, 5, tables, &x);

	ASSERT_EQ(acpi_init(&info, ptr_to_hpa(rsdp)), 0);
	EXPECT_TRUE(info.rsdp_ok);
	EXPECT_EQ(info.nr_tables, 5);
	EXPECT_EQ(info.nr_bad, 0);
	EXPECT_EQ(info.madt.nr_enabled, 2);
	EXPECT_EQ(info.nr_mcfg, 1);
	EXPECT_EQ(info.dmar.nr_drhd, 1);
	EXPECT_TRUE(!info.iort.present);
	EXPECT_TRUE(!info.hw_probed);
	acpi_log(&info); /* must not touch hardware: hw_probed is false */

	/* A corrupted DMAR is rejected and counted; the other tables still count. */
	tables[3][0x40] ^= 0x55;
	ASSERT_EQ(acpi_init(&info, ptr_to_hpa(rsdp)), 0);
	EXPECT_EQ(info.nr_bad, 1);
	EXPECT_TRUE(!info.dmar.present);
	EXPECT_EQ(info.dmar.nr_drhd, 0);
	EXPECT_EQ(info.madt.nr_enabled, 2);

	/* A broken XSDT checksum: no ACPI at all. */
	x[20] ^= 1;
	EXPECT_EQ(acpi_init(&info, ptr_to_hpa(rsdp)), -ENODEV);
	EXPECT_TRUE(!info.rsdp_ok);
	for (unsigned i = 0; i < 5; i++) {
		free(tables[i]);
	}
	free(x);
	free(rsdp);
}

TEST(walk_virt_from_rsdp)
{
	static const char *const names[] = { "APIC", "PPTT", "GTDT", "MCFG", "SPCR", "DBG2", "IORT" };
	uint8_t *tables[7], *x;
	uint8_t *rsdp = build_rsdp("virt", names, 7, tables, &x);
	struct acpi_iort_target t;

	ASSERT_EQ(acpi_init(&info, ptr_to_hpa(rsdp)), 0);
	EXPECT_EQ(info.nr_tables, 7);
	EXPECT_EQ(info.nr_bad, 0);
	EXPECT_EQ(info.madt.nr_enabled, 1);
	EXPECT_TRUE(info.gtdt.present);
	EXPECT_TRUE(info.spcr.present);
	EXPECT_EQ(info.iort.nr_smmus, 1);
	EXPECT_TRUE(!info.dmar.present);
	EXPECT_EQ(acpi_iort_map_rid(&info, 0, 0x08, false, &t), 0);
	EXPECT_EQ(t.id, 8);
	acpi_log(&info);
	for (unsigned i = 0; i < 7; i++) {
		free(tables[i]);
	}
	free(x);
	free(rsdp);
}

TEST(rsdp_validation)
{
	size_t len;
	uint8_t *r = load_table("q35/RSDP.bin", &len);
	hpa_t x;

	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(acpi_rsdp_xsdt(r, len, &x), 0);
	EXPECT_EQ(hpa_val(x), rd32(r + 24) | ((uint64_t)rd32(r + 28) << 32));
	EXPECT_EQ(acpi_rsdp_xsdt(r, 35, &x), -EINVAL); /* too short */
	r[8] ^= 1;				       /* v1 checksum */
	EXPECT_EQ(acpi_rsdp_xsdt(r, len, &x), -EINVAL);
	r[8] ^= 1;
	r[32] ^= 1; /* extended checksum */
	EXPECT_EQ(acpi_rsdp_xsdt(r, len, &x), -EINVAL);
	r[32] ^= 1;
	r[15] = 0; /* ACPI 1.0: RSDT only */
	r[8] = (uint8_t)(r[8] + 2);
	EXPECT_EQ(acpi_rsdp_xsdt(r, len, &x), -EOPNOTSUPP);
	memcpy(r, "RSD PTX ", 8);
	EXPECT_EQ(acpi_rsdp_xsdt(r, len, &x), -EINVAL);
	EXPECT_EQ(acpi_init(&info, hpa(0)), -ENODEV);
	free(r);
}

/*
 * The same machines with "-device pcie-root-port,id=rp1,chassis=1,addr=0x3 -device edu,bus=rp1"
 * added (tests/data/acpi/README.md): the DMAR names the root port with a bridge scope and not
 * the edu behind it; the IORT's SMMU range grows to buses 0-1.
 */
TEST(q35_rootport_bridge_scope_covers_device_behind_it)
{
	static struct pci_info pci;
	const struct acpi_dmar_scope *sc;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("q35-rootport/DMAR.bin"), 0);
	ASSERT_EQ(info.dmar.drhd[0].nr_scopes, 7);
	sc = &info.dmar.scopes[info.dmar.drhd[0].first_scope + 3];
	EXPECT_EQ(sc->type, ACPI_SCOPE_PCI_BRIDGE);
	EXPECT_EQ(sc->path_len, 1);
	EXPECT_EQ(sc->path[0][0], 3);
	/* Enumeration as the hypervisor logged it under QEMU: root port 00:03.0 [01-01]. */
	memset(&pci, 0, sizeof(pci));
	pci.nr_devs = 3;
	pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3, .vendor = 0x1234, .device = 0x11e8 };
	pci.devs[1] = (struct pci_dev){ .bus = 0,
					.devfn = 3 << 3,
					.vendor = 0x1b36,
					.device = 0x000c,
					.header_type = 1,
					.sec_bus = 1,
					.sub_bus = 1 };
	pci.devs[2] = (struct pci_dev){ .bus = 1, .devfn = 0, .vendor = 0x1234, .device = 0x11e8 };
	EXPECT_EQ(pci_resolve_dmar_scopes(&info, &pci), 7);
	EXPECT_EQ(sc->sec_bus, 1);
	EXPECT_EQ(sc->sub_bus, 1);
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 1, 0), 0);      /* edu behind the port */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 0, 3 << 3), 0); /* the port itself */
	EXPECT_EQ(acpi_dmar_unit_for(&info, 0, 2, 0), -1);     /* beyond its subordinate bus */
}

TEST(virt_rootport_rid_behind_port)
{
	struct acpi_iort_target t;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(parse_file("virt-rootport/IORT.bin"), 0);
	/* edu at 01:00.0: RID 0x100 is now behind the SMMU, StreamID 0x100. */
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x100, false, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_SMMU);
	EXPECT_EQ(t.id, 0x100);
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x1ff, false, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_SMMU);
	ASSERT_EQ(acpi_iort_map_rid(&info, 0, 0x200, false, &t), 0);
	EXPECT_EQ(t.kind, ACPI_IORT_TARGET_ITS);
	EXPECT_EQ(t.id, 0x200);
}
