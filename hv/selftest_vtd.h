/* SPDX-License-Identifier: MIT */
/* Shared by the VT-d self-tests (hv/selftest_vtd.c, hv/selftest_vtd_ir.c). */
#ifndef HV_SELFTEST_VTD_H
#define HV_SELFTEST_VTD_H

#include <hv/bootinfo.h>
#include <hv/types.h>

/* The DMAR table and the PCI functions (discovered or parsed now), DMAR scopes resolved. */
int st_platform(const struct bootinfo *bi);
/* The nth (0-based) edu function, memory decoding and bus mastering enabled. */
int vtd_find_edu(unsigned nth, uint16_t *bdf, hpa_t *bar0);

#endif /* HV_SELFTEST_VTD_H */
