// SPDX-License-Identifier: MIT
/*
 * Host tests of the arm64 vCPU's pure parts (arch/arm64/vcpu_decode.c): what every kind of
 * exit from a guest means, and the stage-2 register values. The last test walks a
 * PT_FMT_ARM_S2 table built by the page-table engine the way the CPU does with our VTCR_EL2
 * (start level from SL0, index bits from T0SZ): a 44-bit table, the width the SMMUv3 builds
 * the GPA IOASID with on QEMU, translates identically under the CPU's 48-bit setting.
 */
#define TEST_MAIN
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <ioasid/abi.h>

#include "arch/arm64/arm64.h"
#include "arch/arm64/vcpu.h"
#include "ioasid/pt.h"
#include "test.h"

#define LOWER_SYNC   ARM64_VEC_LOWER64
#define ESR(ec, iss) (((uint64_t)(ec) << 26) | ESR_IL | (uint64_t)(iss))

static struct arm64_exit_decision run(unsigned slot, uint64_t esr, uint64_t x0, uint64_t x1)
{
	struct arm64_exit_decision d;

	arm64_vcpu_decode(slot, esr, 0x1234, 0, x0, x1, &d);
	return d;
}

TEST(arm64_vcpu_ioasid_calls)
{
	struct arm64_exit_decision d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), IOASID_SMCCC_FN(IOASID_CALL_MAP), 0x5000);

	EXPECT_EQ(d.action, ARM64_EXIT_HYPERCALL);
	EXPECT_EQ(d.call, IOASID_CALL_MAP);
	EXPECT_EQ(d.arg, 0x5000);
	/* The upper half of x0 is not part of the function ID (SMCCC: w0). */
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), 0xdead0000ULL << 32 | IOASID_SMCCC_FN(33), 7);
	EXPECT_EQ(d.action, ARM64_EXIT_HYPERCALL);
	EXPECT_EQ(d.call, 33);
	/* An unknown number in the IOASID range still reaches the dispatcher (-ENOSYS there). */
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), IOASID_SMCCC_FN(0xffff), 0);
	EXPECT_EQ(d.action, ARM64_EXIT_HYPERCALL);
	EXPECT_EQ(d.call, 0xffff);
}

TEST(arm64_vcpu_smccc_and_psci)
{
	struct arm64_exit_decision d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), PSCI_0_2_VERSION, 0);

	EXPECT_EQ(d.action, ARM64_EXIT_RESUME);
	EXPECT_TRUE(d.set_x0 && !d.skip);
	EXPECT_EQ(d.x0, 0x10000); /* PSCI 1.0 */
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), SMCCC_VERSION, 0);
	EXPECT_EQ(d.x0, 0x10001);
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), PSCI_1_0_FEATURES, PSCI_0_2_SYSTEM_OFF);
	EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.set_x0 && d.x0 == 0);
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), PSCI_1_0_FEATURES, PSCI_0_2_SYSTEM_RESET);
	EXPECT_EQ(d.x0, (uint64_t)-1);
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), PSCI_0_2_SYSTEM_OFF, 0);
	EXPECT_EQ(d.action, ARM64_EXIT_OFF);
	/* Anything else, the SMC32 view of our range and yielding calls included: NOT_SUPPORTED. */
	static const uint64_t others[] = { PSCI_0_2_SYSTEM_RESET,
					   SMCCC_ARCH_FEATURES,
					   0x86000005,
					   0x46000005,
					   0xc5000001,
					   0xc7000001,
					   0,
					   0xffffffff };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), others[i], 0);
		EXPECT_EQ(d.action, ARM64_EXIT_RESUME);
		EXPECT_TRUE(d.set_x0);
		EXPECT_EQ(d.x0, (uint64_t)SMCCC_RET_NOT_SUPPORTED);
	}
	/* HVC #imm != 0 is not the SMCCC conduit, even with a valid function ID. */
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 5), IOASID_SMCCC_FN(1), 0);
	EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.x0 == (uint64_t)SMCCC_RET_NOT_SUPPORTED);
	d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, ARM64_HVC_GUEST_FAULT), IOASID_SMCCC_FN(1), 0);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
}

