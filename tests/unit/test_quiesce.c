// SPDX-License-Identifier: MIT
/*
 * pci_quiesce (drivers/pci/pci_quiesce.c) against one fake function in configuration space that
 * models what matters at teardown: the Command register, PCIe Transactions Pending (set for a
 * number of reads, or for ever), Function Level Reset through the PCIe capability or the PCI AF
 * capability (it clears the configuration the firmware set up, and the function answers with
 * all ones for a number of reads afterwards, as a function still resetting does), and a function
 * that is not there at all. Waits are real (the host counter), so the bounds are checked too.
 */
#define TEST_MAIN
#include "test.h"

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/pci.h>

#define ECAM   0xe0000000ULL
#define DEVFN  (2u << 3)
#define EXP    0x40 /* PCIe capability */
#define AF     0x50 /* PCI AF capability */
#define BAR0_V 0xfeb00000u

static struct {
	uint8_t cfg[PCI_CFG_SIZE];
	bool absent;
	unsigned tp_reads;   /* Transactions Pending reads as set this many more times */
	bool tp_forever;     /* ... or never clears */
	unsigned dead_reads; /* after an FLR, reads return all ones this many times */
	unsigned flrs;
	uint64_t flr_at, back_at; /* counter at the FLR, at the first answer after it */
	unsigned writes_when_absent;
	bool bm_stuck; /* Bus Master Enable does not clear */
} fn;

static uint16_t get16(unsigned off)
{
	uint16_t v;

	memcpy(&v, fn.cfg + off, 2);
	return v;
}

static void set16(unsigned off, uint16_t v)
{
	memcpy(fn.cfg + off, &v, 2);
}

static void set32(unsigned off, uint32_t v)
{
	memcpy(fn.cfg + off, &v, 4);
}

static uint32_t get32(unsigned off)
{
	uint32_t v;

	memcpy(&v, fn.cfg + off, 4);
	return v;
}

/* What an FLR does to the function (PCIe 6.0 6.6.2): its configuration is back to defaults. */
static void flr(void)
{
	uint8_t id[4], hdr = fn.cfg[PCI_HEADER_TYPE], caps[0x40];

	memcpy(id, fn.cfg, 4);
	memcpy(caps, fn.cfg + 0x40, sizeof(caps));
	memset(fn.cfg, 0, 0x40);
	memcpy(fn.cfg, id, 4);
	fn.cfg[PCI_HEADER_TYPE] = hdr;
	set16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	fn.cfg[PCI_CAP_PTR] = caps[0] == PCI_CAP_ID_EXP ? EXP : AF;
	memcpy(fn.cfg + 0x40, caps, sizeof(caps));
	set16(EXP + PCI_EXP_DEVCTL, 0x2810); /* DevCtl defaults, not what the firmware set */
	fn.flrs++;
	fn.flr_at = arch_counter();
}

static uint32_t fake_read(void *ctx, uint64_t addr, unsigned width)
{
	unsigned off = (unsigned)(addr & 0xfff);
	uint32_t v = 0;

	(void)ctx;
	if (fn.absent || (addr & ~0xfffULL) != ECAM + ((uint64_t)DEVFN << 12)) {
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	}
	if (fn.dead_reads) {
		fn.dead_reads--;
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	}
	if (fn.flrs && fn.back_at == 0) {
		fn.back_at = arch_counter();
	}
	memcpy(&v, fn.cfg + off, width);
	if (off == EXP + PCI_EXP_DEVSTA && fn.cfg[EXP] == PCI_CAP_ID_EXP && (fn.tp_forever || fn.tp_reads)) {
		fn.tp_reads -= fn.tp_reads ? 1 : 0;
		v |= PCI_EXP_DEVSTA_TRPND;
	}
	if (off == AF + PCI_AF_STATUS && (fn.tp_forever || fn.tp_reads)) {
		fn.tp_reads -= fn.tp_reads ? 1 : 0;
		v |= PCI_AF_STATUS_TP;
	}
	return v;
}

