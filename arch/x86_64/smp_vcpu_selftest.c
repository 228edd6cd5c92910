// SPDX-License-Identifier: MIT
/*
 * selftest=smp_vcpu (x86_64 test image; docs/X86.md "Running a vCPU on another CPU"): the
 * vcpu_arch_* interface driven the way hv/guest.c drives it on a secondary CPU, with nothing but
 * include/hv/vcpu.h and include/hv/smp.h:
 *
 *   1. stop_request set before the run: vcpu_arch_run returns VCPU_EXIT_KICK and the guest
 *      never ran (the check comes before VMRUN);
 *   2. on CPU 1, vcpu_arch_cpu_init + vcpu_arch_create + vcpu_arch_run of a guest that never
 *      exits (it counts in RAX and stores RAX to memory); the boot CPU sees the count grow,
 *      sets stop_request and smp_kick()s CPU 1: the run ends with VCPU_EXIT_KICK;
 *   3. the same vCPU run again on CPU 2 (CPU 1 without a third CPU), after vcpu_arch_cpu_init
 *      there: the count goes on from where it stopped (guest state intact across the kick and
 *      the move; the move also takes the TLB flush path, svm.c);
 *   4. vcpu_arch_reset to a second entry point that leaves a marker, run on CPU 1, kicked.
 *
 * The guest is 4 KiB of code at GPA 0x1000, its own page tables at GPA 0x2000 (two pages from
 * vcpu_arch_boot_tables), and a hand-built nested table (x86-64 4-level format with U=1 at
 * every level, AMD APM vol. 2, 15.25.5) mapping just those three pages. Every wait is bounded.
 */
#include <string.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/selftest.h>
#include <hv/smp.h>
#include <hv/vcpu.h>
#include <hv/wait.h>

#define VST_WAIT_US   5000000
#define VST_GPA_CODE  0x1000ULL
#define VST_GPA_PT    0x2000ULL /* and 0x3000 */
#define VST_COUNT_OFF 0x800	/* GPA 0x1800 in the code page: RAX after each round */
#define VST_MARK_OFF  0x808	/* GPA 0x1808: written by the second entry */
#define VST_ENTRY2    0x40
#define VST_MARK      0x5e7

#define NPT_P  BIT(0)
#define NPT_RW BIT(1)
#define NPT_US BIT(2)

/* loop: inc %rax; mov %rax, 0x1800; jmp loop.  At 0x40: movq $0x5e7, 0x1808; jmp loop. */
static const uint8_t vst_loop[] = { 0x48, 0xff, 0xc0, 0x48, 0x89, 0x04, 0x25, 0x00, 0x18, 0x00, 0x00, 0xeb, 0xf3 };
static const uint8_t vst_entry2[] = {
	0x48, 0xc7, 0x04, 0x25, 0x08, 0x18, 0x00, 0x00, 0xe7, 0x05, 0x00, 0x00, 0xeb, 0xb2
};

static struct {
	struct vcpu v;
	struct vcpu_setup setup;
	struct vcpu_exit exit;
	bool created;
	int ret;
	uint8_t *code;
	uint64_t *npt[4]; /* PML4, PDPT, PD, PT */
	void *pt;	  /* the guest's own tables, 2 pages */
} vst;

static void vst_run(void *arg)
{
	(void)arg;
	vst.ret = vcpu_arch_cpu_init();
	if (vst.ret == 0 && !vst.created) {
		vst.ret = vcpu_arch_create(&vst.v, &vst.setup);
		vst.created = vst.ret == 0;
	}
	if (vst.ret == 0) {
		vst.ret = vcpu_arch_run(&vst.v, &vst.exit);
	}
}

static volatile uint64_t *vst_count(void)
{
	return (volatile uint64_t *)(vst.code + VST_COUNT_OFF);
}

static int vst_build(void)
{
	uint64_t pa_pt;

	vst.code = page_alloc(0);
	vst.pt = page_alloc(1);
	for (unsigned i = 0; i < 4; i++) {
		vst.npt[i] = page_alloc(0);
	}
	if (vst.code == NULL || vst.pt == NULL || vst.npt[0] == NULL || vst.npt[1] == NULL || vst.npt[2] == NULL ||
	    vst.npt[3] == NULL) {
		return -ENOMEM;
	}
	memcpy(vst.code, vst_loop, sizeof(vst_loop));
	memcpy(vst.code + VST_ENTRY2, vst_entry2, sizeof(vst_entry2));
	if (vcpu_arch_boot_tables(gpa(VST_GPA_PT), vst.pt, 2 * HV_PAGE_SIZE) < 0) {
		return -EINVAL;
	}
	/* GPA 0 .. 2 MiB: PML4[0] -> PDPT[0] -> PD[0] -> PT; PT[1..3] the three pages. */
	for (unsigned i = 0; i < 3; i++) {
		vst.npt[i][0] = hpa_val(ptr_to_hpa(vst.npt[i + 1])) | NPT_P | NPT_RW | NPT_US;
	}
	pa_pt = hpa_val(ptr_to_hpa(vst.pt));
	vst.npt[3][VST_GPA_CODE >> HV_PAGE_SHIFT] = hpa_val(ptr_to_hpa(vst.code)) | NPT_P | NPT_RW | NPT_US;
	vst.npt[3][VST_GPA_PT >> HV_PAGE_SHIFT] = pa_pt | NPT_P | NPT_RW | NPT_US;
	vst.npt[3][(VST_GPA_PT >> HV_PAGE_SHIFT) + 1] = (pa_pt + HV_PAGE_SIZE) | NPT_P | NPT_RW | NPT_US;

	vst.v.name = "smp-vcpu";
	vst.v.asid = 1;
	vst.setup.entry = gpa(VST_GPA_CODE);
	vst.setup.stack_top = gpa(VST_GPA_CODE + HV_PAGE_SIZE);
	vst.setup.page_tables = gpa(VST_GPA_PT);
	vst.setup.nested_root = ptr_to_hpa(vst.npt[0]);
	return 0;
}

