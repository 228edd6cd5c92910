/* SPDX-License-Identifier: MIT */
/*
 * The IOASID core's object model (docs/CORE.md): guests, IOASIDs, devices, fault queues.
 *
 * All objects live in fixed-size arrays inside struct hv_guest, which the caller (hv_main, a
 * test) owns: the core allocates nothing but page-table pages (charged to the guest's quota)
 * and one scratch page per guest for batch copy-in. IDs a guest sees encode the owning guest, a
 * slot and a generation, so another guest's ID or a freed ID never resolves.
 */
#ifndef IOASID_CORE_H
#define IOASID_CORE_H

#include <hv/spinlock.h>
#include <hv/types.h>
#include <ioasid/abi.h>

#include "ioasid/backend.h"
#include "ioasid/pt.h"

#define HV_GUEST_MAX_MEM     8
#define HV_GUEST_MAX_DEVS    8
#define HV_GUEST_MAX_IOASIDS 32
#define HV_DEV_MAX_PASID_ATT 8
#define HV_DEV_MAX_ALIASES   7 /* PCI_MAX_DMA_ALIASES - 1 */
#define HV_FAULT_QUEUE_LEN   64
#define HV_MAX_GUESTS	     16
#define HV_NR_FMT	     6 /* indexed by enum pt_format (1..5) */

struct hv_guest;
struct ioasid;

/* [gpa, gpa+size) of the guest is [hpa, hpa+size) of the host; page aligned, disjoint. */
struct hv_mem_region {
	gpa_t gpa;
	hpa_t hpa;
	uint64_t size;
};

/* One hardware table of an IOASID and the IOTLB tag it is installed with. */
struct ioasid_hwt {
	bool valid;
	uint32_t domain;
	struct pt_table pt;
};

struct ioasid {
	bool in_use;
	uint32_t id;
	uint32_t kind; /* IOASID_KIND_* */
	struct hv_guest *guest;
	struct ioasid *parent; /* GPA parent of PAGING / NESTED */
	uint32_t nr_children;  /* PAGING/NESTED IOASIDs over this one (GPA only) */
	uint32_t nr_attach;    /* (device, PASID) routes through this IOASID */
	/* GPA: one table per single-stage format in use; PAGING/NESTED: hw[fmt] only. */
	enum pt_format fmt;
	struct ioasid_hwt hw[HV_NR_FMT];
	/* NESTED */
	bool hw_nested;	    /* installed as IOASID_HW_NESTED; else hw[fmt] is a shadow */
	uint32_t s1_domain; /* hw_nested: IOTLB tag of the guest stage-1 */
	gpa_t s1_root;
	enum pt_format s1_fmt;
	unsigned s1_levels;
	unsigned s1_ia_bits;
};

struct hv_pasid_att {
	bool used;
	uint32_t pasid;
	struct ioasid *io;
};

struct hv_device {
	bool in_use;
	uint32_t id; /* dev_id the guest sees */
	uint16_t segment;
	uint16_t bdf;
	uint32_t rid; /* requester / stream ID on its IOMMU */
	struct hv_guest *guest;
	struct hv_iommu *iommu;
	struct ioasid_dev_caps caps;
	struct ioasid *rid_att; /* RID attachment; NULL = blocked */
	struct hv_pasid_att pasid_att[HV_DEV_MAX_PASID_ATT];
	/* Other RIDs its DMA may carry (backend rid_aliases op): routed like rid, faults are d's. */
	uint32_t alias_rids[HV_DEV_MAX_ALIASES];
	unsigned nr_alias_rids;
};

struct hv_fault_queue {
	hv_spinlock_t lock; /* innermost: taken from drivers' fault handlers */
	struct ioasid_fault_record rec[HV_FAULT_QUEUE_LEN];
	uint32_t head; /* oldest record */
	uint32_t count;
	uint64_t next_seq;
	uint64_t lost;
};

struct hv_guest {
	bool live;
	uint32_t id;	    /* 1..0xffff */
	hv_spinlock_t lock; /* serialises every hypercall of this guest */
	struct hv_mem_region mem[HV_GUEST_MAX_MEM];
	unsigned nr_mem;
	struct pt_quota quota; /* guest-driven table memory (PAGING, shadows) */
	struct hv_device devs[HV_GUEST_MAX_DEVS];
	struct ioasid ioasids[HV_GUEST_MAX_IOASIDS];
	uint8_t ioasid_gen[HV_GUEST_MAX_IOASIDS];
	struct ioasid *gpa_io;
	struct hv_fault_queue fq;
	void *scratch;	      /* one page: the batch being processed, copied in */
	uint64_t walk_budget; /* guest table entries NESTED shadowing may still walk */
	/*
	 * Called whenever a fault record for g was queued (or counted lost) by ioasid_report_fault
	 * / ioasid_report_lost: the guest's fault interrupt (hv/guest_irq.c, docs/ABI.md
	 * "IRQ_ROUTE"). Called under hv_registry_lock (lock 3), after the queue's lock is dropped;
	 * it may take only locks below 3 (virq_send's). NULL: nobody listens. Set with
	 * hv_guest_set_fault_notify().
	 */
	void (*fault_notify)(struct hv_guest *g);
};

