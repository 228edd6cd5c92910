/* SPDX-License-Identifier: MIT */
/*
 * The ITS doorbell in a guest device's address space (arch/arm64/msi_doorbell.c). Callers hold
 * the device's guest's lock (hv_guest.lock): the device's attachment does not change meanwhile.
 */
#ifndef ARCH_ARM64_MSI_DOORBELL_H
#define ARCH_ARM64_MSI_DOORBELL_H

#include <stdint.h>

struct hv_iommu;

/*
 * Give the stream sid (attached to its guest's GPA IOASID) the doorbell: *addr is the MSI
 * address its writes must use (GITS_TRANSLATER through the doorbell IOVA). 0, -EOPNOTSUPP (not
 * assigned / attached elsewhere), -EBUSY (the GPA table reaches the doorbell's IOVA), -ENOSPC,
 * -ENOMEM, or the install's error.
 */
int arm64_msi_doorbell_attach(struct hv_iommu *u, uint32_t sid, uint64_t *addr);
/* Undo one attach: the stream back on the plain GPA table, the doorbell's TLB entries gone. */
void arm64_msi_doorbell_detach(struct hv_iommu *u, uint32_t sid);

#endif /* ARCH_ARM64_MSI_DOORBELL_H */
