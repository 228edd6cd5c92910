/* SPDX-License-Identifier: MIT */
/*
 * arm64 guest CPUs (include/hv/vcpu.h on EL2): register values we program for a guest, the
 * saved guest context shared with vcpu_entry.S, and the pure exit decoder (vcpu_decode.c,
 * unit-tested on the host without system registers).
 *
 * The guest runs at EL1 (AArch64) under the non-VHE EL2 regime (HCR_EL2.E2H = 0). Register
 * fields: Arm ARM (DDI 0487) register descriptions HCR_EL2, VTCR_EL2, VTTBR_EL2, CPTR_EL2,
 * MDCR_EL2, CNTHCTL_EL2, HPFAR_EL2; exception entry/return: D1 ("The AArch64 Exception
 * Model"); stage-2 translation: D8 ("The AArch64 Virtual Memory System Architecture").
 * Function IDs: Arm SMC Calling Convention (DEN0028) and PSCI (DEN0022).
 */
#ifndef ARCH_ARM64_VCPU_H
#define ARCH_ARM64_VCPU_H

/* struct arm64_vcpu_ctx layout, shared with vcpu_entry.S (offsets in bytes). */
#define VCPU_CTX_X0 0
#define VCPU_CTX_SP_EL0 248
#define VCPU_CTX_ELR 256
#define VCPU_CTX_SPSR 264
#define VCPU_CTX_ESR 272
#define VCPU_CTX_FAR 280
#define VCPU_CTX_HPFAR 288
#define VCPU_CTX_HOST_SP 296
#define VCPU_CTX_FPCR 304
#define VCPU_CTX_FPSR 312
#define VCPU_CTX_V 320 /* q0..q31, 16 bytes each */
#define VCPU_CTX_SIZE (320 + 32 * 16)

#ifndef __ASSEMBLY__

#include <hv/bits.h>
#include <hv/types.h>

/*
 * HCR_EL2 while a guest runs:
 *   VM    stage-2 translation on (the guest's GPA IOASID table, D8 "Stage 2 translation").
 *   SWIO  set/way invalidate by the guest is done as clean+invalidate: it can never discard
 *         dirty lines holding the hypervisor's or another guest's data.
 *   FMO, IMO, AMO  physical FIQ/IRQ/SError go to EL2, never to the guest. IMO also makes
 *         the guest's ICC_* accesses use the virtual CPU interface (list registers, vgic_hw.c)
 *         and its ICC_SGI1R_EL1 writes trap (IHI 0069 12.2.22: SGI generation traps to EL2 when
 *         HCR_EL2.IMO is 1), which the vGIC turns into SGIs to its sibling vCPUs.
 *   DC    "default cacheable": with its own stage 1 off, the guest's accesses are Normal
 *         write-back instead of Device-nGnRnE, so guest code may make unaligned accesses and
 *         stays coherent with the hypervisor's cacheable copies of guest memory (hypercall
 *         requests). Cost: the guest cannot turn on its own stage-1 MMU (SCTLR_EL1.M is
 *         ignored while DC = 1). Documented in docs/ARM64.md, "Guests".
 *   TWI   WFI traps (when it would sleep: nothing pending for the vCPU): the vCPU sleeps in
 *         the generic loop (VCPU_EXIT_HALT) and its CPU may idle or wake it for an interrupt.
 *   TWE   WFE traps and is resumed at once (WFE may complete spuriously by definition).
 *   TSC   SMC traps: the guest gets no path to the firmware (PSCI is answered over HVC).
 *   TIDCP, TACR  implementation-defined registers and ACTLR_EL1 trap (and stop the guest).
 *   TSW   set/way cache maintenance traps: it acts on the physical cache (and stops the guest).
 *   RW    EL1 is AArch64.
 * Left 0: TGE (the firmware's value; it would send the guest's exceptions to EL2), E2H, HCD
 * (HVC is the hypercall), TVM/TRVM, API/APK (pointer authentication instructions trap: the
 * keys are not switched).
 */
#define HCR_EL2_VM BIT(0)
#define HCR_EL2_SWIO BIT(1)
#define HCR_EL2_FMO BIT(3)
#define HCR_EL2_IMO BIT(4)
#define HCR_EL2_AMO BIT(5)
#define HCR_EL2_DC BIT(12)
#define HCR_EL2_TWI BIT(13)
#define HCR_EL2_TWE BIT(14)
#define HCR_EL2_TSC BIT(19)
#define HCR_EL2_TIDCP BIT(20)
#define HCR_EL2_TACR BIT(21)
#define HCR_EL2_TSW BIT(22)
#define HCR_EL2_TGE BIT(27)
#define HCR_EL2_RW BIT(31)
#define HCR_EL2_GUEST                                                                        \
	(HCR_EL2_VM | HCR_EL2_SWIO | HCR_EL2_FMO | HCR_EL2_IMO | HCR_EL2_AMO | HCR_EL2_DC |  \
	 HCR_EL2_TWI | HCR_EL2_TWE | HCR_EL2_TSC | HCR_EL2_TIDCP | HCR_EL2_TACR | HCR_EL2_TSW | \
	 HCR_EL2_RW)

