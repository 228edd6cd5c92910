/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: map, unmap, lookup over our own tables in any of the four formats
 * (ioasid/pt_fmt.h has the bits). The foreign walker is in pt_foreign.c.
 *
 * Every update is two passes over the same range with the same recursive walker:
 *
 *   1. check/prepare: read-only. Finds overlaps (-EEXIST) and counts the table pages the update
 *      will need (new tables for a map, split tables for an unmap). Then that many pages are
 *      allocated up front and charged to the quota. Any failure here returns with the table
 *      untouched, because nothing has been written yet.
 *   2. commit: the same walk, now writing. It cannot fail: every page it needs is in the pool,
 *      and pass 1 proved there is no overlap. A CHECK() guards that invariant.
 *
 * This is Hafnium's mm_vm_prepare()/mm_vm_commit() split. Pass 1 is cheap: over empty space it
 * walks "virtual" empty tables (NULL) and never visits leaf slots; for an unmap it only visits
 * the (at most two per level) slots the range covers partially, since only those can need a
 * split.
 *
 * Invariants:
 *  - A table linked below the root is never empty: an unmap that empties one unlinks it (a
 *    single store of 0 in the parent) and queues it on the gather. So a superpage slot that
 *    holds a table entry always has something mapped under it, and a map there is -EEXIST.
 *  - Each entry is written with one 64-bit store (WRITE_ONCE), so an IOMMU walking concurrently
 *    sees the old or the new entry, never a torn one (Xen XSA-347). A new table is zero and
 *    cleaned before it is linked; a split table is filled and cleaned before the block entry it
 *    replaces is overwritten, so both describe the same translation at every instant.
 *  - t->nr_table_pages counts pages linked in the tree (root included). Quota is charged when a
 *    page is allocated and returned when it is freed: pages waiting on a gather stay charged.
 *
 * Locking: none here. The caller (the IOASID core) serialises every call on one table.
 */
#include <hv/bits.h>
#include <hv/check.h>
#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "ioasid/pt.h"
#include "ioasid/pt_fmt.h"

#define PT_ALLOWED_PGSIZES (SZ_4K | SZ_2M | SZ_1G)

static inline uint64_t *pt_table_ptr(uint64_t addr)
{
	return hpa_to_ptr(hpa(addr));
}

static inline void pt_clean(const struct pt_table *t, const void *p, size_t len)
{
	if (!t->coherent) {
		arch_dcache_clean(p, len);
	}
}

/* ---- quota and the page pool of the prepare pass ---------------------------------------- */

struct pt_pool {
	void *head; /* linked through the first word of each (otherwise zero) page */
	uint64_t nr;
};

static int pt_quota_charge(struct pt_quota *q)
{
	if (q == NULL) {
		return 0;
	}
	if (q->used_pages >= q->limit_pages) {
		return -EDQUOT;
	}
	if (q->fail_after != 0 && --q->fail_after == 0) {
		return -ENOMEM;
	}
	q->used_pages++;
	return 0;
}

static void pt_quota_uncharge(struct pt_quota *q)
{
	if (q != NULL) {
		CHECK(q->used_pages > 0);
		q->used_pages--;
	}
}

