// SPDX-License-Identifier: MIT
/*
 * The self-test runner and the generic self-tests: "boot" proves the foundation works after
 * ExitBootServices, "fault" and "fault-ud" prove an unexpected exception ends in a register dump
 * and a failing exit. Selected by hv_main() from "selftest=<name>"; see include/hv/selftest.h.
 *
 * Test image only (hv/build.mk HV_TEST_SRCS): this file's hv_image (include/hv/image.h) is
 * how generic code reaches the runner and the test hooks; the release image links
 * hv/image_release.c instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/cmdline.h>
#include <hv/errno.h>
#include <hv/exit.h>
#include <hv/image.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/platform.h>
#include <hv/selftest.h>
#include <hv/wait.h>

/*
 * An address that is neither RAM nor MMIO on the QEMU machines we test (q35, virt) and that
 * neither arch's identity map covers: below the 48-bit canonical limit, far above any RAM.
 */
#define SELFTEST_UNMAPPED_ADDR 0x00007f0000000000ULL

/* Test hook: the first ExitBootServices gets a wrong map key (boot/efi_main.c), so it is retried. */
#define SELFTEST_OPT_STALE_KEY "boot.stale_key"

/* PCI IDs of QEMU's edu device (docs/specs/edu.rst). */
#define EDU_VENDOR_ID 0x1234
#define EDU_DEVICE_ID 0x11e8

bool selftest_check(bool ok, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hv_log(ok ? LOG_INFO : LOG_ERR, "  %s: %s", buf, ok ? "ok" : "FAILED");
	return ok;
}

static int selftest_pages(void)
{
	uint64_t free0 = page_free_count();
	uint64_t *p, *q;
	bool ok = true;

	p = page_alloc(0);
	ok &= ST_CHECK(p != NULL, "page_alloc(0) returns a page");
	if (p == NULL) {
		return -ENOMEM;
	}
	ok &= ST_CHECK(page_free_count() == free0 - 1, "free count drops by 1 (%llu -> %llu)",
		       (unsigned long long)free0, (unsigned long long)page_free_count());
	q = page_alloc(4);
	ok &= ST_CHECK(q != NULL && IS_ALIGNED((uintptr_t)q, 16 * HV_PAGE_SIZE),
		       "page_alloc(4) returns a 64 KiB aligned block (%p)", (void *)q);
	if (q != NULL) {
		bool zero = true;

		for (size_t i = 0; i < 16 * HV_PAGE_SIZE / sizeof(*q); i++) {
			zero &= q[i] == 0;
		}
		ok &= ST_CHECK(zero, "the block is zeroed");
		ok &= ST_CHECK(page_free_count() == free0 - 17, "free count drops by 16 more");
		memset(q, 0xa5, 16 * HV_PAGE_SIZE);
		page_free(q, 4);
	}
	page_free(p, 0);
	ok &= ST_CHECK(page_free_count() == free0, "free count restored after page_free (%llu)",
		       (unsigned long long)page_free_count());
	/* The freed block comes back zeroed although we dirtied it. */
	q = page_alloc(4);
	ok &= ST_CHECK(q != NULL && q[0] == 0 && q[2047] == 0, "a reused block is zeroed again");
	page_free(q, 4);
	return ok ? 0 : -EIO;
}

static int selftest_heap(void)
{
	uint64_t used0 = heap_used();
	char buf[64];
	char *a, *b;
	bool ok = true;

	a = malloc(1000);
	b = malloc(100000);
	ok &= ST_CHECK(a != NULL && b != NULL && a != b, "malloc returns distinct blocks");
	ok &= ST_CHECK(heap_used() > used0 + 100000, "the heap grew through _sbrk (%llu bytes)",
		       (unsigned long long)heap_used());
	if (a != NULL && b != NULL) {
		memset(a, 1, 1000);
		memset(b, 2, 100000);
		ok &= ST_CHECK(a[999] == 1 && b[0] == 2 && b[99999] == 2, "blocks do not overlap");
	}
	free(a);
	free(b);
	snprintf(buf, sizeof(buf), "%d|%5s|%#llx|%lu", -42, "ab", 0xfeedULL, 123456789UL);
	ok &= ST_CHECK(strcmp(buf, "-42|   ab|0xfeed|123456789") == 0,
		       "newlib snprintf formats integers (\"%s\")", buf);
	ok &= ST_CHECK(strtoul("0x1f", NULL, 0) == 31, "newlib strtoul");
	snprintf(buf, sizeof(buf), "%llx|%zu|%jd", 0x123456789abcdefULL, (size_t)77, (intmax_t)-5);
	ok &= ST_CHECK(strcmp(buf, "123456789abcdef|77|-5") == 0,
		       "newlib snprintf long long and C99 sizes (\"%s\")", buf);
	/* stdio streams work too (newlib FILE layer -> write() -> console). */
	ok &= ST_CHECK(printf("  printf through newlib stdout: %d\n", 42) > 0, "printf returns");
	return ok ? 0 : -EIO;
}

