/* SPDX-License-Identifier: MIT */
/*
 * Guest entry and exit at EL2 (Arm ARM D1, "Exception entry" / "Exception return").
 *
 * arm64_vcpu_enter(ctx) saves the hypervisor's callee-saved registers and DAIF on its own stack
 * (SP_EL0, PSTATE.SP = 0: see entry.S), records that SP in ctx->host_sp, publishes ctx in
 * this CPU's percpu.arch.vcpu_ctx (reached through TPIDR_EL2, an EL2-only register the guest
 * cannot reach), loads the guest's FP/SIMD state,
 * SP_EL0, ELR_EL2/SPSR_EL2 and x0-x30, and ERETs into the guest.
 *
 * An exception from the guest (lower EL) lands in entry.S's lower-EL slots on SP_EL2 with the
 * guest's x0/x1 pushed; they branch to arm64_vcpu_exit with x0 = ctx, x1 = slot. We store the
 * guest's registers and syndrome into ctx, clear percpu.arch.vcpu_ctx, switch back to SP_EL0 = host_sp and
 * return from arm64_vcpu_enter with the slot number.
 *
 * The EL1 system registers are switched in C (vcpu.c) around this call: none of them affects
 * EL2 execution. FP/SIMD registers are switched here because C code of the hypervisor is built
 * with -mgeneral-regs-only and must not name them.
 */
#include "arm64.h"
#include "gpr.h"
#include "vcpu.h"

	.arch_extension fp
	.arch_extension simd
	.text

/* uint64_t arm64_vcpu_enter(struct arm64_vcpu_ctx *ctx) */
	.global arm64_vcpu_enter
	.type arm64_vcpu_enter, %function
arm64_vcpu_enter:
	stp	x29, x30, [sp, #-112]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mrs	x1, daif
	str	x1, [sp, #96]
	mov	x1, sp
	str	x1, [x0, #VCPU_CTX_HOST_SP]
	mrs	x1, tpidr_el2
	str	x0, [x1, #ARM64_PERCPU_VCPU_CTX]

	add	x1, x0, #VCPU_CTX_V
	ldp	q0, q1, [x1, #0]
	ldp	q2, q3, [x1, #32]
	ldp	q4, q5, [x1, #64]
	ldp	q6, q7, [x1, #96]
	ldp	q8, q9, [x1, #128]
	ldp	q10, q11, [x1, #160]
	ldp	q12, q13, [x1, #192]
	ldp	q14, q15, [x1, #224]
	ldp	q16, q17, [x1, #256]
	ldp	q18, q19, [x1, #288]
	ldp	q20, q21, [x1, #320]
	ldp	q22, q23, [x1, #352]
	ldp	q24, q25, [x1, #384]
	ldp	q26, q27, [x1, #416]
	ldp	q28, q29, [x1, #448]
	ldp	q30, q31, [x1, #480]
	ldp	x2, x3, [x0, #VCPU_CTX_FPCR]
	msr	fpcr, x2
	msr	fpsr, x3

	/*
	 * SP_EL0 is the hypervisor's current stack (PSTATE.SP = 0) and cannot be written while
	 * selected (MSR SP_EL0 is UNDEFINED then): move to SP_EL2 first. host_sp already holds
	 * our stack, and SP_EL2 is the idle exception stack the guest's exits will use.
	 */
	msr	spsel, #1
	ldr	x2, [x0, #VCPU_CTX_SP_EL0]
	msr	sp_el0, x2
	ldp	x2, x3, [x0, #VCPU_CTX_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3

	GPR_X2_X29 ldp, x0
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #VCPU_CTX_X0]
	eret
	/* Nothing after an ERET executes; stop straight-line speculation past it. */
	dsb	nsh
	isb
	.size arm64_vcpu_enter, . - arm64_vcpu_enter

/*
 * Reached from entry.S's lower-EL vector slots: x0 = ctx, x1 = slot, the guest's x0 and x1 at
 * [sp] (SP_EL2). Every other register still holds the guest's value.
 */
	.global arm64_vcpu_exit
	.type arm64_vcpu_exit, %function
arm64_vcpu_exit:
	GPR_X2_X29 stp, x0
	str	x30, [x0, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #VCPU_CTX_X0]

	mrs	x2, sp_el0
	str	x2, [x0, #VCPU_CTX_SP_EL0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #VCPU_CTX_ELR]
	mrs	x2, esr_el2
	mrs	x3, far_el2
	stp	x2, x3, [x0, #VCPU_CTX_ESR]
	mrs	x2, hpfar_el2
	str	x2, [x0, #VCPU_CTX_HPFAR]

	mrs	x2, fpcr
	mrs	x3, fpsr
	stp	x2, x3, [x0, #VCPU_CTX_FPCR]
	add	x2, x0, #VCPU_CTX_V
	stp	q0, q1, [x2, #0]
	stp	q2, q3, [x2, #32]
	stp	q4, q5, [x2, #64]
	stp	q6, q7, [x2, #96]
	stp	q8, q9, [x2, #128]
	stp	q10, q11, [x2, #160]
	stp	q12, q13, [x2, #192]
	stp	q14, q15, [x2, #224]
	stp	q16, q17, [x2, #256]
	stp	q18, q19, [x2, #288]
	stp	q20, q21, [x2, #320]
	stp	q22, q23, [x2, #352]
	stp	q24, q25, [x2, #384]
	stp	q26, q27, [x2, #416]
	stp	q28, q29, [x2, #448]
	stp	q30, q31, [x2, #480]

	mrs	x2, tpidr_el2
	str	xzr, [x2, #ARM64_PERCPU_VCPU_CTX]
	/* Back onto the hypervisor's stack: SP_EL0 = host_sp, then select SP_EL0. */
	ldr	x2, [x0, #VCPU_CTX_HOST_SP]
	msr	sp_el0, x2
	msr	spsel, #0
	mov	x0, x1
	ldr	x1, [sp, #96]
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #112
	/* The DAIF the hypervisor had (SError unmasked, IRQ/FIQ masked); entry masked all. */
	msr	daif, x1
	ret
	.size arm64_vcpu_exit, . - arm64_vcpu_exit

	.section .note.GNU-stack, "", %progbits
