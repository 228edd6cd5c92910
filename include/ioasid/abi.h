/* SPDX-License-Identifier: MIT */
/*
 * ioasid-hv guest ABI: the IOASID hypercall interface. Version 1.0.
 *
 * Copyright (c) the ioasid-hv authors. Permission is hereby granted, free of charge, to any
 * person obtaining a copy of this file, to deal in it without restriction, under the terms of
 * the MIT license. Guests include this header as is: it depends on <stdint.h> only and needs
 * C11 (_Static_assert) from gcc or clang (__builtin_offsetof).
 *
 * Model. An IOASID is an I/O address space (a page table) owned by one guest. It routes DMA
 * only once a device (or a device plus a PASID) is attached to it. Kinds:
 *   GPA     the guest's physical address space, built by the hypervisor; one per guest, its ID
 *           is reported by GET_INFO; the guest cannot change it. Parent of the others.
 *   PAGING  filled by MAP/UNMAP; each MAP output is a guest-physical address (checked against
 *           and translated through the GPA parent).
 *   NESTED  a stage-1 table in guest memory (format IOASID_FMT_*) over the GPA parent, kept
 *           coherent by INVALIDATE. The guest must INVALIDATE after every change to its table,
 *           including making entries present ("caching mode"): the hypervisor may shadow it.
 * A device with no attachment is attached (RID, no PASID) to its guest's GPA IOASID. DETACH
 * leaves it blocked: its DMA faults, it never bypasses translation. ATTACH over an existing
 * attachment replaces it atomically.
 *
 * Calling convention (docs/ABI.md has examples):
 *   x86_64  VMMCALL with rax = IOASID_CALL_*, rdi = guest-physical address of the request
 *           struct; the result is returned in rax (0 or a negative IOASID_E* code).
 *   arm64   HVC #0, SMCCC fast call in the vendor-specific hypervisor service range:
 *           w0 = IOASID_SMCCC_FN(IOASID_CALL_*), x1 = request GPA; the result is returned in x0.
 * The request struct must lie in the caller's RAM; it may cross a page boundary.
 *
 * Every request struct starts with uint32_t size (the caller's sizeof) and uint32_t flags.
 *   size < the version-1 size of that struct            -> -IOASID_EINVAL
 *   size > the version-1 size and any extra byte != 0   -> -IOASID_E2BIG (extra bytes ignored
 *                                                          when zero; size <= 4096)
 *   an unknown flag, or a __reserved field != 0         -> -IOASID_EINVAL
 * Fields named out_* are written by the hypervisor; their input value is ignored.
 * All addresses and lengths are 64-bit; every struct has explicit padding.
 *
 * A request that fails validation changes nothing. Batched calls (MAP, UNMAP, INVALIDATE)
 * validate the whole batch first (any malformed entry: error, nothing done, out_* not written),
 * then apply entries in order; each entry is all-or-nothing. If entry k fails while being
 * applied, entries 0..k-1 stay done, out_done = k and the error is returned: the guest can
 * resume from entry k.
 */
#ifndef IOASID_ABI_H
#define IOASID_ABI_H

#include <stdint.h>

#define IOASID_ABI_VERSION_MAJOR 1U
#define IOASID_ABI_VERSION_MINOR 0U
#define IOASID_ABI_VERSION	 ((IOASID_ABI_VERSION_MAJOR << 16) | IOASID_ABI_VERSION_MINOR)

/*
 * Error codes, returned negated (-IOASID_EINVAL). Meanings are fixed for every call:
 *   EPERM       the operation is not allowed on this object (e.g. MAP on a GPA IOASID)
 *   ENOENT      no such IOASID, device, attachment or PASID for this caller
 *   E2BIG       struct larger than known with non-zero extra bytes; batch above out_max_batch;
 *               a NESTED table with too many translations to shadow in one call (retry the
 *               rest by smaller INVALIDATE ranges)
 *   EAGAIN      transient: retry the same request
 *   ENOMEM      the hypervisor ran out of memory (not the guest's quota)
 *   EFAULT      a guest-physical address (request, array, table) is not in the caller's RAM
 *   EBUSY       object in use (FREE of an attached IOASID or of a parent)
 *   EEXIST      part of the IOVA range is already mapped
 *   ENODEV      the device's IOMMU failed (e.g. its invalidation queue stopped) or is absent
 *   EINVAL      malformed request: flags, reserved, alignment, zero length, bad kind
 *   ENOSPC      a fixed-size table is full (IOASIDs per guest, PASID attachments per device)
 *   ERANGE      an address or PASID beyond what the device supports (ia_bits, pasid_bits)
 *   ENOSYS      unknown call number
 *   EOVERFLOW   addr + length wraps around
 *   EOPNOTSUPP  valid request the device's IOMMU cannot do (format, kind, PASID)
 *   ETIMEDOUT   the IOMMU did not complete an invalidation in time
 *   EDQUOT      the guest's page-table memory quota is exhausted
 */
