/* SPDX-License-Identifier: MIT */
/*
 * A device MSI delivered to a guest as a virtual interrupt (IOASID_CALL_IRQ_ROUTE, docs/ABI.md
 * "IRQ_ROUTE"). hv/guest_irq.c validates the guest's request and owns the routes; the arch
 * (x86_64: a host vector on the target vCPU's CPU behind a VT-d interrupt-remapping entry that
 * verifies the device's requester IDs; arm64: an ITS event of the device's own mapped to a
 * hypervisor LPI) makes the host side, programs the device's MSI capability
 * (drivers/pci/msi.c) and, for every message, calls virq_send(r->target, r->virq).
 */
#ifndef HV_IRQ_ROUTE_H
#define HV_IRQ_ROUTE_H

#include <hv/pci.h>
#include <hv/types.h>
#include <hv/vcpu.h>

struct hv_iommu;

/*
 * The virq numbers IRQ_ROUTE accepts (docs/ABI.md "IRQ_ROUTE"; checked by hv/guest_irq.c
 * before any arch hook runs). x86_64: a vector of the target vCPU's virtual local APIC; 0-31
 * are exceptions (SDM 6.2), not deliverable by a fixed message (SDM 10.5.2). arm64: a GICv3
 * SPI (IHI0069 2.2.1: INTIDs 32-1019); the guest routes it to a vCPU through the vGIC's
 * GICD_IROUTER, so the request's vcpu must be 0; whether the vGIC implements that many
 * SPIs is its own check when the interrupt is raised.
 */
#if defined(__aarch64__)
#define IRQ_ROUTE_VIRQ_MIN 32U
#define IRQ_ROUTE_VIRQ_MAX 1019U
#define IRQ_ROUTE_PER_VCPU 0
#else
#define IRQ_ROUTE_VIRQ_MIN 32U
#define IRQ_ROUTE_VIRQ_MAX 255U
#define IRQ_ROUTE_PER_VCPU 1
#endif

struct msi_route {
	const struct pci_dev *pdev;
	struct hv_iommu *iommu; /* the unit translating the device's DMA (and remapping its MSIs) */
	unsigned source;	/* the device's MSI vector number */
	struct vcpu *target;	/* x86: the destination vCPU; arm64: any vCPU of the guest (SPI) */
	uint32_t virq;
	uint64_t nr_delivered; /* messages turned into virq_send (atomic) */
	uintptr_t arch[2];     /* the arch's handles (x86: vector, IRTE index; arm64: LPI, event) */
};

/*
 * Install r (new, or replacing the route with the same pdev/source: r->arch holds the old
 * handles then, non-zero) and enable the device's MSI. 0, -EOPNOTSUPP (no MSI capability, or
 * no interrupt remapping/ITS for it), -ENOSPC (no vector/entry/LPI left), -EINVAL.
 */
int arch_msi_route_set(struct msi_route *r);
/* Disable the device's MSI and free what arch_msi_route_set took. After it returns no
 * message of r's is delivered any more (the handler has finished on every CPU). */
void arch_msi_route_clear(struct msi_route *r);

#endif /* HV_IRQ_ROUTE_H */
