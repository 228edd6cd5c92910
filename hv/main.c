// SPDX-License-Identifier: MIT
/*
 * hv_main(): the arch-neutral start of the hypervisor. boot/ has left UEFI boot services and
 * arch_init() has installed the console, the page allocator, our own page tables and exception
 * vectors. Here: the heap, the boot log (version, image kind, memory layout, platform), then the
 * self-test named on the command line (test image only), or the configuration's guests, or a
 * clean exit when there is nothing to run.
 */
#include <stdio.h>
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/config.h>
#include <hv/errno.h>
#include <hv/exit.h>
#include <hv/guest.h>
#include <hv/guest_groups.h>
#include <hv/image.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/pci.h>
#include <hv/platform.h>
#include <hv/smp.h>
#include <hv/version.h>

static const char *const mem_type_name[] = {
	[MEM_USABLE] = "usable",       [MEM_RESERVED] = "reserved",
	[MEM_ACPI_RECLAIM] = "acpi",   [MEM_ACPI_NVS] = "acpi-nvs",
	[MEM_MMIO] = "mmio",           [MEM_HV_IMAGE] = "hv-image",
	[MEM_HV_POOL] = "hv-pool",     [MEM_LOADED_FILE] = "file",
	[MEM_FIRMWARE] = "firmware",
};

static const char *mem_type_str(uint32_t t)
{
	if (t < ARRAY_SIZE(mem_type_name) && mem_type_name[t] != NULL) {
		return mem_type_name[t];
	}
	return "?";
}

static void log_memory(const struct bootinfo *bi)
{
	pr_info("mem: %u regions from the UEFI memory map", bi->nr_mem);
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		const struct mem_region *m = &bi->mem[i];

		pr_info("mem:   [0x%012llx-0x%012llx] %-8s %8llu KiB",
			(unsigned long long)hpa_val(m->base),
			(unsigned long long)(hpa_val(m->base) + m->size - 1), mem_type_str(m->type),
			(unsigned long long)(m->size >> 10));
	}
	for (unsigned i = 0; i < palloc_nr_ranges(); i++) {
		hpa_t base;
		uint64_t pages, free;

		palloc_range(i, &base, &pages, &free);
		pr_debug("palloc: range %u at 0x%llx: %llu pages, %llu free", i,
			(unsigned long long)hpa_val(base), (unsigned long long)pages,
			(unsigned long long)free);
	}
	pr_info("palloc: %llu of %llu pages free (%llu MiB managed)",
		(unsigned long long)page_free_count(), (unsigned long long)page_total_count(),
		(unsigned long long)(page_total_count() >> (20 - HV_PAGE_SHIFT)));
	pr_info("heap: %llu KiB pool", (unsigned long long)(heap_size() >> 10));
}

static bool cfg_cpu_online(void *ctx, unsigned cpu)
{
	(void)ctx;
	return smp_cpu_online(cpu);
}

static bool cfg_device_exists(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	(void)ctx;
	return pci_find(&hv_pci, segment, bus, devfn) != NULL;
}

/*
 * NMIs and stray external interrupts are counted, never fatal (arch/x86_64/cpu.c, irq.c): say
 * how many there were.
 */
static void log_nmis(void)
{
	uint64_t n = arch_nmi_count(), irqs = arch_stray_irq_count();

	if (n != 0) {
		pr_warn("hv: %llu NMI(s) taken and ignored", (unsigned long long)n);
	}
	if (irqs != 0) {
		pr_warn("hv: %llu stray external interrupt(s) taken, acknowledged and ignored",
			(unsigned long long)irqs);
	}
}

/*
 * The partition configuration boot/ loaded (docs/CONFIG.md): parse it, validate it against the
 * machine and run the pre-flight checks (hv/config_check.c), then run its guests (hv/guest.c).
 * A bad file stops the boot with HV_EXIT_BOOT before any guest runs. Returns only when there
 * is no configuration.
 */
