// SPDX-License-Identifier: MIT
/*
 * Platform discovery glue between hv_main() and the ACPI/PCI code: hv_discover()
 * (drivers/pci/discover.c) parses the firmware's tables, reads the IOMMU ID registers,
 * enumerates PCI over ECAM, resolves the DMAR device scopes and logs all of it; here we keep
 * the counts the "boot" self-test checks and log a summary.
 */
#include <hv/acpi.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/palloc.h>
#include <hv/pci.h>
#include <hv/platform.h>

struct platform_info platform;
static const struct bootinfo *platform_bi; /* its memory map, for platform_claim_device_memory */

int platform_init(const struct bootinfo *bi)
{
	int ret;

	platform_bi = bi;
	if (hpa_val(bi->rsdp) == 0) {
		pr_err("acpi: no RSDP from the firmware");
		ret = -ENODEV;
		goto out;
	}
	pr_info("acpi: RSDP at 0x%llx", (unsigned long long)hpa_val(bi->rsdp));
	ret = hv_discover(bi->rsdp);
	platform.acpi_ok = hv_acpi.rsdp_ok;
	platform.nr_cpus = hv_acpi.madt.nr_enabled;
	platform.nr_iommus = hv_acpi.dmar.nr_drhd + hv_acpi.iort.nr_smmus;
	platform.nr_pci_devices = hv_pci.nr_devs;
	pr_info("platform: %u CPU(s) enabled in the MADT, %u IOMMU unit(s) (%u DRHD, %u SMMUv3), "
		"%u PCI function(s)",
		platform.nr_cpus, platform.nr_iommus, hv_acpi.dmar.nr_drhd, hv_acpi.iort.nr_smmus,
		platform.nr_pci_devices);
	if (ret != 0) {
		pr_err("platform: discovery failed (%d %s)", ret, hv_strerror(ret));
	}
out:
	platform.discovery_ret = ret;
	return ret;
}

int platform_claim_device_memory(hpa_t base, uint64_t size)
{
	uint64_t b = hpa_val(base), e = b + size;
	bool usable = false;

	if (size == 0 || e < b || !IS_ALIGNED(b | size, HV_PAGE_SIZE) || platform_bi == NULL) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < platform_bi->nr_mem; i++) {
		const struct mem_region *m = &platform_bi->mem[i];

		if (e <= hpa_val(m->base) || b >= hpa_val(m->base) + m->size) {
			continue;
		}
		if (m->type == MEM_HV_IMAGE || m->type == MEM_HV_POOL || m->type == MEM_LOADED_FILE) {
			return -EBUSY;
		}
		usable |= m->type == MEM_USABLE;
	}
	/* Usable RAM: only if the allocator owns every page and none is in use. */
	return usable ? (palloc_claim(base, size) == 0 ? 0 : -EBUSY) : 0;
}

bool platform_has_pci_device(uint16_t vendor, uint16_t device)
{
	return pci_find_id(&hv_pci, vendor, device) != NULL;
}
