// SPDX-License-Identifier: MIT
/*
 * The GICv3 ITS, owned by the hypervisor (gicv3_its.h). Spec: Arm IHI 0069 chapter 5.2-5.3 (the
 * ITS, its tables and commands), 12.19 (GITS_* registers).
 *
 * Take-over (the first ITS of the MADT; QEMU virt has one at 0x08080000):
 *   1. GITS_CTLR.Enabled = 0 and wait (bounded) for Quiescent: firmware's mappings stop;
 *   2. every GITS_BASER<n> of a type we use gets a flat table in hypervisor memory (Device: one
 *      entry per DeviceID up to 2^16 or 1 MiB of table, whichever is smaller; Collection: one
 *      per CPU), every other type is left invalid (no vPE tables: no GICv4 guests' LPIs);
 *   3. GITS_CBASER: a 4 KiB command queue (128 commands), CWRITER = 0;
 *   4. Enabled = 1, then MAPC for every CPU whose LPIs are on: collection ICID = CPU number.
 *
 * Commands (5.3): written under its_lock, then CWRITER moved and CREADR awaited (bounded) until it
 * reaches CWRITER: the queue is empty again before the lock is released, so one submission
 * never waits for another's. A queue that stalls (GITS_CREADR.Stalled, a command error the ITS
 * reports that way) or does not move in time marks the ITS dead: every later request gets -EIO,
 * nothing hangs, and device MSIs stop (their LPIs are never raised again).
 *
 * Devices: a DeviceID is the one the IORT gives for the function's requester ID
 * (gicv3_its_devid). The ITS looks up (DeviceID, EventID) in that device's ITT; the DeviceID
 * comes with the write from the interconnect, not from the written data (IHI 0069 5.2,
 * "the DeviceID is derived from the requester"), so a device writing any EventID reaches only
 * its own ITT. The ITT is sized for the device's events (MAPD Size) and lives in hypervisor
 * memory; an EventID beyond it is dropped by the ITS (5.3.11 error cases).
 *
 * Memory attributes: inner-shareable write-back is asked for; everything we write for the ITS
 * (tables zeroed, commands) is also cleaned to the point of coherency, so an ITS that does
 * not snoop reads the same.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/pci.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/wait.h>

#include "drivers/irqchip/gicv3.h"
#include "drivers/irqchip/gicv3_its.h"
#include "drivers/irqchip/gicv3_its_enc.h"

#define GITS_SIZE	     0x20000 /* ITS_base frame + translation register frame (12.19) */
#define GITS_CTLR	     0x0000
#define GITS_CTLR_ENABLED    BIT(0)
#define GITS_CTLR_QUIESCENT  BIT(31)
#define GITS_TYPER	     0x0008
#define GITS_TYPER_PHYSICAL  BIT(0)
#define GITS_TYPER_ITT_ESZ   GENMASK(7, 4) /* bytes - 1 */
#define GITS_TYPER_DEVBITS   GENMASK(17, 13)
#define GITS_TYPER_PTA	     BIT(19)
#define GITS_CBASER	     0x0080
#define GITS_CWRITER	     0x0088
#define GITS_CREADR	     0x0090
#define GITS_CREADR_STALLED  BIT(0)
#define GITS_Q_OFFSET	     GENMASK(19, 5)
#define GITS_BASER(n)	     (0x0100 + 8 * (n))
#define GITS_BASER_VALID     BIT(63)
#define GITS_BASER_INDIRECT  BIT(62)
#define GITS_BASER_ICACHE    GENMASK(61, 59)
#define GITS_BASER_TYPE	     GENMASK(58, 56)
#define GITS_BASER_ESZ	     GENMASK(52, 48)
#define GITS_BASER_PA	     GENMASK(47, 12)
#define GITS_BASER_SH	     GENMASK(11, 10)
#define GITS_BASER_PSZ	     GENMASK(9, 8)
#define GITS_BASER_SIZE	     GENMASK(7, 0) /* pages - 1 */
#define GITS_BASER_TYPE_DEV  1
#define GITS_BASER_TYPE_COLL 4
#define GITS_CBASER_PA	     GENMASK(51, 12)
#define GITS_CACHE_WAWB	     7
#define GITS_SH_INNER	     1

