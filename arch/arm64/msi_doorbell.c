// SPDX-License-Identifier: MIT
/*
 * The ITS doorbell for a guest's device (docs/ARM64.md "MSI doorbell"): how a device attached to
 * its guest's GPA IOASID reaches GITS_TRANSLATER, and nothing else of the ITS or of memory.
 *
 * The guest's GPA table is also its CPUs' stage-2 table (arch/arm64/vcpu.c: one owner), so a
 * doorbell page mapped into it would let the guest's CPUs write GITS_TRANSLATER themselves, with
 * whatever DeviceID the interconnect gives a CPU's write (implementation defined; QEMU: 0),
 * i.e. possibly another guest's device. So the doorbell is never in the GPA table. Instead the
 * device's stream gets a second root for the same table, made by the hypervisor per (guest,
 * IOMMU unit):
 *   - every root entry of the GPA table copied (they point at the same lower-level tables: the
 *     GPA table never changes after creation, so the copy stays exact), except
 *   - the LAST root entry, which the GPA table must leave empty (guest RAM and BARs are far
 *     below: on a 44-bit table it covers IOVAs 0xf8_0000_0000 and up), and which here holds a
 *     private subtree mapping one 4 KiB page: ARM64_MSI_IOVA -> the ITS translation frame's
 *     first page (GITS_TRANSLATER at +0x40), device memory.
 * The STE uses the GPA IOASID's own tag (VMID): the two roots agree wherever both translate.
 * The doorbell IOVA is therefore reserved in every guest's device address space and outside any
 * GPA the guest can use; the guest's CPUs cannot reach it (their stage 2 is the GPA root).
 *
 * A write to that page is an MSI for the ITS, never memory: GITS_TRANSLATER's frame has no RAM
 * behind it, and the ITS takes the DeviceID from the write's requester (the SMMU passes the
 * StreamID's device on), so a forged payload can only name an EventID of this device's own ITT.
 *
 * Limits (docs/ARM64.md): only while the device is attached to its GPA IOASID (an ATTACH to
 * another IOASID replaces the STE and the doorbell disappears with it: the device's MSIs then
 * fault and are reported); one second root per (guest, unit), shared by the guest's devices.
 * Callers hold the guest's lock (hypercalls are serialised per guest), so the device's
 * attachment cannot change meanwhile; db_lock guards the table of roots across guests.
 */
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/spinlock.h>

#include "arch/arm64/msi_doorbell.h"
#include "drivers/irqchip/gicv3_its.h"
#include "ioasid/core.h"

#define DB_MAX_ROOTS 8

struct db_root {
	bool used;
	const struct ioasid *gpa;
	struct hv_iommu *u;
	struct pt_table pt;
	unsigned slot, nr_slots;
	uint64_t iova;
	unsigned refs;
};

static hv_spinlock_t db_lock; /* a leaf except for the page allocator */
static struct db_root roots[DB_MAX_ROOTS];

static unsigned root_shift(const struct pt_table *t)
{
	return 12 + 9 * (t->levels - 1);
}

/* Build the second root of hw's table for unit u: copies and the doorbell subtree. */
static int db_build(struct db_root *r, const struct ioasid_hwt *hw)
{
	uint64_t *groot = hpa_to_ptr(hw->pt.root), *droot;
	unsigned shift = root_shift(&hw->pt);
	int ret;

	r->nr_slots = (unsigned)(((1ULL << hw->pt.ia_bits) - 1) >> shift) + 1;
	r->slot = r->nr_slots - 1;
	r->iova = (uint64_t)r->slot << shift;
	if (groot[r->slot] != 0) {
		return -EBUSY; /* the GPA space reaches the top root entry: nowhere to put the doorbell */
	}
	ret = pt_init(&r->pt, hw->pt.fmt, hw->pt.ia_bits, SZ_4K, hw->pt.coherent, NULL);
	if (ret) {
		return ret;
	}
	ret = pt_map(&r->pt, r->iova, gicv3_its_doorbell_page(), HV_PAGE_SIZE,
		     PT_PROT_READ | PT_PROT_WRITE | PT_PROT_DEVICE);
	if (ret) {
		pt_destroy(&r->pt);
		return ret;
	}
	droot = hpa_to_ptr(r->pt.root);
	for (unsigned i = 0; i < r->nr_slots; i++) {
		if (i != r->slot) {
			droot[i] = groot[i];
		}
	}
	if (!r->pt.coherent) {
		arch_dcache_clean(droot, r->nr_slots * sizeof(*droot));
	}
	return 0;
}