#define IOASID_EPERM	  1
#define IOASID_ENOENT	  2
#define IOASID_E2BIG	  7
#define IOASID_EAGAIN	  11
#define IOASID_ENOMEM	  12
#define IOASID_EFAULT	  14
#define IOASID_EBUSY	  16
#define IOASID_EEXIST	  17
#define IOASID_ENODEV	  19
#define IOASID_EINVAL	  22
#define IOASID_ENOSPC	  28
#define IOASID_ERANGE	  34
#define IOASID_ENOSYS	  38
#define IOASID_EOVERFLOW  75
#define IOASID_EOPNOTSUPP 95
#define IOASID_ETIMEDOUT  110
#define IOASID_EDQUOT	  122

/* Call numbers. Never renumbered; new calls take new numbers. */
#define IOASID_CALL_GET_INFO	1U
#define IOASID_CALL_DEVICE_LIST 2U
#define IOASID_CALL_ALLOC	3U
#define IOASID_CALL_FREE	4U
#define IOASID_CALL_MAP		5U
#define IOASID_CALL_UNMAP	6U
#define IOASID_CALL_ATTACH	7U
#define IOASID_CALL_DETACH	8U
#define IOASID_CALL_INVALIDATE	9U
#define IOASID_CALL_FAULT_READ	10U
/* Reserved for the hypervisor's own services (not IOASID calls; handled before dispatch). */
#define IOASID_CALL_CONSOLE_WRITE 32U
#define IOASID_CALL_EXIT	  33U
/* vCPUs of a guest with several (docs/ABI.md "VCPU_START"; arm64 guests may use PSCI instead). */
#define IOASID_CALL_VCPU_START 34U
#define IOASID_CALL_VCPU_OFF   35U
/* Interrupts to the guest: a device MSI or the fault notification (docs/ABI.md "IRQ_ROUTE"). */
#define IOASID_CALL_IRQ_ROUTE 36U

/* arm64: SMCCC function ID, fast call (bit 31), SMC64 (bit 30), owner 6 = vendor hypervisor. */
#define IOASID_SMCCC_FN(call) (0xC6000000U | ((uint32_t)(call)&0xFFFFU))

/* Largest number of entries in one MAP, UNMAP or INVALIDATE batch (GET_INFO reports it). */
#define IOASID_MAX_BATCH 128U

/* Formats of a guest-owned stage-1 table (NESTED). */
#define IOASID_FMT_VTD_FL 2U /* VT-d first-level = x86-64 4/5-level paging format */
#define IOASID_FMT_ARM_S1 3U /* Arm VMSAv8-64 stage 1, 4 KiB granule */

/* Kinds. */
#define IOASID_KIND_GPA	   1U
#define IOASID_KIND_PAGING 2U
#define IOASID_KIND_NESTED 3U

/* ---- GET_INFO: ABI version and one device's capabilities ---- */
#define IOASID_CAP_PAGING    (1U << 0) /* PAGING IOASIDs available */
#define IOASID_CAP_NESTED    (1U << 1) /* NESTED IOASIDs available (formats in out_formats) */
#define IOASID_CAP_NESTED_HW (1U << 2) /* NESTED done by hardware nesting, else shadowed */
#define IOASID_CAP_PASID     (1U << 3) /* ATTACH with IOASID_ATTACH_PASID available */
#define IOASID_CAP_COHERENT  (1U << 4) /* the IOMMU snoops CPU caches on table walks */

