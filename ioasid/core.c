/* SPDX-License-Identifier: MIT */
/*
 * IOASID core: guests, devices, the device registry, and fault delivery from drivers.
 * IOASID objects themselves are in ioasid_obj.c, the hypercall dispatcher in dispatch.c,
 * request validation in validate.c, guest-memory access in guestmem.c, NESTED shadowing in
 * nested.c. docs/CORE.md describes the model.
 *
 * Lock order: every lock in the hypervisor, outermost first. A CPU holding one of them takes
 * only locks further down this list, never one above it. All are include/hv/spinlock.h locks
 * (ticket locks; "recursive" = hv_rspinlock_t, re-entrant on the same CPU). None is held across
 * a guest's run. The hypervisor takes interrupts only with no lock held (x86: IF=0 except
 * across VMRUN and in the idle wait; arm64: DAIF masked except in the idle wait), so a handler
 * may take a lock: the VT-d fault event's handler takes 2, 3, 4 and 11, and through a guest's
 * fault notification virq_send's (the virtual interrupt controller's, in 10); a routed MSI's
 * handler (arch/x86_64/irq_route.c) only virq_send's and 11. Never call out of the
 * core with a core lock held except into backend ops, which never call back except
 * ioasid_report_fault().
 *
 *   1. hv_guest.lock         every hypercall of a guest (ioasid_dispatch), device assignment and
 *                            guest teardown. Guards the guest's IOASIDs, devices, tables, quota.
 *                            Two guests' locks are never held together.
 *   1a. hv_iommu.lock        a unit's configuration (backend.h ioasid_hw_install): every install
 *                            of a route, under 1 or at boot. Under it: 6, 8, 11.
 *   2. vtd_unit.fault_lock   a unit's fault records / event queue, drained by one CPU at a time;
 *      smmuv3 evtq_lock,     delivers with ioasid_report_fault() (3, 4) while held. Taken under 1
 *      amdvi_unit.evt_lock   (FAULT_READ's collection), without it (teardown, the fault event's
 *                            interrupt handler on CPU 0).
 *   3. hv_registry_lock      the global (IOMMU unit, RID) -> device map; taken by device
 *                            assignment/removal (under 1) and by fault reports (under 2). A
 *                            guest's fault notification (hv_guest.fault_notify, hv/guest_irq.c)
 *                            runs under it and takes no lock of its own: it reads the guest's
 *                            fault route atomically and calls virq_send (the virtual interrupt
 *                            controller's lock, 10, under 3).
 *   3a. guest_irq.lock       a guest's MSI routes (hv/guest_irq.c): IRQ_ROUTE and teardown,
 *                            taken with nothing above it held. Under it: the arch's route set
 *                            and clear, which take 6 (the IEC flush), vtd_unit.ir_lock and
 *                            irq_handlers_lock (10) and wait, bounded, for a host vector's
 *                            handler to finish on another CPU (handlers take no lock but 10/11).
 *   4. hv_fault_queue.lock   a guest's fault ring: pushed by fault reports (under 3), drained by
 *                            FAULT_READ (under 1) and guest teardown.
 *   1b. arm64 db_lock        arch/arm64/msi_doorbell.c: the ITS doorbell roots of guests' device
 *                            streams; under 1 (IRQ_ROUTE), takes 1a, 6 and 8.
 *   5. ioasid_domain_lock    the global domain-ID bitmap (ioasid_obj.c); held for a bitmap scan.
 *   6. vtd_unit.qi_lock      a unit's invalidation queue / command queue, shared by every CPU:
 *      smmuv3 cmdq_lock,     held only to make room, insert and move the tail; the submitter then
 *                            waits for its own completion without it (drivers/iommu/vtd/vtd.c,
 *      amdvi_unit.cmd_lock   smmuv3.c, amdvi_cmd.c). Taken by backend ops (under 1, 1a) and the drivers' own
 *                            bring-up; under it only 11.
 *      gicv3 its_lock        drivers/irqchip/gicv3_its.c: the ITS command queue and device list,
 *                            held across its bounded wait for CREADR (the queue is empty again
 *                            before it is dropped); ITT pages are allocated (8) under it.
 *   7. arch/x86_64 paging_lock, arch/arm64 mmu_lock: arch_map_mmio's changes to the hypervisor's
 *                            own tables; may allocate table pages (8) while held.
 *   8. palloc_lock           lib/palloc.c: the page allocator's ranges and counters. Nothing under
 *                            it but a bitmap scan; zeroing and the CHECK of a bad free happen
 *                            after it is dropped.
 *   9. heap_lock             lib/syscalls.c (newlib's __malloc_lock, recursive): malloc, free,
 *                            realloc, calloc and sbrk. Nothing under it.
 *  10. leaves but for 11 (each taken with nothing above it held, or only to log):
 *      guest.lock            hv/guest_internal.h, per guest: its console line, its vCPUs' start
 *                            parameters and its outcome (a finished line is logged under it);
 *      guests_kept_lock      hv/guest.c: guests whose teardown failed (RAM kept for good);
 *      svm_lock              arch/x86_64/svm.c: the shared permission maps, set up once;
 *      irq_handlers_lock     arch/x86_64/irq.c: arch_irq_request_msi's vector slots and every
 *                            CPU's routed-MSI vectors (x86_route_vec_alloc/free);
 *      vtd_unit.ir_lock      drivers/iommu/vtd/vtd_ir.c: which remapping entries are taken
 *                            (held for the bitmap only; entries are written and flushed after);
 *      timer_lock            arch/x86_64/lapic.c: the LAPIC timer's one-time calibration.
 *      gicd_lock, lpi_lock   drivers/irqchip/gicv3_dist.c, gicv3_lpi.c: the distributor's shared
 *                            SPI words; the LPI bitmap.
 *      vgic.lock             arch/arm64/vgic.h, per guest: its virtual GICv3 (distributor,
 *                            redistributors, saved list registers). The one leaf that may be
 *                            taken under others: vcpu_arch_virq_raise() (virq_send) from any CPU,
 *                            from a route or fault path holding 1..9; nothing is taken under it.
 *  11. console_lock          lib/console.c, recursive: one whole console_write() (one log line).
 *                            Innermost: any lock holder may log. hv_panic() takes it with a bound
 *                            and writes without it if another CPU never lets go.
 * So a driver's fault handler never takes a guest lock and cannot deadlock against a hypercall
 * that waits on that driver's queue, and a queue waiter holds no queue lock while it waits.
 * docs/ARCHITECTURE.md "Locks" describes each lock in prose; make tsan (tests/unit/tsan.mk) runs
 * the core, the page allocator, the locks and the console under ThreadSanitizer.
 */
