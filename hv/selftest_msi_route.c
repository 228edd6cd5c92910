// SPDX-License-Identifier: MIT
/*
 * Self-test "msi_route" (selftest=msi_route, test image): a device MSI routed the way
 * IOASID_CALL_IRQ_ROUTE routes it (include/hv/irq_route.h, arch/x86_64/irq_route.c), with a
 * stand-in target vCPU (v->arch NULL: the route counts every message but raises nothing, so the
 * test does not depend on the virtual local APIC). edu is the device (QEMU docs/specs/edu.rst:
 * DMA command bit 2 raises interrupt 0x100 on completion, status 0x24, acknowledge 0x64; one
 * MSI per raise while its capability is enabled). Checks:
 *   1. routed to the boot CPU: each of ST_ROUNDS DMA completions runs the route's handler once,
 *      on the vector of the target CPU's own table; the MSI capability holds a remappable
 *      address (bit 4) and is enabled;
 *   2. moved (replace) to the last CPU: the entry's destination changes, the message does not;
 *      each completion is now taken on that CPU's vector, the old vector sees nothing;
 *   3. the entry rewritten for another requester ID: edu's message is blocked with fault 0x26
 *      naming edu's source-id and the entry, nothing is delivered;
 *   4. cleared: MSI disabled, entry freed, vector released; completions deliver nothing;
 *   5. every routed vector of the target CPU taken: a route is refused with -ENOSPC and leaves
 *      nothing behind (MSI off, no entry).
 * The DMAs read bus address 0, which no table maps here: each also records a DMA fault
 * (reported as a fault of an unassigned requester). Only the interrupt matters.
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/edu.h>
#include <hv/errno.h>
#include <hv/irq_route.h>
#include <hv/log.h>
#include <hv/mmio.h>
#include <hv/pci.h>
#include <hv/percpu.h>
#include <hv/selftest.h>
#include <hv/smp.h>
#include <hv/vcpu.h>
#include <hv/wait.h>

#include "arch/x86_64/x86.h"
#include "drivers/iommu/vtd/vtd.h"
#include "hv/selftest_vtd.h"

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_ACK    0x64
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_CNT    0x90
#define EDU_DMA_CMD    0x98
#define EDU_CMD_START  0x1ULL
#define EDU_CMD_IRQ    0x4ULL
#define EDU_IRQ_DMA    0x100U
#define ST_ROUNDS      5
#define ST_VIRQ	       0x40
#define ST_WAIT_US     2000000 /* a DMA takes 100 ms of virtual time */
#define MSI_CTL	       0x2
#define MSI_ADDR_LO    0x4

static struct edu edu;
static const struct pci_dev *pd;
static struct vtd_unit *unit;
static struct vcpu stand_in = { .name = "msi_route" };
static struct msi_route r;

static void count_only(void *arg)
{
	(void)arg;
}

/* One DMA (device <- bus address 0) with its completion interrupt; waits for the engine. */
static int dma_with_irq(void)
{
	int ret;

	mmio_write64(edu.mmio + EDU_DMA_SRC, 0);
	mmio_write64(edu.mmio + EDU_DMA_DST, EDU_BUF_ADDR);
	mmio_write64(edu.mmio + EDU_DMA_CNT, 64);
	mmio_write64(edu.mmio + EDU_DMA_CMD, EDU_CMD_START | EDU_CMD_IRQ);
	ret = poll_until(!(mmio_read64(edu.mmio + EDU_DMA_CMD) & EDU_CMD_START), ST_WAIT_US);
	return ret;
}

/* Wait (bounded, interrupts let in here too) until r counted `want` messages. */
static bool delivered(uint64_t want)
{
	(void)poll_until(({
				 arch_irq_window();
				 __atomic_load_n(&r.nr_delivered, __ATOMIC_ACQUIRE) >= want;
			 }),
			 ST_WAIT_US);
	return __atomic_load_n(&r.nr_delivered, __ATOMIC_ACQUIRE) == want;
}

/* edu's interrupt raised by register (no DMA, so no DMA fault either); true if delivered as expected. */
static bool raise_once(bool expect_delivery)
{
	uint64_t before = __atomic_load_n(&r.nr_delivered, __ATOMIC_ACQUIRE);
	bool ok;

	edu_raise_irq(&edu, 1);
	ok = delivered(before + (expect_delivery ? 1 : 0));
	edu_ack_irq(&edu, 1);
	return ok;
}

