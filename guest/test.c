// SPDX-License-Identifier: MIT
/*
 * Guest test framework (guest/test.h).
 */
#include "guest/test.h"

extern const struct guest_test __guest_tests_start[], __guest_tests_end[];

static unsigned current_failures;
unsigned long guest_test_checks;

void guest_test_fail(const char *file, int line, const char *expr, long got, long want)
{
	if (current_failures++ == 0) {
		guest_printf("  %s:%d: %s: got %ld (%s), expected %ld (%s)\n", file, line, expr, got,
			     ioasid_errname(got), want, ioasid_errname(want));
	}
}

int guest_run_tests(void)
{
	unsigned passed = 0, failed = 0, done_line = 0;

	for (;;) {
		const struct guest_test *t = NULL;

		/* the next test by source line: a few tests, so a quadratic pick is fine */
		for (const struct guest_test *c = __guest_tests_start; c < __guest_tests_end; c++) {
			if (c->line > done_line && (t == NULL || c->line < t->line)) {
				t = c;
			}
		}
		if (t == NULL) {
			break;
		}
		done_line = t->line;
		current_failures = 0;
		t->fn();
		if (current_failures) {
			guest_printf("TEST %s: FAIL (%u failed check(s))\n", t->name, current_failures);
			failed++;
		} else {
			guest_printf("TEST %s: PASS\n", t->name);
			passed++;
		}
	}
	guest_printf("TESTS: %u passed, %u failed\n", passed, failed);
	return (int)failed;
}
