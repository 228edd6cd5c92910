// SPDX-License-Identifier: MIT
/*
 * Pure parts of the arm64 vCPU: what an exit from a guest means, and the stage-2 register
 * values. No system registers here, so tests/unit/test_arm64_vcpu.c runs it on the host.
 *
 * Exits (ESR_EL2.EC, Arm ARM D1 "Exception classes" and the ESR_EL2 description):
 *   HVC64 #0, w0 = IOASID_SMCCC_FN(call)   -> hypercall (call, x1); the result goes to x0
 *   HVC64 #0, SMCCC/PSCI VERSION, FEATURES -> answered here, the guest continues
 *   HVC64 #0, PSCI SYSTEM_OFF              -> the guest ended with status 0
 *   HVC64 #0, PSCI CPU_ON, CPU_OFF,        -> VCPU_EXIT_PSCI (call = function ID, SMC32 and
 *             AFFINITY_INFO                   SMC64): the generic code (hv/guest.c) owns the
 *                                             guest's vCPUs and answers; the result goes to x0
 *   HVC64 #0, any other function ID        -> x0 = NOT_SUPPORTED (-1), as SMCCC requires
 *   HVC #0xe1 (ARM64_HVC_GUEST_FAULT)      -> stop: the guest SDK's EL1 vectors report an
 *                                             exception the guest could not handle
 *   HVC #imm, any other imm != 0           -> x0 = NOT_SUPPORTED (not the SMCCC conduit)
 *   WFE                                    -> resumed after it
 *   WFI (trapped: nothing pending)         -> HALT: the vCPU sleeps until an interrupt is pending
 *   stage-2 data abort in the vGIC frames  -> MMIO: emulated (vgic_mmio.c) when the syndrome is
 *     (GUEST_VGIC_BASE..END)                  valid (ISV = 1: one LDR/STR of a general register);
 *                                             without it (ISV = 0: pair, writeback, SIMD) the
 *                                             guest is stopped: we do not decode instructions
 *   MSR ICC_SGI1R_EL1 (trapped: IMO)       -> SGI to the vCPUs it names (vgic.c); ICC_ASGI1R_EL1
 *                                             and ICC_SGI0R_EL1 (other groups) are ignored
 *   IRQ/FIQ while the guest ran            -> resumed (vcpu.c bounds how often in a row)
 *   everything else (undefined instruction, SMC, stage-2 aborts on unmapped IPAs, trapped
 *   system registers, WFI, SVE/SME/PAC, SError, AArch32) -> the guest is stopped.
 * For HVC the preferred return address is the next instruction; for a trapped SMC it is the
 * SMC itself (D1, "Preferred exception return address"): only WFE needs the PC advanced.
 */
#include <stdio.h>

#include <hv/guest.h>
#include <ioasid/abi.h>

#include "arm64.h"
#include "vcpu.h"

static void stop(struct arm64_exit_decision *d, const char *fmt, unsigned long long a, unsigned long long b)
{
	d->action = ARM64_EXIT_STOP;
	snprintf(d->reason, sizeof(d->reason), fmt, a, b);
}

static void stop_msg(struct arm64_exit_decision *d, const char *msg)
{
	d->action = ARM64_EXIT_STOP;
	snprintf(d->reason, sizeof(d->reason), "%s", msg);
}

static void resume_x0(struct arm64_exit_decision *d, uint64_t x0)
{
	d->action = ARM64_EXIT_RESUME;
	d->set_x0 = true;
	d->x0 = x0;
}

/* The functions PSCI_FEATURES reports as implemented. */
static bool psci_implemented(uint32_t fn)
{
	switch (fn) {
	case PSCI_0_2_VERSION:
	case PSCI_0_2_SYSTEM_OFF:
	case PSCI_1_0_FEATURES:
	case SMCCC_VERSION:
	case PSCI_0_2_CPU_ON_32:
	case PSCI_0_2_CPU_ON_64:
	case PSCI_0_2_CPU_OFF:
	case PSCI_0_2_AFFINITY_INFO_32:
	case PSCI_0_2_AFFINITY_INFO_64:
		return true;
	default:
		return false;
	}
}

