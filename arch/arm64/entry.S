/* SPDX-License-Identifier: MIT */
/*
 * arm64 low-level code: the EL2 exception vector table, the switch from the firmware's
 * translation tables to ours, and the two ways out (semihosting exit, PSCI over SMC).
 *
 * Stacks: arch_init() moves the hypervisor onto SP_EL0 (PSTATE.SP = 0) and points SP_EL2 at a
 * dedicated exception stack; each secondary CPU does the same with its own two (smp_entry.S). An exception taken to EL2 always selects SP_EL2 (Arm ARM D1,
 * "Stack pointer selection"), so a fault caused by a broken hypervisor stack still gets a
 * working stack for its register dump. Exceptions from the hypervisor arrive at the "current
 * EL with SP_EL0" slots; one raised inside a handler arrives at the "current EL with SP_ELx"
 * slots.
 */
#include "arm64.h"
#include "gpr.h"

	.text

/*
 * One vector slot: 0x80 bytes (32 instructions), 16 slots, table aligned to 2 KiB because
 * VBAR_EL2 bits [10:0] are RES0 (Arm ARM D1, "Exception vectors"). Each slot saves x0/x1 and
 * jumps to the common path with its slot number in x1.
 */
.macro VENTRY slot
	.balign 0x80
	sub	sp, sp, #ARM64_FRAME_SIZE
	stp	x0, x1, [sp, #ARM64_FRAME_X0]
	mov	x1, #\slot
	b	arm64_exc_common
.endm

/*
 * A lower-EL slot: an exception from a guest. TPIDR_EL2 is this CPU's struct percpu, whose
 * arch.vcpu_ctx names the running guest's context (vcpu_entry.S) and is 0 otherwise; with a
 * guest, its x0/x1 are pushed on SP_EL2 and arm64_vcpu_exit saves the rest. Without one (cannot
 * happen unless the hypervisor itself ERETs to a lower EL by mistake) the slot is reported like
 * any other exception.
 */
.macro VENTRY_LOWER slot
	.balign 0x80
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	cbz	x0, 1f
	ldr	x0, [x0, #ARM64_PERCPU_VCPU_CTX]
	cbz	x0, 1f
	mov	x1, #\slot
	b	arm64_vcpu_exit
1:	ldp	x0, x1, [sp], #16
	sub	sp, sp, #ARM64_FRAME_SIZE
	stp	x0, x1, [sp, #ARM64_FRAME_X0]
	mov	x1, #\slot
	b	arm64_exc_common
.endm

	.balign 2048
	.global arm64_vectors
arm64_vectors:
	VENTRY 0	/* current EL, SP_EL0: synchronous */
	VENTRY 1	/* IRQ */
	VENTRY 2	/* FIQ */
	VENTRY 3	/* SError */
	VENTRY 4	/* current EL, SP_ELx: synchronous */
	VENTRY 5
	VENTRY 6
	VENTRY 7
	VENTRY_LOWER 8	/* lower EL, AArch64 */
	VENTRY_LOWER 9
	VENTRY_LOWER 10
	VENTRY_LOWER 11
	VENTRY_LOWER 12	/* lower EL, AArch32 */
	VENTRY_LOWER 13
	VENTRY_LOWER 14
	VENTRY_LOWER 15

/*
 * Save every general-purpose register plus the exception syndrome into a struct arm64_frame
 * on SP_EL2, call arm64_exception(frame, slot), then restore (ELR_EL2 may have been advanced by
 * the handler, e.g. past a BRK) and ERET.
 */
arm64_exc_common:
	GPR_X2_X29 stp, sp
	mrs	x2, sp_el0
	stp	x30, x2, [sp, #240]
	add	x2, sp, #ARM64_FRAME_SIZE
	mrs	x3, elr_el2
	stp	x2, x3, [sp, #ARM64_FRAME_SP_ELX]
	mrs	x2, spsr_el2
	mrs	x3, esr_el2
	stp	x2, x3, [sp, #ARM64_FRAME_SPSR]
	mrs	x2, far_el2
	str	x2, [sp, #ARM64_FRAME_FAR]
	mov	x0, sp
	/* x29 still holds the interrupted frame pointer: gdb can unwind into the faulting code. */
	bl	arm64_exception

	ldr	x2, [sp, #ARM64_FRAME_ELR]
	ldr	x3, [sp, #ARM64_FRAME_SPSR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	GPR_X2_X29 ldp, sp
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp, #ARM64_FRAME_X0]
	add	sp, sp, #ARM64_FRAME_SIZE
	eret

/*
 * GNU-EFI 3.0.18's aarch64 crt0 applies the image's relocations and then calls _entry(image,
 * systab). Its library version of _entry calls InitializeLib() first, which pulls in libefi's
 * init.o and with it a second memset/memcpy that clash with newlib's. boot/ uses no libefi
 * helpers that need InitializeLib(), so our _entry goes straight to efi_main (linked objects
 * come before the libraries, so this definition wins).
 */
	.global _entry
_entry:
	b	efi_main

/*
 * void arm64_mmu_switch(mair, tcr, ttbr0, sctlr)
 *
 * Leave the firmware's EL2 stage-1 tables for ours. Changing TCR_EL2 (T0SZ, PS) and the tables
 * under a live MMU could let the TLB hold entries from both regimes at once; instead we turn
 * translation off, program the new regime, invalidate every EL2 TLB entry and turn it back on
 * (Arm ARM D8, "Translation table base address register" / "TLB maintenance requirements").
 * Both regimes identity-map this code, so execution continues across each SCTLR_EL2 write.
 * With SCTLR_EL2.M = 0 data accesses are Device-nGnRnE: the sequence touches no memory. The
 * tables were written through the cache; the walker's accesses are cacheable (TCR IRGN0/ORGN0
 * = WBWA, inner shareable), so the DSB ISH making them visible is enough, no cache clean.
 */
	.global arm64_mmu_switch
arm64_mmu_switch:
	dsb	ish
	mrs	x4, sctlr_el2
	bic	x4, x4, #1		/* SCTLR_EL2.M */
	msr	sctlr_el2, x4
	isb
	msr	mair_el2, x0
	msr	tcr_el2, x1
	msr	ttbr0_el2, x2
	isb
	tlbi	alle2
	dsb	ish
	isb
	msr	sctlr_el2, x3
	isb
	/* Instructions fetched under the old regime: discard them (PoU invalidate). */
	ic	iallu
	dsb	ish
	isb
	ret

/*
 * void arm64_semihost_exit(status)
 *
 * Semihosting SYS_EXIT_EXTENDED (0x20): x1 points to { ADP_Stopped_ApplicationExit, status }
 * and the A64 semihosting trap is HLT #0xF000 (Arm "Semihosting for AArch32 and AArch64":
 * "The semihosting interface" and "SYS_EXIT_EXTENDED"). QEMU run with -semihosting then exits
 * with that status. Without a debugger or -semihosting the HLT is an undefined instruction:
 * arm64_exception() recognises the address arm64_semihost_insn, skips it and we return to try
 * PSCI instead.
 */
	.global arm64_semihost_exit
	.global arm64_semihost_insn
arm64_semihost_exit:
	sub	sp, sp, #16
	mov	x2, #0x0026
	movk	x2, #0x2, lsl #16	/* ADP_Stopped_ApplicationExit = 0x20026 */
	stp	x2, x0, [sp]
	mov	x1, sp
	mov	x0, #0x20		/* SYS_EXIT_EXTENDED */
arm64_semihost_insn:
	hlt	#0xf000
	add	sp, sp, #16
	ret

	.section .note.GNU-stack, "", %progbits
