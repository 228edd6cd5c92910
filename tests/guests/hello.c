// SPDX-License-Identifier: MIT
/*
 * Test guest "hello": prints through the console hypercall, checks its own start-up state
 * (RAM size; runs deprivileged, by facts the hypervisor cannot fake: see runs_deprivileged),
 * the console's argument checks and an unknown call, and exits with status 0.
 */

#include "guest/test.h"

TEST(ram_size)
{
	EXPECT_TRUE(guest_ram_size >= (2U << 20));
	EXPECT_EQ(guest_ram_size & 0xfff, 0);
}

/*
 * Not CPUID: the hypervisor intercepts and emulates it, so a "hypervisor present" bit or a
 * missing SVM bit is only what it chose to write. Instead (guest/<arch>/guest_arch.h): the
 * arch's hypercall instruction is answered, which bare metal cannot do (x86 VMMCALL raises
 * #UD unless a VMM intercepts it; arm64 HVC is UNDEFINED without EL2), and on arm64 CurrentEL,
 * which EL2 cannot trap, reads EL1. What the guest cannot reach (ports, MSRs, memory outside
 * its RAM, the hypervisor's EL2 registers) stops it, so those are the misbehave_* guests' cases.
 */
TEST(runs_deprivileged)
{
	EXPECT_TRUE(guest_arch_deprivileged());
}

TEST(unknown_call_is_enosys)
{
	EXPECT_EQ(hv_call(999, 0), -IOASID_ENOSYS);
}

TEST(console_write_rejects_bad_buffer)
{
	struct ioasid_console_write r = { .size = sizeof(r), .length = 16, .buf_gpa = 0x7ff000000000ULL };

	EXPECT_EQ(hv_call(IOASID_CALL_CONSOLE_WRITE, gpa_of(&r)), -IOASID_EFAULT);
	r.buf_gpa = gpa_of("x");
	r.length = 1;
	r.flags = 1;
	EXPECT_EQ(hv_call(IOASID_CALL_CONSOLE_WRITE, gpa_of(&r)), -IOASID_EINVAL);
}

int guest_main(void)
{
	guest_printf("hello from a guest: %llu MiB of RAM, running at %p\n", (unsigned long long)(guest_ram_size >> 20),
		     (void *)guest_main);
	return guest_run_tests();
}
