// SPDX-License-Identifier: MIT
/*
 * tools/cfgcheck: check a partition configuration (\ioasid-hv.cfg, docs/CONFIG.md) on the build
 * machine, with the hypervisor's own parser and validator (hv/config.c config_parse and
 * config_validate, linked unchanged), before a firmware boot finds the same mistake.
 *
 *   cfgcheck FILE [--machine q35|virt|MACHINE_FILE] [--cpus N] [--ram SIZE] [--device BDF]...
 *                 [--images DIR] [--guest IMAGE]...
 *
 * Without --machine only what needs no machine is checked: the syntax and every per-line check
 * of config_parse, then config_validate against a machine with every CPU and device and
 * unbounded memory (two console owners, a device or CPU given to two guests). With a machine
 * description, config_validate also checks that each device exists, that each CPU exists and
 * the total memory (docs/CONFIG.md "Machine descriptions" has the file format and what q35 and
 * virt stand for). Given the guest images (--images DIR, --guest FILE), the pre-flight
 * (hv/config_check.c config_preflight, linked unchanged) runs too, against stand-ins for what
 * the firmware loaded and the hypervisor found (tools/cfgcheck_host.c): the images, the IOMMU
 * width of the machine, an approximate dry run of the page allocator; not BARs, not RMRRs.
 *
 * Each step stops at its first error. To report more than one, cfgcheck takes the erring part
 * out and runs the step again: a parse error's line is blanked (unless it is a [guest] header,
 * whose removal would merge two guests: then it stops), a validation error's device, cpus or
 * console setting is dropped (an error about a whole guest, such as total memory, stops it).
 * A pre-flight error takes its guest out (the guest whose section holds the line) and the
 * pre-flight runs again.
 * Errors after the first can therefore be consequences of it; the first is always exact.
 * Output: FILE:LINE: error: MESSAGE (as compilers print, so editors jump to it); exit status 0
 * when the file is clean, 1 when it has errors, 2 on a usage or I/O problem.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/bootinfo.h>
#include <hv/config.h>
#include <hv/mm.h>

#include "ioasid/pt.h"
#include "tools/cfgcheck.h"

#define MAX_ROUNDS  64
#define MAX_MDEVS   256
#define MACHINE_MAX 4096

struct machine {
	const char *name;
	unsigned nr_cpus;
	uint64_t ram_bytes;
	/* the memory -m gives and what the hypervisor keeps of it (from a boot log, see below) */
	uint64_t qemu_mem, overhead;
	unsigned iommu_bits, iommu_fmt;
	struct cfgcheck_dev devs[MAX_MDEVS];
	unsigned nr_devs;
};

static const char *prog = "cfgcheck";

static bool machine_device_exists(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	const struct machine *m = ctx;

	for (unsigned i = 0; i < m->nr_devs; i++) {
		if (m->devs[i].segment == segment && m->devs[i].bus == bus && m->devs[i].devfn == devfn) {
			return true;
		}
	}
	return false;
}

/* [segment:]bus:device.function in hex, as in the configuration. */
static bool parse_bdf(const char *s, struct cfgcheck_dev *d)
{
	unsigned a, b, c, e;
	char tail;

	if (sscanf(s, "%x:%x:%x.%x%c", &a, &b, &c, &e, &tail) == 4 && a <= 0xffff && b <= 0xff && c <= 31 && e <= 7) {
		*d = (struct cfgcheck_dev){ (uint16_t)a, (uint8_t)b, (uint8_t)(c << 3 | e) };
		return true;
	}
	if (sscanf(s, "%x:%x.%x%c", &b, &c, &e, &tail) == 3 && b <= 0xff && c <= 31 && e <= 7) {
		*d = (struct cfgcheck_dev){ 0, (uint8_t)b, (uint8_t)(c << 3 | e) };
		return true;
	}
	return false;
}

/* A size: decimal or 0x hex, optional K/M/G suffix (binary units), as in the configuration. */
static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || errno != 0) {
		return false;
	}
	switch (toupper((unsigned char)*end)) {
	case 'K':
		v <<= 10, end++;
		break;
	case 'M':
		v <<= 20, end++;
		break;
	case 'G':
		v <<= 30, end++;
		break;
	default:
		break;
	}
	while (isspace((unsigned char)*end)) {
		end++;
	}
	*out = v;
	return *end == '\0';
}