/*
 * Install (fn) or remove (NULL) g's fault notification. Taken under hv_registry_lock, so once it
 * returns with NULL no call of the old function is running or will start.
 */
void hv_guest_set_fault_notify(struct hv_guest *g, void (*fn)(struct hv_guest *g));

/*
 * Work bound for shadowing: one hypercall walks at most this many guest stage-1 translations
 * (each up to 4 entry reads). A guest table can describe 2^36 leaves with a handful of pages
 * (tables that point at themselves), and leaves whose output is outside RAM cost no quota, so
 * without a bound one INVALIDATE could hold a CPU for hours. Beyond it the call fails with
 * -E2BIG and the rest of the range stays unmapped; the guest invalidates smaller ranges.
 */
#define HV_NESTED_WALK_BUDGET (1ULL << 18)

struct hv_guest_config {
	uint32_t id;
	const struct hv_mem_region *mem;
	unsigned nr_mem;
	uint64_t quota_pages; /* table pages the guest may make us spend */
};

/* ---- set-up (hv_main, tests) ---- */
int hv_guest_init(struct hv_guest *g, const struct hv_guest_config *cfg);
/*
 * Assign PCI function seg:bdf (rid on unit u) to g: builds the GPA table in the unit's format
 * if needed and routes the RID through the GPA IOASID. -EBUSY if another guest has it.
 */
int hv_guest_add_device(struct hv_guest *g, struct hv_iommu *u, uint16_t segment, uint16_t bdf, uint32_t rid,
			uint32_t *dev_id);
/*
 * Block every device, free every IOASID and table. 0, or the first error: a device that could
 * not be blocked (its route, and the tables it walks, are kept), or a flush that did not complete
 * (its domain ID is kept). On error a device may still reach the guest's RAM: the caller must not
 * free it (hv/guest.c keeps it).
 */
int hv_guest_destroy(struct hv_guest *g);

/* ---- the hypercall entry (dispatch.c) ---- */
long ioasid_dispatch(struct hv_guest *g, uint64_t call, gpa_t req);

/* ---- internal, shared between the core files in ioasid/ ---- */
struct ioasid *ioasid_lookup(struct hv_guest *g, uint32_t id);
/* The guest's GPA IOASID, without tables (hv_guest_add_device adds one per format). */
int ioasid_create_gpa(struct hv_guest *g, struct ioasid **out);
/*
 * Free an unattached IOASID's tables and slot (FREE, teardown). 0, or the first flush error
 * (the slot is freed anyway; the domain IDs whose flush failed are never reused).
 */
int ioasid_release(struct ioasid *io);
/*
 * Domain IDs: the IOTLB tags backends put in hardware (VT-d DIDs, SMMU VMIDs/ASIDs). The lowest
 * free ID in 1..IOASID_MAX_DOMAINS-1, or 0 when none is free. An ID goes back with
 * ioasid_put_domain() only after every unit that may have cached entries under it flushed it
 * (ioasid_release does both), so a new owner can never hit the old owner's entries.
 */
#define IOASID_MAX_DOMAINS 4096U
uint32_t ioasid_new_domain(void);
/*
 * Copy in a request struct at guest-physical req with the ABI's size rules (abi.h): size < v1
 * -EINVAL, size above the maximum -E2BIG, non-zero bytes past v1 -E2BIG; -EFAULT outside the
 * guest's RAM. Every call's request goes through it, the hypervisor's own services too.
 */
int ioasid_req_in(struct hv_guest *g, gpa_t req, void *buf, uint32_t v1);
/*
 * An identity table for the hypervisor's own use on unit u (ioasid/identity.c): in the unit's
 * format (get_caps of no device), with a domain ID of its own. 0 or a negative error.
 */
