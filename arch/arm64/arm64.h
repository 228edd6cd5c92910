/* SPDX-License-Identifier: MIT */
/*
 * arm64 internals shared by the files in arch/arm64: system-register access, the EL2 registers
 * we program (fields under their register) and the exception frame built by entry.S.
 *
 * We run in the non-VHE EL2 translation regime (HCR_EL2.E2H = 0, as AAVMF leaves it), so
 * TCR_EL2 and the stage-1 descriptors use the single-VA-range formats (Arm ARM chapter D8, "The
 * AArch64 Virtual Memory System Architecture"). "Arm ARM" is the Arm Architecture Reference
 * Manual for A-profile, DDI 0487; registers are cited by name: each has its own description in
 * the "AArch64 System Register Descriptions" chapter, which is where the fields below come from.
 */
#ifndef ARCH_ARM64_H
#define ARCH_ARM64_H

/* Exception frame layout, shared with entry.S (offsets in bytes). */
#define ARM64_FRAME_X0 0
#define ARM64_FRAME_SP_EL0 248   /* the interrupted SP when the hypervisor ran on SP_EL0 */
#define ARM64_FRAME_SP_ELX 256   /* SP_EL2 before the frame was pushed */
#define ARM64_FRAME_ELR 264
#define ARM64_FRAME_SPSR 272
#define ARM64_FRAME_ESR 280
#define ARM64_FRAME_FAR 288
#define ARM64_FRAME_SIZE 304     /* multiple of 16: SP stays 16-byte aligned */

/* Which of the 16 vector slots was taken (VBAR_EL2 + 0x80 * slot; Arm ARM D1,
 * "Exception vectors"). */
#define ARM64_VEC_CUR_SP0 0      /* current EL, SP_EL0: the hypervisor's normal state */
#define ARM64_VEC_CUR_SPX 4      /* current EL, SP_ELx: an exception inside a handler */
#define ARM64_VEC_LOWER64 8      /* lower EL, AArch64 (guests; unused for now) */
#define ARM64_VEC_LOWER32 12     /* lower EL, AArch32 */

/* BRK immediate of the boot self-test's deliberate breakpoint ("HV"); __builtin_trap is 0x3e8. */
#define ARM64_BRK_SELFTEST 0x4856

/*
 * struct percpu (include/hv/percpu.h) as assembly reads it: arch.vcpu_ctx from the CPU's
 * struct percpu (TPIDR_EL2), and the start block from its struct percpu_arch (the PSCI context
 * id). Checked against the C layout in smp.c.
 */
#define ARM64_PERCPU_VCPU_CTX 72
#define ARM64_PCA_MAIR 8
#define ARM64_PCA_TCR 16
#define ARM64_PCA_TTBR0 24
#define ARM64_PCA_SCTLR 32
#define ARM64_PCA_VBAR 40
#define ARM64_PCA_HCR 48
#define ARM64_PCA_SP 56
#define ARM64_PCA_EXC_SP 64
#define ARM64_PCA_SELF 72

#ifndef __ASSEMBLY__

#include <hv/bits.h>
#include <hv/bootinfo.h>
#include <hv/compiler.h>
#include <hv/types.h>

#include "pgtable.h"

