// SPDX-License-Identifier: MIT
/*
 * PCI enumeration against a fake ECAM: configuration space lives in host memory and the fake
 * accessors model what real hardware does on writes (BAR bits below the size are read-only,
 * so writing all-ones reads back the size mask; Status is recorded if written at all). The
 * topology: a host bridge, a root port 00:02.0 with secondary bus 1, an endpoint 01:00.0 with
 * every BAR kind and MSI/MSI-X/PCIe/ATS/PASID/PRI capabilities, a multi-function device,
 * broken capability lists, and a second segment.
 */
#define TEST_MAIN
#include "test.h"

#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/guest_groups.h>
#include <hv/pci.h>

struct fake_fn {
	uint64_t addr; /* ECAM address of offset 0 */
	uint8_t cfg[PCI_CFG_SIZE];
	uint32_t bar_mask[PCI_NR_BARS]; /* writable bits of each BAR dword */
};

#define FAKE_MAX_FNS 300
static struct fake_fn *fake[FAKE_MAX_FNS];
static unsigned nr_fake;
static unsigned sizing_with_decode_on; /* all-ones written to a BAR while decode enabled */
static unsigned status_writes;
static unsigned cfg_reads;

#define SEG0_BASE 0xe0000000ULL
#define SEG1_BASE 0x200000000ULL

static struct fake_fn *fake_lookup(uint64_t addr)
{
	for (unsigned i = 0; i < nr_fake; i++) {
		if (fake[i]->addr == (addr & ~0xfffULL)) {
			return fake[i];
		}
	}
	return NULL;
}

static uint32_t fake_read(void *ctx, uint64_t addr, unsigned width)
{
	struct fake_fn *f = fake_lookup(addr);
	uint32_t v = 0;

	(void)ctx;
	cfg_reads++;
	if (f == NULL) {
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	}
	memcpy(&v, f->cfg + (addr & 0xfff), width);
	return v;
}

static void fake_write(void *ctx, uint64_t addr, unsigned width, uint32_t val)
{
	struct fake_fn *f = fake_lookup(addr);
	unsigned off = addr & 0xfff;
	unsigned nbars;
	uint16_t cmd;

	(void)ctx;
	if (f == NULL) {
		return;
	}
	if (off <= PCI_STATUS + 1 && off + width > PCI_STATUS) {
		status_writes++;
		return;
	}
	nbars = (f->cfg[PCI_HEADER_TYPE] & 0x7f) == 0 ? 6 : 2;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * nbars) {
		unsigned i = (off - PCI_BAR0) / 4;
		uint32_t old;

		memcpy(&cmd, f->cfg + PCI_COMMAND, 2);
		if (val == 0xffffffffu && (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEM))) {
			sizing_with_decode_on++;
		}
		memcpy(&old, f->cfg + off, 4);
		val = (val & f->bar_mask[i]) | (old & ~f->bar_mask[i]);
		memcpy(f->cfg + off, &val, 4);
		return;
	}
	memcpy(f->cfg + off, &val, width);
}

static const struct pci_cfg_ops fake_ops = { fake_read, fake_write, NULL };

static void fake_reset(void)
{
	for (unsigned i = 0; i < nr_fake; i++) {
		free(fake[i]);
	}
	nr_fake = 0;
	sizing_with_decode_on = 0;
	status_writes = 0;
	cfg_reads = 0;
	pci_set_cfg_ops(&fake_ops);
}

static struct fake_fn *fake_add(uint64_t base, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device,
				uint32_t class_rev, uint8_t htype)
{
	struct fake_fn *f = calloc(1, sizeof(*f));

	f->addr = base + ((uint64_t)bus << 20) + ((uint64_t)dev << 15) + ((uint64_t)fn << 12);
	memcpy(f->cfg + PCI_VENDOR_ID, &vendor, 2);
	memcpy(f->cfg + PCI_DEVICE_ID, &device, 2);
	memcpy(f->cfg + PCI_CLASS_REV, &class_rev, 4);
	f->cfg[PCI_HEADER_TYPE] = htype;
	fake[nr_fake++] = f;
	return f;
}

static void set32(struct fake_fn *f, unsigned off, uint32_t v)
{
	memcpy(f->cfg + off, &v, 4);
}

static void set16(struct fake_fn *f, unsigned off, uint16_t v)
{
	memcpy(f->cfg + off, &v, 2);
}

static void bar(struct fake_fn *f, unsigned i, uint32_t val, uint32_t mask)
{
	set32(f, PCI_BAR0 + 4 * i, val);
	f->bar_mask[i] = mask;
}

static struct acpi_info acpi;
static struct pci_info pci;

