// SPDX-License-Identifier: MIT
/* Host tests of the configuration parser: every accepted form and every rejected one. */
#define TEST_MAIN
#include "test.h"

#include <hv/cmdline.h>
#include <hv/config.h>

static struct hv_config cfg;
static struct cfg_error err;

static int parse(const char *text)
{
	return config_parse(text, strlen(text), &cfg, &err);
}

/* Expect a parse failure on `line` whose message contains `needle`. */
#define EXPECT_PARSE_ERR(text, line_, needle)                                     \
	do {                                                                      \
		EXPECT_EQ(parse(text), -22);                                      \
		EXPECT_EQ(err.line, line_);                                       \
		if (strstr(err.msg, needle) == NULL) {                            \
			TEST_FAIL_("message '%s' lacks '%s'", err.msg, needle);   \
		}                                                                 \
	} while (0)

static const char good[] = "# two partitions\n"
			   "cmdline = selftest=boot log=debug\n"
			   "\n"
			   "[guest demo]\n"
			   "image = \\guests\\demo.bin   # the narrating demo\n"
			   "memory = 64M\n"
			   "memory = 16M @ 0x100000000\n"
			   "device = 0000:00:03.0\n"
			   "device = 00:04.1\n"
			   "pt_quota = 2M\n"
			   "console = yes\n"
			   "[guest second]\r\n"
			   "image = b.bin\r\n"
			   "memory = 0x200000\r\n"
			   "irq_routes = 3\r\n";

TEST(config_parses_full_example)
{
	ASSERT_EQ(parse(good), 0);
	EXPECT_TRUE(strcmp(cfg.cmdline, "selftest=boot log=debug") == 0);
	ASSERT_EQ(cfg.nr_guests, 2);
	const struct cfg_guest *g = &cfg.guests[0];
	EXPECT_TRUE(strcmp(g->name, "demo") == 0);
	EXPECT_TRUE(strcmp(g->image, "\\guests\\demo.bin") == 0);
	EXPECT_EQ(g->image_line, 5);
	ASSERT_EQ(g->nr_mem, 2);
	EXPECT_EQ(gpa_val(g->mem[0].base), 0);
	EXPECT_EQ(g->mem[0].size, 64ULL << 20);
	EXPECT_EQ(gpa_val(g->mem[1].base), 0x100000000ULL);
	EXPECT_EQ(g->mem[1].size, 16ULL << 20);
	ASSERT_EQ(g->nr_devs, 2);
	EXPECT_EQ(g->devs[0].bus, 0);
	EXPECT_EQ(g->devs[0].devfn, 3 << 3);
	EXPECT_EQ(g->devs[1].devfn, (4 << 3) | 1);
	EXPECT_EQ(g->devs[1].line, 9);
	EXPECT_EQ(g->pt_quota_pages, 512);
	EXPECT_TRUE(g->console);
	EXPECT_EQ(config_guest_mem(g), 80ULL << 20);
	EXPECT_TRUE(strcmp(cfg.guests[1].image, "b.bin") == 0);
	EXPECT_EQ(cfg.guests[1].pt_quota_pages, CFG_DEFAULT_QUOTA_PAGES);
	EXPECT_EQ(g->irq_routes, CFG_MAX_IRQ_ROUTES);
	EXPECT_EQ(cfg.guests[1].irq_routes, 3);
	EXPECT_TRUE(!cfg.guests[1].console);
}

TEST(config_empty_is_valid_and_has_no_guests)
{
	ASSERT_EQ(parse(""), 0);
	EXPECT_EQ(cfg.nr_guests, 0);
	ASSERT_EQ(parse("# nothing\n\n   \n"), 0);
	EXPECT_EQ(cfg.nr_guests, 0);
}

TEST(config_rejects_syntax_errors_with_line)
{
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 4K\ncolour = blue\n", 4, "unknown key 'colour'");
	EXPECT_PARSE_ERR("verbose = 1\n", 1, "unknown key 'verbose'");
	EXPECT_PARSE_ERR("[host a]\n", 1, "unknown section");
	EXPECT_PARSE_ERR("[guest a\n", 1, "must end with ']'");
	EXPECT_PARSE_ERR("[guest a b]\n", 1, "guest name");
	EXPECT_PARSE_ERR("[guest ]\n", 1, "guest name");
	EXPECT_PARSE_ERR("[guest a]\nimage\n", 2, "key = value");
	EXPECT_PARSE_ERR("[guest a]\nimage = \n", 2, "key = value");
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 4K\n[guest a]\n", 4, "already defined on line 1");
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nimage = y\n", 3, "already set");
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 4K\nconsole = maybe\n", 4, "yes or no");
}

