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
struct vcpu_group;

/* The most vCPUs one guest has. */
#define VCPU_GROUP_MAX 16

struct vcpu {
	const char *name; /* the guest's name, for logs */
	uint32_t asid;	  /* address-space tag of this guest's translations, != 0 */
	unsigned index;	  /* the vCPU's number in its guest, 0 = boot vCPU (arm64: VMPIDR Aff0) */
	/*
	 * Set (atomically, by any CPU) when the vCPU must stop running: vcpu_arch_run() checks it
	 * before every entry and returns VCPU_EXIT_KICK; the setter then kicks the CPU running it
	 * (smp_kick) so a guest that never exits is interrupted.
	 */
	uint32_t stop_request;
	unsigned cpu;		   /* the physical CPU it runs on (pinned; 0 = the boot CPU) */
	struct vcpu_group *group;  /* the guest's vCPUs (virtual interrupt controller) */
	uint64_t nr_virqs;	   /* interrupts raised for it through virq_send (atomic) */
	struct vcpu_arch *arch;
};

/*
 * The vCPUs of one guest, made before any of them (hv/guest.c): what a virtual interrupt
 * controller needs to reach a sibling (arm64: the vGIC's distributor routes an SPI to any vCPU;
 * x86: an IPI names a destination APIC ID). vcpu[k]->index == k.
 */
struct vcpu_group {
	unsigned nr;
	struct vcpu *vcpu[VCPU_GROUP_MAX];
	void *arch; /* per-guest arch state (arm64: the vGIC distributor), vcpu_arch_group_create */
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
	VCPU_EXIT_KICK,		 /* stop_request was set; nothing of the guest's state changed */
	/*
	 * arm64: a PSCI call about vCPUs (CPU_ON, CPU_OFF, AFFINITY_INFO): call is the function
	 * ID, args[0..2] are x1..x3 (an SMC32 function's arguments already cut to 32 bits).
	 * Finish with vcpu_arch_hypercall_done() (result to x0); for
	 * CPU_OFF the vCPU must not run again until it is restarted with vcpu_arch_reset().
	 */
	VCPU_EXIT_PSCI,
	/*
	 * The guest waits for an interrupt (x86 HLT, arm64 WFI) and none is pending for it: the
	 * generic loop sleeps the CPU until vcpu_arch_wake_pending() or stop_request, then runs
	 * the vCPU again (past the instruction: the arch already advanced it).
	 */
	VCPU_EXIT_HALT,
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	uint64_t call; /* x86: RAX */
	uint64_t arg;  /* x86: RDI */
	uint64_t args[3]; /* VCPU_EXIT_PSCI: x1..x3 */
	char reason[96];
};

/*
 * On every physical CPU before a vCPU runs there (idempotent per CPU, safe on several CPUs at
 * once): enable the virtualisation extension and set up the CPU's own state for it (x86: EFER.SVME
 * and the VM_HSAVE_PA page; arm64: EL2 traps and the GIC's CPU interface). A vCPU may be
 * created on one CPU and run on another (its pinned CPU), but runs on one CPU at a time.
 */
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
/* Can a vCPU start at this guest-physical address (arm64: 4-byte aligned; x86: anywhere)? */
bool vcpu_arch_entry_ok(gpa_t entry);
/*
 * Put a created vCPU back to its initial state with a new entry (a secondary vCPU started by
 * the guest: x86 IOASID_CALL_VCPU_START, arm64 PSCI CPU_ON). Same nested table and ASID. Must
 * not run concurrently with vcpu_arch_run() of the same vCPU.
 */
int vcpu_arch_reset(struct vcpu *v, const struct vcpu_setup *s);
/* Run until a hypercall or a stop. 0 with *e filled, or a negative error (nothing ran). */
int vcpu_arch_run(struct vcpu *v, struct vcpu_exit *e);
/* Complete the hypercall *e returned: result register and the next instruction. */
void vcpu_arch_hypercall_done(struct vcpu *v, long result);
/* Log the guest's registers (after a stop). */
void vcpu_arch_dump(const struct vcpu *v);
void vcpu_arch_destroy(struct vcpu *v);

/*
 * Virtual interrupts (include/hv/virq.h; x86_64: arch/x86_64 virtual local APIC, arm64:
 * arch/arm64 virtual GICv3).
 *
 * The guest's shared interrupt state, before its first vcpu_arch_create (g->nr and g->vcpu[]
 * set, the vCPUs not created yet), and after the last vcpu_arch_destroy.
 */
int vcpu_arch_group_create(struct vcpu_group *g);
void vcpu_arch_group_destroy(struct vcpu_group *g);
/*
 * Make virq pending for v (x86: a vector of v's local APIC; arm64: an INTID, an SPI going to
 * the vCPU the guest's GICD_IROUTER names, v being any vCPU of the guest) and vcpu_kick() the
 * vCPU that must take it. Any CPU, any context (interrupt handlers too); never sleeps.
 * 0, -EINVAL (a number the controller does not have), or -EOPNOTSUPP.
 */
int vcpu_arch_virq_raise(struct vcpu *v, uint32_t virq);
/*
 * On v's CPU with interrupts masked, while v sleeps after VCPU_EXIT_HALT: true when v has an
 * interrupt to take now (its timer expired included). When false, the arch has armed whatever
 * wakes this CPU at v's next timer event, so arch_cpu_idle() returns then at the latest.
 */
bool vcpu_arch_wake_pending(struct vcpu *v);

#endif /* HV_VCPU_H */
