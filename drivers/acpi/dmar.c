// SPDX-License-Identifier: MIT
/*
 * DMAR: the DMA Remapping Reporting table (Intel VT-d specification 4.1, chapter 8).
 *
 *   36  HAW (u8, host address width - 1)    37  Flags (u8)    48  remapping structures
 *
 * Each remapping structure starts with Type (u16) and Length (u16) (8.2). We record DRHD
 * (type 0, 8.3), RMRR (type 1, 8.4), ATSR (type 2, 8.5) and SATC (type 5, 8.8) with their
 * device scopes (8.3.1), and count and skip the rest (RHSA, ANDD, SIDP). Device scope paths are
 * kept as the table gives them; pci_resolve_dmar_scopes() turns them into BDFs once PCI
 * enumeration knows each bridge's secondary bus number (8.3.2).
 *
 * Validation: every structure and every scope must lie inside its parent, lengths must be
 * well-formed (a zero length would loop forever), PCI scopes need at least one path hop. Any
 * violation rejects the whole table: a half-understood DMAR could leave a device untranslated.
 */
#include <stdio.h>

#include <hv/acpi.h>
#include <hv/log.h>

#include "acpi_internal.h"

#define DMAR_HAW     36
#define DMAR_FLAGS   37
#define DMAR_STRUCTS 48

#define DMAR_DRHD   0 /* flags u8 @4, size u8 @5, segment u16 @6, base u64 @8, scopes @16 */
#define DRHD_SCOPES 16
#define DMAR_RMRR   1 /* segment u16 @6, base u64 @8, limit u64 @16, scopes @24 */
#define RMRR_SCOPES 24
/* ACPI_DMAR_ATSR (2) and ACPI_DMAR_SATC (5): flags u8 @4, segment u16 @6, scopes @8 */
#define ATSR_SCOPES 8

/* 8.3.1 device scope: type u8 @0, length u8 @1, enumeration ID u8 @4, start bus u8 @5, path @6 */
#define SCOPE_HDR 6

/* Parse the scopes in s[from, slen) into the shared pool; count them in *nr. */
static int dmar_parse_scopes(struct acpi_dmar *d, const uint8_t *s, uint32_t slen, uint32_t from, uint16_t *first,
			     uint16_t *nr)
{
	uint32_t off = from;

	*first = (uint16_t)d->nr_scopes;
	*nr = 0;
	while (off < slen) {
		struct acpi_dmar_scope *sc;
		uint8_t type, len;

		if (!acpi_fits(slen, off, 2)) {
			return -EINVAL;
		}
		type = s[off];
		len = s[off + 1];
		if (len < SCOPE_HDR + 2 || (len - SCOPE_HDR) % 2 != 0 || !acpi_fits(slen, off, len)) {
			return -EINVAL;
		}
		if ((len - SCOPE_HDR) / 2 > ACPI_SCOPE_MAX_PATH) {
			return -EINVAL; /* deeper than any bridge chain we accept */
		}
		if (type < ACPI_SCOPE_PCI_ENDPOINT || type > ACPI_SCOPE_NAMESPACE) {
			return -EINVAL;
		}
		if (d->nr_scopes == ACPI_MAX_SCOPES) {
			return -EINVAL; /* more than we can hold: unusable (see below) */
		}
		sc = &d->scopes[d->nr_scopes++];
		memset(sc, 0, sizeof(*sc));
		sc->type = type;
		sc->enum_id = s[off + 4];
		sc->start_bus = s[off + 5];
		sc->path_len = (uint8_t)((len - SCOPE_HDR) / 2);
		for (unsigned i = 0; i < sc->path_len; i++) {
			sc->path[i][0] = s[off + SCOPE_HDR + 2 * i];
			sc->path[i][1] = s[off + SCOPE_HDR + 2 * i + 1];
			if (sc->path[i][0] > 31 || sc->path[i][1] > 7) {
				return -EINVAL;
			}
		}
		/*
		 * IOAPIC/HPET scopes name a "PCI" source-id directly (8.3.1.1, 8.3.1.2: the path
		 * is the id the interrupt requests carry); they are not behind bridges we enumerate.
		 */
		if ((type == ACPI_SCOPE_IOAPIC || type == ACPI_SCOPE_HPET) && sc->path_len == 1) {
			sc->resolved = true;
			sc->bus = sc->start_bus;
			sc->devfn = (uint8_t)(sc->path[0][0] << 3 | sc->path[0][1]);
		}
		(*nr)++;
		off += len;
	}
	return 0;
}

