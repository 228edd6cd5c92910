/* SPDX-License-Identifier: MIT */
/*
 * x86_64 parts of the guest SDK: the hypercall (VMMCALL with rax = call, rdi = request GPA;
 * returns rax, 0 or -IOASID_E*) and the arch checks the shared test guests use.
 */
#ifndef GUEST_X86_64_GUEST_ARCH_H
#define GUEST_X86_64_GUEST_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <ioasid/abi.h>

static inline long hv_call(uint64_t call, uint64_t req_gpa)
{
	long ret;

	__asm__ __volatile__("vmmcall" : "=a"(ret) : "a"(call), "D"(req_gpa) : "memory");
	return ret;
}

/* An instruction that does not exist (misbehaving test guests). */
static inline void guest_illegal_instruction(void)
{
	__asm__ __volatile__("ud2");
}

/*
 * The guest runs under a hypervisor, by a fact of the instruction set rather than a value the
 * hypervisor chose to report (CPUID is intercepted and emulated, so its "hypervisor present"
 * bit and its SVM bit say only what the hypervisor wrote there): VMMCALL "unconditionally
 * raises #UD" unless a VMM intercepts it (AMD APM vol. 3, VMMCALL; Intel CPUs raise #UD for it
 * too). A VMMCALL that comes back with -IOASID_ENOSYS for a call number nobody assigned was
 * therefore answered by something above the guest's ring 0; on bare metal this guest, which
 * has no IDT, would not come back from it at all.
 */
static inline bool guest_arch_deprivileged(void)
{
	return hv_call(0xfff0U, 0) == -IOASID_ENOSYS;
}

#endif /* GUEST_X86_64_GUEST_ARCH_H */
