// SPDX-License-Identifier: MIT
/*
 * x86_64 guests' physical layout (include/hv/guest.h): the virtual local APIC is driven through
 * x2APIC MSRs, not memory, so no guest-physical range is taken by virtual hardware.
 */
#include <hv/guest.h>

void guest_arch_gpa_hole(uint64_t *base, uint64_t *end)
{
	*base = 0;
	*end = 0;
}
