/* SPDX-License-Identifier: MIT */
/* Host tests that keep VT-d fixture tables until exit (test_vtd_tables.c, test_vtd_alias.c). */
#ifndef TESTS_UNIT_PT_EXIT_H
#define TESTS_UNIT_PT_EXIT_H

#include <stdlib.h>

#include <hv/bits.h>

#include "ioasid/pt.h"

/*
 * Fixture tables live until the process exits: destroy them then, so LeakSanitizer sees their
 * pages freed. (A VT-d table entry keeps its child's live-entry count in bits 61:52, see
 * ioasid/pt_fmt.h, so LSan no longer reads the entry as a pointer to the child page.)
 */
static struct pt_table *live_tables[64];
static unsigned nr_live_tables;

static void destroy_live_tables(void)
{
	while (nr_live_tables > 0) {
		pt_destroy(live_tables[--nr_live_tables]);
	}
}

static void destroy_at_exit(struct pt_table *t)
{
	if (nr_live_tables == 0) {
		atexit(destroy_live_tables);
	}
	if (nr_live_tables < ARRAY_SIZE(live_tables)) {
		live_tables[nr_live_tables++] = t;
	}
}

#endif /* TESTS_UNIT_PT_EXIT_H */
