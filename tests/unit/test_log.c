// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/console.c and lib/log.c: the line format the QEMU runner depends on
 * ("[LVL] message" + one newline), level filtering, truncation, and the console's CRLF.
 */
#define TEST_MAIN
#include <setjmp.h>

#include <hv/arch.h>
#include <hv/check.h>
#include <hv/console.h>
#include <hv/exit.h>
#include <hv/log.h>

#include "test.h"

static char out[4096];
static size_t out_len;
static int exit_code = -1;

static void rec_putc(void *ctx, char c)
{
	(void)ctx;
	if (out_len + 1 < sizeof(out)) {
		out[out_len++] = c;
		out[out_len] = '\0';
	}
}

static const struct console_dev rec = { "rec", NULL, rec_putc };

/* hv_panic() ends in arch_exit(): record the code and jump back into the test. */
static jmp_buf exit_jmp;

__noreturn void arch_exit(int code)
{
	exit_code = code;
	longjmp(exit_jmp, 1);
}

static void reset(void)
{
	out_len = 0;
	out[0] = '\0';
	console_register(&rec);
	hv_log_level = LOG_INFO;
}

#define EXPECT_OUT(s)                                                                  \
	do {                                                                           \
		if (strcmp(out, (s)) != 0) {                                           \
			TEST_FAIL_("console got \"%s\", expected \"%s\"", out, (s));    \
		}                                                                      \
	} while (0)

TEST(log_format_and_newline)
{
	reset();
	pr_info("vtd: unit %d at 0x%llx", 0, 0xfed90000ULL);
	EXPECT_OUT("[INF] vtd: unit 0 at 0xfed90000\r\n");
	reset();
	pr_err("already terminated\n");
	EXPECT_OUT("[ERR] already terminated\r\n");
	reset();
	pr_warn("%s", "");
	EXPECT_OUT("[WRN] \r\n");
}

TEST(log_level_filter)
{
	reset();
	pr_debug("hidden");
	EXPECT_OUT("");
	hv_log_level = LOG_DEBUG;
	pr_debug("shown");
	EXPECT_OUT("[DBG] shown\r\n");
	reset();
	hv_log_level = LOG_ERR;
	pr_info("hidden");
	pr_warn("hidden");
	pr_err("e");
	EXPECT_OUT("[ERR] e\r\n");
}

TEST(log_truncates_long_lines_but_ends_them)
{
	char big[1500];

	reset();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pr_info("%s", big);
	EXPECT_TRUE(out_len > 400 && out_len < 600);
	EXPECT_TRUE(strncmp(out, "[INF] xxxx", 10) == 0);
	EXPECT_TRUE(out_len >= 2 && out[out_len - 2] == '\r' && out[out_len - 1] == '\n');
	/* Exactly one line. */
	EXPECT_TRUE(strchr(out, '\n') == out + out_len - 1);
}

TEST(console_crlf_and_absent_device)
{
	reset();
	console_puts("a\nb\n");
	EXPECT_OUT("a\r\nb\r\n");
	EXPECT_TRUE(console_present());
	console_register(NULL);
	EXPECT_TRUE(!console_present());
	console_puts("dropped");
	pr_err("dropped too");
	EXPECT_OUT("a\r\nb\r\n");
}

TEST(log_panic_line_and_exit_code)
{
	reset();
	exit_code = -1;
	if (setjmp(exit_jmp) == 0) {
		hv_panic("boom %d", 7);
	}
	EXPECT_EQ(exit_code, HV_EXIT_PANIC);
	EXPECT_OUT("[PANIC] boom 7\r\n");
}
