/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the ACPI parsers (drivers/acpi: MADT, MCFG, DMAR, IORT, IVRS, SPCR, GTDT).
 *
 * Input: up to ACPI_FZ_TABLES records [flags:1][len:2, little endian][len bytes of a table,
 * header included] (tests/fuzz/mkseeds_acpi.py turns the captured QEMU tables into seeds). Each
 * table gets its length field and checksum fixed unless flags say otherwise, so the fuzzer
 * spends its time inside the structures, not on the checksum. Then:
 *   1. every table is parsed alone, in an exact-size buffer (ASan sees any read past its end):
 *      the result is 0, -EINVAL, -ENOENT or -EEXIST, and a refused table leaves the info as
 *      it was (acpi.h: "info keeps nothing from it");
 *   2. all of them are found the way the boot does: a synthetic RSDP (36 bytes, both checksums)
 *      and XSDT in memory, acpi_init() from the RSDP's address;
 *   3. the result's invariants hold (counts within their arrays, every first/nr slice inside
 *      its array, RMRR base <= limit), and the lookups the drivers use answer within range
 *      (acpi_dmar_unit_for, acpi_iort_map_rid, acpi_mcfg_find, acpi_its_base,
 *      acpi_iort_rmr_covers, acpi_ivrs_lookup, acpi_ivmd_covers).
 * Any violation abort()s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/log.h>

#define ACPI_FZ_TABLES 8
#define ACPI_HDR       36
#define FZ_NO_LEN_FIX  (1u << 0) /* keep the input's length field (step 1 only) */
#define FZ_NO_CSUM_FIX (1u << 1)
#define FZ_NOT_LISTED  (1u << 2) /* leave this one out of the XSDT */

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void fix_csum(uint8_t *t, size_t len, size_t at)
{
	t[at] = 0;
	t[at] = (uint8_t)(0x100 - acpi_checksum(t, len));
}

#define FAIL(...)                                                                                                      \
	do {                                                                                                           \
		fprintf(stderr, "fuzz_acpi: " __VA_ARGS__);                                                            \
		fputc('\n', stderr);                                                                                   \
		abort();                                                                                               \
	} while (0)

static void check_slice(const char *what, unsigned first, unsigned n, unsigned total)
{
	if (first + n > total) {
		FAIL("%s slice [%u, +%u) beyond %u", what, first, n, total);
	}
}

static void check_ivrs(const struct acpi_ivrs *r)
{
	if (r->nr_ivhd > ACPI_MAX_IVHD || r->nr_devs > ACPI_MAX_IVRS_DEVS || r->nr_special > ACPI_MAX_IVRS_SPECIAL ||
	    r->nr_ivmd > ACPI_MAX_IVMD) {
		FAIL("IVRS counts out of range");
	}
	for (unsigned i = 0; i < r->nr_ivhd; i++) {
		const struct acpi_ivhd *u = &r->ivhd[i];

		check_slice("IVHD devices", u->first_dev, u->nr_devs, r->nr_devs);
		check_slice("IVHD specials", u->first_special, u->nr_special, r->nr_special);
		if (hpa_val(u->base) == 0 || (hpa_val(u->base) & 0xfff)) {
			FAIL("IVHD %u base %#llx", i, (unsigned long long)hpa_val(u->base));
		}
		for (unsigned j = 0; j < u->nr_devs; j++) {
			const struct acpi_ivrs_devs *d = &r->devs[u->first_dev + j];

			/* The device table is sized from max_devid: every ID it serves must fit. */
			if (d->unit != i || d->first > d->last || d->last > u->max_devid ||
			    ((d->flags & ACPI_IVRS_DEV_ALIAS) && d->alias > u->max_devid)) {
				FAIL("IVHD %u device entry %u [%#x, %#x] unit %u max %#x", i, j, d->first, d->last,
				     d->unit, u->max_devid);
			}
		}
		for (unsigned j = 0; j < u->nr_special; j++) {
			if (r->special[u->first_special + j].devid > u->max_devid) {
				FAIL("IVHD %u special beyond max devid", i);
			}
		}
	}
	for (unsigned i = 0; i < r->nr_ivmd; i++) {
		const struct acpi_ivmd *m = &r->ivmd[i];

		if (m->base > m->limit || (m->base & 0xfff) || ((m->limit + 1) & 0xfff) || m->first > m->last) {
			FAIL("IVMD %u [%#llx, %#llx]", i, (unsigned long long)m->base, (unsigned long long)m->limit);
		}
	}
}

