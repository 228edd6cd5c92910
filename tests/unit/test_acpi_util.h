/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the ACPI unit tests: load a captured table from tests/data/acpi, fix a
 * checksum after editing a table, and little-endian stores for building synthetic tables.
 */
#ifndef TESTS_UNIT_TEST_ACPI_UTIL_H
#define TESTS_UNIT_TEST_ACPI_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/acpi.h>

#ifndef ACPI_DATA_DIR
#define ACPI_DATA_DIR "tests/data/acpi"
#endif

/* Read tests/data/acpi/<name> into a malloc'd buffer with 64 spare bytes; NULL on failure. */
static inline uint8_t *load_table(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", ACPI_DATA_DIR, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "    cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 64);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static inline void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static inline void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}
static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Recompute the header checksum (byte 9) over the length in the header. */
static inline void fix_csum(uint8_t *t)
{
	t[9] = 0;
	t[9] = (uint8_t)(0 - acpi_checksum(t, rd32(t + 4)));
}

/* Start a synthetic table: header with signature, length and revision; checksum by fix_csum. */
static inline void make_hdr(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memset(t, 0, 36);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "IOASID", 6);
}

#endif /* TESTS_UNIT_TEST_ACPI_UTIL_H */
