/* SPDX-License-Identifier: MIT */
/*
 * What the hypervisor found about the machine, in arch-neutral terms: filled by
 * platform_init() (hv/platform.c) from the ACPI and PCI code, logged at boot, and checked by the
 * "boot" self-test (it must find the IOMMU unit and the edu device under QEMU).
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <hv/bootinfo.h>

struct platform_info {
	unsigned nr_cpus;        /* from the MADT */
	unsigned nr_iommus;      /* DMAR DRHD units / IORT SMMUv3 nodes */
	unsigned nr_pci_devices; /* functions found by ECAM enumeration */
	bool acpi_ok;            /* RSDP/XSDT checksums validated */
	int discovery_ret;       /* platform_init()'s result */
};

extern struct platform_info platform;

/* Parse ACPI, enumerate PCI, log what was found. 0, or a negative error if something is missing. */
int platform_init(const struct bootinfo *bi);

/* True if a PCI function with these IDs was enumerated. */
bool platform_has_pci_device(uint16_t vendor, uint16_t device);

#endif /* HV_PLATFORM_H */