static void fake_write(void *ctx, uint64_t addr, unsigned width, uint32_t val)
{
	unsigned off = (unsigned)(addr & 0xfff);

	(void)ctx;
	if (fn.absent) {
		fn.writes_when_absent++;
		return;
	}
	if (off == EXP + PCI_EXP_DEVCTL && fn.cfg[EXP] == PCI_CAP_ID_EXP && (val & PCI_EXP_DEVCTL_FLR) &&
	    (get32(EXP + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR)) {
		flr();
		fn.dead_reads = 3;
		return;
	}
	if (off == AF + PCI_AF_CTRL && fn.cfg[AF] == PCI_CAP_ID_AF && (val & PCI_AF_CTRL_FLR)) {
		flr();
		fn.dead_reads = 3;
		return;
	}
	if (off == PCI_COMMAND && fn.bm_stuck) {
		val |= PCI_COMMAND_MASTER;
	}
	memcpy(fn.cfg + off, &val, width);
}

static const struct pci_cfg_ops fake_ops = { fake_read, fake_write, NULL };
static struct acpi_info acpi;
static struct pci_dev pd;

static uint64_t ms_since(uint64_t t0)
{
	return (arch_counter() - t0) / (arch_counter_hz() / 1000);
}

/* A function as the firmware left it and the guest used it: BAR0, decode and bus mastering on. */
static void fake_fn(bool pcie, bool flr_cap, bool af)
{
	memset(&fn, 0, sizeof(fn));
	memset(&acpi, 0, sizeof(acpi));
	acpi.nr_mcfg = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_seg){ hpa(ECAM), 0, 0, 0 };
	pci_set_cfg_ops(&fake_ops);
	set16(PCI_VENDOR_ID, 0x1234);
	set16(PCI_DEVICE_ID, 0x11e8);
	set16(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
	set32(PCI_BAR0, BAR0_V);
	fn.cfg[PCI_CACHE_LINE_SIZE] = 0x10;
	fn.cfg[PCI_INTERRUPT_LINE] = 11;
	pd = (struct pci_dev){ .segment = 0, .bus = 0, .devfn = DEVFN, .vendor = 0x1234, .device = 0x11e8 };
	if (pcie) {
		set16(PCI_STATUS, PCI_STATUS_CAP_LIST);
		fn.cfg[PCI_CAP_PTR] = EXP;
		fn.cfg[EXP] = PCI_CAP_ID_EXP;
		set16(EXP + PCI_EXP_FLAGS, 0x0002);
		set32(EXP + PCI_EXP_DEVCAP, flr_cap ? PCI_EXP_DEVCAP_FLR : 0);
		set16(EXP + PCI_EXP_DEVCTL, 0x5937); /* firmware's MPS/MRRS etc. */
		set16(EXP + PCI_EXP_DEVCTL2, 0x0015);
		pd.cap_exp = EXP;
	}
	if (af) {
		set16(PCI_STATUS, PCI_STATUS_CAP_LIST);
		fn.cfg[PCI_CAP_PTR] = 0x44; /* a capability before AF: the walk must follow the list */
		fn.cfg[0x44] = PCI_CAP_ID_MSI;
		fn.cfg[0x45] = AF;
		fn.cfg[AF] = PCI_CAP_ID_AF;
		fn.cfg[AF + PCI_AF_CAP] = flr_cap ? (PCI_AF_CAP_TP | PCI_AF_CAP_FLR) : PCI_AF_CAP_TP;
	}
}

/* QEMU's edu: conventional PCI, nothing to wait on, no reset: bus mastering off, a grace period. */
TEST(quiesce_conventional_without_flr)
{
	uint64_t t0;

	fake_fn(false, false, false);
	t0 = arch_counter();
	EXPECT_EQ(pci_quiesce(&acpi, &pd), 0);
	EXPECT_EQ(get16(PCI_COMMAND), PCI_COMMAND_IO); /* bus master and memory off, the rest kept */
	EXPECT_EQ(fn.flrs, 0);
	EXPECT_TRUE(ms_since(t0) >= PCI_QUIESCE_GRACE_MS);
	EXPECT_EQ(get32(PCI_BAR0), BAR0_V);
}

/*
 * PCIe with FLR: Transactions Pending is waited out first, then the FLR; the function is left
 * alone for 100 ms and polled until it answers; the firmware's BARs and settings are back, and
 * bus mastering and memory decoding stay off.
 */
TEST(quiesce_pcie_flr_restores_config)
{
	fake_fn(true, true, false);
	fn.tp_reads = 5;
	EXPECT_EQ(pci_quiesce(&acpi, &pd), 0);
	EXPECT_EQ(fn.tp_reads, 0); /* waited until it cleared */
	EXPECT_EQ(fn.flrs, 1);
	EXPECT_EQ(fn.dead_reads, 0); /* polled through the resetting period */
	EXPECT_TRUE(fn.back_at > fn.flr_at);
	EXPECT_TRUE((fn.back_at - fn.flr_at) / (arch_counter_hz() / 1000) >= PCI_QUIESCE_FLR_MS);
	EXPECT_EQ(get32(PCI_BAR0), BAR0_V);
	EXPECT_EQ(fn.cfg[PCI_CACHE_LINE_SIZE], 0x10);
	EXPECT_EQ(fn.cfg[PCI_INTERRUPT_LINE], 11);
	EXPECT_EQ(get16(EXP + PCI_EXP_DEVCTL), 0x5937);
	EXPECT_EQ(get16(EXP + PCI_EXP_DEVCTL2), 0x0015);
	EXPECT_EQ(get16(PCI_COMMAND), PCI_COMMAND_IO);
}

/* Conventional PCI with the AF capability (TP and FLR): found through the list, used the same way. */
TEST(quiesce_af_flr)
{
	fake_fn(false, true, true);
	fn.tp_reads = 2;
	EXPECT_EQ(pci_quiesce(&acpi, &pd), 0);
	EXPECT_EQ(fn.tp_reads, 0);
	EXPECT_EQ(fn.flrs, 1);
	EXPECT_EQ(get32(PCI_BAR0), BAR0_V);
	EXPECT_EQ(get16(PCI_COMMAND), PCI_COMMAND_IO);
}

/* Transactions that never complete: -ETIMEDOUT after the bound, and the FLR is still done. */
TEST(quiesce_pending_forever_is_bounded)
{
	uint64_t t0;

	fake_fn(true, true, false);
	fn.tp_forever = true;
	t0 = arch_counter();
	EXPECT_EQ(pci_quiesce(&acpi, &pd), -ETIMEDOUT);
	EXPECT_TRUE(ms_since(t0) >= PCI_QUIESCE_PENDING_MS);
	EXPECT_TRUE(ms_since(t0) < PCI_QUIESCE_PENDING_MS + PCI_QUIESCE_FLR_MS + PCI_QUIESCE_READY_MS + 500);
	EXPECT_EQ(fn.flrs, 1);
	EXPECT_EQ(get16(PCI_COMMAND) & PCI_COMMAND_MASTER, 0);
}

/* A PCIe function without FLR: no reset, but its pending transactions are still waited for. */
TEST(quiesce_pcie_without_flr)
{
	fake_fn(true, false, false);
	fn.tp_reads = 3;
	EXPECT_EQ(pci_quiesce(&acpi, &pd), 0);
	EXPECT_EQ(fn.tp_reads, 0);
	EXPECT_EQ(fn.flrs, 0);
	EXPECT_EQ(get16(PCI_COMMAND), PCI_COMMAND_IO);
}

/* A function that does not answer: -ENODEV and nothing written. */
TEST(quiesce_absent_function)
{
	fake_fn(false, false, false);
	fn.absent = true;
	EXPECT_EQ(pci_quiesce(&acpi, &pd), -ENODEV);
	EXPECT_EQ(fn.writes_when_absent, 0);
}

/* Bus Master Enable that does not clear: reported as -EIO, never claimed stopped. */
TEST(quiesce_bus_master_stuck)
{
	fake_fn(false, false, false);
	fn.bm_stuck = true;
	EXPECT_EQ(pci_quiesce(&acpi, &pd), -EIO);
	EXPECT_EQ(get16(PCI_COMMAND) & PCI_COMMAND_MASTER, PCI_COMMAND_MASTER);
}