/* One zeroed table page, charged to the quota. */
static int pt_page_get(struct pt_table *t, uint64_t **out)
{
	uint64_t *p;
	int ret;

	ret = pt_quota_charge(t->quota);
	if (ret) {
		return ret;
	}
	p = page_alloc(0);
	if (p == NULL) {
		pt_quota_uncharge(t->quota);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

static void pt_page_put(struct pt_table *t, void *p)
{
	page_free(p, 0);
	pt_quota_uncharge(t->quota);
}

static void pt_pool_drain(struct pt_table *t, struct pt_pool *pool)
{
	while (pool->head != NULL) {
		void **p = pool->head;

		pool->head = *p;
		pool->nr--;
		pt_page_put(t, p);
	}
}

/* All-or-nothing: n pages in the pool, or none and an error. */
static int pt_pool_fill(struct pt_table *t, struct pt_pool *pool, uint64_t n)
{
	int ret = 0;

	while (pool->nr < n) {
		uint64_t *p;

		ret = pt_page_get(t, &p);
		if (ret) {
			goto fail;
		}
		*(void **)p = pool->head;
		pool->head = p;
		pool->nr++;
	}
	return 0;
fail:
	pt_pool_drain(t, pool);
	return ret;
}

static uint64_t *pt_pool_take(struct pt_pool *pool)
{
	void **p = pool->head;

	CHECK(p != NULL);
	pool->head = *p;
	pool->nr--;
	*p = NULL;
	return (uint64_t *)p;
}

/* ---- init / destroy --------------------------------------------------------------------- */

unsigned pt_levels_for(enum pt_format fmt, unsigned ia_bits)
{
	/* The widths of pt_fmt_width() (pt.h), the one table. */
	for (unsigned levels = PT_MIN_LEVELS; levels <= PT_MAX_LEVELS; levels++) {
		unsigned min = 0, max = pt_fmt_width(fmt, levels, &min);

		if (max != 0 && ia_bits >= min && ia_bits <= max) {
			return levels;
		}
	}
	return 0;
}

int pt_init(struct pt_table *t, enum pt_format fmt, unsigned ia_bits, uint64_t pgsize_bitmap,
	    bool coherent, struct pt_quota *quota)
{
	unsigned levels = pt_levels_for(fmt, ia_bits);
	uint64_t *root;
	int ret;

	/*
	 * 4K is always needed. 1G without 2M is refused: splitting a 1G leaf must be able to
	 * produce 2M leaves (one table), not 512 tables of 4K leaves.
	 */
	if (levels == 0 || !(pgsize_bitmap & SZ_4K) || (pgsize_bitmap & ~PT_ALLOWED_PGSIZES) ||
	    ((pgsize_bitmap & SZ_1G) && !(pgsize_bitmap & SZ_2M))) {
		return -EINVAL;
	}
	*t = (struct pt_table){
		.fmt = fmt,
		.levels = levels,
		.ia_bits = ia_bits,
		.pgsize_bitmap = pgsize_bitmap,
		.coherent = coherent,
		.quota = quota,
		.oa_bits = PT_OA_BITS,
	};
	ret = pt_page_get(t, &root);
	if (ret) {
		return ret;
	}
	pt_clean(t, root, HV_PAGE_SIZE);
	t->root = ptr_to_hpa(root);
	t->nr_table_pages = 1;
	return 0;
}

static void pt_free_level(struct pt_table *t, uint64_t *table, unsigned lvl)
{
	if (lvl > 0) {
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t pte = table[i];

			if (pt_pte_kind(t->fmt, lvl, pte) == PTE_TABLE) {
				pt_free_level(t, pt_table_ptr(pt_table_addr(t->fmt, pte)), lvl - 1);
			}
		}
	}
	pt_page_put(t, table);
	t->nr_table_pages--;
}

void pt_destroy(struct pt_table *t)
{
	if (hpa_val(t->root) == 0) {
		return;
	}
	pt_free_level(t, hpa_to_ptr(t->root), t->levels - 1);
	CHECK(t->nr_table_pages == 0);
	t->root = hpa(0);
}

/* Shared argument checks: -EINVAL for alignment/length, -ERANGE for where the range lies. */
static int pt_check_range(const struct pt_table *t, uint64_t ia, uint64_t len, uint64_t *end)
{
	if (len == 0 || !IS_ALIGNED(ia, HV_PAGE_SIZE) || !IS_ALIGNED(len, HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	if (ADD_OVERFLOWS(ia, len, end) || *end > (1ULL << t->ia_bits)) {
		return -ERANGE;
	}
	return 0;
}

/* ---- map -------------------------------------------------------------------------------- */

struct pt_map_ctx {
	struct pt_table *t;
	uint64_t delta; /* oa - ia, modulo 2^64 */
	uint64_t attrs[PT_MAX_LEAF_LVL + 1];
	bool commit;
	uint64_t need; /* pass 1: table pages pass 2 will link */
	struct pt_pool pool;
};

static bool pt_map_leaf_fits(const struct pt_map_ctx *c, unsigned lvl, uint64_t ia, uint64_t end)
{
	uint64_t size = PT_LVL_SIZE(lvl);

	return lvl <= PT_MAX_LEAF_LVL && (c->t->pgsize_bitmap & size) &&
	       IS_ALIGNED(ia | (ia + c->delta), size) && end - ia >= size;
}

/* Pass 1: is any of these n slots in use? */
static bool pt_map_run_busy(enum pt_format fmt, const uint64_t *slot, unsigned n)
{
	uint64_t present = pt_present_mask(fmt);

	for (unsigned i = 0; i < n; i++) {
		if (READ_ONCE(slot[i]) & present) {
			return true;
		}
	}
	return false;
}

/* Pass 2: n leaves of the given size, consecutive output addresses from oa. */
static void pt_map_run_write(uint64_t *slot, unsigned n, uint64_t oa, uint64_t size, uint64_t attrs)
{
	for (unsigned i = 0; i < n; i++) {
		WRITE_ONCE(slot[i], (oa + (uint64_t)i * size) | attrs);
	}
}

static int pt_map_level(struct pt_map_ctx *c, uint64_t *table, unsigned lvl, uint64_t ia,
			uint64_t end);

/*
 * The slot at table[idx] (lvl > 0) must lead to a table for [ia, stop): use the one there,
 * count a new one (pass 1), or link one from the pool (pass 2). Returns true in *linked if
 * table[idx] was written.
 */
static int pt_map_descend(struct pt_map_ctx *c, uint64_t *table, unsigned lvl, unsigned idx,
			  uint64_t ia, uint64_t stop, bool *linked)
{
	struct pt_table *t = c->t;
	uint64_t pte = table ? READ_ONCE(table[idx]) : 0, *child;

	switch (pt_pte_kind(t->fmt, lvl, pte)) {
	case PTE_LEAF:
		CHECK(!c->commit);
		return -EEXIST;
	case PTE_TABLE:
		child = pt_table_ptr(pt_table_addr(t->fmt, pte));
		break;
	case PTE_NONE:
	default:
		if (!c->commit) {
			c->need++;
			child = NULL;
			break;
		}
		child = pt_pool_take(&c->pool);
		pt_clean(t, child, HV_PAGE_SIZE);
		WRITE_ONCE(table[idx], pt_table_pte(t->fmt, ptr_to_hpa(child)));
		t->nr_table_pages++;
		*linked = true;
		break;
	}
	return pt_map_level(c, child, lvl - 1, ia, stop);
}

/*
 * Map [ia, end), which lies inside the span of table (at lvl). table == NULL in pass 1 stands
 * for a table that does not exist yet: all its slots are empty.
 */
static int pt_map_level(struct pt_map_ctx *c, uint64_t *table, unsigned lvl, uint64_t ia,
			uint64_t end)
{
	struct pt_table *t = c->t;
	unsigned idx = PT_INDEX(ia, lvl), first = idx, last = idx;
	uint64_t size = PT_LVL_SIZE(lvl);
	bool wrote = false;
	int ret = 0;

	if (table == NULL && lvl == 0) {
		return 0; /* a new leaf table: no conflicts, no tables below */
	}
	while (ia < end) {
		uint64_t stop = MIN(ALIGN_DOWN(ia, size) + size, end);
		bool linked = false;
		unsigned n;

		if (!pt_map_leaf_fits(c, lvl, ia, end)) {
			CHECK(lvl > 0); /* 4K always fits: ia, oa and len are 4K aligned */
			ret = pt_map_descend(c, table, lvl, idx, ia, stop, &linked);
			if (linked) {
				last = idx;
				wrote = true;
			}
			if (ret) {
				goto out;
			}
			ia = stop;
			idx++;
			continue;
		}
		/*
		 * Alignment carries over, so every following slot of this table that the range
		 * covers in full takes a leaf too: handle the run in one tight loop.
		 */
		n = (unsigned)MIN((uint64_t)(PT_ENTRIES - idx), (end - ia) / size);
		if (!c->commit) {
			if (table != NULL && pt_map_run_busy(t->fmt, &table[idx], n)) {
				ret = -EEXIST;
				goto out;
			}
		} else {
			pt_map_run_write(&table[idx], n, ia + c->delta, size, c->attrs[lvl]);
			last = idx + n - 1;
			wrote = true;
		}
		ia += (uint64_t)n * size;
		idx += n;
	}
out:
	if (wrote) {
		pt_clean(t, &table[first], (last - first + 1) * sizeof(*table));
	}
	return ret;
}

int pt_map(struct pt_table *t, uint64_t ia, hpa_t oa, uint64_t len, unsigned prot)
{
	struct pt_map_ctx c = { .t = t };
	uint64_t end, oa_end;
	int ret;

	if ((prot & (PT_PROT_READ | PT_PROT_WRITE)) == 0 || (prot & ~(PT_PROT_READ | PT_PROT_WRITE | PT_PROT_DEVICE)) ||
	    ((prot & PT_PROT_DEVICE) && t->fmt != PT_FMT_ARM_S2 && t->fmt != PT_FMT_VTD_FL)) {
		return -EINVAL;
	}
	ret = pt_check_range(t, ia, len, &end);
	if (ret) {
		return ret;
	}
	if (!IS_ALIGNED(hpa_val(oa), HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	if (ADD_OVERFLOWS(hpa_val(oa), len, &oa_end) || oa_end > (1ULL << t->oa_bits)) {
		return -ERANGE;
	}
	c.delta = hpa_val(oa) - ia;
	for (unsigned lvl = 0; lvl <= PT_MAX_LEAF_LVL; lvl++) {
		c.attrs[lvl] = pt_leaf_attrs(t->fmt, lvl, prot);
	}

	ret = pt_map_level(&c, hpa_to_ptr(t->root), t->levels - 1, ia, end);
	if (ret) {
		return ret;
	}
	ret = pt_pool_fill(t, &c.pool, c.need);
	if (ret) {
		return ret;
	}
	c.commit = true;
	ret = pt_map_level(&c, hpa_to_ptr(t->root), t->levels - 1, ia, end);
	CHECK(ret == 0 && c.pool.nr == 0);
	return 0;
}

/* ---- gather ----------------------------------------------------------------------------- */

void pt_gather_init(struct pt_gather *g)
{
	*g = (struct pt_gather){ .leaf_only = true };
}

/* Add [start, end): merge with any range it touches, else append, else overflow. */
static void pt_gather_add(struct pt_gather *g, uint64_t start, uint64_t end)
{
	unsigned i, j;

	for (i = 0; i < g->nr_ranges; i++) {
		struct pt_range *r = &g->ranges[i];

		if (start <= r->end && end >= r->start) {
			r->start = MIN(r->start, start);
			r->end = MAX(r->end, end);
			/* The grown range may now touch another one: fold those in. */
			for (j = 0; j < g->nr_ranges;) {
				struct pt_range *o = &g->ranges[j];

				if (j != i && o->start <= r->end && o->end >= r->start) {
					r->start = MIN(r->start, o->start);
					r->end = MAX(r->end, o->end);
					*o = g->ranges[--g->nr_ranges];
					if (i == g->nr_ranges) {
						i = j;
						r = &g->ranges[i];
					}
					j = 0;
					continue;
				}
				j++;
			}
			return;
		}
	}
	if (g->nr_ranges < PT_GATHER_MAX_RANGES) {
		g->ranges[g->nr_ranges++] = (struct pt_range){ start, end };
	} else {
		g->overflow = true;
	}
}

/*
 * An emptied table goes on the gather's list, linked through its first entry. The link is a
 * page-aligned address, so bits 1:0 are zero and the entry still reads as not present in
 * every format, should the IOMMU walk the page before the invalidation completes.
 */
static void pt_gather_add_page(struct pt_gather *g, uint64_t *page)
{
	WRITE_ONCE(page[0], (uint64_t)(uintptr_t)g->freed);
	g->freed = page;
	g->nr_freed++;
	g->leaf_only = false;
}

void pt_gather_release(struct pt_table *t, struct pt_gather *g)
{
	while (g->freed != NULL) {
		uint64_t *p = g->freed;

		g->freed = (void *)(uintptr_t)p[0];
		p[0] = 0;
		pt_page_put(t, p);
	}
	pt_gather_init(g);
}

/* ---- unmap ------------------------------------------------------------------------------ */

struct pt_unmap_ctx {
	struct pt_table *t;
	struct pt_gather *g;
	bool commit;
	uint64_t need; /* pass 1: split tables */
	struct pt_pool pool;
	uint64_t unmapped;
	bool run;              /* something was unmapped: [run_start, run_end) */
	uint64_t run_start, run_end;
};

/*
 * One pt_unmap() call adds one range to the gather: from the first to the end of the last
 * entry it cleared. Holes in between are included on purpose: invalidating an unmapped address
 * is harmless, and a guest unmapping one sparse buffer should cost one invalidation, not
 * overflow the gather into a full flush. Separate calls merge when their ranges touch.
 */
static void pt_unmap_note(struct pt_unmap_ctx *c, uint64_t start, uint64_t end, uint64_t bytes)
{
	c->unmapped += bytes;
	if (!c->run) {
		c->run = true;
		c->run_start = start;
	}
	c->run_end = end;
}

/*
 * Pass 2: clear the present leaves among n fully covered slots at lvl from ia, stopping before
 * the first table entry (which needs the recursive path). Returns the slots consumed;
 * *cleared says whether any entry was written.
 */
static unsigned pt_unmap_run(struct pt_unmap_ctx *c, uint64_t *slot, unsigned n, uint64_t ia,
			     unsigned lvl, bool *cleared)
{
	enum pt_format fmt = c->t->fmt;
	uint64_t present = pt_present_mask(fmt), size = PT_LVL_SIZE(lvl);
	unsigned i, first = n, last = 0, count = 0;

	for (i = 0; i < n; i++) {
		uint64_t pte = READ_ONCE(slot[i]);

		if ((pte & present) == 0) {
			continue;
		}
		if (lvl > 0 && pt_pte_kind(fmt, lvl, pte) == PTE_TABLE) {
			break;
		}
		WRITE_ONCE(slot[i], 0);
		first = MIN(first, i);
		last = i;
		count++;
	}
	if (count) {
		pt_unmap_note(c, ia + first * size, ia + (last + 1) * size, count * size);
	}
	*cleared = count != 0;
	return i;
}

/*
 * True if no entry of the table is present. Our own tables are only written under the caller's
 * lock, so plain reads are fine; OR-ing 64 entries at a time keeps the common "not empty" answer
 * cheap.
 */
static bool pt_table_empty(enum pt_format fmt, const uint64_t *table)
{
	uint64_t present = pt_present_mask(fmt);

	for (unsigned i = 0; i < PT_ENTRIES; i += 64) {
		uint64_t acc = 0;

		for (unsigned j = 0; j < 64; j++) {
			acc |= table[i + j] & present;
		}
		if (acc) {
			return false;
		}
	}
	return true;
}

/* Pass 2: a table at lvl - 1 carrying the same translation as the leaf pte at lvl. */
static uint64_t *pt_split_fill(struct pt_unmap_ctx *c, unsigned lvl, uint64_t pte)
{
	struct pt_table *t = c->t;
	uint64_t *child = pt_pool_take(&c->pool);
	uint64_t base = pt_pte_addr(t->fmt, lvl, pte);
	uint64_t attrs = pt_leaf_attrs(t->fmt, lvl - 1, pt_leaf_prot(t->fmt, pte));

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		child[i] = (base + (uint64_t)i * PT_LVL_SIZE(lvl - 1)) | attrs;
	}
	pt_clean(t, child, HV_PAGE_SIZE);
	return child;
}

/*
 * Unmap [ia, end) inside table's span. In pass 1, table == NULL stands for a table that a split
 * will create: every slot is a leaf. *emptied (pass 2) tells the parent to unlink this table.
 */
static void pt_unmap_level(struct pt_unmap_ctx *c, uint64_t *table, unsigned lvl, uint64_t ia,
			   uint64_t end, bool *emptied)
{
	struct pt_table *t = c->t;
	uint64_t span_start = ALIGN_DOWN(ia, PT_LVL_SIZE(lvl + 1));
	unsigned idx = PT_INDEX(ia, lvl), first = idx, last = idx;
	bool wrote = false, covered;

	covered = ia == span_start && end - ia == PT_LVL_SIZE(lvl + 1);
	if (lvl == 0) {
		/* 4K slots are never split: pass 1 has nothing to do, pass 2 clears them all */
		if (c->commit) {
			unsigned n = (unsigned)((end - ia) >> HV_PAGE_SHIFT);
			bool cleared;

			pt_unmap_run(c, &table[idx], n, ia, 0, &cleared);
			if (cleared) {
				pt_clean(t, &table[idx], n * sizeof(*table));
			}
			if (emptied != NULL) {
				*emptied = cleared && (covered || pt_table_empty(t->fmt, table));
			}
		}
		return;
	}
	while (ia < end) {
		uint64_t size = PT_LVL_SIZE(lvl);
		uint64_t base = ALIGN_DOWN(ia, size);
		uint64_t stop = MIN(base + size, end);
		bool full = ia == base && stop == base + size;
		uint64_t pte, *child;
		bool child_empty = false;

		if (!c->commit && full) {
			/* Pass 1 only cares about partial slots: at most the last one is left. */
			uint64_t skip_to = MAX(stop, ALIGN_DOWN(end, size));

			idx += (unsigned)((skip_to - ia) / size);
			ia = skip_to;
			continue;
		}
		if (!c->commit && table == NULL) {
			/* a partial leaf of a table a split will create: it splits too */
			c->need++;
			pt_unmap_level(c, NULL, lvl - 1, ia, stop, NULL);
			goto next;
		}
		if (full && c->commit) {
			/* a run of fully covered slots: leaves go in one tight loop */
			unsigned n = (unsigned)MIN((uint64_t)(PT_ENTRIES - idx), (end - ia) / size);
			bool cleared;
			unsigned k = pt_unmap_run(c, &table[idx], n, ia, lvl, &cleared);

			if (cleared) {
				last = idx + k - 1;
				wrote = true;
			}
			if (k > 0) {
				ia += (uint64_t)k * size;
				idx += k;
				continue;
			}
			/* table[idx] is a table entry: the recursive path below */
		}
		CHECK(table != NULL); /* a NULL (virtual) table is handled above, in pass 1 only */
		pte = READ_ONCE(table[idx]);
		switch (pt_pte_kind(t->fmt, lvl, pte)) {
		case PTE_NONE:
			break;
		case PTE_LEAF:
			if (full) {
				WRITE_ONCE(table[idx], 0);
				last = idx;
				wrote = true;
				pt_unmap_note(c, base, base + size, size);
				break;
			}
			/* Part of a superpage: split it, then unmap inside the new table. */
			CHECK(lvl > 0);
			if (!c->commit) {
				c->need++;
				pt_unmap_level(c, NULL, lvl - 1, ia, stop, NULL);
				break;
			}
			child = pt_split_fill(c, lvl, pte);
			WRITE_ONCE(table[idx], pt_table_pte(t->fmt, ptr_to_hpa(child)));
			t->nr_table_pages++;
			c->g->leaf_only = false;
			last = idx;
			wrote = true;
			pt_unmap_level(c, child, lvl - 1, ia, stop, &child_empty);
			CHECK(!child_empty);
			break;
		case PTE_TABLE:
			child = pt_table_ptr(pt_table_addr(t->fmt, pte));
			pt_unmap_level(c, child, lvl - 1, ia, stop, &child_empty);
			if (child_empty) {
				WRITE_ONCE(table[idx], 0);
				last = idx;
				wrote = true;
				t->nr_table_pages--;
				pt_gather_add_page(c->g, child);
			}
			break;
		}
next:
		ia = stop;
		idx++;
	}
	if (wrote) {
		pt_clean(t, &table[first], (last - first + 1) * sizeof(*table));
	}
	if (c->commit && emptied != NULL) {
		*emptied = wrote && (covered || pt_table_empty(t->fmt, table));
	}
}

int pt_unmap(struct pt_table *t, uint64_t ia, uint64_t len, struct pt_gather *g, uint64_t *unmapped)
{
	struct pt_unmap_ctx c = { .t = t, .g = g };
	uint64_t end;
	int ret;

	CHECK(g != NULL);
	ret = pt_check_range(t, ia, len, &end);
	if (ret) {
		return ret;
	}
	pt_unmap_level(&c, hpa_to_ptr(t->root), t->levels - 1, ia, end, NULL);
	ret = pt_pool_fill(t, &c.pool, c.need);
	if (ret) {
		return ret;
	}
	c.commit = true;
	pt_unmap_level(&c, hpa_to_ptr(t->root), t->levels - 1, ia, end, NULL);
	CHECK(c.pool.nr == 0);
	if (c.run) {
		pt_gather_add(g, c.run_start, c.run_end);
	}
	if (unmapped != NULL) {
		*unmapped = c.unmapped;
	}
	return 0;
}

/* ---- lookup ----------------------------------------------------------------------------- */

int pt_lookup(const struct pt_table *t, uint64_t ia, hpa_t *oa, unsigned *prot, uint64_t *pgsize)
{
	const uint64_t *table = hpa_to_ptr(t->root);

	if (ia >= (1ULL << t->ia_bits)) {
		return -ERANGE;
	}
	for (unsigned lvl = t->levels - 1;; lvl--) {
		uint64_t pte = READ_ONCE(table[PT_INDEX(ia, lvl)]);

		switch (pt_pte_kind(t->fmt, lvl, pte)) {
		case PTE_NONE:
			return -ENOENT;
		case PTE_LEAF:
			if (oa != NULL) {
				*oa = hpa(pt_pte_addr(t->fmt, lvl, pte) | (ia & (PT_LVL_SIZE(lvl) - 1)));
			}
			if (prot != NULL) {
				*prot = pt_leaf_prot(t->fmt, pte);
			}
			if (pgsize != NULL) {
				*pgsize = PT_LVL_SIZE(lvl);
			}
			return 0;
		case PTE_TABLE:
			CHECK(lvl > 0);
			table = pt_table_ptr(pt_table_addr(t->fmt, pte));
			break;
		}
	}
}
