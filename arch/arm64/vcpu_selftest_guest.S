/* SPDX-License-Identifier: MIT */
/*
 * Tiny position-independent EL1 programs for selftest=vcpu (vcpu_selftest.c). They are data
 * to the hypervisor: vcpu_selftest.c copies the whole blob into a test guest's RAM and starts a
 * vCPU at one of the labels. They depend on nothing but the entry state of docs/ARM64.md
 * ("Guests"): x0 = arg0, SP_EL1 = stack top, MMU off, FP/SIMD enabled.
 *
 * The real test guests are C programs on the guest SDK; these exist so the vCPU layer (entry,
 * exit, decoding, register switching, stops) is proven on its own, before any SDK or
 * configuration is involved.
 */
#include "vcpu.h"

	.arch_extension fp
	.arch_extension simd
	.section .rodata.vcpu_selftest, "a"
	.balign 16
	.global arm64_vst_blob_start
arm64_vst_blob_start:

/*
 * "regs": PSCI VERSION and an unsupported PSCI call over HVC, then one IOASID hypercall with
 * known values in every register the hypervisor must preserve (x2-x18, x22-x30, d31,
 * TPIDR_EL1, SP_EL0), then checks them all. Ends with the EXIT call (33): x1 = 0 if every
 * check passed else the number of the first failed check, x2 = arg0 as received, x3 = the
 * PSCI version, x4 = the unsupported call's result, x5 = the initial SP, x6 = the IOASID
 * call's result.
 */
	.global arm64_vst_regs
arm64_vst_regs:
	mov	x19, x0
	mov	x27, sp
	movz	w0, #0x8400, lsl #16		/* PSCI_VERSION */
	hvc	#0
	mov	x20, x0
	movz	w0, #0x8400, lsl #16
	movk	w0, #0x9			/* PSCI SYSTEM_RESET: not offered */
	hvc	#0
	mov	x21, x0

	movz	x2, #0x5a5a
	movk	x2, #0x1234, lsl #32
	fmov	d31, x2
	msr	tpidr_el1, x2
	msr	sp_el0, x2
	.irp	n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 22, 23, 24, 25, 26, 28, 29, 30
	mov	x\n, #\n
	.endr
	movz	w0, #0xc600, lsl #16
	movk	w0, #7				/* IOASID_SMCCC_FN(ATTACH) */
	mov	x1, #0xabc
	hvc	#0
	.irp	n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 22, 23, 24, 25, 26, 28, 29, 30
	mov	x1, #\n
	cmp	x\n, #\n
	b.ne	1f
	.endr
	movz	x2, #0x5a5a
	movk	x2, #0x1234, lsl #32
	mov	x1, #100
	fmov	x3, d31
	cmp	x3, x2
	b.ne	1f
	mov	x1, #101
	mrs	x3, tpidr_el1
	cmp	x3, x2
	b.ne	1f
	mov	x1, #102
	mrs	x3, sp_el0
	cmp	x3, x2
	b.ne	1f
	mov	x1, #0
1:	mov	x6, x0
	mov	x2, x19
	mov	x3, x20
	mov	x4, x21
	mov	x5, x27
	movz	w0, #0xc600, lsl #16
	movk	w0, #33				/* IOASID_SMCCC_FN(EXIT) */
	hvc	#0
	/* EXIT never returns; if it did, spin on an undefined instruction. */
	udf	#1

/* "udf": an undefined instruction at the very first PC. */
	.global arm64_vst_udf
arm64_vst_udf:
	udf	#0

/* "unmapped": a load from IPA 0x80000000, outside the guest's RAM. */
	.global arm64_vst_unmapped
arm64_vst_unmapped:
	movz	x1, #0x8000, lsl #16
	ldr	x2, [x1]
	udf	#2

/* "smc": a secure monitor call (trapped by HCR_EL2.TSC). */
	.global arm64_vst_smc
arm64_vst_smc:
	smc	#0
	udf	#3

/* "wfi": waits for an interrupt (the vCPU halts: VCPU_EXIT_HALT). */
	.global arm64_vst_wfi
arm64_vst_wfi:
	wfi
	udf	#4

/* "off": WFE (resumed), PSCI FEATURES(SYSTEM_OFF) must be 0, then SYSTEM_OFF. */
	.global arm64_vst_off
arm64_vst_off:
	wfe
	movz	w0, #0x8400, lsl #16
	movk	w0, #0xa			/* PSCI_FEATURES */
	movz	w1, #0x8400, lsl #16
	movk	w1, #0x8			/* of SYSTEM_OFF */
	hvc	#0
	cbnz	x0, 2f
	movz	w0, #0x8400, lsl #16
	movk	w0, #0x8			/* SYSTEM_OFF */
	hvc	#0
2:	udf	#5

/*
 * "psci": the vCPU calls of a multi-vCPU guest. FEATURES(CPU_ON SMC64) must be 0, then
 * CPU_ON(target 1, entry arm64_vst_mpidr, context 0x77) and AFFINITY_INFO(1, level 0) reach the
 * hypervisor as VCPU_EXIT_PSCI; the results land in x0. Then CPU_OFF (SMC32), which must not
 * return (udf).
 */
	.global arm64_vst_psci
arm64_vst_psci:
	movz	w0, #0x8400, lsl #16
	movk	w0, #0xa			/* PSCI_FEATURES */
	movz	w1, #0xc400, lsl #16
	movk	w1, #0x3			/* of CPU_ON (SMC64) */
	hvc	#0
	mov	x19, x0
	movz	w0, #0xc400, lsl #16
	movk	w0, #0x3			/* CPU_ON (SMC64) */
	mov	x1, #1
	adr	x2, arm64_vst_mpidr
	mov	x3, #0x77
	hvc	#0
	mov	x20, x0
	movz	w0, #0xc400, lsl #16
	movk	w0, #0x4			/* AFFINITY_INFO (SMC64) */
	mov	x1, #1
	mov	x2, #0
	hvc	#0
	mov	x21, x0
	movz	w0, #0x8400, lsl #16
	movk	w0, #0x2			/* CPU_OFF */
	hvc	#0
	udf	#6

/* "mpidr": a secondary vCPU's entry: x5 = the context id, x6 = its MPIDR_EL1, then EXIT. */
	.global arm64_vst_mpidr
arm64_vst_mpidr:
	mov	x5, x0
	mrs	x6, mpidr_el1
	movz	w0, #0xc600, lsl #16
	movk	w0, #33				/* IOASID_SMCCC_FN(EXIT) */
	mov	x1, #0
	hvc	#0
	udf	#7

/* "spin": never exits by itself; only an interrupt (a kick) takes the CPU back. */
	.global arm64_vst_spin
arm64_vst_spin:
	add	x1, x1, #1
	b	arm64_vst_spin

	.balign 16
	.global arm64_vst_blob_end
arm64_vst_blob_end:

/* For the test: overwrite every FP/SIMD register, as a careless hypervisor could. */
	.text
	.global arm64_vst_clobber_fp
	.type arm64_vst_clobber_fp, %function
arm64_vst_clobber_fp:
	movi	v0.2d, #0
	.irp	n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	mov	v\n\().16b, v0.16b
	.endr
	ret
	.size arm64_vst_clobber_fp, . - arm64_vst_clobber_fp

	.section .note.GNU-stack, "", %progbits
