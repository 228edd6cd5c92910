// SPDX-License-Identifier: MIT
/*
 * Test guest "misbehave_ud": prints, then executes an undefined instruction (UD2). The
 * hypervisor must stop this guest with #UD, dump its registers and keep running.
 */
#include "guest/guest.h"

int guest_main(void)
{
	guest_printf("about to execute ud2\n");
	__asm__ __volatile__("ud2");
	guest_printf("still running after ud2\n");
	return 0;
}