TEST(config_rejects_bad_numbers)
{
	EXPECT_PARSE_ERR("[guest a]\nmemory = 0\n", 2, "non-zero");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 5000\n", 2, "multiple of 4K");
	/* One allocator block per region: at most CFG_MAX_REGION (1G), whatever the rounding. */
	EXPECT_PARSE_ERR("[guest a]\nmemory = 65G\n", 2, "at most 1G");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 1052676K\n", 2, "at most 1G"); /* 1G + 4K */
	EXPECT_EQ(parse("[guest a]\nimage = x\nmemory = 1G\nmemory = 1G @ 0x40000000\n"), 0);
	EXPECT_EQ(config_region_order(CFG_MAX_REGION), 18);
	EXPECT_PARSE_ERR("[guest a]\nmemory = 99999999999999999999999\n", 2, "memory size");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 18446744073709551615G\n", 2, "memory size");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 12x\n", 2, "memory size");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 4K @ 0x1001\n", 2, "4K-aligned");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 4K @ zz\n", 2, "4K-aligned");
	EXPECT_PARSE_ERR("[guest a]\nmemory = 8K @ 0xfffffffff000\n", 2, "48-bit");
	EXPECT_PARSE_ERR("[guest a]\npt_quota = 4K\n", 2, "pt_quota");
	EXPECT_PARSE_ERR("[guest a]\npt_quota = 2G\n", 2, "pt_quota");
	EXPECT_PARSE_ERR("[guest a]\nirq_routes = 0\n", 2, "irq_routes");
	EXPECT_PARSE_ERR("[guest a]\nirq_routes = 9\n", 2, "irq_routes");
}

TEST(config_rejects_overlapping_memory_in_a_guest)
{
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 64M\nmemory = 4K @ 0x3fff000\n", 4,
			 "overlaps the region on line 3");
	/* Adjacent regions are fine. */
	EXPECT_EQ(parse("[guest a]\nimage = x\nmemory = 64M\nmemory = 4K @ 0x4000000\n"), 0);
}

TEST(config_rejects_bad_devices)
{
	EXPECT_PARSE_ERR("[guest a]\ndevice = 00:20.0\n", 2, "bus:device.function");
	EXPECT_PARSE_ERR("[guest a]\ndevice = 00:03.8\n", 2, "bus:device.function");
	EXPECT_PARSE_ERR("[guest a]\ndevice = 100:03.0\n", 2, "bus:device.function");
	EXPECT_PARSE_ERR("[guest a]\ndevice = 10000:00:03.0\n", 2, "bus:device.function");
	EXPECT_PARSE_ERR("[guest a]\ndevice = 0003.0\n", 2, "bus:device.function");
	EXPECT_PARSE_ERR("[guest a]\ndevice = 00:03\n", 2, "bus:device.function");
	EXPECT_PARSE_ERR("[guest a]\ndevice = 00:03.0\ndevice = 0000:00:03.0\n", 3, "already listed on line 2");
}

TEST(config_rejects_missing_image_or_memory)
{
	EXPECT_PARSE_ERR("[guest a]\nmemory = 4K\n", 1, "no image");
	EXPECT_PARSE_ERR("[guest a]\nimage = x\n", 1, "no memory");
}

TEST(config_rejects_too_many_and_too_long)
{
	char buf[4096];
	size_t n = 0;

	for (int i = 0; i <= CFG_MAX_GUESTS; i++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[guest g%d]\nimage = x\nmemory = 4K\n", i);
	}
	EXPECT_PARSE_ERR(buf, 3 * CFG_MAX_GUESTS + 1, "too many guests");

	memset(buf, 'a', 300);
	memcpy(buf, "cmdline = ", 10);
	buf[300] = '\0';
	EXPECT_PARSE_ERR(buf, 1, "longer than");

	EXPECT_EQ(config_parse("cmdline = a\0b\n", 14, &cfg, &err), -22);
	EXPECT_EQ(err.line, 1);
}