static void build_topology(void)
{
	struct fake_fn *f;

	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 2;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(SEG0_BASE), 0, 0, 7 };
	/* Segment 1 starts at bus 0x10: its base still addresses bus 0 (PCI Firmware 4.1.2). */
	acpi.mcfg[1] = (struct acpi_mcfg_seg){ hpa(SEG1_BASE), 1, 0x10, 0x11 };

	fake_add(SEG0_BASE, 0, 0, 0, 0x8086, 0x29c0, 0x06000002, 0);

	/* Root port 00:02.0 -> bus 1, a 4 KiB BAR0, PCIe capability (type 4 root port). */
	f = fake_add(SEG0_BASE, 0, 2, 0, 0x1b36, 0x000c, 0x06040000, 1);
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f->cfg[PCI_SUBORDINATE_BUS] = 1;
	bar(f, 0, 0xfeb00000, 0xfffff000);
	set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	f->cfg[PCI_CAP_PTR] = 0x40;
	f->cfg[0x40] = PCI_CAP_ID_EXP;
	set16(f, 0x42, 0x0042); /* version 2, device/port type 4 */

	/* The endpoint 01:00.0 (edu's IDs) with every BAR kind and every capability. */
	f = fake_add(SEG0_BASE, 1, 0, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	set16(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
	set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST | (1u << 13)); /* + a set RW1C bit */
	bar(f, 0, 0xfea00000, 0xfff00000);			/* mem32, 1 MiB */
	bar(f, 1, 0, 0);					/* unimplemented */
	bar(f, 2, 0x0000000c, 0xff000000);			/* mem64 prefetchable, 16 MiB */
	bar(f, 3, 0x00000080, 0xffffffff);			/* ... at 0x80_00000000 */
	bar(f, 4, 0x0000c001, 0xffffffe0);			/* I/O, 32 bytes */
	bar(f, 5, 0x0000d001, 0x0000ff00);			/* 16-bit I/O decoder, 256 bytes */
	f->cfg[PCI_CAP_PTR] = 0x40;
	f->cfg[0x40] = PCI_CAP_ID_MSI;
	f->cfg[0x41] = 0x50;
	f->cfg[0x50] = PCI_CAP_ID_MSIX;
	f->cfg[0x51] = 0x70;
	set16(f, 0x52, 7); /* table size 8 */
	f->cfg[0x70] = PCI_CAP_ID_EXP;
	f->cfg[0x71] = 0;
	set16(f, 0x72, 0x0002); /* endpoint */
	set32(f, 0x100, PCI_EXT_CAP_ID_ATS | 1u << 16 | 0x110u << 20);
	set32(f, 0x110, PCI_EXT_CAP_ID_PASID | 1u << 16 | 0x120u << 20);
	set32(f, 0x120, PCI_EXT_CAP_ID_PRI | 1u << 16);

	/* 00:03: multi-function, functions 0 and 2. */
	fake_add(SEG0_BASE, 0, 3, 0, 0x8086, 0x1111, 0x0c030000, PCI_HEADER_MULTI);
	fake_add(SEG0_BASE, 0, 3, 2, 0x8086, 0x2222, 0x0c030000, 0);
	/* 00:04.1 without a function 0: not a device (PCIe 7.5.1.1.9). */
	fake_add(SEG0_BASE, 0, 4, 1, 0x8086, 0x3333, 0x0c030000, 0);

	/* 00:05.0: a capability pointing at itself. */
	f = fake_add(SEG0_BASE, 0, 5, 0, 0x1af4, 0x1000, 0x02000000, 0);
	set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	f->cfg[PCI_CAP_PTR] = 0x40;
	f->cfg[0x40] = PCI_CAP_ID_MSI;
	f->cfg[0x41] = 0x40;

	/* 00:06.0: PCIe, with an extended capability pointing at itself. */
	f = fake_add(SEG0_BASE, 0, 6, 0, 0x1af4, 0x1001, 0x02000000, 0);
	set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	f->cfg[PCI_CAP_PTR] = 0x40;
	f->cfg[0x40] = PCI_CAP_ID_EXP;
	set32(f, 0x100, PCI_EXT_CAP_ID_ATS | 0x100u << 20);

	/* 00:07.0: a capability pointer into the header. */
	f = fake_add(SEG0_BASE, 0, 7, 0, 0x1af4, 0x1002, 0x02000000, 0);
	set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	f->cfg[PCI_CAP_PTR] = 0x10;

	/* Segment 1, bus 0x10. */
	fake_add(SEG1_BASE, 0x10, 0, 0, 0x8086, 0x4444, 0x01060100, 0);
}

