/* SPDX-License-Identifier: MIT */
/*
 * AMD SVM definitions (AMD64 Architecture Programmer's Manual vol. 2, rev. 3.42, ch. 15 and
 * appendix B "Layout of VMCB"). Only what arch/x86_64/svm*.c uses. The VMCB is overlaid with a
 * struct whose offsets are checked against appendix B tables B-1 and B-2.
 */
#ifndef ARCH_X86_64_SVM_H
#define ARCH_X86_64_SVM_H

#include <hv/bits.h>
#include <hv/types.h>

/* CPUID (APM vol. 3, appendix E) */
#define SVM_CPUID_EXT_ECX_SVM BIT(2)	 /* Fn8000_0001 ECX */
#define SVM_CPUID_FEATURES    0x8000000a /* EAX rev, EBX number of ASIDs, EDX features */
#define SVM_CPUID_EDX_NP      BIT(0)
#define SVM_CPUID_EDX_NRIPS   BIT(3)

/* MSRs (APM vol. 2, 15.30) */
#define SVM_MSR_VM_CR	    0xc0010114
#define SVM_VM_CR_SVMDIS    BIT(4)
#define SVM_MSR_VM_HSAVE_PA 0xc0010117
#define X86_EFER_SVME	    BIT(12)

/* Intercept vector 3 (offset 0x00c), APM table B-1 */
#define SVM_INTERCEPT_INTR	  BIT(0)
#define SVM_INTERCEPT_NMI	  BIT(1)
#define SVM_INTERCEPT_VINTR	  BIT(4)
#define SVM_INTERCEPT_SMI	  BIT(2)
#define SVM_INTERCEPT_INIT	  BIT(3)
#define SVM_INTERCEPT_CPUID	  BIT(18)
#define SVM_INTERCEPT_INVD	  BIT(22)
#define SVM_INTERCEPT_HLT	  BIT(24)
#define SVM_INTERCEPT_INVLPGA	  BIT(26)
#define SVM_INTERCEPT_IOIO	  BIT(27)
#define SVM_INTERCEPT_MSR	  BIT(28)
#define SVM_INTERCEPT_TASK_SWITCH BIT(29)
#define SVM_INTERCEPT_SHUTDOWN	  BIT(31)
/* Intercept vector 4 (offset 0x010) */
#define SVM_INTERCEPT_VMRUN   BIT(0)
#define SVM_INTERCEPT_VMMCALL BIT(1)
#define SVM_INTERCEPT_VMLOAD  BIT(2)
#define SVM_INTERCEPT_VMSAVE  BIT(3)
#define SVM_INTERCEPT_STGI    BIT(4)
#define SVM_INTERCEPT_CLGI    BIT(5)
#define SVM_INTERCEPT_SKINIT  BIT(6)
#define SVM_INTERCEPT_ICEBP   BIT(8)
#define SVM_INTERCEPT_WBINVD  BIT(9)
#define SVM_INTERCEPT_MONITOR BIT(10)
#define SVM_INTERCEPT_MWAIT   BIT(11)
#define SVM_INTERCEPT_XSETBV  BIT(13)

/* int_ctl (offset 0x060): virtual interrupt control, APM 15.21.1 and table B-1 */
#define SVM_INT_CTL_V_TPR	   GENMASK(3, 0) /* the guest's CR8 (TPR bits 7:4) */
#define SVM_INT_CTL_V_IRQ	   BIT(8)
#define SVM_INT_CTL_V_INTR_PRIO	   GENMASK(19, 16)
#define SVM_INT_CTL_V_IGN_TPR	   BIT(20)
#define SVM_INT_CTL_V_INTR_MASKING BIT(24)
/* int_state (offset 0x068): bit 0, the guest is in an interrupt shadow (STI, MOV SS) */
#define SVM_INT_STATE_SHADOW BIT(0)
/* event_inj / exit_int_info (offsets 0x0a8 / 0x088), APM 15.20 */
#define SVM_EVENT_VECTOR	 GENMASK(7, 0)
#define SVM_EVENT_TYPE_INTR	 (0ULL << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3ULL << 8)
#define SVM_EVENT_EV		 BIT(11) /* an error code in bits 63:32 */
#define SVM_EVENT_VALID		 BIT(31)
#define X86_RFLAGS_IF		 BIT(9)
/* nested_ctl (offset 0x090) */
#define SVM_NESTED_CTL_NP_ENABLE BIT(0)
/* tlb_control (offset 0x05c), APM 15.16.1 */
#define SVM_TLB_CONTROL_NOTHING	  0
#define SVM_TLB_CONTROL_FLUSH_ALL 1