static bool only_00_03_0(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	(void)ctx;
	return seg == 0 && bus == 0 && devfn == (3 << 3);
}

TEST(config_validate_against_machine)
{
	struct cfg_machine m = { .device_exists = only_00_03_0, .ram_bytes = 128ULL << 20 };

	ASSERT_EQ(parse("[guest a]\nimage = x\nmemory = 64M\ndevice = 00:03.0\nconsole = yes\n"
			"[guest b]\nimage = y\nmemory = 64M\n"),
		  0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), 0);

	/* A device that does not exist. */
	ASSERT_EQ(parse("[guest a]\nimage = x\nmemory = 4K\ndevice = 00:05.0\n"), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 4);
	EXPECT_TRUE(strstr(err.msg, "0000:00:05.0 does not exist") != NULL);

	/* A device given to two guests: reported on the second assignment, naming the first. */
	ASSERT_EQ(parse("[guest a]\nimage = x\nmemory = 4K\ndevice = 00:03.0\n"
			"[guest b]\nimage = y\nmemory = 4K\ndevice = 0000:00:03.0\n"),
		  0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 8);
	EXPECT_TRUE(strstr(err.msg, "also assigned to guest 'a' (line 4)") != NULL);

	/* More memory than exists. */
	ASSERT_EQ(parse("[guest a]\nimage = x\nmemory = 64M\n[guest b]\nimage = y\nmemory = 64M\nmemory = 4K @ 0x10000000\n"), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 4);
	EXPECT_TRUE(strstr(err.msg, "memory") != NULL);

	/* Two console owners. */
	ASSERT_EQ(parse("[guest a]\nimage = x\nmemory = 4K\nconsole = yes\n[guest b]\nimage = y\nmemory = 4K\nconsole = yes\n"), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 8);
	EXPECT_TRUE(strstr(err.msg, "both own the console") != NULL);
}

/* Every prefix of a valid file either parses or fails cleanly with a line inside the text. */
TEST(config_truncations_never_misbehave)
{
	size_t len = strlen(good);

	for (size_t n = 0; n <= len; n++) {
		int r = config_parse(good, n, &cfg, &err);

		EXPECT_TRUE(r == 0 || r == -22);
		if (r != 0) {
			EXPECT_TRUE(err.line >= 1 && err.line <= 15);
			EXPECT_TRUE(err.msg[0] != '\0');
		}
	}
}

/*
 * The file-level rules: a file over CFG_FILE_MAX (boot/ hands over CFG_FILE_MAX + 1 bytes of a
 * longer one) is refused, not ignored; a UTF-8 byte-order mark is skipped; UTF-16 is refused.
 */
TEST(config_refuses_oversize_file)
{
	static char big[CFG_FILE_MAX + 1];

	memset(big, '\n', sizeof(big));
	memcpy(big, "[guest a]\nimage = x\nmemory = 4K\n", 32);
	EXPECT_EQ(config_parse(big, CFG_FILE_MAX, &cfg, &err), 0);
	EXPECT_EQ(cfg.nr_guests, 1);
	EXPECT_EQ(config_parse(big, CFG_FILE_MAX + 1, &cfg, &err), -22);
	EXPECT_EQ(err.line, 0);
	EXPECT_TRUE(strstr(err.msg, "larger than 65536 bytes") != NULL);
	EXPECT_EQ(cfg.nr_guests, 0);
}

