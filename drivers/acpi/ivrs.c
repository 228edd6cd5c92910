// SPDX-License-Identifier: MIT
/*
 * IVRS: the I/O Virtualization Reporting Structure (AMD I/O Virtualization Technology (IOMMU)
 * Specification 48882 rev 3.x, 5.2).
 *
 *   36  IVinfo (u32)    40  reserved (u64)    48  IVHD / IVMD blocks
 *
 * Each block starts with Type (u8), Flags (u8), Length (u16).
 *
 * IVHD (5.2.2): one IOMMU. Type 10h has a 24-byte header, 11h and 40h a 40-byte one (EFR
 * image at 24). Device entries follow (5.2.2.2, table "IVHD device entry type codes"); the
 * entry's size is encoded in its type: 00h-3Fh 4 bytes, 40h-7Fh 8 bytes, 80h-FFh variable
 * (only F0h, ACPI HID, has a defined length: 22 + UID length). We decode
 *   01h all, 02h select, 03h start of range (closed by 04h end of range),
 *   42h alias select, 43h alias start of range, 46h extended select, 47h extended start of
 *   range, 48h special device (IOAPIC / HPET),
 * skip 00h padding, F0h ACPI HID devices and unknown 4/8-byte kinds (counted), and refuse an
 * unknown variable-length kind (its size cannot be known).
 *
 * One IOMMU may be described by blocks of several types (10h for old software, 11h/40h for
 * new): only the highest type is kept for each (segment, IOMMU device ID) (5.2.2.1); the others
 * are still validated and counted in nr_shadowed.
 *
 * IVMD (5.2.3, types 20h all / 21h select / 22h range): memory ranges devices use on their own,
 * with the unity (identity map), IR/IW and exclusion flags; kept like DMAR RMRRs.
 *
 * Validation: blocks and entries lie inside the table and their parent, a range start is
 * followed by its end (no other entry between, end >= start), IVHD register bases and IVMD
 * ranges are 4 KiB aligned and do not wrap. Any violation, or more entries than our arrays
 * hold, rejects the whole table: a half-understood IVRS could leave a device untranslated.
 */
#include <hv/acpi.h>
#include <hv/log.h>

#include "acpi_internal.h"

#define IVRS_IVINFO 36
#define IVRS_BLOCKS 48

/* IVHD header fields (5.2.2.1) */
#define IVHD_DEVID     4
#define IVHD_CAP_OFF   6
#define IVHD_BASE      8
#define IVHD_SEGMENT   16
#define IVHD_INFO      18
#define IVHD_ATTR      20
#define IVHD_EFR       24
#define IVHD10_ENTRIES 24
#define IVHD11_ENTRIES 40

/* Device entry kinds (5.2.2.2) */
#define DE_PAD		0x00
#define DE_ALL		0x01
#define DE_SELECT	0x02
#define DE_START	0x03
#define DE_END		0x04
#define DE_ALIAS_SELECT 0x42
#define DE_ALIAS_START	0x43
#define DE_EXT_SELECT	0x46
#define DE_EXT_START	0x47
#define DE_SPECIAL	0x48
#define DE_ACPI_HID	0xf0
#define DE_HID_UID_LEN	21 /* F0h: UID length byte; the UID follows at 22 */
#define DE_HID_FIXED	22

/* IVMD fields (5.2.3) */
#define IVMD_LEN   32
#define IVMD_DEVID 4
#define IVMD_AUX   6
#define IVMD_START 16
#define IVMD_SIZE  24

struct ivhd_walk {
	struct acpi_ivrs *r;
	bool record; /* false: a shadowed block, validated only */
	uint8_t unit;
	uint16_t max_devid;
	bool open; /* a start-of-range entry waits for its end */
	struct acpi_ivrs_devs pending;
};

static int ivrs_add_devs(struct ivhd_walk *w, const struct acpi_ivrs_devs *d)
{
	if (w->max_devid < d->last) {
		w->max_devid = d->last;
	}
	if ((d->flags & ACPI_IVRS_DEV_ALIAS) && w->max_devid < d->alias) {
		w->max_devid = d->alias;
	}
	if (!w->record) {
		return 0;
	}
	if (w->r->nr_devs == ACPI_MAX_IVRS_DEVS) {
		return -EINVAL;
	}
	w->r->devs[w->r->nr_devs] = *d;
	w->r->devs[w->r->nr_devs].unit = w->unit;
	w->r->nr_devs++;
	return 0;
}

