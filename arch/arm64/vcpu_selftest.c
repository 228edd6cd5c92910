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
 *   wfi       WFI -> VCPU_EXIT_HALT (the generic loop would sleep the vCPU), PC past the WFI.
 *   off       WFE is resumed, PSCI FEATURES(SYSTEM_OFF) = 0, SYSTEM_OFF ends the guest
 *             (VCPU_EXIT_OFF).
 *   psci      FEATURES(CPU_ON) = 0; CPU_ON, AFFINITY_INFO and CPU_OFF arrive as VCPU_EXIT_PSCI
 *             with x1..x3; a second vCPU (index 1, same VMID) with stop_request set returns
 *             VCPU_EXIT_KICK without running, then vcpu_arch_reset() starts it at the CPU_ON
 *             entry with the context id in x0, and it reads MPIDR_EL1 = 0x80000001.
 *   kick      (with a second CPU online) a vCPU spinning on CPU 1 is stopped from CPU 0 by
 *             stop_request + smp_kick: the SGI exits the guest and the run returns
 *             VCPU_EXIT_KICK with the guest's PC still in its loop.
 * After each stop the hypervisor carries on with the next guest: a stopped guest is not fatal.
 */
#include <stdio.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/selftest.h>
#include <hv/smp.h>
#include <hv/vcpu.h>
#include <hv/wait.h>
#include <ioasid/abi.h>

#include "arm64.h"
#include "ioasid/pt.h"
#include "vcpu.h"

extern char arm64_vst_blob_start[], arm64_vst_blob_end[];
extern char arm64_vst_regs[], arm64_vst_udf[], arm64_vst_unmapped[], arm64_vst_smc[], arm64_vst_wfi[], arm64_vst_off[];
extern char arm64_vst_psci[], arm64_vst_mpidr[], arm64_vst_spin[];
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
		      kind == VCPU_EXIT_OFF    ? "powered off"
		      : kind == VCPU_EXIT_HALT ? "halted"
					       : "stopped",
		      e.reason);
	if (kind == VCPU_EXIT_HALT) {
		ok &= ST_CHECK(arm64_vcpu_ctx(&v)->elr == gpa_val(vst_entry(label)) + 4,
			       "vcpu: %s resumes after its WFI (PC 0x%llx)", name,
			       (unsigned long long)arm64_vcpu_ctx(&v)->elr);
	}
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

static struct vcpu_setup vst_setup(struct vst *t, const char *label, uint64_t arg0)
{
	return (struct vcpu_setup){
		.entry = vst_entry(label),
		.stack_top = gpa(VST_GPA + VST_SIZE),
		.arg0 = arg0,
		.nested_root = t->s2.root,
	};
}

/* Run v and expect a PSCI exit for fn with x1..x3 = a1..a3; complete it with result. */
static bool vst_psci_exit(struct vcpu *v, uint32_t fn, uint64_t a1, uint64_t a2, long result)
{
	struct vcpu_exit e;
	bool ok;

	if (vcpu_arch_run(v, &e) != 0) {
		return false;
	}
	ok = ST_CHECK(e.kind == VCPU_EXIT_PSCI && e.call == fn && e.args[0] == a1 && e.args[1] == a2,
		      "vcpu: PSCI 0x%x exits as VCPU_EXIT_PSCI (kind %d call 0x%llx x1 0x%llx x2 0x%llx)", fn,
		      (int)e.kind, (unsigned long long)e.call, (unsigned long long)e.args[0],
		      (unsigned long long)e.args[1]);
	if (e.kind == VCPU_EXIT_PSCI) {
		vcpu_arch_hypercall_done(v, result);
	}
	return ok;
}

static bool vst_psci(struct vst *t)
{
	struct vcpu_setup s0 = vst_setup(t, arm64_vst_psci, 0), s1 = vst_setup(t, arm64_vst_spin, 0);
	struct vcpu v0 = { .name = "vst-psci", .asid = t->next_vmid, .index = 0 };
	struct vcpu v1 = { .name = "vst-psci", .asid = t->next_vmid++, .index = 1, .stop_request = 1 };
	const struct arm64_vcpu_ctx *c;
	uint64_t mpidr_entry = gpa_val(vst_entry(arm64_vst_mpidr));
	struct vcpu_exit e;
	bool ok = true;

	if (vcpu_arch_create(&v0, &s0) != 0) {
		return ST_CHECK(false, "vcpu: psci guest created");
	}
	if (vcpu_arch_create(&v1, &s1) != 0) {
		vcpu_arch_destroy(&v0);
		return ST_CHECK(false, "vcpu: second vCPU created");
	}
	ok &= vst_psci_exit(&v0, PSCI_0_2_CPU_ON_64, 1, mpidr_entry, 0);
	ok &= vst_psci_exit(&v0, PSCI_0_2_AFFINITY_INFO_64, 1, 0, 1);
	/* CPU_OFF has no arguments: x1, x2 still hold AFFINITY_INFO's. */
	ok &= vst_psci_exit(&v0, PSCI_0_2_CPU_OFF, 1, 0, 0);
	c = arm64_vcpu_ctx(&v0);
	ok &= ST_CHECK(c->x[19] == 0 && c->x[20] == 0 && c->x[21] == 1,
		       "vcpu: PSCI FEATURES(CPU_ON) = %lld, results in x0: CPU_ON %lld, AFFINITY_INFO %lld",
		       (long long)c->x[19], (long long)c->x[20], (long long)c->x[21]);
	/* A stop request is seen before the entry: nothing runs, nothing changes. */
	ok &= ST_CHECK(vcpu_arch_run(&v1, &e) == 0 && e.kind == VCPU_EXIT_KICK &&
			       arm64_vcpu_ctx(&v1)->elr == gpa_val(s1.entry) && arm64_vcpu_ctx(&v1)->x[1] == 0,
		       "vcpu: stop_request before entry: VCPU_EXIT_KICK (kind %d), the vCPU did not run", (int)e.kind);
	/* What hv/guest.c does for CPU_ON: restart vCPU 1 at the entry with the context id. */
	s1 = vst_setup(t, arm64_vst_mpidr, 0x77);
	v1.stop_request = 0;
	ok &= ST_CHECK(vcpu_arch_reset(&v1, &s1) == 0, "vcpu: vcpu_arch_reset at the CPU_ON entry");
	if (vcpu_arch_run(&v1, &e) == 0) {
		c = arm64_vcpu_ctx(&v1);
		ok &= ST_CHECK(e.kind == VCPU_EXIT_HYPERCALL && c->x[5] == 0x77 && c->x[6] == 0x80000001ULL,
			       "vcpu: vCPU 1 started with x0 = 0x%llx, MPIDR_EL1 0x%llx (kind %d)",
			       (unsigned long long)c->x[5], (unsigned long long)c->x[6], (int)e.kind);
	} else {
		ok = false;
	}
	vcpu_arch_destroy(&v1);
	vcpu_arch_destroy(&v0);
	return ok;
}

