/* SPDX-License-Identifier: MIT */
/*
 * IOASID objects: allocation, lookup, attach/detach (atomic replace, block on detach), PAGING
 * map/unmap through the GPA parent, and flushing gathered ranges. Everything here runs with the
 * guest lock held (ioasid/core.c has the lock order) and receives already-validated requests
 * (ioasid/validate.c); errors returned here are resource or hardware errors.
 */
#include <hv/bits.h>
#include <hv/check.h>
#include <hv/errno.h>
#include <hv/log.h>

#include "ioasid/core.h"

/*
 * IDs: bits 31:16 owning guest, 15:8 generation of the slot (bumped on free, so a stale ID does
 * not resolve to the slot's next tenant), 7:0 slot. Bit 15 is never set: device IDs have it.
 */
#define IOASID_ID(g, slot) (((g)->id << 16) | ((uint32_t)((g)->ioasid_gen[slot] & 0x7fU) << 8) | (slot))

/*
 * Domain IDs, lowest free first: they stay small, which matters where hardware has few (VT-d
 * CAP.ND can give as few as 16 DIDs, spec 11.4.2) and keeps a guest that allocates and frees
 * IOASIDs in a loop from exhausting them. At most HV_MAX_GUESTS x HV_GUEST_MAX_IOASIDS x 2 plus
 * the GPA tables are live at once, well under IOASID_MAX_DOMAINS. ID 0 is never handed out.
 */
static uint64_t ioasid_domain_map[IOASID_MAX_DOMAINS / 64] = { 1 };
static hv_spinlock_t ioasid_domain_lock;

uint32_t ioasid_new_domain(void)
{
	uint32_t d = 0;

	hv_spin_lock(&ioasid_domain_lock);
	for (unsigned w = 0; w < ARRAY_SIZE(ioasid_domain_map) && d == 0; w++) {
		if (ioasid_domain_map[w] != ~0ULL) {
			unsigned b = (unsigned)__builtin_ctzll(~ioasid_domain_map[w]);

			ioasid_domain_map[w] |= 1ULL << b;
			d = w * 64 + b;
		}
	}
	hv_spin_unlock(&ioasid_domain_lock);
	return d;
}

void ioasid_put_domain(uint32_t domain)
{
	CHECK(domain != 0 && domain < IOASID_MAX_DOMAINS);
	hv_spin_lock(&ioasid_domain_lock);
	CHECK(ioasid_domain_map[domain / 64] & (1ULL << (domain % 64)));
	ioasid_domain_map[domain / 64] &= ~(1ULL << (domain % 64));
	hv_spin_unlock(&ioasid_domain_lock);
}

/*
 * Flush domain on every unit in units[] and give the ID back; if a unit cannot flush, entries
 * under the ID may stay cached there, so the ID is kept (leaked) rather than handed to a new
 * owner.
 */
static int ioasid_retire_domain(struct hv_iommu **units, unsigned n, uint32_t domain)
{
	int ret = 0;

	if (domain == 0) {
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		int r = units[i]->ops->flush_domain(units[i], domain);

		ret = ret ? ret : r;
	}
	if (ret) {
		pr_err("ioasid: flush of domain %u failed (%d); the ID is not reused", domain, ret);
		return ret;
	}
	ioasid_put_domain(domain);
	return 0;
}

struct ioasid *ioasid_lookup(struct hv_guest *g, uint32_t id)
{
	uint32_t slot = id & 0xffU;

	if ((id >> 16) != g->id || slot >= HV_GUEST_MAX_IOASIDS || !g->ioasids[slot].in_use ||
	    g->ioasids[slot].id != id) {
		return NULL;
	}
	return &g->ioasids[slot];
}

static struct ioasid *ioasid_slot_get(struct hv_guest *g)
{
	for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
		struct ioasid *io = &g->ioasids[i];

		if (!io->in_use) {
			*io = (struct ioasid){ .guest = g, .id = IOASID_ID(g, i) };
			return io;
		}
	}
	return NULL;
}

int ioasid_create_gpa(struct hv_guest *g, struct ioasid **out)
{
	struct ioasid *io = ioasid_slot_get(g);

	if (io == NULL) {
		return -ENOSPC;
	}
	io->in_use = true;
	io->kind = IOASID_KIND_GPA;
	g->gpa_io = io;
	*out = io;
	return 0;
}

/* The hardware table of io that a device behind d's IOMMU walks, or NULL if none fits. */
struct ioasid_hwt *ioasid_hwt_for(struct ioasid *io, const struct hv_device *d)
{
	struct ioasid_hwt *h = &io->hw[d->caps.paging_fmt];

