// SPDX-License-Identifier: MIT
/*
 * What drivers/iommu/vtd/vtd.c links against beyond the driver, for host tests that run the
 * unit-level code against a register block in memory (test_vtd_qi, test_vtd_ir): no ACPI, no
 * RMRRs, no PCI enumeration, and faults go nowhere.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/pci.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"

int acpi_dmar_unit_for(const struct acpi_info *info, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	(void)info;
	(void)segment;
	(void)bus;
	(void)devfn;
	return -1;
}

void vtd_rmrr_claim(const struct acpi_dmar *d)
{
	(void)d;
}

int vtd_rmrr_setup(const struct acpi_dmar *d)
{
	(void)d;
	return 0;
}

void ioasid_report_lost(struct hv_iommu *u, uint64_t n)
{
	(void)u;
	(void)n;
}

/* vtd_tables.c's rid_aliases op: no PCI enumeration here. */
struct pci_info hv_pci;

const struct pci_dev *pci_find(const struct pci_info *pci, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	(void)pci;
	(void)segment;
	(void)bus;
	(void)devfn;
	return NULL;
}

int pci_dma_aliases(const struct pci_dev *d, uint16_t *rids, unsigned max)
{
	(void)d;
	(void)rids;
	(void)max;
	return -ENODEV;
}

/* vtd_ir.c's device source check: the device's own ID only (the rule has its own tests). */
int pci_dma_aliases_via(const struct pci_dev *d, uint16_t *rids, const struct pci_dev **via, unsigned max)
{
	if (max == 0) {
		return -EINVAL;
	}
	rids[0] = PCI_RID(d->bus, d->devfn);
	via[0] = NULL;
	return 1;
}

void ioasid_report_fault(struct hv_iommu *u, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t addr,
			 unsigned access, unsigned reason)
{
	(void)u;
	(void)rid;
	(void)has_pasid;
	(void)pasid;
	(void)addr;
	(void)access;
	(void)reason;
}