static int add_device(struct machine *m, const char *bdf)
{
	struct cfgcheck_dev d;

	if (!parse_bdf(bdf, &d)) {
		fprintf(stderr, "%s: bad PCI address '%s' (want [segment:]bus:device.function in hex)\n", prog, bdf);
		return -1;
	}
	if (m->nr_devs == MAX_MDEVS) {
		fprintf(stderr, "%s: more than %u devices in the machine description\n", prog, MAX_MDEVS);
		return -1;
	}
	m->devs[m->nr_devs++] = d;
	return 0;
}

/*
 * The test machines of tests/qemu/run.py (MACHINES), as the hypervisor saw them in their boot
 * logs: the PCI functions enumeration found, the CPUs the MADT lists, and the memory left for
 * guests ("palloc: N of M pages free" times 4 KiB) with the machine's -m: q35 with -m 512M
 * leaves 452 MiB, virt with -m 1G leaves 976 MiB. A "# qemu:" line of the configuration (the
 * examples have them; make run appends them) adjusts the description: -smp N, -m SIZE and a
 * -device on the root bus with addr=0xNN add what that command line adds.
 */
static void machine_builtin(struct machine *m, const char *name)
{
	static const char *const q35_devs[] = { "00:00.0", "00:01.0", "00:1f.0", "00:1f.2", "00:1f.3" };
	/* virt: host bridge, edu, the virtio-blk disk make run gives the ESP */
	static const char *const virt_devs[] = { "00:00.0", "00:01.0", "00:02.0" };
	bool q35 = strcmp(name, "q35") == 0;
	const char *const *devs = q35 ? q35_devs : virt_devs;
	unsigned n = q35 ? 5 : 3;

	memset(m, 0, sizeof(*m));
	m->name = name;
	m->nr_cpus = q35 ? 2 : 1;
	m->qemu_mem = q35 ? 512ULL << 20 : 1ULL << 30;
	m->ram_bytes = q35 ? 115933ULL << 12 : 250078ULL << 12;
	m->overhead = m->qemu_mem - m->ram_bytes;
	/* "vtd: dmar0 ...: legacy mode, 4-level 48-bit tables"; "smmuv3: ... stage-2 44-bit" */
	m->iommu_bits = q35 ? 48 : 44;
	m->iommu_fmt = q35 ? PT_FMT_VTD_SL : PT_FMT_ARM_S2;
	for (unsigned i = 0; i < n; i++) {
		add_device(m, devs[i]);
	}
}

/* Apply the "# qemu: ARGS" lines of the configuration to a built-in machine. */
static void machine_apply_qemu_lines(struct machine *m, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		char line[512], *tok, *save = NULL, *prev = NULL;

		if (l < sizeof(line) && l > 1 && p[0] == '#') {
			memcpy(line, p, l);
			line[l] = '\0';
			tok = line + 1;
			while (*tok == ' ' || *tok == '\t') {
				tok++;
			}
			if (strncmp(tok, "qemu:", 5) == 0) {
				for (tok = strtok_r(tok + 5, " \t\r", &save); tok;
				     prev = tok, tok = strtok_r(NULL, " \t\r", &save)) {
					uint64_t v;
					const char *addr = strstr(tok, "addr=");

					if (prev && strcmp(prev, "-smp") == 0) {
						m->nr_cpus = (unsigned)strtoul(tok, NULL, 10);
					} else if (prev && strcmp(prev, "-m") == 0 && parse_size(tok, &v)) {
						m->ram_bytes = v > m->overhead ? v - m->overhead : 0;
					} else if (prev && strcmp(prev, "-device") == 0 && addr &&
						   !strstr(tok, "bus=")) {
						char bdf[16];
						unsigned slot = (unsigned)strtoul(addr + 5, NULL, 0);

						snprintf(bdf, sizeof(bdf), "00:%02x.0", slot & 31);
						add_device(m, bdf);
					}
				}
			}
		}
		p = nl ? nl + 1 : end;
	}
}

