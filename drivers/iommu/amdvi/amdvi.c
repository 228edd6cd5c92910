// SPDX-License-Identifier: MIT
/*
 * AMD-Vi driver: bring-up of the units the IVRS describes, their event logs, and the lookups
 * the x86 glue uses (AMD I/O Virtualization Technology (IOMMU) Specification 48882 rev 3.x).
 *
 * Assumptions: v1 (host) I/O page tables only (2.2.3, PT_FMT_AMD_V1, Mode 4); no PASID / guest
 * translation (GT), no ATS, no interrupt remapping (DTE IV=0; the glue never gives devices behind
 * an AMD-Vi unit to guests, docs/AMDVI.md); the command buffer and the event log are polled (no
 * MSI from the unit); one PCI segment per unit as the IVHD says.
 *
 * Take-over, every boot (3.3 "Initializing the IOMMU"):
 *   1. map the 16 KiB register window at the IVHD base, read EFR;
 *   2. if firmware left the unit on, switch it off (a short untranslated window: said in the log);
 *   3. device table sized from the IVHD's largest device ID (up to 64K entries, 2 MiB), every
 *      entry blocked: V=1, TV=1, Mode 4 with the root of an empty table, IR=IW=0
 *      (amdvi_dte_blocked(); Mode 0 or V=0 would let DMA through untranslated);
 *   4. command buffer and event log (one page each), exclusion range off;
 *   5. IommuEn | CmdBufEn | EventLogEn, then INVALIDATE_IOMMU_ALL (or, without EFR.IASup, every
 *      device-table entry) and a COMPLETION_WAIT, so nothing firmware cached survives;
 *   6. IVMD ranges: their memory is taken from the allocator and identity-mapped for the
 *      devices they name (like VT-d RMRRs, drivers/iommu/vtd/vtd_rmrr.c); those devices are
 *      never given to guests (amdvi_ivmd_device()).
 */
#include <stdio.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/palloc.h>
#include <hv/wait.h>
#include <ioasid/abi.h>

#include "drivers/iommu/amdvi/amdvi.h"
#include "drivers/iommu/amdvi/amdvi_regs.h"
#include "ioasid/pt.h"

#define AMDVI_EFR_IASUP BIT(6)
/* The DomainID of IVMD identity tables: bit 8 clear (amdvi_hw_domain()), above any core ID. */
#define AMDVI_IVMD_DOMAIN 0xfeffU

static struct amdvi_unit amdvi_units[AMDVI_MAX_UNITS];
static unsigned amdvi_nr;
static bool amdvi_done;
static const struct acpi_info *amdvi_acpi;
static struct pt_table amdvi_ivmd_pt[AMDVI_MAX_UNITS];

static uint64_t rd64(const struct amdvi_unit *u, unsigned off)
{
	return mmio_read64(u->regs + off);
}

static void wr64(const struct amdvi_unit *u, unsigned off, uint64_t v)
{
	mmio_write64(u->regs + off, v);
}

static int amdvi_devtab_alloc(struct amdvi_unit *u, uint16_t max_devid)
{
	uint64_t bytes = ((uint64_t)max_devid + 1) * AMDVI_DTE_SIZE;
	unsigned order = 0;
	struct amdvi_dte blocked;

	while ((HV_PAGE_SIZE << order) < bytes) {
		order++;
	}
	u->devtab = page_alloc(order);
	u->empty_root = page_alloc(0);
	if (u->devtab == NULL || u->empty_root == NULL) {
		return -ENOMEM;
	}
	u->devtab_order = order;
	u->nr_dte = (uint32_t)((HV_PAGE_SIZE << order) / AMDVI_DTE_SIZE);
	blocked = amdvi_dte_blocked(ptr_to_hpa(u->empty_root), AMDVI_LEVELS, 0);
	for (uint32_t i = 0; i < u->nr_dte; i++) {
		u->devtab[i] = blocked;
	}
	arch_dcache_clean(u->empty_root, HV_PAGE_SIZE);
	arch_dcache_clean(u->devtab, HV_PAGE_SIZE << order);
	/* 3.4.1: Size = the table's 4 KiB pages minus one. */
	wr64(u, AMDVI_DEVTAB_BASE_REG, (hpa_val(ptr_to_hpa(u->devtab)) & AMDVI_BASE_ADDR) | ((1ULL << order) - 1));
	return 0;
}

