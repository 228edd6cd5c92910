/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <hv/errno.h>
#include <ioasid/abi.h>

#include "tests/fuzz/fuzz_stats.h"

/*
 * Outcome coverage: how often each call returned each result. Printed as a table at exit with
 * FUZZ_STATS=1 (e.g. replaying a corpus with -runs=0, or after `make fuzz`), so the docs can
 * show which outcomes the fuzzer reached. Rows: the ABI's calls, the two reserved service
 * numbers (which ioasid_dispatch() must refuse: hv/guest.c handles them before it), unknown.
 */
#define FZ_ROWS 15
#define FZ_RETS 130
static uint64_t fz_stats[FZ_ROWS][FZ_RETS];
static bool fz_stats_on;

static const char *const fz_call_name[FZ_ROWS] = {
	"unknown(0)", "GET_INFO",   "DEVICE_LIST", "ALLOC",	  "FREE",	   "MAP",  "UNMAP",	   "ATTACH",
	"DETACH",     "INVALIDATE", "FAULT_READ",  "unknown(11)", "CONSOLE_WRITE", "EXIT", "unknown(raw)",
};

static unsigned fz_row(uint64_t call)
{
	return call <= 11			   ? (unsigned)call
	       : call == IOASID_CALL_CONSOLE_WRITE ? 12
	       : call == IOASID_CALL_EXIT	   ? 13
						   : 14;
}

static const char *fz_err_name(unsigned e)
{
	static const struct {
		unsigned e;
		const char *name;
	} names[] = {
		{ 0, "ok" },
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ EIO, "EIO" },
		{ E2BIG, "E2BIG" },
		{ EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },
		{ EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },
		{ ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" },
		{ ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" },
		{ ENOSYS, "ENOSYS" },
		{ EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
		{ ETIMEDOUT, "ETIMEDOUT" },
		{ EDQUOT, "EDQUOT" },
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].e == e) {
			return names[i].name;
		}
	}
	return e == FZ_RETS - 1 ? "other" : "?";
}

static void fz_stats_print(void)
{
	fprintf(stderr, "outcomes (call: result x count)\n");
	for (unsigned c = 0; c < FZ_ROWS; c++) {
		fprintf(stderr, "  %-13s", fz_call_name[c]);
		for (unsigned e = 0; e < FZ_RETS; e++) {
			if (fz_stats[c][e] != 0) {
				fprintf(stderr, " %s:%llu", fz_err_name(e), (unsigned long long)fz_stats[c][e]);
			}
		}
		fputc('\n', stderr);
	}
}

void fz_stat(uint64_t call, long ret)
{
	if (!fz_stats_on) {
		return;
	}
	fz_stats[fz_row(call)][ret <= 0 && ret > -(FZ_RETS - 1) ? -ret : FZ_RETS - 1]++;
}

void fz_stats_init(void)
{
	if (!fz_stats_on && getenv("FUZZ_STATS") != NULL) {
		fz_stats_on = true;
		atexit(fz_stats_print);
	}
}
