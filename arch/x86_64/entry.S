/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry stubs for all 256 IDT vectors (Intel SDM vol. 3, ch. 6).
 *
 * Each stub is X86_VECTOR_STUB_SIZE (16) bytes so the IDT set-up computes stub addresses
 * instead of needing a table of pointers (which would need load-time relocation). Vectors for
 * which the CPU pushes an error code (8, 10-14, 17, 21, 29, 30; SDM table 6-1) skip the dummy
 * push, so every frame has the same layout: struct x86_frame in arch/x86_64/x86.h.
 */

	.text
	.balign 16
	.globl x86_vectors
x86_vectors:
	vec = 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	x86_exception_common
	vec = vec + 1
	.endr

/*
 * Save all general registers, call x86_exception(frame) with the SysV ABI (DF clear, stack
 * 16-byte aligned: the CPU aligned RSP before pushing its 5 words, and 2 + 15 more words keep
 * the alignment), then restore and return if the handler returns (only #BP in the self-test).
 */
x86_exception_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	x86_exception
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

/*
 * x86_load_segments(): reload CS with a far return and the data segment registers after
 * lgdt, so nothing still refers to the firmware's descriptors.
 */
	.globl x86_load_segments
x86_load_segments:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	popq	%rax
	pushq	$0x08
	pushq	%rax
	lretq

	.section .note.GNU-stack, "", @progbits