/* One device entry at e (size bytes, already bounded). */
static int ivhd_entry(struct ivhd_walk *w, const uint8_t *e, uint8_t kind)
{
	struct acpi_ivrs_devs d = { 0 };
	uint16_t devid = get16(e + 1);

	d.first = devid;
	d.last = devid;
	d.dte = e[3];
	if (w->open && kind != DE_END && kind != DE_PAD) {
		return -EINVAL; /* a range start must be followed by its end */
	}
	switch (kind) {
	case DE_PAD:
		return 0;
	case DE_ALL:
		d.first = 0;
		d.last = 0xffff;
		return ivrs_add_devs(w, &d);
	case DE_SELECT:
		return ivrs_add_devs(w, &d);
	case DE_ALIAS_SELECT:
		d.flags = ACPI_IVRS_DEV_ALIAS;
		d.alias = get16(e + 5);
		return ivrs_add_devs(w, &d);
	case DE_EXT_SELECT:
		d.flags = ACPI_IVRS_DEV_EXT;
		d.ext = get32(e + 4);
		return ivrs_add_devs(w, &d);
	case DE_START:
	case DE_ALIAS_START:
	case DE_EXT_START:
		if (kind == DE_ALIAS_START) {
			d.flags = ACPI_IVRS_DEV_ALIAS;
			d.alias = get16(e + 5);
		} else if (kind == DE_EXT_START) {
			d.flags = ACPI_IVRS_DEV_EXT;
			d.ext = get32(e + 4);
		}
		w->pending = d;
		w->open = true;
		return 0;
	case DE_END:
		if (!w->open || devid < w->pending.first) {
			return -EINVAL;
		}
		w->open = false;
		w->pending.last = devid;
		return ivrs_add_devs(w, &w->pending);
	case DE_SPECIAL: {
		struct acpi_ivrs_special *s;
		uint16_t used = get16(e + 5);

		/* 8-byte form: handle @4, the device ID its requests carry @5, variety @7. */
		if (e[7] != ACPI_IVRS_SPECIAL_IOAPIC && e[7] != ACPI_IVRS_SPECIAL_HPET) {
			w->r->nr_skipped++;
			return 0;
		}
		if (w->max_devid < used) {
			w->max_devid = used;
		}
		if (!w->record) {
			return 0;
		}
		if (w->r->nr_special == ACPI_MAX_IVRS_SPECIAL) {
			return -EINVAL;
		}
		s = &w->r->special[w->r->nr_special++];
		s->variety = e[7];
		s->handle = e[4];
		s->devid = used;
		s->dte = e[3];
		s->unit = w->unit;
		return 0;
	}
	default:
		w->r->nr_skipped++; /* reserved fixed-size kinds: their size is known, skip */
		return 0;
	}
}

/* Walk the device entries in s[from, slen). */
static int ivhd_entries(struct ivhd_walk *w, const uint8_t *s, uint32_t slen, uint32_t from)
{
	uint32_t off = from;
	int ret = 0;

	while (off < slen && ret == 0) {
		uint8_t kind = s[off];
		uint32_t size;

		if (kind < 0x40) {
			size = 4;
		} else if (kind < 0x80) {
			size = 8;
		} else if (kind == DE_ACPI_HID) {
			if (!acpi_fits(slen, off, DE_HID_FIXED)) {
				return -EINVAL;
			}
			size = DE_HID_FIXED + s[off + DE_HID_UID_LEN];
		} else {
			return -EINVAL; /* variable-length kind whose size we cannot know */
		}
		if (!acpi_fits(slen, off, size)) {
			return -EINVAL;
		}
		if (kind == DE_ACPI_HID) {
			/* A non-PCI device (ACPI namespace): we never assign those; just skip it. */
			if (w->open) {
				return -EINVAL;
			}
			w->r->nr_skipped++;
		} else {
			ret = ivhd_entry(w, s + off, kind);
		}
		off += size;
	}
	if (ret == 0 && w->open) {
		ret = -EINVAL; /* range start never closed */
	}
	return ret;
}

static bool ivhd_type_known(uint8_t type)
{
	return type == ACPI_IVHD_10 || type == ACPI_IVHD_11 || type == ACPI_IVHD_40;
}

/* The highest known IVHD type describing the IOMMU (segment, devid) in the table. */
static uint8_t ivhd_best_type(const uint8_t *t, uint32_t len, uint16_t segment, uint16_t devid)
{
	uint32_t off = IVRS_BLOCKS;
	uint8_t best = 0;

	/* Lengths were validated by the first pass. */
	while (off + 4 <= len) {
		const uint8_t *s = t + off;
		uint16_t slen = get16(s + 2);

		if (ivhd_type_known(s[0]) && get16(s + IVHD_SEGMENT) == segment && get16(s + IVHD_DEVID) == devid &&
		    s[0] > best) {
			best = s[0];
		}
		off += slen;
	}
	return best;
}