struct ioasid_get_info {
	uint32_t size;
	uint32_t flags;	 /* 0 */
	uint32_t dev_id; /* a device from DEVICE_LIST */
	uint32_t __reserved;
	uint32_t out_abi_version;   /* IOASID_ABI_VERSION */
	uint32_t out_caps;	    /* IOASID_CAP_* */
	uint64_t out_pgsize_bitmap; /* page sizes MAP may use (bit n set: 2^n bytes) */
	uint64_t out_iova_start;    /* usable IOVA range [start, last] */
	uint64_t out_iova_last;
	uint32_t out_ia_bits;	  /* input address width */
	uint32_t out_pasid_bits;  /* 0: no PASID */
	uint32_t out_formats;	  /* 1U << IOASID_FMT_* accepted by ALLOC(NESTED) */
	uint32_t out_gpa_ioasid;  /* ID of the caller's GPA IOASID */
	uint32_t out_max_batch;	  /* IOASID_MAX_BATCH */
	uint32_t out_fault_queue; /* fault queue capacity in records */
};

/* ---- DEVICE_LIST: the devices assigned to the caller ---- */
struct ioasid_device_info {
	uint32_t dev_id;
	uint16_t segment;
	uint16_t bdf; /* bus << 8 | device << 3 | function */
	uint32_t pasid_bits;
	uint32_t __reserved;
};

struct ioasid_device_list {
	uint32_t size;
	uint32_t flags;		  /* 0 */
	uint32_t num_devices;	  /* capacity of the array at devices_gpa (may be 0) */
	uint32_t out_num_devices; /* number of devices the caller has (may exceed capacity) */
	uint64_t devices_gpa;	  /* struct ioasid_device_info[num_devices] */
};

/* ---- ALLOC / FREE ---- */
struct ioasid_alloc {
	uint32_t size;
	uint32_t flags;		  /* 0 */
	uint32_t kind;		  /* IOASID_KIND_PAGING or IOASID_KIND_NESTED */
	uint32_t parent;	  /* the caller's GPA IOASID */
	uint32_t dev_id;	  /* table format and limits follow this device's IOMMU */
	uint32_t nested_format;	  /* NESTED: IOASID_FMT_*; PAGING: 0 */
	uint64_t nested_root_gpa; /* NESTED: 4 KiB aligned top-level table; PAGING: 0 */
	uint32_t nested_levels;	  /* NESTED: 4 (VT-d FL: 47-bit canonical lower half), Arm S1 also 3; PAGING: 0 */
	uint32_t out_ioasid;
};

struct ioasid_free {
	uint32_t size;
	uint32_t flags; /* 0 */
	uint32_t ioasid;
	uint32_t __reserved;
};

/* ---- MAP / UNMAP (PAGING only), batched ---- */
#define IOASID_PROT_READ  (1U << 0)
#define IOASID_PROT_WRITE (1U << 1)

struct ioasid_map_entry {
	uint64_t iova;	 /* 4 KiB aligned */
	uint64_t gpa;	 /* 4 KiB aligned, [gpa, gpa+length) in the caller's RAM */
	uint64_t length; /* 4 KiB multiple, > 0 */
	uint32_t prot;	 /* IOASID_PROT_*, at least one */
	uint32_t __reserved;
};

struct ioasid_unmap_entry {
	uint64_t iova;	 /* 4 KiB aligned; holes in the range are skipped */
	uint64_t length; /* 4 KiB multiple, > 0 */
};

struct ioasid_map {
	uint32_t size;
	uint32_t flags; /* 0 */
	uint32_t ioasid;
	uint32_t num_entries; /* <= out_max_batch */
	uint64_t entries_gpa; /* struct ioasid_map_entry[num_entries] */
	uint32_t out_done;    /* entries applied */
	uint32_t __reserved;
};

struct ioasid_unmap {
	uint32_t size;
	uint32_t flags; /* 0 */
	uint32_t ioasid;
	uint32_t num_entries;
	uint64_t entries_gpa; /* struct ioasid_unmap_entry[num_entries] */
	uint32_t out_done;
	uint32_t __reserved;
	uint64_t out_unmapped; /* bytes that were mapped and are now unmapped */
};