/* Undo the copies (they are the GPA table's pages, not ours), then free our part. */
static void db_free(struct db_root *r)
{
	uint64_t *droot = hpa_to_ptr(r->pt.root);

	for (unsigned i = 0; i < r->nr_slots; i++) {
		if (i != r->slot) {
			droot[i] = 0;
		}
	}
	pt_destroy(&r->pt);
	r->used = false;
}

static struct hv_device *db_device(struct hv_iommu *u, uint32_t sid, struct ioasid_hwt **hw)
{
	struct hv_device *d = hv_registry_find(u, sid);

	if (d == NULL || d->guest == NULL || d->guest->gpa_io == NULL || d->rid_att != d->guest->gpa_io) {
		return NULL;
	}
	*hw = &d->guest->gpa_io->hw[d->caps.paging_fmt];
	return (*hw)->valid ? d : NULL;
}

int arm64_msi_doorbell_attach(struct hv_iommu *u, uint32_t sid, uint64_t *addr)
{
	struct db_root *r = NULL;
	struct ioasid_hwt *hw;
	struct hv_device *d = db_device(u, sid, &hw);
	int ret = 0;

	if (d == NULL) {
		return -EOPNOTSUPP; /* not assigned, or attached to an IOASID other than its GPA one */
	}
	hv_spin_lock(&db_lock);
	for (unsigned i = 0; i < DB_MAX_ROOTS && r == NULL; i++) {
		r = roots[i].used && roots[i].gpa == d->guest->gpa_io && roots[i].u == u ? &roots[i] : NULL;
	}
	if (r == NULL) {
		for (unsigned i = 0; i < DB_MAX_ROOTS && r == NULL; i++) {
			r = roots[i].used ? NULL : &roots[i];
		}
		if (r == NULL) {
			ret = -ENOSPC;
			goto out;
		}
		*r = (struct db_root){ .used = true, .gpa = d->guest->gpa_io, .u = u };
		ret = db_build(r, hw);
		if (ret) {
			r->used = false;
			goto out;
		}
	}
	ret = ioasid_hw_install(
		u, d, false, 0,
		&(const struct ioasid_hw_config){ .mode = IOASID_HW_TABLE, .domain = hw->domain, .table = &r->pt });
	if (ret) {
		if (r->refs == 0) {
			db_free(r);
		}
		goto out;
	}
	r->refs++;
	*addr = r->iova + GICV3_ITS_TRANSLATER_OFF;
out:
	hv_spin_unlock(&db_lock);
	return ret;
}

void arm64_msi_doorbell_detach(struct hv_iommu *u, uint32_t sid)
{
	struct ioasid_hwt *hw;
	struct hv_device *d = hv_registry_find(u, sid);
	struct db_root *r = NULL;

	if (d == NULL || d->guest == NULL) {
		return;
	}
	hv_spin_lock(&db_lock);
	for (unsigned i = 0; i < DB_MAX_ROOTS && r == NULL; i++) {
		r = roots[i].used && roots[i].gpa == d->guest->gpa_io && roots[i].u == u ? &roots[i] : NULL;
	}
	if (r == NULL) {
		goto out;
	}
	/* Back to the plain GPA table if the device is still on it; the doorbell's TLB entries go. */
	if (db_device(u, sid, &hw) != NULL) {
		(void)ioasid_hw_install(u, d, false, 0,
					&(const struct ioasid_hw_config){
						.mode = IOASID_HW_TABLE, .domain = hw->domain, .table = &hw->pt });
		(void)u->ops->flush_range(u, hw->domain, r->iova, r->iova + HV_PAGE_SIZE, true);
	}
	if (r->refs > 0 && --r->refs == 0) {
		db_free(r);
	}
out:
	hv_spin_unlock(&db_lock);
}