/* Exit codes, APM appendix C */
#define SVM_EXIT_CR0_READ  0x000
#define SVM_EXIT_EXCP_BASE 0x040 /* + vector */
#define SVM_EXIT_INTR	   0x060
#define SVM_EXIT_NMI	   0x061
#define SVM_EXIT_SMI	   0x062
#define SVM_EXIT_INIT	   0x063
#define SVM_EXIT_VINTR	   0x064
#define SVM_EXIT_CPUID	   0x072
#define SVM_EXIT_HLT	   0x078
#define SVM_EXIT_IOIO	   0x07b
#define SVM_EXIT_MSR	   0x07c
#define SVM_EXIT_SHUTDOWN  0x07f
#define SVM_EXIT_VMRUN	   0x080
#define SVM_EXIT_VMMCALL   0x081
#define SVM_EXIT_NPF	   0x400
#define SVM_EXIT_INVALID   0xffffffffffffffffULL

/* Instruction lengths: TCG has no NRIP save (qemu-10.0 notes, sec. 4), so we know them. */
#define SVM_VMMCALL_LEN 3 /* 0f 01 d9 */
#define SVM_CPUID_LEN	2 /* 0f a2 */
#define SVM_HLT_LEN	1 /* f4 */
#define SVM_MSR_LEN	2 /* 0f 32 rdmsr, 0f 30 wrmsr */

/* Segment register in the save area: attrib packs descriptor bits 47:40 and 55:52 (B-2). */
struct svm_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};
#define SVM_SEG_ATTR_TYPE(t) ((uint16_t)(t))
#define SVM_SEG_ATTR_S	     BIT(4)
#define SVM_SEG_ATTR_P	     BIT(7)
#define SVM_SEG_ATTR_L	     BIT(9)
#define SVM_SEG_ATTR_DB	     BIT(10)
#define SVM_SEG_ATTR_G	     BIT(11)

