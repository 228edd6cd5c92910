/* SPDX-License-Identifier: MIT */
/*
 * Secondary CPU start-up: the real-mode trampoline and the 64-bit entry into the image
 * (docs/X86.md "CPUs"; Intel SDM vol. 3, 8.4 "Multiple-Processor (MP) Initialization",
 * 9.9 "Mode Switching", 9.8.5 "Initializing IA-32e Mode"; AMD APM vol. 2, 14.6 and 14.8).
 *
 * x86_trampoline_start..x86_trampoline_end is never run where it is linked: smp.c copies it
 * into the page boot/ reserved below 1 MiB (include/hv/bootinfo.h) and fills the parameters
 * at X86_TRAMP_PARAMS (trampoline.h). A startup IPI with vector VV starts the CPU in real
 * mode at CS:IP = VV00:0000, i.e. at the page's first byte. From there:
 *
 *   16-bit: CS base -> EBX (the page's address, kept in EBX to the end), LGDT of the
 *           trampoline's GDT (flat 32-bit code/data, 64-bit code; every descriptor has its
 *           accessed bit set so the CPU never writes to the page), CR0.PE on, CD/NW off
 *           (INIT leaves caching disabled: SDM table 9-1), far jump into 32-bit code;
 *   32-bit: CR4.PAE, CR3 = the PML4 copy in the page after this one (a CR3 load in 32-bit
 *           mode takes 32 bits, and the hypervisor's own PML4 may lie above 4 GiB),
 *           EFER = LME plus NXE as the boot CPU has it (our tables use the NX bit, reserved
 *           without NXE: SDM 4.5), CR0.PG on: IA-32e mode, compatibility mode; far jump to
 *           the 64-bit code segment;
 *   64-bit: CR3 = the hypervisor's own PML4, jump to x86_ap_entry64 in the image.
 *
 * The page is read-only and executable in the hypervisor's tables (arch/x86_64/paging.c);
 * nothing here writes to it or uses a stack, so CPUs may run it at the same time (a CPU that
 * answers late while the next one starts).
 *
 * x86_ap_entry64 (in the image): the CPU's own APIC ID from CPUID (leaf 0BH EDX, the x2APIC
 * ID, where leaf 0BH exists; else leaf 01H EBX[31:24]), looked up in x86_ap_boot[] for its
 * stack and per-CPU area; then x86_ap_main(percpu) on that stack. A CPU not in the table parks
 * with interrupts off.
 */
#include "trampoline.h"

#define CR0_PE	 0x00000001
#define CR0_NW	 0x20000000
#define CR0_CD	 0x40000000
#define CR0_PG	 0x80000000
#define CR4_PAE	 0x00000020
#define MSR_EFER 0xc0000080

#define TOFF(sym) ((sym) - x86_trampoline_start)

	.text
	.balign 16
	.globl x86_trampoline_start
x86_trampoline_start:
	.code16
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx
	lgdtl	X86_TRAMP_P_GDTR
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*X86_TRAMP_P_FAR32

	.org	x86_trampoline_start + X86_TRAMP_CODE32
	.code32
	movl	$X86_TRAMP_SEL_DATA, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	X86_TRAMP_P_PML4(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	X86_TRAMP_P_EFER(%ebx), %eax
	xorl	%edx, %edx
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0
	ljmpl	*X86_TRAMP_P_FAR64(%ebx)

	.org	x86_trampoline_start + X86_TRAMP_CODE64
	.code64
	movl	%ebx, %ebx		/* the upper half is undefined after the switch */
	movq	X86_TRAMP_P_CR3(%rbx), %rax
	movq	%rax, %cr3
	movq	X86_TRAMP_P_ENTRY(%rbx), %rax
	jmpq	*%rax

	.org	x86_trampoline_start + X86_TRAMP_PARAMS
	.globl x86_trampoline_end
x86_trampoline_end:

/* Runs in the image, on the hypervisor's page tables, with no stack yet. */
	.balign 16
	.globl x86_ap_entry64
x86_ap_entry64:
	xorl	%eax, %eax
	cpuid
	cmpl	$0xb, %eax
	jb	1f
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	testw	%bx, %bx		/* EBX[15:0] = 0: leaf 0BH not implemented */
	jz	1f
	movl	%edx, %edi
	jmp	2f
1:	movl	$1, %eax
	cpuid
	shrl	$24, %ebx
	movl	%ebx, %edi
2:	leaq	x86_ap_boot(%rip), %rsi
	movl	$X86_AP_BOOT_ENTRIES, %ecx
3:	cmpq	%rdi, X86_AP_BOOT_HW_ID(%rsi)
	jne	4f
	movq	X86_AP_BOOT_STACK(%rsi), %rax
	testq	%rax, %rax
	jz	4f
	movq	%rax, %rsp
	movq	X86_AP_BOOT_PERCPU(%rsi), %rdi
	xorl	%ebp, %ebp		/* ends the backtrace's frame chain */
	call	x86_ap_main		/* never returns */
	jmp	5f
4:	addq	$X86_AP_BOOT_SIZE, %rsi
	decl	%ecx
	jnz	3b
5:	cli
	hlt
	jmp	5b

	.section .note.GNU-stack, "", @progbits