TEST(enumerates_topology)
{
	const struct pci_dev *d;

	build_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	EXPECT_EQ(pci.nr_segments, 2);
	EXPECT_EQ(pci.nr_devs, 9);
	EXPECT_EQ(pci.nr_dropped, 0);
	/*
	 * Bounded: one probe per (bus, device) of 8 + 2 buses, a fixed number of header reads per
	 * function, and the looping extended list of 00:06.0 cut at 960 entries.
	 */
	EXPECT_TRUE(cfg_reads <= 10 * 32 + 9 * 64 + 2 * 48 + 960);

	d = pci_find(&pci, 0, 0, 0);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->vendor, 0x8086);
	EXPECT_EQ(d->device, 0x29c0);
	EXPECT_EQ(d->class_code, 0x060000);
	EXPECT_EQ(d->revision, 2);

	EXPECT_TRUE(pci_find(&pci, 0, 0, 3 << 3 | 0) != NULL);
	EXPECT_TRUE(pci_find(&pci, 0, 0, 3 << 3 | 2) != NULL);
	EXPECT_TRUE(pci_find(&pci, 0, 0, 3 << 3 | 2)->device == 0x2222);
	EXPECT_TRUE(pci_find(&pci, 0, 0, 4 << 3 | 1) == NULL);
	d = pci_find(&pci, 1, 0x10, 0);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->device, 0x4444);
	EXPECT_TRUE(pci_find(&pci, 0, 0x10, 0) == NULL);
	pci_log(&pci);
}

TEST(bridge_bus_numbers)
{
	const struct pci_dev *d;

	build_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	d = pci_find(&pci, 0, 0, 2 << 3);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->header_type, 1);
	EXPECT_EQ(d->sec_bus, 1);
	EXPECT_EQ(d->sub_bus, 1);
	EXPECT_EQ(d->bars[0].base, 0xfeb00000);
	EXPECT_EQ(d->bars[0].size, 0x1000);
	EXPECT_EQ(d->bars[2].size, 0); /* a type 1 header has only two BARs */
	EXPECT_EQ(d->cap_exp, 0x40);
	EXPECT_EQ(d->pcie_type, 4);
}

TEST(endpoint_bars_sized_safely)
{
	const struct pci_dev *d;
	uint16_t cmd;
	uint32_t v;

	build_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	d = pci_find_id(&pci, 0x1234, 0x11e8);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->bus, 1);
	EXPECT_EQ(d->class_code, 0x00ff00);
	EXPECT_EQ(d->revision, 0x10);
	EXPECT_EQ(d->bars[0].base, 0xfea00000);
	EXPECT_EQ(d->bars[0].size, 0x100000);
	EXPECT_EQ(d->bars[0].flags, 0);
	EXPECT_EQ(d->bars[1].size, 0);
	EXPECT_EQ(d->bars[2].base, 0x8000000000ULL);
	EXPECT_EQ(d->bars[2].size, 0x1000000);
	EXPECT_EQ(d->bars[2].flags, PCI_BAR_F_64 | PCI_BAR_F_PREFETCH);
	EXPECT_EQ(d->bars[3].size, 0); /* the upper half of BAR2 */
	EXPECT_EQ(d->bars[4].base, 0xc000);
	EXPECT_EQ(d->bars[4].size, 0x20);
	EXPECT_EQ(d->bars[4].flags, PCI_BAR_F_IO);
	EXPECT_EQ(d->bars[5].base, 0xd000);
	EXPECT_EQ(d->bars[5].size, 0x100);

	/* Decode was off while sizing, and everything is as the firmware left it. */
	EXPECT_EQ(sizing_with_decode_on, 0);
	EXPECT_EQ(status_writes, 0);
	cmd = (uint16_t)pci_cfg_read(&acpi, 0, 1, 0, PCI_COMMAND, 2);
	EXPECT_EQ(cmd, PCI_COMMAND_IO | PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, PCI_BAR0, 4), 0xfea00000);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, PCI_BAR0 + 8, 4), 0x0000000c);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, PCI_BAR0 + 12, 4), 0x00000080);
	v = pci_cfg_read(&acpi, 0, 1, 0, PCI_BAR0 + 20, 4);
	EXPECT_EQ(v, 0x0000d001);
}

