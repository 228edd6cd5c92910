// SPDX-License-Identifier: MIT
/*
 * A guest's interrupt routes: IOASID_CALL_IRQ_ROUTE (docs/ABI.md "IRQ_ROUTE"), the fault
 * notification, and their removal at teardown. Arch-neutral: the request is read with the
 * core's size rules (ioasid_req_in), every field is checked here, then the arch makes the host
 * side of an MSI route (include/hv/irq_route.h: arch_msi_route_set/clear).
 *
 * Checks, in order (each failure changes nothing):
 *   size rules (ioasid_req_in), flags (ENABLE only), __reserved 0, kind MSI or FAULT -> EINVAL;
 *   FAULT: dev_id and source 0 -> EINVAL;
 *   MSI: dev_id one of the caller's devices (its boot list, as DEVICE_LIST reports them) ->
 *        ENOENT; the device has an MSI capability -> EOPNOTSUPP; source < pci_msi_count ->
 *        ERANGE;
 *   enable: vcpu < the guest's vCPUs (arm64: 0, the vGIC routes SPIs) and virq in the arch's
 *        range (IRQ_ROUTE_VIRQ_MIN..MAX) -> ERANGE; disable: vcpu and virq 0 -> EINVAL;
 *   enable of a new MSI route: fewer than the guest's quota (`irq_routes`) -> ENOSPC (the host's
 *        vectors and remapping entries are shared by every guest);
 *   disable of a route that does not exist -> ENOENT.
 * Then the arch's answer: -EOPNOTSUPP (no interrupt remapping for the device), -ENOSPC (no
 * host vector or remapping entry left), -ENODEV/-ETIMEDOUT (the IOMMU failed its flush).
 *
 * Replacing (ENABLE over an existing route) keeps the device's message and remapping entry
 * and moves only its destination (x86: new vector on the new vCPU's CPU, the entry rewritten);
 * a message sent meanwhile reaches the old or the new target, never nobody-or-another-guest.
 *
 * The fault notification is one 64-bit word read atomically by the core's notification hook
 * (hv_guest.fault_notify), which runs under hv_registry_lock: it takes no lock of its own. The
 * hook is installed with the guest's first IRQ_ROUTE call and removed first at teardown.
 *
 * Lock order (ioasid/core.c): guest_irq.lock (3a) is taken with nothing above it held; the
 * device lookup takes hv_guest.lock (1) before it, never under it.
 */
#include <stdlib.h>

#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/irq_route.h>
#include <hv/log.h>
#include <hv/pci.h>
#include <hv/spinlock.h>
#include <hv/virq.h>

#include "hv/guest_internal.h"

/*
 * MSI routes one guest may hold (docs/ABI.md "IRQ_ROUTE"): its configuration's `irq_routes`
 * (1..8; 0 in struct cfg_guest, as a configuration built without the parser has it, is the
 * default, CFG_MAX_IRQ_ROUTES = 8), since the host's vectors and remapping entries
 * are shared by every guest.
 */
#define GUEST_IRQ_MAX_MSI CFG_MAX_IRQ_ROUTES

#define FAULT_ROUTE_ON	 (1ULL << 63)
#define FAULT_ROUTE_VCPU 32

struct guest_irq_msi {
	bool used;
	uint32_t dev_id;
	struct msi_route r;
};

struct guest_irq {
	hv_spinlock_t lock; /* 3a: msi[] and the arch's route calls */
	struct guest_irq_msi msi[GUEST_IRQ_MAX_MSI];
	/* 0: no fault notification; else FAULT_ROUTE_ON | vcpu << 32 | virq. Atomic. */
	uint64_t fault_route;
	uint64_t nr_fault_notes;  /* notifications made: virq_send called (atomic) */
	uint64_t nr_fault_failed; /* virq_send refused them (atomic) */
};

/* The core's hook, under hv_registry_lock: a fault record for g was queued (or lost). */
static void guest_irq_fault_notify(struct hv_guest *g)
{
	struct guest *gu = container_of(g, struct guest, g);
	struct guest_irq *gi = __atomic_load_n(&gu->irq, __ATOMIC_ACQUIRE);
	uint64_t fr = gi != NULL ? __atomic_load_n(&gi->fault_route, __ATOMIC_ACQUIRE) : 0;
	unsigned k = (unsigned)(fr >> FAULT_ROUTE_VCPU) & 0xffffU;

	if (!(fr & FAULT_ROUTE_ON) || k >= gu->nr_vcpus) {
		return;
	}
	__atomic_add_fetch(&gi->nr_fault_notes, 1, __ATOMIC_RELAXED);
	if (virq_send(&gu->vcpus[k].v, (uint32_t)fr) != 0 &&
	    __atomic_add_fetch(&gi->nr_fault_failed, 1, __ATOMIC_RELAXED) == 1) {
		pr_warn("guest %s: fault notification (virq %u on vCPU %u) not raised: the vCPU refused it",
			gu->cfg->name, (unsigned)(uint32_t)fr, k);
	}
}

