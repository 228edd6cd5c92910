/* SPDX-License-Identifier: MIT */
/*
 * The guest SDK's interrupt entry points (guest/x86_64/irq.c builds the IDT from
 * guest_irq_stubs). One 16-byte-aligned stub per vector 0-255: vectors without a CPU-pushed
 * error code push a 0 (SDM vol. 3, 6.13: 8, 10-14, 17, 21, 29 and 30 have one), then each
 * pushes its vector and jumps to the common part, which saves the registers the C calling
 * convention lets guest_irq_entry(vector, frame) clobber (the SDK is built with
 * -mgeneral-regs-only, so no vector state), calls it with a 16-byte aligned stack and IRETQs.
 * Stack at isr_common (SDM 6.14.2): vector, error code, RIP, CS, RFLAGS, RSP, SS.
 */
	.text
	.altmacro

.macro ISR_STUB n
	.balign 16
isr_\n:
	.if !((\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
	pushq	$0
	.endif
	pushq	$\n
	jmp	isr_common
.endm

.macro ISR_ADDR n
	.quad	isr_\n
.endm

	.set	vec, 0
	.rept	256
	ISR_STUB %vec
	.set	vec, vec + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	72(%rsp), %rdi		/* the vector */
	leaq	72(%rsp), %rsi		/* vector, error, RIP, CS, ... */
	cld
	call	guest_irq_entry
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign	8
	.globl	guest_irq_stubs
guest_irq_stubs:
	.set	vec, 0
	.rept	256
	ISR_ADDR %vec
	.set	vec, vec + 1
	.endr
	.section .note.GNU-stack, "", @progbits
