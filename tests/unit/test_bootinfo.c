// SPDX-License-Identifier: MIT
/*
 * Unit tests for the boot path's plain-C helpers: building struct bootinfo's memory map from
 * the firmware's (lib/memmap.c) and reading the command line (lib/cmdline.c).
 */
#define TEST_MAIN
#include <hv/cmdline.h>
#include <hv/errno.h>
#include <hv/memmap.h>

#include "test.h"

#define EXPECT_FALSE(c) EXPECT_TRUE(!(c))
#define EXPECT_STR_EQ(a, b)                                                        \
	do {                                                                       \
		if (strcmp((a), (b)) != 0) {                                       \
			TEST_FAIL_("expected \"%s\" == \"%s\"", (a), (b));          \
		}                                                                  \
	} while (0)

static struct bootinfo bi;

static void reset(void)
{
	memset(&bi, 0, sizeof(bi));
}

#define EXPECT_REGION(i, b, s, t)                              \
	do {                                                   \
		EXPECT_EQ(hpa_val(bi.mem[(i)].base), (b));     \
		EXPECT_EQ(bi.mem[(i)].size, (s));              \
		EXPECT_EQ(bi.mem[(i)].type, (t));              \
	} while (0)

TEST(memmap_append_merges_neighbours)
{
	reset();
	EXPECT_EQ(memmap_append(&bi, 0x0, 0x1000, MEM_USABLE), 0);
	EXPECT_EQ(memmap_append(&bi, 0x1000, 0x3000, MEM_USABLE), 0);     /* merged */
	EXPECT_EQ(memmap_append(&bi, 0x4000, 0x1000, MEM_RESERVED), 0);   /* new type */
	EXPECT_EQ(memmap_append(&bi, 0x8000, 0x1000, MEM_RESERVED), 0);   /* gap */
	ASSERT_EQ(bi.nr_mem, 3);
	EXPECT_REGION(0, 0x0, 0x4000, MEM_USABLE);
	EXPECT_REGION(1, 0x4000, 0x1000, MEM_RESERVED);
	EXPECT_REGION(2, 0x8000, 0x1000, MEM_RESERVED);
	EXPECT_EQ(memmap_append(&bi, 0x9000, 0, MEM_USABLE), -EINVAL);
	EXPECT_EQ(memmap_append(&bi, ~0ULL - 0xfff, 0x2000, MEM_USABLE), -EINVAL);
	EXPECT_EQ(bi.nr_mem, 3);
}

TEST(memmap_append_full_map)
{
	reset();
	for (uint64_t i = 0; i < BOOTINFO_MAX_MEM; i++) {
		/* alternate types so nothing merges */
		ASSERT_EQ(memmap_append(&bi, i * 0x1000, 0x1000, i % 2 ? MEM_USABLE : MEM_MMIO), 0);
	}
	EXPECT_EQ(memmap_append(&bi, BOOTINFO_MAX_MEM * 0x1000, 0x1000, MEM_RESERVED), -ENOSPC);
	EXPECT_EQ(bi.nr_mem, BOOTINFO_MAX_MEM);
}

TEST(memmap_carve_splits_the_middle)
{
	reset();
	ASSERT_EQ(memmap_append(&bi, 0x100000, 0x100000, MEM_RESERVED), 0); /* loader data */
	ASSERT_EQ(memmap_carve(&bi, 0x140000, 0x20000, MEM_HV_IMAGE), 0);
	memmap_normalise(&bi);
	ASSERT_EQ(bi.nr_mem, 3);
	EXPECT_REGION(0, 0x100000, 0x40000, MEM_RESERVED);
	EXPECT_REGION(1, 0x140000, 0x20000, MEM_HV_IMAGE);
	EXPECT_REGION(2, 0x160000, 0xa0000, MEM_RESERVED);
}

TEST(memmap_carve_across_regions)
{
	reset();
	ASSERT_EQ(memmap_append(&bi, 0x0, 0x10000, MEM_USABLE), 0);
	ASSERT_EQ(memmap_append(&bi, 0x10000, 0x10000, MEM_RESERVED), 0);
	ASSERT_EQ(memmap_append(&bi, 0x20000, 0x10000, MEM_USABLE), 0);
	/* Covers the end of the first, all of the second, the start of the third. */
	ASSERT_EQ(memmap_carve(&bi, 0x8000, 0x20000, MEM_HV_POOL), 0);
	memmap_normalise(&bi);
	ASSERT_EQ(bi.nr_mem, 3);
	EXPECT_REGION(0, 0x0, 0x8000, MEM_USABLE);
	EXPECT_REGION(1, 0x8000, 0x20000, MEM_HV_POOL);
	EXPECT_REGION(2, 0x28000, 0x8000, MEM_USABLE);
	EXPECT_EQ(memmap_type_at(&bi, 0x7fff), MEM_USABLE);
	EXPECT_EQ(memmap_type_at(&bi, 0x8000), MEM_HV_POOL);
	EXPECT_EQ(memmap_type_at(&bi, 0x27fff), MEM_HV_POOL);
	EXPECT_EQ(memmap_type_at(&bi, 0x30000), 0);
}