/* ---- ATTACH / DETACH ---- */
#define IOASID_ATTACH_PASID (1U << 0) /* pasid is valid; otherwise the RID is attached */

struct ioasid_attach {
	uint32_t size;
	uint32_t flags; /* IOASID_ATTACH_PASID */
	uint32_t dev_id;
	uint32_t pasid; /* < 2^pasid_bits with IOASID_ATTACH_PASID, else 0 */
	uint32_t ioasid;
	uint32_t __reserved;
};

struct ioasid_detach {
	uint32_t size;
	uint32_t flags; /* IOASID_ATTACH_PASID */
	uint32_t dev_id;
	uint32_t pasid;
};

/* ---- INVALIDATE (NESTED only), batched ---- */
#define IOASID_INV_ALL	 1U /* the whole IOASID */
#define IOASID_INV_PASID 2U /* everything used by attachment (dev_id, pasid) of this IOASID */
#define IOASID_INV_RANGE 3U /* [addr, addr+length) */

#define IOASID_INV_LEAF (1U << 0) /* only leaf entries changed (a hint) */

struct ioasid_inv_entry {
	uint32_t type;	 /* IOASID_INV_* */
	uint32_t flags;	 /* IOASID_INV_LEAF */
	uint32_t dev_id; /* INV_PASID only, else 0 */
	uint32_t pasid;	 /* INV_PASID only, else 0 */
	uint64_t addr;	 /* INV_RANGE: 4 KiB aligned, else 0 */
	uint64_t length; /* INV_RANGE: 4 KiB multiple > 0, else 0 */
};

struct ioasid_invalidate {
	uint32_t size;
	uint32_t flags; /* 0 */
	uint32_t ioasid;
	uint32_t num_entries;
	uint64_t entries_gpa; /* struct ioasid_inv_entry[num_entries] */
	uint32_t out_done;
	uint32_t __reserved;
};

/* ---- FAULT_READ: drain the caller's fault queue ---- */
#define IOASID_FAULT_ACCESS_READ  (1U << 0)
#define IOASID_FAULT_ACCESS_WRITE (1U << 1)
#define IOASID_FAULT_PASID_VALID  (1U << 2)

#define IOASID_FAULT_REASON_NOT_PRESENT 1U /* no translation for the address */
#define IOASID_FAULT_REASON_PERMISSION	2U /* translation forbids the access */
#define IOASID_FAULT_REASON_BLOCKED	3U /* device or PASID is detached (blocked) */
#define IOASID_FAULT_REASON_BAD_TABLE	4U /* NESTED table unreadable or malformed */
#define IOASID_FAULT_REASON_OTHER	5U
/*
 * The device wrote to the interrupt window (x86: 0xFEE00000-0xFEEFFFFF) and interrupt
 * remapping refused the message: an entry that is not the device's, not present, or a
 * compatibility-format message. addr is the interrupt index the message named (0 for
 * compatibility format); access is IOASID_FAULT_ACCESS_WRITE. No interrupt was delivered.
 */
#define IOASID_FAULT_REASON_INTERRUPT 6U

struct ioasid_fault_record {
	uint64_t seq;  /* per guest, +1 per reported fault, including lost ones */
	uint64_t addr; /* faulting IOVA; the interrupt index for REASON_INTERRUPT */
	uint32_t dev_id;
	uint32_t pasid;	 /* valid with IOASID_FAULT_PASID_VALID */
	uint32_t access; /* IOASID_FAULT_ACCESS_*, IOASID_FAULT_PASID_VALID */
	uint32_t reason; /* IOASID_FAULT_REASON_* */
};

struct ioasid_fault_read {
	uint32_t size;
	uint32_t flags;		  /* 0 */
	uint32_t num_records;	  /* capacity of the array at records_gpa */
	uint32_t out_num_records; /* records written (oldest first) and removed from the queue */
	uint64_t records_gpa;	  /* struct ioasid_fault_record[num_records] */
	uint64_t out_lost;	  /* faults dropped since the previous read: queue full, or the
				     IOMMU's own records overflowed (counted for every guest with
				     a device on that unit) */
};

