/* SPDX-License-Identifier: MIT */
/*
 * Mock IOMMU backend (see mock_iommu.h). Translation is done the way hardware would: find the
 * route of (rid, PASID), consult the IOTLB by domain tag, else walk the installed table(s);
 * NESTED routes walk the guest's stage-1, every table pointer and the output going through the
 * stage-2 table, as VT-d nested translation (sec. 3.8) and SMMUv3 nesting do.
 */
#include <hv/errno.h>
#include <hv/mm.h>

#include "ioasid/core.h"
#include "ioasid/pt_fmt.h"
#include "tests/host/mock_iommu.h"

static struct mock_iommu *mock_of(struct hv_iommu *u)
{
	return (struct mock_iommu *)u; /* unit is the first member */
}

static int mock_get_caps(struct hv_iommu *u, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	(void)d;
	*caps = mock_of(u)->caps;
	return 0;
}

static bool mock_inject(uint64_t *countdown)
{
	if (*countdown == 0) {
		return false;
	}
	return --*countdown == 0;
}

static struct mock_route *mock_find(struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid)
{
	for (unsigned i = 0; i < MOCK_MAX_ROUTES; i++) {
		struct mock_route *r = &m->routes[i];

		if (r->used && r->rid == rid && r->has_pasid == has_pasid && (!has_pasid || r->pasid == pasid)) {
			return r;
		}
	}
	return NULL;
}

static int mock_install(struct hv_iommu *u, const struct hv_device *d, bool has_pasid, uint32_t pasid,
			const struct ioasid_hw_config *cfg)
{
	struct mock_iommu *m = mock_of(u);
	struct mock_route *r = mock_find(m, d->rid, has_pasid, pasid);

	m->nr_install_calls++;
	if (mock_inject(&m->fail_install_after)) {
		return m->fail_err ? m->fail_err : -ENODEV;
	}
	for (unsigned i = 0; r == NULL && i < MOCK_MAX_ROUTES; i++) {
		if (!m->routes[i].used) {
			r = &m->routes[i];
		}
	}
	if (r == NULL) {
		return -ENOSPC;
	}
	/* One assignment: the "hardware" sees the old or the new route, nothing in between. */
	*r = (struct mock_route){
		.used = true, .rid = d->rid, .has_pasid = has_pasid, .pasid = has_pasid ? pasid : 0, .cfg = *cfg
	};
	return 0;
}

static void mock_log_flush(struct mock_iommu *m, uint32_t domain, bool all, uint64_t start, uint64_t end, bool leaf)
{
	m->flushes[m->nr_flush_calls % MOCK_MAX_FLUSHES] =
		(struct mock_flush){ .domain = domain, .all = all, .leaf = leaf, .start = start, .end = end };
	m->nr_flush_calls++;
	for (unsigned i = 0; i < MOCK_TLB_SIZE; i++) {
		struct mock_tlb *t = &m->tlb[i];

		if (t->valid && t->domain == domain &&
		    (all || ((t->page << 12) < end && (t->page << 12) + 4096 > start))) {
			t->valid = false;
		}
	}
}

static int mock_flush_range(struct hv_iommu *u, uint32_t domain, uint64_t start, uint64_t end, bool leaf)
{
	struct mock_iommu *m = mock_of(u);

	if (mock_inject(&m->fail_flush_after)) {
		m->nr_flush_calls++;
		return m->fail_err ? m->fail_err : -ETIMEDOUT;
	}
	mock_log_flush(m, domain, false, start, end, leaf);
	return 0;
}

/* A real backend submits the ranges as one batch; the mock counts the batch, logs each range. */
static int mock_flush_ranges(struct hv_iommu *u, uint32_t domain, const struct pt_range *r, unsigned nr, bool leaf)
{
	mock_of(u)->nr_flush_batches++;
	for (unsigned k = 0; k < nr; k++) {
		int ret = mock_flush_range(u, domain, r[k].start, r[k].end, leaf);

		if (ret) {
			return ret;
		}
	}
	return 0;
}