static int ivrs_parse_ivhd(struct acpi_ivrs *r, const uint8_t *t, uint32_t len, const uint8_t *s, uint16_t slen)
{
	uint8_t type = s[0];
	uint32_t hdr = type == ACPI_IVHD_10 ? IVHD10_ENTRIES : IVHD11_ENTRIES;
	struct ivhd_walk w = { .r = r };
	struct acpi_ivhd *u = NULL;
	uint16_t segment, devid;
	uint64_t base;
	int ret;

	if (slen < hdr) {
		return -EINVAL;
	}
	segment = get16(s + IVHD_SEGMENT);
	devid = get16(s + IVHD_DEVID);
	base = get64(s + IVHD_BASE);
	if (base == 0 || (base & (HV_PAGE_SIZE - 1)) != 0) {
		return -EINVAL;
	}
	w.record = ivhd_best_type(t, len, segment, devid) == type;
	if (w.record) {
		for (unsigned i = 0; i < r->nr_ivhd; i++) {
			if (r->ivhd[i].segment == segment && r->ivhd[i].devid == devid) {
				return -EINVAL; /* two blocks of the same type for one IOMMU */
			}
		}
		if (r->nr_ivhd == ACPI_MAX_IVHD) {
			return -EINVAL;
		}
		w.unit = (uint8_t)r->nr_ivhd;
		u = &r->ivhd[r->nr_ivhd++];
		u->type = type;
		u->flags = s[1];
		u->devid = devid;
		u->cap_off = get16(s + IVHD_CAP_OFF);
		u->base = hpa(base);
		u->segment = segment;
		u->info = get16(s + IVHD_INFO);
		u->attr = get32(s + IVHD_ATTR);
		u->efr = type == ACPI_IVHD_10 ? 0 : get64(s + IVHD_EFR);
		u->first_dev = (uint16_t)r->nr_devs;
		u->first_special = (uint16_t)r->nr_special;
	} else {
		r->nr_shadowed++;
	}
	/* The IOMMU's own function is a requester too (its table walks and MSIs). */
	w.max_devid = devid;
	ret = ivhd_entries(&w, s, slen, hdr);
	if (ret == 0 && u != NULL) {
		u->nr_devs = (uint16_t)(r->nr_devs - u->first_dev);
		u->nr_special = (uint16_t)(r->nr_special - u->first_special);
		u->max_devid = w.max_devid;
	}
	return ret;
}

static int ivrs_parse_ivmd(struct acpi_ivrs *r, const uint8_t *s, uint16_t slen)
{
	struct acpi_ivmd *m;
	uint64_t base, size;

	if (slen < IVMD_LEN || r->nr_ivmd == ACPI_MAX_IVMD) {
		return -EINVAL;
	}
	base = get64(s + IVMD_START);
	size = get64(s + IVMD_SIZE);
	/* 5.2.3: 4 KiB-aligned start and length; a range that wraps is nonsense. */
	if (size == 0 || (base & (HV_PAGE_SIZE - 1)) != 0 || (size & (HV_PAGE_SIZE - 1)) != 0 || base + size < base) {
		return -EINVAL;
	}
	m = &r->ivmd[r->nr_ivmd++];
	m->type = s[0];
	m->flags = s[1];
	m->base = base;
	m->limit = base + size - 1;
	switch (s[0]) {
	case ACPI_IVMD_ALL:
		m->first = 0;
		m->last = 0xffff;
		break;
	case ACPI_IVMD_SELECT:
		m->first = m->last = get16(s + IVMD_DEVID);
		break;
	default:
		m->first = get16(s + IVMD_DEVID);
		m->last = get16(s + IVMD_AUX);
		if (m->last < m->first) {
			return -EINVAL;
		}
		break;
	}
	return 0;
}