/* A machine description file (docs/CONFIG.md "Machine descriptions"). */
static int machine_load(struct machine *m, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned n = 0;
	bool have_cpus = false, have_ram = false;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->name = path;
	m->iommu_bits = 48;
	m->iommu_fmt = PT_FMT_VTD_SL; /* one unit: its format matters to no check, its width does */
	while (fgets(line, sizeof(line), f)) {
		char *k = line, *v, *e;
		uint64_t val;

		n++;
		if ((e = strchr(line, '#')) != NULL) {
			*e = '\0';
		}
		while (isspace((unsigned char)*k)) {
			k++;
		}
		if (*k == '\0') {
			continue;
		}
		v = strchr(k, '=');
		if (v == NULL) {
			goto bad;
		}
		*v++ = '\0';
		for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]);) {
			*--e = '\0';
		}
		while (isspace((unsigned char)*v)) {
			v++;
		}
		for (e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);) {
			*--e = '\0';
		}
		if (strcmp(k, "cpus") == 0 && parse_size(v, &val) && val >= 1 && val <= CFG_MAX_CPU_NUM + 1) {
			m->nr_cpus = (unsigned)val, have_cpus = true;
		} else if (strcmp(k, "ram") == 0 && parse_size(v, &val)) {
			m->ram_bytes = val, have_ram = true;
		} else if (strcmp(k, "iommu_bits") == 0 && parse_size(v, &val) && val >= 32 && val <= 64) {
			m->iommu_bits = (unsigned)val;
		} else if (strcmp(k, "device") == 0) {
			if (add_device(m, v) != 0) {
				goto bad;
			}
		} else {
			goto bad;
		}
	}
	fclose(f);
	if (!have_cpus || !have_ram) {
		fprintf(stderr, "%s: %s: needs 'cpus = N' and 'ram = SIZE'\n", prog, path);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "%s: %s:%u: want 'cpus = N', 'ram = SIZE', 'device = BDF' or 'iommu_bits = N'\n", prog, path,
		n);
	fclose(f);
	return -1;
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	/* boot/ reads at most CFG_FILE_MAX + 1 bytes, so config_parse can say a file is too big. */
	char *buf = malloc(CFG_FILE_MAX + 1);

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (f) {
			fclose(f);
		}
		free(buf);
		return -1;
	}
	*len = fread(buf, 1, CFG_FILE_MAX + 1, f);
	fclose(f);
	*text = buf;
	return 0;
}

/* Blank line `line` (1-based) of text, keeping the line count; false when it is a [guest] header. */
static bool blank_line(char *text, size_t len, unsigned line)
{
	char *p = text, *end = text + len, *nl;

	for (unsigned l = 1; l < line && p < end; l++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	if (p >= end) {
		return false;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	for (char *q = p; q < (nl ? nl : end); q++) {
		if (*q == '[') {
			return false;
		}
		if (!isspace((unsigned char)*q)) {
			break;
		}
	}
	if (p == nl) {
		return false;
	}
	/* A comment of the same length: line numbers stay, a NUL byte or overlong text goes. */
	memset(p, ' ', (size_t)((nl ? nl : end) - p));
	*p = '#';
	return true;
}

/* Take out of cfg what a validation error on `line` is about; false when that is a whole guest. */
static bool drop_setting(struct hv_config *cfg, unsigned line)
{
	for (unsigned i = 0; i < cfg->nr_guests; i++) {
		struct cfg_guest *g = &cfg->guests[i];

		for (unsigned d = 0; d < g->nr_devs; d++) {
			if (g->devs[d].line == line) {
				memmove(&g->devs[d], &g->devs[d + 1], (g->nr_devs - d - 1) * sizeof(g->devs[0]));
				g->nr_devs--;
				return true;
			}
		}
		if (g->cpus != 0 && g->cpus_line == line) {
			g->cpus = 0;
			return true;
		}
		if (g->console && g->console_line == line) {
			g->console = false;
			return true;
		}
	}
	return false;
}

/* Take out the guest whose section holds `line` (a pre-flight error); false if none. */
static bool drop_guest(struct hv_config *cfg, unsigned line)
{
	for (unsigned i = cfg->nr_guests; line != 0 && i-- > 0;) {
		if (cfg->guests[i].line <= line) {
			memmove(&cfg->guests[i], &cfg->guests[i + 1],
				(cfg->nr_guests - i - 1) * sizeof(cfg->guests[0]));
			cfg->nr_guests--;
			return true;
		}
	}
	return false;
}

static void report(const char *path, const struct cfg_error *err)
{
	if (err->line != 0) {
		printf("%s:%u: error: %s\n", path, err->line, err->msg);
	} else {
		printf("%s: error: %s\n", path, err->msg);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s FILE [--machine q35|virt|MACHINE_FILE] [--cpus N] [--ram SIZE] [--device BDF]...\n"
		"                [--images DIR] [--guest IMAGE]...\n"
		"  checks a partition configuration with the hypervisor's parser and validator and, given\n"
		"  the guest images, its pre-flight (docs/CONFIG.md \"Checking a configuration\");\n"
		"  exit status 0 clean, 1 errors, 2 usage\n",
		prog);
}

struct opts {
	const char *path, *machine, *cpus, *ram, *images;
	const char *devs[MAX_MDEVS], *guests[BOOTINFO_MAX_FILES];
	unsigned nr_devs, nr_guests;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const char *const with_value[] = { "--machine", "--cpus", "--ram", "--device", "--images", "--guest" };

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		unsigned k = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
			exit(0);
		}
		if (a[0] != '-' && o->path == NULL) {
			o->path = a;
			continue;
		}
		while (k < 6 && strcmp(a, with_value[k]) != 0) {
			k++;
		}
		if (k == 6 || i + 1 == argc) {
			return -1;
		}
		v = argv[++i];
		if (k == 0) {
			o->machine = v;
		} else if (k == 1) {
			o->cpus = v;
		} else if (k == 2) {
			o->ram = v;
		} else if (k == 3 && o->nr_devs < MAX_MDEVS) {
			o->devs[o->nr_devs++] = v;
		} else if (k == 4) {
			o->images = v;
		} else if (k == 5 && o->nr_guests < BOOTINFO_MAX_FILES) {
			o->guests[o->nr_guests++] = v;
		} else {
			return -1;
		}
	}
	if (o->path == NULL || ((o->cpus || o->ram || o->nr_devs) && o->machine == NULL)) {
		return -1;
	}
	return 0;
}

