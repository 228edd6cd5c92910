/* SPDX-License-Identifier: MIT */
/*
 * A mock IOMMU backend for host tests and the fuzzer (iommufd's selftest.c idea): it records
 * every install and flush, can inject failures, and translates (device, PASID, IOVA) through
 * whatever is installed - one stage, or a guest stage-1 composed over a stage-2 - with a small
 * IOTLB, so a missing flush shows up as a stale translation, not just a missing log line.
 */
#ifndef TESTS_HOST_MOCK_IOMMU_H
#define TESTS_HOST_MOCK_IOMMU_H

#include "ioasid/backend.h"

#define MOCK_MAX_ROUTES	 64
#define MOCK_MAX_FLUSHES 256
#define MOCK_TLB_SIZE	 64

struct mock_route {
	bool used;
	uint32_t rid;
	bool has_pasid;
	uint32_t pasid;
	struct ioasid_hw_config cfg;
};

struct mock_flush {
	uint32_t domain;
	bool all;
	bool leaf;
	uint64_t start, end;
};

struct mock_tlb {
	bool valid;
	uint32_t domain;
	uint64_t page; /* IOVA >> 12 */
	uint64_t hpa;  /* of the page */
	unsigned prot;
	bool not_present; /* caching_mode: a cached "not present" (VT-d CM, spec 6.1) */
};

struct mock_iommu {
	struct hv_iommu unit; /* first: the core's handle */
	struct ioasid_dev_caps caps;
	struct mock_route routes[MOCK_MAX_ROUTES];
	uint64_t nr_install_calls;
	uint64_t nr_flush_calls;		     /* flush_range + flush_domain */
	uint64_t nr_flush_batches;		     /* flush_ranges calls (one per gather) */
	struct mock_flush flushes[MOCK_MAX_FLUSHES]; /* the last ones, ring */
	/* failure injection: fail the Nth next call (1 = next), with this error */
	uint64_t fail_install_after;
	uint64_t fail_flush_after;
	int fail_err;
	bool tlb_enabled;
	/*
	 * Like VT-d caching mode: failed translations are cached too, so a MAP that is not followed
	 * by flush_after_map (or another flush of the range) keeps faulting. Off by default.
	 */
	bool caching_mode;
	uint64_t nr_flush_after_map; /* flush_after_map calls, whatever caching_mode says */
	struct mock_tlb tlb[MOCK_TLB_SIZE];
	unsigned tlb_next;
};

void mock_iommu_init(struct mock_iommu *m, const char *name, const struct ioasid_dev_caps *caps);
/* The route installed for (rid, PASID), or NULL if none was ever installed. */
const struct mock_route *mock_route_get(const struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid);
const struct mock_flush *mock_flush_last(const struct mock_iommu *m, unsigned back);

/*
 * A DMA access by (rid, PASID) at iova: 0 and *out = host address, or a negative error with a
 * fault reported to the core (ioasid_report_fault) like hardware would:
 *   -EPERM  blocked or never configured, -ENOENT not mapped, -EACCES-like -EFAULT permission.
 */
int mock_dma(struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t iova, unsigned access,
	     hpa_t *out);
/* Same translation, no TLB, no fault report: what the tables say right now. */
int mock_translate(const struct mock_iommu *m, uint32_t rid, bool has_pasid, uint32_t pasid, uint64_t iova, hpa_t *out,
		   unsigned *prot);

/*
 * Enumerate the leaves of one of our own tables (any format), holes skipped: cb(ia, oa, size,
 * prot) per leaf. Each page is visited once; every non-zero entry is decoded by pt_walk_foreign()
 * from the root, reading host memory, independent of pt_lookup(); a malformed entry fails the walk.
 */
typedef int (*mock_leaf_fn)(void *ctx, uint64_t ia, uint64_t oa, uint64_t size, unsigned prot);
int mock_walk_leaves(const struct pt_table *t, mock_leaf_fn cb, void *ctx);

#endif /* TESTS_HOST_MOCK_IOMMU_H */
