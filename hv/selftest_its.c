// SPDX-License-Identifier: MIT
/*
 * Self-test "its" (selftest=its), arm64 test image only: device MSIs through the SMMUv3 and the
 * GICv3 ITS to a hypervisor LPI, end to end with QEMU's edu (docs/ARM64.md "GIC and ITS").
 *   1. the ITS is up and the boot CPU's collection mapped; edu's DeviceID from the IORT;
 *   2. edu's stream on a hypervisor table that maps only the doorbell page (the MSI IOVA ->
 *      GITS_TRANSLATER's 4 KiB page, device memory); its MSI capability programmed with
 *      (doorbell IOVA + 0x40, EventID 0); event 0 mapped to an LPI: each edu interrupt runs
 *      the LPI's handler exactly once, on the boot CPU, and the SMMU records no fault;
 *   3. a second DeviceID gets the same EventID mapped to another LPI; INT of that (DeviceID,
 *      EventID) reaches only the second LPI, and INT of a DeviceID the ITS never mapped
 *      reaches nothing: the ITS looks events up by DeviceID;
 *   4. edu's MSI with a forged EventID (data 5, beyond its 2-entry ITT) reaches nothing;
 *   5. after DISCARD of edu's event (and MAPD V=0, its last), edu's MSI reaches nothing;
 *   6. no command stalled the ITS.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/edu.h>
#include <hv/irq_route.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pci.h>
#include <hv/percpu.h>
#include <hv/selftest.h>
#include <hv/vcpu.h>

#include <arch/irq.h>
#include "drivers/iommu/smmuv3/smmuv3.h"
#include "hv/selftest_iommu.h"
#include "drivers/irqchip/gicv3_its.h"
#include "ioasid/core.h"

#define ST_MSI_IOVA   0x08000000ULL /* this test's doorbell IOVA (any address of its own table) */
#define ST_IRQ_BIT    0x1U
#define ST_WAIT_TURNS 20000
#define ST_OTHER_DEV  0x7f0U /* a DeviceID no PCI function has on virt */
#define ST_NEVER_DEV  0x7f1U

static struct {
	uint64_t count;
	unsigned last_cpu;
} hits[2];

static void lpi_handler(unsigned intid, void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	(void)intid;
	__atomic_store_n(&hits[i].last_cpu, this_cpu()->id, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hits[i].count, 1, __ATOMIC_RELEASE);
}

static uint64_t nr_hits(void)
{
	return __atomic_load_n(&hits[0].count, __ATOMIC_ACQUIRE) + __atomic_load_n(&hits[1].count, __ATOMIC_ACQUIRE);
}

/* Open interrupt windows until some LPI handler ran, or a bounded number of turns. */
static void wait_hits(uint64_t before)
{
	for (unsigned i = 0; i < ST_WAIT_TURNS && nr_hits() == before; i++) {
		arch_irq_window();
	}
}

static void edu_msi(struct edu *e)
{
	uint64_t before = nr_hits();

	edu_raise_irq(e, ST_IRQ_BIT);
	wait_hits(before);
	edu_ack_irq(e, ST_IRQ_BIT);
}

static int its_platform(const struct bootinfo *bi, const struct pci_dev **pd, struct smmuv3_unit **u, uint32_t *sid)
{
	const struct smmuv3_opts opts = { 0 };
	int ret;

	if (!hv_acpi.rsdp_ok && (ret = acpi_init(&hv_acpi, bi->rsdp)) != 0) {
		return ret;
	}
	if (hv_pci.nr_devs == 0 && (ret = pci_enumerate(&hv_pci, &hv_acpi)) != 0) {
		return ret;
	}
	if (smmuv3_init(&hv_acpi, &opts) < 1) {
		return -ENODEV;
	}
	*pd = pci_find_id(&hv_pci, EDU_VENDOR_ID, EDU_DEVICE_ID);
	if (*pd == NULL || (*pd)->cap_msi == 0) {
		return -ENODEV;
	}
	*u = smmuv3_unit_for(&hv_acpi, (*pd)->segment, (uint16_t)((*pd)->bus << 8 | (*pd)->devfn), sid);
	return *u != NULL ? 0 : -ENODEV;
}

