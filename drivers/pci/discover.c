// SPDX-License-Identifier: MIT
/*
 * The boot-time discovery sequence in one call, for hv/platform.c: ACPI tables, IOMMU ID
 * registers, PCI enumeration (with the isolation groups), DMAR scope resolution (which needs the
 * bridges' secondary bus numbers, so it runs after enumeration), then the boot log. Results
 * stay in hv_acpi/hv_pci.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/pci.h>

int hv_discover(hpa_t rsdp)
{
	int ret;

	ret = acpi_init(&hv_acpi, rsdp);
	if (ret != 0) {
		goto out;
	}
	ret = acpi_probe_hw(&hv_acpi);
	if (ret != 0) {
		pr_err("acpi: cannot map IOMMU registers (%s)", hv_strerror(ret));
		goto out;
	}
	ret = pci_enumerate(&hv_pci, &hv_acpi);
	if (ret == 0) {
		pci_resolve_dmar_scopes(&hv_acpi, &hv_pci);
	}
	acpi_log(&hv_acpi);
	pci_log(&hv_pci);
	pci_log_groups(&hv_pci);
out:
	return ret;
}
