/* SPDX-License-Identifier: MIT */
/*
 * The partition configuration: which guests exist, their memory, images, devices, page-table
 * quota and who owns the console. Read from \ioasid-hv.cfg on the ESP (docs/CONFIG.md).
 *
 * Three steps, all before any guest runs (hv/main.c run_config):
 *   config_parse()     syntax and per-line checks (unknown key, bad number, bad PCI address,
 *                      overlapping memory inside a guest, a device listed twice, no RAM at
 *                      guest-physical 0, a region larger than the biggest block RAM comes in);
 *   config_validate()  checks against the machine (a device given to two guests, a device that
 *                      does not exist, more memory than exists, two console owners);
 *   config_preflight() (hv/config_check.c) checks against what boot/ loaded and what the
 *                      hypervisor brought up: images, IOMMU units and their widths, BARs, and a
 *                      dry run of every guest's RAM allocation.
 * Each one stops at the first problem and reports its line number and what is wrong, so the
 * boot log can say "config: line 12: device 0000:00:05.0 is also assigned to guest 'a' (line 4)".
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <hv/types.h>

#define CFG_MAX_GUESTS 8
#define CFG_MAX_MEM 4
#define CFG_MAX_DEVS 8
#define CFG_NAME_LEN 32
/* Image paths: boot/ records loaded files under this name (struct boot_file, 64 bytes). */
#define CFG_PATH_LEN		64
#define CFG_CMDLINE_LEN 256
#define CFG_DEFAULT_QUOTA_PAGES 256 /* 1 MiB of page tables */
/* MSI routes a guest may hold through IRQ_ROUTE (`irq_routes`, docs/CONFIG.md): the default and most. */
#define CFG_MAX_IRQ_ROUTES 8
/* Physical CPU numbers a `cpus` list may name (0..63; the machine check narrows it). */
#define CFG_MAX_CPU_NUM 63

/*
 * Largest configuration file. boot/ reads at most CFG_FILE_MAX + 1 bytes of \ioasid-hv.cfg, so
 * a longer file reaches config_parse() with a length that says so, and is refused loudly.
 */
#define CFG_FILE_MAX (64U << 10)

/*
 * Largest memory region. Each region is one naturally aligned block of the page allocator,
 * its size rounded up to a power of two (hv/guest.c), and lib/palloc.c hands out blocks of at
 * most 2^PALLOC_MAX_ORDER pages = 1 GiB (tests/unit/test_config_check.c ties the two).
 */
#define CFG_MAX_REGION (1ULL << 30)

struct cfg_pci {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn; /* device << 3 | function */
	unsigned line;
};

struct cfg_mem {
	gpa_t base;
	uint64_t size;
	unsigned line;
};

struct cfg_guest {
	char name[CFG_NAME_LEN];
	char image[CFG_PATH_LEN];
	struct cfg_mem mem[CFG_MAX_MEM];
	unsigned nr_mem;
	struct cfg_pci devs[CFG_MAX_DEVS];
	unsigned nr_devs;
	uint64_t pt_quota_pages;
	unsigned irq_routes; /* `irq_routes = N` (1..8): MSI routes IRQ_ROUTE may hold; 0: the default, 8 */
	bool console;
	/*
	 * `cpus = LIST`: bit n = physical CPU n (hv/smp.c numbering). vCPU k runs on the k-th
	 * lowest CPU of the set. 0: no `cpus` key, one vCPU on the boot CPU, after the guests
	 * before it in file order (docs/CONFIG.md).
	 */
	uint64_t cpus;
	unsigned cpus_line;
	unsigned line; /* the [guest ...] header */
	unsigned image_line;
	unsigned console_line;
};

struct hv_config {
	char cmdline[CFG_CMDLINE_LEN];
	struct cfg_guest guests[CFG_MAX_GUESTS];
	unsigned nr_guests;
};

struct cfg_error {
	unsigned line; /* 0: not tied to a line */
	char msg[256]; /* room for a 31-character name, a 63-character path and the reason */
};

/*
 * Parse text[0..len) (need not be NUL-terminated). 0, or -EINVAL with err filled in. A UTF-8
 * byte-order mark at the start is skipped; UTF-16 text and a file longer than CFG_FILE_MAX are
 * refused (err->line 0 for the latter).
 */
int config_parse(const char *text, size_t len, struct hv_config *cfg, struct cfg_error *err);

/*
 * Is \ioasid-hv.cfg a partition configuration (a "[guest" or "cmdline" line, after an optional
 * UTF-8 byte-order mark) rather than a one-line command line? UTF-16 text (a UTF-16 byte-order
 * mark) counts as a configuration, so that config_parse() refuses it loudly instead of its
 * bytes becoming a command line.
 */
bool config_is_partition(const char *text, size_t len);

/* What the machine offers, for config_validate(). */
struct cfg_machine {
	bool (*device_exists)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn);
	void *ctx;
	uint64_t ram_bytes; /* memory the hypervisor can give to guests */
	/* CPUs: those the MADT lists (hv/smp.c numbering) and, of these, the ones that came up. */
	unsigned nr_cpus;
	bool (*cpu_online)(void *ctx, unsigned cpu);
};

int config_validate(const struct hv_config *cfg, const struct cfg_machine *m, struct cfg_error *err);

/* vCPUs of a guest: one per CPU of its `cpus` list, else 1. */
unsigned config_guest_vcpus(const struct cfg_guest *g);
/* The physical CPU vCPU k of g runs on (0, the boot CPU, for a guest without `cpus`). */
unsigned config_vcpu_cpu(const struct cfg_guest *g, unsigned k);

/* Total configured memory of a guest (no overflow: config_parse bounds every size). */
uint64_t config_guest_mem(const struct cfg_guest *g);

/* The page-allocator order of the block holding a region of this size (2^order pages). */
unsigned config_region_order(uint64_t size);

struct bootinfo;
/*
 * Pre-flight (hv/config_check.c), after config_validate() and before any guest is created:
 * per guest, in file order,
 *   - its image was loaded by boot/ and is not an ELF file (images are flat binaries);
 *   - its RAM at guest-physical 0 holds the image at GUEST_IMAGE_GPA and a page of stack;
 *   - each device has an IOMMU unit that will translate it (not an RMRR device), every memory
 *     region lies inside that unit's input address width, units of one table format agree on
 *     their width, and no memory BAR overlaps the guest's RAM;
 * then a dry run of the page allocator: every region's block (its size rounded up to a power
 * of two), for all guests together, in the order guests are created, must be allocatable
 * (taken and given back at once). 0, or a negative error with err filled in.
 */
int config_preflight(const struct hv_config *cfg, const struct bootinfo *bi, struct cfg_error *err);

#endif /* HV_CONFIG_H */