static int amdvi_evtlog_init(struct amdvi_unit *u)
{
	u->evtlog = page_alloc(0);
	if (u->evtlog == NULL) {
		return -ENOMEM;
	}
	u->evt_head = 0;
	wr64(u, AMDVI_EVTLOG_BASE_REG,
	     (hpa_val(ptr_to_hpa(u->evtlog)) & AMDVI_BASE_ADDR) | FIELD_PREP(AMDVI_RING_LEN, AMDVI_RING_LEN_LOG2));
	wr64(u, AMDVI_EVTLOG_HEAD_REG, 0);
	wr64(u, AMDVI_EVTLOG_TAIL_REG, 0);
	return 0;
}

/* Drop everything the unit may have cached from firmware's tables (step 5). */
static int amdvi_flush_all(struct amdvi_unit *u)
{
	struct amdvi_cmd c[32];
	unsigned n = 0;
	int ret = 0;

	if (u->efr & AMDVI_EFR_IASUP) {
		c[0] = amdvi_cmd_inv_all();
		return amdvi_cmd_submit(u, c, 1);
	}
	for (uint32_t id = 0; id < u->nr_dte && ret == 0; id++) {
		c[n++] = amdvi_cmd_inv_devtab_entry((uint16_t)id);
		if (n == 32 || id + 1 == u->nr_dte) {
			ret = amdvi_cmd_submit(u, c, n);
			n = 0;
		}
	}
	return ret;
}

static int amdvi_unit_up(struct amdvi_unit *u, const struct acpi_ivhd *h)
{
	uint64_t ctrl = rd64(u, AMDVI_CONTROL_REG);
	int ret;

	if (ctrl & AMDVI_CTRL_IOMMU_EN) {
		pr_warn("amdvi: %s: left on by firmware (control %#llx); off while its tables are replaced", u->name,
			(unsigned long long)ctrl);
	}
	wr64(u, AMDVI_CONTROL_REG, 0); /* the base registers may only change while it is off */
	ret = amdvi_devtab_alloc(u, h->max_devid);
	ret = ret ? ret : amdvi_cmd_init(u);
	ret = ret ? ret : amdvi_evtlog_init(u);
	if (ret) {
		return ret;
	}
	wr64(u, AMDVI_EXCL_BASE_REG, 0); /* exclusion range off: every request is translated */
	wr64(u, AMDVI_EXCL_LIMIT_REG, 0);
	wr64(u, AMDVI_STATUS_REG, AMDVI_STS_EVT_OVERFLOW | AMDVI_STS_COMWAIT_INT);
	wr64(u, AMDVI_CONTROL_REG, AMDVI_CTRL_IOMMU_EN | AMDVI_CTRL_CMDBUF_EN | AMDVI_CTRL_EVTLOG_EN);
	/* Not every model reports CmdBufRun (3.4.9); only a unit that does can be seen halting. */
	u->run_bit = (rd64(u, AMDVI_STATUS_REG) & AMDVI_STS_CMDBUF_RUN) != 0;
	return amdvi_flush_all(u);
}

