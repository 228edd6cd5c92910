/* SPDX-License-Identifier: MIT */
/*
 * Host test harness for the IOASID core (see harness.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/mm.h>

#include "tests/host/harness.h"

struct ioasid_dev_caps h_default_caps(void)
{
	return (struct ioasid_dev_caps){
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
		.ia_bits = 48,
		.pasid_bits = 8,
		.paging_fmt = PT_FMT_VTD_SL,
		.nested_fmts = (1U << PT_FMT_VTD_FL) | (1U << PT_FMT_ARM_S1),
		.hw_nesting = false,
		.coherent = true,
	};
}

int h_guest_setup_ex(struct h_guest *hg, uint32_t id, struct mock_iommu *const *mocks, unsigned ndev, uint32_t rid_base,
		     uint64_t quota_pages, void *ram0, void *ram1)
{
	struct hv_guest_config cfg;
	int ret;

	memset(hg, 0, sizeof(*hg));
	hg->ram_borrowed = ram0 != NULL;
	for (unsigned i = 0; i < 2; i++) {
		if (hg->ram_borrowed) {
			hg->ram[i] = i ? ram1 : ram0;
		} else {
			hg->ram[i] = aligned_alloc(SZ_2M, H_RAM_SIZE);
			if (hg->ram[i] == NULL) {
				return -ENOMEM;
			}
			memset(hg->ram[i], 0, H_RAM_SIZE);
		}
		hg->mem[i] = (struct hv_mem_region){ .gpa = gpa(i ? H_RAM1_GPA : H_RAM0_GPA),
						     .hpa = ptr_to_hpa(hg->ram[i]),
						     .size = H_RAM_SIZE };
	}
	cfg = (struct hv_guest_config){ .id = id, .mem = hg->mem, .nr_mem = 2, .quota_pages = quota_pages };
	ret = hv_guest_init(&hg->g, &cfg);
	if (ret) {
		return ret;
	}
	for (unsigned i = 0; i < ndev && i < H_MAX_DEV; i++) {
		hg->rid[i] = rid_base + i;
		hg->mock[i] = mocks[i];
		ret = hv_guest_add_device(&hg->g, &mocks[i]->unit, 0, (uint16_t)(rid_base + i), rid_base + i,
					  &hg->dev[i]);
		if (ret) {
			return ret;
		}
		hg->ndev++;
	}
	hg->gpa_io = hg->g.gpa_io ? hg->g.gpa_io->id : 0;
	return 0;
}

int h_guest_setup(struct h_guest *hg, uint32_t id, struct mock_iommu *m, unsigned ndev, uint32_t rid_base,
		  uint64_t quota_pages)
{
	struct mock_iommu *mocks[H_MAX_DEV] = { m, m, m, m };

	return h_guest_setup_ex(hg, id, mocks, ndev, rid_base, quota_pages, NULL, NULL);
}

void h_guest_teardown(struct h_guest *hg)
{
	hv_guest_destroy(&hg->g);
	for (unsigned i = 0; i < 2; i++) {
		if (!hg->ram_borrowed) {
			free(hg->ram[i]);
		}
		hg->ram[i] = NULL;
	}
}

void *h_ptr(struct h_guest *hg, uint64_t a)
{
	for (unsigned i = 0; i < 2; i++) {
		uint64_t base = gpa_val(hg->mem[i].gpa);

		if (a >= base && a < base + H_RAM_SIZE) {
			return (char *)hg->ram[i] + (a - base);
		}
	}
	abort();
}

hpa_t h_hpa(struct h_guest *hg, uint64_t a)
{
	return ptr_to_hpa(h_ptr(hg, a));
}

long h_call(struct h_guest *hg, uint64_t call, void *req, size_t size)
{
	long ret;

	memcpy(h_ptr(hg, H_MBOX_GPA), req, size);
	ret = ioasid_dispatch(&hg->g, call, gpa(H_MBOX_GPA));
	memcpy(req, h_ptr(hg, H_MBOX_GPA), size);
	return ret;
}

void h_put_array(struct h_guest *hg, const void *a, size_t size)
{
	if (size > H_ARRAY_SIZE) {
		abort();
	}
	memcpy(h_ptr(hg, H_ARRAY_GPA), a, size);
}

long h_alloc_paging(struct h_guest *hg, unsigned dev, uint32_t *io)
{
	struct ioasid_alloc r = {
		.size = sizeof(r), .kind = IOASID_KIND_PAGING, .parent = hg->gpa_io, .dev_id = hg->dev[dev]
	};
	long ret = h_call(hg, IOASID_CALL_ALLOC, &r, sizeof(r));

	*io = r.out_ioasid;
	return ret;
}

long h_alloc_nested(struct h_guest *hg, unsigned dev, uint32_t fmt, uint64_t root, uint32_t *io)
{
	struct ioasid_alloc r = { .size = sizeof(r),
				  .kind = IOASID_KIND_NESTED,
				  .parent = hg->gpa_io,
				  .dev_id = hg->dev[dev],
				  .nested_format = fmt,
				  .nested_root_gpa = root,
				  .nested_levels = 4 };
	long ret = h_call(hg, IOASID_CALL_ALLOC, &r, sizeof(r));

	*io = r.out_ioasid;
	return ret;
}

long h_free(struct h_guest *hg, uint32_t io)
{
	struct ioasid_free r = { .size = sizeof(r), .ioasid = io };

	return h_call(hg, IOASID_CALL_FREE, &r, sizeof(r));
}

long h_map(struct h_guest *hg, uint32_t io, uint64_t iova, uint64_t ga, uint64_t len, uint32_t prot)
{
	struct ioasid_map_entry e = { .iova = iova, .gpa = ga, .length = len, .prot = prot };
	struct ioasid_map r = { .size = sizeof(r), .ioasid = io, .num_entries = 1, .entries_gpa = H_ARRAY_GPA };

	h_put_array(hg, &e, sizeof(e));
	return h_call(hg, IOASID_CALL_MAP, &r, sizeof(r));
}

long h_unmap(struct h_guest *hg, uint32_t io, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = len };
	struct ioasid_unmap r = { .size = sizeof(r), .ioasid = io, .num_entries = 1, .entries_gpa = H_ARRAY_GPA };
	long ret;

	h_put_array(hg, &e, sizeof(e));
	ret = h_call(hg, IOASID_CALL_UNMAP, &r, sizeof(r));
	if (unmapped != NULL) {
		*unmapped = r.out_unmapped;
	}
	return ret;
}

long h_attach(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid, uint32_t io)
{
	struct ioasid_attach r = { .size = sizeof(r),
				   .flags = has_pasid ? IOASID_ATTACH_PASID : 0,
				   .dev_id = hg->dev[dev],
				   .pasid = pasid,
				   .ioasid = io };

	return h_call(hg, IOASID_CALL_ATTACH, &r, sizeof(r));
}

long h_detach(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid)
{
	struct ioasid_detach r = {
		.size = sizeof(r), .flags = has_pasid ? IOASID_ATTACH_PASID : 0, .dev_id = hg->dev[dev], .pasid = pasid
	};

	return h_call(hg, IOASID_CALL_DETACH, &r, sizeof(r));
}

long h_inv(struct h_guest *hg, uint32_t io, uint32_t type, uint64_t addr, uint64_t len)
{
	struct ioasid_inv_entry e = { .type = type, .addr = addr, .length = len };
	struct ioasid_invalidate r = { .size = sizeof(r), .ioasid = io, .num_entries = 1, .entries_gpa = H_ARRAY_GPA };

	h_put_array(hg, &e, sizeof(e));
	return h_call(hg, IOASID_CALL_INVALIDATE, &r, sizeof(r));
}

int h_dma(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid, uint64_t iova, unsigned access, hpa_t *out)
{
	return mock_dma(hg->mock[dev], hg->rid[dev], has_pasid, pasid, iova, access, out);
}

/* ---- invariants ------------------------------------------------------------------------- */

