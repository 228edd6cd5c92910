/* SPDX-License-Identifier: MIT */
/*
 * Guest entry (docs/GUEST.md, "Initial state"): the hypervisor starts us in 64-bit mode at the
 * image's first byte with RSP = end of the RAM region at GPA 0, RDI = its size in bytes,
 * interrupts disabled and identity paging. Keep RDI for guest_start(ram_size).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	call	guest_start
1:	ud2	/* guest_start never returns: EXIT does not come back */
	jmp	1b

/*
 * A vCPU the guest started (guest_vcpu_start, IOASID_CALL_VCPU_START): RSP = the top of its own
 * stack, RDI = its number. guest_secondary never returns.
 */
	.globl _start_secondary
_start_secondary:
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	call	guest_secondary
2:	ud2
	jmp	2b
	.section .note.GNU-stack, "", @progbits
