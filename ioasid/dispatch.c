/* SPDX-License-Identifier: MIT */
/*
 * The IOASID hypercall dispatcher: ioasid_dispatch(guest, call, request GPA).
 *
 * Shape of every call (include/ioasid/abi.h has the rules a guest sees):
 *   1. copy the request struct in (ioasid_req_in: size rules, bounded, through guestmem.c only);
 *   2. copy any batch array into the guest's scratch page, once (so the guest cannot change an
 *      entry between its check and its use);
 *   3. validate everything (validate.c) - no state has changed yet;
 *   4. apply; 5. copy the out_* fields back.
 * The whole call runs under the guest's lock, so two vCPUs of one guest cannot race on its
 * tables (pKVM's lesson: "a malicious kernel can issue concurrent requests").
 */
#include <stddef.h>

#include <hv/bits.h>
#include <hv/errno.h>

#include "ioasid/core.h"

#define REQ_MAX_SIZE HV_PAGE_SIZE

_Static_assert(IOASID_MAX_BATCH * sizeof(struct ioasid_map_entry) <= HV_PAGE_SIZE, "scratch");
_Static_assert(IOASID_MAX_BATCH * sizeof(struct ioasid_inv_entry) <= HV_PAGE_SIZE, "scratch");
_Static_assert(HV_FAULT_QUEUE_LEN * sizeof(struct ioasid_fault_record) <= HV_PAGE_SIZE, "scratch");

/*
 * Copy a request of version-1 size v1 into buf. size < v1: -EINVAL. size > v1: the extra bytes
 * (a newer guest's fields) must be zero, else -E2BIG; at most REQ_MAX_SIZE. The size read first
 * is the one used, even if the guest rewrites it meanwhile.
 */
int ioasid_req_in(struct hv_guest *g, gpa_t req, void *buf, uint32_t v1)
{
	uint32_t size;
	int ret;

	ret = guest_copy_from(g, &size, req, sizeof(size));
	if (ret) {
		return ret;
	}
	if (size < v1) {
		return -EINVAL;
	}
	if (size > REQ_MAX_SIZE) {
		return -E2BIG;
	}
	ret = guest_copy_from(g, buf, req, v1);
	if (ret) {
		return ret;
	}
	*(uint32_t *)buf = size;
	for (uint32_t off = v1; off < size;) {
		uint8_t tail[64];
		uint32_t n = MIN((uint32_t)sizeof(tail), size - off);

		ret = guest_copy_from(g, tail, gpa_add(req, off), n);
		if (ret) {
			return ret;
		}
		for (uint32_t i = 0; i < n; i++) {
			if (tail[i] != 0) {
				return -E2BIG;
			}
		}
		off += n;
	}
	return 0;
}

/* Write back one out_* field (offset/size within the struct). The range was read: it is RAM. */
#define REQ_OUT(g, req, s, field)                                                                                      \
	guest_copy_to((g), gpa_add((req), offsetof(__typeof__(s), field)), &(s).field, sizeof((s).field))

static int do_get_info(struct hv_guest *g, gpa_t req)
{
	struct ioasid_get_info r;
	struct hv_device *d;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = validate_get_info(g, &r, &d);
	}
	if (ret) {
		return ret;
	}
	r.out_abi_version = IOASID_ABI_VERSION;
	r.out_caps = IOASID_CAP_PAGING | (d->caps.nested_fmts ? IOASID_CAP_NESTED : 0) |
		     (d->caps.hw_nesting ? IOASID_CAP_NESTED_HW : 0) | (d->caps.pasid_bits ? IOASID_CAP_PASID : 0) |
		     (d->caps.coherent ? IOASID_CAP_COHERENT : 0);
	r.out_pgsize_bitmap = d->caps.pgsize_bitmap;
	/*
	 * The width of the tables MAP writes for this device: every table the core builds for it
	 * (GPA, PAGING, shadow) is pt_init()ed with caps.ia_bits, which pt_init() accepts only if
	 * the format has it (pt_fmt_ia_bits(), pt.h), and MAP's range check reads the table's own
	 * width. So [out_iova_start, out_iova_last] is exactly what MAP accepts.
	 */
	r.out_iova_start = 0;
	r.out_iova_last = (1ULL << d->caps.ia_bits) - 1;
	r.out_ia_bits = d->caps.ia_bits;
	r.out_pasid_bits = d->caps.pasid_bits;
	r.out_formats = d->caps.nested_fmts & ((1U << IOASID_FMT_VTD_FL) | (1U << IOASID_FMT_ARM_S1));
	r.out_gpa_ioasid = g->gpa_io->id;
	r.out_max_batch = IOASID_MAX_BATCH;
	r.out_fault_queue = HV_FAULT_QUEUE_LEN;
	/* out_* fields are contiguous from out_abi_version to the end of the v1 struct */
	return guest_copy_to(g, gpa_add(req, offsetof(struct ioasid_get_info, out_abi_version)), &r.out_abi_version,
			     sizeof(r) - offsetof(struct ioasid_get_info, out_abi_version));
}