static void check_info(const struct acpi_info *a)
{
	const struct acpi_dmar *d = &a->dmar;
	const struct acpi_iort *io = &a->iort;

	if (a->madt.nr_cpus > ACPI_MAX_CPUS || a->madt.nr_enabled > a->madt.nr_cpus ||
	    a->madt.nr_ioapics > ACPI_MAX_IOAPICS || a->madt.nr_gicr > ACPI_MAX_GICR || a->madt.nr_its > ACPI_MAX_ITS ||
	    a->nr_mcfg > ACPI_MAX_MCFG) {
		FAIL("MADT/MCFG counts out of range");
	}
	if (d->nr_drhd > ACPI_MAX_DRHD || d->nr_rmrr > ACPI_MAX_RMRR || d->nr_atsr > ACPI_MAX_ATSR ||
	    d->nr_scopes > ACPI_MAX_SCOPES) {
		FAIL("DMAR counts out of range");
	}
	for (unsigned i = 0; i < d->nr_drhd; i++) {
		check_slice("DRHD scopes", d->drhd[i].first_scope, d->drhd[i].nr_scopes, d->nr_scopes);
		if (hpa_val(d->drhd[i].base) & 0xfff) {
			FAIL("DRHD %u base %#llx not page aligned", i, (unsigned long long)hpa_val(d->drhd[i].base));
		}
	}
	for (unsigned i = 0; i < d->nr_rmrr; i++) {
		check_slice("RMRR scopes", d->rmrr[i].first_scope, d->rmrr[i].nr_scopes, d->nr_scopes);
		if (d->rmrr[i].base > d->rmrr[i].limit || (d->rmrr[i].base & 0xfff)) {
			FAIL("RMRR %u [%#llx, %#llx]", i, (unsigned long long)d->rmrr[i].base,
			     (unsigned long long)d->rmrr[i].limit);
		}
	}
	for (unsigned i = 0; i < d->nr_atsr; i++) {
		check_slice("ATSR scopes", d->atsr[i].first_scope, d->atsr[i].nr_scopes, d->nr_scopes);
	}
	for (unsigned i = 0; i < d->nr_scopes; i++) {
		if (d->scopes[i].path_len > ACPI_SCOPE_MAX_PATH) {
			FAIL("scope %u path length %u", i, d->scopes[i].path_len);
		}
	}
	check_ivrs(&a->ivrs);
	if (io->nr_its_groups > ACPI_MAX_IORT_ITS || io->nr_smmus > ACPI_MAX_IORT_SMMU ||
	    io->nr_rcs > ACPI_MAX_IORT_RC || io->nr_maps > ACPI_MAX_IORT_IDMAPS || io->nr_rmrs > ACPI_MAX_IORT_RMR ||
	    io->nr_rmr_ranges > ACPI_MAX_IORT_RMR_RANGES) {
		FAIL("IORT counts out of range");
	}
	for (unsigned i = 0; i < io->nr_its_groups; i++) {
		if (io->its_groups[i].nr_ids > ACPI_MAX_ITS) {
			FAIL("ITS group %u lists %u IDs", i, io->its_groups[i].nr_ids);
		}
	}
	for (unsigned i = 0; i < io->nr_smmus; i++) {
		check_slice("SMMU maps", io->smmus[i].first_map, io->smmus[i].nr_maps, io->nr_maps);
	}
	for (unsigned i = 0; i < io->nr_rcs; i++) {
		check_slice("RC maps", io->rcs[i].first_map, io->rcs[i].nr_maps, io->nr_maps);
	}
	for (unsigned i = 0; i < io->nr_rmrs; i++) {
		check_slice("RMR maps", io->rmrs[i].first_map, io->rmrs[i].nr_maps, io->nr_maps);
		check_slice("RMR ranges", io->rmrs[i].first_range, io->rmrs[i].nr_ranges, io->nr_rmr_ranges);
	}
}

/* The lookups the drivers make, over IDs taken from the tables themselves and from the input. */
static void check_lookups(const struct acpi_info *a, uint32_t salt)
{
	for (unsigned k = 0; k < 8; k++) {
		uint16_t seg = k < 4 ? 0 : (uint16_t)(salt >> 16);
		uint8_t bus = (uint8_t)(k * 37 + salt), devfn = (uint8_t)(salt >> 8) + (uint8_t)k;
		uint16_t rid = (uint16_t)(bus << 8 | devfn);
		const struct acpi_mcfg_seg *m = acpi_mcfg_find(a, seg, bus);
		struct acpi_iort_target t;
		int u = acpi_dmar_unit_for(a, seg, bus, devfn), r;
		hpa_t base;

		if (u < -1 || u >= (int)a->dmar.nr_drhd) {
			FAIL("acpi_dmar_unit_for gave %d of %u units", u, a->dmar.nr_drhd);
		}
		if (m != NULL && (m < a->mcfg || m >= a->mcfg + a->nr_mcfg || bus < m->start_bus || bus > m->end_bus)) {
			FAIL("acpi_mcfg_find gave a window that does not hold bus %u", bus);
		}
		for (unsigned to_its = 0; to_its < 2; to_its++) {
			r = acpi_iort_map_rid(a, seg, rid, to_its, &t);
			if (r != 0 && r != -ENOENT && r != -EINVAL) {
				FAIL("acpi_iort_map_rid: %d", r);
			}
			if (r == 0 && !(t.kind == ACPI_IORT_TARGET_SMMU && !to_its && t.index < a->iort.nr_smmus) &&
			    !(t.kind == ACPI_IORT_TARGET_ITS && t.index < a->iort.nr_its_groups)) {
				FAIL("acpi_iort_map_rid target kind %u index %u", t.kind, t.index);
			}
		}
		{
			struct acpi_ivrs_dev_info di;

			r = acpi_ivrs_lookup(a, seg, rid, &di);
			if (r != 0 && r != -ENOENT) {
				FAIL("acpi_ivrs_lookup: %d", r);
			}
			if (r == 0 && (di.unit >= a->ivrs.nr_ivhd || di.rid > a->ivrs.ivhd[di.unit].max_devid)) {
				FAIL("acpi_ivrs_lookup unit %u rid %#x", di.unit, di.rid);
			}
			for (unsigned i = 0; i <= a->ivrs.nr_ivmd; i++) {
				(void)acpi_ivmd_covers(a, i, rid);
			}
		}
		r = acpi_its_base(a, salt + k, &base);
		if (r != 0 && r != -ENOENT) {
			FAIL("acpi_its_base: %d", r);
		}
	}
	for (unsigned i = 0; i < a->iort.nr_rmrs; i++) {
		for (unsigned s = 0; s < a->iort.nr_smmus; s++) {
			(void)acpi_iort_rmr_covers(a, i, s, salt);
		}
	}
}

