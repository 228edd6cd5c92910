/* SPDX-License-Identifier: MIT */
/*
 * A minimal test framework for guests (docs/GUEST.md). Each TEST(name) { ... } registers a
 * case; guest_run_tests() runs them in source order (one file per guest) and prints, for tests/qemu/run.py:
 *     TEST name: PASS
 *     TEST name: FAIL (file:line: expression, got X expected Y)
 *     TESTS: N passed, M failed
 * and returns the number of failures (use it as guest_main's result: the exit status).
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "guest/guest.h"

struct guest_test {
	const char *name;
	void (*fn)(void);
	unsigned line;		/* tests run in source order (the linker may reorder the section) */
} __attribute__((aligned(32))); /* one fixed stride: the compiler may align each entry itself */

#define TEST(n)                                                                                                        \
	static void test_##n(void);                                                                                    \
	static const struct guest_test test_desc_##n                                                                   \
		__attribute__((used, section(".guest_tests"))) = { #n, test_##n, __LINE__ };                           \
	static void test_##n(void)

/* Record a failure (first one per test is printed) and keep going. */
void guest_test_fail(const char *file, int line, const char *expr, long got, long want);

#define EXPECT_EQ(got, want)                                                                                           \
	do {                                                                                                           \
		long got_ = (long)(got), want_ = (long)(want);                                                         \
		if (got_ != want_) {                                                                                   \
			guest_test_fail(__FILE__, __LINE__, #got, got_, want_);                                        \
		}                                                                                                      \
	} while (0)
#define EXPECT_TRUE(cond) EXPECT_EQ(!!(cond), 1)

int guest_run_tests(void);
/* Calls checked so far by the running test (hostile guest counts them). */
extern unsigned long guest_test_checks;

#endif /* GUEST_TEST_H */