/* FNV-1a */
static void dig(uint64_t *h, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++) {
		*h ^= (v >> (8 * i)) & 0xff;
		*h *= 0x100000001b3ULL;
	}
}

#define DIGEST_INIT 0xcbf29ce484222325ULL

struct leaf_check {
	struct h_guest *hg;
	uint64_t bad;
	uint64_t digest;
	bool report;
};

/* Every leaf: digested, and inside one of the guest's own RAM regions. */
static int leaf_visit(void *ctx, uint64_t ia, uint64_t oa, uint64_t size, unsigned prot)
{
	struct leaf_check *c = ctx;

	dig(&c->digest, ia);
	dig(&c->digest, oa);
	dig(&c->digest, size);
	dig(&c->digest, prot);
	for (unsigned i = 0; i < c->hg->g.nr_mem; i++) {
		const struct hv_mem_region *r = &c->hg->g.mem[i];

		if (oa >= hpa_val(r->hpa) && oa + size <= hpa_val(r->hpa) + r->size) {
			return 0;
		}
	}
	if (c->report) {
		fprintf(stderr, "    leaf ia %#llx -> %#llx (+%#llx) outside guest %u RAM\n", (unsigned long long)ia,
			(unsigned long long)oa, (unsigned long long)size, c->hg->g.id);
	}
	c->bad++;
	return 0;
}