/* ---- Reserved services (numbers 32, 33) ---- */
struct ioasid_console_write {
	uint32_t size;
	uint32_t flags;	 /* 0 */
	uint32_t length; /* bytes at buf_gpa, <= 4096 */
	uint32_t __reserved;
	uint64_t buf_gpa;
};

struct ioasid_exit {
	uint32_t size;
	uint32_t flags; /* 0 */
	uint32_t code;	/* 0 = success */
	uint32_t __reserved;
};

/*
 * Start vCPU `vcpu` (1 .. nr_vcpus-1 from the boot information; 0 too if it went off) at
 * entry_gpa with the stack pointer at stack_gpa (x86: RSP; arm64: SP_EL1) and arg in the first
 * argument register (x86: RDI; arm64: x0), in the same initial state as vCPU 0 otherwise
 * (docs/GUEST.md "Initial state"). Returns 0 once the vCPU is pending start: it runs as soon
 * as its physical CPU picks it up.
 */
struct ioasid_vcpu_start {
	uint32_t size;
	uint32_t flags; /* 0 */
	uint32_t vcpu;
	uint32_t __reserved;
	uint64_t entry_gpa; /* in the guest's RAM; arm64: 4-byte aligned */
	uint64_t stack_gpa; /* 16-byte aligned; the 16 bytes below it are in the guest's RAM */
	uint64_t arg;
};

/*
 * ---- IRQ_ROUTE: where an interrupt source of the guest's is delivered ----
 * kind IOASID_IRQ_MSI: MSI vector `source` of device dev_id (one of the caller's, as
 * DEVICE_LIST reports it); the hypervisor programs the device's MSI capability itself (the
 * guest has no access to configuration space) with a message only the hypervisor's interrupt
 * path accepts (x86: a remapped entry that verifies the requester ID; arm64: an ITS event of
 * the device's own), and delivers each message as virtual interrupt virq.
 * kind IOASID_IRQ_FAULT: virq is raised whenever a fault record for the caller is queued
 * (FAULT_READ then reads it); dev_id and source must be 0.
 * virq: x86_64 a vector 32..255 of the target vCPU's virtual local APIC, delivered to vCPU
 * `vcpu` (fixed delivery, edge); arm64 an SPI INTID (32..) of the guest's virtual GICv3, whose
 * target is the vGIC's GICD_IROUTER<n> for it (the guest's own routing): `vcpu` must be 0.
 * flags: IOASID_IRQ_ENABLE installs or replaces the route; 0 removes it (the device's MSI is
 * disabled). Routes end with the guest.
 */
#define IOASID_IRQ_MSI	 1U
#define IOASID_IRQ_FAULT 2U
#define IOASID_IRQ_ENABLE (1U << 0)
struct ioasid_irq_route {
	uint32_t size;
	uint32_t flags;
	uint32_t kind;
	uint32_t dev_id;
	uint32_t source; /* IOASID_IRQ_MSI: the device's MSI vector number (0 .. count-1) */
	uint32_t vcpu;
	uint32_t virq;
	uint32_t __reserved; /* 0 */
};

/* The layout is the ABI: any change here is a new version. */
#define IOASID_ABI_ASSERT_(cond) _Static_assert(cond, #cond)
IOASID_ABI_ASSERT_(sizeof(struct ioasid_get_info) == 72);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_get_info, out_pgsize_bitmap) == 24);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_get_info, out_ia_bits) == 48);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_device_info) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_device_list) == 24);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_device_list, devices_gpa) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_alloc) == 40);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_alloc, nested_root_gpa) == 24);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_alloc, out_ioasid) == 36);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_free) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_map_entry) == 32);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_unmap_entry) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_map) == 32);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_map, entries_gpa) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_unmap) == 40);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_unmap, out_unmapped) == 32);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_attach) == 24);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_detach) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_inv_entry) == 32);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_invalidate) == 32);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_fault_record) == 32);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_fault_read) == 32);
IOASID_ABI_ASSERT_(__builtin_offsetof(struct ioasid_fault_read, out_lost) == 24);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_console_write) == 24);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_exit) == 16);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_vcpu_start) == 40);
IOASID_ABI_ASSERT_(sizeof(struct ioasid_irq_route) == 32);

#endif /* IOASID_ABI_H */