static int selftest_its(const struct bootinfo *bi)
{
	static const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	const struct pci_dev *pd = NULL;
	struct smmuv3_unit *u = NULL;
	struct hv_device dev = { 0 };
	struct pt_table pt;
	struct edu edu;
	uint32_t sid = 0, devid = 0, domain = 0;
	unsigned lpi[2] = { 0, 0 };
	uint64_t events0, h0, h1;
	bool ok = true;
	int ret;

	ret = its_platform(bi, &pd, &u, &sid);
	if (!ST_CHECK(ret == 0, "edu with an MSI capability behind an SMMUv3 (%d)", ret)) {
		return ret;
	}
	ret = gicv3_its_devid(pd, &devid);
	ok &= ST_CHECK(ret == 0 && gicv3_its_ready(), "1: ITS up, edu %02x:%02x.%x: StreamID %#x, DeviceID %#x (IORT)",
		       pd->bus, pd->devfn >> 3, pd->devfn & 7, sid, devid);
	if (ret) {
		return ret;
	}
	(void)pci_cfg_write(&hv_acpi, pd->segment, pd->bus, pd->devfn, PCI_COMMAND, 2,
			    pci_cfg_read(&hv_acpi, pd->segment, pd->bus, pd->devfn, PCI_COMMAND, 2) | PCI_COMMAND_MEM |
				    PCI_COMMAND_MASTER);
	ret = edu_init(&edu, hpa(pd->bars[0].base), (uint16_t)(pd->bus << 8 | pd->devfn));
	/* The stream's table: nothing but the doorbell page, as device memory. */
	ret = ret ? ret : ioasid_identity_table_init(&u->iommu, &pt, &domain);
	ret = ret ? ret
		  : pt_map(&pt, ST_MSI_IOVA, gicv3_its_doorbell_page(), HV_PAGE_SIZE,
			   PT_PROT_READ | PT_PROT_WRITE | PT_PROT_DEVICE);
	dev = (struct hv_device){ .segment = pd->segment, .bdf = edu.bdf, .rid = sid, .iommu = &u->iommu };
	ret = ret ? ret
		  : ioasid_hw_install(&u->iommu, &dev, false, 0,
				      &(const struct ioasid_hw_config){
					      .mode = IOASID_HW_TABLE, .domain = domain, .table = &pt });
	ret = ret ? ret : gicv3_lpi_alloc(&lpi[0]);
	ret = ret ? ret : gicv3_lpi_alloc(&lpi[1]);
	ret = ret ? ret : arm64_irq_set_handler(lpi[0], lpi_handler, (void *)0);
	ret = ret ? ret : arm64_irq_set_handler(lpi[1], lpi_handler, (void *)1);
	if (!ST_CHECK(ret == 0, "doorbell IOVA %#llx -> %#llx on %s, LPIs %u and %u with handlers (%d)",
		      (unsigned long long)ST_MSI_IOVA, (unsigned long long)hpa_val(gicv3_its_doorbell_page()), u->name,
		      lpi[0], lpi[1], ret)) {
		return ret;
	}

	ret = gicv3_its_map_event(devid, pci_msi_count(pd), 0, lpi[0], 0);
	ret = ret ? ret : pci_msi_program(pd, 0, ST_MSI_IOVA + GICV3_ITS_TRANSLATER_OFF, 0);
	(void)smmuv3_poll_events();
	events0 = u->nr_events;
	for (unsigned i = 0; i < 3 && ret == 0; i++) {
		edu_msi(&edu);
	}
	ok &= ST_CHECK(ret == 0 && hits[0].count == 3 && hits[1].count == 0 && hits[0].last_cpu == 0 &&
			       smmuv3_poll_events() == 0 && u->nr_events == events0,
		       "2: edu's MSI (EventID 0 at IOVA %#llx) through the SMMU and the ITS: LPI %u's handler ran %llu "
		       "times for 3 interrupts (on CPU %u), LPI %u's %llu, no SMMU event",
		       (unsigned long long)(ST_MSI_IOVA + GICV3_ITS_TRANSLATER_OFF), lpi[0],
		       (unsigned long long)hits[0].count, hits[0].last_cpu, lpi[1], (unsigned long long)hits[1].count);

	h0 = hits[0].count;
	ret = gicv3_its_map_event(ST_OTHER_DEV, 1, 0, lpi[1], 0);
	ret = ret ? ret : gicv3_its_int(ST_OTHER_DEV, 0);
	wait_hits(h0);
	h1 = hits[1].count;
	ret = ret ? ret : gicv3_its_int(ST_NEVER_DEV, 0);
	wait_hits(h0 + h1);
	ok &= ST_CHECK(ret == 0 && hits[0].count == h0 && h1 == 1 && hits[1].count == 1,
		       "3: EventID 0 of DeviceID %#x reaches LPI %u only (%llu, LPI %u: +%llu); of DeviceID %#x "
		       "(never mapped): nothing",
		       ST_OTHER_DEV, lpi[1], (unsigned long long)h1, lpi[0], (unsigned long long)(hits[0].count - h0),
		       ST_NEVER_DEV);

	h0 = nr_hits();
	ret = pci_msi_program(pd, 0, ST_MSI_IOVA + GICV3_ITS_TRANSLATER_OFF, 5);
	edu_msi(&edu);
	ok &= ST_CHECK(ret == 0 && nr_hits() == h0, "4: edu's MSI with a forged EventID 5 (its ITT has 2): nothing");

	ret = pci_msi_program(pd, 0, ST_MSI_IOVA + GICV3_ITS_TRANSLATER_OFF, 0);
	ret = ret ? ret : gicv3_its_unmap_event(devid, 0);
	h0 = nr_hits();
	edu_msi(&edu);
	ret = ret ? ret : gicv3_its_int(devid, 0);
	wait_hits(h0);
	ok &= ST_CHECK(ret == 0 && nr_hits() == h0,
		       "5: after DISCARD and MAPD V=0 of DeviceID %#x: edu's MSI and INT reach nothing", devid);

	pci_msi_disable(pd);
	(void)gicv3_its_unmap_event(ST_OTHER_DEV, 0);
	(void)arm64_irq_set_handler(lpi[0], NULL, NULL);
	(void)arm64_irq_set_handler(lpi[1], NULL, NULL);
	gicv3_lpi_free(lpi[0]);
	gicv3_lpi_free(lpi[1]);
	(void)ioasid_hw_install(&u->iommu, &dev, false, 0, &blocked);
	ok &= ST_CHECK(!gicv3_its_dead() && gicv3_lpi_nr_used() == 0,
		       "6: ITS alive after %llu commands, every LPI freed", (unsigned long long)gicv3_its_nr_cmds());
	return ok ? 0 : -EIO;
}
HV_SELFTEST(its, selftest_its);