int acpi_parse_dmar(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	struct acpi_dmar *d = &info->dmar;
	uint32_t off = DMAR_STRUCTS;
	int ret = 0;

	if (len < DMAR_STRUCTS) {
		return -EINVAL;
	}
	d->haw = (uint8_t)(t[DMAR_HAW] + 1);
	d->flags = t[DMAR_FLAGS];
	while (off < len && ret == 0) {
		const uint8_t *s = t + off;
		uint16_t type, slen;

		if (!acpi_fits(len, off, 4)) {
			return -EINVAL;
		}
		type = get16(s);
		slen = get16(s + 2);
		if (slen < 8 || !acpi_fits(len, off, slen)) {
			return -EINVAL;
		}
		switch (type) {
		case DMAR_DRHD: {
			struct acpi_drhd *u;

			if (slen < DRHD_SCOPES || d->nr_drhd == ACPI_MAX_DRHD) {
				return -EINVAL;
			}
			u = &d->drhd[d->nr_drhd++];
			u->flags = s[4];
			u->size = s[5] & 0xf; /* 8.3: bits 3:0; 2^size pages */
			u->segment = get16(s + 6);
			u->base = hpa(get64(s + 8));
			if ((hpa_val(u->base) & (HV_PAGE_SIZE - 1)) != 0) {
				return -EINVAL;
			}
			ret = dmar_parse_scopes(d, s, slen, DRHD_SCOPES, &u->first_scope, &u->nr_scopes);
			break;
		}
		case DMAR_RMRR: {
			struct acpi_rmrr *r;

			if (slen < RMRR_SCOPES || d->nr_rmrr == ACPI_MAX_RMRR) {
				return -EINVAL;
			}
			r = &d->rmrr[d->nr_rmrr++];
			r->segment = get16(s + 6);
			r->base = get64(s + 8);
			r->limit = get64(s + 16);
			/* 8.4: base 4 KiB aligned, limit the last byte of a 4 KiB-aligned range. */
			if ((r->base & (HV_PAGE_SIZE - 1)) != 0 || r->limit < r->base ||
			    ((r->limit + 1) & (HV_PAGE_SIZE - 1)) != 0) {
				return -EINVAL;
			}
			ret = dmar_parse_scopes(d, s, slen, RMRR_SCOPES, &r->first_scope, &r->nr_scopes);
			break;
		}
		case ACPI_DMAR_ATSR:
		case ACPI_DMAR_SATC: {
			struct acpi_atsr *a;

			if (d->nr_atsr == ACPI_MAX_ATSR) {
				return -EINVAL;
			}
			a = &d->atsr[d->nr_atsr++];
			a->type = type;
			a->flags = s[4];
			a->segment = get16(s + 6);
			ret = dmar_parse_scopes(d, s, slen, ATSR_SCOPES, &a->first_scope, &a->nr_scopes);
			break;
		}
		default:
			d->nr_skipped++;
			break;
		}
		off += slen;
	}
	if (ret == 0) {
		d->present = true;
	}
	/*
	 * More structures or scopes than our arrays hold is not malformed, but a DMAR we can only
	 * half record could leave a device untranslated, so it is rejected like a broken one.
	 */
	return ret;
}

static bool dmar_scope_matches(const struct acpi_dmar_scope *sc, uint8_t bus, uint8_t devfn)
{
	if (!sc->resolved) {
		return false;
	}
	if (sc->type == ACPI_SCOPE_PCI_ENDPOINT) {
		return sc->bus == bus && sc->devfn == devfn;
	}
	if (sc->type == ACPI_SCOPE_PCI_BRIDGE) {
		/* 8.3.1: the bridge itself and every bus below it. */
		return (sc->bus == bus && sc->devfn == devfn) ||
		       (sc->sec_bus != 0 && bus >= sc->sec_bus && bus <= sc->sub_bus);
	}
	return false;
}

