/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: map, unmap, lookup over our own tables in any of the four formats
 * (ioasid/pt_fmt.h has the bits). The foreign walker is in pt_foreign.c.
 *
 * The common calls take one walk (pt_map_fast(), pt_unmap_fast(), inlined once per format so
 * the entry encoding is fixed at compile time): a map whose range is one run of leaves in one
 * table that exists, an unmap whose range ends on slot boundaries (no split). They need no
 * memory, and a map checks its whole run before writing any of it, so they cannot leave a
 * half-done change behind. Everything else (tables to create, a run across tables, a split)
 * goes through the general path, two passes over the same range with one recursive walker:
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
 *  - Holes are 0: we only ever store 0 or a valid entry, so "present" is "non-zero" in the
 *    run loops.
 *  - Every table below the root has a live-entry count (present entries, leaves and tables) in
 *    software bits of the parent entry that points to it (pt_fmt.h). Each call adds what it
 *    wrote and subtracts what it cleared, once per table; a count that reaches 0 is an empty
 *    table, unlinked at once, so no unmap scans 512 slots to find out.
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

int pt_init(struct pt_table *t, enum pt_format fmt, unsigned ia_bits, uint64_t pgsize_bitmap, bool coherent,
	    struct pt_quota *quota)
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

/*
 * Live-entry counts (pt_fmt.h): add delta (two's complement for a decrease) to the count the
 * parent entry *pslot keeps for its table. The bits are ignored by the hardware, but every
 * written entry is cleaned all the same, so "every change was cleaned" stays a plain rule.
 */
static __attribute__((always_inline)) inline void pt_cnt_add(const struct pt_table *t, enum pt_format fmt,
							     uint64_t *pslot, uint64_t delta)
{
	WRITE_ONCE(*pslot, pt_cnt_apply(fmt, *pslot, delta));
	pt_clean(t, pslot, sizeof(*pslot));
}

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

	return lvl <= PT_MAX_LEAF_LVL && (c->t->pgsize_bitmap & size) && IS_ALIGNED(ia | (ia + c->delta), size) &&
	       end - ia >= size;
}

/*
 * Is any of these n slots in use? Not-present entries of our tables are always 0 (we write 0 or
 * a valid entry, nothing else), so OR-ing whole entries answers it, four at a time.
 */
static inline bool pt_run_busy(const uint64_t *slot, unsigned n)
{
	const uint64_t *end = slot + n;
	uint64_t acc = 0;

	for (; end - slot >= 4; slot += 4) {
		acc |= slot[0] | slot[1] | slot[2] | slot[3];
	}
	for (; slot < end; slot++) {
		acc |= *slot;
	}
	return acc != 0;
}

/* n leaves, consecutive output addresses: each entry is the previous one plus size. */
static inline void pt_run_write(uint64_t *slot, unsigned n, uint64_t pte, uint64_t size)
{
	uint64_t *end = slot + n;

	for (; end - slot >= 4; slot += 4) {
		WRITE_ONCE(slot[0], pte);
		WRITE_ONCE(slot[1], pte + size);
		WRITE_ONCE(slot[2], pte + 2 * size);
		WRITE_ONCE(slot[3], pte + 3 * size);
		pte += 4 * size;
	}
	for (; slot < end; slot++, pte += size) {
		WRITE_ONCE(*slot, pte);
	}
}

static int pt_map_level(struct pt_map_ctx *c, uint64_t *table, uint64_t *pslot, unsigned lvl, uint64_t ia,
			uint64_t end);

/*
 * The slot at table[idx] (lvl > 0) must lead to a table for [ia, stop): use the one there,
 * count a new one (pass 1), or link one from the pool (pass 2). Returns true in *linked if
 * table[idx] was written.
 */
static int pt_map_descend(struct pt_map_ctx *c, uint64_t *table, unsigned lvl, unsigned idx, uint64_t ia, uint64_t stop,
			  bool *linked)
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
		/* linked with a count of 0; pt_map_level() below adds what it writes */
		WRITE_ONCE(table[idx], pt_table_pte(t->fmt, lvl, ptr_to_hpa(child)));
		t->nr_table_pages++;
		*linked = true;
		break;
	}
	return pt_map_level(c, child, table ? &table[idx] : NULL, lvl - 1, ia, stop);
}