struct vst_remote {
	struct vcpu *v;
	struct vcpu_exit e;
	int ret;
	uint32_t running, done;
};

/* On CPU 1 (smp_call_on): that CPU's vCPU setup, then the run. */
static void vst_remote_run(void *arg)
{
	struct vst_remote *r = arg;

	r->ret = vcpu_arch_cpu_init();
	__atomic_store_n(&r->running, 1, __ATOMIC_RELEASE);
	if (r->ret == 0) {
		r->ret = vcpu_arch_run(r->v, &r->e);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

static bool vst_kick(struct vst *t)
{
	struct vcpu_setup s = vst_setup(t, arm64_vst_spin, 0);
	struct vcpu v = { .name = "vst-kick", .asid = t->next_vmid++ };
	struct vst_remote r = { .v = &v };
	const struct arm64_vcpu_ctx *c;
	uint64_t sgis0, spin = gpa_val(s.entry);
	bool ok;

	if (!smp_cpu_online(1)) {
		pr_info("  vcpu: kick: skipped (CPU 1 is not online: one CPU)");
		return true;
	}
	if (vcpu_arch_create(&v, &s) != 0) {
		return ST_CHECK(false, "vcpu: kick guest created");
	}
	if (!ST_CHECK(smp_call_on(1, vst_remote_run, &r) == 0, "vcpu: kick: CPU 1 takes the vCPU")) {
		vcpu_arch_destroy(&v);
		return false;
	}
	/* Let it spin a while in the guest: nothing but the kick can bring it back. */
	(void)poll_until(__atomic_load_n(&r.running, __ATOMIC_ACQUIRE) != 0, 1000000);
	(void)poll_until(false, 20000);
	/* Counted from here: smp_call_on's own kick (the work hand-off) is behind us. */
	sgis0 = __atomic_load_n(&percpu_of(1)->arch.nr_kick_sgis, __ATOMIC_RELAXED);
	ok = ST_CHECK(!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), "vcpu: kick: the vCPU spins on CPU 1");
	__atomic_store_n(&v.stop_request, 1, __ATOMIC_RELEASE);
	smp_kick(1);
	ok &= ST_CHECK(poll_until(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) != 0, 1000000) == 0,
		       "vcpu: kick: stop_request + smp_kick ends the run on CPU 1");
	if (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		/* The vCPU may still run on CPU 1: leave its memory alone. */
		return false;
	}
	(void)poll_until(!smp_cpu_busy(1), 1000000);
	c = arm64_vcpu_ctx(&v);
	ok &= ST_CHECK(
		r.ret == 0 && r.e.kind == VCPU_EXIT_KICK && c->elr >= spin && c->elr < spin + 8 && c->x[1] != 0,
		"vcpu: kick: VCPU_EXIT_KICK (kind %d), guest PC 0x%llx in its loop after %llu rounds, %llu kick SGI(s) "
		"on CPU 1",
		(int)r.e.kind, (unsigned long long)c->elr, (unsigned long long)c->x[1],
		(unsigned long long)(__atomic_load_n(&percpu_of(1)->arch.nr_kick_sgis, __ATOMIC_RELAXED) - sgis0));
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
	ok &= vst_end(&t, "vst-wfi", arm64_vst_wfi, VCPU_EXIT_HALT, "WFI", false);
	ok &= vst_end(&t, "vst-off", arm64_vst_off, VCPU_EXIT_OFF, "PSCI SYSTEM_OFF", false);
	ok &= vst_psci(&t);
	ok &= vst_kick(&t);
	ok &= ST_CHECK(this_cpu()->arch.vcpu_ctx == 0 && !(read_sysreg(hcr_el2) & HCR_EL2_VM),
		       "vcpu: back in the hypervisor: no guest context, stage 2 off");
	ret = ok ? 0 : -EIO;
out:
	pt_destroy(&t.s2);
	page_free(t.ram, VST_ORDER);
	return ret;
}
HV_SELFTEST(vcpu, selftest_vcpu);