/* Multi-vCPU PSCI (DEN0022 5.1.4-5.1.5, 5.1.14): the vCPU calls go to hv/guest.c, FEATURES says so. */
TEST(arm64_vcpu_psci_vcpu_calls)
{
	static const uint32_t calls[] = { PSCI_0_2_CPU_ON_64, PSCI_0_2_CPU_ON_32, PSCI_0_2_CPU_OFF,
					  PSCI_0_2_AFFINITY_INFO_64, PSCI_0_2_AFFINITY_INFO_32 };
	struct arm64_exit_decision d;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), calls[i], 1);
		EXPECT_EQ(d.action, ARM64_EXIT_PSCI);
		EXPECT_EQ(d.call, calls[i]);
		EXPECT_TRUE(!d.set_x0 && !d.skip);
		/* The upper half of x0 is not part of the function ID. */
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), 0xffffffffULL << 32 | calls[i], 1);
		EXPECT_TRUE(d.action == ARM64_EXIT_PSCI && d.call == calls[i]);
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), PSCI_1_0_FEATURES, calls[i]);
		EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.set_x0 && d.x0 == 0);
		/* HVC #imm != 0 is not the conduit: NOT_SUPPORTED, no exit. */
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 1), calls[i], 1);
		EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.x0 == (uint64_t)SMCCC_RET_NOT_SUPPORTED);
	}
	/* Neighbours that stay unimplemented: CPU_SUSPEND, MIGRATE, MIGRATE_INFO_TYPE, SYSTEM_RESET2. */
	static const uint32_t not_impl[] = { 0x84000001, 0xc4000001, 0x84000005, 0x84000006, 0xc4000012 };
	for (size_t i = 0; i < sizeof(not_impl) / sizeof(not_impl[0]); i++) {
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), not_impl[i], 1);
		EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.x0 == (uint64_t)SMCCC_RET_NOT_SUPPORTED);
		d = run(LOWER_SYNC, ESR(ESR_EC_HVC64, 0), PSCI_1_0_FEATURES, not_impl[i]);
		EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.x0 == (uint64_t)SMCCC_RET_NOT_SUPPORTED);
	}
	/* Over SMC the guest gets no PSCI: it is stopped (HCR_EL2.TSC). */
	d = run(LOWER_SYNC, ESR(ESR_EC_SMC64, 0), PSCI_0_2_CPU_ON_64, 1);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
}

TEST(arm64_vcpu_stops)
{
	struct arm64_exit_decision d = run(LOWER_SYNC, ESR(ESR_EC_UNKNOWN, 0), 0, 0);

	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
	EXPECT_TRUE(strstr(d.reason, "undefined instruction") != NULL);
	d = run(LOWER_SYNC, ESR(ESR_EC_SMC64, 0), 0, 0);
	EXPECT_TRUE(d.action == ARM64_EXIT_STOP && strstr(d.reason, "SMC #0") != NULL);
	d = run(LOWER_SYNC, ESR(ESR_EC_WFX, 0), 0, 0); /* WFI */
	EXPECT_TRUE(d.action == ARM64_EXIT_HALT && d.skip);
	d = run(LOWER_SYNC, ESR(ESR_EC_WFX, 1), 0, 0); /* WFE: resumed after it */
	EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && d.skip && !d.set_x0);
	/* MRS x3, S3_1_C15_C2_0 (an IMPDEF register, trapped by TIDCP) */
	d = run(LOWER_SYNC,
		ESR(ESR_EC_SYSREG, (3u << 20) | (0u << 17) | (1u << 14) | (15u << 10) | (3u << 5) | (2u << 1) | 1u), 0,
		0);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
	EXPECT_TRUE(strstr(d.reason, "MRS S3_1_C15_C2_0 (x3)") != NULL);
	d = run(LOWER_SYNC, ESR(ESR_EC_SVE, 0), 0, 0);
	EXPECT_TRUE(d.action == ARM64_EXIT_STOP && strstr(d.reason, "class 0x19") != NULL);
	d = run(ARM64_VEC_LOWER64 + 3, ESR(ESR_EC_SERROR, 0), 0, 0);
	EXPECT_TRUE(d.action == ARM64_EXIT_STOP && strstr(d.reason, "SError") != NULL);
	d = run(ARM64_VEC_LOWER32, ESR(ESR_EC_HVC64, 0), IOASID_SMCCC_FN(1), 0);
	EXPECT_TRUE(d.action == ARM64_EXIT_STOP && strstr(d.reason, "AArch32") != NULL);
	/* IRQ/FIQ: nothing to do for the decoder, resume (vcpu.c bounds repeats). */
	d = run(ARM64_VEC_LOWER64 + 1, 0, 0, 0);
	EXPECT_TRUE(d.action == ARM64_EXIT_RESUME && !d.skip && !d.set_x0);
}

TEST(arm64_vcpu_stage2_abort_names_the_ipa)
{
	struct arm64_exit_decision d;
	/* Data abort, write (WnR), translation fault level 1; IPA 0x40000000 + 0x123. */
	uint64_t esr = ESR(ESR_EC_DABT_LOW, ESR_ISS_ABT_WNR | 0x05);

	arm64_vcpu_decode(LOWER_SYNC, esr, 0xffff000000000123ULL, (0x40000000ULL >> 12) << 4, 0, 0, &d);
	EXPECT_EQ(d.action, ARM64_EXIT_STOP);
	EXPECT_TRUE(strcmp(d.reason, "stage-2 translation fault (level 1) on write at IPA 0x40000123") == 0);
	/* Instruction abort, permission fault level 3 */
	arm64_vcpu_decode(LOWER_SYNC, ESR(ESR_EC_IABT_LOW, 0x0f), 0x2000, (0x9000ULL >> 12) << 4, 0, 0, &d);
	EXPECT_TRUE(strcmp(d.reason, "stage-2 permission fault (level 3) on instruction fetch at IPA 0x9000") == 0);
	/* Not a translation-class fault: the VA is what we have. */
	arm64_vcpu_decode(LOWER_SYNC, ESR(ESR_EC_DABT_LOW, 0x10), 0x7000, 0, 0, 0, &d);
	EXPECT_TRUE(strstr(d.reason, "fault status 0x10") != NULL && strstr(d.reason, "VA 0x7000") != NULL);
}

