/* SPDX-License-Identifier: MIT */
/*
 * void svm_vmrun(uint64_t vmcb_pa, struct svm_gprs *gprs, uint64_t host_save_pa)
 *
 * One guest entry and exit (AMD APM vol. 2, 15.5 "VMRUN Instruction", 15.6 "#VMEXIT",
 * 15.5.2 and 15.20 "VMLOAD and VMSAVE"). VMRUN saves and restores only part of the host state
 * (RIP, RSP, RAX, CR0/3/4, EFER, RFLAGS, GDTR/IDTR, ES/CS/SS/DS) through VM_HSAVE_PA and loads
 * the matching guest part from the VMCB. The rest (FS, GS, TR, LDTR with their hidden state,
 * KernelGsBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) moves only with VMSAVE/VMLOAD, so:
 *     VMSAVE host area; CLGI; VMLOAD vmcb; VMRUN vmcb; VMSAVE vmcb; VMLOAD host area; STGI.
 * The host's TR (with the IST stacks for #DF/NMI) is therefore back before any host exception.
 * GIF is clear from CLGI until STGI so no interrupt or NMI is taken between the halves. The
 * host runs with IF=0 except across VMRUN..STGI: a physical interrupt that arrives while the
 * guest runs ends the run (#VMEXIT(INTR)) and is taken, counted and acknowledged at STGI
 * (arch/x86_64/irq.c), so it can never stay pending and starve a later guest. RAX holds the VMCB address across VMRUN: #VMEXIT restores the
 * host's RAX from the save area (15.6), which is that address.
 *
 * struct svm_gprs offsets (arch/x86_64/svm.h, checked there by _Static_assert):
 * rbx 0x00 rcx 0x08 rdx 0x10 rsi 0x18 rdi 0x20 rbp 0x28 r8 0x30 ... r15 0x68.
 */
	.text
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	/* callee-saved registers of the SysV ABI, then our two pointers */
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdx		/* 8(%rsp): host save area */
	pushq	%rsi		/* 0(%rsp): gprs */

	movq	%rdx, %rax
	vmsave	%rax
	clgi

	movq	%rdi, %rax	/* VMCB */
	movq	0x00(%rsi), %rbx
	movq	0x08(%rsi), %rcx
	movq	0x10(%rsi), %rdx
	movq	0x20(%rsi), %rdi
	movq	0x28(%rsi), %rbp
	movq	0x30(%rsi), %r8
	movq	0x38(%rsi), %r9
	movq	0x40(%rsi), %r10
	movq	0x48(%rsi), %r11
	movq	0x50(%rsi), %r12
	movq	0x58(%rsi), %r13
	movq	0x60(%rsi), %r14
	movq	0x68(%rsi), %r15
	movq	0x18(%rsi), %rsi

	vmload	%rax
	/*
	 * IF=1 across VMRUN (GIF is still 0, so nothing is taken here): with V_INTR_MASKING the
	 * host's IF decides whether a physical interrupt ends the guest's run (APM 15.21.1), and
	 * #VMEXIT restores this RFLAGS, so the interrupt is taken by our IDT at STGI below.
	 */
	sti
	vmrun	%rax
	vmsave	%rax

	pushq	%rsi		/* the guest's RSI */
	movq	8(%rsp), %rsi	/* gprs */
	movq	%rbx, 0x00(%rsi)
	movq	%rcx, 0x08(%rsi)
	movq	%rdx, 0x10(%rsi)
	movq	%rdi, 0x20(%rsi)
	movq	%rbp, 0x28(%rsi)
	movq	%r8, 0x30(%rsi)
	movq	%r9, 0x38(%rsi)
	movq	%r10, 0x40(%rsi)
	movq	%r11, 0x48(%rsi)
	movq	%r12, 0x50(%rsi)
	movq	%r13, 0x58(%rsi)
	movq	%r14, 0x60(%rsi)
	movq	%r15, 0x68(%rsi)
	popq	%rax
	movq	%rax, 0x18(%rsi)

	popq	%rsi		/* gprs (done) */
	popq	%rax		/* host save area */
	vmload	%rax
	stgi			/* pending NMIs and interrupts are taken here (cpu.c counts them) */
	cli

	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	cld
	ret
	.size svm_vmrun, . - svm_vmrun
	.section .note.GNU-stack, "", @progbits