/*
 * Map [ia, end), which lies inside the span of table (at lvl). table == NULL in pass 1 stands
 * for a table that does not exist yet: all its slots are empty. pslot is the parent entry that
 * keeps table's live-entry count (NULL for the root).
 */
static int pt_map_level(struct pt_map_ctx *c, uint64_t *table, uint64_t *pslot, unsigned lvl, uint64_t ia, uint64_t end)
{
	struct pt_table *t = c->t;
	unsigned idx = PT_INDEX(ia, lvl), first = idx, last = idx, added = 0;
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
				added++;
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
			if (table != NULL && pt_run_busy(&table[idx], n)) {
				ret = -EEXIST;
				goto out;
			}
		} else {
			pt_run_write(&table[idx], n, (ia + c->delta) | c->attrs[lvl], size);
			last = idx + n - 1;
			wrote = true;
			added += n;
		}
		ia += (uint64_t)n * size;
		idx += n;
	}
out:
	if (wrote) {
		pt_clean(t, &table[first], (last - first + 1) * sizeof(*table));
	}
	if (added != 0 && pslot != NULL) {
		CHECK(pt_cnt_room(t->fmt, *pslot, added));
		pt_cnt_add(t, t->fmt, pslot, added);
	}
	return ret;
}

/* pt_map_fast() / pt_unmap_fast(): "take the general path" */
#define PT_SLOW 1

/*
 * One walk, no pool: the whole range is one run of leaves in one table that exists already
 * (a DMA-API style single page, or a batch inside one table: the common calls). The run is
 * checked, then written; nothing is written before the check, so a conflict changes nothing.
 * Anything else (tables to create, a run across tables) returns PT_SLOW having written nothing.
 * Inlined once per format (pt_map()), so the entry encoding is decided at compile time.
 */
static __attribute__((always_inline)) inline int pt_map_fast(struct pt_table *t, const enum pt_format fmt, uint64_t ia,
							     uint64_t oa, uint64_t len, unsigned prot)
{
	uint64_t *table = hpa_to_ptr(t->root), *pslot = NULL, last = ia + len - 1;

	for (unsigned lvl = t->levels - 1;; lvl--) {
		unsigned shift = PT_LVL_SHIFT(lvl), idx = PT_INDEX(ia, lvl);
		uint64_t size = 1ULL << shift, pte;

		if (lvl <= PT_MAX_LEAF_LVL && (t->pgsize_bitmap & size) && IS_ALIGNED(ia | oa | len, size)) {
			/* the same superpage choice as pt_map_level(): the largest that fits */
			uint64_t n = len >> shift;

			if (idx + n > PT_ENTRIES) {
				return PT_SLOW;
			}
			if (pt_run_busy(&table[idx], (unsigned)n)) {
				return -EEXIST;
			}
			pt_run_write(&table[idx], (unsigned)n, oa | pt_leaf_attrs(fmt, lvl, prot), size);
			pt_clean(t, &table[idx], n * sizeof(*table));
			if (pslot != NULL) {
				CHECK(pt_cnt_room(fmt, *pslot, (unsigned)n));
				pt_cnt_add(t, fmt, pslot, n);
			}
			return 0;
		}
		/* lvl > 0 here: a 4K leaf always fits */
		if ((ia >> shift) != (last >> shift)) {
			return PT_SLOW; /* several slots of this level */
		}
		pte = READ_ONCE(table[idx]);
		switch (pt_pte_kind(fmt, lvl, pte)) {
		case PTE_LEAF:
			return -EEXIST;
		case PTE_NONE:
			return PT_SLOW; /* tables to create: the prepare pass counts them */
		default:
			pslot = &table[idx];
			table = pt_table_ptr(pt_table_addr(fmt, pte));
			break;
		}
	}
}