TEST(endpoint_capabilities)
{
	const struct pci_dev *d;

	build_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	d = pci_find(&pci, 0, 1, 0);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->cap_msi, 0x40);
	EXPECT_EQ(d->cap_msix, 0x50);
	EXPECT_EQ(d->msix_table_size, 8);
	EXPECT_EQ(d->cap_exp, 0x70);
	EXPECT_EQ(d->pcie_type, 0);
	EXPECT_EQ(d->ecap_ats, 0x100);
	EXPECT_EQ(d->ecap_pasid, 0x110);
	EXPECT_EQ(d->ecap_pri, 0x120);
	EXPECT_TRUE(!d->cap_list_bad);

	/* The host bridge has no capability list: nothing found, nothing bad. */
	d = pci_find(&pci, 0, 0, 0);
	EXPECT_EQ(d->cap_msi | d->cap_msix | d->cap_exp, 0);
	EXPECT_TRUE(!d->cap_list_bad);
}

TEST(broken_capability_lists_terminate)
{
	const struct pci_dev *d;

	build_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	d = pci_find(&pci, 0, 0, 5 << 3);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->cap_msi, 0x40);
	EXPECT_TRUE(d->cap_list_bad);
	d = pci_find(&pci, 0, 0, 6 << 3);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->ecap_ats, 0x100);
	EXPECT_TRUE(d->cap_list_bad);
	d = pci_find(&pci, 0, 0, 7 << 3);
	ASSERT_TRUE(d != NULL);
	EXPECT_TRUE(d->cap_list_bad);
}

TEST(dmar_scope_resolves_through_bridge)
{
	struct acpi_dmar *dm = &acpi.dmar;

	build_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	/* Endpoint scope start bus 0, path 02.0 -> 00.0: the device on the root port's bus. */
	dm->present = true;
	dm->nr_drhd = 1;
	dm->drhd[0] = (struct acpi_drhd){ .base = hpa(0xfed90000), .first_scope = 0, .nr_scopes = 3 };
	dm->nr_scopes = 3;
	dm->scopes[0] = (struct acpi_dmar_scope){
		.type = ACPI_SCOPE_PCI_ENDPOINT, .start_bus = 0, .path_len = 2, .path = { { 2, 0 }, { 0, 0 } }
	};
	dm->scopes[1] = (struct acpi_dmar_scope){
		.type = ACPI_SCOPE_PCI_BRIDGE, .start_bus = 0, .path_len = 1, .path = { { 2, 0 } }
	};
	/* Through 00:03.0, which is not a bridge: must not resolve. */
	dm->scopes[2] = (struct acpi_dmar_scope){
		.type = ACPI_SCOPE_PCI_ENDPOINT, .start_bus = 0, .path_len = 2, .path = { { 3, 0 }, { 0, 0 } }
	};
	EXPECT_EQ(pci_resolve_dmar_scopes(&acpi, &pci), 2);
	EXPECT_TRUE(dm->scopes[0].resolved);
	EXPECT_EQ(dm->scopes[0].bus, 1);
	EXPECT_EQ(dm->scopes[0].devfn, 0);
	EXPECT_EQ(dm->scopes[1].sec_bus, 1);
	EXPECT_EQ(dm->scopes[1].sub_bus, 1);
	EXPECT_TRUE(!dm->scopes[2].resolved);
	EXPECT_EQ(acpi_dmar_unit_for(&acpi, 0, 1, 0), 0);
	EXPECT_EQ(acpi_dmar_unit_for(&acpi, 0, 0, 5 << 3), -1);
}

TEST(cfg_access_checks)
{
	build_topology();
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, PCI_VENDOR_ID, 2), 0x1234);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, PCI_DEVICE_ID, 2), 0x11e8);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, 0x01, 2), 0xffffffff);	/* unaligned */
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, 0x1000, 4), 0xffffffff); /* outside 4 KiB */
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 9, 0, 0, 4), 0xffffffff);	/* bus outside MCFG */
	EXPECT_EQ(pci_cfg_read(&acpi, 2, 0, 0, 0, 4), 0xffffffff);	/* no such segment */
	EXPECT_EQ(pci_cfg_write(&acpi, 2, 0, 0, PCI_COMMAND, 2, 0), -ENODEV);
	EXPECT_EQ(pci_cfg_write(&acpi, 0, 1, 0, PCI_COMMAND, 3, 0), -EINVAL);
	EXPECT_EQ(pci_cfg_write(&acpi, 0, 1, 0, PCI_COMMAND, 2, PCI_COMMAND_MASTER), 0);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 0, PCI_COMMAND, 2), PCI_COMMAND_MASTER);
	EXPECT_EQ(pci_cfg_read(&acpi, 1, 0x10, 0, PCI_DEVICE_ID, 2), 0x4444);
}

TEST(no_mcfg_is_enodev)
{
	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	EXPECT_EQ(pci_enumerate(&pci, &acpi), -ENODEV);
	EXPECT_EQ(pci.nr_devs, 0);
}

