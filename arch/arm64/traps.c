// SPDX-License-Identifier: MIT
/*
 * EL2 exception handling: every exception that reaches our vectors (entry.S) lands in
 * arm64_exception(), on the CPU's own exception stack (SP_EL2). Expected and resumed:
 *   - an IRQ (slot 1): the GIC's kick SGI, taken in arm64_irq_window() (smp.c);
 *   - BRK #ARM64_BRK_SELFTEST, the self-tests' proof that our vectors are live (per CPU);
 *   - the semihosting HLT in arm64_semihost_exit() when no debugger/-semihosting answers it
 *     (an undefined instruction, EC 0), so arch_exit() can fall back to PSCI;
 *   - the SMC in arm64_psci_call() where no EL3 implements it (undefined too): the call
 *     returns PSCI NOT_SUPPORTED.
 * Anything else is a hypervisor bug: a readable register dump naming the CPU (ESR_EL2 decoded,
 * ELR_EL2, FAR_EL2, SPSR_EL2, x0-x30, SP) and arch_exit(HV_EXIT_EXCEPTION). A guest's exits
 * never come here (entry.S sends them to vcpu_entry.S while the CPU runs one).
 *
 * Field meanings: Arm ARM register descriptions ESR_EL2, SPSR_EL2 and FAR_EL2.
 */
#include <stdio.h>

#include <hv/arch.h>
#include <hv/exit.h>
#include <hv/image.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>

#include "arm64.h"

volatile uint64_t arm64_breakpoints_taken;
static uint64_t image_base;

static const char *const slot_name[16] = {
	"sync (EL2, SP_EL0)",   "IRQ (EL2, SP_EL0)",   "FIQ (EL2, SP_EL0)",
	"SError (EL2, SP_EL0)", "sync (EL2, SP_EL2)",  "IRQ (EL2, SP_EL2)",
	"FIQ (EL2, SP_EL2)",    "SError (EL2, SP_EL2)", "sync (lower EL, A64)",
	"IRQ (lower EL, A64)",  "FIQ (lower EL, A64)", "SError (lower EL, A64)",
	"sync (lower EL, A32)", "IRQ (lower EL, A32)", "FIQ (lower EL, A32)",
	"SError (lower EL, A32)",
};

void arm64_traps_init(hpa_t base)
{
	image_base = hpa_val(base);
	/* TPIDR_EL2 is this_cpu() already (smp_boot_cpu_init); no guest runs on it yet. */
	this_cpu()->arch.vcpu_ctx = 0;
}

static const char *ec_name(unsigned ec)
{
	switch (ec) {
	case ESR_EC_UNKNOWN:
		return "unknown reason / undefined instruction";
	case ESR_EC_WFX:
		return "trapped WFI/WFE";
	case ESR_EC_FP:
		return "trapped FP/SIMD access";
	case ESR_EC_ILLEGAL:
		return "illegal execution state";
	case ESR_EC_SVC64:
		return "SVC";
	case ESR_EC_HVC64:
		return "HVC";
	case ESR_EC_SMC64:
		return "SMC";
	case ESR_EC_SYSREG:
		return "trapped MSR/MRS/system instruction";
	case ESR_EC_IABT_LOW:
		return "instruction abort from a lower EL";
	case ESR_EC_IABT_CUR:
		return "instruction abort at EL2";
	case ESR_EC_PC_ALIGN:
		return "PC alignment fault";
	case ESR_EC_DABT_LOW:
		return "data abort from a lower EL";
	case ESR_EC_DABT_CUR:
		return "data abort at EL2";
	case ESR_EC_SP_ALIGN:
		return "SP alignment fault";
	case ESR_EC_SERROR:
		return "SError";
	case ESR_EC_BRK64:
		return "BRK instruction";
	default:
		return "other";
	}
}