#define ITS_CMDQ_N	 (HV_PAGE_SIZE / sizeof(struct its_cmd))
#define ITS_WAIT_US	 100000
#define ITS_DEV_BITS_MAX 16
#define ITS_TABLE_MAX	 (256 * HV_PAGE_SIZE) /* BASER.Size: 256 pages of 4 KiB */
#define ITS_MAX_DEVICES	 16
#define ITS_MAX_EV_BITS	 6 /* 64 events per device: the bitmap below */

struct its_device {
	bool used;
	uint32_t devid;
	unsigned ev_bits;
	void *itt;
	unsigned itt_order;
	uint64_t ev_mapped;
	uint8_t ev_cpu[1U << ITS_MAX_EV_BITS];
};

static hv_spinlock_t its_lock; /* a leaf: the queue, the device list */
static struct {
	uintptr_t base;
	hpa_t pa;
	bool ready, dead; /* atomic */
	bool pta;
	unsigned itt_esz;
	uint64_t dev_entries;
	struct its_cmd *cmdq;
	unsigned cw; /* the next slot */
	uint64_t nr_cmds;
	bool cpu_mapped[HV_MAX_CPUS];
	struct its_device devs[ITS_MAX_DEVICES];
} its;

static unsigned order_of(uint64_t bytes)
{
	unsigned o = 0;

	while ((HV_PAGE_SIZE << o) < bytes) {
		o++;
	}
	return o;
}

bool gicv3_its_ready(void)
{
	return __atomic_load_n(&its.ready, __ATOMIC_ACQUIRE) && !gicv3_its_dead();
}

bool gicv3_its_dead(void)
{
	return __atomic_load_n(&its.dead, __ATOMIC_ACQUIRE);
}

uint64_t gicv3_its_nr_cmds(void)
{
	return __atomic_load_n(&its.nr_cmds, __ATOMIC_RELAXED);
}

hpa_t gicv3_its_doorbell_page(void)
{
	return hpa(hpa_val(its.pa) + 0x10000);
}

/* Under its_lock: queue n commands and wait until the ITS has consumed them all. */
static int its_submit(const struct its_cmd *c, unsigned n)
{
	uint64_t creadr = 0;
	int ret;

	if (gicv3_its_dead()) {
		return -EIO;
	}
	if (n == 0 || n >= ITS_CMDQ_N) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		its.cmdq[its.cw] = c[i];
		arch_dcache_clean(&its.cmdq[its.cw], sizeof(c[i]));
		its.cw = (its.cw + 1) % ITS_CMDQ_N;
	}
	__asm__ __volatile__("dsb sy" ::: "memory"); /* the commands before CWRITER (12.19.5) */
	mmio_write64(its.base + GITS_CWRITER, FIELD_PREP(GITS_Q_OFFSET, its.cw));
	ret = poll_until(((creadr = mmio_read64(its.base + GITS_CREADR)) & GITS_CREADR_STALLED) ||
				 FIELD_GET(GITS_Q_OFFSET, creadr) == its.cw,
			 ITS_WAIT_US);
	if (ret || (creadr & GITS_CREADR_STALLED)) {
		__atomic_store_n(&its.dead, true, __ATOMIC_RELEASE);
		pr_err("gicv3-its: command queue %s (CREADR %#llx, CWRITER slot %u): ITS marked dead, no more device "
		       "MSIs",
		       ret ? "did not move" : "stalled", (unsigned long long)creadr, its.cw);
		return -EIO;
	}
	__atomic_add_fetch(&its.nr_cmds, n, __ATOMIC_RELAXED);
	return 0;
}

static int cpu_rdbase(unsigned cpu, uint64_t *rdbase)
{
	uintptr_t rd;
	unsigned nr;

	if (!gicv3_lpi_cpu(cpu, &rd, &nr)) {
		return -ENODEV;
	}
	*rdbase = its_rdbase(its.pta, rd, nr);
	return 0;
}

