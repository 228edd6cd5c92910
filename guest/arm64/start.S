/* SPDX-License-Identifier: MIT */
/*
 * arm64 guest entry (docs/ARM64.md, "Guests"; docs/GUEST.md, "Initial state"): the hypervisor
 * starts us at EL1h at the image's first byte with SP_EL1 = end of the RAM region at GPA 0,
 * x0 = the arguments hv/guest.c passes (x0 = that region's size, as RDI on x86), the MMU off
 * (HCR_EL2.DC makes memory Normal write-back anyway), DAIF masked and FP/SIMD enabled.
 * Guest RAM starts zeroed, so .bss needs no clearing.
 *
 * We install EL1 vectors first: an exception the guest cannot handle (undefined instruction,
 * alignment, BRK from __builtin_trap) lands there and is reported to the hypervisor with
 * HVC #0xe1 (ARM64_HVC_GUEST_FAULT), which stops the guest and names ESR_EL1/ELR_EL1.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	adr	x9, guest_vectors
	msr	vbar_el1, x9
	isb
	mov	x9, sp
	and	x9, x9, #~15
	mov	sp, x9
	mov	x29, #0
	mov	x30, #0
	bl	guest_start
1:	udf	#0		/* guest_start never returns: EXIT does not come back */
	b	1b

/*
 * A vCPU the guest started with PSCI CPU_ON (guest_vcpu_start): x0 = the context id = its
 * number; PSCI gives no stack, so take guest_vcpu_stacks[x0 + 1] (each GUEST_SDK_VCPU_STACK =
 * 16 KiB, guest/guest.h), and install the vectors: EL1 state starts from reset on every vCPU.
 */
	.globl _start_secondary
_start_secondary:
	adr	x9, guest_vectors
	msr	vbar_el1, x9
	isb
	adrp	x9, guest_vcpu_stacks
	add	x9, x9, :lo12:guest_vcpu_stacks
	add	x10, x0, #1
	add	x9, x9, x10, lsl #14
	mov	sp, x9
	mov	x29, #0
	mov	x30, #0
	bl	guest_secondary
2:	udf	#0
	b	2b

/* 16 slots of 0x80 bytes, table 2 KiB aligned (VBAR_EL1 bits 10:0 are RES0). */
	.balign 2048
guest_vectors:
	.rept	16
	.balign	0x80
	hvc	#0xe1
	b	.
	.endr

	.section .note.GNU-stack, "", %progbits