/* Fault status code of an abort (ESR_EL2 ISS DFSC/IFSC), for the common cases. */
static void fsc_describe(unsigned fsc, char *buf, size_t size)
{
	static const char *const kind[] = { "address size", "translation", "access flag",
					    "permission" };

	if (fsc < 0x10) {
		snprintf(buf, size, "%s fault, level %u", kind[fsc >> 2], fsc & 3);
	} else if (fsc == 0x10) {
		snprintf(buf, size, "synchronous external abort");
	} else if (fsc == 0x21) {
		snprintf(buf, size, "alignment fault");
	} else if (fsc == 0x30) {
		snprintf(buf, size, "TLB conflict abort");
	} else {
		snprintf(buf, size, "fault status 0x%02x", fsc);
	}
}

static void dump_syndrome(const struct arm64_frame *f)
{
	unsigned ec = (unsigned)FIELD_GET(ESR_EC, f->esr);
	uint64_t iss = FIELD_GET(ESR_ISS, f->esr), imm;
	char fsc[48];

	pr_err("  ESR_EL2=%016llx EC=0x%02x (%s) IL=%u ISS=0x%07llx", (unsigned long long)f->esr,
	       ec, ec_name(ec), (unsigned)FIELD_GET(ESR_IL, f->esr), (unsigned long long)iss);
	switch (ec) {
	case ESR_EC_DABT_CUR:
	case ESR_EC_DABT_LOW:
		fsc_describe((unsigned)FIELD_GET(ESR_ISS_ABT_FSC, iss), fsc, sizeof(fsc));
		pr_err("  data abort: %s on %s%s%s", fsc,
		       (iss & ESR_ISS_ABT_WNR) ? "write" : "read",
		       (iss & ESR_ISS_ABT_S1PTW) ? " (stage-1 table walk)" : "",
		       (iss & ESR_ISS_ABT_EA) ? " (external abort)" : "");
		if (iss & ESR_ISS_ABT_ISV) {
			pr_err("  access: %u bytes, register x%u",
			       1u << FIELD_GET(ESR_ISS_ABT_SAS, iss),
			       (unsigned)FIELD_GET(ESR_ISS_ABT_SRT, iss));
		}
		break;
	case ESR_EC_IABT_CUR:
	case ESR_EC_IABT_LOW:
		fsc_describe((unsigned)FIELD_GET(ESR_ISS_ABT_FSC, iss), fsc, sizeof(fsc));
		pr_err("  instruction abort: %s", fsc);
		break;
	case ESR_EC_BRK64:
		/* __builtin_trap() is BRK #0x3e8 with gcc and BRK #1 with clang. */
		imm = FIELD_GET(ESR_ISS_BRK_IMM, iss);
		pr_err("  brk #0x%llx%s", (unsigned long long)imm,
		       (imm == 0x3e8 || imm == 1) ? " (__builtin_trap)" : "");
		break;
	default:
		break;
	}
	/* FAR_EL2 is only valid for aborts, alignment and watchpoint exceptions. */
	if (ec == ESR_EC_DABT_CUR || ec == ESR_EC_DABT_LOW || ec == ESR_EC_IABT_CUR ||
	    ec == ESR_EC_IABT_LOW || ec == ESR_EC_PC_ALIGN) {
		pr_err("  FAR_EL2=%016llx%s", (unsigned long long)f->far,
		       (iss & ESR_ISS_ABT_FNV) ? " (not valid: FnV)" : "");
	}
}