/*
 * Self-test "its_route" (selftest=its_route): arch_msi_route_set/clear on arm64 for a device of
 * a real IOASID core guest (hv/selftest_iommu.c's test guest, edu attached to its GPA IOASID).
 * The target is a vCPU outside any group (no vGIC here): the route's handler counts each
 * delivery (nr_delivered) and drops it. Checks:
 *   1. the route is set: the device's stream moves to the GPA table's second root with the
 *      doorbell (arch/arm64/msi_doorbell.c), and the doorbell IOVA is NOT in the GPA table
 *      (the guest's CPUs, which walk that table, cannot reach GITS_TRANSLATER);
 *   2. DMA to guest RAM still works through the second root (its copied root entries);
 *   3. each edu interrupt is delivered once (3 for 3), with no SMMU event;
 *   4. after the route is cleared: no delivery, the LPI freed, DMA to guest RAM works (the
 *      stream back on the GPA table).
 */
static uint64_t route_wait(struct msi_route *r, uint64_t before)
{
	for (unsigned i = 0; i < ST_WAIT_TURNS && __atomic_load_n(&r->nr_delivered, __ATOMIC_ACQUIRE) == before; i++) {
		arch_irq_window();
	}
	return __atomic_load_n(&r->nr_delivered, __ATOMIC_ACQUIRE) - before;
}

