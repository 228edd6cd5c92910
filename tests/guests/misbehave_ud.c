// SPDX-License-Identifier: MIT
/*
 * Test guest "misbehave_ud": prints, then executes an undefined instruction (x86 UD2, arm64
 * UDF). The hypervisor must stop this guest, dump its registers and keep running.
 */
#include "guest/guest.h"

int guest_main(void)
{
	guest_printf("about to execute ud2\n");
	guest_illegal_instruction();
	guest_printf("still running after ud2\n");
	return 0;
}
