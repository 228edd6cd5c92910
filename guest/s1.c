// SPDX-License-Identifier: MIT
/* Guest-owned stage-1 I/O page tables (guest/s1.h). */
#include <string.h>

#include "guest/guest.h"
#include "guest/s1.h"

#define S1_PAGE 4096ULL
#define S1_ADDR 0x000ffffffffff000ULL /* bits 51:12: next table or output address */
/* VT-d first-level = x86-64 paging (SDM 4.5): present, writable, user. */
#define FL_P  (1ULL << 0)
#define FL_RW (1ULL << 1)
#define FL_US (1ULL << 2)
/* VMSAv8-64 stage 1 (Arm ARM D8.3): valid+table / valid+page, AF, SH inner, AP[1], AP[2]. */
#define S1_TABLE  0x3ULL
#define S1_AF	  (1ULL << 10)
#define S1_SH_IN  (3ULL << 8)
#define S1_AP_EL0 (1ULL << 6)
#define S1_AP_RO  (1ULL << 7)

static uint64_t s1_in_bits(uint32_t fmt)
{
	return fmt == IOASID_FMT_VTD_FL ? 47 : 48;
}

static bool s1_present(const struct guest_s1 *t, uint64_t e)
{
	return t->fmt == IOASID_FMT_VTD_FL ? (e & FL_P) != 0 : (e & S1_TABLE) == S1_TABLE;
}

static uint64_t s1_table_entry(const struct guest_s1 *t, uint64_t gpa)
{
	return gpa | (t->fmt == IOASID_FMT_VTD_FL ? FL_P | FL_RW | FL_US : S1_TABLE);
}

uint64_t guest_s1_page(const struct guest_s1 *t, uint64_t gpa, uint32_t prot)
{
	if (t->fmt == IOASID_FMT_VTD_FL) {
		return gpa | FL_P | FL_US | ((prot & IOASID_PROT_WRITE) ? FL_RW : 0);
	}
	return gpa | S1_TABLE | S1_AF | S1_SH_IN | S1_AP_EL0 | ((prot & IOASID_PROT_WRITE) ? 0 : S1_AP_RO);
}

uint64_t *guest_s1_new_table(struct guest_s1 *t, uint64_t *entry)
{
	uint64_t *p;

	if (t->used >= t->pool_pages) {
		return NULL;
	}
	p = (uint64_t *)(void *)(t->pool + t->used++ * S1_PAGE);
	memset(p, 0, S1_PAGE);
	if (entry != NULL) {
		*entry = s1_table_entry(t, gpa_of(p));
	}
	return p;
}

int guest_s1_init(struct guest_s1 *t, uint32_t fmt, void *pool, size_t pool_bytes)
{
	if ((fmt != IOASID_FMT_VTD_FL && fmt != IOASID_FMT_ARM_S1) || ((uintptr_t)pool & (S1_PAGE - 1)) != 0) {
		return -IOASID_EINVAL;
	}
	*t = (struct guest_s1){ .fmt = fmt, .pool = pool, .pool_pages = pool_bytes / S1_PAGE };
	t->root = guest_s1_new_table(t, NULL);
	return t->root != NULL ? 0 : -IOASID_EINVAL;
}

uint64_t guest_s1_root_gpa(const struct guest_s1 *t)
{
	return gpa_of(t->root);
}

/* The entry of iova at level lvl (3 = root ... 0 = leaf), making tables on the way if make. */
static volatile uint64_t *s1_slot(struct guest_s1 *t, uint64_t iova, unsigned lvl, bool make)
{
	uint64_t *table = t->root;

	for (unsigned l = GUEST_S1_LEVELS - 1;; l--) {
		volatile uint64_t *e = &table[(iova >> (12 + 9 * l)) & 511];

		if (l == lvl) {
			return e;
		}
		if (!s1_present(t, *e)) {
			uint64_t v;

			if (!make || guest_s1_new_table(t, &v) == NULL) {
				return NULL;
			}
			*e = v;
		}
		table = (uint64_t *)(uintptr_t)(*e & S1_ADDR); /* identity-mapped guest RAM */
	}
}

volatile uint64_t *guest_s1_leaf(struct guest_s1 *t, uint64_t iova)
{
	return s1_slot(t, iova, 0, false);
}

volatile uint64_t *guest_s1_l2_entry(struct guest_s1 *t, uint64_t iova)
{
	return s1_slot(t, iova, 1, true);
}

static bool s1_range_ok(const struct guest_s1 *t, uint64_t iova, uint64_t len)
{
	return len != 0 && ((iova | len) & (S1_PAGE - 1)) == 0 && iova + len > iova &&
	       iova + len <= (1ULL << s1_in_bits(t->fmt));
}

int guest_s1_map(struct guest_s1 *t, uint64_t iova, uint64_t gpa, uint64_t len, uint32_t prot)
{
	if (!s1_range_ok(t, iova, len) || (gpa & (S1_PAGE - 1)) != 0 || prot == 0 ||
	    (prot & ~(IOASID_PROT_READ | IOASID_PROT_WRITE)) != 0) {
		return -IOASID_EINVAL;
	}
	for (uint64_t off = 0; off < len; off += S1_PAGE) {
		volatile uint64_t *e = s1_slot(t, iova + off, 0, true);

		if (e == NULL) {
			return -IOASID_ENOSPC;
		}
		*e = guest_s1_page(t, gpa + off, prot);
	}
	return 0;
}

int guest_s1_unmap(struct guest_s1 *t, uint64_t iova, uint64_t len)
{
	if (!s1_range_ok(t, iova, len)) {
		return -IOASID_EINVAL;
	}
	for (uint64_t off = 0; off < len; off += S1_PAGE) {
		volatile uint64_t *e = s1_slot(t, iova + off, 0, false);

		if (e != NULL) {
			*e = 0;
		}
	}
	return 0;
}

static long s1_invalidate(uint32_t ioasid, const struct ioasid_inv_entry *e)
{
	struct ioasid_invalidate r = { .ioasid = ioasid, .num_entries = 1, .entries_gpa = gpa_of(e) };

	return ioasid_invalidate(&r);
}

long guest_s1_invalidate(uint32_t ioasid, uint64_t iova, uint64_t len)
{
	struct ioasid_inv_entry e = { .type = IOASID_INV_RANGE, .addr = iova, .length = len };

	return s1_invalidate(ioasid, &e);
}

long guest_s1_invalidate_all(uint32_t ioasid)
{
	struct ioasid_inv_entry e = { .type = IOASID_INV_ALL };

	return s1_invalidate(ioasid, &e);
}

long guest_s1_invalidate_pasid(uint32_t ioasid, uint32_t dev_id, uint32_t pasid)
{
	struct ioasid_inv_entry e = { .type = IOASID_INV_PASID, .dev_id = dev_id, .pasid = pasid };

	return s1_invalidate(ioasid, &e);
}