int gicv3_its_map_cpu(unsigned cpu)
{
	struct its_cmd c[2];
	uint64_t rdbase;
	int ret = cpu_rdbase(cpu, &rdbase);

	if (ret) {
		return ret;
	}
	hv_spin_lock(&its_lock);
	c[0] = its_cmd_mapc((uint16_t)cpu, rdbase, true);
	c[1] = its_cmd_sync(rdbase);
	ret = its_submit(c, 2);
	if (ret == 0) {
		its.cpu_mapped[cpu] = true;
	}
	hv_spin_unlock(&its_lock);
	return ret;
}

/* One GITS_BASER<n>: a flat table for the types we use, invalid for the others. */
static int baser_setup(unsigned n, uint64_t typer)
{
	uint64_t v = mmio_read64(its.base + GITS_BASER(n)), bytes, got;
	unsigned type = (unsigned)FIELD_GET(GITS_BASER_TYPE, v), esz = (unsigned)FIELD_GET(GITS_BASER_ESZ, v) + 1;
	unsigned order;
	void *t;

	if (type == GITS_BASER_TYPE_DEV) {
		unsigned bits = MIN((unsigned)FIELD_GET(GITS_TYPER_DEVBITS, typer) + 1, ITS_DEV_BITS_MAX);

		its.dev_entries = MIN(1ULL << bits, ITS_TABLE_MAX / esz);
		bytes = its.dev_entries * esz;
	} else if (type == GITS_BASER_TYPE_COLL) {
		bytes = (uint64_t)HV_MAX_CPUS * esz;
	} else {
		if (type != 0) {
			mmio_write64(its.base + GITS_BASER(n), v & ~GITS_BASER_VALID);
		}
		return 0;
	}
	bytes = (bytes + HV_PAGE_SIZE - 1) & ~(uint64_t)(HV_PAGE_SIZE - 1);
	order = order_of(bytes);
	t = page_alloc(order);
	if (t == NULL) {
		return -ENOMEM;
	}
	memset(t, 0, HV_PAGE_SIZE << order);
	arch_dcache_clean(t, HV_PAGE_SIZE << order);
	/* 4 KiB pages (PSZ = 0), flat (Indirect = 0), Size in pages - 1. */
	v = GITS_BASER_VALID | FIELD_PREP(GITS_BASER_ICACHE, GITS_CACHE_WAWB) |
	    (v & (GITS_BASER_TYPE | GITS_BASER_ESZ)) | (hpa_val(ptr_to_hpa(t)) & GITS_BASER_PA) |
	    FIELD_PREP(GITS_BASER_SH, GITS_SH_INNER) | FIELD_PREP(GITS_BASER_SIZE, bytes / HV_PAGE_SIZE - 1);
	mmio_write64(its.base + GITS_BASER(n), v);
	got = mmio_read64(its.base + GITS_BASER(n));
	if (!(got & GITS_BASER_VALID) || FIELD_GET(GITS_BASER_PSZ, got) != 0 || (got & GITS_BASER_INDIRECT)) {
		pr_err("gicv3-its: GITS_BASER%u does not take a flat 4 KiB-page table (%#llx)", n,
		       (unsigned long long)got);
		return -EOPNOTSUPP;
	}
	pr_info("gicv3-its: GITS_BASER%u: %s table %#llx, %llu bytes (%u-byte entries)", n,
		type == GITS_BASER_TYPE_DEV ? "device" : "collection", (unsigned long long)hpa_val(ptr_to_hpa(t)),
		(unsigned long long)bytes, esz);
	return 0;
}