/* Prepare (count and allocate every table, find overlaps), then commit: see the file comment. */
static int pt_map_slow(struct pt_table *t, uint64_t ia, uint64_t oa, uint64_t end, unsigned prot)
{
	struct pt_map_ctx c = { .t = t, .delta = oa - ia };
	int ret;

	for (unsigned lvl = 0; lvl <= PT_MAX_LEAF_LVL; lvl++) {
		c.attrs[lvl] = pt_leaf_attrs(t->fmt, lvl, prot);
	}
	ret = pt_map_level(&c, hpa_to_ptr(t->root), NULL, t->levels - 1, ia, end);
	if (ret) {
		return ret;
	}
	ret = pt_pool_fill(t, &c.pool, c.need);
	if (ret) {
		return ret;
	}
	c.commit = true;
	ret = pt_map_level(&c, hpa_to_ptr(t->root), NULL, t->levels - 1, ia, end);
	CHECK(ret == 0 && c.pool.nr == 0);
	return 0;
}

int pt_map(struct pt_table *t, uint64_t ia, hpa_t oa, uint64_t len, unsigned prot)
{
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
	switch (t->fmt) {
	case PT_FMT_VTD_SL:
		ret = pt_map_fast(t, PT_FMT_VTD_SL, ia, hpa_val(oa), len, prot);
		break;
	case PT_FMT_VTD_FL:
		ret = pt_map_fast(t, PT_FMT_VTD_FL, ia, hpa_val(oa), len, prot);
		break;
	case PT_FMT_ARM_S1:
		ret = pt_map_fast(t, PT_FMT_ARM_S1, ia, hpa_val(oa), len, prot);
		break;
	case PT_FMT_AMD_V1:
		ret = pt_map_fast(t, PT_FMT_AMD_V1, ia, hpa_val(oa), len, prot);
		break;
	default:
		ret = pt_map_fast(t, PT_FMT_ARM_S2, ia, hpa_val(oa), len, prot);
		break;
	}
	return ret == PT_SLOW ? pt_map_slow(t, ia, hpa_val(oa), end, prot) : ret;
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
			for (j = 0; g->nr_ranges > 1 && j < g->nr_ranges;) {
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
	bool run; /* something was unmapped: [run_start, run_end) */
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
 * Pass 2 at lvl 0: clear the n slots from ia (4K leaves or holes). Returns the entries cleared.
 * Holes are 0 (see pt_run_busy()), so the loop stores 0 into every slot between the first and
 * the last present one and counts the non-zero values it replaced.
 */
static unsigned pt_unmap_ptes(struct pt_unmap_ctx *c, uint64_t *slot, unsigned n, uint64_t ia)
{
	unsigned first = 0, end = n, cnt = 0;
	uint64_t *p, *e;

	if (n == 1) {
		/* the single page of a DMA-API style unmap */
		if (READ_ONCE(slot[0]) == 0) {
			return 0;
		}
		WRITE_ONCE(slot[0], 0);
		pt_clean(c->t, slot, sizeof(*slot));
		pt_unmap_note(c, ia, ia + HV_PAGE_SIZE, HV_PAGE_SIZE);
		return 1;
	}
	while (first < n && READ_ONCE(slot[first]) == 0) {
		first++;
	}
	if (first == n) {
		return 0;
	}
	while (READ_ONCE(slot[end - 1]) == 0) {
		end--;
	}
	for (p = &slot[first], e = &slot[end]; e - p >= 4; p += 4) {
		uint64_t a = READ_ONCE(p[0]), b = READ_ONCE(p[1]);
		uint64_t x = READ_ONCE(p[2]), y = READ_ONCE(p[3]);

		WRITE_ONCE(p[0], 0);
		WRITE_ONCE(p[1], 0);
		WRITE_ONCE(p[2], 0);
		WRITE_ONCE(p[3], 0);
		cnt += (a != 0) + (b != 0) + (x != 0) + (y != 0);
	}
	for (; p < e; p++) {
		cnt += READ_ONCE(*p) != 0;
		WRITE_ONCE(*p, 0);
	}
	pt_clean(c->t, &slot[first], (end - first) * sizeof(*slot));
	pt_unmap_note(c, ia + ((uint64_t)first << HV_PAGE_SHIFT), ia + ((uint64_t)end << HV_PAGE_SHIFT),
		      (uint64_t)cnt << HV_PAGE_SHIFT);
	return cnt;
}

/* A present entry at lvl > 0 that points to a table (holes are 0, see pt_run_busy()). */
static __attribute__((always_inline)) inline bool pt_is_table(const enum pt_format fmt, uint64_t pte)
{
	switch (fmt) {
	case PT_FMT_VTD_SL:
		return pte != 0 && !(pte & VTD_SLPTE_PS);
	case PT_FMT_VTD_FL:
		return pte != 0 && !(pte & VTD_FLPTE_PS);
	case PT_FMT_AMD_V1:
		return pte != 0 && FIELD_GET(AMD_PTE_NEXT, pte) != 0;
	default:
		return (pte & ARM_PTE_TYPE_MASK) == ARM_PTE_TYPE_TABLE;
	}
}

/*
 * Pass 2 at lvl > 0: clear the leaves among n fully covered slots from ia, stopping before the
 * first table entry (which needs the recursive path). Holes get a 0 stored over their 0.
 * Returns the slots consumed; *cleared the entries that were present.
 */
static __attribute__((always_inline)) inline unsigned pt_unmap_run_fmt(struct pt_unmap_ctx *c, const enum pt_format fmt,
								       uint64_t *slot, unsigned n, uint64_t ia,
								       unsigned lvl, unsigned *cleared)
{
	uint64_t size = PT_LVL_SIZE(lvl);
	unsigned i = 0, first, last = 0, count = 0;

	while (i < n && READ_ONCE(slot[i]) == 0) {
		i++;
	}
	first = i;
	for (; i < n; i++) {
		uint64_t pte = READ_ONCE(slot[i]);

		if (pt_is_table(fmt, pte)) {
			break;
		}
		WRITE_ONCE(slot[i], 0);
		count += pte != 0;
		last = pte != 0 ? i : last;
	}
	if (count) {
		pt_unmap_note(c, ia + first * size, ia + (last + 1) * size, count * size);
	}
	*cleared = count;
	return i;
}

static unsigned pt_unmap_run(struct pt_unmap_ctx *c, uint64_t *slot, unsigned n, uint64_t ia, unsigned lvl,
			     unsigned *cleared)
{
	switch (c->t->fmt) {
	case PT_FMT_VTD_SL:
		return pt_unmap_run_fmt(c, PT_FMT_VTD_SL, slot, n, ia, lvl, cleared);
	case PT_FMT_VTD_FL:
		return pt_unmap_run_fmt(c, PT_FMT_VTD_FL, slot, n, ia, lvl, cleared);
	case PT_FMT_ARM_S1:
		return pt_unmap_run_fmt(c, PT_FMT_ARM_S1, slot, n, ia, lvl, cleared);
	case PT_FMT_AMD_V1:
		return pt_unmap_run_fmt(c, PT_FMT_AMD_V1, slot, n, ia, lvl, cleared);
	default:
		return pt_unmap_run_fmt(c, PT_FMT_ARM_S2, slot, n, ia, lvl, cleared);
	}
}

/* Pass 2: a table at lvl - 1 carrying the same translation as the leaf pte at lvl. */
static uint64_t *pt_split_fill(struct pt_unmap_ctx *c, unsigned lvl, uint64_t pte)
{
	struct pt_table *t = c->t;
	uint64_t *child = pt_pool_take(&c->pool);
	uint64_t attrs = pt_leaf_attrs(t->fmt, lvl - 1, pt_leaf_prot(t->fmt, pte));

	pt_run_write(child, PT_ENTRIES, pt_pte_addr(t->fmt, lvl, pte) | attrs, PT_LVL_SIZE(lvl - 1));
	pt_clean(t, child, HV_PAGE_SIZE);
	return child;
}

/*
 * Unmap [ia, end) inside table's span. In pass 1, table == NULL stands for a table that a split
 * will create: every slot is a leaf. pslot is the parent entry keeping table's live-entry count
 * (NULL for the root). *emptied (pass 2): the count reached 0; the parent unlinks this table.
 */
static void pt_unmap_level(struct pt_unmap_ctx *c, uint64_t *table, uint64_t *pslot, unsigned lvl, uint64_t ia,
			   uint64_t end, bool *emptied)
{
	struct pt_table *t = c->t;
	unsigned idx = PT_INDEX(ia, lvl), first = idx, last = idx, removed = 0;
	bool wrote = false;

	if (lvl == 0) {
		/* 4K slots are never split: pass 1 has nothing to do, pass 2 clears them all */
		if (c->commit) {
			removed = pt_unmap_ptes(c, &table[idx], (unsigned)((end - ia) >> HV_PAGE_SHIFT), ia);
		}
		goto count;
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
			pt_unmap_level(c, NULL, NULL, lvl - 1, ia, stop, NULL);
			goto next;
		}
		if (full && c->commit) {
			/* a run of fully covered slots: leaves go in one tight loop */
			unsigned n = (unsigned)MIN((uint64_t)(PT_ENTRIES - idx), (end - ia) / size);
			unsigned cleared;
			unsigned k = pt_unmap_run(c, &table[idx], n, ia, lvl, &cleared);

			if (cleared) {
				last = idx + k - 1;
				wrote = true;
				removed += cleared;
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
				removed++;
				pt_unmap_note(c, base, base + size, size);
				break;
			}
			/* Part of a superpage: split it, then unmap inside the new table. */
			if (!c->commit) {
				c->need++;
				pt_unmap_level(c, NULL, NULL, lvl - 1, ia, stop, NULL);
				break;
			}
			child = pt_split_fill(c, lvl, pte);
			WRITE_ONCE(table[idx],
				   pt_table_pte(t->fmt, lvl, ptr_to_hpa(child)) | pt_cnt_encode(t->fmt, PT_ENTRIES));
			t->nr_table_pages++;
			c->g->leaf_only = false;
			last = idx;
			wrote = true;
			pt_unmap_level(c, child, &table[idx], lvl - 1, ia, stop, &child_empty);
			CHECK(!child_empty);
			break;
		case PTE_TABLE:
			child = pt_table_ptr(pt_table_addr(t->fmt, pte));
			pt_unmap_level(c, child, &table[idx], lvl - 1, ia, stop, &child_empty);
			if (child_empty) {
				WRITE_ONCE(table[idx], 0);
				last = idx;
				wrote = true;
				removed++;
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
count:
	if (removed != 0 && pslot != NULL) {
		unsigned cnt = pt_table_count(t->fmt, *pslot);

		CHECK(cnt >= removed);
		if (cnt == removed) {
			*emptied = true; /* the parent overwrites *pslot with 0 */
		} else {
			pt_cnt_add(t, t->fmt, pslot, -(uint64_t)removed);
		}
	}
}

/*
 * One walk: descend while the range lies inside one slot that holds a table, then clear at the
 * level where it spans whole slots. Needs no memory (nothing is split), so it cannot fail; a
 * range that starts or ends inside a superpage returns PT_SLOW having written nothing.
 * Emptied tables are unlinked on the way back up, each one's parent losing one entry.
 */
static __attribute__((always_inline)) inline int pt_unmap_fast(struct pt_unmap_ctx *c, const enum pt_format fmt,
							       uint64_t ia, uint64_t end)
{
	struct pt_table *t = c->t;
	uint64_t *tables[PT_MAX_LEVELS], *pslots[PT_MAX_LEVELS];
	uint64_t *table = hpa_to_ptr(t->root), *pslot = NULL;
	unsigned lvl = t->levels - 1;
	bool emptied = false;

	for (;; lvl--) {
		unsigned shift = PT_LVL_SHIFT(lvl);
		bool partial = ((ia | end) & ((1ULL << shift) - 1)) != 0;
		uint64_t pte;

		tables[lvl] = table;
		pslots[lvl] = pslot;
		if (!partial) {
			break; /* whole slots from here (lvl 0 always) */
		}
		if (((ia ^ (end - 1)) >> shift) != 0) {
			return PT_SLOW; /* several slots, a partial one at an end */
		}
		/* inside one slot, partly */
		pte = READ_ONCE(table[PT_INDEX(ia, lvl)]);
		switch (pt_pte_kind(fmt, lvl, pte)) {
		case PTE_NONE:
			return 0; /* a hole: nothing to do */
		case PTE_LEAF:
			return PT_SLOW; /* inside a superpage: a split */
		default:
			pslot = &table[PT_INDEX(ia, lvl)];
			table = pt_table_ptr(pt_table_addr(fmt, pte));
			break;
		}
	}
	if (lvl == 0) {
		/* the usual end of the walk: pt_unmap_level()'s lvl-0 case, without the call */
		unsigned removed =
			pt_unmap_ptes(c, &table[PT_INDEX(ia, 0)], (unsigned)((end - ia) >> HV_PAGE_SHIFT), ia);

		if (removed != 0 && pslot != NULL) {
			unsigned cnt = pt_table_count(fmt, *pslot);

			CHECK(cnt >= removed);
			emptied = cnt == removed;
			if (!emptied) {
				pt_cnt_add(t, fmt, pslot, -(uint64_t)removed);
			}
		}
	} else {
		pt_unmap_level(c, table, pslot, lvl, ia, end, &emptied);
	}
	while (emptied) {
		/* tables[lvl] is empty: unlink it from tables[lvl + 1] (pslots[lvl] points there) */
		WRITE_ONCE(*pslots[lvl], 0);
		pt_clean(t, pslots[lvl], sizeof(uint64_t));
		t->nr_table_pages--;
		pt_gather_add_page(c->g, tables[lvl]);
		lvl++;
		if (pslots[lvl] == NULL) {
			break; /* the root is never unlinked */
		}
		emptied = pt_table_count(fmt, *pslots[lvl]) == 1;
		if (!emptied) {
			pt_cnt_add(t, fmt, pslots[lvl], -(uint64_t)1);
		}
	}
	return 0;
}

int pt_unmap(struct pt_table *t, uint64_t ia, uint64_t len, struct pt_gather *g, uint64_t *unmapped)
{
	struct pt_unmap_ctx c = { .t = t, .g = g, .commit = true };
	uint64_t end;
	int ret;

	CHECK(g != NULL);
	ret = pt_check_range(t, ia, len, &end);
	if (ret) {
		return ret;
	}
	switch (t->fmt) {
	case PT_FMT_VTD_SL:
		ret = pt_unmap_fast(&c, PT_FMT_VTD_SL, ia, end);
		break;
	case PT_FMT_VTD_FL:
		ret = pt_unmap_fast(&c, PT_FMT_VTD_FL, ia, end);
		break;
	case PT_FMT_ARM_S1:
		ret = pt_unmap_fast(&c, PT_FMT_ARM_S1, ia, end);
		break;
	case PT_FMT_AMD_V1:
		ret = pt_unmap_fast(&c, PT_FMT_AMD_V1, ia, end);
		break;
	default:
		ret = pt_unmap_fast(&c, PT_FMT_ARM_S2, ia, end);
		break;
	}
	if (ret == PT_SLOW) {
		/* prepare: count the splits, allocate them; then commit (cannot fail) */
		c.commit = false;
		pt_unmap_level(&c, hpa_to_ptr(t->root), NULL, t->levels - 1, ia, end, NULL);
		ret = pt_pool_fill(t, &c.pool, c.need);
		if (ret) {
			return ret;
		}
		c.commit = true;
		pt_unmap_level(&c, hpa_to_ptr(t->root), NULL, t->levels - 1, ia, end, NULL);
		CHECK(c.pool.nr == 0);
	}
	if (c.run) {
		pt_gather_add(g, c.run_start, c.run_end);
	}
	if (unmapped != NULL) {
		*unmapped = c.unmapped;
	}
	return 0;
}