static void decode_hvc(uint64_t esr, uint64_t x0, uint64_t x1, struct arm64_exit_decision *d)
{
	/* SMCCC: the function ID is w0; the upper half of x0 is ignored. */
	uint32_t fn = (uint32_t)x0;

	if (FIELD_GET(ESR_ISS_HVC_IMM, esr) == ARM64_HVC_GUEST_FAULT) {
		stop_msg(d, "unhandled exception in the guest");
		return;
	}
	if (FIELD_GET(ESR_ISS_HVC_IMM, esr) != 0) {
		resume_x0(d, (uint64_t)SMCCC_RET_NOT_SUPPORTED);
		return;
	}
	if ((fn & VCPU_IOASID_FN_MASK) == VCPU_IOASID_FN_BASE) {
		d->action = ARM64_EXIT_HYPERCALL;
		d->call = fn & ~VCPU_IOASID_FN_MASK;
		d->arg = x1;
		return;
	}
	switch (fn) {
	case SMCCC_VERSION:
		resume_x0(d, SMCCC_VERSION_1_1);
		return;
	case PSCI_0_2_VERSION:
		resume_x0(d, PSCI_VERSION_1_0);
		return;
	case PSCI_1_0_FEATURES:
		/* x1 = the function asked about: 0 = implemented, without feature flags (DEN0022 5.1.14). */
		resume_x0(d, psci_implemented((uint32_t)x1) ? 0 : (uint64_t)SMCCC_RET_NOT_SUPPORTED);
		return;
	case PSCI_0_2_CPU_ON_32:
	case PSCI_0_2_CPU_ON_64:
	case PSCI_0_2_CPU_OFF:
	case PSCI_0_2_AFFINITY_INFO_32:
	case PSCI_0_2_AFFINITY_INFO_64:
		d->action = ARM64_EXIT_PSCI;
		d->call = fn;
		return;
	case PSCI_0_2_SYSTEM_OFF:
		d->action = ARM64_EXIT_OFF;
		snprintf(d->reason, sizeof(d->reason), "PSCI SYSTEM_OFF");
		return;
	default:
		/* Includes SMCCC_ARCH_FEATURES and SYSTEM_RESET: not implemented. */
		resume_x0(d, (uint64_t)SMCCC_RET_NOT_SUPPORTED);
		return;
	}
}

static void decode_abort(unsigned ec, uint64_t esr, uint64_t far, uint64_t hpfar, struct arm64_exit_decision *d)
{
	uint64_t iss = FIELD_GET(ESR_ISS, esr);
	unsigned fsc = (unsigned)FIELD_GET(ESR_ISS_ABT_FSC, iss);
	/* HPFAR_EL2 holds the IPA for stage-2 faults; FAR_EL2 the page offset (and the VA). */
	uint64_t ipa = (FIELD_GET(HPFAR_FIPA, hpfar) << 12) | (far & 0xfff);
	const char *what = ec == ESR_EC_IABT_LOW ? "instruction fetch" : (iss & ESR_ISS_ABT_WNR) ? "write" : "read";

	if (ec == ESR_EC_DABT_LOW && ipa >= GUEST_VGIC_BASE && ipa < GUEST_VGIC_END && (fsc & 0x3c) == 0x04 &&
	    !(iss & ESR_ISS_ABT_S1PTW)) {
		/* A translation fault in the vGIC's frames: emulated if the syndrome describes it. */
		if (!(iss & ESR_ISS_ABT_ISV)) {
			snprintf(d->reason, sizeof(d->reason),
				 "%s of the virtual GIC at IPA 0x%llx without a valid syndrome (ISV = 0)", what,
				 (unsigned long long)ipa);
			d->action = ARM64_EXIT_STOP;
			return;
		}
		d->action = ARM64_EXIT_MMIO;
		d->skip = true;
		d->ipa = ipa;
		d->size = 1U << FIELD_GET(ESR_ISS_ABT_SAS, iss);
		d->reg = (unsigned)FIELD_GET(ESR_ISS_ABT_SRT, iss);
		d->write = (iss & ESR_ISS_ABT_WNR) != 0;
		d->sse = (iss & ESR_ISS_ABT_SSE) != 0;
		d->sf = (iss & ESR_ISS_ABT_SF) != 0;
		return;
	}
	d->action = ARM64_EXIT_STOP;
	if (fsc < 0x10) {
		static const char *const kind[] = { "address size", "translation", "access flag", "permission" };

		snprintf(d->reason, sizeof(d->reason), "stage-2 %s fault (level %u) on %s at IPA 0x%llx",
			 kind[fsc >> 2], fsc & 3, what, (unsigned long long)ipa);
	} else {
		snprintf(d->reason, sizeof(d->reason), "abort (fault status 0x%02x) on %s at VA 0x%llx", fsc, what,
			 (unsigned long long)far);
	}
}

/* ICC_SGI1R_EL1 (S3_0_C12_C11_5), ICC_ASGI1R_EL1 (_6), ICC_SGI0R_EL1 (_7): writes only. */
static bool decode_icc_sgi(uint64_t iss, struct arm64_exit_decision *d)
{
	unsigned op2 = (unsigned)FIELD_GET(ESR_ISS_SYS_OP2, iss);

	if (FIELD_GET(ESR_ISS_SYS_OP0, iss) != 3 || FIELD_GET(ESR_ISS_SYS_OP1, iss) != 0 ||
	    FIELD_GET(ESR_ISS_SYS_CRN, iss) != 12 || FIELD_GET(ESR_ISS_SYS_CRM, iss) != 11 || op2 < 5 ||
	    (iss & ESR_ISS_SYS_READ)) {
		return false;
	}
	d->skip = true;
	d->reg = (unsigned)FIELD_GET(ESR_ISS_SYS_RT, iss);
	d->action = op2 == 5 ? ARM64_EXIT_SGI : ARM64_EXIT_RESUME; /* Group 0 / alternate: ignored */
	return true;
}