static int setup_machine(struct machine *mach, const struct opts *o, const char *text, size_t len)
{
	uint64_t v = 0;

	if (strcmp(o->machine, "q35") == 0 || strcmp(o->machine, "virt") == 0) {
		machine_builtin(mach, o->machine);
		machine_apply_qemu_lines(mach, text, len);
	} else if (machine_load(mach, o->machine) != 0) {
		return -1;
	}
	if (o->cpus && (!parse_size(o->cpus, &v) || v < 1 || v > CFG_MAX_CPU_NUM + 1)) {
		fprintf(stderr, "%s: bad --cpus '%s'\n", prog, o->cpus);
		return -1;
	}
	mach->nr_cpus = o->cpus ? (unsigned)v : mach->nr_cpus;
	if (o->ram && !parse_size(o->ram, &mach->ram_bytes)) {
		fprintf(stderr, "%s: bad --ram '%s'\n", prog, o->ram);
		return -1;
	}
	for (unsigned i = 0; i < o->nr_devs; i++) {
		if (add_device(mach, o->devs[i]) != 0) {
			return -1;
		}
	}
	return 0;
}

static const char *base_name(const char *p)
{
	const char *b = p;

	for (; *p; p++) {
		if (*p == '/' || *p == '\\') {
			b = p + 1;
		}
	}
	return b;
}

/*
 * The files boot/ would have loaded: for each image the configuration names, the --guest file
 * of the same file name (case ignored, as on FAT), else DIR/NAME from --images, as `make run`
 * places them on the ESP. A file not found is not loaded, and the pre-flight says so.
 */
