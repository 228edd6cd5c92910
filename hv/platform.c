// SPDX-License-Identifier: MIT
/*
 * Platform discovery glue between hv_main() and the ACPI/PCI code (drivers/acpi, drivers/pci):
 * parse the firmware's tables once (an arch may already have done so for its console, e.g. the
 * arm64 SPCR), read the IOMMU ID registers, enumerate PCI over ECAM, resolve the DMAR device
 * scopes, log all of it, and keep the counts the "boot" self-test checks.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/log.h>
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
	if (!hv_acpi.rsdp_ok) {
		ret = acpi_init(&hv_acpi, bi->rsdp);
		if (ret != 0) {
			pr_err("acpi: no usable RSDP/XSDT (%d %s)", ret, hv_strerror(ret));
			goto out;
		}
	}
	platform.acpi_ok = hv_acpi.rsdp_ok;
	ret = acpi_probe_hw(&hv_acpi);
	if (ret != 0) {
		pr_warn("acpi: cannot read the IOMMU ID registers (%d %s)", ret, hv_strerror(ret));
	}
	platform.nr_cpus = hv_acpi.madt.nr_enabled;
	platform.nr_iommus = hv_acpi.dmar.nr_drhd + hv_acpi.iort.nr_smmus;

	ret = pci_enumerate(&hv_pci, &hv_acpi);
	if (ret == 0) {
		/* DMAR scopes name devices by path; resolving needs the bridges' bus numbers. */
		(void)pci_resolve_dmar_scopes(&hv_acpi, &hv_pci);
	}
	acpi_log(&hv_acpi);
	pr_info("platform: %u CPU(s) enabled in the MADT, %u IOMMU unit(s) (%u DRHD, %u SMMUv3)",
		platform.nr_cpus, platform.nr_iommus, hv_acpi.dmar.nr_drhd, hv_acpi.iort.nr_smmus);
	if (ret != 0) {
		pr_err("pci: enumeration failed (%d %s)", ret, hv_strerror(ret));
		goto out;
	}
	pci_log(&hv_pci);
	platform.nr_pci_devices = hv_pci.nr_devs;
	pr_info("platform: %u PCI function(s)", platform.nr_pci_devices);
out:
	platform.discovery_ret = ret;
	return ret;
}

bool platform_has_pci_device(uint16_t vendor, uint16_t device)
{
	return pci_find_id(&hv_pci, vendor, device) != NULL;
}
