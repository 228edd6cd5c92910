/* SPDX-License-Identifier: MIT */
/*
 * Host test harness for the IOASID core: guests with real memory (process memory stands in for
 * host-physical RAM), devices behind mock IOMMUs, one helper per hypercall that puts the request
 * into guest memory and calls ioasid_dispatch() exactly like a trapped VMMCALL/HVC would, and an
 * invariant checker shared by the unit tests and the fuzzer.
 *
 * Guest layout: RAM0 GPA [0, 4 MiB) and RAM1 GPA [4 MiB, 8 MiB), adjacent in GPA but not in host
 * memory (so one MAP can need two host chunks); both 2 MiB aligned on the host. The request
 * mailbox is at GPA 0x1000, batch arrays at 0x2000..0x5fff, test data from 1 MiB.
 */
#ifndef TESTS_HOST_HARNESS_H
#define TESTS_HOST_HARNESS_H

#include "ioasid/core.h"
#include "tests/host/mock_iommu.h"

#define H_RAM_SIZE   (4ULL << 20)
#define H_RAM0_GPA   0x0ULL
#define H_RAM1_GPA   (4ULL << 20)
#define H_MBOX_GPA   0x1000ULL
#define H_ARRAY_GPA  0x2000ULL
#define H_ARRAY_SIZE 0x4000ULL
#define H_DATA_GPA   (1ULL << 20)
#define H_MAX_DEV    4

struct h_guest {
	struct hv_guest g;
	void *ram[2];
	struct hv_mem_region mem[2];
	unsigned ndev;
	uint32_t dev[H_MAX_DEV];
	uint32_t rid[H_MAX_DEV];
	struct mock_iommu *mock[H_MAX_DEV];
	uint32_t gpa_io;
	bool ram_borrowed; /* RAM given by the caller (the fuzzer reuses it) */
};

/* Default capabilities: VT-d-like, second-level tables, 48-bit, 4K/2M/1G, 8 PASID bits. */
struct ioasid_dev_caps h_default_caps(void);

/* Set up guest id with ndev devices on mock m (rids rid_base, rid_base+1, ...). */
int h_guest_setup(struct h_guest *hg, uint32_t id, struct mock_iommu *m, unsigned ndev, uint32_t rid_base,
		  uint64_t quota_pages);
/*
 * General form: device i sits on mocks[i]; ram0/ram1 (H_RAM_SIZE each, 2 MiB aligned, owned by
 * the caller, not cleared here) or NULL to allocate zeroed RAM.
 */
int h_guest_setup_ex(struct h_guest *hg, uint32_t id, struct mock_iommu *const *mocks, unsigned ndev, uint32_t rid_base,
		     uint64_t quota_pages, void *ram0, void *ram1);
void h_guest_teardown(struct h_guest *hg);

void *h_ptr(struct h_guest *hg, uint64_t gpa);
hpa_t h_hpa(struct h_guest *hg, uint64_t gpa);

/* Copy req (size bytes) to the mailbox, dispatch, copy the mailbox back into req. */
long h_call(struct h_guest *hg, uint64_t call, void *req, size_t size);
/* Put a batch array at H_ARRAY_GPA. */
void h_put_array(struct h_guest *hg, const void *a, size_t size);

long h_alloc_paging(struct h_guest *hg, unsigned dev, uint32_t *io);
long h_alloc_nested(struct h_guest *hg, unsigned dev, uint32_t fmt, uint64_t root, uint32_t *io);
long h_free(struct h_guest *hg, uint32_t io);
long h_map(struct h_guest *hg, uint32_t io, uint64_t iova, uint64_t gpa, uint64_t len, uint32_t prot);
long h_unmap(struct h_guest *hg, uint32_t io, uint64_t iova, uint64_t len, uint64_t *unmapped);
long h_attach(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid, uint32_t io);
long h_detach(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid);
long h_inv(struct h_guest *hg, uint32_t io, uint32_t type, uint64_t addr, uint64_t len);

/* DMA by device dev of hg (no PASID / with PASID): host address or a negative error. */
int h_dma(struct h_guest *hg, unsigned dev, bool has_pasid, uint32_t pasid, uint64_t iova, unsigned access, hpa_t *out);

/*
 * Check every invariant of the core for one guest, returning 0 or a line number of the failed
 * check (and printing why on stderr):
 *  - every leaf of every table of every IOASID maps host memory inside the guest's own RAM
 *    regions (never the hypervisor's, never another guest's), each leaf inside one region;
 *  - the mock's route of every (device, PASID) is exactly what the core's books say
 *    (blocked when detached, the IOASID's table/domain when attached), and no other route of
 *    the guest's devices is live;
 *  - attachment and child counts match a recount; quota use within limit and equal to the
 *    table pages of the guest-charged tables.
 */
int h_check_invariants(struct h_guest *hg);

/* A digest of all state a failed request must not change (tables, routes, quota, counts). */
uint64_t h_state_digest(struct h_guest *hg);

/*
 * The same checks and digest in two halves, for the fuzzer, which walks the tables only after
 * operations that run the core's table code:
 *   h_check_invariants(hg) == h_check_tables(hg, &d) || h_check_books(hg)
 *   h_state_digest(hg)     == h_digest_combine(h_books_digest(hg), d)
 * h_check_tables() walks every leaf of every table once (the first invariant above) and gives
 * the digest of all leaves; the "books" are everything else (routes, counts, quota, faults).
 */
int h_check_tables(struct h_guest *hg, uint64_t *tables_digest);
int h_check_books(struct h_guest *hg);
uint64_t h_books_digest(struct h_guest *hg);
uint64_t h_digest_combine(uint64_t books, uint64_t tables);

#endif /* TESTS_HOST_HARNESS_H */
