/* SPDX-License-Identifier: MIT */
/*
 * CPU virtualisation behind a small interface: hv/guest.c (arch-neutral) creates guests and
 * runs their virtual CPUs through these vcpu_arch_* hooks; arch/x86_64/svm.c implements them
 * with AMD SVM (a VMX backend could sit beside it). The arch handles the exits it can finish
 * by itself (CPUID, spurious interrupts) and returns to the caller only for a hypercall or
 * when the guest must stop.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <hv/types.h>

struct vcpu_arch;

struct vcpu {
	const char *name; /* the guest's name, for logs */
	uint32_t asid;	  /* address-space tag of this guest's translations, != 0 */
	struct vcpu_arch *arch;
};

/* Where and how the guest starts (docs/GUEST.md, "Initial state"). */
struct vcpu_setup {
	gpa_t entry;	   /* first instruction, 64-bit mode */
	gpa_t stack_top;   /* initial RSP */
	uint64_t arg0;	   /* first argument register (x86: RDI) */
	uint64_t arg1;	   /* second argument register (x86: RSI) */
	gpa_t page_tables; /* guest's own initial page tables (vcpu_arch_boot_tables) */
	hpa_t nested_root; /* root of the nested (stage-2) table for the CPU */
};

enum vcpu_exit_kind {
	VCPU_EXIT_HYPERCALL = 1, /* call/arg are valid; finish with vcpu_arch_hypercall_done() */
	VCPU_EXIT_STOP,		 /* the guest cannot continue; reason says why */
	VCPU_EXIT_OFF,		 /* the guest powered itself off (arm64: PSCI SYSTEM_OFF): status 0 */
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	uint64_t call; /* x86: RAX */
	uint64_t arg;  /* x86: RDI */
	char reason[96];
};

/* Once per physical CPU before any vCPU runs: enable the virtualisation extension. */
int vcpu_arch_cpu_init(void);
/*
 * The guest's initial page tables, to be placed at guest-physical address at: identity maps
 * of guest-physical space (x86: 4-level, 1 GiB pages, the low 512 GiB). Writes at most max
 * bytes to buf and returns the byte count, or a negative error.
 */
long vcpu_arch_boot_tables(gpa_t at, void *buf, size_t max);
/*
 * The format (an enum pt_format value, ioasid/pt.h) and input width of the nested table the
 * CPU walks: hv/guest.c builds it in the guest's GPA IOASID (x86: PT_FMT_VTD_FL, 47 bits;
 * arm64: PT_FMT_ARM_S2, 48 bits, the same format the SMMUv3 uses for the guest's devices).
 */
void vcpu_arch_nested_format(unsigned *fmt, unsigned *ia_bits);
int vcpu_arch_create(struct vcpu *v, const struct vcpu_setup *s);
/* Run until a hypercall or a stop. 0 with *e filled, or a negative error (nothing ran). */
int vcpu_arch_run(struct vcpu *v, struct vcpu_exit *e);
/* Complete the hypercall *e returned: result register and the next instruction. */
void vcpu_arch_hypercall_done(struct vcpu *v, long result);
/* Log the guest's registers (after a stop). */
void vcpu_arch_dump(const struct vcpu *v);
void vcpu_arch_destroy(struct vcpu *v);

#endif /* HV_VCPU_H */
