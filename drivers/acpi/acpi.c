// SPDX-License-Identifier: MIT
/*
 * ACPI table discovery: RSDP -> XSDT -> each table, with checksum and length validation, then
 * dispatch to the per-table parsers (madt.c, dmar.c, iort.c). See include/hv/acpi.h.
 *
 * Assumptions:
 *  - The firmware's ACPI tables are in memory the hypervisor has mapped (ACPI reclaim/NVS
 *    regions are part of the identity map on both arches), so hpa_to_ptr() reaches them.
 *  - Only the XSDT is used (ACPI 6.5 5.2.8); a revision-0 RSDP with only an RSDT is refused,
 *    as every UEFI firmware must publish an XSDT (UEFI 2.10 2.3).
 *  - A table is never trusted: its length is bounded by ACPI_TABLE_MAX_LEN and, in host tests,
 *    by the bytes really available; its checksum must be zero (5.2.6).
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>

#include "acpi_internal.h"

struct acpi_info hv_acpi;

/* ACPI 6.5 5.2.5.3: the RSDP. */
#define RSDP_SIG      "RSD PTR "
#define RSDP_CSUM_LEN 20 /* the ACPI 1.0 part covered by Checksum */
#define RSDP_REV      15
#define RSDP_LEN      20
#define RSDP_XSDT     24
#define RSDP_V2_SIZE  36

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++) {
		sum = (uint8_t)(sum + b[i]);
	}
	return sum;
}

int acpi_rsdp_xsdt(const void *rsdp, size_t avail, hpa_t *xsdt)
{
	const uint8_t *r = rsdp;
	uint32_t len;

	if (avail < RSDP_V2_SIZE || memcmp(r, RSDP_SIG, 8) != 0) {
		return -EINVAL;
	}
	if (acpi_checksum(r, RSDP_CSUM_LEN) != 0) {
		return -EINVAL;
	}
	if (r[RSDP_REV] < 2) {
		return -EOPNOTSUPP; /* ACPI 1.0: RSDT only */
	}
	len = get32(r + RSDP_LEN);
	if (len < RSDP_V2_SIZE || len > avail || acpi_checksum(r, len) != 0) {
		return -EINVAL;
	}
	*xsdt = hpa(get64(r + RSDP_XSDT));
	return hpa_val(*xsdt) == 0 ? -EINVAL : 0;
}

/* Header checks shared by every table: length sane and available, checksum zero. */
static int acpi_check_table(const uint8_t *t, size_t avail, uint32_t *lenp)
{
	uint32_t len;

	if (avail < ACPI_HDR_SIZE) {
		return -EINVAL;
	}
	len = get32(t + ACPI_HDR_LEN);
	if (len < ACPI_HDR_SIZE || len > avail || len > ACPI_TABLE_MAX_LEN) {
		return -EINVAL;
	}
	if (acpi_checksum(t, len) != 0) {
		return -EINVAL;
	}
	*lenp = len;
	return 0;
}

struct acpi_parser {
	char sig[5];
	int (*parse)(struct acpi_info *info, const uint8_t *t, uint32_t len);
	bool (*present)(const struct acpi_info *info);
	void (*reset)(struct acpi_info *info);
};

static bool madt_present(const struct acpi_info *info)
{
	return info->madt.present;
}
static void madt_reset(struct acpi_info *info)
{
	memset(&info->madt, 0, sizeof(info->madt));
}
static bool mcfg_present(const struct acpi_info *info)
{
	return info->nr_mcfg != 0;
}
static void mcfg_reset(struct acpi_info *info)
{
	info->nr_mcfg = 0;
	memset(info->mcfg, 0, sizeof(info->mcfg));
}
static bool dmar_present(const struct acpi_info *info)
{
	return info->dmar.present;
}
static void dmar_reset(struct acpi_info *info)
{
	memset(&info->dmar, 0, sizeof(info->dmar));
}
static bool iort_present(const struct acpi_info *info)
{
	return info->iort.present;
}
static void iort_reset(struct acpi_info *info)
{
	memset(&info->iort, 0, sizeof(info->iort));
}
static bool ivrs_present(const struct acpi_info *info)
{
	return info->ivrs.present;
}
static void ivrs_reset(struct acpi_info *info)
{
	memset(&info->ivrs, 0, sizeof(info->ivrs));
}
static bool spcr_present(const struct acpi_info *info)
{
	return info->spcr.present;
}
static void spcr_reset(struct acpi_info *info)
{
	memset(&info->spcr, 0, sizeof(info->spcr));
}
static bool gtdt_present(const struct acpi_info *info)
{
	return info->gtdt.present;
}
static void gtdt_reset(struct acpi_info *info)
{
	memset(&info->gtdt, 0, sizeof(info->gtdt));
}