TEST(too_many_functions_counted)
{
	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(SEG0_BASE), 0, 0, 0 };
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			fake_add(SEG0_BASE, 0, dev, fn, 0x8086, (uint16_t)(dev << 3 | fn), 0,
				 fn == 0 ? PCI_HEADER_MULTI : 0);
		}
	}
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	EXPECT_EQ(pci.nr_devs, PCI_MAX_DEVS);
	EXPECT_EQ(pci.nr_dropped, 256 - PCI_MAX_DEVS);
	EXPECT_EQ(pci.devs[PCI_MAX_DEVS - 1].device, PCI_MAX_DEVS - 1);
	fake_reset();
}

/*
 * The default accessors (MMIO through include/hv/mmio.h) over plain host memory standing in
 * for ECAM: IDs decode, and whatever BAR sizing wrote is restored afterwards (plain memory
 * keeps the all-ones, so the restore is what puts the firmware's value back).
 */
TEST(default_mmio_accessors_over_memory)
{
	uint8_t *ecam = aligned_alloc(1 << 20, 2 << 20);
	uint32_t id = 0x11e81234, bar0 = 0xfea00000, v;
	uint16_t cmd = PCI_COMMAND_MEM | PCI_COMMAND_MASTER;

	ASSERT_TRUE(ecam != NULL);
	memset(ecam, 0xff, 2 << 20);	   /* every function absent ... */
	memset(ecam + (2 << 15), 0, 4096); /* ... but 01:02.0 */
	memcpy(ecam + (2 << 15), &id, 4);
	memcpy(ecam + (2 << 15) + PCI_COMMAND, &cmd, 2);
	memcpy(ecam + (2 << 15) + PCI_BAR0, &bar0, 4);
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	/* The window covers buses 1-2 and starts at ecam: base is where bus 0 would be. */
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa((uint64_t)(uintptr_t)ecam - (1 << 20)), 0, 1, 2 };
	pci_set_cfg_ops(NULL);
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	ASSERT_EQ(pci.nr_devs, 1);
	EXPECT_EQ(pci.devs[0].bus, 1);
	EXPECT_EQ(pci.devs[0].devfn, 2 << 3);
	EXPECT_EQ(pci.devs[0].vendor, 0x1234);
	EXPECT_EQ(pci.devs[0].device, 0x11e8);
	memcpy(&v, ecam + (2 << 15) + PCI_BAR0, 4);
	EXPECT_EQ(v, bar0);
	memcpy(&cmd, ecam + (2 << 15) + PCI_COMMAND, 2);
	EXPECT_EQ(cmd, PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 2 << 3, PCI_VENDOR_ID, 2), 0x1234);
	EXPECT_EQ(pci_cfg_read(&acpi, 0, 1, 2 << 3, PCI_DEVICE_ID + 1, 1), 0x11);
	free(ecam);
	pci_set_cfg_ops(&fake_ops);
}

/* A 64-bit BAR whose upper half is hard-wired to zero (it cannot move above 4 GiB). */
TEST(bar64_with_readonly_upper_half)
{
	struct fake_fn *f;

	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(SEG0_BASE), 0, 0, 0 };
	f = fake_add(SEG0_BASE, 0, 8, 0, 0x1af4, 0x1003, 0x02000000, 0);
	bar(f, 0, 0xfe00000c, 0xffff0000); /* 64-bit prefetchable, 64 KiB */
	bar(f, 1, 0, 0);
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	ASSERT_EQ(pci.nr_devs, 1);
	EXPECT_EQ(pci.devs[0].bars[0].base, 0xfe000000);
	EXPECT_EQ(pci.devs[0].bars[0].size, 0x10000);
	EXPECT_EQ(pci.devs[0].bars[0].flags, PCI_BAR_F_64 | PCI_BAR_F_PREFETCH);
	fake_reset();
}

/* ---- DMA requester-ID aliases and isolation groups (drivers/pci/groups.c) ---- */

#define RID(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))

/* A type 1 header with a PCIe capability of the given port type, or none (type < 0). */
static struct fake_fn *fake_bridge(uint8_t bus, uint8_t dev, uint8_t sec, uint8_t sub, int pcie_type)
{
	struct fake_fn *f = fake_add(SEG0_BASE, bus, dev, 0, 0x1b36, 0x000e, 0x06040000, 1);

	f->cfg[PCI_PRIMARY_BUS] = bus;
	f->cfg[PCI_SECONDARY_BUS] = sec;
	f->cfg[PCI_SUBORDINATE_BUS] = sub;
	if (pcie_type >= 0) {
		set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
		f->cfg[PCI_CAP_PTR] = 0x40;
		f->cfg[0x40] = PCI_CAP_ID_EXP;
		set16(f, 0x42, (uint16_t)(2 | pcie_type << 4));
	}
	return f;
}