int gicv3_its_init(const struct acpi_info *acpi)
{
	uint64_t typer;
	uint32_t ctlr;
	int ret;

	if (!gicv3_present() || acpi->madt.nr_its == 0) {
		return -ENODEV;
	}
	its.pa = acpi->madt.its[0].base;
	ret = arch_map_mmio(its.pa, GITS_SIZE);
	if (ret) {
		return ret;
	}
	its.base = (uintptr_t)hpa_val(its.pa);
	ctlr = mmio_read32(its.base + GITS_CTLR);
	mmio_write32(its.base + GITS_CTLR, ctlr & ~(uint32_t)GITS_CTLR_ENABLED);
	ret = poll_until(mmio_read32(its.base + GITS_CTLR) & GITS_CTLR_QUIESCENT, ITS_WAIT_US);
	if (ret) {
		pr_err("gicv3-its: ITS at %#llx never quiescent after disabling", (unsigned long long)hpa_val(its.pa));
		return ret;
	}
	typer = mmio_read64(its.base + GITS_TYPER);
	if (!(typer & GITS_TYPER_PHYSICAL)) {
		return -EOPNOTSUPP;
	}
	its.pta = (typer & GITS_TYPER_PTA) != 0;
	its.itt_esz = (unsigned)FIELD_GET(GITS_TYPER_ITT_ESZ, typer) + 1;
	for (unsigned n = 0; n < 8 && ret == 0; n++) {
		ret = baser_setup(n, typer);
	}
	its.cmdq = ret == 0 ? page_alloc(0) : NULL;
	if (its.cmdq == NULL || its.dev_entries == 0) {
		pr_err("gicv3-its: tables not set up (%d, device table %s)", ret, its.dev_entries ? "ok" : "missing");
		return ret ? ret : -ENOMEM;
	}
	memset(its.cmdq, 0, HV_PAGE_SIZE);
	arch_dcache_clean(its.cmdq, HV_PAGE_SIZE);
	mmio_write64(its.base + GITS_CBASER, GITS_BASER_VALID | FIELD_PREP(GITS_BASER_ICACHE, GITS_CACHE_WAWB) |
						     (hpa_val(ptr_to_hpa(its.cmdq)) & GITS_CBASER_PA) |
						     FIELD_PREP(GITS_BASER_SH, GITS_SH_INNER));
	mmio_write64(its.base + GITS_CWRITER, 0);
	its.cw = 0;
	mmio_write32(its.base + GITS_CTLR, mmio_read32(its.base + GITS_CTLR) | GITS_CTLR_ENABLED);
	__atomic_store_n(&its.ready, true, __ATOMIC_RELEASE);
	pr_info("gicv3-its: ITS %u at %#llx enabled (GITS_TYPER %#llx: ITT entries %u bytes, %llu DeviceIDs, "
		"targets by %s), doorbell GITS_TRANSLATER %#llx",
		acpi->madt.its[0].id, (unsigned long long)hpa_val(its.pa), (unsigned long long)typer, its.itt_esz,
		(unsigned long long)its.dev_entries, its.pta ? "address" : "processor number",
		(unsigned long long)hpa_val(gicv3_its_doorbell_page()) + GICV3_ITS_TRANSLATER_OFF);
	for (unsigned cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
		uintptr_t rd;
		unsigned nr;

		if (gicv3_lpi_cpu(cpu, &rd, &nr)) {
			ret = gicv3_its_map_cpu(cpu);
			if (ret) {
				return ret;
			}
		}
	}
	return 0;
}

int gicv3_its_devid(const struct pci_dev *p, uint32_t *devid)
{
	const struct acpi_iort *io = &hv_acpi.iort;
	struct acpi_iort_target t;
	const struct acpi_iort_its_group *g;
	int ret;

	if (!gicv3_its_ready()) {
		return -ENODEV;
	}
	ret = acpi_iort_map_rid(&hv_acpi, p->segment, (uint16_t)(p->bus << 8 | p->devfn), true, &t);
	if (ret || t.kind != ACPI_IORT_TARGET_ITS) {
		return -ENOENT;
	}
	g = &io->its_groups[t.index];
	for (unsigned i = 0; i < g->nr_ids; i++) {
		if (g->its_ids[i] == hv_acpi.madt.its[0].id) {
			*devid = t.id;
			return 0;
		}
	}
	return -ENODEV; /* another ITS: not ours */
}

static struct its_device *dev_find(uint32_t devid)
{
	for (unsigned i = 0; i < ITS_MAX_DEVICES; i++) {
		if (its.devs[i].used && its.devs[i].devid == devid) {
			return &its.devs[i];
		}
	}
	return NULL;
}