	if (!h->valid || h->pt.ia_bits != d->caps.ia_bits) {
		return NULL;
	}
	return h;
}

/*
 * The distinct IOMMU units that may hold IOTLB entries tagged with io's domains: every unit with
 * a device of io's guest (tables are per guest, so no other guest's device ever walked them).
 * Not only the units routing through io right now: a device that moved to another IOASID leaves
 * entries tagged with io's domain behind, and they become reachable again if it moves back, so
 * an unmap must reach them too. The cost is one per-domain invalidation per unit, never a global
 * flush.
 */
static unsigned ioasid_units(struct ioasid *io, struct hv_iommu **units)
{
	struct hv_guest *g = io->guest;
	unsigned n = 0;

	for (unsigned i = 0; i < HV_GUEST_MAX_DEVS; i++) {
		struct hv_device *d = &g->devs[i];
		bool seen = false;

		if (!d->in_use) {
			continue;
		}
		for (unsigned j = 0; j < n; j++) {
			seen |= units[j] == d->iommu;
		}
		if (!seen) {
			units[n++] = d->iommu;
		}
	}
	return n;
}

int ioasid_flush_domain(struct ioasid *io, uint32_t domain)
{
	struct hv_iommu *units[HV_GUEST_MAX_DEVS];
	unsigned n = ioasid_units(io, units);
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		int r = units[i]->ops->flush_domain(units[i], domain);

		ret = ret ? ret : r;
	}
	return ret;
}

int ioasid_flush_range(struct ioasid *io, uint32_t domain, uint64_t start, uint64_t end, bool leaf)
{
	struct hv_iommu *units[HV_GUEST_MAX_DEVS];
	unsigned n = ioasid_units(io, units);
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		int r = units[i]->ops->flush_range(units[i], domain, start, end, leaf);

		if (r != 0) {
			r = units[i]->ops->flush_domain(units[i], domain);
		}
		ret = ret ? ret : r;
	}
	return ret;
}

int ioasid_flush_after_map(struct ioasid *io, uint32_t domain, uint64_t start, uint64_t end)
{
	struct hv_iommu *units[HV_GUEST_MAX_DEVS];
	unsigned n = ioasid_units(io, units);
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct ioasid_backend_ops *ops = units[i]->ops;
		int r = 0;

		if (ops->flush_after_map != NULL) {
			r = ops->flush_after_map(units[i], domain, start, end);
			if (r != 0) {
				r = ops->flush_domain(units[i], domain);
			}
		}
		ret = ret ? ret : r;
	}
	return ret;
}

/*
 * Per unit: all gathered ranges in one submission (flush_ranges, where the backend has it; else
 * one flush_range per range), or one whole-domain invalidation if the gather overflowed. Freed
 * table pages go back to the quota only once every flush completed: until then an IOMMU may
 * still walk them. If a flush failed they are leaked (logged), never reused.
 */
int ioasid_flush_gather(struct ioasid *io, struct ioasid_hwt *h, struct pt_gather *gat)
{
	struct hv_iommu *units[HV_GUEST_MAX_DEVS];
	unsigned n = ioasid_units(io, units);
	int ret = 0;

	if (gat->nr_ranges == 0 && !gat->overflow) {
		goto release;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct ioasid_backend_ops *ops = units[i]->ops;
		int r = 0;

		if (gat->overflow) {
			r = ops->flush_domain(units[i], h->domain);
		} else if (ops->flush_ranges != NULL) {
			r = ops->flush_ranges(units[i], h->domain, gat->ranges, gat->nr_ranges, gat->leaf_only);
		}
		for (unsigned k = 0; !gat->overflow && ops->flush_ranges == NULL && k < gat->nr_ranges && r == 0; k++) {
			r = ops->flush_range(units[i], h->domain, gat->ranges[k].start, gat->ranges[k].end,
					     gat->leaf_only);
		}
		if (r != 0 && !gat->overflow) {
			/* A failed range flush falls back to a full one; never leave entries behind. */
			r = ops->flush_domain(units[i], h->domain);
		}
		ret = ret ? ret : r;
	}
	if (ret) {
		pr_err("ioasid: flush of domain %u failed (%d); leaking %llu table pages", h->domain, ret,
		       (unsigned long long)gat->nr_freed);
		pt_gather_init(gat);
		return ret;
	}
release:
	pt_gather_release(&h->pt, gat);
	return 0;
}

