// SPDX-License-Identifier: MIT
/*
 * Where is the console UART? On arm64 the firmware publishes ACPI, not a device tree, and the
 * Serial Port Console Redirection table (SPCR, Microsoft "Serial Port Console Redirection
 * Table" specification, rev. 2+) names it. This is a minimal, self-contained lookup used by
 * arch_init() before anything else exists (no heap, no page allocator, the firmware's identity
 * map still live): RSDP -> XSDT -> SPCR, with checksums, returning the base address of a
 * PL011-compatible UART in system memory space. The full ACPI parser lives in drivers/acpi.
 *
 * Table layouts: ACPI 6.5, 5.2.5 (RSDP), 5.2.6 (system description table header), 5.2.8
 * (XSDT), 5.2.3.2 (Generic Address Structure).
 */
#include <string.h>

#include <hv/mm.h>

#include "arm64.h"

#define ACPI_RSDP_XSDT_OFF 24         /* XsdtAddress, u64 */
#define ACPI_RSDP_REV_OFF 15          /* Revision: >= 2 has an XSDT */
#define ACPI_RSDP_LEN_OFF 20          /* Length of the extended RSDP */
#define ACPI_HDR_LEN_OFF 4            /* SDT header: Length, u32 */
#define ACPI_HDR_SIZE 36
#define ACPI_TABLE_MAX (1u << 20)     /* sanity bound on a table's length */

#define SPCR_IFTYPE_OFF 36            /* Interface Type (DBG2 serial subtypes) */
# define SPCR_IFTYPE_PL011 0x03       /* ARM PL011 UART */
# define SPCR_IFTYPE_SBSA_32 0x0d     /* ARM SBSA Generic UART, 32-bit access only */
# define SPCR_IFTYPE_SBSA 0x0e        /* ARM SBSA Generic UART (PL011 subset) */
#define SPCR_BASE_OFF 40              /* Base Address: a 12-byte Generic Address Structure */
# define GAS_SPACE_SYSMEM 0           /* GAS byte 0: address space id, system memory */
# define GAS_ADDR_OFF 4               /* GAS bytes 4..11: the address */
#define SPCR_MIN_LEN (SPCR_BASE_OFF + 12)

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++) {
		sum += p[i];
	}
	return sum == 0;
}

/* A system description table at pa, if its length is sane and its checksum adds up. */
static const uint8_t *sdt_at(uint64_t pa, uint32_t *len)
{
	const uint8_t *t = hpa_to_ptr(hpa(pa));

	if (pa == 0) {
		return NULL;
	}
	*len = get32(t + ACPI_HDR_LEN_OFF);
	if (*len < ACPI_HDR_SIZE || *len > ACPI_TABLE_MAX || !checksum_ok(t, *len)) {
		return NULL;
	}
	return t;
}

uint64_t arm64_spcr_uart_base(hpa_t rsdp)
{
	const uint8_t *r = hpa_to_ptr(rsdp);
	const uint8_t *xsdt, *spcr = NULL;
	uint32_t xlen, slen = 0, rlen;
	uint8_t type;

	if (hpa_val(rsdp) == 0 || memcmp(r, "RSD PTR ", 8) != 0 || r[ACPI_RSDP_REV_OFF] < 2) {
		return 0;
	}
	rlen = get32(r + ACPI_RSDP_LEN_OFF);
	if (rlen < ACPI_RSDP_XSDT_OFF + 8 || rlen > 256 || !checksum_ok(r, rlen)) {
		return 0;
	}
	xsdt = sdt_at(get64(r + ACPI_RSDP_XSDT_OFF), &xlen);
	if (xsdt == NULL || memcmp(xsdt, "XSDT", 4) != 0) {
		return 0;
	}
	for (uint32_t off = ACPI_HDR_SIZE; off + 8 <= xlen && spcr == NULL; off += 8) {
		const uint8_t *t = sdt_at(get64(xsdt + off), &slen);

		if (t != NULL && memcmp(t, "SPCR", 4) == 0 && slen >= SPCR_MIN_LEN) {
			spcr = t;
		}
	}
	if (spcr == NULL || spcr[SPCR_BASE_OFF] != GAS_SPACE_SYSMEM) {
		return 0;
	}
	type = spcr[SPCR_IFTYPE_OFF];
	if (type != SPCR_IFTYPE_PL011 && type != SPCR_IFTYPE_SBSA && type != SPCR_IFTYPE_SBSA_32) {
		return 0;
	}
	return get64(spcr + SPCR_BASE_OFF + GAS_ADDR_OFF);
}