static int mock_flush_domain(struct hv_iommu *u, uint32_t domain)
{
	struct mock_iommu *m = mock_of(u);

	if (mock_inject(&m->fail_flush_after)) {
		m->nr_flush_calls++;
		return m->fail_err ? m->fail_err : -ETIMEDOUT;
	}
	mock_log_flush(m, domain, true, 0, ~0ULL, false);
	return 0;
}

/* Only a unit in caching mode needs it; the call is counted either way. */
static int mock_flush_after_map(struct hv_iommu *u, uint32_t domain, uint64_t start, uint64_t end)
{
	struct mock_iommu *m = mock_of(u);

	m->nr_flush_after_map++;
	return m->caching_mode ? mock_flush_range(u, domain, start, end, false) : 0;
}

static const struct ioasid_backend_ops mock_ops = {
	.get_caps = mock_get_caps,
	.install = mock_install,
	.flush_range = mock_flush_range,
	.flush_ranges = mock_flush_ranges,
	.flush_domain = mock_flush_domain,
	.flush_after_map = mock_flush_after_map,
};

void mock_iommu_init(struct mock_iommu *m, const char *name, const struct ioasid_dev_caps *caps)
{
	*m = (struct mock_iommu){ .unit = { .ops = &mock_ops, .priv = m, .name = name },
				  .caps = *caps,
				  .tlb_enabled = true };
}

const struct mock_route *mock_route_get(const struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid)
{
	return mock_find((struct mock_iommu *)m, rid, has_pasid, pasid);
}

const struct mock_flush *mock_flush_last(const struct mock_iommu *m, unsigned back)
{
	if (back >= m->nr_flush_calls || back >= MOCK_MAX_FLUSHES) {
		return NULL;
	}
	return &m->flushes[(m->nr_flush_calls - 1 - back) % MOCK_MAX_FLUSHES];
}

/* Stage-2 reads of the guest's stage-1 table: every table pointer is translated first. */
static int mock_s2_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	const struct pt_table *s2 = ctx;
	unsigned prot;
	hpa_t h;
	int ret;

	ret = pt_lookup(s2, table_addr + (uint64_t)index * 8, &h, &prot, NULL);
	if (ret) {
		return ret;
	}
	*entry = *(const uint64_t *)hpa_to_ptr(h);
	return 0;
}

int mock_translate(const struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t iova, hpa_t *out,
		   unsigned *prot)
{
	const struct mock_route *r = mock_route_get(m, rid, has_pasid, pasid);
	const struct ioasid_hw_config *c;
	uint64_t oa;
	unsigned p1, p2;
	int ret;

	if (r == NULL || r->cfg.mode == IOASID_HW_BLOCKED) {
		return -EPERM;
	}
	c = &r->cfg;
	if (c->mode == IOASID_HW_TABLE) {
		return pt_lookup(c->table, iova, out, prot, NULL);
	}
	ret = pt_walk_foreign(c->s1_fmt, c->s1_levels, c->s1_root, iova, mock_s2_read, (void *)c->table, &oa, &p1,
			      NULL);
	if (ret) {
		return -ENOENT;
	}
	ret = pt_lookup(c->table, oa, out, &p2, NULL);
	if (ret) {
		return -ENOENT;
	}
	*prot = p1 & p2;
	return 0;
}