/* A PCIe endpoint function, optionally with an ACS capability (cap, ctrl). */
static struct fake_fn *fake_pcie_fn(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t htype, bool acs, uint16_t acs_cap,
				    uint16_t acs_ctrl)
{
	struct fake_fn *f = fake_add(SEG0_BASE, bus, dev, fn, 0x8086, 0x5555, 0x02000000, htype);

	set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	f->cfg[PCI_CAP_PTR] = 0x40;
	f->cfg[0x40] = PCI_CAP_ID_EXP;
	set16(f, 0x42, 0x0002); /* endpoint */
	if (acs) {
		set32(f, 0x100, PCI_EXT_CAP_ID_ACS | 1u << 16);
		set16(f, 0x100 + PCI_ACS_CAP, acs_cap);
		set16(f, 0x100 + PCI_ACS_CTRL, acs_ctrl);
	}
	return f;
}

/*
 * 00:02.0 root port -> bus 1: 01:00.0 PCIe-to-PCI bridge -> bus 2 (conventional):
 *   02:01.0, 02:02.0 endpoints, 02:03.0 conventional PCI-to-PCI bridge -> bus 3: 03:00.0
 * 00:03.0 root port -> bus 4: 04:00.0 PCIe endpoint
 * 00:05.0/.1 multi-function PCIe without ACS; 00:06.0/.1 with ACS RR+CR enabled;
 * 00:07.0/.1 with ACS that implements RR+CR but has them disabled
 * 05:00.0 a bridge claiming its own bus as secondary, 05:01.0 behind "it";
 * 06:00.0 -> 7 and 07:00.0 -> 6: a bus-number loop
 */