static const struct acpi_parser acpi_parsers[] = {
	{ "APIC", acpi_parse_madt, madt_present, madt_reset }, { "MCFG", acpi_parse_mcfg, mcfg_present, mcfg_reset },
	{ "DMAR", acpi_parse_dmar, dmar_present, dmar_reset }, { "IORT", acpi_parse_iort, iort_present, iort_reset },
	{ "IVRS", acpi_parse_ivrs, ivrs_present, ivrs_reset }, { "SPCR", acpi_parse_spcr, spcr_present, spcr_reset },
	{ "GTDT", acpi_parse_gtdt, gtdt_present, gtdt_reset },
};

int acpi_parse_table(struct acpi_info *info, const void *table, size_t avail)
{
	const uint8_t *t = table;
	const struct acpi_parser *p = NULL;
	uint32_t len;
	int ret;

	ret = acpi_check_table(t, avail, &len);
	if (ret != 0) {
		goto out;
	}
	for (size_t i = 0; i < sizeof(acpi_parsers) / sizeof(acpi_parsers[0]); i++) {
		if (memcmp(t, acpi_parsers[i].sig, 4) == 0) {
			p = &acpi_parsers[i];
		}
	}
	if (p == NULL) {
		ret = -ENOENT;
		goto out;
	}
	if (p->present(info)) {
		ret = -EEXIST; /* keep the first copy; a second one is a firmware bug */
		goto out;
	}
	ret = p->parse(info, t, len);
	if (ret != 0) {
		p->reset(info); /* nothing half-parsed survives */
	}
out:
	return ret;
}

int acpi_init(struct acpi_info *info, hpa_t rsdp)
{
	const uint8_t *x;
	uint32_t xlen, n;
	int ret;

	memset(info, 0, sizeof(*info));
	if (hpa_val(rsdp) == 0) {
		ret = -ENODEV;
		goto out;
	}
	/*
	 * Read exactly the 36-byte ACPI 2.0 RSDP (5.2.5.3); a larger Length field is refused
	 * rather than followed into whatever lies beyond it.
	 */
	ret = acpi_rsdp_xsdt(hpa_to_ptr(rsdp), RSDP_V2_SIZE, &info->xsdt);
	if (ret != 0) {
		pr_err("acpi: invalid RSDP at 0x%llx (%s)", (unsigned long long)hpa_val(rsdp), hv_strerror(ret));
		ret = -ENODEV;
		goto out;
	}
	x = hpa_to_ptr(info->xsdt);
	ret = acpi_check_table(x, ACPI_TABLE_MAX_LEN, &xlen);
	if (ret != 0 || memcmp(x, "XSDT", 4) != 0) {
		pr_err("acpi: invalid XSDT at 0x%llx", (unsigned long long)hpa_val(info->xsdt));
		ret = -ENODEV;
		goto out;
	}
	info->rsdp_ok = true;
	n = (xlen - ACPI_HDR_SIZE) / 8;
	if (n > ACPI_MAX_TABLES) {
		pr_warn("acpi: XSDT lists %u tables, parsing the first %u", n, ACPI_MAX_TABLES);
		n = ACPI_MAX_TABLES;
	}
	for (uint32_t i = 0; i < n; i++) {
		hpa_t ta = hpa(get64(x + ACPI_HDR_SIZE + 8 * i));
		const uint8_t *t;
		uint32_t tlen;
		int r;

		if (hpa_val(ta) == 0) {
			continue;
		}
		t = hpa_to_ptr(ta);
		info->nr_tables++;
		/* Bound by the table's own length (checked against the sanity limit first). */
		tlen = get32(t + ACPI_HDR_LEN);
		r = acpi_parse_table(info, t, tlen > ACPI_TABLE_MAX_LEN ? ACPI_TABLE_MAX_LEN : tlen);
		if (r == -EINVAL) {
			info->nr_bad++;
			pr_warn("acpi: %.4s at 0x%llx is malformed, ignored", (const char *)t,
				(unsigned long long)hpa_val(ta));
		} else if (r == -EEXIST) {
			pr_warn("acpi: second %.4s at 0x%llx ignored", (const char *)t,
				(unsigned long long)hpa_val(ta));
		} else if (r == 0) {
			pr_debug("acpi: %.4s at 0x%llx len %u", (const char *)t, (unsigned long long)hpa_val(ta), tlen);
		}
	}
	ret = 0;
out:
	return ret;
}

const struct acpi_mcfg_seg *acpi_mcfg_find(const struct acpi_info *info, uint16_t segment, uint8_t bus)
{
	for (unsigned i = 0; i < info->nr_mcfg; i++) {
		const struct acpi_mcfg_seg *s = &info->mcfg[i];

		if (s->segment == segment && bus >= s->start_bus && bus <= s->end_bus) {
			return s;
		}
	}
	return NULL;
}