static int amdvi_unit_add(const struct acpi_ivhd *h, unsigned ivhd)
{
	struct amdvi_unit *u;
	uint64_t efr;
	int ret;

	if (amdvi_nr == AMDVI_MAX_UNITS) {
		return -ENOSPC;
	}
	u = &amdvi_units[amdvi_nr];
	*u = (struct amdvi_unit){ .regs = (uintptr_t)hpa_val(h->base),
				  .ivhd = ivhd,
				  .segment = h->segment,
				  .devid = h->devid,
				  .ivhd_flags = h->flags,
				  .coherent = (h->flags & BIT(5)) != 0 }; /* IVHD flags bit 5: Coherent */
	snprintf(u->name, sizeof(u->name), "amdvi%u", amdvi_nr);
	ret = arch_map_mmio(h->base, AMDVI_MMIO_SIZE);
	if (ret) {
		return ret;
	}
	efr = rd64(u, AMDVI_EFR_REG);
	if (efr == ~0ULL) {
		pr_err("amdvi: no unit at %#llx", (unsigned long long)hpa_val(h->base));
		return -ENODEV;
	}
	u->efr = efr ? efr : h->efr;
	pr_info("amdvi: %s: IVHD %u type %#x at %#llx, devid %02x:%02x.%u, EFR %#llx, device IDs up to %#x", u->name,
		ivhd, h->type, (unsigned long long)hpa_val(h->base), h->devid >> 8, (h->devid >> 3) & 0x1f,
		h->devid & 7, (unsigned long long)u->efr, h->max_devid);
	ret = amdvi_unit_up(u, h);
	if (ret) {
		pr_err("amdvi: %s: bring-up failed (%d %s)", u->name, ret, hv_strerror(ret));
		return ret;
	}
	u->iommu = (struct hv_iommu){ .ops = &amdvi_backend_ops, .priv = u, .name = u->name };
	pr_info("amdvi: %s: translation enabled, %u device-table entries, all DMA blocked until devices are attached",
		u->name, u->nr_dte);
	amdvi_nr++;
	return 0;
}

/* Step 6: IVMD memory out of the allocator, identity-mapped for the devices named. */
static void amdvi_ivmd_setup(const struct acpi_ivrs *r)
{
	for (unsigned i = 0; i < r->nr_ivmd; i++) {
		const struct acpi_ivmd *m = &r->ivmd[i];
		uint64_t size = m->limit + 1 - m->base;
		int ret = palloc_claim_device_memory(hpa(m->base), size);

		if (ret) {
			pr_err("amdvi: ivmd%u %#llx-%#llx is hypervisor memory (%s); its devices get no mapping", i,
			       (unsigned long long)m->base, (unsigned long long)m->limit, hv_strerror(ret));
			continue;
		}
		for (unsigned k = 0; k < amdvi_nr; k++) {
			struct amdvi_unit *u = &amdvi_units[k];
			struct pt_table *t = &amdvi_ivmd_pt[k];
			unsigned prot = PT_PROT_READ | PT_PROT_WRITE;
			unsigned nr = 0;

			if (!(m->flags & ACPI_IVMD_EXCL)) {
				prot = ((m->flags & ACPI_IVMD_IR) ? PT_PROT_READ : 0) |
				       ((m->flags & ACPI_IVMD_IW) ? PT_PROT_WRITE : 0);
			}
			if (prot == 0) {
				continue; /* no access granted: the blocked entries already say so */
			}
			if (hpa_val(t->root) == 0 &&
			    pt_init(t, PT_FMT_AMD_V1, 48, SZ_4K | SZ_2M | SZ_1G, u->coherent, NULL) != 0) {
				continue;
			}
			ret = pt_map(t, m->base, hpa(m->base), size, prot);
			if (ret && ret != -EEXIST) {
				pr_err("amdvi: %s: ivmd%u cannot be mapped (%s)", u->name, i, hv_strerror(ret));
				continue;
			}
			for (uint32_t id = m->first; id <= m->last && id < u->nr_dte; id++) {
				struct acpi_ivrs_dev_info di;

				if (acpi_ivrs_lookup(amdvi_acpi, u->segment, (uint16_t)id, &di) != 0 ||
				    di.unit != u->ivhd || di.rid >= u->nr_dte) {
					continue;
				}
				u->devtab[di.rid] = amdvi_dte_table(t->root, t->levels, AMDVI_IVMD_DOMAIN);
				arch_dcache_clean(&u->devtab[di.rid], sizeof(u->devtab[di.rid]));
				nr++;
			}
			if (nr) {
				(void)amdvi_flush_all(u);
				pr_info("amdvi: %s: ivmd%u %#llx-%#llx identity-mapped for %u device(s); they stay the "
					"firmware's",
					u->name, i, (unsigned long long)m->base, (unsigned long long)m->limit, nr);
			}
		}
	}
}