int mock_dma(struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t iova, unsigned access,
	     hpa_t *out)
{
	const struct mock_route *r = mock_route_get(m, rid, has_pasid, pasid);
	unsigned prot = 0, reason;
	hpa_t h;
	int ret;

	if (r == NULL || r->cfg.mode == IOASID_HW_BLOCKED) {
		reason = IOASID_FAULT_REASON_BLOCKED;
		ret = -EPERM;
		goto fault;
	}
	for (unsigned i = 0; m->tlb_enabled && i < MOCK_TLB_SIZE; i++) {
		struct mock_tlb *t = &m->tlb[i];

		if (t->valid && t->domain == r->cfg.domain && t->page == iova >> 12) {
			if (t->not_present) {
				reason = IOASID_FAULT_REASON_NOT_PRESENT;
				ret = -ENOENT;
				goto fault;
			}
			h = hpa(t->hpa | (iova & 0xfff));
			prot = t->prot;
			goto check;
		}
	}
	ret = mock_translate(m, rid, has_pasid, pasid, iova, &h, &prot);
	if (ret && m->tlb_enabled && m->caching_mode) {
		m->tlb[m->tlb_next] = (struct mock_tlb){
			.valid = true, .domain = r->cfg.domain, .page = iova >> 12, .not_present = true
		};
		m->tlb_next = (m->tlb_next + 1) % MOCK_TLB_SIZE;
	}
	if (ret) {
		reason = IOASID_FAULT_REASON_NOT_PRESENT;
		ret = -ENOENT;
		goto fault;
	}
	if (m->tlb_enabled) {
		m->tlb[m->tlb_next] = (struct mock_tlb){ .valid = true,
							 .domain = r->cfg.domain,
							 .page = iova >> 12,
							 .hpa = hpa_val(h) & ~0xfffULL,
							 .prot = prot };
		m->tlb_next = (m->tlb_next + 1) % MOCK_TLB_SIZE;
	}
check:
	if ((access & ~prot) != 0) {
		reason = IOASID_FAULT_REASON_PERMISSION;
		ret = -EFAULT;
		goto fault;
	}
	*out = h;
	return 0;
fault:
	ioasid_report_fault(&m->unit, rid, has_pasid, pasid, iova, access, reason);
	return ret;
}

struct walk_ctx {
	unsigned nreads;
};

static int walk_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	struct walk_ctx *w = ctx;

	w->nreads++;
	*entry = ((const uint64_t *)hpa_to_ptr(hpa(table_addr)))[index];
	return 0;
}

/*
 * Descend one table page. Only the descent uses the core's own classification (pt_pte_kind);
 * what each non-zero entry means - whether it is a leaf, its size, output and permission - is
 * what pt_walk_foreign() from the root says, so a malformed entry still fails the walk. Visiting
 * each page once (zero entries cost one load) is what makes the fuzzer's per-operation checks
 * affordable; the former per-address walk from the root cost a full walk per hole.
 */
static int walk_table(const struct pt_table *t, uint64_t table, unsigned lvl, uint64_t base, mock_leaf_fn cb, void *ctx)
{
	const uint64_t *e = hpa_to_ptr(hpa(table));

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t ia = base + ((uint64_t)i << PT_LVL_SHIFT(lvl)), oa, size;
		struct walk_ctx w = { 0 };
		unsigned prot;
		int ret;

		if (e[i] == 0) {
			continue;
		}
		ret = pt_walk_foreign(t->fmt, t->levels, hpa_val(t->root), ia, walk_read, &w, &oa, &prot, &size);
		if (lvl > 0 && pt_pte_kind(t->fmt, lvl, e[i]) == PTE_TABLE) {
			/* the walk must pass this entry: a leaf or a hole below it, never malformed */
			if ((ret != 0 && ret != -ENOENT) || w.nreads <= t->levels - lvl) {
				return ret ? ret : -EINVAL;
			}
			ret = walk_table(t, pt_table_addr(t->fmt, e[i]), lvl - 1, ia, cb, ctx);
			if (ret) {
				return ret;
			}
			continue;
		}
		if (ret == -ENOENT && w.nreads == t->levels - lvl) {
			continue; /* a non-zero entry the hardware takes as not present */
		}
		if (ret) {
			return ret; /* our own tables are never malformed */
		}
		if (size != PT_LVL_SIZE(lvl)) {
			return -EINVAL; /* the core and the walker disagree on this entry's kind */
		}
		ret = cb(ctx, ia, oa, size, prot);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

int mock_walk_leaves(const struct pt_table *t, mock_leaf_fn cb, void *ctx)
{
	return walk_table(t, hpa_val(t->root), t->levels - 1, 0, cb, ctx);
}
