/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>

#include "arch/host/host.h"
#include "ioasid/pt_fmt.h"
#include "tests/unit/test_pt_util.h"

static void snap_walk(const struct pt_table *t, const uint64_t *table, unsigned lvl, struct pt_snap *s)
{
	struct pt_snap_page *pg;

	if (s->nr >= SNAP_MAX_PAGES) {
		abort(); /* test sized wrongly */
	}
	pg = &s->pages[s->nr++];
	pg->addr = table;
	memcpy(pg->ent, table, sizeof(pg->ent));
	for (unsigned i = 0; lvl > 0 && i < PT_ENTRIES; i++) {
		if (pt_pte_kind(t->fmt, lvl, table[i]) == PTE_TABLE) {
			snap_walk(t, hpa_to_ptr(hpa(pt_table_addr(t->fmt, table[i]))), lvl - 1, s);
		}
	}
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		h = (h ^ b[i]) * 0x100000001b3ULL;
	}
	return h;
}

void snap_take(const struct pt_table *t, struct pt_snap *s)
{
	s->nr = 0;
	s->pages = calloc(SNAP_MAX_PAGES, sizeof(*s->pages));
	if (s->pages == NULL) {
		abort();
	}
	snap_walk(t, hpa_to_ptr(t->root), t->levels - 1, s);
	s->hash = 0xcbf29ce484222325ULL;
	for (unsigned i = 0; i < s->nr; i++) {
		s->hash = fnv1a(s->hash, &s->pages[i].addr, sizeof(s->pages[i].addr));
		s->hash = fnv1a(s->hash, s->pages[i].ent, sizeof(s->pages[i].ent));
	}
}

void snap_free(struct pt_snap *s)
{
	free(s->pages);
	s->pages = NULL;
	s->nr = 0;
}

bool snap_equal(const struct pt_snap *a, const struct pt_snap *b)
{
	if (a->nr != b->nr || a->hash != b->hash) {
		return false;
	}
	for (unsigned i = 0; i < a->nr; i++) {
		if (a->pages[i].addr != b->pages[i].addr ||
		    memcmp(a->pages[i].ent, b->pages[i].ent, sizeof(a->pages[i].ent)) != 0) {
			return false;
		}
	}
	return true;
}

void state_take(const struct pt_table *t, struct pt_state *st)
{
	snap_take(t, &st->snap);
	st->nr_table_pages = t->nr_table_pages;
	st->quota_used = t->quota ? t->quota->used_pages : 0;
	st->free_pages = page_free_count();
}

bool state_same_and_free(const struct pt_table *t, struct pt_state *st)
{
	struct pt_snap now;
	bool same;

	snap_take(t, &now);
	same = snap_equal(&st->snap, &now) && st->nr_table_pages == t->nr_table_pages &&
	       st->quota_used == (t->quota ? t->quota->used_pages : 0) && st->free_pages == page_free_count();
	snap_free(&now);
	snap_free(&st->snap);
	return same;
}

uint64_t raw_entry(const struct pt_table *t, uint64_t ia, unsigned *lvl_out)
{
	const uint64_t *table = hpa_to_ptr(t->root);

	for (unsigned lvl = t->levels - 1;; lvl--) {
		uint64_t pte = table[PT_INDEX(ia, lvl)];

		if (pt_pte_kind(t->fmt, lvl, pte) != PTE_TABLE) {
			*lvl_out = lvl;
			return pte;
		}
		table = hpa_to_ptr(hpa(pt_table_addr(t->fmt, pte)));
	}
}

static bool counts_walk(const struct pt_table *t, const uint64_t *table, unsigned lvl, unsigned *pages)
{
	(*pages)++;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t pte = table[i];
		const uint64_t *child;
		unsigned live = 0;

		if (pt_pte_kind(t->fmt, lvl, pte) == PTE_NONE && pte != 0) {
			return false; /* a hole must be 0 (the engine's runs rely on it) */
		}
		if (lvl == 0 || pt_pte_kind(t->fmt, lvl, pte) != PTE_TABLE) {
			continue;
		}
		child = hpa_to_ptr(hpa(pt_table_addr(t->fmt, pte)));
		for (unsigned k = 0; k < PT_ENTRIES; k++) {
			live += child[k] != 0;
		}
		if (live == 0 || pt_table_count(t->fmt, pte) != live || !counts_walk(t, child, lvl - 1, pages)) {
			return false;
		}
	}
	return true;
}

bool pt_counts_consistent(const struct pt_table *t)
{
	unsigned pages = 0;

	return counts_walk(t, hpa_to_ptr(t->root), t->levels - 1, &pages) && pages == t->nr_table_pages;
}

#define CLEAN_REC_MAX 65536
static struct {
	uintptr_t start, end;
} clean_log[CLEAN_REC_MAX];
static unsigned clean_nr;

static void clean_hook(const void *p, size_t len)
{
	if (clean_nr < CLEAN_REC_MAX) {
		clean_log[clean_nr].start = (uintptr_t)p;
		clean_log[clean_nr].end = (uintptr_t)p + len;
	}
	clean_nr++;
}

void clean_rec_start(void)
{
	clean_nr = 0;
	host_mm_set_clean_hook(clean_hook);
}

void clean_rec_stop(void)
{
	host_mm_set_clean_hook(NULL);
}

unsigned clean_rec_count(void)
{
	return clean_nr;
}

bool clean_rec_covers(const void *p, size_t len)
{
	uintptr_t s = (uintptr_t)p, e = s + len;

	for (unsigned i = 0; i < clean_nr && i < CLEAN_REC_MAX; i++) {
		if (clean_log[i].start <= s && e <= clean_log[i].end) {
			return true;
		}
	}
	return false;
}

bool clean_rec_covers_changes(const struct pt_snap *before, const struct pt_snap *after)
{
	for (unsigned i = 0; i < after->nr; i++) {
		const struct pt_snap_page *old = NULL;

		for (unsigned j = 0; j < before->nr; j++) {
			if (before->pages[j].addr == after->pages[i].addr) {
				old = &before->pages[j];
				break;
			}
		}
		if (old == NULL) {
			/* a new page: all of it must have been cleaned before use */
			if (!clean_rec_covers(after->pages[i].addr, HV_PAGE_SIZE)) {
				return false;
			}
			continue;
		}
		for (unsigned k = 0; k < PT_ENTRIES; k++) {
			if (old->ent[k] != after->pages[i].ent[k] &&
			    !clean_rec_covers(&after->pages[i].addr[k], sizeof(uint64_t))) {
				return false;
			}
		}
	}
	return true;
}