static bool route_matches(const struct mock_route *r, struct ioasid *io, const struct hv_device *d)
{
	if (r == NULL) {
		return false;
	}
	if (io == NULL) {
		return r->cfg.mode == IOASID_HW_BLOCKED;
	}
	if (io->kind == IOASID_KIND_NESTED && io->hw_nested) {
		return r->cfg.mode == IOASID_HW_NESTED && r->cfg.domain == io->s1_domain &&
		       r->cfg.s1_root == gpa_val(io->s1_root) && r->cfg.table == &ioasid_hwt_for(io->parent, d)->pt;
	}
	return r->cfg.mode == IOASID_HW_TABLE && ioasid_hwt_for(io, d) != NULL &&
	       r->cfg.table == &ioasid_hwt_for(io, d)->pt && r->cfg.domain == ioasid_hwt_for(io, d)->domain;
}

#define INV_FAIL(...)                                                                                                  \
	do {                                                                                                           \
		fprintf(stderr, "    invariant: " __VA_ARGS__);                                                        \
		fputc('\n', stderr);                                                                                   \
		return __LINE__;                                                                                       \
	} while (0)

/* One walk of every table of every IOASID: 0 or the index of the first bad one, plus 1. */
static unsigned walk_tables(struct h_guest *hg, uint64_t *digest, bool report)
{
	struct hv_guest *g = &hg->g;
	unsigned bad = 0;

	*digest = DIGEST_INIT;
	for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
		struct ioasid *io = &g->ioasids[i];

		if (!io->in_use) {
			continue;
		}
		dig(digest, io->id);
		for (unsigned f = 0; f < HV_NR_FMT; f++) {
			struct leaf_check c = { .hg = hg, .digest = *digest, .report = report };

			if (!io->hw[f].valid) {
				continue;
			}
			dig(&c.digest, f);
			if ((mock_walk_leaves(&io->hw[f].pt, leaf_visit, &c) != 0 || c.bad) && bad == 0) {
				bad = i + 1;
			}
			*digest = c.digest;
		}
	}
	return bad;
}

int h_check_tables(struct h_guest *hg, uint64_t *digest)
{
	unsigned bad = walk_tables(hg, digest, true);

	if (bad) {
		INV_FAIL("ioasid %#x table maps foreign memory or is malformed", hg->g.ioasids[bad - 1].id);
	}
	return 0;
}

int h_check_invariants(struct h_guest *hg)
{
	uint64_t digest;
	int line = h_check_tables(hg, &digest);

	return line ? line : h_check_books(hg);
}

