// SPDX-License-Identifier: MIT
/*
 * AMD-Vi device table updates and the IOASID backend ops (ioasid/backend.h).
 *
 * A DTE is 256 bits and the IOMMU may read it at any time (48882 2.2.2), so an update is never
 * one store. The rule here: qw0 (V, TV, Mode, root, IR/IW) is written last with one 64-bit
 * store; if the DomainID (qw1) changes, qw0 first gets IR=IW=0 (one store: DMA blocked, never
 * untranslated), then qw1, then the final qw0. Then INVALIDATE_DEVTAB_ENTRY and a
 * COMPLETION_WAIT (amdvi_cmd.c), so the IOMMU's cached copy is gone when install returns. A DMA
 * during the update faults at worst; it never runs untranslated or through a table tagged with
 * the wrong domain (the blocked qw0 creates no IOTLB entries).
 *
 * Only requests without PASID are routed (v1 host tables; GT/PASID, "v2", is not built:
 * docs/AMDVI.md). Interrupt remapping is not done: the glue refuses to give devices behind an
 * AMD-Vi unit to guests (hv/guest_iommu_vtd.c).
 */
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "drivers/iommu/amdvi/amdvi.h"
#include "drivers/iommu/amdvi/amdvi_regs.h"
#include "ioasid/core.h"

static void amdvi_store(struct amdvi_unit *u, uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	if (!u->coherent) {
		arch_dcache_clean(p, sizeof(*p));
	}
}

int amdvi_dte_set(struct amdvi_unit *u, uint16_t devid, const struct amdvi_dte *e)
{
	struct amdvi_cmd c[2];
	uint16_t old_domain;
	struct amdvi_dte *d;
	unsigned n = 0;
	bool was_open;

	if (devid >= u->nr_dte) {
		return -ERANGE;
	}
	d = &u->devtab[devid];
	old_domain = (uint16_t)FIELD_GET(AMDVI_DTE1_DOMAIN, d->qw[1]);
	was_open = (d->qw[0] & (AMDVI_DTE_IR | AMDVI_DTE_IW)) != 0;
	if (d->qw[1] != e->qw[1]) {
		amdvi_store(u, &d->qw[0], d->qw[0] & ~(AMDVI_DTE_IR | AMDVI_DTE_IW));
	}
	amdvi_store(u, &d->qw[3], e->qw[3]);
	amdvi_store(u, &d->qw[2], e->qw[2]);
	amdvi_store(u, &d->qw[1], e->qw[1]);
	amdvi_store(u, &d->qw[0], e->qw[0]);
	c[n++] = amdvi_cmd_inv_devtab_entry(devid);
	/*
	 * The device left a domain: drop what the IOTLB holds under the old tag too. Hardware tags
	 * IOTLB entries with the DomainID, so the new DTE would not hit them anyway, but QEMU 10
	 * keys its IOTLB by DeviceID and only INVALIDATE_IOMMU_PAGES (by domain) empties it
	 * (hw/i386/amd_iommu.c); the old domain's tables are still valid, so this only costs
	 * refills.
	 */
	if (was_open && old_domain != FIELD_GET(AMDVI_DTE1_DOMAIN, e->qw[1])) {
		c[n++] = amdvi_cmd_inv_domain(old_domain);
	}
	return amdvi_cmd_submit(u, c, n);
}

bool amdvi_dte_is_blocked(const struct amdvi_unit *u, uint16_t devid)
{
	return devid >= u->nr_dte ||
	       (__atomic_load_n(&u->devtab[devid].qw[0], __ATOMIC_ACQUIRE) & (AMDVI_DTE_IR | AMDVI_DTE_IW)) == 0;
}

static struct amdvi_unit *amdvi_of(struct hv_iommu *iommu)
{
	return iommu->priv;
}

static int amdvi_get_caps(struct hv_iommu *iommu, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	struct amdvi_unit *u = amdvi_of(iommu);

	(void)d;
	*caps = (struct ioasid_dev_caps){
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G, /* NextLevel 0 leaves at levels 1-3 (2.2.3) */
		.ia_bits = pt_fmt_ia_bits(PT_FMT_AMD_V1, AMDVI_LEVELS),
		.pasid_bits = 0,
		.paging_fmt = PT_FMT_AMD_V1,
		/* Guest x86-64-format (VT-d first-level) tables are shadowed into v1 tables by the core. */
		.nested_fmts = 1U << PT_FMT_VTD_FL,
		.hw_nesting = false,
		.coherent = u->coherent,
	};
	return 0;
}

