/* SPDX-License-Identifier: MIT */
/*
 * arm64 parts of the guest SDK: the hypercall (HVC #0, SMCCC function ID IOASID_SMCCC_FN(call)
 * in w0, the request's GPA in x1, the result in x0; include/ioasid/abi.h, docs/ARM64.md; the
 * hypervisor preserves every other register, so only x0 is an output) and the arch checks the
 * shared test guests use.
 */
#ifndef GUEST_ARM64_GUEST_ARCH_H
#define GUEST_ARM64_GUEST_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <ioasid/abi.h>

/*
 * Call numbers are 16 bits in an SMCCC function ID. A larger number (only test guests make
 * them up) is sent as 0xffff, a number never assigned, so it gets -IOASID_ENOSYS as any
 * unknown call does on x86, instead of aliasing a real call through the mask.
 */
#define GUEST_ARM64_CALL_UNKNOWN 0xffffU

/* Interrupt numbers the SDK uses: GIC INTIDs: the EL1 virtual timer's PPI (CNTV, Arm ARM D11.2.4 / SBSA), SGIs 0-7 for IPIs, SPIs 48-79 for devices (guest/irq.h). */
#define GUEST_IRQ_TIMER	   27U
#define GUEST_IRQ_IPI_BASE 0U
#define GUEST_IRQ_DEV_BASE 48U

/*
 * Device registers the hypervisor emulates (the vGIC: docs/GUEST.md "Interrupts"): one LDR/STR
 * of a general register with a plain base address, so the trap carries a valid syndrome
 * (ESR_EL2.ISV = 1). The compiler may turn a volatile access into a post-indexed or paired
 * form, which has none and stops the guest.
 */
static inline uint32_t guest_mmio_read32(uint64_t addr)
{
	uint32_t v;

	__asm__ __volatile__("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void guest_mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ __volatile__("str %w0, [%1]" ::"rZ"(v), "r"(addr) : "memory");
}

static inline void guest_mmio_write8(uint64_t addr, uint8_t v)
{
	__asm__ __volatile__("strb %w0, [%1]" ::"rZ"(v), "r"(addr) : "memory");
}

static inline void guest_mmio_write16(uint64_t addr, uint16_t v)
{
	__asm__ __volatile__("strh %w0, [%1]" ::"rZ"(v), "r"(addr) : "memory");
}

static inline long hv_call(uint64_t call, uint64_t req_gpa)
{
	register uint64_t x0 __asm__("x0") = IOASID_SMCCC_FN(call <= 0xffffU ? call : GUEST_ARM64_CALL_UNKNOWN);
	register uint64_t x1 __asm__("x1") = req_gpa;

	__asm__ __volatile__("hvc #0" : "+r"(x0) : "r"(x1) : "memory");
	return (long)x0;
}

/* An instruction that does not exist (misbehaving test guests). */
static inline void guest_cpu_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

/* MPIDR_EL1 Aff0: the hypervisor gives vCPU k the affinity 0.0.0.k (VMPIDR_EL2). */
static inline unsigned guest_arch_vcpu_id(void)
{
	uint64_t m;

	__asm__ __volatile__("mrs %0, mpidr_el1" : "=r"(m));
	return (unsigned)(m & 0xff);
}

/* PSCI over HVC (DEN 0022): function ID in w0, arguments in x1..x3, result in x0. */
static inline long guest_psci(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ __volatile__("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (long)x0;
}

/*
 * PSCI CPU_ON (SMC64 function ID) for the vCPU with MPIDR Aff0 = vcpu, context id = its number;
 * the entry (_start_secondary) finds its stack from that number (PSCI sets no stack).
 */
static inline long guest_arch_vcpu_start(unsigned vcpu, uint64_t entry, uint64_t stack)
{
	(void)stack;
	return guest_psci(0xC4000003U, vcpu, entry, vcpu);
}

static inline long guest_arch_vcpu_off(void)
{
	return guest_psci(0x84000002U, 0, 0, 0); /* CPU_OFF: returns only when refused */
}

static inline void guest_illegal_instruction(void)
{
	__asm__ __volatile__("udf #0");
}

/*
 * The guest runs deprivileged, by facts of the architecture rather than values the hypervisor
 * chose to report (ID registers can be trapped and emulated from EL2, CurrentEL cannot: no
 * EL2 control traps it): CurrentEL reads EL1, and HVC, which is UNDEFINED where EL2 is not
 * implemented (Arm ARM, HVC), is answered, -IOASID_ENOSYS for a call number nobody assigned,
 * so an EL2 above this EL1 handled it.
 */
static inline bool guest_arch_deprivileged(void)
{
	uint64_t el;

	__asm__ __volatile__("mrs %0, CurrentEL" : "=r"(el));
	return ((el >> 2) & 3) == 1 && hv_call(0xfff0U, 0) == -IOASID_ENOSYS;
}

#endif /* GUEST_ARM64_GUEST_ARCH_H */