#define read_sysreg(r)                                                   \
	({                                                               \
		uint64_t v_;                                             \
		__asm__ __volatile__("mrs %0, " #r : "=r"(v_));          \
		v_;                                                      \
	})
#define write_sysreg(r, v) \
	__asm__ __volatile__("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")
#define isb() __asm__ __volatile__("isb" ::: "memory")
#define dsb(opt) __asm__ __volatile__("dsb " #opt ::: "memory")

/* CurrentEL */
#define ARM64_CURRENTEL_EL GENMASK(3, 2)

/* HCR_EL2 (the bits a guest uses are in vcpu.h) */
#define HCR_EL2_E2H BIT(34)
/*
 * IMO: physical IRQs are taken to EL2. Without it (and TGE = 0) they target EL1 and are never
 * taken while EL2 runs (Arm ARM D1, "Asynchronous exception routing"), so the hypervisor keeps
 * it set at all times: its own kick SGIs need it.
 */
#define HCR_EL2_HOST_IMO BIT(4)

/* MPIDR_EL1 affinity fields Aff3 (39:32) and Aff2..Aff0 (23:0), as the MADT's GICC spells them. */
#define MPIDR_AFFINITY 0xff00ffffffULL

/* SCTLR_EL2, non-VHE layout */
#define SCTLR_EL2_M BIT(0)      /* stage-1 MMU enable */
#define SCTLR_EL2_A BIT(1)      /* alignment checking */
#define SCTLR_EL2_C BIT(2)      /* data cacheability */
#define SCTLR_EL2_SA BIT(3)     /* SP alignment check */
#define SCTLR_EL2_I BIT(12)     /* instruction cacheability */
#define SCTLR_EL2_WXN BIT(19)   /* write implies execute-never */
#define SCTLR_EL2_EE BIT(25)    /* big-endian data */

/* TCR_EL2, non-VHE layout */
#define TCR_EL2_T0SZ GENMASK(5, 0)
#define TCR_EL2_IRGN0 GENMASK(9, 8)
# define TCR_RGN_WBWA 1
#define TCR_EL2_ORGN0 GENMASK(11, 10)
#define TCR_EL2_SH0 GENMASK(13, 12)
# define TCR_SH_INNER 3
#define TCR_EL2_TG0 GENMASK(15, 14)
# define TCR_TG0_4K 0
#define TCR_EL2_PS GENMASK(18, 16)
# define TCR_PS_48BIT 5
#define TCR_EL2_RES1 (BIT(31) | BIT(23))

/* ID_AA64MMFR0_EL1 */
#define ID_AA64MMFR0_PARANGE GENMASK(3, 0)

/*
 * MAIR_EL2: the attribute indexes our descriptors use. Normal memory is inner and
 * outer write-back, read- and write-allocate (0xff); device memory is nGnRE, the type Arm
 * recommends for peripherals: no gathering, no reordering, early write acknowledgement allowed
 * (Arm ARM B2, "Device memory"). The indexes MAIR_IDX_* are in pgtable.h.
 */
#define MAIR_ATTR_NORMAL_WB 0xffULL
#define MAIR_ATTR_DEVICE_NGNRE 0x04ULL
#define MAIR_EL2_VALUE                                   \
	((MAIR_ATTR_NORMAL_WB << (8 * MAIR_IDX_NORMAL)) | \
	 (MAIR_ATTR_DEVICE_NGNRE << (8 * MAIR_IDX_DEVICE)))

/* ESR_EL2 */
#define ESR_EC GENMASK(31, 26)
#define ESR_IL BIT(25)
#define ESR_ISS GENMASK(24, 0)
/* Exception classes we name in the dump */
# define ESR_EC_UNKNOWN 0x00
# define ESR_EC_WFX 0x01
# define ESR_EC_FP 0x07
# define ESR_EC_ILLEGAL 0x0e
# define ESR_EC_SVC64 0x15
# define ESR_EC_HVC64 0x16
# define ESR_EC_SMC64 0x17
# define ESR_EC_SYSREG 0x18
# define ESR_EC_IABT_LOW 0x20
# define ESR_EC_IABT_CUR 0x21
# define ESR_EC_PC_ALIGN 0x22
# define ESR_EC_DABT_LOW 0x24
# define ESR_EC_DABT_CUR 0x25
# define ESR_EC_SP_ALIGN 0x26
# define ESR_EC_SERROR 0x2f
# define ESR_EC_BRK64 0x3c
/* ISS of instruction/data aborts (ESR_EL2, "ISS encoding for an exception from a Data Abort") */
#define ESR_ISS_ABT_ISV BIT(24)
#define ESR_ISS_ABT_SAS GENMASK(23, 22)
#define ESR_ISS_ABT_SSE BIT(21)
#define ESR_ISS_ABT_SRT GENMASK(20, 16)
#define ESR_ISS_ABT_SF BIT(15)
#define ESR_ISS_ABT_FNV BIT(10)
#define ESR_ISS_ABT_EA BIT(9)
#define ESR_ISS_ABT_S1PTW BIT(7)
#define ESR_ISS_ABT_WNR BIT(6)
#define ESR_ISS_ABT_FSC GENMASK(5, 0)
/* ISS of BRK: the immediate */
#define ESR_ISS_BRK_IMM GENMASK(15, 0)

/* SPSR_EL2 */
#define SPSR_M GENMASK(3, 0)          /* AArch64 mode: EL and SP selection */
# define SPSR_M_EL1H 0x5
#define SPSR_DAIF GENMASK(9, 6)

/* PAR_EL1 after AT */
#define PAR_F BIT(0)
#define PAR_PA GENMASK(47, 12)
#define PAR_ATTR GENMASK(63, 56)      /* MAIR-format attributes of the translation */

/* CTR_EL0 */
#define CTR_DMINLINE GENMASK(19, 16)

/* The exception frame entry.S pushes; see the offsets above. */
struct arm64_frame {
	uint64_t x[31];
	uint64_t sp_el0;
	uint64_t sp_elx;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
	uint64_t pad;
};
/* x[n] at 8 * n: the layout gpr.h's GPR_X2_X29 assumes */
_Static_assert(__builtin_offsetof(struct arm64_frame, x[2]) == 16 && __builtin_offsetof(struct arm64_frame, x[30]) == 240,
	       "frame");
_Static_assert(__builtin_offsetof(struct arm64_frame, sp_el0) == ARM64_FRAME_SP_EL0, "frame");
_Static_assert(__builtin_offsetof(struct arm64_frame, elr) == ARM64_FRAME_ELR, "frame");
_Static_assert(__builtin_offsetof(struct arm64_frame, far) == ARM64_FRAME_FAR, "frame");
_Static_assert(sizeof(struct arm64_frame) == ARM64_FRAME_SIZE, "frame");

/* entry.S */
extern char arm64_vectors[];
extern char arm64_semihost_insn[];
void arm64_mmu_switch(uint64_t mair, uint64_t tcr, uint64_t ttbr0, uint64_t sctlr);
/* SYS_EXIT_EXTENDED through the semihosting HLT; returns only if semihosting is absent. */
void arm64_semihost_exit(uint64_t status);

/* smp_entry.S: a secondary CPU's first instruction (PSCI CPU_ON), and PSCI over SMC. */
extern char arm64_secondary_entry[], arm64_secondary_entry_end[];
extern char arm64_psci_insn[];
int64_t arm64_psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/*
 * smp.c: the GIC on this CPU (arch_init for the boot CPU, the secondary entry for the others),
 * the IRQ handler entry.S reaches through arm64_exception(), and a moment with IRQs unmasked
 * (PSTATE.I) in which a pending one is taken through our vectors.
 */
struct percpu;
void arm64_gic_cpu_init(struct percpu *c);
void arm64_irq(void);
void arm64_irq_window(void);
__noreturn void arm64_secondary_main(struct percpu *c);

/* traps.c */
void arm64_exception(struct arm64_frame *f, uint64_t slot);
void arm64_traps_init(hpa_t image_base);
extern volatile uint64_t arm64_breakpoints_taken;
/* The boot CPU's exception stack top (SP_EL2), for selftest=smp. */
extern uint64_t arm64_boot_exc_stack_top;
#define ARM64_EXC_STACK_SIZE (16 * 1024)
/*
 * arch.c: what arch_init found, for the log and the arch self-test (arch_selftest.c): the
 * firmware's TTBR0_EL2 and VBAR_EL2, a device page from the UEFI memory map that is not mapped
 * at boot (0 if none), and the console PL011's base (0 if none).
 */
extern uint64_t arm64_firmware_ttbr0, arm64_firmware_vbar, arm64_mmio_probe;
uint64_t arm64_console_base(void);

/* mmu.c */
int arm64_mmu_init(const struct bootinfo *bi);
void arm64_mmu_enable(void);
uint64_t arm64_mmu_root(void);
bool arm64_mmu_translate(uint64_t va, uint64_t *pa);
bool arm64_mmu_writable(uint64_t va);

#endif /* __ASSEMBLY__ */
#endif /* ARCH_ARM64_H */