TEST(arm64_vcpu_vtcr_vttbr)
{
	uint64_t v = arm64_vtcr(48, 6 /* 52-bit PARange: capped to 48 */);

	EXPECT_EQ(FIELD_GET(VTCR_EL2_T0SZ, v), 16);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_SL0, v), VTCR_SL0_4K_LEVEL0);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_TG0, v), 0);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_SH0, v), 3);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_IRGN0, v), 1);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_ORGN0, v), 1);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_PS, v), 5);
	EXPECT_TRUE(v & VTCR_EL2_RES1);
	v = arm64_vtcr(39, 2);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_T0SZ, v), 25);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_SL0, v), VTCR_SL0_4K_LEVEL1);
	EXPECT_EQ(FIELD_GET(VTCR_EL2_PS, v), 2);
	EXPECT_EQ(arm64_vtcr(31, 5), 0);
	EXPECT_EQ(arm64_vtcr(49, 5), 0);
	EXPECT_EQ(arm64_vttbr(hpa(0x40011000), 7), 0x0007000040011000ULL);
	/* Bit 0 (CnP) and address bits above 47 never leak in. */
	EXPECT_EQ(arm64_vttbr(hpa(0xfff0000040011001ULL), 0xff), 0x00ff000040011000ULL);
	/* The guest's HCR_EL2: never TGE or E2H, always VM, RW, IMO, TSC. */
	EXPECT_EQ(HCR_EL2_GUEST & (HCR_EL2_TGE | HCR_EL2_E2H), 0);
	EXPECT_EQ(HCR_EL2_GUEST & (HCR_EL2_VM | HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_TSC),
		  HCR_EL2_VM | HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_TSC);
	EXPECT_EQ(CPTR_EL2_GUEST & CPTR_EL2_TFP, 0);
}

/* A stage-2 walk as the CPU does it for VTCR_EL2 v (4 KiB granule): output address or ~0. */
static uint64_t cpu_s2_walk(uint64_t vtcr, hpa_t root, uint64_t ipa)
{
	unsigned t0sz = (unsigned)FIELD_GET(VTCR_EL2_T0SZ, vtcr);
	unsigned lvl = FIELD_GET(VTCR_EL2_SL0, vtcr) == VTCR_SL0_4K_LEVEL0 ? 0 : 1;
	const uint64_t *t = hpa_to_ptr(root);

	if (ipa >> (64 - t0sz)) {
		return ~0ULL; /* beyond the input size: translation fault at the start level */
	}
	for (;; lvl++) {
		unsigned shift = 12 + 9 * (3 - lvl);
		uint64_t e = t[(ipa >> shift) & 511];

		if ((e & 1) == 0) {
			return ~0ULL;
		}
		if (lvl == 3 || (e & 3) == 1) {
			return (e & GENMASK(47, shift)) | (ipa & (BIT(shift) - 1));
		}
		t = hpa_to_ptr(hpa(e & GENMASK(47, 12)));
	}
}

TEST(arm64_vcpu_cpu_walks_the_smmu_gpa_table)
{
	struct pt_table t;
	uint64_t vtcr = arm64_vtcr(48, 5);
	void *ram = page_alloc(9); /* 2 MiB */

	ASSERT_TRUE(ram != NULL);
	/* The GPA table as the SMMUv3 builds it on QEMU (OAS 44 bits): 4 levels too. */
	ASSERT_EQ(pt_init(&t, PT_FMT_ARM_S2, 44, SZ_4K | SZ_2M | SZ_1G, true, NULL), 0);
	EXPECT_EQ(t.levels, 4);
	ASSERT_EQ(pt_map(&t, 0x100000, ptr_to_hpa(ram), 0x100000, PT_PROT_READ | PT_PROT_WRITE), 0);
	ASSERT_EQ(pt_map(&t, 0x80000000000ULL, ptr_to_hpa(ram), 0x1000, PT_PROT_READ), 0);
	for (uint64_t off = 0; off < 0x100000; off += 0x1000 + 8) {
		hpa_t oa;

		ASSERT_EQ(pt_lookup(&t, 0x100000 + off, &oa, NULL, NULL), 0);
		EXPECT_EQ(cpu_s2_walk(vtcr, t.root, 0x100000 + off), hpa_val(oa));
	}
	EXPECT_EQ(cpu_s2_walk(vtcr, t.root, 0x80000000000ULL + 0x10), hpa_val(ptr_to_hpa(ram)) + 0x10);
	EXPECT_EQ(cpu_s2_walk(vtcr, t.root, 0x200000), ~0ULL);
	EXPECT_EQ(cpu_s2_walk(vtcr, t.root, 1ULL << 44), ~0ULL); /* beyond the table: empty root slot */
	EXPECT_EQ(cpu_s2_walk(vtcr, t.root, 1ULL << 47), ~0ULL);
	pt_destroy(&t);
	page_free(ram, 9);
}
