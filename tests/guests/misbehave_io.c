// SPDX-License-Identifier: MIT
/*
 * Test guest "misbehave_io": tries the isa-debug-exit port the hypervisor itself uses to end
 * the run. No I/O ports are assigned to guests: the hypervisor must stop the guest, and the
 * write must never reach the device (QEMU would exit with the guest's value).
 */
#include "guest/guest.h"

int guest_main(void)
{
	guest_printf("about to write port 0xf4\n");
	__asm__ __volatile__("outl %0, %1" ::"a"(0x10U), "Nd"((uint16_t)0xf4));
	guest_printf("still running after the port write\n");
	return 0;
}
