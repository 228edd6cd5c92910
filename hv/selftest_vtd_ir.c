// SPDX-License-Identifier: MIT
/*
 * Self-test "vtd_ir" (selftest=vtd_ir): VT-d interrupt remapping end to end with a real MSI.
 * The edu device's MSI capability is programmed by the hypervisor in remappable format (VT-d
 * 5.1.2.2) and edu raises its interrupt (register 0x60), so the message carries the device's
 * true source-id (QEMU tags DMA-made interrupt writes 0xffff, but MSIs from the capability with
 * the requester ID). Checks:
 *   1. take-over left interrupt remapping on (GSTS.IRES, CFIS clear) with our table;
 *   2. an entry written for edu's requester ID delivers its vector to the boot CPU (the host
 *      takes it as a stray interrupt: counted and EOI'd, arch/x86_64/irq.c);
 *   3. the same entry rewritten for another requester ID: edu's message is blocked, nothing is
 *      delivered, and fault 0x26 (SID check) names edu's source-id and the index;
 *   4. a handle that was never handed out: blocked, fault 0x22 (not present) with edu's SID;
 *   5. the entry freed: blocked again (0x22), the slot is reusable;
 *   6. those faults arrived by the unit's fault event interrupt (drained by its handler).
 * The boot CPU's APIC ID is 0 on q35 (the destination of every entry here).
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/edu.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mmio.h>
#include <hv/pci.h>
#include <hv/selftest.h>

#include "drivers/iommu/vtd/vtd.h"
#include "hv/selftest_vtd.h"

#define ST_VECTOR     0x50
#define ST_IRQ_BIT    0x1U
#define ST_WAIT_TURNS 1000

static struct vtd_unit *unit;
static struct edu edu;
static const struct pci_dev *pd;

static void msi_program(uint64_t addr, uint32_t data, bool enable)
{
	if (enable) {
		(void)pci_msi_program(pd, 0, addr, data);
	} else {
		pci_msi_disable(pd);
	}
}

/*
 * Have edu send one MSI and wait (bounded) for the host to take an interrupt. Returns the
 * number of interrupts taken and the faults recorded meanwhile.
 */
static uint64_t raise_and_wait(unsigned *faults)
{
	uint64_t before = arch_stray_irq_count(), faults_before;

	(void)vtd_poll_faults();
	faults_before = unit->nr_faults;
	unit->last_fault = (struct vtd_fault){ 0 };
	edu_raise_irq(&edu, ST_IRQ_BIT);
	for (unsigned i = 0; i < ST_WAIT_TURNS && arch_stray_irq_count() == before; i++) {
		arch_irq_window(); /* also lets the unit's fault event in, which drains the record */
	}
	edu_ack_irq(&edu, ST_IRQ_BIT);
	(void)vtd_poll_faults(); /* where fault events are masked */
	*faults = (unsigned)(unit->nr_faults - faults_before);
	return arch_stray_irq_count() - before;
}

static int selftest_vtd_ir(const struct bootinfo *bi)
{
	uint16_t bdf = 0, idx = 0, idx2 = 0;
	hpa_t bar0 = hpa(0);
	uint64_t addr, n;
	uint32_t data;
	unsigned faults;
	bool ok = true;
	int ret;

	ret = st_platform(bi);
	ret = ret ? ret : (vtd_init(&hv_acpi) >= 1 ? 0 : -ENODEV);
	ret = ret ? ret : vtd_find_edu(0, &bdf, &bar0);
	ret = ret ? ret : edu_init(&edu, bar0, bdf);
	pd = pci_find(&hv_pci, 0, (uint8_t)(bdf >> 8), (uint8_t)bdf);
	if (!ST_CHECK(ret == 0 && (unit = vtd_unit_for(0, bdf)) != NULL && pd != NULL && pd->cap_msi != 0,
		      "unit, edu and its MSI capability")) {
		return ret ? ret : -ENODEV;
	}
	ok &= ST_CHECK(vtd_ir_enabled(unit) && (mmio_read32(unit->regs + VTD_GSTS_REG) & VTD_GSTS_IRES) &&
			       !(mmio_read32(unit->regs + VTD_GSTS_REG) & VTD_GSTS_CFIS),
		       "1: interrupt remapping on, compatibility format off (GSTS %#x), %s destinations",
		       mmio_read32(unit->regs + VTD_GSTS_REG), unit->eime ? "x2APIC" : "xAPIC");

	ret = vtd_ir_alloc(unit, bdf, ST_VECTOR, 0, &idx);
	vtd_msi_remappable(idx, &addr, &data);
	msi_program(addr, data, true);
	n = raise_and_wait(&faults);
	ok &= ST_CHECK(ret == 0 && n == 1 && arch_stray_irq_last_vector() == ST_VECTOR && faults == 0,
		       "2: entry %u for %02x:%02x.%x: its MSI (address %#llx) delivered vector %#x (%llu taken, %u faults)",
		       idx, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, (unsigned long long)addr, arch_stray_irq_last_vector(),
		       (unsigned long long)n, faults);

	ret = vtd_ir_free(unit, idx);
	ret = ret ? ret : vtd_ir_alloc(unit, (uint16_t)(bdf + 1), ST_VECTOR, 0, &idx2);
	n = raise_and_wait(&faults);
	ok &= ST_CHECK(ret == 0 && idx2 == idx && n == 0 && faults == 1 && unit->last_fault.reason == VTD_FR_IR_SID_ERR &&
			       unit->last_fault.sid == bdf && unit->last_fault.addr == idx,
		       "3: entry %u rewritten for requester %#x: edu's MSI blocked, fault %#x sid %#x index %llu",
		       idx2, bdf + 1, unit->last_fault.reason, unit->last_fault.sid,
		       (unsigned long long)unit->last_fault.addr);

	vtd_msi_remappable(200, &addr, &data);
	msi_program(addr, data, true);
	n = raise_and_wait(&faults);
	ok &= ST_CHECK(n == 0 && faults == 1 && unit->last_fault.reason == VTD_FR_IR_ENTRY_P &&
			       unit->last_fault.sid == bdf && unit->last_fault.addr == 200,
		       "4: handle 200, never handed out: blocked, fault %#x sid %#x index %llu", unit->last_fault.reason,
		       unit->last_fault.sid, (unsigned long long)unit->last_fault.addr);

	ret = vtd_ir_free(unit, idx2);
	vtd_msi_remappable(idx2, &addr, &data);
	msi_program(addr, data, true);
	n = raise_and_wait(&faults);
	ok &= ST_CHECK(ret == 0 && n == 0 && faults == 1 && unit->last_fault.reason == VTD_FR_IR_ENTRY_P,
		       "5: entry %u freed: blocked again (fault %#x)", idx2, unit->last_fault.reason);
	msi_program(0, 0, false);
	ok &= ST_CHECK(unit->fault_vector < 0 || arch_irq_count(unit->fault_vector) >= 3,
		       "6: the blocked requests raised the unit's fault event (vector %#x taken %llu times)",
		       (unsigned)unit->fault_vector, (unsigned long long)arch_irq_count(unit->fault_vector));
	pr_info("vtd_ir selftest: %llu interrupt request(s) blocked on %s", (unsigned long long)unit->nr_ir_faults,
		unit->name);
	return ok ? 0 : -EIO;
}
HV_SELFTEST(vtd_ir, selftest_vtd_ir);
