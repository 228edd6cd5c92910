/* SPDX-License-Identifier: MIT */
/*
 * A minimal host unit-test framework. Each TEST() registers itself; main() (define
 * TEST_MAIN in exactly one file of a test binary) runs them all and prints TAP lines:
 *     ok 3 - pt_map_superpage
 *     not ok 4 - pt_unmap_split  (tests/unit/test_pt.c:120: expected 0x1000 == 0x2000)
 * tests/run_all.py counts these lines. A failed EXPECT marks the test failed and continues;
 * a failed ASSERT returns from the test. Exit status is 1 if anything failed.
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

extern struct test_case *test_list;
extern int test_failed_now;

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	static struct test_case tc_##name = { #name, test_##name, NULL };  \
	__attribute__((constructor)) static void reg_##name(void)           \
	{                                                                   \
		struct test_case **p = &test_list;                          \
		while (*p) {                                                \
			p = &(*p)->next;                                    \
		}                                                           \
		*p = &tc_##name;                                            \
	}                                                                   \
	static void test_##name(void)

#define TEST_FAIL_(fmt, ...)                                                                \
	do {                                                                                \
		fprintf(stderr, "    %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);    \
		test_failed_now = 1;                                                        \
	} while (0)

#define EXPECT_EQ(a, b)                                                                       \
	do {                                                                                  \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                              \
		if (a_ != b_) {                                                               \
			TEST_FAIL_("expected %s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")", #a, #b, a_, b_); \
		}                                                                             \
	} while (0)
#define EXPECT_NE(a, b)                                                                       \
	do {                                                                                  \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                              \
		if (a_ == b_) {                                                               \
			TEST_FAIL_("expected %s != %s (both 0x%" PRIx64 ")", #a, #b, a_);     \
		}                                                                             \
	} while (0)
#define EXPECT_TRUE(c)                                          \
	do {                                                    \
		if (!(c)) {                                     \
			TEST_FAIL_("expected %s", #c);          \
		}                                               \
	} while (0)
#define ASSERT_EQ(a, b)                           \
	do {                                      \
		int f_ = test_failed_now;         \
		test_failed_now = 0;              \
		EXPECT_EQ(a, b);                  \
		if (test_failed_now) {            \
			return;                   \
		}                                 \
		test_failed_now = f_;             \
	} while (0)
#define ASSERT_TRUE(c)                            \
	do {                                      \
		int f_ = test_failed_now;         \
		test_failed_now = 0;              \
		EXPECT_TRUE(c);                   \
		if (test_failed_now) {            \
			return;                   \
		}                                 \
		test_failed_now = f_;             \
	} while (0)

#ifdef TEST_MAIN
struct test_case *test_list;
int test_failed_now;

int main(int argc, char **argv)
{
	int n = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	for (struct test_case *t = test_list; t; t = t->next) {
		if (only && strcmp(only, t->name) != 0) {
			continue;
		}
		test_failed_now = 0;
		fflush(stdout);
		t->fn();
		n++;
		printf("%sok %d - %s\n", test_failed_now ? "not " : "", n, t->name);
		failed += test_failed_now;
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
#endif

#endif /* TESTS_UNIT_TEST_H */
