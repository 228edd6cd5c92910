// SPDX-License-Identifier: MIT
/*
 * The IOMMU end-to-end self-test, arch-neutral part (hv/selftest_iommu.c): QEMU's edu device does
 * real DMA through an IOMMU while a guest object of the real IOASID core owns the device; every
 * request goes through ioasid_dispatch() with its struct in the test guest's memory, as a guest
 * would issue it. The scenarios live once, in hv/selftest_iommu.c; each IOMMU's self-test
 * (hv/selftest_vtd.c, hv/selftest_smmuv3.c) supplies a struct st_iommu_ops for what truly
 * differs: bringing the unit up and finding the device's RID/StreamID, draining the unit's fault
 * records or events and checking the last one, the table entry after DETACH, the guest's
 * stage-1 table format for NESTED, and its extra scenarios.
 */
#ifndef HV_SELFTEST_IOMMU_H
#define HV_SELFTEST_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/edu.h>
#include <hv/mm.h>

#include "ioasid/core.h"

struct bootinfo;

/* Test guest memory: 8 MiB, naturally aligned, at this guest-physical address. */
#define ST_G_ORDER     11
#define ST_G_SIZE      (HV_PAGE_SIZE << ST_G_ORDER)
#define ST_G_BASE      0x80000000ULL
#define ST_OFF_REQ     0x0000ULL /* request structs */
#define ST_OFF_ARR     0x1000ULL /* batch arrays */
#define ST_OFF_FAULTS  0x2000ULL
#define ST_OFF_GPA_BUF 0x8000ULL
#define ST_OFF_A       0x10000ULL /* 4 pages */
#define ST_OFF_B       0x20000ULL /* 4 pages */
#define ST_OFF_RO      0x30000ULL /* 1 page */
#define ST_OFF_S1      0x40000ULL /* the guest's own stage-1 / first-level table: 4 pages, levels 0..3 */
#define ST_OFF_N1      0x50000ULL
#define ST_OFF_N2      0x51000ULL
#define ST_OFF_NSRC    0x52000ULL  /* source page for the nested DMA, at ST_IOVA_N + 4 KiB */
#define ST_OFF_SUPER   0x400000ULL /* 4 MiB, 2 MiB aligned in both GPA and HPA */

#define ST_IOVA_A	 0x10000000ULL
#define ST_IOVA_RO	 0x10100000ULL
#define ST_IOVA_UNMAPPED 0x20000000ULL
#define ST_IOVA_SUPER	 0x40000000ULL
#define ST_IOVA_N	 0x50000000ULL
#define ST_XFER		 1024U

/* What a DMA expected to fault ran into; each driver knows its unit's codes for it. */
enum st_fault {
	ST_FAULT_NOT_PRESENT, /* no translation for the address */
	ST_FAULT_READ_ONLY,   /* a write to a read-only translation */
	ST_FAULT_BLOCKED,     /* no entry for the device at all */
};

/* The device the test drives, as the driver's bring-up found it. */
struct st_dev {
	uint16_t bdf;
	hpa_t bar0;
	uint32_t rid; /* what the unit sees: the PCI RID (VT-d) or the StreamID (SMMUv3) */
	struct hv_iommu *iommu;
};

struct st_iommu_ops {
	const char *name;     /* log prefix: "<name> scenario N (...)" */
	const char *rid_name; /* "rid", "sid" */
	/* ACPI, the unit(s) up, edu found with bus mastering on: fills *dev (checks logged). */
	int (*bring_up)(const struct bootinfo *bi, struct st_dev *dev);
	/* Optional: after the guest memory exists, before the guest does (nothing attached). */
	bool (*before_guest)(void);
	void (*describe)(void); /* one line: the unit's mode */
	/* Drain the unit's fault records / events; the number seen. */
	unsigned (*poll)(void);
	/* The unit's last record matches (n = poll()'s count, >= 1); logs its checks. */
	bool (*unit_fault_ok)(unsigned n, uint64_t addr, bool write, enum st_fault kind);
	bool one_guest_record; /* the core merges repeats: exactly one record reaches the guest */
	/*
	 * The unit blocks faulting DMA but reports nothing (a model without fault events): a
	 * fault check then only asserts that nothing was reported either way.
	 */
	bool silent_faults;
	/* After DETACH: the unit's entry for the device blocks (one check). */
	bool (*detached_entry)(void);
	/* After a write while detached (the memory checked untouched): how the block shows. */
	bool (*detached_dma)(void);
	/*
	 * Optional (the unit must record two faults in a row): after UNMAP of both 2 MiB leaves, a
	 * write across the old boundary; checks the unit's records of the two pages' faults.
	 */
	bool (*superpage_unmapped)(uint64_t cross);
	/* NESTED: the guest's table format and its descriptor bits, 4 levels of 4 KiB. */
	uint32_t nested_format;
	uint64_t s1_table, s1_page;
	bool (*hw_nesting)(void); /* the unit walks the guest's table itself (else: shadowed) */
	/* Per-driver scenarios after the common ones; a = scenario 1's PAGING IOASID. */
	bool (*extra)(uint32_t a);
};

struct st_iommu {
	const struct st_iommu_ops *ops;
	struct hv_guest g;
	struct edu edu;
	struct st_dev dev;
	uint32_t dev_id;
	struct ioasid_get_info info;
	uint8_t *host;
};

extern struct st_iommu st;

void *st_gptr(uint64_t off);
long st_call(uint64_t nr, void *req, size_t size);
long st_alloc_paging(uint32_t *id);
long st_map(uint32_t id, uint64_t iova, uint64_t goff, uint64_t len, uint32_t prot);
long st_unmap(uint32_t id, uint64_t iova, uint64_t len);
long st_attach(uint32_t id);
long st_invalidate(uint32_t id, uint64_t iova, uint64_t len, uint32_t flags);
uint32_t st_fault_read(struct ioasid_fault_record *rec);

void st_fill(uint64_t off, uint32_t len, uint8_t seed);
bool st_same(uint64_t off, uint32_t len, uint8_t seed);
bool st_untouched(uint64_t off, uint8_t v);
int st_dma_in(uint64_t iova);
int st_dma_out(uint64_t iova);

void st_faults_reset(void);
bool st_expect_fault(uint64_t addr, bool write, enum st_fault kind, unsigned reason);
bool st_expect_no_fault(void);
bool st_scenario_end(unsigned nr, const char *what, bool ok);

/* The test guest with the device assigned (attached to its GPA IOASID); *ok: soft checks. */
int st_iommu_setup(const struct st_iommu_ops *ops, const struct bootinfo *bi, bool *ok);
/* arm64: the SMMUv3's ops (hv/selftest_smmuv3.c), for the ITS route self-test (selftest_its.c). */
const struct st_iommu_ops *st_smmuv3_ops(void);

/* Set-up, scenarios 0..8, then ops->extra. */
int st_iommu_run(const struct st_iommu_ops *ops, const struct bootinfo *bi);

#endif /* HV_SELFTEST_IOMMU_H */
