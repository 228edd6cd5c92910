// SPDX-License-Identifier: MIT
/*
 * Identity tables the hypervisor keeps for itself on an IOMMU unit: memory that firmware-owned
 * devices keep using for DMA (VT-d RMRRs, drivers/iommu/vtd/vtd_rmrr.c; IORT RMRs,
 * drivers/iommu/smmuv3/smmuv3_rmr.c). One table per unit in the unit's own format, tagged with
 * a domain ID of its own, never reachable from a guest.
 */
#include <hv/errno.h>

#include "ioasid/core.h"

int ioasid_identity_table_init(struct hv_iommu *u, struct pt_table *pt, uint32_t *domain)
{
	struct ioasid_dev_caps caps;
	int ret;

	ret = u->ops->get_caps(u, &(const struct hv_device){ 0 }, &caps);
	ret = ret ? ret : pt_init(pt, caps.paging_fmt, caps.ia_bits, caps.pgsize_bitmap, caps.coherent, NULL);
	if (ret) {
		return ret;
	}
	*domain = ioasid_new_domain();
	if (*domain == 0) {
		pt_destroy(pt);
		return -ENOSPC;
	}
	return 0;
}

int ioasid_identity_map(struct pt_table *pt, uint64_t base, uint64_t size)
{
	int ret;

	if ((base + size - 1) >> pt->ia_bits != 0) {
		return -ERANGE;
	}
	ret = pt_map(pt, base, hpa(base), size, PT_PROT_READ | PT_PROT_WRITE);
	if (ret != -EEXIST) {
		return ret;
	}
	/* Part of it is mapped already (pt_map changed nothing): page by page, keeping that. */
	ret = 0;
	for (uint64_t off = 0; off < size && ret == 0; off += HV_PAGE_SIZE) {
		ret = pt_map(pt, base + off, hpa(base + off), HV_PAGE_SIZE, PT_PROT_READ | PT_PROT_WRITE);
		ret = ret == -EEXIST ? 0 : ret;
	}
	return ret;
}