int amdvi_init(const struct acpi_info *acpi)
{
	const struct acpi_ivrs *r = acpi != NULL ? &acpi->ivrs : NULL;
	int ret = -ENODEV;

	if (amdvi_done) {
		return amdvi_nr ? (int)amdvi_nr : -ENODEV;
	}
	amdvi_done = true;
	if (r == NULL || !r->present || r->nr_ivhd == 0) {
		return -ENODEV;
	}
	amdvi_acpi = acpi;
	for (unsigned i = 0; i < r->nr_ivhd; i++) {
		int e = amdvi_unit_add(&r->ivhd[i], i);

		/* A unit that fails stays off; its devices have no unit (amdvi_unit_for: NULL). */
		ret = ret == 0 ? 0 : e;
	}
	if (amdvi_nr != 0) {
		amdvi_ivmd_setup(r);
	}
	return amdvi_nr ? (int)amdvi_nr : ret;
}

unsigned amdvi_nr_units(void)
{
	return amdvi_nr;
}

struct amdvi_unit *amdvi_unit_get(unsigned i)
{
	return i < amdvi_nr ? &amdvi_units[i] : NULL;
}

struct amdvi_unit *amdvi_unit_for(uint16_t segment, uint16_t bdf, uint16_t *rid)
{
	struct acpi_ivrs_dev_info di;

	if (amdvi_acpi == NULL || acpi_ivrs_lookup(amdvi_acpi, segment, bdf, &di) != 0) {
		return NULL;
	}
	for (unsigned i = 0; i < amdvi_nr; i++) {
		if (amdvi_units[i].ivhd == di.unit) {
			if (rid != NULL) {
				*rid = di.rid;
			}
			return &amdvi_units[i];
		}
	}
	return NULL;
}

bool amdvi_ivmd_device(uint16_t segment, uint16_t bdf)
{
	struct acpi_ivrs_dev_info di;

	if (amdvi_acpi == NULL) {
		return false;
	}
	for (unsigned i = 0; i < amdvi_acpi->ivrs.nr_ivmd; i++) {
		if (acpi_ivmd_covers(amdvi_acpi, i, bdf) ||
		    (acpi_ivrs_lookup(amdvi_acpi, segment, bdf, &di) == 0 && acpi_ivmd_covers(amdvi_acpi, i, di.rid))) {
			return true;
		}
	}
	return false;
}

static const char *amdvi_event_name(unsigned code)
{
	static const char *const names[] = {
		[AMDVI_EVT_ILLEGAL_DEV_TABLE] = "ILLEGAL_DEV_TABLE_ENTRY",
		[AMDVI_EVT_IO_PAGE_FAULT] = "IO_PAGE_FAULT",
		[AMDVI_EVT_DEV_TAB_HW_ERROR] = "DEV_TAB_HARDWARE_ERROR",
		[AMDVI_EVT_PAGE_TAB_HW_ERROR] = "PAGE_TAB_HARDWARE_ERROR",
		[AMDVI_EVT_ILLEGAL_COMMAND] = "ILLEGAL_COMMAND_ERROR",
		[AMDVI_EVT_COMMAND_HW_ERROR] = "COMMAND_HARDWARE_ERROR",
		[AMDVI_EVT_IOTLB_INV_TIMEOUT] = "IOTLB_INV_TIMEOUT",
		[AMDVI_EVT_INVALID_DEV_REQ] = "INVALID_DEVICE_REQUEST",
	};

	return code < sizeof(names) / sizeof(names[0]) && names[code] != NULL ? names[code] : "unknown";
}

