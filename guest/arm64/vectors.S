/* SPDX-License-Identifier: MIT */
/*
 * The guest SDK's EL1 vector table with interrupts (guest/irq.h; guest/arm64/irq.c installs it in
 * guest_irq_init). 16 slots of 0x80 bytes (Arm ARM D1, "Exception vectors"); the SDK runs at
 * EL1h, so an IRQ arrives at "current EL with SP_ELx, IRQ" (0x280). Every other slot reports
 * the exception to the hypervisor with HVC #0xe1 as start.S's table does (the guest stops).
 *
 * The IRQ entry saves what the C dispatcher may clobber: x0-x18, x29, x30 (AAPCS64 caller-saved),
 * ELR_EL1/SPSR_EL1 (handlers run with interrupts masked, but save them all the same), and the
 * FP/SIMD registers with FPCR/FPSR (newlib's string functions use them), then calls
 * guest_irq_dispatch() and returns with ERET.
 */
#define FRAME_GPR  (24 * 8)
#define FRAME_SIMD (32 * 16 + 16)

	.text
	.balign 2048
	.globl guest_irq_vectors
guest_irq_vectors:
	.rept	5
	.balign	0x80
	hvc	#0xe1
	b	.
	.endr
	.balign	0x80		/* 0x280: current EL, SP_ELx, IRQ */
	b	guest_irq_entry
	.rept	10
	.balign	0x80
	hvc	#0xe1
	b	.
	.endr

guest_irq_entry:
	sub	sp, sp, #(FRAME_GPR + FRAME_SIMD)
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	stp	x30, x0, [sp, #160]
	str	x1, [sp, #176]
	add	x0, sp, #FRAME_GPR
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpcr
	mrs	x2, fpsr
	add	x0, x0, #512
	stp	x1, x2, [x0]
	bl	guest_irq_dispatch
	add	x0, sp, #(FRAME_GPR + 512)
	ldp	x1, x2, [x0]
	msr	fpcr, x1
	msr	fpsr, x2
	sub	x0, x0, #512
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	ldp	x30, x0, [sp, #160]
	ldr	x1, [sp, #176]
	msr	elr_el1, x0
	msr	spsr_el1, x1
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	add	sp, sp, #(FRAME_GPR + FRAME_SIMD)
	eret

	.section .note.GNU-stack, "", %progbits