int acpi_dmar_unit_for(const struct acpi_info *info, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	const struct acpi_dmar *d = &info->dmar;
	int all = -1;

	for (unsigned i = 0; i < d->nr_drhd; i++) {
		const struct acpi_drhd *u = &d->drhd[i];

		if (u->segment != segment) {
			continue;
		}
		if (u->flags & ACPI_DRHD_INCLUDE_PCI_ALL) {
			all = (int)i; /* 8.3: only if no other unit names the device */
			continue;
		}
		for (unsigned j = 0; j < u->nr_scopes; j++) {
			if (dmar_scope_matches(&d->scopes[u->first_scope + j], bus, devfn)) {
				return (int)i;
			}
		}
	}
	return all;
}

static const char *const scope_name[] = {
	[ACPI_SCOPE_PCI_ENDPOINT] = "endpoint", [ACPI_SCOPE_PCI_BRIDGE] = "bridge",
	[ACPI_SCOPE_IOAPIC] = "ioapic",		[ACPI_SCOPE_HPET] = "hpet",
	[ACPI_SCOPE_NAMESPACE] = "namespace",
};

static void dmar_log_scopes(const struct acpi_dmar *d, const char *who, uint16_t first, uint16_t nr)
{
	for (unsigned j = 0; j < nr; j++) {
		const struct acpi_dmar_scope *sc = &d->scopes[first + j];

		if (sc->resolved) {
			pr_info("dmar: %s scope %s %02x:%02x.%u", who, scope_name[sc->type], sc->bus, sc->devfn >> 3,
				sc->devfn & 7);
		} else {
			pr_info("dmar: %s scope %s id %u bus %02x path %02x.%u (%u hops, unresolved)", who,
				scope_name[sc->type], sc->enum_id, sc->start_bus, sc->path[0][0], sc->path[0][1],
				sc->path_len);
		}
	}
}

void acpi_log_dmar(const struct acpi_info *info)
{
	const struct acpi_dmar *d = &info->dmar;
	char who[16];

	if (!d->present) {
		return;
	}
	pr_info("dmar: haw %u flags 0x%x, %u drhd, %u rmrr, %u atsr/satc", d->haw, d->flags, d->nr_drhd, d->nr_rmrr,
		d->nr_atsr);
	for (unsigned i = 0; i < d->nr_drhd; i++) {
		const struct acpi_drhd *u = &d->drhd[i];

		if (info->hw_probed) {
			pr_info("dmar: drhd%u base 0x%llx seg %u flags 0x%x scopes %u cap 0x%llx ecap 0x%llx", i,
				(unsigned long long)hpa_val(u->base), u->segment, u->flags, u->nr_scopes,
				(unsigned long long)u->cap, (unsigned long long)u->ecap);
		} else {
			pr_info("dmar: drhd%u base 0x%llx seg %u flags 0x%x scopes %u", i,
				(unsigned long long)hpa_val(u->base), u->segment, u->flags, u->nr_scopes);
		}
		snprintf(who, sizeof(who), "drhd%u", i);
		dmar_log_scopes(d, who, u->first_scope, u->nr_scopes);
	}
	for (unsigned i = 0; i < d->nr_rmrr; i++) {
		const struct acpi_rmrr *r = &d->rmrr[i];

		pr_info("dmar: rmrr%u seg %u 0x%llx-0x%llx scopes %u", i, r->segment, (unsigned long long)r->base,
			(unsigned long long)r->limit, r->nr_scopes);
		snprintf(who, sizeof(who), "rmrr%u", i);
		dmar_log_scopes(d, who, r->first_scope, r->nr_scopes);
	}
	for (unsigned i = 0; i < d->nr_atsr; i++) {
		const struct acpi_atsr *a = &d->atsr[i];

		pr_info("dmar: %s%u seg %u flags 0x%x scopes %u", a->type == ACPI_DMAR_ATSR ? "atsr" : "satc", i,
			a->segment, a->flags, a->nr_scopes);
	}
}