int ioasid_identity_table_init(struct hv_iommu *u, struct pt_table *pt, uint32_t *domain);
/* Map [base, base + size) to itself read/write; what is mapped already stays. -ERANGE beyond the table. */
int ioasid_identity_map(struct pt_table *pt, uint64_t base, uint64_t size);
void ioasid_put_domain(uint32_t domain);
struct hv_device *hv_device_lookup(struct hv_guest *g, uint32_t dev_id);
struct ioasid_hwt *ioasid_hwt_for(struct ioasid *io, const struct hv_device *d);
/* GPA range -> host chunks: the host address of gpa and how many bytes stay contiguous. */
int guest_gpa_to_hpa(const struct hv_guest *g, gpa_t a, hpa_t *out, uint64_t *contig);
bool guest_range_in_ram(const struct hv_guest *g, gpa_t a, uint64_t len);
/*
 * The one way the hypervisor touches guest memory (guestmem.c): copy len bytes between a
 * hypervisor buffer and [a, a+len) of the guest's RAM. -EFAULT (nothing copied) unless the whole
 * range is RAM of this guest; overflow-safe. The guest may change its memory concurrently: the
 * hypervisor validates the copy, never guest memory in place.
 */
int guest_copy_from(const struct hv_guest *g, void *dst, gpa_t a, uint64_t len);
int guest_copy_to(const struct hv_guest *g, gpa_t a, const void *src, uint64_t len);

/* Invalidate one domain of io on every unit that routes through io. */
int ioasid_flush_domain(struct ioasid *io, uint32_t domain);
int ioasid_flush_range(struct ioasid *io, uint32_t domain, uint64_t start, uint64_t end, bool leaf);
/*
 * [start, end) of domain became present: the units that cache not-present entries invalidate
 * it (ops->flush_after_map; a failed range falls back to the whole domain).
 */
int ioasid_flush_after_map(struct ioasid *io, uint32_t domain, uint64_t start, uint64_t end);
/* Flush a gather on every unit that routes through hwt, then release its freed pages. */
int ioasid_flush_gather(struct ioasid *io, struct ioasid_hwt *h, struct pt_gather *gat);

int ioasid_do_alloc(struct hv_guest *g, const struct ioasid_alloc *a, uint32_t *out_id);
int ioasid_do_free(struct hv_guest *g, uint32_t id);
int ioasid_do_attach(struct hv_guest *g, struct hv_device *d, bool has_pasid, uint32_t pasid, struct ioasid *io);
int ioasid_do_detach(struct hv_guest *g, struct hv_device *d, bool has_pasid, uint32_t pasid);
int ioasid_map_one(struct ioasid *io, const struct ioasid_map_entry *e);
int ioasid_unmap_one(struct ioasid *io, const struct ioasid_unmap_entry *e, struct pt_gather *gat, uint64_t *unmapped);

/* validate.c: 0 or the error to return; nothing is changed by these */
int validate_get_info(struct hv_guest *g, const struct ioasid_get_info *r, struct hv_device **d);
int validate_device_list(struct hv_guest *g, const struct ioasid_device_list *r);
int validate_alloc(struct hv_guest *g, const struct ioasid_alloc *r);
int validate_ioasid(struct hv_guest *g, uint32_t id, uint32_t kind, struct ioasid **io);
int validate_map_entry(const struct ioasid *io, const struct ioasid_map_entry *e);
int validate_unmap_entry(const struct ioasid *io, const struct ioasid_unmap_entry *e);
int validate_attach(struct hv_guest *g, uint32_t flags, uint32_t dev_id, uint32_t pasid, struct hv_device **d);
int validate_inv_entry(struct hv_guest *g, const struct ioasid *io, const struct ioasid_inv_entry *e);
int validate_fault_read(struct hv_guest *g, const struct ioasid_fault_read *r);

/* nested.c */
int nested_init(struct ioasid *io);
/* Rebuild the shadow of [start, end) from the guest's table; flushes once. */
int nested_resync(struct ioasid *io, uint64_t start, uint64_t end, bool leaf);
int nested_invalidate_one(struct ioasid *io, const struct ioasid_inv_entry *e);

/* fault.c */
void fault_queue_init(struct hv_fault_queue *q);
void fault_queue_push(struct hv_fault_queue *q, uint32_t dev_id, bool has_pasid, uint32_t pasid, uint64_t addr,
		      unsigned access, unsigned reason);
/* Copy up to max oldest records to out; does not remove them. */
/* n faults lost before they could be queued (hardware overflow): counted like ring overflow. */
void fault_queue_add_lost(struct hv_fault_queue *q, uint64_t n);
uint32_t fault_queue_peek(struct hv_fault_queue *q, struct ioasid_fault_record *out, uint32_t max, uint64_t *lost);
void fault_queue_pop(struct hv_fault_queue *q, uint32_t n, uint64_t lost_reported);

/*
 * Global device registry: (unit, rid) -> device, for ownership checks and fault routing. A RID
 * is a device's own or one of its alias_rids; an alias may be shared only by devices of one
 * guest (an isolation group), and lookups prefer a device's own RID.
 */
int hv_registry_add(struct hv_device *d);
void hv_registry_del(struct hv_device *d);
struct hv_device *hv_registry_find(const struct hv_iommu *u, uint32_t rid);

#endif /* IOASID_CORE_H */