#include <string.h>

#include <hv/bits.h>
#include <hv/check.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>

#include "ioasid/core.h"

/* Our internal errors are the ABI's (include/hv/errno.h says so); keep the two in step. */
_Static_assert(IOASID_EPERM == EPERM && IOASID_ENOENT == ENOENT && IOASID_E2BIG == E2BIG, "errno");
_Static_assert(IOASID_EAGAIN == EAGAIN && IOASID_ENOMEM == ENOMEM && IOASID_EFAULT == EFAULT, "errno");
_Static_assert(IOASID_EBUSY == EBUSY && IOASID_EEXIST == EEXIST && IOASID_ENODEV == ENODEV, "errno");
_Static_assert(IOASID_EINVAL == EINVAL && IOASID_ENOSPC == ENOSPC && IOASID_ERANGE == ERANGE, "errno");
_Static_assert(IOASID_ENOSYS == ENOSYS && IOASID_EOVERFLOW == EOVERFLOW, "errno");
_Static_assert(IOASID_EOPNOTSUPP == EOPNOTSUPP && IOASID_ETIMEDOUT == ETIMEDOUT, "errno");
_Static_assert(IOASID_EDQUOT == EDQUOT, "errno");
/* The ABI's format and protection numbers are the engine's, so no translation table is needed. */
_Static_assert(IOASID_FMT_VTD_FL == PT_FMT_VTD_FL && IOASID_FMT_ARM_S1 == PT_FMT_ARM_S1, "fmt");
_Static_assert(IOASID_PROT_READ == PT_PROT_READ && IOASID_PROT_WRITE == PT_PROT_WRITE, "prot");
_Static_assert(HV_NR_FMT > PT_FMT_MAX, "hw[] is indexed by enum pt_format");

