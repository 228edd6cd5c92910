// SPDX-License-Identifier: MIT
/*
 * Test guest "misbehave_npf": writes to guest-physical 1 GiB, which is not its RAM (the
 * configuration gives it 16 MiB at 0). The boot page tables map it, the nested table does
 * not: the hypervisor must stop the guest with a nested page fault naming that address.
 */
#include "guest/guest.h"

int guest_main(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)0x40000000ULL;

	guest_printf("about to write to GPA 0x40000000\n");
	*p = 0x1234;
	guest_printf("still running after the write\n");
	return 0;
}
