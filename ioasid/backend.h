/* SPDX-License-Identifier: MIT */
/*
 * The interface between the IOASID core and an IOMMU driver (VT-d, SMMUv3; a mock in
 * tests/host/). The core owns every table and decides every routing; a driver only
 *   - reports what one device's IOMMU can do (caps),
 *   - installs a configuration for (device, PASID) in ONE atomic step (VT-d: one 128/256-bit
 *     context/PASID entry update + its cache invalidation; SMMUv3: STE/CD update with the
 *     documented break-free sequence), so an attach over an attachment never opens a window
 *     where DMA is untranslated,
 *   - flushes IOTLB ranges of one domain (never a global flush: ACRN #2738),
 *   - reports faults back into the core with ioasid_report_fault().
 * Calls come with the guest lock held (see the lock order in ioasid/core.c); ops must not
 * call back into the core except ioasid_report_fault().
 */
#ifndef IOASID_BACKEND_H
#define IOASID_BACKEND_H

#include <hv/spinlock.h>
#include <hv/types.h>

#include "ioasid/pt.h"

struct hv_iommu;
struct hv_device;

/* What one device's IOMMU offers. */
struct ioasid_dev_caps {
	uint64_t pgsize_bitmap;	   /* page sizes the single-stage tables may use */
	unsigned ia_bits;	   /* input address width of tables built for this device */
	unsigned pasid_bits;	   /* 0: no PASID support */
	enum pt_format paging_fmt; /* single-stage format: GPA table and composed PAGING/shadow */
	uint32_t nested_fmts;	   /* 1U << PT_FMT_* guest stage-1 formats NESTED accepts */
	bool hw_nesting;	   /* the IOMMU walks a guest stage-1 over our stage-2 itself */
	bool coherent;		   /* table walks snoop CPU caches */
};

enum ioasid_hw_mode {
	IOASID_HW_BLOCKED = 1, /* all DMA faults (translation enabled, nothing mapped) */
	IOASID_HW_TABLE,       /* one stage: table (GPA, composed PAGING or shadow) */
	IOASID_HW_NESTED,      /* guest stage-1 at s1_root (a GPA) over stage-2 table */
};

struct ioasid_hw_config {
	enum ioasid_hw_mode mode;
	uint32_t domain;	      /* tag for the IOTLB (VT-d DID, SMMU ASID/VMID) */
	const struct pt_table *table; /* TABLE: the table; NESTED: the stage-2 (GPA) table */
	uint32_t s2_domain;	      /* NESTED only: the stage-2 table's own tag (SMMU VMID) */
	uint64_t s1_root;	      /* NESTED only: guest-physical root of the guest's stage-1 */
	enum pt_format s1_fmt;
	unsigned s1_levels;
};

struct ioasid_backend_ops {
	int (*get_caps)(struct hv_iommu *u, const struct hv_device *d, struct ioasid_dev_caps *caps);
	/*
	 * Route (device, PASID) through cfg, replacing what was there in one atomic step, and
	 * invalidate the device's context/PASID caches. On error nothing changed.
	 */
	int (*install)(struct hv_iommu *u, const struct hv_device *d, bool has_pasid, uint32_t pasid,
		       const struct ioasid_hw_config *cfg);
	/* Invalidate [start, end) of one domain (leaf: only leaf entries changed). */
	int (*flush_range)(struct hv_iommu *u, uint32_t domain, uint64_t start, uint64_t end, bool leaf);
	/*
	 * Optional (NULL: flush_range per range). Invalidate every one of the nr ranges of one
	 * domain with a single queue submission ending in a single wait (VT-d wait descriptor,
	 * SMMU CMD_SYNC), so an UNMAP or INVALIDATE of several ranges costs one round trip.
	 */
	int (*flush_ranges)(struct hv_iommu *u, uint32_t domain, const struct pt_range *r, unsigned nr, bool leaf);
	/* Invalidate everything tagged with one domain (gather overflow, INV_ALL on hw nesting). */
	int (*flush_domain)(struct hv_iommu *u, uint32_t domain);
	/*
	 * Optional (NULL: nothing to do). Entries of [start, end) of the table tagged domain have
	 * just gone from not present to present (MAP, a NESTED shadow refill). An IOMMU that may
	 * cache not-present entries (VT-d caching mode, CAP.CM, spec 6.1) invalidates the range
	 * here, or DMA there keeps faulting on the cached not-present entry.
	 */
	int (*flush_after_map)(struct hv_iommu *u, uint32_t domain, uint64_t start, uint64_t end);
	/*
	 * Optional: the other requester/stream IDs d's DMA may arrive with on u (PCI DMA aliases:
	 * a PCIe-to-PCI bridge above the device, include/hv/pci.h), d->rid excluded, at most max.
	 * The core stores them in d (alias_rids) before the first install; install then routes each
	 * of them like d->rid (requests without PASID), and faults on them are d's. Returns how
	 * many, or a negative error (the device is then not assigned).
	 */
	int (*rid_aliases)(struct hv_iommu *u, const struct hv_device *d, uint32_t *rids, unsigned max);
};

/* One IOMMU unit, registered by its driver. */
struct hv_iommu {
	const struct ioasid_backend_ops *ops;
	void *priv;
	const char *name;
	/*
	 * The unit's configuration (VT-d root/context/PASID tables and route records, SMMUv3
	 * stream table, CD pools and tags): guests on several CPUs attach devices of one unit at
	 * once, so every install is serialised here (ioasid_hw_install). Flushes need no such lock:
	 * they only use the unit's command queue, which has its own.
	 */
	hv_spinlock_t lock;
};

/* ops->install under u->lock: the only way the core, hv/ and drivers change a unit's routes. */
static inline int ioasid_hw_install(struct hv_iommu *u, const struct hv_device *d, bool has_pasid, uint32_t pasid,
				    const struct ioasid_hw_config *cfg)
{
	int ret;

	hv_spin_lock(&u->lock);
	ret = u->ops->install(u, d, has_pasid, pasid, cfg);
	hv_spin_unlock(&u->lock);
	return ret;
}

/*
 * Fault delivery from a driver into the core: the core finds the device by (unit, rid) and
 * queues a record in its owner's fault queue. Safe from the driver's fault handler. Faults of
 * unknown devices are counted and logged, never queued anywhere.
 */
void ioasid_report_fault(struct hv_iommu *u, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t addr,
			 unsigned access, unsigned reason);
/*
 * The unit itself dropped n fault records (VT-d FSTS.PFO, SMMUv3 event queue overflow): whose
 * they were is unknown, so every guest with a device behind u counts n lost faults (FAULT_READ
 * out_lost, and a gap of n in its sequence numbers). Reporting a loss to a guest that lost
 * nothing is safe; hiding one is not. Safe from the driver's fault handler.
 */
void ioasid_report_lost(struct hv_iommu *u, uint64_t n);

#endif /* IOASID_BACKEND_H */