/* ---- the device registry ----------------------------------------------------------------- */

#define HV_REGISTRY_MAX (HV_MAX_GUESTS * HV_GUEST_MAX_DEVS)

static hv_spinlock_t hv_registry_lock;
static struct hv_device *hv_registry[HV_REGISTRY_MAX];
static uint64_t hv_unrouted_faults;

static bool hv_device_has_alias(const struct hv_device *d, uint32_t rid)
{
	for (unsigned i = 0; i < d->nr_alias_rids; i++) {
		if (d->alias_rids[i] == rid) {
			return true;
		}
	}
	return false;
}

/* Under hv_registry_lock: the device whose own RID this is, else one that has it as an alias. */
static struct hv_device *hv_registry_find_locked(const struct hv_iommu *u, uint32_t rid)
{
	struct hv_device *alias = NULL;

	for (unsigned i = 0; i < HV_REGISTRY_MAX; i++) {
		struct hv_device *d = hv_registry[i];

		if (d == NULL || d->iommu != u) {
			continue;
		}
		if (d->rid == rid) {
			return d;
		}
		if (alias == NULL && hv_device_has_alias(d, rid)) {
			alias = d;
		}
	}
	return alias;
}

/*
 * Under hv_registry_lock: d may not join if a registered device on its unit has d's RID, or
 * shares any RID with d and belongs to another guest (DMA under a shared RID cannot be told
 * apart: the devices are one isolation group, include/hv/pci.h).
 */
static bool hv_registry_conflict(const struct hv_device *d)
{
	for (unsigned i = 0; i < HV_REGISTRY_MAX; i++) {
		const struct hv_device *e = hv_registry[i];
		bool shared;

		if (e == NULL || e->iommu != d->iommu) {
			continue;
		}
		if (e->rid == d->rid) {
			return true;
		}
		shared = hv_device_has_alias(e, d->rid);
		for (unsigned k = 0; k < d->nr_alias_rids && !shared; k++) {
			shared = e->rid == d->alias_rids[k] || hv_device_has_alias(e, d->alias_rids[k]);
		}
		if (shared && e->guest != d->guest) {
			return true;
		}
	}
	return false;
}

/* A device (unit, RID) belongs to one guest at most (Jailhouse had no such check). */
int hv_registry_add(struct hv_device *d)
{
	int ret = -ENOSPC;

	hv_spin_lock(&hv_registry_lock);
	if (hv_registry_conflict(d)) {
		ret = -EBUSY;
		goto out;
	}
	for (unsigned i = 0; i < HV_REGISTRY_MAX; i++) {
		if (hv_registry[i] == NULL) {
			hv_registry[i] = d;
			ret = 0;
			goto out;
		}
	}
out:
	hv_spin_unlock(&hv_registry_lock);
	return ret;
}

void hv_registry_del(struct hv_device *d)
{
	hv_spin_lock(&hv_registry_lock);
	for (unsigned i = 0; i < HV_REGISTRY_MAX; i++) {
		if (hv_registry[i] == d) {
			hv_registry[i] = NULL;
		}
	}
	hv_spin_unlock(&hv_registry_lock);
}

struct hv_device *hv_registry_find(const struct hv_iommu *u, uint32_t rid)
{
	struct hv_device *d;

	hv_spin_lock(&hv_registry_lock);
	d = hv_registry_find_locked(u, rid);
	hv_spin_unlock(&hv_registry_lock);
	return d;
}

