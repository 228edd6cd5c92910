/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dispatch's outcome table (tests/fuzz/fuzz_stats.c): how often each call returned each
 * result, printed at exit when FUZZ_STATS is set.
 */
#ifndef TESTS_FUZZ_FUZZ_STATS_H
#define TESTS_FUZZ_FUZZ_STATS_H

#include <stdint.h>

/* Once per input; the first call with FUZZ_STATS set arms the table and its printing at exit. */
void fz_stats_init(void);
/* Count one result of one call number. */
void fz_stat(uint64_t call, long ret);

#endif /* TESTS_FUZZ_FUZZ_STATS_H */
