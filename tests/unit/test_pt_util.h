/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the page-table engine tests (tests/unit/test_pt*.c): snapshots of every
 * table page reachable from a root, so a test can prove a failed request changed nothing, and a
 * recorder of arch_dcache_clean() calls.
 */
#ifndef TESTS_UNIT_TEST_PT_UTIL_H
#define TESTS_UNIT_TEST_PT_UTIL_H

#include "ioasid/pt.h"

#define SNAP_MAX_PAGES 4096

struct pt_snap_page {
	const uint64_t *addr;
	uint64_t ent[512];
};

struct pt_snap {
	unsigned nr;
	struct pt_snap_page *pages; /* heap, SNAP_MAX_PAGES */
	uint64_t hash;		    /* FNV-1a over (address, contents) of every page, in walk order */
};

/* Copy every table page reachable from t's root (tree order). */
void snap_take(const struct pt_table *t, struct pt_snap *s);
void snap_free(struct pt_snap *s);
/* True if both snapshots hold the same pages at the same addresses with the same contents. */
bool snap_equal(const struct pt_snap *a, const struct pt_snap *b);

/* Everything a failed request must leave as it was. */
struct pt_state {
	struct pt_snap snap;
	uint64_t nr_table_pages;
	uint64_t quota_used;
	uint64_t free_pages;
};
void state_take(const struct pt_table *t, struct pt_state *st);
/* Compare with the current state of t; returns true if identical (and frees st). */
bool state_same_and_free(const struct pt_table *t, struct pt_state *st);

/* Raw entry for ia at the level where the walk ends (leaf or non-present); *lvl_out = level. */
uint64_t raw_entry(const struct pt_table *t, uint64_t ia, unsigned *lvl_out);

/*
 * The engine's bookkeeping, recomputed by brute force: every linked table below the root holds
 * at least one entry and its parent entry's live-entry count (pt_fmt.h) equals the entries
 * present in it, every hole is 0, and nr_table_pages is the number of pages reachable.
 */
bool pt_counts_consistent(const struct pt_table *t);

/* arch_dcache_clean() recorder */
void clean_rec_start(void);
void clean_rec_stop(void);
unsigned clean_rec_count(void);
/* True if [p, p+len) lies inside one recorded clean. */
bool clean_rec_covers(const void *p, size_t len);
/*
 * True if every entry that differs between before and after (and every entry of a page that
 * is new in after) was covered by a recorded clean.
 */
bool clean_rec_covers_changes(const struct pt_snap *before, const struct pt_snap *after);

#endif /* TESTS_UNIT_TEST_PT_UTIL_H */
