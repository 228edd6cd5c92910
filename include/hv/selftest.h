/* SPDX-License-Identifier: MIT */
/*
 * Boot-time self-tests, selected with "selftest=<name>" on the command line (UEFI load options
 * or \ioasid-hv.cfg). Any file can add one without touching a central table:
 *
 *     static int selftest_vtd(const struct bootinfo *bi) { ... return 0 or -EIO; }
 *     HV_SELFTEST(vtd, selftest_vtd);
 *
 * hv_main() hands the name to the runner (hv/selftest.c, through hv_image, include/hv/image.h),
 * which runs the named test, prints "selftest <name>: PASS" or "... FAIL (<error>)" and exits
 * with HV_EXIT_OK / HV_EXIT_FAIL; the QEMU runner (tests/qemu/run.py) checks both. Tests print
 * their own details with pr_info ("  check: ... ok") so a failure log explains itself. Entries
 * live in the ".data.hv_selftests" section (kept by linker.ld).
 *
 * Test image only (README "Images"): a file that registers a self-test or includes this header
 * belongs in its build.mk's HV_TEST_SRCS, never in HV_SRCS; the release image has no runner and
 * tests/qemu/check_release_image.py fails `make test` on any "selftest" symbol in it.
 */
#ifndef HV_SELFTEST_H
#define HV_SELFTEST_H

#include <hv/bootinfo.h>

struct hv_selftest {
	const char *name;
	int (*fn)(const struct bootinfo *bi);
};

#define HV_SELFTEST(tname, tfn)                                                        \
	static const struct hv_selftest selftest_entry_##tname                          \
		__attribute__((used, section(".data.hv_selftests"), aligned(8))) = { #tname, tfn }

/* A check inside a self-test: logs "  <what>: ok|FAILED" and evaluates to the condition. */
#define ST_CHECK(cond, ...) selftest_check(!!(cond), __VA_ARGS__)
bool selftest_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* HV_SELFTEST_H */