/* VT-d 10.4.2/10.4.3: CAP at 0x08 and ECAP at 0x10, 64-bit registers. */
#define DMAR_CAP_REG  0x08
#define DMAR_ECAP_REG 0x10
/* SMMUv3 6.3.1: IDR0 at offset 0 of page 0, a 32-bit register. */
#define SMMU_IDR0 0x00

int acpi_probe_hw(struct acpi_info *info)
{
	int ret = 0;

	for (unsigned i = 0; i < info->dmar.nr_drhd; i++) {
		struct acpi_drhd *d = &info->dmar.drhd[i];

		ret = arch_map_mmio(d->base, HV_PAGE_SIZE << d->size);
		if (ret != 0) {
			goto out;
		}
		d->cap = mmio_read64(hpa_val(d->base) + DMAR_CAP_REG);
		d->ecap = mmio_read64(hpa_val(d->base) + DMAR_ECAP_REG);
	}
	for (unsigned i = 0; i < info->iort.nr_smmus; i++) {
		struct acpi_iort_smmu *s = &info->iort.smmus[i];

		ret = arch_map_mmio(s->base, 2 * 0x10000); /* pages 0 and 1, 64 KiB each */
		if (ret != 0) {
			goto out;
		}
		s->idr0 = mmio_read32(hpa_val(s->base) + SMMU_IDR0);
	}
	info->hw_probed = true;
out:
	return ret;
}

static const char *const cpu_kind_name[] = {
	[ACPI_CPU_LAPIC] = "lapic",
	[ACPI_CPU_X2APIC] = "x2apic",
	[ACPI_CPU_GICC] = "gicc",
};

void acpi_log(const struct acpi_info *info)
{
	const struct acpi_madt *m = &info->madt;

	if (!info->rsdp_ok) {
		pr_err("acpi: no valid RSDP/XSDT");
		return;
	}
	pr_info("acpi: XSDT at 0x%llx, %u tables, %u rejected", (unsigned long long)hpa_val(info->xsdt),
		info->nr_tables, info->nr_bad);
	if (m->present) {
		pr_info("madt: %u cpus (%u listed)", m->nr_enabled, m->nr_cpus);
		for (unsigned i = 0; i < m->nr_cpus; i++) {
			const struct acpi_cpu *c = &m->cpus[i];

			pr_info("madt: cpu%u %s id 0x%llx uid %u%s", i, cpu_kind_name[c->kind],
				(unsigned long long)c->hwid, c->uid,
				(c->flags & ACPI_CPU_ENABLED) ? "" : " (disabled)");
		}
		for (unsigned i = 0; i < m->nr_ioapics; i++) {
			pr_info("madt: ioapic id %u base 0x%llx gsi %u", m->ioapics[i].id,
				(unsigned long long)hpa_val(m->ioapics[i].base), m->ioapics[i].gsi_base);
		}
		if (m->has_gicd) {
			pr_info("madt: gicd base 0x%llx version %u", (unsigned long long)hpa_val(m->gicd_base),
				m->gic_version);
		}
		for (unsigned i = 0; i < m->nr_gicr; i++) {
			pr_info("madt: gicr base 0x%llx length 0x%x", (unsigned long long)hpa_val(m->gicr[i].base),
				m->gicr[i].length);
		}
		for (unsigned i = 0; i < m->nr_its; i++) {
			pr_info("madt: its %u base 0x%llx", m->its[i].id, (unsigned long long)hpa_val(m->its[i].base));
		}
	} else {
		pr_warn("madt: not found");
	}
	for (unsigned i = 0; i < info->nr_mcfg; i++) {
		const struct acpi_mcfg_seg *s = &info->mcfg[i];

		pr_info("mcfg: seg %u buses %02x-%02x ecam 0x%llx", s->segment, s->start_bus, s->end_bus,
			(unsigned long long)hpa_val(s->base));
	}
	acpi_log_dmar(info);
	acpi_log_iort(info);
	acpi_log_ivrs(info);
	if (info->spcr.present) {
		pr_info("spcr: type 0x%x %s 0x%llx baud %u gsiv %u", info->spcr.interface_type,
			info->spcr.space_id == 1 ? "port" : "mmio", (unsigned long long)info->spcr.base,
			info->spcr.baud_rate, info->spcr.gsiv);
	}
	if (info->gtdt.present) {
		pr_info("gtdt: el1 %u virt %u el2 %u virt-el2 %u", info->gtdt.el1_gsiv, info->gtdt.virt_el1_gsiv,
			info->gtdt.el2_gsiv, info->gtdt.virt_el2_gsiv);
	}
}