/* VTCR_EL2 (non-VHE) */
#define VTCR_EL2_T0SZ GENMASK(5, 0)
#define VTCR_EL2_SL0 GENMASK(7, 6)
# define VTCR_SL0_4K_LEVEL1 1 /* 4 KiB granule: walk starts at level 1 (3 levels) */
# define VTCR_SL0_4K_LEVEL0 2 /* ... at level 0 (4 levels) */
#define VTCR_EL2_IRGN0 GENMASK(9, 8)
#define VTCR_EL2_ORGN0 GENMASK(11, 10)
#define VTCR_EL2_SH0 GENMASK(13, 12)
#define VTCR_EL2_TG0 GENMASK(15, 14)
#define VTCR_EL2_PS GENMASK(18, 16)
#define VTCR_EL2_RES1 BIT(31)

/* VTTBR_EL2 */
#define VTTBR_BADDR GENMASK(47, 1)
#define VTTBR_VMID GENMASK(55, 48)

/*
 * CPTR_EL2 (non-VHE): TFP = 0, the guest uses FP/SIMD without a trap (the hypervisor is built
 * with -mgeneral-regs-only and never touches V0-V31/FPCR/FPSR; vcpu_entry.S switches them per
 * guest). TZ and TSM = 1: SVE and SME trap (their wider state is not switched) and stop the
 * guest. TTA = 1: trace registers trap. Bits 13, 9 and 7:0 are RES1.
 */
#define CPTR_EL2_TZ BIT(8)
#define CPTR_EL2_TFP BIT(10)
#define CPTR_EL2_TSM BIT(12)
#define CPTR_EL2_TTA BIT(20)
#define CPTR_EL2_RES1 (BIT(13) | BIT(9) | GENMASK(7, 0))
#define CPTR_EL2_GUEST (CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TSM | CPTR_EL2_TTA)

/* MDCR_EL2: debug, OS-lock, debug-ROM and PMU registers trap (and stop the guest); TDE = 0. */
#define MDCR_EL2_TPMCR BIT(5)
#define MDCR_EL2_TPM BIT(6)
#define MDCR_EL2_TDE BIT(8)
#define MDCR_EL2_TDA BIT(9)
#define MDCR_EL2_TDOSA BIT(10)
#define MDCR_EL2_TDRA BIT(11)

/* CNTHCTL_EL2 (non-VHE): EL1 may read the physical counter; the physical timer traps. */
#define CNTHCTL_EL1PCTEN BIT(0)
#define CNTHCTL_EL1PCEN BIT(1)

/* HPFAR_EL2.FIPA: bits 47:12 of the faulting IPA, at bits 43:4. */
#define HPFAR_FIPA GENMASK(43, 4)

/* ESR_EL2 ISS of a trapped WFx: TI bit 0 (1 = WFE), and of a trapped MSR/MRS (EC 0x18). */
#define ESR_ISS_WFX_TI BIT(0)
#define ESR_ISS_SYS_OP0 GENMASK(21, 20)
#define ESR_ISS_SYS_OP2 GENMASK(19, 17)
#define ESR_ISS_SYS_OP1 GENMASK(16, 14)
#define ESR_ISS_SYS_CRN GENMASK(13, 10)
#define ESR_ISS_SYS_RT GENMASK(9, 5)
#define ESR_ISS_SYS_CRM GENMASK(4, 1)
#define ESR_ISS_SYS_READ BIT(0)
#define ESR_ISS_HVC_IMM GENMASK(15, 0)
#define ESR_EC_SVE 0x19
#define ESR_EC_PAC 0x09
#define ESR_EC_SME 0x1d

/*
 * HVC immediate with which a guest reports an exception it cannot handle (the guest SDK's EL1
 * vectors use it): the guest is stopped and its EL1 syndrome reported. HVC #0 is SMCCC.
 */
#define ARM64_HVC_GUEST_FAULT 0xe1

/* Guest's first PSTATE: EL1h with D, A, I, F masked (SPSR_EL2 format, D1). */
#define VCPU_SPSR_INIT 0x3c5ULL

/*
 * SMCCC (DEN0028) and PSCI (DEN0022) function IDs the hypervisor answers over HVC #0. A fast
 * call has bit 31 set; bit 30 selects SMC64; bits 29:24 are the owner.
 */
