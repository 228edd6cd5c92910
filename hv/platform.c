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

int platform_init(const struct bootinfo *bi)
{
	int ret;

	if (hpa_val(bi->rsdp) == 0) {
		pr_err("acpi: no RSDP from the firmware");
		ret = -ENODEV;
		goto out;
	}
	pr_info("acpi: RSDP at 0x%llx", (unsigned long long)hpa_val(bi->rsdp));
	ret = hv_discover(bi->rsdp);
	platform.acpi_ok = hv_acpi.rsdp_ok;
	platform.nr_cpus = hv_acpi.madt.nr_enabled;
	platform.nr_iommus = hv_acpi.dmar.nr_drhd + hv_acpi.ivrs.nr_ivhd + hv_acpi.iort.nr_smmus;
	platform.nr_pci_devices = hv_pci.nr_devs;
	pr_info("platform: %u CPU(s) enabled in the MADT, %u IOMMU unit(s) (%u DRHD, %u IVHD, %u SMMUv3), "
		"%u PCI function(s)",
		platform.nr_cpus, platform.nr_iommus, hv_acpi.dmar.nr_drhd, hv_acpi.ivrs.nr_ivhd, hv_acpi.iort.nr_smmus,
		platform.nr_pci_devices);
	if (ret != 0) {
		pr_err("platform: discovery failed (%d %s)", ret, hv_strerror(ret));
	}
out:
	platform.discovery_ret = ret;
	return ret;
}

bool platform_has_pci_device(uint16_t vendor, uint16_t device)
{
	return pci_find_id(&hv_pci, vendor, device) != NULL;
}