TEST(config_skips_utf8_bom_and_refuses_utf16)
{
	static const char bom_cfg[] = "\xef\xbb\xbf[guest a]\nimage = x\nmemory = 4K\n";
	static const char bom_line1_key[] = "\xef\xbb\xbf"
					    "cmdline = selftest=boot\n";
	static const char utf16[] = "\xff\xfe[\0g\0u\0e\0s\0t\0";

	ASSERT_EQ(config_parse(bom_cfg, sizeof(bom_cfg) - 1, &cfg, &err), 0);
	ASSERT_EQ(cfg.nr_guests, 1);
	EXPECT_TRUE(strcmp(cfg.guests[0].name, "a") == 0);
	EXPECT_EQ(cfg.guests[0].line, 1); /* the mark does not shift line numbers */
	EXPECT_TRUE(config_is_partition(bom_cfg, sizeof(bom_cfg) - 1));

	ASSERT_EQ(config_parse(bom_line1_key, sizeof(bom_line1_key) - 1, &cfg, &err), 0);
	EXPECT_TRUE(strcmp(cfg.cmdline, "selftest=boot") == 0);
	EXPECT_TRUE(config_is_partition(bom_line1_key, sizeof(bom_line1_key) - 1));

	/* A mark anywhere but at the start is an ordinary (bad) byte. */
	EXPECT_PARSE_ERR("[guest a]\n\xef\xbb\xbfimage = x\n", 2, "unknown key '\\xef\\xbb\\xbfimage'");

	EXPECT_TRUE(config_is_partition(utf16, sizeof(utf16) - 1));
	EXPECT_EQ(config_parse(utf16, sizeof(utf16) - 1, &cfg, &err), -22);
	EXPECT_EQ(err.line, 1);
	EXPECT_TRUE(strstr(err.msg, "UTF-16") != NULL);
}

TEST(config_is_partition_classifies)
{
	static const char *const yes[] = { "[guest a]\n", "  cmdline = x\n", "# c\n\n\t[guest b]\n", "x\ncmdline=y" };
	static const char *const no[] = { "selftest=boot\n", "", "\xef\xbb\xbf", "# [guest a]\n",
					  "log=debug [guest\n" };

	for (unsigned i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		EXPECT_TRUE(config_is_partition(yes[i], strlen(yes[i])));
	}
	for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		EXPECT_TRUE(!config_is_partition(no[i], strlen(no[i])));
	}
}

/* The plain command-line file: first line, BOM skipped, non-printable refused. */
TEST(cmdline_from_text_first_line)
{
	char out[16];

	EXPECT_TRUE(cmdline_from_text("\xef\xbb\xbfselftest=boot\r\nrest\n", 25, out, sizeof(out)));
	EXPECT_TRUE(strcmp(out, "selftest=boot") == 0);
	EXPECT_TRUE(cmdline_from_text("a b\tc", 5, out, sizeof(out)));
	EXPECT_TRUE(strcmp(out, "a b\tc") == 0);
	EXPECT_TRUE(cmdline_from_text("0123456789abcdefghij", 20, out, sizeof(out)));
	EXPECT_TRUE(strcmp(out, "0123456789abcde") == 0); /* truncated */
	EXPECT_TRUE(!cmdline_from_text("ab\x1b[2Jc\n", 9, out, sizeof(out)));
	EXPECT_EQ(out[0], '\0');
	EXPECT_TRUE(!cmdline_from_text("\xff\xfes\0", 4, out, sizeof(out)));
	EXPECT_EQ(out[0], '\0');
	EXPECT_TRUE(cmdline_from_text("x\n\x1b", 3, out, sizeof(out))); /* only the first line counts */
	EXPECT_TRUE(strcmp(out, "x") == 0);
}

TEST(config_requires_ram_at_gpa_0)
{
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 16M @ 0x100000\n", 3, "no memory at guest-physical 0");
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 4K @ 0x1000\nmemory = 4K @ 0x3000\n", 3,
			 "no memory at guest-physical 0");
	/* Order does not matter. */
	EXPECT_EQ(parse("[guest a]\nimage = x\nmemory = 4K @ 0x10000\nmemory = 4K\n"), 0);
}