#define SMCCC_FAST_CALL BIT(31)
#define SMCCC_VERSION 0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define PSCI_0_2_VERSION 0x84000000U
#define PSCI_0_2_CPU_OFF 0x84000002U
#define PSCI_0_2_CPU_ON_32 0x84000003U
#define PSCI_0_2_CPU_ON_64 0xC4000003U
#define PSCI_0_2_AFFINITY_INFO_32 0x84000004U
#define PSCI_0_2_AFFINITY_INFO_64 0xC4000004U
/* SMCCC: bit 30 of a function ID selects the SMC64 convention (64-bit arguments). */
#define SMCCC_SMC64 BIT(30)
#define PSCI_0_2_SYSTEM_OFF 0x84000008U
#define PSCI_0_2_SYSTEM_RESET 0x84000009U
#define PSCI_1_0_FEATURES 0x8400000AU
#define SMCCC_RET_NOT_SUPPORTED (-1LL)
#define SMCCC_VERSION_1_1 0x10001U
#define PSCI_VERSION_1_0 0x10000U
/* The IOASID range: IOASID_SMCCC_FN(call) = 0xC6000000 | call (include/ioasid/abi.h). */
#define VCPU_IOASID_FN_MASK 0xffff0000U
#define VCPU_IOASID_FN_BASE 0xc6000000U

/* The guest context: general registers, PC/PSTATE, syndrome of the last exit, FP/SIMD. */
struct arm64_vcpu_ctx {
	uint64_t x[31];
	uint64_t sp_el0;
	uint64_t elr; /* the guest's PC */
	uint64_t spsr;
	uint64_t esr; /* of the last exit */
	uint64_t far;
	uint64_t hpfar;
	uint64_t host_sp; /* the hypervisor's SP_EL0 while the guest runs */
	uint64_t fpcr;
	uint64_t fpsr;
	uint64_t v[64]; /* q0..q31 as pairs of 64-bit halves */
};
/* x[n] at 8 * n: the layout gpr.h's GPR_X2_X29 assumes */
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, x[2]) == 16 &&
		       __builtin_offsetof(struct arm64_vcpu_ctx, x[30]) == 240,
	       "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, sp_el0) == VCPU_CTX_SP_EL0, "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, elr) == VCPU_CTX_ELR, "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, esr) == VCPU_CTX_ESR, "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, hpfar) == VCPU_CTX_HPFAR, "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, host_sp) == VCPU_CTX_HOST_SP, "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, fpcr) == VCPU_CTX_FPCR, "ctx");
_Static_assert(__builtin_offsetof(struct arm64_vcpu_ctx, v) == VCPU_CTX_V, "ctx");
_Static_assert(sizeof(struct arm64_vcpu_ctx) == VCPU_CTX_SIZE, "ctx");

/* What to do with one exit (vcpu_decode.c). */
enum arm64_exit_action {
	ARM64_EXIT_RESUME = 1, /* run the guest again (x0 = result if set_x0; PC += 4 if skip) */
	ARM64_EXIT_HYPERCALL,  /* IOASID call: call/arg valid; x0 = result later */
	ARM64_EXIT_OFF,	       /* PSCI SYSTEM_OFF: the guest ended, status 0 */
	ARM64_EXIT_PSCI,       /* PSCI CPU_ON/CPU_OFF/AFFINITY_INFO: call = function ID; x0 = result later */
	ARM64_EXIT_STOP,       /* stop the guest: reason */
	ARM64_EXIT_HALT,       /* WFI: sleep until an interrupt is pending (PC += 4: skip) */
	ARM64_EXIT_MMIO,       /* access to the vGIC's frames: ipa, size, write, reg, sse, sf (skip) */
	ARM64_EXIT_SGI,	       /* write of ICC_SGI1R_EL1 from x<reg> (31: xzr) (skip) */
};

struct arm64_exit_decision {
	enum arm64_exit_action action;
	bool set_x0;
	bool skip;
	uint64_t x0;
	uint64_t call;
	uint64_t arg;
	/* ARM64_EXIT_MMIO (ESR_EL2 ISS with ISV = 1: SAS, SSE, SRT, SF, WnR) and ARM64_EXIT_SGI */
	uint64_t ipa;
	unsigned size;
	unsigned reg;
	bool write;
	bool sse;
	bool sf;
	char reason[96];
};

/*
 * Decide what an exit means. slot: the vector slot taken (ARM64_VEC_LOWER64 + 0..3 or
 * ARM64_VEC_LOWER32 + 0..3); esr/far/hpfar: the syndrome registers at the exit; x0/x1: the
 * guest's registers. Pure: no system registers, no state.
 */
void arm64_vcpu_decode(unsigned slot, uint64_t esr, uint64_t far, uint64_t hpfar, uint64_t x0, uint64_t x1,
		       struct arm64_exit_decision *d);
/* VTCR_EL2 for a stage-2 table of ia_bits (32..48) and the PS encoding parange; 0 if none. */
uint64_t arm64_vtcr(unsigned ia_bits, unsigned parange);
/* VTTBR_EL2 for a root table and an 8-bit VMID. */
uint64_t arm64_vttbr(hpa_t root, uint8_t vmid);

/* vcpu.c: the saved context of a created vCPU (for selftest=vcpu). */
struct vcpu;
const struct arm64_vcpu_ctx *arm64_vcpu_ctx(const struct vcpu *v);

/* vcpu_entry.S: run the guest until an exception from it; returns the vector slot taken. */
uint64_t arm64_vcpu_enter(struct arm64_vcpu_ctx *ctx);

#endif /* __ASSEMBLY__ */
#endif /* ARCH_ARM64_VCPU_H */