static int do_device_list(struct hv_guest *g, gpa_t req)
{
	struct ioasid_device_info info[HV_GUEST_MAX_DEVS];
	struct ioasid_device_list r;
	uint32_t n = 0;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = validate_device_list(g, &r);
	}
	if (ret) {
		return ret;
	}
	for (unsigned i = 0; i < HV_GUEST_MAX_DEVS; i++) {
		const struct hv_device *d = &g->devs[i];

		if (d->in_use) {
			info[n++] = (struct ioasid_device_info){
				.dev_id = d->id, .segment = d->segment, .bdf = d->bdf, .pasid_bits = d->caps.pasid_bits
			};
		}
	}
	ret = guest_copy_to(g, gpa(r.devices_gpa), info, (uint64_t)MIN(n, r.num_devices) * sizeof(info[0]));
	if (ret) {
		return ret;
	}
	r.out_num_devices = n;
	return REQ_OUT(g, req, r, out_num_devices);
}

static int do_alloc(struct hv_guest *g, gpa_t req)
{
	struct ioasid_alloc r;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = validate_alloc(g, &r);
	}
	if (ret == 0) {
		ret = ioasid_do_alloc(g, &r, &r.out_ioasid);
	}
	if (ret) {
		return ret;
	}
	return REQ_OUT(g, req, r, out_ioasid);
}

static int do_free(struct hv_guest *g, gpa_t req)
{
	struct ioasid_free r;
	struct ioasid *io;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0 && (r.flags != 0 || r.__reserved != 0)) {
		ret = -EINVAL;
	}
	if (ret == 0) {
		ret = validate_ioasid(g, r.ioasid, 0, &io);
	}
	return ret ? ret : ioasid_do_free(g, r.ioasid);
}

/*
 * The common front half of MAP, UNMAP and INVALIDATE, after the request header is in: flags and
 * reserved must be zero, the IOASID must be the caller's and of the right kind, and the batch of
 * n entries of esize bytes is copied into the scratch page.
 */
static int batch_begin(struct hv_guest *g, uint32_t flags, uint32_t reserved, uint32_t id, uint32_t kind,
		       uint64_t entries_gpa, uint32_t n, size_t esize, struct ioasid **io)
{
	int ret;

	if (flags != 0 || reserved != 0) {
		return -EINVAL;
	}
	ret = validate_ioasid(g, id, kind, io);
	if (ret) {
		return ret;
	}
	if (n > IOASID_MAX_BATCH) {
		return -E2BIG;
	}
	return guest_copy_from(g, g->scratch, gpa(entries_gpa), (uint64_t)n * esize);
}

static int do_map(struct hv_guest *g, gpa_t req)
{
	const struct ioasid_map_entry *e = g->scratch;
	struct ioasid_map r;
	struct ioasid *io;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = batch_begin(g, r.flags, r.__reserved, r.ioasid, IOASID_KIND_PAGING, r.entries_gpa, r.num_entries,
				  sizeof(*e), &io);
	}
	for (uint32_t i = 0; ret == 0 && i < r.num_entries; i++) {
		ret = validate_map_entry(io, &e[i]);
	}
	if (ret) {
		return ret; /* out_done stays as the guest wrote it: nothing happened */
	}
	for (r.out_done = 0; r.out_done < r.num_entries; r.out_done++) {
		ret = ioasid_map_one(io, &e[r.out_done]);
		if (ret) {
			break;
		}
	}
	(void)REQ_OUT(g, req, r, out_done);
	return ret;
}

/* All entries share one gather: one flush per range per unit for the whole call. */
static int do_unmap(struct hv_guest *g, gpa_t req)
{
	const struct ioasid_unmap_entry *e = g->scratch;
	struct ioasid_unmap r;
	struct pt_gather gat;
	struct ioasid *io;
	int ret, fret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = batch_begin(g, r.flags, r.__reserved, r.ioasid, IOASID_KIND_PAGING, r.entries_gpa, r.num_entries,
				  sizeof(*e), &io);
	}
	for (uint32_t i = 0; ret == 0 && i < r.num_entries; i++) {
		ret = validate_unmap_entry(io, &e[i]);
	}
	if (ret) {
		return ret;
	}
	pt_gather_init(&gat);
	r.out_unmapped = 0;
	for (r.out_done = 0; r.out_done < r.num_entries; r.out_done++) {
		uint64_t n = 0;

		ret = ioasid_unmap_one(io, &e[r.out_done], &gat, &n);
		if (ret) {
			break;
		}
		r.out_unmapped += n;
	}
	fret = ioasid_flush_gather(io, &io->hw[io->fmt], &gat);
	ret = ret ? ret : fret;
	(void)REQ_OUT(g, req, r, out_done);
	(void)REQ_OUT(g, req, r, out_unmapped);
	return ret;
}