static void run_config(const struct bootinfo *bi)
{
	static struct hv_config cfg;
	struct cfg_machine m = { .device_exists = cfg_device_exists,
				 .ram_bytes = page_free_count() << HV_PAGE_SHIFT,
				 .nr_cpus = smp_cpus_listed(),
				 .cpu_online = cfg_cpu_online };
	struct cfg_error err;
	const struct boot_file *f = NULL;
	int ret;

	for (uint32_t i = 0; i < bi->nr_files; i++) {
		if (strcmp(bi->files[i].name, "\\ioasid-hv.cfg") == 0) {
			f = &bi->files[i];
		}
	}
	if (f == NULL) {
		return;
	}
	if (config_parse(hpa_to_ptr(f->base), f->size, &cfg, &err) != 0 || config_validate(&cfg, &m, &err) != 0 ||
	    config_preflight(&cfg, bi, &err) != 0) {
		if (err.line != 0) {
			pr_err("config: line %u: %s", err.line, err.msg);
		} else {
			pr_err("config: %s", err.msg);
		}
		arch_exit(HV_EXIT_BOOT);
	}
	guest_groups_preflight(&cfg); /* an isolation group split between guests stops the boot */
	if (cfg.nr_guests == 0) {
		return;
	}
	pr_info("config: %u guest(s)", cfg.nr_guests);
	ret = guests_run_all(&cfg, bi);
	if (ret != 0) {
		pr_err("hv: guests: FAIL (%s)", ret == -EFAULT ? "a guest exited with a non-zero status" : hv_strerror(ret));
		arch_exit(HV_EXIT_FAIL);
	}
	log_nmis();
	pr_info("hv: guests done; shutting down");
	arch_exit(HV_EXIT_OK);
}

__noreturn void hv_main(struct bootinfo *bi)
{
	char test[32];
	int ret;

	ret = heap_init(bi);
	pr_info("ioasid-hv %s (%s) starting", hv_version, arch_name());
	pr_info("boot: left UEFI boot services (ExitBootServices retries: %llu)",
		(unsigned long long)bi->efi_retries);
	pr_info("boot: %s image", hv_image.kind);
	pr_info("boot: image at 0x%llx, %llu KiB; cmdline \"%s\"",
		(unsigned long long)hpa_val(bi->image_base),
		(unsigned long long)(bi->image_size >> 10), bi->cmdline);
	if (ret != 0) {
		pr_err("heap: no hypervisor pool in the memory map (%d)", ret);
	}
	log_memory(bi);
	pr_info("timer: counter at %llu kHz", (unsigned long long)(arch_counter_hz() / 1000));

	ret = platform_init(bi);
	if (ret != 0) {
		pr_warn("platform: discovery incomplete (%d %s)", ret, hv_strerror(ret));
	}
	arch_irq_mask_legacy(&hv_acpi);
	smp_init(&hv_acpi); /* every enabled CPU of the MADT up and idle: "smp: N of M CPUs online" */

	if (cmdline_get(bi->cmdline, "selftest", test, sizeof(test))) {
		/* Self-tests exist only in the test image (include/hv/image.h). */
		if (hv_image.run_test == NULL) {
			pr_err("selftest %s: FAIL (self-tests are not in this image: it is the %s image; "
			       "the test image has them: make SELFTEST=y)",
			       test, hv_image.kind);
			arch_exit(HV_EXIT_FAIL);
		}
		hv_image.run_test(test, bi);
	}
	/*
	 * Not a self-test: the IOMMUs are ours before any configuration is looked at, so a boot
	 * without guests also leaves every device blocked (firmware may have left DMA open).
	 */
	ret = guest_iommu_takeover();
	if (ret > 0) {
		pr_info("hv: %d IOMMU unit(s) taken over; device DMA is blocked until the IOASID core attaches it", ret);
	} else {
		pr_warn("hv: no IOMMU taken over (%d %s): device DMA is not confined", ret, hv_strerror(ret));
	}
	run_config(bi);
	log_nmis();
	pr_info("hv: no self-test selected and no guest to run; shutting down");
	arch_exit(HV_EXIT_OK);
}