TEST(memmap_carve_outside_any_region_and_errors)
{
	reset();
	ASSERT_EQ(memmap_append(&bi, 0x0, 0x1000, MEM_USABLE), 0);
	ASSERT_EQ(memmap_carve(&bi, 0x5000, 0x1000, MEM_HV_IMAGE), 0);
	EXPECT_EQ(bi.nr_mem, 2);
	EXPECT_EQ(memmap_carve(&bi, 0x5000, 0, MEM_HV_IMAGE), -EINVAL);
	EXPECT_EQ(memmap_carve(&bi, ~0ULL, 2, MEM_HV_IMAGE), -EINVAL);
	EXPECT_EQ(bi.nr_mem, 2);
}

TEST(memmap_carve_full_map_changes_nothing)
{
	reset();
	for (uint64_t i = 0; i < BOOTINFO_MAX_MEM; i++) {
		ASSERT_EQ(memmap_append(&bi, i * 0x10000, 0x10000, i % 2 ? MEM_USABLE : MEM_MMIO), 0);
	}
	/* A split needs two more slots; nothing may be cut before failing. */
	EXPECT_EQ(memmap_carve(&bi, 0x1000, 0x1000, MEM_HV_IMAGE), -ENOSPC);
	EXPECT_EQ(bi.nr_mem, BOOTINFO_MAX_MEM);
	EXPECT_REGION(0, 0x0, 0x10000, MEM_MMIO);
}

TEST(memmap_normalise_sorts_drops_and_merges)
{
	reset();
	bi.mem[0] = (struct mem_region){ hpa(0x3000), 0x1000, MEM_USABLE, 0 };
	bi.mem[1] = (struct mem_region){ hpa(0x1000), 0x1000, MEM_USABLE, 0 };
	bi.mem[2] = (struct mem_region){ hpa(0x9000), 0, MEM_RESERVED, 0 };
	bi.mem[3] = (struct mem_region){ hpa(0x2000), 0x1000, MEM_USABLE, 0 };
	bi.mem[4] = (struct mem_region){ hpa(0x4000), 0x1000, MEM_ACPI_NVS, 0 };
	bi.nr_mem = 5;
	memmap_normalise(&bi);
	ASSERT_EQ(bi.nr_mem, 2);
	EXPECT_REGION(0, 0x1000, 0x3000, MEM_USABLE);
	EXPECT_REGION(1, 0x4000, 0x1000, MEM_ACPI_NVS);
}

static void ucs2(const char *s, uint16_t *w)
{
	size_t i = 0;

	for (; s[i] != '\0'; i++) {
		w[i] = (unsigned char)s[i];
	}
	w[i] = 0;
}

TEST(cmdline_from_load_options)
{
	uint16_t w[128];
	char out[64];

	/* UEFI shell: argv[0] first. */
	const char *shell = "fs0:\\EFI\\BOOT\\ioasid-hv.EFI selftest=boot  boot.stale_key";

	ucs2(shell, w);
	cmdline_from_ucs2(w, (strlen(shell) + 1) * 2, out, sizeof(out));
	EXPECT_STR_EQ(out, "selftest=boot  boot.stale_key");
	/* Only the program name. */
	ucs2("ioasid-hv.efi", w);
	cmdline_from_ucs2(w, 14 * 2, out, sizeof(out));
	EXPECT_STR_EQ(out, "");
	/* A boot entry's string, no argv[0]. */
	ucs2("selftest=fault", w);
	cmdline_from_ucs2(w, 15 * 2, out, sizeof(out));
	EXPECT_STR_EQ(out, "selftest=fault");
	/* Binary optional data is not a command line. */
	w[0] = 0x4d42;
	w[1] = 0x0102;
	w[2] = 0;
	cmdline_from_ucs2(w, 6, out, sizeof(out));
	EXPECT_STR_EQ(out, "");
	/* Odd byte counts and NULL are rejected; long lines are truncated, terminated. */
	cmdline_from_ucs2(w, 5, out, sizeof(out));
	EXPECT_STR_EQ(out, "");
	cmdline_from_ucs2(NULL, 8, out, sizeof(out));
	EXPECT_STR_EQ(out, "");
	ucs2("selftest=a-very-long-name", w);
	cmdline_from_ucs2(w, 26 * 2, out, 10);
	EXPECT_STR_EQ(out, "selftest=");
}

TEST(cmdline_get_words)
{
	const char *cl = "debug selftest=boot x=1 selftest2=no boot.stale_key";
	char v[8];

	EXPECT_TRUE(cmdline_get(cl, "selftest", v, sizeof(v)));
	EXPECT_STR_EQ(v, "boot");
	EXPECT_TRUE(cmdline_get(cl, "boot.stale_key", v, sizeof(v)));
	EXPECT_STR_EQ(v, "");
	EXPECT_TRUE(cmdline_get(cl, "debug", NULL, 0));
	/* Whole words only: no prefix or suffix matches. */
	EXPECT_FALSE(cmdline_get(cl, "self", v, sizeof(v)));
	EXPECT_FALSE(cmdline_get(cl, "test", v, sizeof(v)));
	EXPECT_FALSE(cmdline_get(cl, "boot", v, sizeof(v)));
	EXPECT_FALSE(cmdline_get("", "selftest", v, sizeof(v)));
	/* Values are truncated to the buffer. */
	EXPECT_TRUE(cmdline_get("k=0123456789", "k", v, sizeof(v)));
	EXPECT_STR_EQ(v, "0123456");
}