/* The counter runs at a plausible rate and poll_until() gives up on time (include/hv/wait.h). */
static int selftest_timer(void)
{
	uint64_t hz = arch_counter_hz();
	uint64_t t0, t1, polls = 0;
	bool ok = true;
	int ret;

	ok &= ST_CHECK(hz >= 1000000 && hz <= 10000000000ULL, "counter frequency %llu Hz is plausible",
		       (unsigned long long)hz);
	t0 = arch_counter();
	ret = poll_until((polls++, false), 2000);
	t1 = arch_counter();
	ok &= ST_CHECK(ret == -ETIMEDOUT, "poll_until on a condition that never holds: -ETIMEDOUT");
	/* 2 ms requested; accept 2..500 ms of counter time (TCG runs slow and bursty). */
	ok &= ST_CHECK(t1 - t0 >= hz / 500 && t1 - t0 <= hz / 2,
		       "it waited %llu us for a 2000 us timeout (%llu polls)",
		       (unsigned long long)((t1 - t0) * 1000000 / (hz ? hz : 1)),
		       (unsigned long long)polls);
	ret = poll_until(true, 2000);
	ok &= ST_CHECK(ret == 0, "poll_until on a condition that holds: 0");
	return ok ? 0 : -EIO;
}

static int selftest_boot(const struct bootinfo *bi)
{
	bool ok = true;
	int ret;

	ok &= ST_CHECK(true, "running after ExitBootServices (%llu stale-key retries)",
		       (unsigned long long)bi->efi_retries);
	if (cmdline_get(bi->cmdline, SELFTEST_OPT_STALE_KEY, NULL, 0)) {
		ok &= ST_CHECK(bi->efi_retries >= 1, "a stale map key was retried");
	}
	ret = arch_selftest();
	ok &= ST_CHECK(ret == 0, "arch: own page tables and exception vectors");
	ok &= ST_CHECK(selftest_timer() == 0, "counter and bounded waits");
	ok &= ST_CHECK(selftest_pages() == 0, "page allocator");
	ok &= ST_CHECK(selftest_heap() == 0, "heap and newlib");
	ok &= ST_CHECK(platform.discovery_ret == 0, "platform discovery (%d)",
		       platform.discovery_ret);
	ok &= ST_CHECK(platform.acpi_ok, "ACPI tables parsed");
	ok &= ST_CHECK(platform.nr_cpus >= 1, "CPUs found in the MADT (%u)", platform.nr_cpus);
	ok &= ST_CHECK(platform.nr_iommus >= 1, "IOMMU units found (%u)", platform.nr_iommus);
	ok &= ST_CHECK(platform_has_pci_device(EDU_VENDOR_ID, EDU_DEVICE_ID),
		       "edu device (%04x:%04x) found by PCI enumeration", EDU_VENDOR_ID,
		       EDU_DEVICE_ID);
	return ok ? 0 : -EIO;
}
HV_SELFTEST(boot, selftest_boot);

/* A read from unmapped memory: a page fault (x86 #PF, arm64 data abort). Never returns. */
static int selftest_fault(const struct bootinfo *bi)
{
	volatile uint64_t *p = hpa_to_ptr(hpa(SELFTEST_UNMAPPED_ADDR));

	(void)bi;
	pr_info("fault: reading unmapped address 0x%llx; expect a register dump",
		(unsigned long long)SELFTEST_UNMAPPED_ADDR);
	(void)*p;
	pr_err("fault: the read returned: nothing is trapping");
	return -EIO;
}
HV_SELFTEST(fault, selftest_fault);

/* An undefined instruction (x86 ud2 -> #UD, arm64 udf/brk). Never returns. */
static int selftest_fault_ud(const struct bootinfo *bi)
{
	(void)bi;
	pr_info("fault: executing an undefined instruction; expect a register dump");
	__builtin_trap();
}
HV_SELFTEST(fault_ud, selftest_fault_ud);

/* hv_image.run_test: the HV_SELFTEST() entry called name, run once, its verdict as the exit. */
static __noreturn void selftest_run(const char *name, const struct bootinfo *bi)
{
	extern const struct hv_selftest __hv_selftests_start[], __hv_selftests_end[];
	const struct hv_selftest *t;
	int ret;

	for (t = __hv_selftests_start; t < __hv_selftests_end; t++) {
		if (strcmp(t->name, name) == 0) {
			break;
		}
	}
	if (t == __hv_selftests_end) {
		pr_err("selftest %s: FAIL (no such test; known:", name);
		for (t = __hv_selftests_start; t < __hv_selftests_end; t++) {
			pr_err("  %s", t->name);
		}
		pr_err(")");
		arch_exit(HV_EXIT_FAIL);
	}
	pr_info("selftest %s: start", name);
	ret = t->fn(bi);
	if (ret == 0) {
		pr_info("selftest %s: PASS", name);
		arch_exit(HV_EXIT_OK);
	}
	pr_err("selftest %s: FAIL (%d %s)", name, ret, hv_strerror(ret));
	arch_exit(HV_EXIT_FAIL);
}

static bool hook_stale_map_key(const char *cmdline)
{
	return cmdline_get(cmdline, SELFTEST_OPT_STALE_KEY, NULL, 0);
}

const struct hv_image hv_image = {
	.kind = "test",
	.build_suffix = "-test",
	.elf = "ioasid-hv-test.so",
	.run_test = selftest_run,
	.stale_map_key = hook_stale_map_key,
};
