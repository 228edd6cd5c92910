/* SPDX-License-Identifier: MIT */
/*
 * Shared by the table parsers in drivers/acpi. Tables are read byte-wise through get16/32/64
 * (memcpy, so unaligned fields and host/target builds behave the same); every parser receives
 * a table whose header, length and checksum acpi_parse_table() has already validated, and must
 * itself bound each sub-structure by that length.
 */
#ifndef DRIVERS_ACPI_INTERNAL_H
#define DRIVERS_ACPI_INTERNAL_H

#include <string.h>

#include <hv/acpi.h>
#include <hv/errno.h>

/* ACPI 6.5 5.2.6: the system description table header. */
#define ACPI_HDR_SIG  0
#define ACPI_HDR_LEN  4
#define ACPI_HDR_REV  8
#define ACPI_HDR_CSUM 9
#define ACPI_HDR_SIZE 36

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* True if [off, off + need) lies inside [0, len) (no wrap: all values are 32-bit). */
static inline bool acpi_fits(uint32_t len, uint64_t off, uint64_t need)
{
	return off <= len && need <= len - off;
}

int acpi_parse_madt(struct acpi_info *info, const uint8_t *t, uint32_t len);
int acpi_parse_mcfg(struct acpi_info *info, const uint8_t *t, uint32_t len);
int acpi_parse_spcr(struct acpi_info *info, const uint8_t *t, uint32_t len);
int acpi_parse_gtdt(struct acpi_info *info, const uint8_t *t, uint32_t len);
int acpi_parse_dmar(struct acpi_info *info, const uint8_t *t, uint32_t len);
int acpi_parse_iort(struct acpi_info *info, const uint8_t *t, uint32_t len);
int acpi_parse_ivrs(struct acpi_info *info, const uint8_t *t, uint32_t len);

void acpi_log_dmar(const struct acpi_info *info);
void acpi_log_iort(const struct acpi_info *info);
void acpi_log_ivrs(const struct acpi_info *info);

#endif /* DRIVERS_ACPI_INTERNAL_H */
