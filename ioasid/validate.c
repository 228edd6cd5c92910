/* SPDX-License-Identifier: MIT */
/*
 * Validation of guest requests: the security boundary. Each function checks a request that has
 * already been copied into hypervisor memory (so the guest cannot change it underneath), and
 * resolves the IDs it names, before anything changes. Rules, in the order they are checked
 * (docs/ABI.md lists them per call):
 *   1. flags: unknown bits -> -EINVAL; __reserved fields != 0 -> -EINVAL
 *   2. IDs: a device or IOASID that is not the caller's (or was freed) -> -ENOENT
 *   3. kind: the call does not apply to that IOASID's kind -> -EPERM
 *   4. batch size above IOASID_MAX_BATCH -> -E2BIG
 *   5. per entry: alignment / zero length / bad prot or type -> -EINVAL; addr + len wraps ->
 *      -EOVERFLOW; beyond the input width or PASID width -> -ERANGE; an output GPA range or
 *      table pointer not in the caller's RAM -> -EFAULT; a feature the device's IOMMU lacks ->
 *      -EOPNOTSUPP.
 * Guest input never reaches a CHECK(): every path here returns an error code.
 */
#include <hv/bits.h>
#include <hv/errno.h>

#include "ioasid/core.h"

/* [a, a+len) page aligned, non-empty, no wrap, below 2^bits. */
static int check_range(uint64_t a, uint64_t len, unsigned bits)
{
	uint64_t end;

	if (len == 0 || !IS_ALIGNED(a | len, HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	if (ADD_OVERFLOWS(a, len, &end)) {
		return -EOVERFLOW;
	}
	if (bits < 64 && end > (1ULL << bits)) {
		return -ERANGE;
	}
	return 0;
}

int validate_get_info(struct hv_guest *g, const struct ioasid_get_info *r, struct hv_device **d)
{
	if (r->flags != 0 || r->__reserved != 0) {
		return -EINVAL;
	}
	*d = hv_device_lookup(g, r->dev_id);
	return *d ? 0 : -ENOENT;
}

int validate_device_list(struct hv_guest *g, const struct ioasid_device_list *r)
{
	if (r->flags != 0) {
		return -EINVAL;
	}
	if (!guest_range_in_ram(g, gpa(r->devices_gpa), (uint64_t)r->num_devices * sizeof(struct ioasid_device_info))) {
		return -EFAULT;
	}
	return 0;
}

static int validate_nested(struct hv_guest *g, const struct ioasid_alloc *r, const struct hv_device *d)
{
	if (r->nested_format != IOASID_FMT_VTD_FL && r->nested_format != IOASID_FMT_ARM_S1) {
		return -EINVAL;
	}
	/*
	 * Depths the format has (pt.h): VT-d first-level 4-level paging only; Arm S1 4 KiB granule
	 * 3 or 4 levels. IOASID_FMT_* values are the engine's enum pt_format values.
	 */
	if (pt_fmt_ia_bits((enum pt_format)r->nested_format, r->nested_levels) == 0) {
		return -EINVAL;
	}
	if (!IS_ALIGNED(r->nested_root_gpa, HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	if (!(d->caps.nested_fmts & (1U << r->nested_format))) {
		return -EOPNOTSUPP;
	}
	if (!guest_range_in_ram(g, gpa(r->nested_root_gpa), HV_PAGE_SIZE)) {
		return -EFAULT;
	}
	return 0;
}

int validate_alloc(struct hv_guest *g, const struct ioasid_alloc *r)
{
	struct ioasid *parent;
	struct hv_device *d;

	if (r->flags != 0) {
		return -EINVAL;
	}
	if (r->kind == IOASID_KIND_GPA) {
		return -EPERM; /* the guest's one GPA IOASID is the hypervisor's */
	}
	if (r->kind != IOASID_KIND_PAGING && r->kind != IOASID_KIND_NESTED) {
		return -EINVAL;
	}
	parent = ioasid_lookup(g, r->parent);
	d = hv_device_lookup(g, r->dev_id);
	if (parent == NULL || d == NULL) {
		return -ENOENT;
	}
	if (parent->kind != IOASID_KIND_GPA) {
		return -EINVAL; /* no PAGING over PAGING: one stage-1 over one stage-2 */
	}
	if (r->kind == IOASID_KIND_PAGING) {
		if (r->nested_format != 0 || r->nested_levels != 0 || r->nested_root_gpa != 0) {
			return -EINVAL;
		}
		return 0;
	}
	return validate_nested(g, r, d);
}

/* An IOASID of the caller, of the given kind (0: any). */
int validate_ioasid(struct hv_guest *g, uint32_t id, uint32_t kind, struct ioasid **io)
{
	*io = ioasid_lookup(g, id);
	if (*io == NULL) {
		return -ENOENT;
	}
	if (kind != 0 && (*io)->kind != kind) {
		return -EPERM;
	}
	return 0;
}

int validate_map_entry(const struct ioasid *io, const struct ioasid_map_entry *e)
{
	uint64_t end;
	int ret;

	if (e->__reserved != 0 || e->prot == 0 || (e->prot & ~(IOASID_PROT_READ | IOASID_PROT_WRITE)) != 0 ||
	    !IS_ALIGNED(e->gpa, HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	ret = check_range(e->iova, e->length, io->hw[io->fmt].pt.ia_bits);
	if (ret) {
		return ret;
	}
	if (ADD_OVERFLOWS(e->gpa, e->length, &end)) {
		return -EOVERFLOW;
	}
	if (!guest_range_in_ram(io->guest, gpa(e->gpa), e->length)) {
		return -EFAULT;
	}
	return 0;
}

int validate_unmap_entry(const struct ioasid *io, const struct ioasid_unmap_entry *e)
{
	return check_range(e->iova, e->length, io->hw[io->fmt].pt.ia_bits);
}

int validate_attach(struct hv_guest *g, uint32_t flags, uint32_t dev_id, uint32_t pasid, struct hv_device **d)
{
	if ((flags & ~IOASID_ATTACH_PASID) != 0) {
		return -EINVAL;
	}
	if (!(flags & IOASID_ATTACH_PASID) && pasid != 0) {
		return -EINVAL;
	}
	*d = hv_device_lookup(g, dev_id);
	if (*d == NULL) {
		return -ENOENT;
	}
	if (flags & IOASID_ATTACH_PASID) {
		if ((*d)->caps.pasid_bits == 0) {
			return -EOPNOTSUPP;
		}
		if (pasid >= (1U << (*d)->caps.pasid_bits)) {
			return -ERANGE;
		}
	}
	return 0;
}

static bool attached_at(const struct hv_device *d, uint32_t pasid, const struct ioasid *io)
{
	for (unsigned p = 0; p < HV_DEV_MAX_PASID_ATT; p++) {
		if (d->pasid_att[p].used && d->pasid_att[p].pasid == pasid && d->pasid_att[p].io == io) {
			return true;
		}
	}
	return false;
}

int validate_inv_entry(struct hv_guest *g, const struct ioasid *io, const struct ioasid_inv_entry *e)
{
	const struct hv_device *d;

	if ((e->flags & ~IOASID_INV_LEAF) != 0) {
		return -EINVAL;
	}
	switch (e->type) {
	case IOASID_INV_ALL:
		if (e->dev_id != 0 || e->pasid != 0 || e->addr != 0 || e->length != 0) {
			return -EINVAL;
		}
		return 0;
	case IOASID_INV_PASID:
		if (e->addr != 0 || e->length != 0) {
			return -EINVAL;
		}
		d = hv_device_lookup(g, e->dev_id);
		if (d == NULL || !attached_at(d, e->pasid, io)) {
			return -ENOENT;
		}
		return 0;
	case IOASID_INV_RANGE:
		if (e->dev_id != 0 || e->pasid != 0) {
			return -EINVAL;
		}
		/* The guest's format's space (pt.h): 47 bits for 4-level first-level, not 48. */
		return check_range(e->addr, e->length, pt_fmt_ia_bits(io->s1_fmt, io->s1_levels));
	default:
		return -EINVAL;
	}
}

int validate_fault_read(struct hv_guest *g, const struct ioasid_fault_read *r)
{
	if (r->flags != 0) {
		return -EINVAL;
	}
	if (!guest_range_in_ram(g, gpa(r->records_gpa),
				(uint64_t)r->num_records * sizeof(struct ioasid_fault_record))) {
		return -EFAULT;
	}
	return 0;
}
