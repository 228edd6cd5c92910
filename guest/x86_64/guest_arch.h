/* SPDX-License-Identifier: MIT */
/*
 * x86_64 parts of the guest SDK: the hypercall (VMMCALL with rax = call, rdi = request GPA;
 * returns rax, 0 or -IOASID_E*) and the arch checks the shared test guests use.
 */
#ifndef GUEST_X86_64_GUEST_ARCH_H
#define GUEST_X86_64_GUEST_ARCH_H

#include <cpuid.h>
#include <stdbool.h>
#include <stdint.h>

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

/* The guest runs deprivileged: CPUID shows a hypervisor and does not offer SVM. */
static inline bool guest_arch_deprivileged(void)
{
	unsigned a, b, c, d, c2;

	__cpuid(1, a, b, c, d);
	__cpuid(0x80000001, a, b, c2, d);
	return (c & (1U << 31)) != 0 && (c2 & (1U << 2)) == 0;
}

#endif /* GUEST_X86_64_GUEST_ARCH_H */
