// SPDX-License-Identifier: MIT
/*
 * selftest=vcpu (arm64): the vCPU layer on its own, in QEMU at EL2. A 64 KiB test guest at
 * GPA 0x40000000 with a PT_FMT_ARM_S2 table built by the page-table engine (the format of the
 * guest's GPA IOASID) runs the little programs of vcpu_selftest_guest.S, one fresh vCPU (and
 * VMID) each:
 *   regs      PSCI VERSION = 1.0, an unknown PSCI call = NOT_SUPPORTED, an IOASID hypercall
 *             reaches us as (call 7, arg 0xabc) and our result lands in x0; every other
 *             general register, d31, TPIDR_EL1 and SP_EL0 survive the exit although we clobber
 *             the hardware copies in between; x0 = arg0 and SP = stack top at entry.
 *   udf       undefined instruction -> stopped, PC at the instruction.
 *   unmapped  load from IPA 0x80000000 -> stopped, the reason names the IPA.
 *   smc       SMC -> stopped.
 *   wfi       WFI -> stopped.
 *   off       WFE is resumed, PSCI FEATURES(SYSTEM_OFF) = 0, SYSTEM_OFF ends the guest
 *             (VCPU_EXIT_OFF).
 * After each stop the hypervisor carries on with the next guest: a stopped guest is not fatal.
 */
#include <stdio.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/selftest.h>
#include <hv/vcpu.h>
#include <ioasid/abi.h>

#include "arm64.h"
#include "ioasid/pt.h"
#include "vcpu.h"

extern char arm64_vst_blob_start[], arm64_vst_blob_end[];
extern char arm64_vst_regs[], arm64_vst_udf[], arm64_vst_unmapped[], arm64_vst_smc[], arm64_vst_wfi[], arm64_vst_off[];
void arm64_vst_clobber_fp(void);

#define VST_GPA	  0x40000000ULL
#define VST_ORDER 4 /* 16 pages */
#define VST_SIZE  (HV_PAGE_SIZE << VST_ORDER)
#define VST_ARG0  0x1234abcdULL

struct vst {
	struct pt_table s2;
	void *ram;
	uint32_t next_vmid;
};

static gpa_t vst_entry(const char *label)
{
	return gpa(VST_GPA + (uint64_t)(label - arm64_vst_blob_start));
}

/* Start a fresh vCPU at label and run it to its first hypercall or stop. */
static int vst_start(struct vst *t, struct vcpu *v, const char *name, const char *label, struct vcpu_exit *e)
{
	struct vcpu_setup s = {
		.entry = vst_entry(label),
		.stack_top = gpa(VST_GPA + VST_SIZE),
		.arg0 = VST_ARG0,
		.nested_root = t->s2.root,
	};
	int ret;

	*v = (struct vcpu){ .name = name, .asid = t->next_vmid++ };
	ret = vcpu_arch_create(v, &s);
	if (ret) {
		return ret;
	}
	return vcpu_arch_run(v, e);
}

static bool vst_regs(struct vst *t)
{
	const struct arm64_vcpu_ctx *c;
	struct vcpu_exit e;
	struct vcpu v;
	bool ok = true;

	if (!ST_CHECK(vst_start(t, &v, "vst-regs", arm64_vst_regs, &e) == 0, "vcpu: regs guest runs")) {
		return false;
	}
	ok &= ST_CHECK(e.kind == VCPU_EXIT_HYPERCALL && e.call == IOASID_CALL_ATTACH && e.arg == 0xabc,
		       "vcpu: HVC IOASID_SMCCC_FN(7) arrives as call %llu arg 0x%llx (kind %d)",
		       (unsigned long long)e.call, (unsigned long long)e.arg, (int)e.kind);
	/*
	 * What a careless hypervisor could do between exit and entry: the guest must not see it.
	 * (SP_EL0 needs no help: it is the hypervisor's own stack pointer while we run.)
	 */
	write_sysreg(tpidr_el1, 0xdeadULL);
	arm64_vst_clobber_fp();
	vcpu_arch_hypercall_done(&v, -IOASID_EINVAL);
	if (vcpu_arch_run(&v, &e) != 0) {
		vcpu_arch_destroy(&v);
		return false;
	}
	c = arm64_vcpu_ctx(&v);
	ok &= ST_CHECK(e.kind == VCPU_EXIT_HYPERCALL && e.call == IOASID_CALL_EXIT,
		       "vcpu: guest reaches the EXIT hypercall (kind %d call %llu: %s)", (int)e.kind,
		       (unsigned long long)e.call, e.reason);
	ok &= ST_CHECK(c->x[1] == 0,
		       "vcpu: registers, d31, TPIDR_EL1, SP_EL0 preserved across an exit (first failed check %llu)",
		       (unsigned long long)c->x[1]);
	ok &= ST_CHECK(c->x[2] == VST_ARG0, "vcpu: x0 = arg0 at entry (0x%llx)", (unsigned long long)c->x[2]);
	ok &= ST_CHECK(c->x[3] == PSCI_VERSION_1_0, "vcpu: PSCI VERSION = 0x%llx", (unsigned long long)c->x[3]);
	ok &= ST_CHECK(c->x[4] == (uint64_t)SMCCC_RET_NOT_SUPPORTED, "vcpu: PSCI SYSTEM_RESET = %lld (NOT_SUPPORTED)",
		       (long long)c->x[4]);
	ok &= ST_CHECK(c->x[5] == VST_GPA + VST_SIZE, "vcpu: SP_EL1 = stack top at entry (0x%llx)",
		       (unsigned long long)c->x[5]);
	ok &= ST_CHECK(c->x[6] == (uint64_t)(int64_t)-IOASID_EINVAL, "vcpu: hypercall result in x0 (%lld)",
		       (long long)c->x[6]);
	vcpu_arch_destroy(&v);
	return ok;
}