static struct acpi_info info, before;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *tables[ACPI_FZ_TABLES] = { 0 }, *booted[ACPI_FZ_TABLES] = { 0 };
	unsigned nt = 0, nx = 0;
	uint8_t rsdp[36], *xsdt;
	uint32_t salt = 0;

	hv_log_level = LOG_ERR; /* malformed tables are logged as warnings: expected here */
	memset(&info, 0, sizeof(info));
	while (size >= 3 && nt < ACPI_FZ_TABLES) {
		uint8_t flags = data[0];
		size_t n = (size_t)data[1] | ((size_t)data[2] << 8);

		data += 3;
		size -= 3;
		n = n < size ? n : size;
		/* 1. alone, exact size */
		tables[nt] = malloc(n ? n : 1);
		memcpy(tables[nt], data, n);
		if (!(flags & FZ_NO_LEN_FIX) && n >= 8) {
			put32(tables[nt] + 4, (uint32_t)n);
		}
		if (!(flags & FZ_NO_CSUM_FIX) && n >= 10) {
			fix_csum(tables[nt], n, 9);
		}
		before = info;
		{
			int r = acpi_parse_table(&info, tables[nt], n);

			if (r != 0 && r != -EINVAL && r != -ENOENT && r != -EEXIST) {
				FAIL("acpi_parse_table: %d", r);
			}
			if (r != 0 && memcmp(&before, &info, sizeof(info)) != 0) {
				FAIL("table %u refused with %d but the info changed", nt, r);
			}
		}
		check_info(&info);
		/* 2. the boot's copy: at least a header, its length field always the buffer's */
		if (!(flags & FZ_NOT_LISTED)) {
			size_t bn = n < ACPI_HDR ? ACPI_HDR : n;

			booted[nx] = calloc(1, bn);
			memcpy(booted[nx], tables[nt], n);
			put32(booted[nx] + 4, (uint32_t)bn);
			if (!(flags & FZ_NO_CSUM_FIX)) {
				fix_csum(booted[nx], bn, 9);
			}
			nx++;
		}
		for (size_t i = 0; i < n && i < 64; i++) {
			salt = salt * 31 + data[i];
		}
		data += n;
		size -= n;
		nt++;
	}
	check_lookups(&info, salt);

	xsdt = calloc(1, ACPI_HDR + 8 * (nx + 1));
	memcpy(xsdt, "XSDT", 4);
	put32(xsdt + 4, (uint32_t)(ACPI_HDR + 8 * (nx + 1)));
	xsdt[8] = 1;
	for (unsigned i = 0; i < nx; i++) {
		put64(xsdt + ACPI_HDR + 8 * i, (uint64_t)(uintptr_t)booted[i]);
	}
	/* the last entry stays 0: an empty slot acpi_init() must skip */
	fix_csum(xsdt, ACPI_HDR + 8 * (nx + 1), 9);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put32(rsdp + 20, sizeof(rsdp));
	put64(rsdp + 24, (uint64_t)(uintptr_t)xsdt);
	fix_csum(rsdp, 20, 8);
	fix_csum(rsdp, sizeof(rsdp), 32);
	if (acpi_init(&info, hpa((uint64_t)(uintptr_t)rsdp)) != 0 || !info.rsdp_ok || info.nr_tables != nx ||
	    info.nr_bad > nx) {
		FAIL("acpi_init over %u tables: rsdp_ok %d, %u tables, %u bad", nx, info.rsdp_ok, info.nr_tables,
		     info.nr_bad);
	}
	check_info(&info);
	check_lookups(&info, salt);

	free(xsdt);
	for (unsigned i = 0; i < nt; i++) {
		free(tables[i]);
	}
	for (unsigned i = 0; i < nx; i++) {
		free(booted[i]);
	}
	return 0;
}