/* n completions, each acknowledged; true when each one delivered exactly one message. */
static bool rounds(unsigned n, bool expect_delivery)
{
	bool ok = true;

	for (unsigned i = 0; i < n; i++) {
		uint64_t before = __atomic_load_n(&r.nr_delivered, __ATOMIC_ACQUIRE);
		uint32_t st;

		ok &= dma_with_irq() == 0;
		ok &= delivered(before + (expect_delivery ? 1 : 0));
		if (!expect_delivery) {
			/* give a stray message time to show up */
			for (unsigned k = 0; k < 1000; k++) {
				arch_irq_window();
			}
			ok &= __atomic_load_n(&r.nr_delivered, __ATOMIC_ACQUIRE) == before;
		}
		st = mmio_read32(edu.mmio + EDU_IRQ_STATUS);
		ok &= (st & EDU_IRQ_DMA) != 0;
		mmio_write32(edu.mmio + EDU_IRQ_ACK, st);
	}
	return ok;
}

static int selftest_msi_route(const struct bootinfo *bi)
{
	uint16_t bdf = 0, idx, idx2 = 0;
	hpa_t bar0 = hpa(0);
	unsigned last = 0, vec0, vec1;
	uint64_t faults, stray, old_count;
	bool good;
	uint32_t ctl, addr;
	bool ok = true;
	int ret;

	ret = st_platform(bi);
	ret = ret ? ret : (vtd_init(&hv_acpi) >= 1 ? 0 : -ENODEV);
	ret = ret ? ret : vtd_find_edu(0, &bdf, &bar0);
	ret = ret ? ret : edu_init(&edu, bar0, bdf);
	pd = pci_find(&hv_pci, 0, (uint8_t)(bdf >> 8), (uint8_t)bdf);
	if (!ST_CHECK(ret == 0 && (unit = vtd_unit_for(0, bdf)) != NULL && pd != NULL && pci_msi_count(pd) == 1,
		      "unit, edu and its MSI capability")) {
		return ret ? ret : -ENODEV;
	}
	for (unsigned c = 1; c < HV_MAX_CPUS; c++) {
		last = smp_cpu_online(c) ? c : last;
	}

	/* 1: routed to the boot CPU */
	stand_in.cpu = 0;
	r = (struct msi_route){ .pdev = pd, .iommu = &unit->iommu, .source = 0, .target = &stand_in, .virq = ST_VIRQ };
	ret = arch_msi_route_set(&r);
	vec0 = (unsigned)(r.arch[0] & 0xff);
	idx = (uint16_t)r.arch[1];
	ctl = pci_cfg_read(&hv_acpi, 0, pd->bus, pd->devfn, (uint16_t)(pd->cap_msi + MSI_CTL), 2);
	addr = pci_cfg_read(&hv_acpi, 0, pd->bus, pd->devfn, (uint16_t)(pd->cap_msi + MSI_ADDR_LO), 4);
	ok &= ST_CHECK(ret == 0 && (ctl & 1) && (addr & 0xfff00010U) == 0xfee00010U && idx != 0,
		       "1: route set (%d): entry %u, CPU 0 vector %#x, MSI enabled with remappable address %#x", ret,
		       idx, vec0, addr);
	good = rounds(ST_ROUNDS, true);
	ok &= ST_CHECK(good && r.nr_delivered == ST_ROUNDS && x86_route_vec_count(0, vec0) == ST_ROUNDS,
		       "1: %u DMA completions -> %llu messages, CPU 0 vector %#x taken %llu times", ST_ROUNDS,
		       (unsigned long long)r.nr_delivered, vec0, (unsigned long long)x86_route_vec_count(0, vec0));

	/* 2: moved to another CPU (the same one on a single-CPU machine) */
	stand_in.cpu = last;
	ret = arch_msi_route_set(&r);
	vec1 = (unsigned)(r.arch[0] & 0xff);
	ok &= ST_CHECK(
		ret == 0 && r.arch[1] == idx && (r.arch[0] >> 8) == last &&
			pci_cfg_read(&hv_acpi, 0, pd->bus, pd->devfn, (uint16_t)(pd->cap_msi + MSI_ADDR_LO), 4) == addr,
		"2: replaced (%d): same entry %u and message, now CPU %u vector %#x", ret, idx, last, vec1);
	old_count = x86_route_vec_count(0, vec0);
	good = rounds(ST_ROUNDS, true);
	ok &= ST_CHECK(good && r.nr_delivered == 2 * ST_ROUNDS &&
			       x86_route_vec_count(last, vec1) == (last == 0 ? 2 * ST_ROUNDS : ST_ROUNDS) &&
			       x86_route_vec_count(0, vec0) == old_count + (last == 0 ? ST_ROUNDS : 0),
		       "2: %u more completions: CPU %u vector %#x taken %llu times, the old vector %llu more",
		       ST_ROUNDS, last, vec1, (unsigned long long)x86_route_vec_count(last, vec1),
		       (unsigned long long)(x86_route_vec_count(0, vec0) - old_count));

	/* 3: the entry verifies the requester: rewritten for another one, edu's message is blocked */
	ret = vtd_ir_free(unit, idx);
	ret = ret ? ret
		  : vtd_ir_alloc(unit, (uint16_t)(bdf + 1), (uint8_t)vec1, (uint32_t)percpu_of(last)->hw_id, &idx2);
	(void)vtd_poll_faults();
	faults = unit->nr_ir_faults;
	unit->last_fault = (struct vtd_fault){ 0 };
	good = raise_once(false);
	for (unsigned k = 0; k < 1000; k++) {
		arch_irq_window(); /* lets the unit's fault event in */
	}
	ok &= ST_CHECK(ret == 0 && idx2 == idx && good && r.nr_delivered == 2 * ST_ROUNDS,
		       "3: entry %u rewritten for requester %#x: nothing delivered (%llu messages)", idx2, bdf + 1,
		       (unsigned long long)r.nr_delivered);
	(void)vtd_poll_faults();
	ok &= ST_CHECK(unit->nr_ir_faults > faults && unit->last_fault.reason == VTD_FR_IR_SID_ERR &&
			       unit->last_fault.sid == bdf && unit->last_fault.addr == idx,
		       "3: fault %#x sid %#x index %llu", unit->last_fault.reason, unit->last_fault.sid,
		       (unsigned long long)unit->last_fault.addr);
	/* back to the route's own entry (same index: the slot was just freed) */
	ret = vtd_ir_free(unit, idx2);
	{
		struct vtd_ir_source src;

		ret = ret ? ret : vtd_ir_device_source(pd, &src);
		ret = ret ? ret : vtd_ir_alloc_src(unit, src, (uint8_t)vec1, (uint32_t)percpu_of(last)->hw_id, &idx2);
	}
	good = raise_once(true);
	ok &= ST_CHECK(ret == 0 && idx2 == idx && good, "3: the device's own entry again: delivered");

	/* 4: cleared: nothing arrives any more */
	stray = arch_stray_irq_count();
	old_count = x86_route_vec_count(last, vec1);
	arch_msi_route_clear(&r);
	ctl = pci_cfg_read(&hv_acpi, 0, pd->bus, pd->devfn, (uint16_t)(pd->cap_msi + MSI_CTL), 2);
	ok &= ST_CHECK(r.arch[0] == 0 && r.arch[1] == 0 && !(ctl & 1) && unit->irt[idx].lo == 0,
		       "4: cleared: MSI off (control %#x), entry %u not present", ctl, idx);
	good = rounds(ST_ROUNDS, false);
	ok &= ST_CHECK(good && r.nr_delivered == 2 * ST_ROUNDS + 1 && x86_route_vec_count(last, vec1) == old_count &&
			       arch_stray_irq_count() == stray,
		       "4: %u more completions after clear: %llu messages in all, no stray interrupt", ST_ROUNDS,
		       (unsigned long long)r.nr_delivered);
	/* 5: host vectors are bounded: with every one of the target CPU's taken, -ENOSPC, nothing left set */
	{
		unsigned n = 0;
		int v;

		while ((v = x86_route_vec_alloc(last, count_only, NULL)) >= 0) {
			n++;
		}
		stand_in.cpu = last;
		r = (struct msi_route){ .pdev = pd, .iommu = &unit->iommu, .target = &stand_in, .virq = ST_VIRQ };
		ret = arch_msi_route_set(&r);
		ctl = pci_cfg_read(&hv_acpi, 0, pd->bus, pd->devfn, (uint16_t)(pd->cap_msi + MSI_CTL), 2);
		for (unsigned k = 0; k < X86_ROUTE_VECS; k++) {
			x86_route_vec_free(last, X86_ROUTE_VEC_FIRST + k);
		}
		ok &= ST_CHECK(n == X86_ROUTE_VECS && v == -ENOSPC && ret == -ENOSPC && r.arch[0] == 0 &&
				       r.arch[1] == 0 && !(ctl & 1) && unit->irt[idx].lo == 0,
			       "5: CPU %u's %u routed vectors all taken: route set %d, MSI off, no entry", last, n,
			       ret);
	}
	pr_info("msi_route selftest: %llu messages delivered through entry %u of %s",
		(unsigned long long)r.nr_delivered, idx, unit->name);
	return ok ? 0 : -EIO;
}
HV_SELFTEST(msi_route, selftest_msi_route);