static int load_images(const struct hv_config *cfg, const struct opts *o, struct bootinfo *bi)
{
	memset(bi, 0, sizeof(*bi));
	for (unsigned k = 0; k < cfg->nr_guests; k++) {
		const char *img = cfg->guests[k].image, *file = NULL;
		char buf[4096];
		FILE *f;
		long size;
		void *data;
		bool dup = false;

		for (uint32_t i = 0; i < bi->nr_files; i++) {
			dup |= strcmp(bi->files[i].name, img) == 0;
		}
		for (unsigned i = 0; i < o->nr_guests && file == NULL; i++) {
			if (strcasecmp(base_name(o->guests[i]), base_name(img)) == 0) {
				file = o->guests[i];
			}
		}
		if (file == NULL && o->images != NULL) {
			snprintf(buf, sizeof(buf), "%s/%s", o->images, base_name(img));
			file = buf;
		}
		if (dup || file == NULL || bi->nr_files == BOOTINFO_MAX_FILES || (f = fopen(file, "rb")) == NULL) {
			continue;
		}
		if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
		    (data = malloc((size_t)size)) == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
			fclose(f);
			fprintf(stderr, "%s: cannot read %s\n", prog, file);
			return -1;
		}
		fclose(f);
		snprintf(bi->files[bi->nr_files].name, sizeof(bi->files[0].name), "%s", img);
		bi->files[bi->nr_files].base = ptr_to_hpa(data);
		bi->files[bi->nr_files].size = (uint64_t)size;
		bi->nr_files++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct hv_config cfg;
	static struct machine mach;
	static struct bootinfo bi;
	struct opts o;
	unsigned errors = 0;
	struct cfg_machine cm;
	struct cfg_error err;
	bool preflight;
	char *text;
	size_t len;
	int ret = 0;

	if (parse_args(argc, argv, &o) != 0) {
		usage();
		return 2;
	}
	preflight = o.images != NULL || o.nr_guests != 0;
	if (read_file(o.path, &text, &len) != 0) {
		return 2;
	}

	/* Parse; on an error blank its line and parse again (see the top of this file). */
	for (unsigned round = 0; round < MAX_ROUNDS; round++) {
		ret = config_parse(text, len, &cfg, &err);
		if (ret == 0) {
			break;
		}
		report(o.path, &err);
		errors++;
		if (err.line == 0 || !blank_line(text, len, err.line)) {
			break;
		}
	}
	if (ret != 0) {
		printf("%s: %u error(s) (parse; the checks against a machine were not run)\n", o.path, errors);
		free(text);
		return 1;
	}

	if (o.machine != NULL) {
		if (setup_machine(&mach, &o, text, len) != 0) {
			free(text);
			return 2;
		}
		cm = (struct cfg_machine){ .device_exists = machine_device_exists,
					   .ctx = &mach,
					   .ram_bytes = mach.ram_bytes,
					   .nr_cpus = mach.nr_cpus };
	} else {
		/* No machine: every CPU a list may name, every device, unbounded memory. */
		memset(&mach, 0, sizeof(mach));
		mach.iommu_bits = 48;
		mach.iommu_fmt = PT_FMT_VTD_SL;
		mach.ram_bytes = 1ULL << 46; /* the dry run's range: no limit worth the name */
		cm = (struct cfg_machine){ .ram_bytes = UINT64_MAX, .nr_cpus = CFG_MAX_CPU_NUM + 1 };
	}
	free(text);
	for (unsigned round = 0; round < MAX_ROUNDS; round++) {
		if (config_validate(&cfg, &cm, &err) == 0) {
			break;
		}
		report(o.path, &err);
		errors++;
		if (err.line == 0 || !drop_setting(&cfg, err.line)) {
			break;
		}
	}

	/* The pre-flight, on a file that passed the steps before it (as at boot). */
	if (preflight && errors == 0) {
		const struct cfgcheck_platform plat = { .devs = mach.devs,
							.nr_devs = mach.nr_devs,
							.ram_bytes = mach.ram_bytes,
							.iommu_bits = mach.iommu_bits,
							.iommu_fmt = mach.iommu_fmt };

		if (load_images(&cfg, &o, &bi) != 0) {
			return 2;
		}
		for (unsigned round = 0; round < MAX_ROUNDS; round++) {
			cfgcheck_host_setup(&plat);
			if (config_preflight(&cfg, &bi, &err) == 0) {
				break;
			}
			report(o.path, &err);
			errors++;
			if (!drop_guest(&cfg, err.line)) {
				break;
			}
		}
	}
	if (errors != 0) {
		printf("%s: %u error(s)\n", o.path, errors);
		return 1;
	}
	printf("%s: ok: %u guest(s)", o.path, cfg.nr_guests);
	if (o.machine != NULL) {
		printf("; fits machine %s (%u CPU(s), %llu MiB for guests, %u PCI function(s))", mach.name,
		       mach.nr_cpus, (unsigned long long)(mach.ram_bytes >> 20), mach.nr_devs);
	} else {
		printf(" (no --machine: devices, CPU numbers and memory not checked)");
	}
	if (preflight) {
		printf("; pre-flight passed (images; IOMMU %u-bit; memory dry run; BARs not checked)\n",
		       mach.iommu_bits);
	} else {
		printf("; pre-flight not run (give the images: --images DIR or --guest FILE)\n");
	}
	return 0;
}
