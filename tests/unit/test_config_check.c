// SPDX-License-Identifier: MIT
/*
 * Host tests of the configuration pre-flight (hv/config_check.c): every refusal guest creation
 * would otherwise make only when that guest's turn comes, here made before any guest runs,
 * with the line it belongs to. The page allocator is the real one (lib/palloc.c) over a heap
 * block standing in for RAM, so the dry run meets real bitmaps; the IOMMU lookup and PCI are
 * stubs whose answers each test sets.
 */
#define TEST_MAIN
#include <setjmp.h>
#include <stdarg.h>
#include <sys/mman.h>

#include <hv/bits.h>
#include <hv/check.h>
#include <hv/bootinfo.h>
#include <hv/config.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/pci.h>

#include "ioasid/backend.h"
#include "test.h"

#define RAM_SIZE (16ULL << 20)

/* ---- stubs: panic (palloc's CHECKs), cache maintenance, PCI, the IOMMU lookup ---- */

__noreturn void hv_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

void arch_dcache_clean(const void *p, size_t len)
{
	(void)p;
	(void)len;
}

struct pci_info hv_pci;

const struct pci_dev *pci_find(const struct pci_info *pci, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		const struct pci_dev *p = &pci->devs[i];

		if (p->segment == segment && p->bus == bus && p->devfn == devfn) {
			return p;
		}
	}
	return NULL;
}

/* Two fake units: devices on bus 0 go to unit 0, on bus 1 to unit 1. */
static struct fake_unit {
	struct hv_iommu iommu;
	struct ioasid_dev_caps caps;
	int caps_err;
} units[2];
static uint16_t nodev_bdf = 0xffff, rmrr_bdf = 0xffff;

static int fake_get_caps(struct hv_iommu *u, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	const struct fake_unit *f = (const struct fake_unit *)u;

	(void)d;
	*caps = f->caps;
	return f->caps_err;
}

static const struct ioasid_backend_ops fake_ops = { .get_caps = fake_get_caps };

int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid)
{
	(void)segment;
	if (bdf == nodev_bdf) {
		return -ENODEV;
	}
	if (bdf == rmrr_bdf) {
		return -EBUSY;
	}
	*u = &units[(bdf >> 8) & 1].iommu;
	*rid = bdf;
	return 0;
}

/* ---- fixture ---- */

static struct hv_config cfg;
static struct cfg_error err;
static struct bootinfo bi;
static uint8_t img_a[0x1000], img_b[100];
static uint8_t *ram;

static void add_file(const char *name, const void *p, uint64_t size)
{
	struct boot_file *f = &bi.files[bi.nr_files++];

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->base = ptr_to_hpa(p);
	f->size = size;
}

/*
 * 16 MiB of "RAM" aligned to 16 MiB: its first page holds palloc's bitmap, so there is one free
 * 8 MiB block (the upper half) and three 4 MiB blocks.
 */
/* guest_arch_gpa_hole: the arm64 one (the vGIC frames) unless a test turns it off. */
static bool no_hole;

void guest_arch_gpa_hole(uint64_t *base, uint64_t *end)
{
	*base = no_hole ? 0 : GUEST_VGIC_BASE;
	*end = no_hole ? 0 : GUEST_VGIC_END;
}

static void setup(void)
{
	no_hole = false;
	memset(&bi, 0, sizeof(bi));
	memset(&hv_pci, 0, sizeof(hv_pci));
	for (unsigned i = 0; i < 2; i++) {
		units[i] = (struct fake_unit){
			.iommu = { .ops = &fake_ops, .name = i ? "unit1" : "unit0" },
			.caps = { .pgsize_bitmap = SZ_4K, .ia_bits = 48, .paging_fmt = PT_FMT_VTD_SL }
		};
	}
	nodev_bdf = rmrr_bdf = 0xffff;
	add_file("\\ioasid-hv.cfg", "x", 1);
	add_file("\\a.bin", img_a, sizeof(img_a));
	add_file("\\b.bin", img_b, sizeof(img_b));
	if (ram == NULL) {
		ram = aligned_alloc(RAM_SIZE, RAM_SIZE);
	}
	palloc_reset();
	palloc_add_range(ptr_to_hpa(ram), RAM_SIZE);
}

/* Parse (must succeed), then pre-flight; the pre-flight's result. */
static int preflight(const char *text)
{
	int ret = config_parse(text, strlen(text), &cfg, &err);

	if (ret != 0) {
		fprintf(stderr, "    parse failed: line %u: %s\n", err.line, err.msg);
		return 1;
	}
	return config_preflight(&cfg, &bi, &err);
}

#define EXPECT_REFUSED(text, ret_, line_, needle)                                                                      \
	do {                                                                                                           \
		EXPECT_EQ(preflight(text), ret_);                                                                      \
		EXPECT_EQ(err.line, line_);                                                                            \
		if (strstr(err.msg, needle) == NULL) {                                                                 \
			TEST_FAIL_("message '%s' lacks '%s'", err.msg, needle);                                        \
		}                                                                                                      \
	} while (0)