static bool route_dma_ok(uint8_t seed)
{
	st_fill(ST_OFF_A, ST_XFER, seed);
	memset(st_gptr(ST_OFF_B), 0, ST_XFER);
	return st_dma_in(ST_G_BASE + ST_OFF_A) == 0 && st_dma_out(ST_G_BASE + ST_OFF_B) == 0 &&
	       st_same(ST_OFF_B, ST_XFER, seed);
}

static int selftest_its_route(const struct bootinfo *bi)
{
	struct vcpu v = { .name = "its_route", .cpu = 0 };
	struct msi_route r = { 0 };
	const struct pci_dev *pd;
	struct smmuv3_unit *u;
	struct ioasid_hwt *hw;
	uint64_t events0, n, used0, db_iova;
	bool ok = true;
	int ret = st_iommu_setup(st_smmuv3_ops(), bi, &ok);

	if (ret) {
		return ret;
	}
	pd = pci_find(&hv_pci, 0, (uint8_t)(st.dev.bdf >> 8), (uint8_t)st.dev.bdf);
	u = st.dev.iommu->priv;
	hw = &st.g.gpa_io->hw[u->paging_fmt];
	used0 = gicv3_lpi_nr_used();
	/* The doorbell's IOVA: the start of the GPA table's last root entry (msi_doorbell.c). */
	db_iova = (((1ULL << hw->pt.ia_bits) - 1) >> (12 + 9 * (hw->pt.levels - 1))) << (12 + 9 * (hw->pt.levels - 1));
	r = (struct msi_route){ .pdev = pd, .iommu = st.dev.iommu, .source = 0, .target = &v, .virq = 48 };
	ret = pd != NULL ? arch_msi_route_set(&r) : -ENODEV;
	ok &= ST_CHECK(ret == 0 && r.arch[0] >= ARM64_IRQ_LPI_BASE && gicv3_lpi_nr_used() == used0 + 1 &&
			       pt_lookup(&hw->pt, db_iova, NULL, NULL, NULL) != 0,
		       "1: route set (%d): LPI %lu, EventID %lu; the doorbell IOVA %#llx is not in the GPA table", ret,
		       (unsigned long)r.arch[0], (unsigned long)r.arch[1] - 1, (unsigned long long)db_iova);
	ok &= ST_CHECK(route_dma_ok(0x31), "2: DMA to guest RAM through the doorbell root");
	(void)smmuv3_poll_events();
	events0 = u->nr_events;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t before = __atomic_load_n(&r.nr_delivered, __ATOMIC_ACQUIRE);

		edu_raise_irq(&st.edu, ST_IRQ_BIT);
		(void)route_wait(&r, before);
		edu_ack_irq(&st.edu, ST_IRQ_BIT);
	}
	ok &= ST_CHECK(
		r.nr_delivered == 3 && smmuv3_poll_events() == 0 && u->nr_events == events0,
		"3: edu's MSIs through the doorbell root and the ITS: %llu deliveries for 3 interrupts, no SMMU event",
		(unsigned long long)r.nr_delivered);
	arch_msi_route_clear(&r);
	edu_raise_irq(&st.edu, ST_IRQ_BIT);
	n = route_wait(&r, r.nr_delivered);
	edu_ack_irq(&st.edu, ST_IRQ_BIT);
	ok &= ST_CHECK(n == 0 && r.arch[0] == 0 && gicv3_lpi_nr_used() == used0 && route_dma_ok(0x57),
		       "4: route cleared: no delivery (%llu), LPI freed, DMA to guest RAM on the GPA table",
		       (unsigned long long)n);
	return ok ? 0 : -EIO;
}
HV_SELFTEST(its_route, selftest_its_route);