static int do_attach(struct hv_guest *g, gpa_t req)
{
	struct ioasid_attach r;
	struct hv_device *d;
	struct ioasid *io;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0 && r.__reserved != 0) {
		ret = -EINVAL;
	}
	if (ret == 0) {
		ret = validate_attach(g, r.flags, r.dev_id, r.pasid, &d);
	}
	if (ret == 0) {
		ret = validate_ioasid(g, r.ioasid, 0, &io);
	}
	if (ret) {
		return ret;
	}
	return ioasid_do_attach(g, d, (r.flags & IOASID_ATTACH_PASID) != 0, r.pasid, io);
}

static int do_detach(struct hv_guest *g, gpa_t req)
{
	struct ioasid_detach r;
	struct hv_device *d;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = validate_attach(g, r.flags, r.dev_id, r.pasid, &d);
	}
	if (ret) {
		return ret;
	}
	return ioasid_do_detach(g, d, (r.flags & IOASID_ATTACH_PASID) != 0, r.pasid);
}

static int do_invalidate(struct hv_guest *g, gpa_t req)
{
	const struct ioasid_inv_entry *e = g->scratch;
	struct ioasid_invalidate r;
	struct ioasid *io;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = batch_begin(g, r.flags, r.__reserved, r.ioasid, IOASID_KIND_NESTED, r.entries_gpa, r.num_entries,
				  sizeof(*e), &io);
	}
	for (uint32_t i = 0; ret == 0 && i < r.num_entries; i++) {
		ret = validate_inv_entry(g, io, &e[i]);
	}
	if (ret) {
		return ret;
	}
	for (r.out_done = 0; r.out_done < r.num_entries; r.out_done++) {
		ret = nested_invalidate_one(io, &e[r.out_done]);
		if (ret) {
			break;
		}
	}
	(void)REQ_OUT(g, req, r, out_done);
	return ret;
}

/* Records are removed from the queue only once they are in guest memory. */
static int do_fault_read(struct hv_guest *g, gpa_t req)
{
	struct ioasid_fault_record *rec = g->scratch;
	struct ioasid_fault_read r;
	uint64_t lost;
	uint32_t n;
	int ret;

	ret = ioasid_req_in(g, req, &r, sizeof(r));
	if (ret == 0) {
		ret = validate_fault_read(g, &r);
	}
	if (ret) {
		return ret;
	}
	n = fault_queue_peek(&g->fq, rec, MIN(r.num_records, (uint32_t)HV_FAULT_QUEUE_LEN), &lost);
	ret = guest_copy_to(g, gpa(r.records_gpa), rec, (uint64_t)n * sizeof(*rec));
	if (ret) {
		return ret;
	}
	fault_queue_pop(&g->fq, n, lost);
	r.out_num_records = n;
	r.out_lost = lost;
	(void)REQ_OUT(g, req, r, out_num_records);
	return REQ_OUT(g, req, r, out_lost);
}

long ioasid_dispatch(struct hv_guest *g, uint64_t call, gpa_t req)
{
	int ret;

	hv_spin_lock(&g->lock);
	g->walk_budget = HV_NESTED_WALK_BUDGET;
	switch (call) {
	case IOASID_CALL_GET_INFO:
		ret = do_get_info(g, req);
		break;
	case IOASID_CALL_DEVICE_LIST:
		ret = do_device_list(g, req);
		break;
	case IOASID_CALL_ALLOC:
		ret = do_alloc(g, req);
		break;
	case IOASID_CALL_FREE:
		ret = do_free(g, req);
		break;
	case IOASID_CALL_MAP:
		ret = do_map(g, req);
		break;
	case IOASID_CALL_UNMAP:
		ret = do_unmap(g, req);
		break;
	case IOASID_CALL_ATTACH:
		ret = do_attach(g, req);
		break;
	case IOASID_CALL_DETACH:
		ret = do_detach(g, req);
		break;
	case IOASID_CALL_INVALIDATE:
		ret = do_invalidate(g, req);
		break;
	case IOASID_CALL_FAULT_READ:
		ret = do_fault_read(g, req);
		break;
	default:
		/* CONSOLE_WRITE and EXIT are the hypervisor's, handled before this point. */
		ret = -ENOSYS;
		break;
	}
	if (ret == -EIO) {
		/*
		 * A driver that lost its hardware (an invalidation queue that stopped: VT-d
		 * qi_dead, SMMUv3 CMDQ error) says -EIO; the ABI's word for it is ENODEV, "the
		 * device's IOMMU failed" (abi.h), so a guest never sees an undocumented code.
		 */
		ret = -ENODEV;
	}
	hv_spin_unlock(&g->lock);
	return ret;
}