static void build_alias_topology(void)
{
	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(SEG0_BASE), 0, 0, 7 };
	fake_add(SEG0_BASE, 0, 0, 0, 0x8086, 0x29c0, 0x06000002, 0);
	fake_bridge(0, 2, 1, 3, PCI_EXP_TYPE_ROOT_PORT);
	fake_bridge(1, 0, 2, 3, PCI_EXP_TYPE_PCI_BRIDGE);
	fake_add(SEG0_BASE, 2, 1, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	fake_add(SEG0_BASE, 2, 2, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	fake_bridge(2, 3, 3, 3, -1);
	fake_add(SEG0_BASE, 3, 0, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	fake_bridge(0, 3, 4, 4, PCI_EXP_TYPE_ROOT_PORT);
	fake_pcie_fn(4, 0, 0, 0, false, 0, 0);
	fake_pcie_fn(0, 5, 0, PCI_HEADER_MULTI, false, 0, 0);
	fake_pcie_fn(0, 5, 1, 0, false, 0, 0);
	fake_pcie_fn(0, 6, 0, PCI_HEADER_MULTI, true, PCI_ACS_RR | PCI_ACS_CR, PCI_ACS_RR | PCI_ACS_CR);
	fake_pcie_fn(0, 6, 1, 0, true, PCI_ACS_RR | PCI_ACS_CR, PCI_ACS_RR | PCI_ACS_CR);
	fake_pcie_fn(0, 7, 0, PCI_HEADER_MULTI, true, PCI_ACS_RR | PCI_ACS_CR, PCI_ACS_RR);
	fake_pcie_fn(0, 7, 1, 0, true, PCI_ACS_RR | PCI_ACS_CR, PCI_ACS_RR | PCI_ACS_CR);
	fake_bridge(5, 0, 5, 5, -1);
	fake_add(SEG0_BASE, 5, 1, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	fake_bridge(6, 0, 7, 7, -1);
	fake_bridge(7, 0, 6, 6, -1);
}

static const struct pci_dev *dev_at(uint8_t bus, uint8_t dev, uint8_t fn)
{
	const struct pci_dev *d = pci_find(&pci, 0, bus, (uint8_t)(dev << 3 | fn));

	if (d == NULL) {
		fprintf(stderr, "    no function %02x:%02x.%u\n", bus, dev, fn);
		abort();
	}
	return d;
}

TEST(dma_aliases_follow_the_bridges)
{
	const struct pci_dev *via[PCI_MAX_DMA_ALIASES];
	uint16_t r[PCI_MAX_DMA_ALIASES];

	build_alias_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	/* Behind the PCIe-to-PCI bridge: own ID, then (secondary bus 2, devfn 0); the root port adds none. */
	ASSERT_EQ(pci_dma_aliases_via(dev_at(2, 1, 0), r, via, PCI_MAX_DMA_ALIASES), 2);
	EXPECT_EQ(r[0], RID(2, 1, 0));
	EXPECT_TRUE(via[0] == NULL);
	EXPECT_EQ(r[1], RID(2, 0, 0));
	EXPECT_TRUE(via[1] == dev_at(1, 0, 0));
	/* Below a conventional bridge below it: the bridge's own ID first, then 02:00.0. */
	ASSERT_EQ(pci_dma_aliases_via(dev_at(3, 0, 0), r, via, PCI_MAX_DMA_ALIASES), 3);
	EXPECT_EQ(r[0], RID(3, 0, 0));
	EXPECT_EQ(r[1], RID(2, 3, 0));
	EXPECT_TRUE(via[1] == dev_at(2, 3, 0));
	EXPECT_EQ(r[2], RID(2, 0, 0));
	EXPECT_TRUE(via[2] == dev_at(1, 0, 0));
	/* The bridge itself (on the PCIe side) and a PCIe endpoint below a root port: no alias. */
	ASSERT_EQ(pci_dma_aliases(dev_at(1, 0, 0), r, PCI_MAX_DMA_ALIASES), 1);
	EXPECT_EQ(r[0], RID(1, 0, 0));
	ASSERT_EQ(pci_dma_aliases(dev_at(4, 0, 0), r, PCI_MAX_DMA_ALIASES), 1);
	EXPECT_EQ(r[0], RID(4, 0, 0));
	EXPECT_TRUE(dev_at(4, 0, 0)->upstream == dev_at(0, 3, 0));
	/* Too small a buffer is an error, never a short list. */
	EXPECT_EQ(pci_dma_aliases(dev_at(3, 0, 0), r, 2), -E2BIG);
	EXPECT_EQ(pci_dma_aliases(dev_at(3, 0, 0), r, 0), -EINVAL);
	/* Bridges whose secondary bus is not above their own are nobody's upstream: no loop. */
	EXPECT_TRUE(dev_at(5, 1, 0)->upstream == NULL);
	EXPECT_EQ(pci_dma_aliases(dev_at(5, 1, 0), r, PCI_MAX_DMA_ALIASES), 1);
	EXPECT_TRUE(dev_at(7, 0, 0)->upstream == dev_at(6, 0, 0));
	EXPECT_TRUE(dev_at(6, 0, 0)->upstream == NULL);
	EXPECT_EQ(pci_dma_aliases(dev_at(7, 0, 0), r, PCI_MAX_DMA_ALIASES), 2);
	pci_log_groups(&pci);
}

TEST(groups_join_shared_ids_and_slots_without_acs)
{
	build_alias_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	for (unsigned i = 0; i < pci.nr_devs; i++) {
		EXPECT_NE(pci.devs[i].group, 0);
	}
	/* Everything below the PCIe-to-PCI bridge shares 02:00.0; the bridge itself does not. */
	EXPECT_EQ(dev_at(2, 2, 0)->group, dev_at(2, 1, 0)->group);
	EXPECT_EQ(dev_at(2, 3, 0)->group, dev_at(2, 1, 0)->group);
	EXPECT_EQ(dev_at(3, 0, 0)->group, dev_at(2, 1, 0)->group);
	EXPECT_NE(dev_at(1, 0, 0)->group, dev_at(2, 1, 0)->group);
	EXPECT_NE(dev_at(0, 2, 0)->group, dev_at(1, 0, 0)->group);
	EXPECT_NE(dev_at(4, 0, 0)->group, dev_at(0, 3, 0)->group);
	/* Multi-function: no ACS, or RR/CR implemented but not both enabled: one group. */
	EXPECT_EQ(dev_at(0, 5, 0)->group, dev_at(0, 5, 1)->group);
	EXPECT_EQ(dev_at(0, 7, 0)->group, dev_at(0, 7, 1)->group);
	EXPECT_NE(dev_at(0, 6, 0)->group, dev_at(0, 6, 1)->group);
	EXPECT_NE(dev_at(0, 5, 0)->group, dev_at(0, 6, 0)->group);
	/* Numbered 1.. in enumeration order: the host bridge 00:00.0 is group 1. */
	EXPECT_EQ(dev_at(0, 0, 0)->group, 1);
}

/* More aliasing bridges than PCI_MAX_DMA_ALIASES can hold: group 0, never assignable. */
TEST(alias_chain_too_deep_is_group_0)
{
	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(SEG0_BASE), 0, 0, 9 };
	for (uint8_t b = 0; b < PCI_MAX_DMA_ALIASES; b++) {
		fake_bridge(b, 1, (uint8_t)(b + 1), 9, -1);
	}
	fake_add(SEG0_BASE, PCI_MAX_DMA_ALIASES, 0, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	EXPECT_EQ(dev_at(PCI_MAX_DMA_ALIASES, 0, 0)->group, 0);
	EXPECT_NE(dev_at(PCI_MAX_DMA_ALIASES - 1, 1, 0)->group, 0); /* the deepest bridge still fits */
}

/* ---- isolation groups against the partition configuration (hv/guest_groups.c) ---- */

static void cfg_guest_add(struct hv_config *cfg, const char *name, unsigned line)
{
	struct cfg_guest *g = &cfg->guests[cfg->nr_guests++];

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->line = line;
}

static void cfg_dev_add(struct hv_config *cfg, uint8_t bus, uint8_t dev, uint8_t fn, unsigned line)
{
	struct cfg_guest *g = &cfg->guests[cfg->nr_guests - 1];

	g->devs[g->nr_devs++] =
		(struct cfg_pci){ .segment = 0, .bus = bus, .devfn = (uint8_t)(dev << 3 | fn), .line = line };
}

TEST(config_refuses_a_group_split_between_guests)
{
	static struct hv_config cfg;
	struct cfg_error err;
	char want[160];

	build_alias_topology();
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);

	/* Two functions behind one PCIe-to-PCI bridge, two guests: refused at the second's line. */
	memset(&cfg, 0, sizeof(cfg));
	cfg_guest_add(&cfg, "a", 1);
	cfg_dev_add(&cfg, 2, 1, 0, 4);
	cfg_guest_add(&cfg, "b", 7);
	cfg_dev_add(&cfg, 4, 0, 0, 10);
	cfg_dev_add(&cfg, 2, 2, 0, 12);
	EXPECT_EQ(guest_groups_check(&cfg, &pci, &err), -EBUSY);
	EXPECT_EQ(err.line, 12);
	snprintf(want, sizeof(want), "0000:02:02.0 is in isolation group %u with 0000:02:01.0, which guest a owns",
		 dev_at(2, 1, 0)->group);
	EXPECT_TRUE(strcmp(err.msg, want) == 0);

	/* Multi-function without ACS, split: refused too. */
	memset(&cfg, 0, sizeof(cfg));
	cfg_guest_add(&cfg, "a", 1);
	cfg_dev_add(&cfg, 0, 5, 0, 3);
	cfg_guest_add(&cfg, "b", 5);
	cfg_dev_add(&cfg, 0, 5, 1, 6);
	EXPECT_EQ(guest_groups_check(&cfg, &pci, &err), -EBUSY);
	EXPECT_EQ(err.line, 6);

	/* The whole group in one guest, and separate groups in separate guests: accepted. */
	memset(&cfg, 0, sizeof(cfg));
	cfg_guest_add(&cfg, "a", 1);
	cfg_dev_add(&cfg, 2, 1, 0, 2);
	cfg_dev_add(&cfg, 3, 0, 0, 3);
	cfg_guest_add(&cfg, "b", 5);
	cfg_dev_add(&cfg, 0, 6, 0, 6);
	cfg_guest_add(&cfg, "c", 8);
	cfg_dev_add(&cfg, 0, 6, 1, 9);
	cfg_dev_add(&cfg, 4, 0, 0, 10);
	cfg_dev_add(&cfg, 1, 0, 0, 11);	   /* the bridge itself is not in its children's group */
	cfg_dev_add(&cfg, 0x1e, 0, 0, 12); /* unknown: config_validate's business */
	EXPECT_EQ(guest_groups_check(&cfg, &pci, &err), 0);
}

TEST(config_refuses_a_function_in_no_group)
{
	static struct hv_config cfg;
	struct cfg_error err;

	fake_reset();
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(SEG0_BASE), 0, 0, 9 };
	for (uint8_t b = 0; b < PCI_MAX_DMA_ALIASES; b++) {
		fake_bridge(b, 1, (uint8_t)(b + 1), 9, -1);
	}
	fake_add(SEG0_BASE, PCI_MAX_DMA_ALIASES, 0, 0, 0x1234, 0x11e8, 0x00ff0010, 0);
	ASSERT_EQ(pci_enumerate(&pci, &acpi), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg_guest_add(&cfg, "a", 1);
	cfg_dev_add(&cfg, PCI_MAX_DMA_ALIASES, 0, 0, 5);
	EXPECT_EQ(guest_groups_check(&cfg, &pci, &err), -EINVAL);
	EXPECT_EQ(err.line, 5);
	EXPECT_TRUE(strstr(err.msg, "cannot be isolated") != NULL);
	fake_reset();
}