int acpi_parse_ivrs(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	struct acpi_ivrs *r = &info->ivrs;
	uint32_t off = IVRS_BLOCKS;
	int ret = 0;

	if (len < IVRS_BLOCKS) {
		return -EINVAL;
	}
	r->ivinfo = get32(t + IVRS_IVINFO);
	/* First pass: block headers, so the second can look across blocks safely. */
	while (off < len) {
		uint16_t slen;

		if (!acpi_fits(len, off, 4)) {
			return -EINVAL;
		}
		slen = get16(t + off + 2);
		if (slen < 4 || !acpi_fits(len, off, slen)) {
			return -EINVAL;
		}
		if (ivhd_type_known(t[off]) && slen < IVHD10_ENTRIES) {
			return -EINVAL; /* too short to hold the fields ivhd_best_type() reads */
		}
		off += slen;
	}
	off = IVRS_BLOCKS;
	while (off < len && ret == 0) {
		const uint8_t *s = t + off;
		uint16_t slen = get16(s + 2);

		if (ivhd_type_known(s[0])) {
			ret = ivrs_parse_ivhd(r, t, len, s, slen);
		} else if (s[0] >= ACPI_IVMD_ALL && s[0] <= ACPI_IVMD_RANGE) {
			ret = ivrs_parse_ivmd(r, s, slen);
		} else {
			r->nr_skipped++; /* a newer block type: its length lets us step over it */
		}
		off += slen;
	}
	if (ret == 0) {
		r->present = true;
	}
	return ret;
}

int acpi_ivrs_lookup(const struct acpi_info *info, uint16_t segment, uint16_t devid, struct acpi_ivrs_dev_info *out)
{
	const struct acpi_ivrs *r = &info->ivrs;
	int ret = -ENOENT;

	/* Later entries override earlier ones (a select after an "all", say). */
	for (unsigned i = 0; i < r->nr_devs; i++) {
		const struct acpi_ivrs_devs *d = &r->devs[i];

		if (r->ivhd[d->unit].segment != segment || devid < d->first || devid > d->last) {
			continue;
		}
		out->unit = d->unit;
		out->rid = (d->flags & ACPI_IVRS_DEV_ALIAS) ? d->alias : devid;
		out->dte = d->dte;
		out->ext = d->ext;
		ret = 0;
	}
	return ret;
}

bool acpi_ivmd_covers(const struct acpi_info *info, unsigned ivmd, uint16_t devid)
{
	const struct acpi_ivmd *m;

	if (ivmd >= info->ivrs.nr_ivmd) {
		return false;
	}
	m = &info->ivrs.ivmd[ivmd];
	return devid >= m->first && devid <= m->last;
}

void acpi_log_ivrs(const struct acpi_info *info)
{
	const struct acpi_ivrs *r = &info->ivrs;

	if (!r->present) {
		return;
	}
	pr_info("ivrs: ivinfo 0x%x, %u ivhd, %u ivmd, %u device entries, %u special, %u shadowed, %u skipped",
		r->ivinfo, r->nr_ivhd, r->nr_ivmd, r->nr_devs, r->nr_special, r->nr_shadowed, r->nr_skipped);
	for (unsigned i = 0; i < r->nr_ivhd; i++) {
		const struct acpi_ivhd *u = &r->ivhd[i];

		pr_info("ivrs: ivhd%u type 0x%x base 0x%llx seg %u devid %02x:%02x.%u flags 0x%x efr 0x%llx max devid "
			"0x%x",
			i, u->type, (unsigned long long)hpa_val(u->base), u->segment, u->devid >> 8,
			(u->devid >> 3) & 31, u->devid & 7, u->flags, (unsigned long long)u->efr, u->max_devid);
		for (unsigned j = 0; j < u->nr_devs; j++) {
			const struct acpi_ivrs_devs *d = &r->devs[u->first_dev + j];

			if (d->flags & ACPI_IVRS_DEV_ALIAS) {
				pr_info("ivrs: ivhd%u devices 0x%04x-0x%04x alias 0x%04x dte 0x%x", i, d->first,
					d->last, d->alias, d->dte);
			} else {
				pr_info("ivrs: ivhd%u devices 0x%04x-0x%04x dte 0x%x", i, d->first, d->last, d->dte);
			}
		}
		for (unsigned j = 0; j < u->nr_special; j++) {
			const struct acpi_ivrs_special *s = &r->special[u->first_special + j];

			pr_info("ivrs: ivhd%u %s %u devid 0x%04x", i,
				s->variety == ACPI_IVRS_SPECIAL_IOAPIC ? "ioapic" : "hpet", s->handle, s->devid);
		}
	}
	for (unsigned i = 0; i < r->nr_ivmd; i++) {
		const struct acpi_ivmd *m = &r->ivmd[i];

		pr_info("ivrs: ivmd%u type 0x%x flags 0x%x devices 0x%04x-0x%04x 0x%llx-0x%llx", i, m->type, m->flags,
			m->first, m->last, (unsigned long long)m->base, (unsigned long long)m->limit);
	}
}