/* What the parser echoes from the file is escaped: no terminal control sequences in the log. */
TEST(config_unknown_key_is_escaped)
{
	EXPECT_PARSE_ERR("[guest a]\nimage = x\nmemory = 4K\n\x1b[2J\x07k\\x = 1\n", 4,
			 "unknown key '\\x1b[2J\\x07k\\\\x' in guest 'a'");
	EXPECT_PARSE_ERR("\x9b"
			 "31m = 1\n",
			 1, "unknown key '\\x9b31m' (before any");
	for (size_t i = 0; err.msg[i] != '\0'; i++) {
		EXPECT_TRUE(err.msg[i] >= 0x20 && err.msg[i] <= 0x7e);
	}
	/* A long key is cut after CFG_ECHO_MAX (40) bytes. */
	EXPECT_PARSE_ERR("aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeee = 1\n", 1,
			 "unknown key 'aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd...'");
	/* Values echoed later (image path, cmdline) must be printable in the first place. */
	EXPECT_PARSE_ERR("[guest a]\nimage = \\g\x1b[0m.bin\n", 2, "printable ASCII");
	EXPECT_PARSE_ERR("cmdline = selftest=\x7f\n", 1, "printable ASCII");
	EXPECT_EQ(parse("[guest a]\nimage = \\my guests\\a.bin\nmemory = 4K\n"), 0);
	/* Paths fit the name boot/ loads files under: 63 characters. */
	EXPECT_EQ(parse("[guest a]\nimage = \\guests\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bin\nmemory "
			"= 4K\n"),
		  0);
	EXPECT_EQ(strlen(cfg.guests[0].image), 63);
	EXPECT_PARSE_ERR("[guest a]\nimage = \\guests\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bin\n", 2,
			 "1-63 printable");
}

/* cpus = LIST: the forms, the vCPU -> CPU order, and every parse error with its line. */
TEST(config_cpus_key)
{
	const struct cfg_guest *g = &cfg.guests[0];

	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 1-2\n"), 0);
	EXPECT_EQ(g->cpus, 0x6);
	EXPECT_EQ(g->cpus_line, 4);
	EXPECT_EQ(config_guest_vcpus(g), 2);
	EXPECT_EQ(config_vcpu_cpu(g, 0), 1);
	EXPECT_EQ(config_vcpu_cpu(g, 1), 2);
	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 5, 1 ,3-4\n"), 0);
	EXPECT_EQ(g->cpus, 0x3a);
	EXPECT_EQ(config_guest_vcpus(g), 4);
	EXPECT_EQ(config_vcpu_cpu(g, 0), 1);
	EXPECT_EQ(config_vcpu_cpu(g, 3), 5);
	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\n"), 0);
	EXPECT_EQ(g->cpus, 0);
	EXPECT_EQ(config_guest_vcpus(g), 1);
	EXPECT_EQ(config_vcpu_cpu(g, 0), 0);
	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 63\n"), 0);
	EXPECT_EQ(config_vcpu_cpu(g, 0), 63);

	EXPECT_PARSE_ERR("[guest a]\ncpus = 0-1\n", 2, "CPU 0 is the boot CPU");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 1,2,1\n", 2, "CPU 1 is listed twice");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 1-3,2\n", 2, "CPU 2 is listed twice");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 3-1\n", 2, "backwards");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 64\n", 2, "beyond the largest CPU number");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 1-99999999999999999999\n", 2, "list of CPU numbers");
	EXPECT_PARSE_ERR("[guest a]\ncpus = one\n", 2, "list of CPU numbers");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 1,\n", 2, "must not end with ','");
	EXPECT_PARSE_ERR("[guest a]\ncpus = ,1\n", 2, "list of CPU numbers");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 1--2\n", 2, "list of CPU numbers");
	EXPECT_PARSE_ERR("[guest a]\ncpus = 1\ncpus = 2\n", 3, "already set");
}

static bool cpu_2_is_down(void *ctx, unsigned cpu)
{
	(void)ctx;
	return cpu != 2;
}

/* Against the machine: a CPU that does not exist, did not come up, or is given twice. */
TEST(config_cpus_validate)
{
	struct cfg_machine m = { .ram_bytes = 128ULL << 20, .nr_cpus = 4, .cpu_online = cpu_2_is_down };

	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 1\n[guest b]\nimage = b\nmemory = 4K\ncpus = 3\n"), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), 0);
	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 1,4\n"), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 4);
	EXPECT_TRUE(strstr(err.msg, "CPU 4 does not exist (the machine lists 4 CPU(s))") != NULL);
	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 1-2\n"), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 4);
	EXPECT_TRUE(strstr(err.msg, "CPU 2 did not come up") != NULL);
	ASSERT_EQ(parse("[guest a]\nimage = a\nmemory = 4K\ncpus = 1\n[guest b]\nimage = b\nmemory = 4K\n\ncpus = 3,1\n"),
		  0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), -22);
	EXPECT_EQ(err.line, 9);
	EXPECT_TRUE(strstr(err.msg, "CPU 1 is also given to guest 'a' (line 4)") != NULL);
}