static void dump_frame(const struct arm64_frame *f, uint64_t slot)
{
	/*
	 * The interrupted SP: SP_EL0 for the hypervisor's normal state, SP_EL2 inside a handler;
	 * from a lower EL, SP_EL1 if it ran in EL1h (SPSR_EL2.M = 0b0101), else SP_EL0.
	 */
	uint64_t sp = f->sp_el0;

	if (slot >= ARM64_VEC_CUR_SPX && slot < ARM64_VEC_LOWER64) {
		sp = f->sp_elx;
	} else if (slot >= ARM64_VEC_LOWER64 && (f->spsr & SPSR_M) == SPSR_M_EL1H) {
		sp = read_sysreg(sp_el1);
	}

	pr_err("EXCEPTION %s on CPU %u (MPIDR 0x%llx)", slot_name[slot & 15], this_cpu()->id,
	       (unsigned long long)read_sysreg(mpidr_el1));
	dump_syndrome(f);
	pr_err("  ELR_EL2=%016llx (%s+0x%llx) SPSR_EL2=%016llx (M=0x%llx DAIF=%llx)", (unsigned long long)f->elr,
	       hv_image.elf, (unsigned long long)(f->elr - image_base), (unsigned long long)f->spsr,
	       (unsigned long long)FIELD_GET(SPSR_M, f->spsr), (unsigned long long)FIELD_GET(SPSR_DAIF, f->spsr));
	for (unsigned i = 0; i < 28; i += 4) {
		pr_err("  x%-2u=%016llx x%-2u=%016llx x%-2u=%016llx x%-2u=%016llx", i,
		       (unsigned long long)f->x[i], i + 1, (unsigned long long)f->x[i + 1], i + 2,
		       (unsigned long long)f->x[i + 2], i + 3, (unsigned long long)f->x[i + 3]);
	}
	pr_err("  x28=%016llx x29=%016llx x30=%016llx SP =%016llx",
	       (unsigned long long)f->x[28], (unsigned long long)f->x[29],
	       (unsigned long long)f->x[30], (unsigned long long)sp);
	pr_err("  TTBR0_EL2=%016llx VBAR_EL2=%016llx SCTLR_EL2=%016llx",
	       (unsigned long long)read_sysreg(ttbr0_el2),
	       (unsigned long long)read_sysreg(vbar_el2),
	       (unsigned long long)read_sysreg(sctlr_el2));
	pr_err("  symbolize: addr2line -f -e build/arm64%s/%s 0x%llx 0x%llx", hv_image.build_suffix, hv_image.elf,
	       (unsigned long long)(f->elr - image_base), (unsigned long long)(f->x[30] - image_base));
}

void arm64_exception(struct arm64_frame *f, uint64_t slot)
{
	unsigned ec = (unsigned)FIELD_GET(ESR_EC, f->esr);
	struct percpu *c = this_cpu();

	if (slot == ARM64_VEC_CUR_SP0 + 1) {
		arm64_irq(); /* IRQ while the hypervisor ran: only in arm64_irq_window() */
		return;
	}
	if (slot == ARM64_VEC_CUR_SP0 && ec == ESR_EC_BRK64 &&
	    FIELD_GET(ESR_ISS_BRK_IMM, f->esr) == ARM64_BRK_SELFTEST) {
		/* ELR_EL2 points at the BRK itself (preferred return address): skip it. */
		__atomic_fetch_add(&arm64_breakpoints_taken, 1, __ATOMIC_RELAXED);
		c->arch.nr_brk++;
		c->arch.last_brk_frame = (uint64_t)(uintptr_t)f;
		f->elr += 4;
		return;
	}
	if (ec == ESR_EC_UNKNOWN && f->elr == (uint64_t)(uintptr_t)arm64_semihost_insn) {
		/* No semihosting host: the HLT is undefined here. Resume after it. */
		f->elr += 4;
		return;
	}
	if (ec == ESR_EC_UNKNOWN && f->elr == (uint64_t)(uintptr_t)arm64_psci_insn) {
		/* No EL3: SMC is undefined at EL2 (Arm ARM "SMC"). PSCI is then not supported. */
		f->x[0] = (uint64_t)-1;
		f->elr += 4;
		return;
	}
	if (c->exception_depth++ > 0) {
		pr_err("EXCEPTION %s inside the exception handler on CPU %u: ESR_EL2=%016llx ELR_EL2=%016llx "
		       "FAR_EL2=%016llx",
		       slot_name[slot & 15], c->id, (unsigned long long)f->esr, (unsigned long long)f->elr,
		       (unsigned long long)f->far);
		arch_exit(HV_EXIT_EXCEPTION);
	}
	dump_frame(f, slot);
	arch_exit(HV_EXIT_EXCEPTION);
}