int h_check_books(struct h_guest *hg)
{
	struct hv_guest *g = &hg->g;
	uint64_t charged = 0;

	for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
		struct ioasid *io = &g->ioasids[i];
		uint32_t attach = 0, children = 0;

		if (!io->in_use) {
			continue;
		}
		for (unsigned f = 0; f < HV_NR_FMT; f++) {
			if (!io->hw[f].valid) {
				continue;
			}
			if (io->kind != IOASID_KIND_GPA) {
				charged += io->hw[f].pt.nr_table_pages;
			}
		}
		for (unsigned d = 0; d < HV_GUEST_MAX_DEVS; d++) {
			const struct hv_device *dev = &g->devs[d];

			if (!dev->in_use) {
				continue;
			}
			attach += dev->rid_att == io;
			for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
				attach += dev->pasid_att[p].used && dev->pasid_att[p].io == io;
			}
		}
		for (unsigned j = 0; j < HV_GUEST_MAX_IOASIDS; j++) {
			children += g->ioasids[j].in_use && g->ioasids[j].parent == io;
		}
		if (attach != io->nr_attach || children != io->nr_children) {
			INV_FAIL("ioasid %#x counts attach %u/%u children %u/%u", io->id, io->nr_attach, attach,
				 io->nr_children, children);
		}
	}
	if (g->quota.used_pages > g->quota.limit_pages || g->quota.used_pages < charged) {
		INV_FAIL("quota used %llu limit %llu charged tables %llu", (unsigned long long)g->quota.used_pages,
			 (unsigned long long)g->quota.limit_pages, (unsigned long long)charged);
	}
	for (unsigned d = 0; d < HV_GUEST_MAX_DEVS; d++) {
		const struct hv_device *dev = &g->devs[d];
		const struct mock_iommu *m = (const struct mock_iommu *)dev->iommu;

		if (!dev->in_use) {
			continue;
		}
		if (!route_matches(mock_route_get(m, dev->rid, false, 0), dev->rid_att, dev)) {
			INV_FAIL("device %#x RID route differs from the core's", dev->id);
		}
		for (unsigned r = 0; r < MOCK_MAX_ROUTES; r++) {
			const struct mock_route *mr = &m->routes[r];
			struct ioasid *want = NULL;

			if (!mr->used || mr->rid != dev->rid || !mr->has_pasid) {
				continue;
			}
			for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
				if (dev->pasid_att[p].used && dev->pasid_att[p].pasid == mr->pasid) {
					want = dev->pasid_att[p].io;
				}
			}
			if (!route_matches(mr, want, dev)) {
				INV_FAIL("device %#x PASID %u route differs from the core's", dev->id, mr->pasid);
			}
		}
		for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
			if (dev->pasid_att[p].used &&
			    mock_route_get(m, dev->rid, true, dev->pasid_att[p].pasid) == NULL) {
				INV_FAIL("device %#x PASID %u attached but never installed", dev->id,
					 dev->pasid_att[p].pasid);
			}
		}
	}
	return 0;
}

uint64_t h_state_digest(struct h_guest *hg)
{
	uint64_t tables;

	(void)walk_tables(hg, &tables, false);
	return h_digest_combine(h_books_digest(hg), tables);
}

uint64_t h_digest_combine(uint64_t books, uint64_t tables)
{
	dig(&books, tables);
	return books;
}

uint64_t h_books_digest(struct h_guest *hg)
{
	struct hv_guest *g = &hg->g;
	uint64_t h = DIGEST_INIT;

	for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
		struct ioasid *io = &g->ioasids[i];

		dig(&h, io->in_use);
		if (!io->in_use) {
			continue;
		}
		dig(&h, io->id);
		dig(&h, io->nr_attach);
		dig(&h, io->nr_children);
	}
	for (unsigned d = 0; d < HV_GUEST_MAX_DEVS; d++) {
		const struct hv_device *dev = &g->devs[d];
		const struct mock_iommu *m;

		if (!dev->in_use) {
			continue;
		}
		m = (const struct mock_iommu *)dev->iommu;
		dig(&h, dev->rid_att ? dev->rid_att->id : 0);
		for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
			dig(&h, dev->pasid_att[p].used ? dev->pasid_att[p].pasid : ~0U);
			dig(&h, dev->pasid_att[p].used ? dev->pasid_att[p].io->id : 0);
		}
		for (unsigned r = 0; r < MOCK_MAX_ROUTES; r++) {
			const struct mock_route *mr = &m->routes[r];

			if (mr->used && mr->rid == dev->rid) {
				dig(&h, mr->pasid);
				dig(&h, mr->cfg.mode);
				dig(&h, mr->cfg.domain);
				dig(&h, (uintptr_t)mr->cfg.table);
			}
		}
		dig(&h, m->nr_flush_calls);
	}
	dig(&h, g->quota.used_pages);
	dig(&h, g->fq.count);
	dig(&h, g->fq.lost);
	return h;
}
