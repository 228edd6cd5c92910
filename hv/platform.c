// SPDX-License-Identifier: MIT
/*
 * Platform discovery glue between hv_main() and the ACPI/PCI code (drivers/acpi, drivers/pci).
 * Until those drivers are linked in, only the RSDP location is known.
 */
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/platform.h>

struct platform_info platform;

int platform_init(const struct bootinfo *bi)
{
	if (hpa_val(bi->rsdp) == 0) {
		pr_err("acpi: no RSDP from the firmware");
		platform.discovery_ret = -ENODEV;
		return -ENODEV;
	}
	pr_info("acpi: RSDP at 0x%llx", (unsigned long long)hpa_val(bi->rsdp));
	platform.discovery_ret = -ENOSYS;
	return -ENOSYS;
}

bool platform_has_pci_device(uint16_t vendor, uint16_t device)
{
	(void)vendor;
	(void)device;
	return false;
}