/* gu->irq, made on the guest's first call (two vCPUs may race: one allocation wins). */
static struct guest_irq *guest_irq_get(struct guest *gu)
{
	struct guest_irq *gi = __atomic_load_n(&gu->irq, __ATOMIC_ACQUIRE), *mine, *expected = NULL;

	if (gi != NULL) {
		return gi;
	}
	mine = calloc(1, sizeof(*mine));
	if (mine == NULL) {
		return NULL;
	}
	if (!__atomic_compare_exchange_n(&gu->irq, &expected, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(mine);
		mine = expected;
	}
	/* Both racers install it (the same function), so neither returns before it is in place. */
	hv_guest_set_fault_notify(&gu->g, guest_irq_fault_notify);
	return mine;
}

/* The caller's device dev_id: its PCI function and IOMMU unit. -ENOENT if not the caller's. */
static int guest_irq_device(struct guest *gu, uint32_t dev_id, const struct pci_dev **pd, struct hv_iommu **iommu)
{
	const struct guest_boot_dev *bd = NULL;
	struct hv_device *d;

	for (unsigned i = 0; i < gu->nr_assigned && i < gu->boot.nr_devs; i++) {
		if (gu->boot.devs[i].dev_id == dev_id) {
			bd = &gu->boot.devs[i];
		}
	}
	if (bd == NULL) {
		return -ENOENT;
	}
	hv_spin_lock(&gu->g.lock);
	d = hv_device_lookup(&gu->g, dev_id);
	*iommu = d != NULL ? d->iommu : NULL;
	hv_spin_unlock(&gu->g.lock);
	*pd = pci_find(&hv_pci, bd->segment, (uint8_t)(bd->bdf >> 8), (uint8_t)bd->bdf);
	return d != NULL && *pd != NULL ? 0 : -ENOENT;
}

/* Everything about the request that needs no route state. */
static int guest_irq_check(struct guest *gu, const struct ioasid_irq_route *q, const struct pci_dev **pd,
			   struct hv_iommu **iommu)
{
	bool enable = (q->flags & IOASID_IRQ_ENABLE) != 0;
	unsigned n;
	int ret;