void ioasid_report_fault(struct hv_iommu *u, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t addr,
			 unsigned access, unsigned reason)
{
	struct hv_device *d;

	hv_spin_lock(&hv_registry_lock);
	d = hv_registry_find_locked(u, rid);
	if (d == NULL) {
		hv_unrouted_faults++;
		hv_spin_unlock(&hv_registry_lock);
		pr_warn("ioasid: fault from unassigned rid %#x on %s at %#llx", rid, u->name ? u->name : "?",
			(unsigned long long)addr);
		return;
	}
	fault_queue_push(&d->guest->fq, d->id, has_pasid, pasid, addr, access, reason);
	if (d->guest->fault_notify != NULL) {
		d->guest->fault_notify(d->guest); /* the queue lock is dropped; 3 keeps the guest alive */
	}
	hv_spin_unlock(&hv_registry_lock);
}

void hv_guest_set_fault_notify(struct hv_guest *g, void (*fn)(struct hv_guest *g))
{
	hv_spin_lock(&hv_registry_lock);
	g->fault_notify = fn;
	hv_spin_unlock(&hv_registry_lock);
}

void ioasid_report_lost(struct hv_iommu *u, uint64_t n)
{
	struct hv_guest *told[HV_REGISTRY_MAX];
	unsigned nt = 0;

	hv_spin_lock(&hv_registry_lock);
	for (unsigned i = 0; i < HV_REGISTRY_MAX; i++) {
		struct hv_device *d = hv_registry[i];
		bool seen = false;

		if (d == NULL || d->iommu != u) {
			continue;
		}
		for (unsigned k = 0; k < nt; k++) {
			seen |= told[k] == d->guest;
		}
		if (!seen) {
			told[nt++] = d->guest; /* once per guest, however many of its devices are there */
			fault_queue_add_lost(&d->guest->fq, n);
			if (d->guest->fault_notify != NULL) {
				d->guest->fault_notify(d->guest);
			}
		}
	}
	hv_spin_unlock(&hv_registry_lock);
	pr_warn("ioasid: %s dropped %llu fault record(s); counted as lost for %u guest(s) with devices there",
		u->name ? u->name : "?", (unsigned long long)n, nt);
}

/* ---- guests ------------------------------------------------------------------------------ */

/* Is [a, a+len) inside one or more adjacent regions of the guest's RAM? len 0 is "in". */
bool guest_range_in_ram(const struct hv_guest *g, gpa_t a, uint64_t len)
{
	uint64_t cur = gpa_val(a), end;

	if (ADD_OVERFLOWS(cur, len, &end)) {
		return false;
	}
	while (cur < end) {
		hpa_t h;
		uint64_t contig;

		if (guest_gpa_to_hpa(g, gpa(cur), &h, &contig) != 0) {
			return false;
		}
		cur += MIN(contig, end - cur);
	}
	return true;
}

/* Host address of a and the bytes from a to the end of its region (host-contiguous). */
int guest_gpa_to_hpa(const struct hv_guest *g, gpa_t a, hpa_t *out, uint64_t *contig)
{
	uint64_t v = gpa_val(a);

	for (unsigned i = 0; i < g->nr_mem; i++) {
		const struct hv_mem_region *r = &g->mem[i];
		uint64_t off = v - gpa_val(r->gpa);

		if (v >= gpa_val(r->gpa) && off < r->size) {
			*out = hpa_add(r->hpa, off);
			*contig = r->size - off;
			return 0;
		}
	}
	return -EFAULT;
}

static struct hv_guest *hv_guests[HV_MAX_GUESTS];

static bool hv_guest_id_used(uint32_t id)
{
	for (unsigned i = 0; i < HV_MAX_GUESTS; i++) {
		if (hv_guests[i] != NULL && hv_guests[i]->id == id) {
			return true;
		}
	}
	return false;
}

/*
 * Regions are configuration (not guest input), but they decide what every guest table may map,
 * so they are checked here: page aligned, non-empty, no overflow, disjoint from each other.
 * (Disjointness from the hypervisor and other guests is the configuration loader's check, done
 * against the boot memory map.)
 */
