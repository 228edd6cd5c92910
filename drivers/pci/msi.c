// SPDX-License-Identifier: MIT
/*
 * A function's MSI capability (PCI Local Bus 3.0 6.8.1; PCIe Base 7.7.1), programmed by the
 * hypervisor only: guests have no access to configuration space, they ask through
 * IOASID_CALL_IRQ_ROUTE (include/hv/irq_route.h). Multiple Message Enable stays 0 (one
 * vector), so only source 0 exists; MSI-X is not offered yet (docs/ABI.md "IRQ_ROUTE").
 */
#include <hv/errno.h>
#include <hv/pci.h>

#define MSI_CTL	    0x2 /* Message Control: bit 0 enable, 3:1 MMC, 6:4 MME, bit 7 64-bit, bit 8 masking */
#define MSI_CTL_EN  0x1U
#define MSI_CTL_MME 0x70U
#define MSI_CTL_64  0x80U
#define MSI_CTL_PVM 0x100U
#define MSI_ADDR_LO 0x4
#define MSI_ADDR_HI 0x8
#define MSI_DATA_32 0x8
#define MSI_DATA_64 0xc
#define MSI_MASK_32 0xc
#define MSI_MASK_64 0x10

static uint32_t msi_rd(const struct pci_dev *p, unsigned off, unsigned width)
{
	return pci_cfg_read(&hv_acpi, p->segment, p->bus, p->devfn, (uint16_t)(p->cap_msi + off), width);
}

static void msi_wr(const struct pci_dev *p, unsigned off, unsigned width, uint32_t v)
{
	(void)pci_cfg_write(&hv_acpi, p->segment, p->bus, p->devfn, (uint16_t)(p->cap_msi + off), width, v);
}

unsigned pci_msi_count(const struct pci_dev *p)
{
	return p->cap_msi != 0 ? 1U : 0U;
}

int pci_msi_program(const struct pci_dev *p, unsigned source, uint64_t addr, uint32_t data)
{
	uint16_t ctl;
	bool is64;

	if (p->cap_msi == 0) {
		return -EOPNOTSUPP;
	}
	if (source >= pci_msi_count(p)) {
		return -EINVAL;
	}
	ctl = (uint16_t)msi_rd(p, MSI_CTL, 2);
	is64 = (ctl & MSI_CTL_64) != 0;
	if (!is64 && (addr >> 32) != 0) {
		return -EINVAL;
	}
	/* Disabled while the message changes: no half-written address/data pair is ever sent. */
	msi_wr(p, MSI_CTL, 2, ctl & ~(MSI_CTL_EN | MSI_CTL_MME));
	msi_wr(p, MSI_ADDR_LO, 4, (uint32_t)addr);
	if (is64) {
		msi_wr(p, MSI_ADDR_HI, 4, (uint32_t)(addr >> 32));
	}
	msi_wr(p, is64 ? MSI_DATA_64 : MSI_DATA_32, 2, data & 0xffffU);
	if (ctl & MSI_CTL_PVM) {
		msi_wr(p, is64 ? MSI_MASK_64 : MSI_MASK_32, 4, 0); /* vector 0 unmasked */
	}
	msi_wr(p, MSI_CTL, 2, (ctl & ~MSI_CTL_MME) | MSI_CTL_EN);
	return 0;
}

void pci_msi_disable(const struct pci_dev *p)
{
	if (p->cap_msi != 0) {
		msi_wr(p, MSI_CTL, 2, msi_rd(p, MSI_CTL, 2) & ~(uint32_t)MSI_CTL_EN);
	}
}