/* ---- tests ---- */

TEST(preflight_accepts_a_good_config_and_leaves_the_allocator_as_it_was)
{
	uint64_t free_before;

	setup();
	hv_pci.nr_devs = 1;
	hv_pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3 };
	hv_pci.devs[0].bars[0] = (struct pci_bar){ .base = 0xfe000000, .size = 0x1000 };
	free_before = page_free_count();
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\nconsole = yes\n"
			    "[guest b]\nimage = \\b.bin\nmemory = 2M\nmemory = 1M @ 0x40000000\n"),
		  0);
	EXPECT_EQ(err.line, 0);
	EXPECT_EQ(page_free_count(), free_before);
}

TEST(preflight_missing_image_of_a_later_guest)
{
	setup();
	/* The first guest is fine; the second names a file boot/ did not load: its image line. */
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\n\n[guest b]\nmemory = 4M\nimage = \\none.bin\n",
		       -ENOENT, 7, "guest 'b': image \\none.bin was not loaded");
}

/* The longest name and path still leave the whole message in err.msg. */
TEST(preflight_message_not_truncated)
{
	setup();
	EXPECT_REFUSED("[guest g234567890123456789012345678901]\nmemory = 4M\n"
		       "image = \\guests\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bin\n",
		       -ENOENT, 3, "was not loaded from the ESP (missing, empty, unreadable or over 256 MiB)");
	EXPECT_REFUSED(
		"[guest g234567890123456789012345678901]\nimage = \\a.bin\nmemory = 4M\nmemory = 5M @ 0x1000000\n"
		"memory = 5M @ 0x2000000\n",
		-ENOMEM, 5, "KiB free in all");
}

TEST(preflight_refuses_elf_images)
{
	static uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	setup();
	add_file("\\a.elf", elf, sizeof(elf));
	EXPECT_REFUSED("[guest a]\nmemory = 4M\nimage = \\a.elf\n", -EINVAL, 3, "is an ELF file");
}

TEST(preflight_ram_at_0_must_hold_the_image_and_a_stack_page)
{
	setup();
	/* img_a is 0x1000 bytes: it needs 0x100000 + 0x1000 + one page = 0x102000 bytes at GPA 0. */
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 0x102000\n"), 0);
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M @ 0x1000000\nmemory = 0x101000\n", -EINVAL, 4,
		       "memory at guest-physical 0 is 1028 KiB; its 4096-byte image at 0x100000 and a page of stack "
		       "need 1032 KiB");
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 1M\n", -EINVAL, 3,
		       "memory at guest-physical 0 is 1024 KiB");
}

TEST(preflight_ram_beyond_the_iommu_width)
{
	setup();
	units[1].caps.ia_bits = 39;
	hv_pci.nr_devs = 2;
	hv_pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3 };
	hv_pci.devs[1] = (struct pci_dev){ .bus = 1, .devfn = 0 };
	/* Ends exactly at 2^39: fine. */
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4K @ 0x7ffffff000\ndevice = 01:00.0\n"),
		  0);
	/* One page more: refused on the memory line, naming the unit and the device's line. */
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 8K @ 0x7ffffff000\ndevice = 01:00.0\n",
		       -ERANGE, 4,
		       "beyond the 39-bit input range of IOMMU unit1, which translates device 0000:01:00.0 (line 5)");
	/* The 48-bit unit takes the same memory. */
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 8K @ 0x7ffffff000\ndevice = 00:01.0\n"),
		  0);
	/* Without devices no IOMMU table is built: nothing to check. */
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 8K @ 0x7ffffff000\n"), 0);
	/* Two units of one format but different widths cannot share the guest's GPA table. */
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\ndevice = 01:00.0\n", -EOPNOTSUPP, 5,
		       "IOMMU unit1 builds 39-bit tables, the one of the device on line 4 48-bit");
}

TEST(preflight_devices_without_a_usable_iommu)
{
	setup();
	hv_pci.nr_devs = 1;
	hv_pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3 };
	nodev_bdf = 1 << 3;
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n", -ENODEV, 4,
		       "device 0000:00:01.0 cannot be assigned: no IOMMU unit translates it");
	nodev_bdf = 0xffff;
	rmrr_bdf = 1 << 3;
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n", -EBUSY, 4, "RMRR");
	rmrr_bdf = 0xffff;
	units[0].caps.paging_fmt = 0;
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n", -EOPNOTSUPP, 4,
		       "IOMMU unit0 offers no usable table format");
	units[0].caps.paging_fmt = PT_FMT_VTD_SL;
	units[0].caps_err = -EIO;
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n", -EIO, 4,
		       "no usable table format");
}