static int hv_guest_check_mem(const struct hv_guest_config *cfg)
{
	if (cfg->nr_mem == 0 || cfg->nr_mem > HV_GUEST_MAX_MEM) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->nr_mem; i++) {
		const struct hv_mem_region *r = &cfg->mem[i];
		uint64_t end;

		if (!IS_ALIGNED(gpa_val(r->gpa) | hpa_val(r->hpa) | r->size, HV_PAGE_SIZE) || r->size == 0 ||
		    ADD_OVERFLOWS(gpa_val(r->gpa), r->size, &end) || ADD_OVERFLOWS(hpa_val(r->hpa), r->size, &end)) {
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++) {
			const struct hv_mem_region *o = &cfg->mem[j];

			if (gpa_val(r->gpa) < gpa_val(o->gpa) + o->size &&
			    gpa_val(o->gpa) < gpa_val(r->gpa) + r->size) {
				return -EINVAL;
			}
		}
	}
	return 0;
}

int hv_guest_init(struct hv_guest *g, const struct hv_guest_config *cfg)
{
	int slot = -1, ret;

	if (cfg->id == 0 || cfg->id > 0xffff || hv_guest_id_used(cfg->id)) {
		return -EINVAL;
	}
	ret = hv_guest_check_mem(cfg);
	if (ret) {
		return ret;
	}
	for (unsigned i = 0; i < HV_MAX_GUESTS; i++) {
		if (hv_guests[i] == NULL) {
			slot = (int)i;
			break;
		}
	}
	if (slot < 0) {
		return -ENOSPC;
	}
	/* memset, not a compound literal: no 20 KiB temporary on a small hypervisor stack */
	memset(g, 0, sizeof(*g));
	g->scratch = page_alloc(0);
	if (g->scratch == NULL) {
		return -ENOMEM;
	}
	g->id = cfg->id;
	g->nr_mem = cfg->nr_mem;
	for (unsigned i = 0; i < cfg->nr_mem; i++) {
		g->mem[i] = cfg->mem[i];
	}
	g->quota.limit_pages = cfg->quota_pages;
	fault_queue_init(&g->fq);
	g->live = true;
	hv_guests[slot] = g;
	return 0;
}

/* Build the GPA table in the device's format (once per format), mapping all guest RAM RW. */
static int hv_guest_gpa_table(struct hv_guest *g, const struct ioasid_dev_caps *caps)
{
	struct ioasid *io = g->gpa_io;
	struct ioasid_hwt *h;
	int ret;

	if (io == NULL) {
		ret = ioasid_create_gpa(g, &io);
		if (ret) {
			return ret;
		}
	}
	h = &io->hw[caps->paging_fmt];
	if (h->valid) {
		return h->pt.ia_bits == caps->ia_bits ? 0 : -EOPNOTSUPP;
	}
	/* Not charged to the guest's quota: its size follows the configuration only. */
	ret = pt_init(&h->pt, caps->paging_fmt, caps->ia_bits, caps->pgsize_bitmap, caps->coherent, NULL);
	if (ret) {
		return ret;
	}
	for (unsigned i = 0; i < g->nr_mem; i++) {
		const struct hv_mem_region *r = &g->mem[i];

		ret = pt_map(&h->pt, gpa_val(r->gpa), r->hpa, r->size, PT_PROT_READ | PT_PROT_WRITE);
		if (ret) {
			pt_destroy(&h->pt);
			return ret;
		}
	}
	h->domain = ioasid_new_domain();
	if (h->domain == 0) {
		pt_destroy(&h->pt);
		return -ENOSPC;
	}
	h->valid = true;
	return 0;
}

