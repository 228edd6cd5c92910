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

/* Interrupt numbers the SDK uses: vectors: the LAPIC timer's LVT vector, 8 IPI vectors, 32 device vectors (guest/irq.h). */
#define GUEST_IRQ_TIMER	   0xECU
#define GUEST_IRQ_IPI_BASE 0xF0U
#define GUEST_IRQ_DEV_BASE 0x40U

static inline long hv_call(uint64_t call, uint64_t req_gpa)
{
	long ret;

	__asm__ __volatile__("vmmcall" : "=a"(ret) : "a"(call), "D"(req_gpa) : "memory");
	return ret;
}

/* An instruction that does not exist (misbehaving test guests). */
/* Model-specific registers (the guest's x2APIC lives there: guest/x86_64/irq.c, test guests). */
static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void guest_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* CPUID.01H:EBX[31:24]: the hypervisor reports the vCPU number as the initial APIC ID. */
static inline unsigned guest_arch_vcpu_id(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

/* Start vCPU `vcpu` at entry with RSP = stack and RDI = its number (IOASID_CALL_VCPU_START). */
static inline long guest_arch_vcpu_start(unsigned vcpu, uint64_t entry, uint64_t stack)
{
	struct ioasid_vcpu_start r = {
		.size = sizeof(r), .vcpu = vcpu, .entry_gpa = entry, .stack_gpa = stack, .arg = vcpu
	};

	return hv_call(IOASID_CALL_VCPU_START, (uint64_t)(uintptr_t)&r);
}

static inline long guest_arch_vcpu_off(void)
{
	return hv_call(IOASID_CALL_VCPU_OFF, 0);
}

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