/*
 * The core's domain ID (1..4095, ioasid/core.h) as the DomainID the unit sees: bits 7:0 stay,
 * the rest moves up by one, so DomainID bit 8 is always 0. QEMU 10 refuses a DTE whose second
 * quadword has bit 8 set (its reserved mask covers that DomainID bit, hw/i386/amd_iommu.h);
 * the mapping is one-to-one, so every tag stays distinct. 0 stays the blocked entries' tag.
 */
uint16_t amdvi_hw_domain(uint32_t domain)
{
	return (uint16_t)((domain & 0xffU) | ((domain >> 8) << 9));
}

static bool amdvi_domain_ok(uint32_t domain)
{
	return domain != 0 && domain < IOASID_MAX_DOMAINS;
}

static int amdvi_install(struct hv_iommu *iommu, const struct hv_device *d, bool has_pasid, uint32_t pasid,
			 const struct ioasid_hw_config *cfg)
{
	struct amdvi_unit *u = amdvi_of(iommu);
	struct amdvi_dte e;

	(void)pasid;
	if (has_pasid) {
		return -EOPNOTSUPP;
	}
	if (d->rid >= u->nr_dte) {
		return -ERANGE;
	}
	switch (cfg->mode) {
	case IOASID_HW_BLOCKED:
		e = amdvi_dte_blocked(ptr_to_hpa(u->empty_root), AMDVI_LEVELS, 0);
		break;
	case IOASID_HW_TABLE:
		if (cfg->table == NULL || cfg->table->fmt != PT_FMT_AMD_V1 || !amdvi_domain_ok(cfg->domain) ||
		    (cfg->table->levels != 3 && cfg->table->levels != 4)) {
			return -EINVAL;
		}
		e = amdvi_dte_table(cfg->table->root, cfg->table->levels, amdvi_hw_domain(cfg->domain));
		break;
	default:
		return -EOPNOTSUPP; /* NESTED needs v2 (guest) tables: docs/AMDVI.md */
	}
	return amdvi_dte_set(u, (uint16_t)d->rid, &e);
}

#define AMDVI_BATCH 32

static int amdvi_flush_ranges(struct hv_iommu *iommu, uint32_t domain, const struct pt_range *r, unsigned nr, bool leaf)
{
	struct amdvi_unit *u = amdvi_of(iommu);
	struct amdvi_cmd c[AMDVI_BATCH];
	int ret = 0;

	for (unsigned i = 0; i < nr && ret == 0; i += AMDVI_BATCH) {
		unsigned n = nr - i < AMDVI_BATCH ? nr - i : AMDVI_BATCH;

		for (unsigned j = 0; j < n; j++) {
			/* PDE=1 unless only leaves changed: cached directory entries go too (2.4.3). */
			c[j] = amdvi_cmd_inv_pages(amdvi_hw_domain(domain), r[i + j].start, r[i + j].end, !leaf);
		}
		ret = amdvi_cmd_submit(u, c, n);
	}
	return ret;
}

static int amdvi_flush_range(struct hv_iommu *iommu, uint32_t domain, uint64_t start, uint64_t end, bool leaf)
{
	struct pt_range r = { .start = start, .end = end };

	return amdvi_flush_ranges(iommu, domain, &r, 1, leaf);
}

static int amdvi_flush_domain(struct hv_iommu *iommu, uint32_t domain)
{
	struct amdvi_cmd c = amdvi_cmd_inv_domain(amdvi_hw_domain(domain));

	return amdvi_cmd_submit(amdvi_of(iommu), &c, 1);
}

const struct ioasid_backend_ops amdvi_backend_ops = {
	.get_caps = amdvi_get_caps,
	.install = amdvi_install,
	.flush_range = amdvi_flush_range,
	.flush_ranges = amdvi_flush_ranges,
	.flush_domain = amdvi_flush_domain,
};