/* Run label and expect an exit of kind whose reason contains want; dump a stopped guest as hv/guest.c does. */
static bool vst_end(struct vst *t, const char *name, const char *label, enum vcpu_exit_kind kind, const char *want,
		    bool pc_at_entry)
{
	struct vcpu_exit e;
	struct vcpu v;
	bool ok;

	if (!ST_CHECK(vst_start(t, &v, name, label, &e) == 0, "vcpu: %s guest runs", name)) {
		return false;
	}
	ok = ST_CHECK(e.kind == kind && strstr(e.reason, want) != NULL, "vcpu: %s guest %s: %s", name,
		      kind == VCPU_EXIT_OFF ? "powered off" : "stopped", e.reason);
	if (pc_at_entry) {
		ok &= ST_CHECK(arm64_vcpu_ctx(&v)->elr == gpa_val(vst_entry(label)),
			       "vcpu: %s stopped at its first instruction (PC 0x%llx)", name,
			       (unsigned long long)arm64_vcpu_ctx(&v)->elr);
	}
	if (e.kind == VCPU_EXIT_STOP) {
		vcpu_arch_dump(&v);
	}
	vcpu_arch_destroy(&v);
	return ok;
}

static int selftest_vcpu(const struct bootinfo *bi)
{
	size_t blob = (size_t)(arm64_vst_blob_end - arm64_vst_blob_start);
	struct vst t = { .next_vmid = 1 };
	char want[64];
	bool ok = true;
	int ret;

	(void)bi;
	ret = vcpu_arch_cpu_init();
	if (ret) {
		return ret;
	}
	t.ram = page_alloc(VST_ORDER);
	if (t.ram == NULL) {
		return -ENOMEM;
	}
	ret = pt_init(&t.s2, PT_FMT_ARM_S2, 48, SZ_4K | SZ_2M | SZ_1G, true, NULL);
	if (ret) {
		page_free(t.ram, VST_ORDER);
		return ret;
	}
	ret = pt_map(&t.s2, VST_GPA, ptr_to_hpa(t.ram), VST_SIZE, PT_PROT_READ | PT_PROT_WRITE);
	if (ret) {
		goto out;
	}
	memcpy(t.ram, arm64_vst_blob_start, blob);
	/* The guest fetches these instructions: make them visible to instruction fetch (PoU). */
	arch_dcache_clean(t.ram, blob);
	__asm__ __volatile__("ic iallu\n\tdsb ish\n\tisb" ::: "memory");
	pr_info("vcpu: test guest RAM GPA 0x%llx..0x%llx at HPA 0x%llx, stage-2 root 0x%llx",
		(unsigned long long)VST_GPA, (unsigned long long)(VST_GPA + VST_SIZE - 1),
		(unsigned long long)hpa_val(ptr_to_hpa(t.ram)), (unsigned long long)hpa_val(t.s2.root));

	ok &= vst_regs(&t);
	/* Taken to the guest's VBAR_EL1 = 0 first, where there is no RAM: stopped there. */
	snprintf(want, sizeof(want), "undefined instruction at EL1 PC 0x%llx",
		 (unsigned long long)gpa_val(vst_entry(arm64_vst_udf)));
	ok &= vst_end(&t, "vst-udf", arm64_vst_udf, VCPU_EXIT_STOP, want, false);
	ok &= vst_end(&t, "vst-unmapped", arm64_vst_unmapped, VCPU_EXIT_STOP,
		      "stage-2 translation fault (level 1) on read at IPA 0x80000000", false);
	ok &= vst_end(&t, "vst-smc", arm64_vst_smc, VCPU_EXIT_STOP, "SMC #0", true);
	ok &= vst_end(&t, "vst-wfi", arm64_vst_wfi, VCPU_EXIT_STOP, "WFI", true);
	ok &= vst_end(&t, "vst-off", arm64_vst_off, VCPU_EXIT_OFF, "PSCI SYSTEM_OFF", false);
	ok &= ST_CHECK(read_sysreg(tpidr_el2) == 0 && !(read_sysreg(hcr_el2) & HCR_EL2_VM),
		       "vcpu: back in the hypervisor: no guest context, stage 2 off");
	ret = ok ? 0 : -EIO;
out:
	pt_destroy(&t.s2);
	page_free(t.ram, VST_ORDER);
	return ret;
}
HV_SELFTEST(vcpu, selftest_vcpu);