void arm64_vcpu_decode(unsigned slot, uint64_t esr, uint64_t far, uint64_t hpfar, uint64_t x0, uint64_t x1,
		       struct arm64_exit_decision *d)
{
	unsigned ec = (unsigned)FIELD_GET(ESR_EC, esr);
	uint64_t iss = FIELD_GET(ESR_ISS, esr);

	*d = (struct arm64_exit_decision){ 0 };
	if (slot >= ARM64_VEC_LOWER32) {
		stop(d, "exception from AArch32 state (slot %llu, ESR_EL2 0x%llx)", slot, esr);
		return;
	}
	switch (slot - ARM64_VEC_LOWER64) {
	case 0: /* synchronous */
		break;
	case 1: /* IRQ */
	case 2: /* FIQ */
		d->action = ARM64_EXIT_RESUME;
		return;
	default:
		stop(d, "SError from the guest (slot %llu, ESR_EL2 0x%llx)", slot, esr);
		return;
	}
	switch (ec) {
	case ESR_EC_HVC64:
		decode_hvc(esr, x0, x1, d);
		return;
	case ESR_EC_WFX:
		d->action = (iss & ESR_ISS_WFX_TI) ? ARM64_EXIT_RESUME : ARM64_EXIT_HALT;
		d->skip = true;
		return;
	case ESR_EC_DABT_LOW:
	case ESR_EC_IABT_LOW:
		decode_abort(ec, esr, far, hpfar, d);
		return;
	case ESR_EC_UNKNOWN:
		stop_msg(d, "undefined instruction");
		return;
	case ESR_EC_SMC64:
		d->action = ARM64_EXIT_STOP;
		snprintf(d->reason, sizeof(d->reason), "SMC #%u: no firmware conduit for guests (PSCI is over HVC)",
			 (unsigned)FIELD_GET(ESR_ISS_HVC_IMM, esr));
		return;
	case ESR_EC_SYSREG:
		if (decode_icc_sgi(iss, d)) {
			return;
		}
		d->action = ARM64_EXIT_STOP;
		snprintf(d->reason, sizeof(d->reason), "trapped %s S%u_%u_C%u_C%u_%u (x%u)",
			 (iss & ESR_ISS_SYS_READ) ? "MRS" : "MSR", (unsigned)FIELD_GET(ESR_ISS_SYS_OP0, iss),
			 (unsigned)FIELD_GET(ESR_ISS_SYS_OP1, iss), (unsigned)FIELD_GET(ESR_ISS_SYS_CRN, iss),
			 (unsigned)FIELD_GET(ESR_ISS_SYS_CRM, iss), (unsigned)FIELD_GET(ESR_ISS_SYS_OP2, iss),
			 (unsigned)FIELD_GET(ESR_ISS_SYS_RT, iss));
		return;
	default:
		stop(d, "unhandled exception class 0x%02llx (ESR_EL2 0x%llx)", ec, esr);
		return;
	}
}

uint64_t arm64_vtcr(unsigned ia_bits, unsigned parange)
{
	uint64_t sl0;

	/*
	 * 4 KiB granule, no concatenated tables: an input size of up to 39 bits starts at level 1
	 * (3 levels), 40..48 bits at level 0 (4 levels), the same split as pt_levels_for() makes
	 * for PT_FMT_ARM_S2 (D8, "Translation table walks": the stage-2 starting level).
	 */
	if (ia_bits >= 32 && ia_bits <= 39) {
		sl0 = VTCR_SL0_4K_LEVEL1;
	} else if (ia_bits > 39 && ia_bits <= 48) {
		sl0 = VTCR_SL0_4K_LEVEL0;
	} else {
		return 0;
	}
	if (parange > TCR_PS_48BIT) {
		parange = TCR_PS_48BIT;
	}
	/* The walker's accesses: write-back cacheable, inner shareable, like our own stage 1. */
	return VTCR_EL2_RES1 | FIELD_PREP(VTCR_EL2_T0SZ, 64 - ia_bits) | FIELD_PREP(VTCR_EL2_SL0, sl0) |
	       FIELD_PREP(VTCR_EL2_IRGN0, TCR_RGN_WBWA) | FIELD_PREP(VTCR_EL2_ORGN0, TCR_RGN_WBWA) |
	       FIELD_PREP(VTCR_EL2_SH0, TCR_SH_INNER) | FIELD_PREP(VTCR_EL2_TG0, TCR_TG0_4K) |
	       FIELD_PREP(VTCR_EL2_PS, parange);
}

uint64_t arm64_vttbr(hpa_t root, uint8_t vmid)
{
	return (hpa_val(root) & VTTBR_BADDR) | FIELD_PREP(VTTBR_VMID, vmid);
}