	if ((q->flags & ~IOASID_IRQ_ENABLE) != 0 || q->__reserved != 0) {
		return -EINVAL;
	}
	if (q->kind == IOASID_IRQ_FAULT) {
		if (q->dev_id != 0 || q->source != 0) {
			return -EINVAL;
		}
	} else if (q->kind == IOASID_IRQ_MSI) {
		ret = guest_irq_device(gu, q->dev_id, pd, iommu);
		if (ret) {
			return ret;
		}
		n = pci_msi_count(*pd);
		if (n == 0) {
			return -EOPNOTSUPP; /* no MSI capability (MSI-X is not offered yet) */
		}
		if (q->source >= n) {
			return -ERANGE;
		}
	} else {
		return -EINVAL;
	}
	if (!enable) {
		return q->vcpu == 0 && q->virq == 0 ? 0 : -EINVAL;
	}
	if (q->vcpu >= gu->nr_vcpus || (!IRQ_ROUTE_PER_VCPU && q->vcpu != 0)) {
		return -ERANGE;
	}
	if (q->virq < IRQ_ROUTE_VIRQ_MIN || q->virq > IRQ_ROUTE_VIRQ_MAX) {
		return -ERANGE;
	}
	return 0;
}

static int guest_irq_fault(struct guest_irq *gi, const struct ioasid_irq_route *q)
{
	uint64_t old;

	if (q->flags & IOASID_IRQ_ENABLE) {
		__atomic_store_n(&gi->fault_route, FAULT_ROUTE_ON | ((uint64_t)q->vcpu << FAULT_ROUTE_VCPU) | q->virq,
				 __ATOMIC_RELEASE);
		return 0;
	}
	old = __atomic_exchange_n(&gi->fault_route, 0, __ATOMIC_ACQ_REL);
	return (old & FAULT_ROUTE_ON) ? 0 : -ENOENT;
}

/* Under gi->lock. */
static int guest_irq_msi(struct guest *gu, struct guest_irq *gi, const struct ioasid_irq_route *q,
			 const struct pci_dev *pd, struct hv_iommu *iommu)
{
	struct guest_irq_msi *m = NULL, *free_slot = NULL;
	struct vcpu *old_target;
	uint32_t old_virq;
	unsigned used = 0;
	int ret;

	for (unsigned i = 0; i < GUEST_IRQ_MAX_MSI; i++) {
		if (gi->msi[i].used && gi->msi[i].dev_id == q->dev_id && gi->msi[i].r.source == q->source) {
			m = &gi->msi[i];
		} else if (!gi->msi[i].used && free_slot == NULL) {
			free_slot = &gi->msi[i];
		}
		used += gi->msi[i].used;
	}
	if (!(q->flags & IOASID_IRQ_ENABLE)) {
		if (m == NULL) {
			return -ENOENT;
		}
		arch_msi_route_clear(&m->r);
		*m = (struct guest_irq_msi){ 0 };
		return 0;
	}
	if (m != NULL) {
		/* Replace: the arch keeps the message, moves the destination; failure keeps the old. */
		old_target = m->r.target;
		old_virq = m->r.virq;
		__atomic_store_n(&m->r.target, &gu->vcpus[q->vcpu].v, __ATOMIC_RELEASE);
		__atomic_store_n(&m->r.virq, q->virq, __ATOMIC_RELEASE);
		ret = arch_msi_route_set(&m->r);
		if (ret) {
			__atomic_store_n(&m->r.target, old_target, __ATOMIC_RELEASE);
			__atomic_store_n(&m->r.virq, old_virq, __ATOMIC_RELEASE);
		}
		return ret;
	}
	if (free_slot == NULL || used >= (gu->cfg->irq_routes != 0 ? gu->cfg->irq_routes : GUEST_IRQ_MAX_MSI)) {
		return -ENOSPC; /* the guest's quota */
	}
	m = free_slot;
	*m = (struct guest_irq_msi){
		.dev_id = q->dev_id,
		.r = { .pdev = pd,
		       .iommu = iommu,
		       .source = q->source,
		       .target = &gu->vcpus[q->vcpu].v,
		       .virq = q->virq },
	};
	ret = arch_msi_route_set(&m->r);
	if (ret) {
		*m = (struct guest_irq_msi){ 0 };
		return ret;
	}
	m->used = true;
	return 0;
}

long guest_irq_route_call(struct guest *gu, gpa_t req)
{
	struct ioasid_irq_route q;
	const struct pci_dev *pd = NULL;
	struct hv_iommu *iommu = NULL;
	struct guest_irq *gi;
	int ret;

	ret = ioasid_req_in(&gu->g, req, &q, sizeof(q));
	if (ret) {
		return ret;
	}
	ret = guest_irq_check(gu, &q, &pd, &iommu);
	if (ret) {
		return ret;
	}
	gi = guest_irq_get(gu);
	if (gi == NULL) {
		return -ENOMEM;
	}
	if (q.kind == IOASID_IRQ_FAULT) {
		return guest_irq_fault(gi, &q);
	}
	hv_spin_lock(&gi->lock);
	ret = guest_irq_msi(gu, gi, &q, pd, iommu);
	hv_spin_unlock(&gi->lock);
	if (ret == 0) {
		pr_info("guest %s: MSI %u of device %#x %s", gu->cfg->name, q.source, q.dev_id,
			(q.flags & IOASID_IRQ_ENABLE) ? "routed" : "unrouted");
	}
	return ret;
}

void guest_irq_teardown(struct guest *gu)
{
	struct guest_irq *gi = gu->irq;
	uint64_t delivered = 0;
	unsigned n = 0;

	if (gi == NULL) {
		return;
	}
	/* No notification is running or will start once this returns (hv_registry_lock). */
	hv_guest_set_fault_notify(&gu->g, NULL);
	__atomic_store_n(&gi->fault_route, 0, __ATOMIC_RELEASE);
	hv_spin_lock(&gi->lock);
	for (unsigned i = 0; i < GUEST_IRQ_MAX_MSI; i++) {
		if (gi->msi[i].used) {
			/* After it returns no message of this route reaches a vCPU (include/hv/irq_route.h). */
			arch_msi_route_clear(&gi->msi[i].r);
			delivered += __atomic_load_n(&gi->msi[i].r.nr_delivered, __ATOMIC_RELAXED);
			n++;
			gi->msi[i] = (struct guest_irq_msi){ 0 };
		}
	}
	hv_spin_unlock(&gi->lock);
	pr_info("guest %s: interrupt routes removed: %u MSI route(s) (%llu messages), %llu fault notification(s)",
		gu->cfg->name, n, (unsigned long long)delivered, (unsigned long long)gi->nr_fault_notes);
	gu->irq = NULL;
	free(gi);
}