int gicv3_its_map_event(uint32_t devid, unsigned nr_events, uint32_t event, unsigned intid, unsigned cpu)
{
	struct its_device *d;
	struct its_cmd c[4];
	unsigned n = 0;
	bool fresh = false;
	uint64_t rdbase;
	int ret;

	if (!gicv3_its_ready()) {
		return -EIO;
	}
	ret = cpu_rdbase(cpu, &rdbase);
	if (ret) {
		return ret;
	}
	if (devid >= its.dev_entries || nr_events == 0 || its_ev_bits(nr_events) > ITS_MAX_EV_BITS) {
		return -EINVAL;
	}
	hv_spin_lock(&its_lock);
	if (!its.cpu_mapped[cpu]) {
		ret = -ENODEV;
		goto out;
	}
	d = dev_find(devid);
	if (d == NULL) {
		for (unsigned i = 0; i < ITS_MAX_DEVICES && d == NULL; i++) {
			d = its.devs[i].used ? NULL : &its.devs[i];
		}
		if (d == NULL) {
			ret = -ENOSPC;
			goto out;
		}
		*d = (struct its_device){ .devid = devid, .ev_bits = its_ev_bits(nr_events) };
		d->itt_order = order_of(its_itt_bytes(d->ev_bits, its.itt_esz));
		d->itt = page_alloc(d->itt_order);
		if (d->itt == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		memset(d->itt, 0, HV_PAGE_SIZE << d->itt_order);
		arch_dcache_clean(d->itt, HV_PAGE_SIZE << d->itt_order);
		fresh = true;
		c[n++] = its_cmd_mapd(devid, d->ev_bits, hpa_val(ptr_to_hpa(d->itt)), true);
	}
	if (event >= (1U << d->ev_bits)) {
		ret = -EINVAL;
		goto undo;
	}
	if (d->ev_mapped & BIT(event)) {
		ret = -EEXIST;
		goto undo;
	}
	gicv3_lpi_config(intid, true);
	c[n++] = its_cmd_mapti(devid, event, intid, (uint16_t)cpu);
	c[n++] = its_cmd_inv(devid, event);
	c[n++] = its_cmd_sync(rdbase);
	ret = its_submit(c, n);
	if (ret == 0) {
		d->used = true;
		d->ev_mapped |= BIT(event);
		d->ev_cpu[event] = (uint8_t)cpu;
		goto out;
	}
	gicv3_lpi_config(intid, false);
undo:
	if (fresh && !gicv3_its_dead()) {
		page_free(d->itt, d->itt_order); /* never given to the ITS, or the queue is alive */
	}
	if (fresh) {
		d->used = false;
	}
out:
	hv_spin_unlock(&its_lock);
	return ret;
}

int gicv3_its_unmap_event(uint32_t devid, uint32_t event)
{
	struct its_device *d;
	struct its_cmd c[4];
	uint64_t rdbase;
	unsigned n = 0;
	int ret;

	hv_spin_lock(&its_lock);
	d = dev_find(devid);
	if (d == NULL || event >= (1U << d->ev_bits) || !(d->ev_mapped & BIT(event))) {
		ret = -ENOENT;
		goto out;
	}
	ret = cpu_rdbase(d->ev_cpu[event], &rdbase);
	if (ret) {
		goto out;
	}
	c[n++] = its_cmd_discard(devid, event);
	if (d->ev_mapped == BIT(event)) {
		c[n++] = its_cmd_mapd(devid, d->ev_bits, 0, false); /* its last event: the device goes */
	}
	c[n++] = its_cmd_sync(rdbase);
	ret = its_submit(c, n);
	if (ret) {
		goto out; /* dead: the ITS may still read the ITT, so it is kept */
	}
	d->ev_mapped &= ~BIT(event);
	if (d->ev_mapped == 0) {
		page_free(d->itt, d->itt_order);
		d->used = false;
	}
out:
	hv_spin_unlock(&its_lock);
	return ret;
}

int gicv3_its_int(uint32_t devid, uint32_t event)
{
	struct its_cmd c[2];
	uint64_t rdbase;
	int ret = cpu_rdbase(0, &rdbase);

	if (ret) {
		return ret;
	}
	c[0] = its_cmd_int(devid, event);
	c[1] = its_cmd_sync(rdbase);
	hv_spin_lock(&its_lock);
	ret = its_submit(c, 2);
	hv_spin_unlock(&its_lock);
	return ret;
}