int ioasid_release(struct ioasid *io)
{
	struct hv_guest *g = io->guest;
	unsigned slot = (unsigned)(io - g->ioasids);

	struct hv_iommu *units[HV_GUEST_MAX_DEVS];
	unsigned n = ioasid_units(io, units);
	int ret = 0, r;

	CHECK(io->nr_attach == 0 && io->nr_children == 0);
	/* Retire the IOTLB tags on every unit that might have cached them, then reuse them. */
	for (unsigned f = 0; f < HV_NR_FMT; f++) {
		if (io->hw[f].valid) {
			pt_destroy(&io->hw[f].pt);
			io->hw[f].valid = false;
			r = ioasid_retire_domain(units, n, io->hw[f].domain);
			ret = ret ? ret : r;
		}
	}
	r = ioasid_retire_domain(units, n, io->s1_domain);
	ret = ret ? ret : r;
	io->s1_domain = 0;
	if (io->parent != NULL) {
		io->parent->nr_children--;
	}
	io->in_use = false;
	g->ioasid_gen[slot]++;
	return ret;
}

int ioasid_do_alloc(struct hv_guest *g, const struct ioasid_alloc *a, uint32_t *out_id)
{
	struct hv_device *d = hv_device_lookup(g, a->dev_id);
	struct ioasid *io;
	int ret;

	CHECK(d != NULL && g->gpa_io != NULL); /* validate.c checked both */
	io = ioasid_slot_get(g);
	if (io == NULL) {
		return -ENOSPC;
	}
	io->kind = a->kind;
	io->parent = g->gpa_io;
	io->fmt = d->caps.paging_fmt;
	if (a->kind == IOASID_KIND_NESTED) {
		io->s1_root = gpa(a->nested_root_gpa);
		io->s1_fmt = (enum pt_format)a->nested_format;
		io->s1_levels = a->nested_levels;
		io->hw_nested = d->caps.hw_nesting;
		io->s1_domain = ioasid_new_domain();
		if (io->s1_domain == 0) {
			return -ENOSPC;
		}
	}
	if (!io->hw_nested) {
		struct ioasid_hwt *h = &io->hw[io->fmt];

		ret = pt_init(&h->pt, io->fmt, d->caps.ia_bits, d->caps.pgsize_bitmap, d->caps.coherent, &g->quota);
		if (ret) {
			goto put_s1;
		}
		h->domain = ioasid_new_domain();
		if (h->domain == 0) {
			ret = -ENOSPC;
			goto destroy;
		}
		h->valid = true;
	}
	if (a->kind == IOASID_KIND_NESTED && !io->hw_nested) {
		ret = nested_init(io);
		if (ret) {
			/* Never installed anywhere: nothing can be cached under the IDs. */
			ioasid_put_domain(io->hw[io->fmt].domain);
			io->hw[io->fmt].valid = false;
			goto destroy;
		}
	}
	io->in_use = true;
	io->parent->nr_children++;
	*out_id = io->id;
	return 0;
destroy:
	pt_destroy(&io->hw[io->fmt].pt);
put_s1:
	if (io->s1_domain != 0) {
		ioasid_put_domain(io->s1_domain);
		io->s1_domain = 0;
	}
	return ret;
}

int ioasid_do_free(struct hv_guest *g, uint32_t id)
{
	struct ioasid *io = ioasid_lookup(g, id);

	CHECK(io != NULL);
	if (io->kind == IOASID_KIND_GPA) {
		return -EPERM;
	}
	if (io->nr_attach != 0 || io->nr_children != 0) {
		return -EBUSY;
	}
	(void)ioasid_release(io); /* flushes the IOASID's domains on its units first */
	return 0;
}

/* The configuration that routes d's DMA through io; -EOPNOTSUPP if d's IOMMU cannot. */
static int ioasid_hw_config(struct ioasid *io, const struct hv_device *d, struct ioasid_hw_config *c)
{
	struct ioasid_hwt *h;

	if (io->kind == IOASID_KIND_NESTED && io->hw_nested) {
		h = ioasid_hwt_for(io->parent, d);
		if (h == NULL || !d->caps.hw_nesting || !(d->caps.nested_fmts & (1U << io->s1_fmt))) {
			return -EOPNOTSUPP;
		}
		*c = (struct ioasid_hw_config){ .mode = IOASID_HW_NESTED,
						.domain = io->s1_domain,
						.table = &h->pt,
						.s2_domain = h->domain,
						.s1_root = gpa_val(io->s1_root),
						.s1_fmt = io->s1_fmt,
						.s1_levels = io->s1_levels };
		return 0;
	}
	h = ioasid_hwt_for(io, d);
	if (h == NULL) {
		return -EOPNOTSUPP;
	}
	*c = (struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = h->domain, .table = &h->pt };
	return 0;
}

/*
 * Route (d, PASID) through io. The backend replaces whatever was installed in one step (atomic
 * replace); only once it succeeded do the books change, so a failure changes nothing.
 */
