/* SPDX-License-Identifier: MIT */
/* The host fake arch (arch/host) and hv_strerror(), which every host test relies on. */
#include "tests/unit/test.h"

#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/wait.h>

#include "arch/host/host.h"

TEST(host_page_alloc_counts_and_zeroes)
{
	uint64_t free0 = page_free_count();
	uint8_t *p, *q;

	EXPECT_EQ(page_total_count(), 1ULL << 20);
	p = page_alloc(0);
	q = page_alloc(2);
	ASSERT_TRUE(p != NULL && q != NULL);
	EXPECT_EQ((uintptr_t)p & 0xfff, 0);
	EXPECT_EQ((uintptr_t)q & 0x3fff, 0);
	EXPECT_EQ(page_free_count(), free0 - 5);
	for (unsigned i = 0; i < 4 * 4096; i++) {
		if (q[i] != 0) {
			TEST_FAIL_("byte %u not zero", i);
			break;
		}
	}
	memset(p, 0xa5, 4096);
	page_free(p, 0);
	page_free(q, 2);
	EXPECT_EQ(page_free_count(), free0);
	p = page_alloc(0);
	ASSERT_TRUE(p != NULL);
	EXPECT_EQ(p[100], 0);
	page_free(p, 0);
}

TEST(host_page_alloc_failure_injection)
{
	uint64_t free0 = page_free_count(), calls = host_mm_alloc_calls();
	void *a, *b, *c;

	host_mm_fail_after(2);
	a = page_alloc(0);
	b = page_alloc(0);
	c = page_alloc(0);
	EXPECT_TRUE(a != NULL);
	EXPECT_TRUE(b == NULL);
	EXPECT_TRUE(c != NULL); /* one failure per setting */
	EXPECT_EQ(host_mm_alloc_calls() - calls, 3);
	page_free(a, 0);
	page_free(c, 0);
	host_mm_fail_always(true);
	EXPECT_TRUE(page_alloc(0) == NULL);
	host_mm_fail_always(false);
	EXPECT_EQ(page_free_count(), free0);
	/* pool exhaustion */
	host_mm_set_total(1ULL << 20);
	host_mm_set_total((1ULL << 20) - free0 + 1);
	a = page_alloc(0);
	EXPECT_TRUE(a != NULL);
	EXPECT_TRUE(page_alloc(0) == NULL);
	EXPECT_EQ(page_free_count(), 0);
	page_free(a, 0);
	host_mm_set_total(1ULL << 20);
	EXPECT_EQ(page_free_count(), free0);
}

TEST(host_arch_hooks)
{
	uint64_t t0 = arch_counter(), t1;

	EXPECT_EQ(strcmp(arch_name(), "host"), 0);
	EXPECT_EQ(arch_counter_hz(), 1000000000ULL);
	EXPECT_EQ(arch_map_mmio(hpa(0xfed90000), 0x1000), 0);
	EXPECT_EQ(arch_selftest(), 0);
	arch_cpu_relax();
	t1 = arch_counter();
	EXPECT_TRUE(t1 >= t0);
}

/* include/hv/wait.h on the host counter: a false condition times out, and not too early. */
TEST(host_bounded_wait)
{
	volatile int flag = 0;
	uint64_t t0 = arch_counter(), spins = 0;
	int ret;

	ret = poll_until((spins++, flag != 0), 2000);
	EXPECT_EQ(ret, -ETIMEDOUT);
	EXPECT_TRUE(arch_counter() - t0 >= 2000ULL * 1000);
	EXPECT_TRUE(spins > 1);
	flag = 1;
	spins = 0;
	EXPECT_EQ(poll_until((spins++, flag != 0), 2000), 0);
	EXPECT_EQ(spins, 1);
}

TEST(hv_strerror_names)
{
	EXPECT_TRUE(strstr(hv_strerror(-EINVAL), "EINVAL") != NULL);
	EXPECT_TRUE(strstr(hv_strerror(EEXIST), "EEXIST") != NULL);
	EXPECT_TRUE(strstr(hv_strerror(-EDQUOT), "EDQUOT") != NULL);
	EXPECT_TRUE(strstr(hv_strerror(-ETIMEDOUT), "ETIMEDOUT") != NULL);
	EXPECT_EQ(strcmp(hv_strerror(0), "success"), 0);
	EXPECT_EQ(strcmp(hv_strerror(-9999), "unknown error"), 0);
	/* every documented code has its own name */
	static const int codes[] = { EPERM, ENOENT, EIO, E2BIG, EAGAIN, ENOMEM, EFAULT, EBUSY, EEXIST,
				     ENODEV, EINVAL, ENOSPC, ERANGE, ENOSYS, EOVERFLOW,
				     EOPNOTSUPP, ETIMEDOUT, EDQUOT };
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		EXPECT_TRUE(strcmp(hv_strerror(-codes[i]), "unknown error") != 0);
		for (unsigned j = 0; j < i; j++) {
			EXPECT_TRUE(strcmp(hv_strerror(codes[i]), hv_strerror(codes[j])) != 0);
		}
	}
}