int hv_guest_add_device(struct hv_guest *g, struct hv_iommu *u, uint16_t segment, uint16_t bdf, uint32_t rid,
			uint32_t *dev_id)
{
	struct hv_device *d = NULL;
	unsigned slot;
	int ret;

	hv_spin_lock(&g->lock);
	for (slot = 0; slot < HV_GUEST_MAX_DEVS; slot++) {
		if (!g->devs[slot].in_use) {
			d = &g->devs[slot];
			break;
		}
	}
	if (d == NULL) {
		ret = -ENOSPC;
		goto out;
	}
	*d = (struct hv_device){
		.id = (g->id << 16) | 0x8000U | slot, .segment = segment, .bdf = bdf, .rid = rid, .guest = g, .iommu = u
	};
	ret = u->ops->get_caps(u, d, &d->caps);
	if (ret) {
		goto out;
	}
	if (d->caps.paging_fmt == 0 || d->caps.paging_fmt >= HV_NR_FMT || d->caps.pasid_bits > 20) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (u->ops->rid_aliases != NULL) {
		ret = u->ops->rid_aliases(u, d, d->alias_rids, HV_DEV_MAX_ALIASES);
		if (ret < 0) {
			goto out;
		}
		d->nr_alias_rids = ret > HV_DEV_MAX_ALIASES ? HV_DEV_MAX_ALIASES : (unsigned)ret;
	}
	ret = hv_registry_add(d);
	if (ret) {
		goto out;
	}
	ret = hv_guest_gpa_table(g, &d->caps);
	if (ret) {
		goto unregister;
	}
	/* Unattached devices translate through the guest's GPA space (never bypass). */
	ret = ioasid_do_attach(g, d, false, 0, g->gpa_io);
	if (ret) {
		goto unregister;
	}
	d->in_use = true;
	*dev_id = d->id;
	goto out;
unregister:
	hv_registry_del(d);
out:
	hv_spin_unlock(&g->lock);
	return ret;
}

struct hv_device *hv_device_lookup(struct hv_guest *g, uint32_t dev_id)
{
	uint32_t slot = dev_id & 0x7fffU;

	if ((dev_id >> 16) != g->id || (dev_id & 0x8000U) == 0 || slot >= HV_GUEST_MAX_DEVS || !g->devs[slot].in_use) {
		return NULL;
	}
	return &g->devs[slot];
}

/*
 * An IOASID that is still routed (its device could not be blocked: the IOMMU failed) may still
 * be walked by hardware: leak its tables rather than free memory a device can reach. 0, the
 * first flush error of ioasid_release, or -EBUSY when the IOASID had to be leaked.
 */
static int hv_guest_release_one(struct ioasid *io)
{
	if (io->nr_attach != 0 || io->nr_children != 0) {
		/* (a GPA parent stays too while a leaked child still translates through it) */
		pr_err("ioasid: %#x still in use at guest teardown; leaking its tables", io->id);
		return -EBUSY;
	}
	return ioasid_release(io);
}

int hv_guest_destroy(struct hv_guest *g)
{
	int ret = 0, r;

	if (!g->live) {
		return 0;
	}
	hv_spin_lock(&g->lock);
	for (unsigned i = 0; i < HV_GUEST_MAX_DEVS; i++) {
		struct hv_device *d = &g->devs[i];

		int dret = 0;

		if (!d->in_use) {
			continue;
		}
		for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
			if (d->pasid_att[p].used) {
				r = ioasid_do_detach(g, d, true, d->pasid_att[p].pasid);
				dret = dret ? dret : r;
			}
		}
		if (d->rid_att != NULL) {
			r = ioasid_do_detach(g, d, false, 0);
			dret = dret ? dret : r;
		}
		if (dret) {
			pr_err("ioasid: guest %u: device %#x (rid %#x on %s) could not be blocked (%d)", g->id, d->id,
			       d->rid, d->iommu->name ? d->iommu->name : "?", dret);
			ret = ret ? ret : dret;
		}
		/* Its faults are nobody's from here on: the core counts and drops them. */
		hv_registry_del(d);
	}
	/* Children before the GPA parent. */
	for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
		struct ioasid *io = &g->ioasids[i];

		if (io->in_use && io->kind != IOASID_KIND_GPA) {
			r = hv_guest_release_one(io);
			ret = ret ? ret : r;
		}
	}
	if (g->gpa_io != NULL) {
		r = hv_guest_release_one(g->gpa_io);
		ret = ret ? ret : r;
		g->gpa_io = g->gpa_io->in_use ? g->gpa_io : NULL;
	}
	page_free(g->scratch, 0);
	g->scratch = NULL;
	for (unsigned i = 0; i < HV_MAX_GUESTS; i++) {
		if (hv_guests[i] == g) {
			hv_guests[i] = NULL;
		}
	}
	g->live = false;
	hv_spin_unlock(&g->lock);
	return ret;
}