struct svm_vmcb {
	/* control area, table B-1 */
	uint32_t intercept_cr;	/* 0x000: 15:0 reads, 31:16 writes */
	uint32_t intercept_dr;	/* 0x004 */
	uint32_t intercept_exc; /* 0x008: bit n = exception vector n */
	uint32_t intercept3;	/* 0x00c */
	uint32_t intercept4;	/* 0x010 */
	uint32_t intercept5;	/* 0x014 */
	uint8_t rsvd_018[0x03c - 0x018];
	uint16_t pause_filter_thresh; /* 0x03c */
	uint16_t pause_filter_count;  /* 0x03e */
	uint64_t iopm_base_pa;	      /* 0x040 */
	uint64_t msrpm_base_pa;	      /* 0x048 */
	uint64_t tsc_offset;	      /* 0x050 */
	uint32_t asid;		      /* 0x058 */
	uint8_t tlb_control;	      /* 0x05c */
	uint8_t rsvd_05d[3];
	uint64_t int_ctl;	/* 0x060 */
	uint64_t int_state;	/* 0x068 */
	uint64_t exit_code;	/* 0x070 */
	uint64_t exit_info1;	/* 0x078 */
	uint64_t exit_info2;	/* 0x080 */
	uint64_t exit_int_info; /* 0x088 */
	uint64_t nested_ctl;	/* 0x090 */
	uint64_t avic_bar;	/* 0x098 */
	uint64_t ghcb_pa;	/* 0x0a0 */
	uint64_t event_inj;	/* 0x0a8 */
	uint64_t nested_cr3;	/* 0x0b0 */
	uint64_t virt_ext;	/* 0x0b8 */
	uint32_t clean;		/* 0x0c0 */
	uint32_t rsvd_0c4;
	uint64_t next_rip; /* 0x0c8: never written under TCG (no NRIPS) */
	uint8_t insn_len;  /* 0x0d0 */
	uint8_t insn_bytes[15];
	uint8_t rsvd_0e0[0x400 - 0x0e0];
	/* state save area, table B-2 */
	struct svm_seg es, cs, ss, ds, fs, gs; /* 0x400 .. 0x45f */
	struct svm_seg gdtr, ldtr, idtr, tr;   /* 0x460 .. 0x49f */
	uint8_t rsvd_4a0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t rsvd_4cc;
	uint64_t efer; /* 0x4d0 */
	uint8_t rsvd_4d8[0x548 - 0x4d8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t rsvd_580[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint8_t rsvd_5e0[0x5f8 - 0x5e0];
	uint64_t rax;		 /* 0x5f8 */
	uint64_t star;		 /* 0x600 */
	uint64_t lstar;		 /* 0x608 */
	uint64_t cstar;		 /* 0x610 */
	uint64_t sfmask;	 /* 0x618 */
	uint64_t kernel_gs_base; /* 0x620 */
	uint64_t sysenter_cs;	 /* 0x628 */
	uint64_t sysenter_esp;	 /* 0x630 */
	uint64_t sysenter_eip;	 /* 0x638 */
	uint64_t cr2;		 /* 0x640 */
	uint8_t rsvd_648[0x668 - 0x648];
	uint64_t g_pat; /* 0x668 */
	uint8_t rsvd_670[0x1000 - 0x670];
} __attribute__((packed, aligned(4096)));

#define SVM_VMCB_ASSERT(field, off) _Static_assert(__builtin_offsetof(struct svm_vmcb, field) == (off), #field)
SVM_VMCB_ASSERT(intercept_exc, 0x008);
SVM_VMCB_ASSERT(intercept3, 0x00c);
SVM_VMCB_ASSERT(intercept4, 0x010);
SVM_VMCB_ASSERT(iopm_base_pa, 0x040);
SVM_VMCB_ASSERT(msrpm_base_pa, 0x048);
SVM_VMCB_ASSERT(asid, 0x058);
SVM_VMCB_ASSERT(tlb_control, 0x05c);
SVM_VMCB_ASSERT(int_ctl, 0x060);
SVM_VMCB_ASSERT(exit_code, 0x070);
SVM_VMCB_ASSERT(exit_info1, 0x078);
SVM_VMCB_ASSERT(exit_info2, 0x080);
SVM_VMCB_ASSERT(exit_int_info, 0x088);
SVM_VMCB_ASSERT(nested_ctl, 0x090);
SVM_VMCB_ASSERT(event_inj, 0x0a8);
SVM_VMCB_ASSERT(nested_cr3, 0x0b0);
SVM_VMCB_ASSERT(clean, 0x0c0);
SVM_VMCB_ASSERT(next_rip, 0x0c8);
SVM_VMCB_ASSERT(es, 0x400);
SVM_VMCB_ASSERT(cs, 0x410);
SVM_VMCB_ASSERT(gdtr, 0x460);
SVM_VMCB_ASSERT(idtr, 0x480);
SVM_VMCB_ASSERT(tr, 0x490);
SVM_VMCB_ASSERT(cpl, 0x4cb);
SVM_VMCB_ASSERT(efer, 0x4d0);
SVM_VMCB_ASSERT(cr4, 0x548);
SVM_VMCB_ASSERT(cr3, 0x550);
SVM_VMCB_ASSERT(cr0, 0x558);
SVM_VMCB_ASSERT(rflags, 0x570);
SVM_VMCB_ASSERT(rip, 0x578);
SVM_VMCB_ASSERT(rsp, 0x5d8);
SVM_VMCB_ASSERT(rax, 0x5f8);
SVM_VMCB_ASSERT(cr2, 0x640);
SVM_VMCB_ASSERT(g_pat, 0x668);
_Static_assert(sizeof(struct svm_vmcb) == 4096, "a VMCB is one page");

/* Guest registers the VMCB does not hold (RAX and RSP live in the save area). */
struct svm_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
/* Offsets used by svm_entry.S */
#define SVM_GPRS_RBX 0x00
#define SVM_GPRS_RCX 0x08
#define SVM_GPRS_RDX 0x10
#define SVM_GPRS_RSI 0x18
#define SVM_GPRS_RDI 0x20
#define SVM_GPRS_RBP 0x28
#define SVM_GPRS_R8  0x30
#define SVM_GPRS_R15 0x68
_Static_assert(__builtin_offsetof(struct svm_gprs, rsi) == 0x18, "svm_entry.S");
_Static_assert(__builtin_offsetof(struct svm_gprs, rdi) == 0x20, "svm_entry.S");
_Static_assert(__builtin_offsetof(struct svm_gprs, r8) == 0x30, "svm_entry.S");
_Static_assert(__builtin_offsetof(struct svm_gprs, r15) == 0x68, "svm_entry.S");

/*
 * svm_entry.S: save the host's VMSAVE state to host_save_pa, load the guest's GPRs, VMLOAD +
 * VMRUN the VMCB at vmcb_pa, and after #VMEXIT store the guest's GPRs and restore the host.
 */
void svm_vmrun(uint64_t vmcb_pa, struct svm_gprs *gprs, uint64_t host_save_pa);

#endif /* ARCH_X86_64_SVM_H */
