// SPDX-License-Identifier: MIT
/*
 * The boot-log lines of acpi_log() and pci_log(): the QEMU runner and people read them, so
 * their format is checked here against the captured tables (stderr, where the host hv_log()
 * writes, is redirected to a temporary file).
 */
#include "test.h"

#include <unistd.h>

#include <hv/acpi.h>
#include <hv/log.h>
#include <hv/pci.h>

#include "test_acpi_util.h"

static struct acpi_info info;
static struct pci_info pci;

static void add_table(const char *name)
{
	size_t len;
	uint8_t *t = load_table(name, &len);

	if (t != NULL) {
		acpi_parse_table(&info, t, len);
		free(t);
	}
}

/* Run fn with stderr captured at LOG_INFO; returns a malloc'd NUL-terminated copy. */
static char *capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	enum log_level old_level = hv_log_level;
	int saved = dup(STDERR_FILENO);
	char *buf;
	long n;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	hv_log_level = LOG_INFO;
	fn();
	fflush(stderr);
	hv_log_level = old_level;
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = ftell(tmp);
	buf = calloc(1, (size_t)n + 1);
	rewind(tmp);
	if (fread(buf, 1, (size_t)n, tmp) != (size_t)n) {
		buf[0] = '\0';
	}
	fclose(tmp);
	return buf;
}

static void log_q35(void)
{
	acpi_log(&info);
	pci_log(&pci);
}

TEST(log_lines_q35)
{
	char *out;

	memset(&info, 0, sizeof(info));
	info.rsdp_ok = true;
	add_table("q35/APIC.bin");
	add_table("q35/MCFG.bin");
	add_table("q35/DMAR.bin");
	/* What acpi_probe_hw() read on QEMU 10.0.2 (intel-iommu defaults). */
	info.hw_probed = true;
	info.dmar.drhd[0].cap = 0xd2008c222f0606ULL;
	info.dmar.drhd[0].ecap = 0xf00f4aULL;
	memset(&pci, 0, sizeof(pci));
	pci.nr_devs = 1;
	pci.nr_segments = 1;
	pci.devs[0] = (struct pci_dev){ .bus = 0,
					.devfn = 1 << 3,
					.vendor = 0x1234,
					.device = 0x11e8,
					.class_code = 0xff00,
					.revision = 0x10,
					.cap_msi = 0x40 };
	pci.devs[0].bars[0] = (struct pci_bar){ 0xc0000000, 0x100000, 0 };
	pci_resolve_dmar_scopes(&info, &pci);

	out = capture(log_q35);
	EXPECT_TRUE(strstr(out, "[INF] madt: 2 cpus (2 listed)\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] mcfg: seg 0 buses 00-ff ecam 0xb0000000\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] dmar: drhd0 base 0xfed90000 seg 0 flags 0x0 scopes 6 "
				"cap 0xd2008c222f0606 ecap 0xf00f4a\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] dmar: drhd0 scope ioapic ff:00.0\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] dmar: drhd0 scope endpoint 00:01.0\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] pci 0000:00:01.0 1234:11e8 class 00ff00 rev 10 caps msi\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] pci 0000:00:01.0   bar0 mem 0xc0000000 size 0x100000\n") != NULL);
	if (test_failed_now) {
		fprintf(stderr, "%s", out);
	}
	free(out);
}

static void log_virt(void)
{
	acpi_log(&info);
}

TEST(log_lines_virt)
{
	char *out;

	memset(&info, 0, sizeof(info));
	info.rsdp_ok = true;
	add_table("virt/APIC.bin");
	add_table("virt/IORT.bin");
	add_table("virt/SPCR.bin");
	add_table("virt/GTDT.bin");

	/* Without acpi_probe_hw(), no register values are claimed. */
	out = capture(log_virt);
	EXPECT_TRUE(strstr(out, "idr0") == NULL);
	EXPECT_TRUE(strstr(out, "[INF] iort: smmuv3 base 0x09050000 flags 0x1 model 0 "
				"gsiv 106/107/109/108\n") != NULL);
	free(out);

	info.hw_probed = true;
	info.iort.smmus[0].idr0 = 0x0d44101b;
	out = capture(log_virt);
	EXPECT_TRUE(strstr(out, "[INF] madt: 1 cpus (1 listed)\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] madt: gicd base 0x8000000 version 3\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] iort: smmuv3 base 0x09050000 idr0 0x0d44101b") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] iort:   rid 0x0-0xff -> smmuv3-0 id 0x0\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] iort:   rid 0x100-0xffff -> its-0 id 0x100\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] spcr: type 0x3 mmio 0x9000000 baud 9600 gsiv 33\n") != NULL);
	EXPECT_TRUE(strstr(out, "[INF] gtdt: el1 30 virt 27 el2 26 virt-el2 28\n") != NULL);
	if (test_failed_now) {
		fprintf(stderr, "%s", out);
	}
	free(out);
}