TEST(preflight_bar_inside_guest_ram)
{
	setup();
	hv_pci.nr_devs = 1;
	hv_pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3 };
	hv_pci.devs[0].bars[2] = (struct pci_bar){ .base = 0x40000800, .size = 0x800 };
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n"), 0);
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4K @ 0x40000000\ndevice = 00:01.0\n", -EINVAL,
		       5, "BAR2 [0x40000000-0x40000fff] lies inside the guest's memory on line 4");
	/* An I/O BAR is never mapped. */
	hv_pci.devs[0].bars[2].flags = PCI_BAR_F_IO;
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4K @ 0x40000000\ndevice = 00:01.0\n"),
		  0);
}

/*
 * Rounding: 5M + 5M is 10 MiB of 16, and config_validate's sum passes, but each region is an
 * 8 MiB block and there is only one. The console owner is created first, so the other guest's
 * region is the one refused. The dry run gives back what it took.
 */
TEST(preflight_memory_or_bar_over_the_vgic)
{
	setup();
	/* RAM reaching into the distributor (0x08000000), or a region inside the redistributors. */
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 8K @ 0x7fff000\n", -EINVAL, 4,
		       "memory [0x7fff000-0x8000fff] overlaps the virtual interrupt controller");
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4K @ 0x82a0000\nmemory = 4K @ 0x829f000\n",
		       -EINVAL, 5, "[0x8000000-0x829ffff]");
	/* Just below and just after it: accepted. */
	EXPECT_EQ(
		preflight(
			"[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4K @ 0x7fff000\nmemory = 4K @ 0x82a0000\n"),
		0);
	/* A BAR over it. */
	hv_pci.nr_devs = 1;
	hv_pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3 };
	hv_pci.devs[0].bars[0] = (struct pci_bar){ .base = 0x080a0000, .size = 0x1000 };
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n", -EINVAL, 4,
		       "BAR0 [0x80a0000-0x80a0fff] overlaps the guest's virtual interrupt controller");
	/* x86_64: no hole. */
	no_hole = true;
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\ndevice = 00:01.0\n"), 0);
}

TEST(preflight_memory_exhaustion_after_rounding)
{
	struct cfg_machine m = { .ram_bytes = page_free_count() << HV_PAGE_SHIFT };
	const char *two =
		"[guest a]\nimage = \\a.bin\nmemory = 5M\n[guest b]\nimage = \\b.bin\nmemory = 5M\nconsole = yes\n";
	uint64_t free_before;

	setup();
	m.ram_bytes = page_free_count() << HV_PAGE_SHIFT;
	free_before = page_free_count();
	ASSERT_EQ(config_parse(two, strlen(two), &cfg, &err), 0);
	EXPECT_EQ(config_validate(&cfg, &m, &err), 0);
	EXPECT_REFUSED(two, -ENOMEM, 3, "guest 'a': no free 8192 KiB block for this memory");
	EXPECT_TRUE(strstr(err.msg, "after 8192 KiB for the 1 region(s) before it") != NULL);
	EXPECT_EQ(page_free_count(), free_before);
	/* 4M + 4M + 4M fit in the three 4 MiB blocks, together. */
	EXPECT_EQ(preflight("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4M @ 0x1000000\n"
			    "[guest b]\nimage = \\b.bin\nmemory = 4M\n"),
		  0);
	EXPECT_EQ(page_free_count(), free_before);
	/* A fourth does not, and it is the last region in creation order that is named. */
	EXPECT_REFUSED("[guest a]\nimage = \\a.bin\nmemory = 4M\nmemory = 4M @ 0x1000000\n"
		       "[guest b]\nimage = \\b.bin\nmemory = 4M\nmemory = 4M @ 0x1000000\n",
		       -ENOMEM, 8, "guest 'b': no free 4096 KiB block");
	EXPECT_EQ(page_free_count(), free_before);
}

/*
 * CFG_MAX_REGION is the largest block lib/palloc.c hands out: with RAM to spare, a block of
 * that size is allocated and one twice as large is not. 5 GiB of address space (never touched
 * but for the bitmap and the one 1 GiB block) holds a naturally aligned 2 GiB block for sure.
 */
TEST(max_region_is_the_allocators_largest_block)
{
	const size_t span = 5ULL << 30;
	void *va = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned order = config_region_order(CFG_MAX_REGION);
	void *p;

	ASSERT_TRUE(va != MAP_FAILED);
	(void)madvise(va, span, MADV_HUGEPAGE); /* page_alloc zeroes the 1 GiB block: fewer faults */
	palloc_reset();
	ASSERT_EQ(palloc_add_range(ptr_to_hpa(va), span), 0);
	EXPECT_EQ(HV_PAGE_SIZE << order, CFG_MAX_REGION);
	p = page_alloc(order);
	EXPECT_TRUE(p != NULL);
	page_free(p, order);
	p = page_alloc(order + 1);
	EXPECT_TRUE(p == NULL);
	if (p != NULL) {
		page_free(p, order + 1);
	}
	palloc_reset();
	munmap(va, span);
}