static void vst_free(void)
{
	if (vst.created) {
		vcpu_arch_destroy(&vst.v);
	}
	for (unsigned i = 0; i < 4; i++) {
		if (vst.npt[i] != NULL) {
			page_free(vst.npt[i], 0);
		}
	}
	if (vst.pt != NULL) {
		page_free(vst.pt, 1);
	}
	if (vst.code != NULL) {
		page_free(vst.code, 0);
	}
}

/* Run on cpu until the count passes `above`, then stop it with stop_request + smp_kick. */
static bool vst_run_and_kick(unsigned cpu, uint64_t above, const char *what)
{
	bool ok = true;

	__atomic_store_n(&vst.v.stop_request, 0, __ATOMIC_RELEASE);
	ok &= ST_CHECK(smp_call_on(cpu, vst_run, NULL) == 0, "%s: vCPU given to CPU %u", what, cpu);
	ok &= ST_CHECK(poll_until(*vst_count() > above + 1000, VST_WAIT_US) == 0 && smp_cpu_busy(cpu),
		       "%s: the guest runs on CPU %u (count %llu, was %llu)", what, cpu,
		       (unsigned long long)*vst_count(), (unsigned long long)above);
	__atomic_store_n(&vst.v.stop_request, 1, __ATOMIC_RELEASE);
	smp_kick(cpu);
	ok &= ST_CHECK(poll_until(!smp_cpu_busy(cpu), VST_WAIT_US) == 0, "%s: stop_request + smp_kick end the run",
		       what);
	ok &= ST_CHECK(!smp_cpu_busy(cpu) && vst.ret == 0 && vst.exit.kind == VCPU_EXIT_KICK,
		       "%s: vcpu_arch_run returned %d, exit kind %d (VCPU_EXIT_KICK %d)", what, vst.ret, vst.exit.kind,
		       VCPU_EXIT_KICK);
	return ok;
}

static int selftest_smp_vcpu(const struct bootinfo *bi)
{
	unsigned other = smp_cpu_online(2) ? 2 : 1;
	uint64_t c1, c2;
	bool ok = true;
	int ret;

	(void)bi;
	memset(&vst, 0, sizeof(vst));
	if (!smp_cpu_online(1)) {
		pr_err("smp_vcpu: needs CPU 1 online");
		return -ENODEV;
	}
	ret = vst_build();
	if (ret != 0) {
		vst_free();
		return ret;
	}
	/* 1. A stop request before the first run: nothing runs. */
	__atomic_store_n(&vst.v.stop_request, 1, __ATOMIC_RELEASE);
	ok &= ST_CHECK(smp_call_on(1, vst_run, NULL) == 0 && poll_until(!smp_cpu_busy(1), VST_WAIT_US) == 0,
		       "1: vCPU created on CPU 1 with stop_request already set");
	ok &= ST_CHECK(vst.ret == 0 && vst.exit.kind == VCPU_EXIT_KICK && *vst_count() == 0,
		       "1: VCPU_EXIT_KICK before any VMRUN (ret %d, kind %d, count %llu)", vst.ret, vst.exit.kind,
		       (unsigned long long)*vst_count());
	if (!ok) {
		goto out;
	}
	/* 2. A guest that never exits, stopped from the boot CPU. */
	ok &= vst_run_and_kick(1, 0, "2");
	c1 = *vst_count();
	/* 3. The same vCPU resumes on another CPU where it stopped. */
	ok &= vst_run_and_kick(other, c1, "3");
	c2 = *vst_count();
	ok &= ST_CHECK(c2 > c1, "3: the guest's count went on from %llu to %llu on CPU %u (state kept)",
		       (unsigned long long)c1, (unsigned long long)c2, other);
	/* 4. Reset to a new entry (same nested table and ASID), run again on CPU 1. */
	vst.setup.entry = gpa(VST_GPA_CODE + VST_ENTRY2);
	ret = vcpu_arch_reset(&vst.v, &vst.setup);
	*vst_count() = 0;
	ok &= ST_CHECK(ret == 0, "4: vcpu_arch_reset to entry 0x%llx", (unsigned long long)(VST_GPA_CODE + VST_ENTRY2));
	ok &= vst_run_and_kick(1, 0, "4");
	ok &= ST_CHECK(*(volatile uint64_t *)(vst.code + VST_MARK_OFF) == VST_MARK,
		       "4: the reset vCPU started at the new entry (marker 0x%llx)",
		       (unsigned long long)*(volatile uint64_t *)(vst.code + VST_MARK_OFF));
out:
	if (!smp_cpu_busy(1) && !smp_cpu_busy(other)) {
		vst_free();
	}
	return ok ? 0 : -EIO;
}
HV_SELFTEST(smp_vcpu, selftest_smp_vcpu);