int ioasid_do_attach(struct hv_guest *g, struct hv_device *d, bool has_pasid, uint32_t pasid, struct ioasid *io)
{
	struct ioasid_hw_config cfg;
	struct hv_pasid_att *slot = NULL;
	struct ioasid *old;
	int ret;

	(void)g;
	ret = ioasid_hw_config(io, d, &cfg);
	if (ret) {
		return ret;
	}
	if (has_pasid) {
		for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
			if (d->pasid_att[p].used && d->pasid_att[p].pasid == pasid) {
				slot = &d->pasid_att[p];
				break;
			}
			if (!d->pasid_att[p].used && slot == NULL) {
				slot = &d->pasid_att[p];
			}
		}
		if (slot == NULL) {
			return -ENOSPC;
		}
	}
	ret = ioasid_hw_install(d->iommu, d, has_pasid, pasid, &cfg);
	if (ret) {
		return ret;
	}
	if (has_pasid) {
		old = slot->used ? slot->io : NULL;
		*slot = (struct hv_pasid_att){ .used = true, .pasid = pasid, .io = io };
	} else {
		old = d->rid_att;
		d->rid_att = io;
	}
	io->nr_attach++;
	if (old != NULL) {
		old->nr_attach--;
	}
	return 0;
}

/* Leave (d, PASID) blocked: DMA faults, never bypasses (Xen XSA-302/306). */
int ioasid_do_detach(struct hv_guest *g, struct hv_device *d, bool has_pasid, uint32_t pasid)
{
	const struct ioasid_hw_config blocked = { .mode = IOASID_HW_BLOCKED };
	struct hv_pasid_att *slot = NULL;
	struct ioasid *old;
	int ret;

	(void)g;
	if (has_pasid) {
		for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
			if (d->pasid_att[p].used && d->pasid_att[p].pasid == pasid) {
				slot = &d->pasid_att[p];
			}
		}
		if (slot == NULL) {
			return -ENOENT;
		}
		old = slot->io;
	} else {
		old = d->rid_att;
		if (old == NULL) {
			return -ENOENT;
		}
	}
	ret = ioasid_hw_install(d->iommu, d, has_pasid, pasid, &blocked);
	if (ret) {
		return ret;
	}
	if (has_pasid) {
		*slot = (struct hv_pasid_att){ 0 };
	} else {
		d->rid_att = NULL;
	}
	old->nr_attach--;
	return 0;
}

/*
 * Map one validated entry of a PAGING IOASID. The GPA range is translated through the guest's
 * memory map (the same map the GPA parent's tables were built from) into host-contiguous
 * chunks, each one pt_map(). Then units that cache not-present entries (VT-d caching mode)
 * invalidate the range. All or nothing: if chunk k fails, chunks 0..k-1 are unmapped again
 * and flushed (an IOMMU may have cached them already); if that invalidation fails, the whole
 * entry is unmapped again (the guest sees the error and nothing mapped, never a mapping a
 * device may not see).
 */
int ioasid_map_one(struct ioasid *io, const struct ioasid_map_entry *e)
{
	struct ioasid_hwt *h = &io->hw[io->fmt];
	uint64_t done = 0;
	int ret = 0;

	CHECK(io->kind == IOASID_KIND_PAGING && h->valid);
	while (done < e->length) {
		uint64_t contig, n;
		hpa_t host;

		ret = guest_gpa_to_hpa(io->guest, gpa(e->gpa + done), &host, &contig);
		CHECK(ret == 0); /* validate.c checked the whole range is RAM */
		n = MIN(contig, e->length - done);
		ret = pt_map(&h->pt, e->iova + done, host, n, e->prot);
		if (ret) {
			goto undo;
		}
		done += n;
	}
	ret = ioasid_flush_after_map(io, h->domain, e->iova, e->iova + e->length);
	if (ret == 0) {
		return 0;
	}
undo:
	if (done != 0) {
		struct pt_gather gat;
		uint64_t unmapped;
		int r;

		pt_gather_init(&gat);
		/* Exactly the chunks we mapped: no superpage split, so this cannot need memory. */
		r = pt_unmap(&h->pt, e->iova, done, &gat, &unmapped);
		CHECK(r == 0 && unmapped == done);
		(void)ioasid_flush_gather(io, h, &gat);
	}
	return ret;
}

int ioasid_unmap_one(struct ioasid *io, const struct ioasid_unmap_entry *e, struct pt_gather *gat, uint64_t *unmapped)
{
	struct ioasid_hwt *h = &io->hw[io->fmt];

	CHECK(io->kind == IOASID_KIND_PAGING && h->valid);
	return pt_unmap(&h->pt, e->iova, e->length, gat, unmapped);
}