static void amdvi_event(struct amdvi_unit *u, const uint64_t ev[2])
{
	struct amdvi_event e;
	unsigned reason;

	amdvi_event_decode(ev, &e);
	u->nr_events++;
	u->last_event = e;
	pr_debug("amdvi: %s: event %s devid %02x:%02x.%u domain %#x flags %#x addr %#llx", u->name,
		 amdvi_event_name(e.code), e.devid >> 8, (e.devid >> 3) & 0x1f, e.devid & 7, e.domain, e.flags,
		 (unsigned long long)e.addr);
	if (!e.is_dma_fault) {
		return;
	}
	/* A fault on a blocked entry is a detached device's DMA, whatever the walk said. */
	reason = amdvi_dte_is_blocked(u, e.devid) ? IOASID_FAULT_REASON_BLOCKED : e.reason;
	ioasid_report_fault(&u->iommu, e.devid, false, 0, e.addr,
			    e.write ? IOASID_FAULT_ACCESS_WRITE : IOASID_FAULT_ACCESS_READ, reason);
}

/*
 * Entries the unit has written: up to EVTLOG_TAIL (3.4.6). QEMU 10 writes entries but never
 * moves the tail register; until the register has been seen moving, a non-zero entry at the
 * head counts as written (consumed entries are zeroed below, so a stale one never repeats).
 */
static bool amdvi_evt_ready(struct amdvi_unit *u, unsigned tail)
{
	const volatile uint64_t *slot = &u->evtlog[2 * u->evt_head];

	if (tail != 0) {
		u->tail_moves = true;
	}
	if (u->tail_moves) {
		return u->evt_head != tail;
	}
	return slot[0] != 0;
}

static unsigned amdvi_drain(struct amdvi_unit *u)
{
	unsigned n = 0, tail;
	uint64_t sts;

	hv_spin_lock(&u->evt_lock);
	tail = (unsigned)(FIELD_GET(AMDVI_RING_PTR_MASK, rd64(u, AMDVI_EVTLOG_TAIL_REG)) % AMDVI_RING_ENTRIES);
	while (amdvi_evt_ready(u, tail) && n < AMDVI_RING_ENTRIES) {
		volatile uint64_t *slot = &u->evtlog[2 * u->evt_head];
		uint64_t ev[2] = { slot[0], slot[1] };

		slot[0] = 0;
		slot[1] = 0;
		amdvi_event(u, ev);
		if (n == 0) {
			u->first_event = u->last_event;
		}
		u->evt_head = (u->evt_head + 1) % AMDVI_RING_ENTRIES;
		n++;
	}
	if (n) {
		wr64(u, AMDVI_EVTLOG_HEAD_REG, (uint64_t)u->evt_head * AMDVI_EVT_SIZE);
		pr_info("amdvi: %s: %u event(s), the first %s devid %#x addr %#llx flags %#x", u->name, n,
			amdvi_event_name(u->first_event.code), u->first_event.devid,
			(unsigned long long)u->first_event.addr, u->first_event.flags);
	}
	sts = rd64(u, AMDVI_STATUS_REG);
	if (sts & AMDVI_STS_EVT_OVERFLOW) {
		/* 3.4.9: the log stopped; events were lost (how many is unknown). Restart it empty. */
		pr_warn("amdvi: %s: event log overflow; restarting it", u->name);
		wr64(u, AMDVI_CONTROL_REG, rd64(u, AMDVI_CONTROL_REG) & ~AMDVI_CTRL_EVTLOG_EN);
		wr64(u, AMDVI_STATUS_REG, AMDVI_STS_EVT_OVERFLOW);
		wr64(u, AMDVI_EVTLOG_HEAD_REG, 0);
		wr64(u, AMDVI_EVTLOG_TAIL_REG, 0);
		u->evt_head = 0;
		wr64(u, AMDVI_CONTROL_REG, rd64(u, AMDVI_CONTROL_REG) | AMDVI_CTRL_EVTLOG_EN);
		ioasid_report_lost(&u->iommu, 1);
	}
	hv_spin_unlock(&u->evt_lock);
	return n;
}

unsigned amdvi_poll_events(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < amdvi_nr; i++) {
		n += amdvi_drain(&amdvi_units[i]);
	}
	return n;
}
