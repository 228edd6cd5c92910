/* SPDX-License-Identifier: MIT */
/*
 * Secondary CPU entry and the PSCI call (Arm DEN0022 "Power State Coordination Interface").
 *
 * arm64_secondary_entry is the entry point the boot CPU gives PSCI CPU_ON (arch/arm64/smp.c).
 * PSCI starts the CPU at the caller's exception level, EL2, in AArch64 with the MMU and caches
 * off, every exception masked and x0 = the context id (DEN0022 6.4, "CPU_ON": "Entry state"):
 * our context id is the CPU's struct percpu_arch, whose start block (boot_*) holds the boot
 * CPU's EL2 regime. With the MMU off data accesses are Device-nGnRnE, i.e. to memory, not the
 * cache: arch_cpu_start() cleaned the block (and this code) to the point of coherency, and
 * nothing here writes memory before the MMU and caches are on.
 */
#include "arm64.h"

	.text

	.global arm64_secondary_entry
	.type arm64_secondary_entry, %function
	.balign 64
arm64_secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	/* The boot CPU's translation regime (arm64_mmu_enable), then the MMU on. */
	ldr	x1, [x19, #ARM64_PCA_MAIR]
	msr	mair_el2, x1
	ldr	x1, [x19, #ARM64_PCA_TCR]
	msr	tcr_el2, x1
	ldr	x1, [x19, #ARM64_PCA_TTBR0]
	msr	ttbr0_el2, x1
	isb
	/*
	 * TLB and instruction cache contents are UNKNOWN after reset until invalidated (Arm ARM
	 * D8, "TLB maintenance requirements"): this CPU's own, so non-shareable.
	 */
	tlbi	alle2
	ic	iallu
	dsb	nsh
	isb
	ldr	x1, [x19, #ARM64_PCA_SCTLR]
	msr	sctlr_el2, x1
	isb
	/* Instructions fetched before translation was on: discard them. */
	ic	iallu
	dsb	nsh
	isb
	/* This CPU's struct percpu (this_cpu()) before anything can trap, then our vectors. */
	ldr	x20, [x19, #ARM64_PCA_SELF]
	msr	tpidr_el2, x20
	ldr	x1, [x19, #ARM64_PCA_VBAR]
	msr	vbar_el2, x1
	ldr	x1, [x19, #ARM64_PCA_HCR]
	msr	hcr_el2, x1
	isb
	/*
	 * Stacks as on the boot CPU (arch.c traps_install): SP_EL2 = exception stack, the
	 * hypervisor on SP_EL0. SP_EL0 cannot be written while selected, so select SP_EL2 first.
	 */
	msr	spsel, #1
	ldr	x1, [x19, #ARM64_PCA_EXC_SP]
	mov	sp, x1
	ldr	x1, [x19, #ARM64_PCA_SP]
	msr	sp_el0, x1
	msr	spsel, #0
	isb
	mov	x29, #0
	mov	x30, #0
	mov	x0, x20
	bl	arm64_secondary_main
	/* arm64_secondary_main does not return. */
1:	wfi
	b	1b
	.global arm64_secondary_entry_end
arm64_secondary_entry_end:
	.size arm64_secondary_entry, . - arm64_secondary_entry

/*
 * int64_t arm64_psci_call(fn, a1, a2, a3): PSCI over SMC, the conduit at EL2 (HVC would come
 * back to us). SMC Calling Convention (DEN0028): result in x0, x0-x17 may be clobbered. Where
 * no EL3 answers, SMC is undefined at EL2: arm64_exception() recognises arm64_psci_insn, sets
 * x0 = NOT_SUPPORTED (-1) and resumes after it.
 */
	.global arm64_psci_call
	.global arm64_psci_insn
	.type arm64_psci_call, %function
arm64_psci_call:
arm64_psci_insn:
	smc	#0
	ret
	.size arm64_psci_call, . - arm64_psci_call

	.section .note.GNU-stack, "", %progbits
