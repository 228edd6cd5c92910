// SPDX-License-Identifier: MIT
/*
 * selftest=smp (arm64, test image only): the secondary CPUs as the hypervisor uses them. Run
 * with several CPUs (tests/qemu/run.py arm64-smp: -smp 4, multi-threaded TCG); with one CPU it
 * fails, since there is nothing to test.
 *   probe  every online secondary CPU runs a function given by smp_call_on, all at once: it
 *          reports its this_cpu() (TPIDR_EL2) and id, its MPIDR, where its stack is, the EL2
 *          registers it runs with, and takes a BRK through its own vectors. Each must be its
 *          own: the percpu the boot CPU set up for it, its MADT MPIDR, its own hypervisor stack
 *          (SP_EL0) and exception stack (SP_EL2, where the BRK's frame lands), the boot CPU's
 *          translation regime, vectors and host HCR_EL2.
 *   lock   all CPUs increment one plain counter under one hv_spinlock_t, 5,000 times each:
 *          nothing may be lost (the ticket lock's acquire/release on real parallel threads).
 *   kick   each secondary CPU, idle, sleeps in WFI (its wakeup count stands still for 50 ms);
 *          smp_kick() then wakes it: one kick SGI acknowledged on it, one wakeup.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/selftest.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <hv/wait.h>

#include "arm64.h"

#define SMP_LOCK_ROUNDS 5000
#define SMP_WAIT_US	2000000

struct smp_probe {
	uint64_t tpidr, id, mpidr, sp;
	uint64_t vbar, ttbr0, tcr, mair, sctlr, hcr, daif;
	uint64_t brks, brk_frame;
	uint32_t done;
};

static struct smp_probe probes[HV_MAX_CPUS];
static hv_spinlock_t smp_test_lock = HV_SPINLOCK_INIT;
static uint64_t smp_test_counter;
static uint32_t lock_go, lock_done;

static void smp_probe_fn(void *arg)
{
	struct smp_probe *p = arg;
	struct percpu *c = this_cpu();
	volatile uint64_t on_stack = 0;
	uint64_t brk0 = c->arch.nr_brk;

	p->tpidr = read_sysreg(tpidr_el2);
	p->id = c->id;
	p->mpidr = read_sysreg(mpidr_el1) & MPIDR_AFFINITY;
	p->sp = (uint64_t)(uintptr_t)&on_stack;
	p->vbar = read_sysreg(vbar_el2);
	p->ttbr0 = read_sysreg(ttbr0_el2);
	p->tcr = read_sysreg(tcr_el2);
	p->mair = read_sysreg(mair_el2);
	p->sctlr = read_sysreg(sctlr_el2);
	p->hcr = read_sysreg(hcr_el2);
	p->daif = read_sysreg(daif);
	__asm__ __volatile__("brk %0" ::"i"(ARM64_BRK_SELFTEST) : "memory");
	p->brks = c->arch.nr_brk - brk0;
	p->brk_frame = c->arch.last_brk_frame;
	(void)on_stack;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
}

static bool smp_check_probe(unsigned cpu)
{
	const struct smp_probe *p = &probes[cpu];
	const struct percpu *c = percpu_of(cpu);
	uint64_t stack_lo = c->stack_top - HV_CPU_STACK_SIZE, exc_hi = c->arch.exc_stack_top;
	uint64_t exc_lo = exc_hi - ARM64_EXC_STACK_SIZE;
	bool regime = p->vbar == (uint64_t)(uintptr_t)arm64_vectors && p->ttbr0 == read_sysreg(ttbr0_el2) &&
		      p->tcr == read_sysreg(tcr_el2) && p->mair == read_sysreg(mair_el2) &&
		      p->sctlr == read_sysreg(sctlr_el2) && p->hcr == hv_percpu[0].arch.host_hcr;
	bool ok = true;

	ok &= ST_CHECK(p->tpidr == (uint64_t)(uintptr_t)c && p->id == cpu && p->mpidr == c->hw_id &&
			       p->mpidr != hv_percpu[0].hw_id,
		       "smp: CPU %u: this_cpu() = TPIDR_EL2 = its percpu (id %llu), MPIDR 0x%llx as the MADT's 0x%llx",
		       cpu, (unsigned long long)p->id, (unsigned long long)p->mpidr, (unsigned long long)c->hw_id);
	ok &= ST_CHECK(p->sp >= stack_lo && p->sp < c->stack_top,
		       "smp: CPU %u: runs on its own stack (SP 0x%llx in [0x%llx, 0x%llx))", cpu,
		       (unsigned long long)p->sp, (unsigned long long)stack_lo, (unsigned long long)c->stack_top);
	ok &= ST_CHECK(
		p->brks == 1 && p->brk_frame >= exc_lo && p->brk_frame < exc_hi && exc_hi != arm64_boot_exc_stack_top,
		"smp: CPU %u: BRK taken through its vectors on its own exception stack (%llu, frame 0x%llx in [0x%llx, "
		"0x%llx))",
		cpu, (unsigned long long)p->brks, (unsigned long long)p->brk_frame, (unsigned long long)exc_lo,
		(unsigned long long)exc_hi);
	ok &= ST_CHECK(regime && (p->daif & (BIT(7) | BIT(6))) == (BIT(7) | BIT(6)),
		       "smp: CPU %u: the boot CPU's EL2 regime (VBAR 0x%llx TTBR0 0x%llx SCTLR 0x%llx HCR 0x%llx), "
		       "IRQ/FIQ masked (DAIF 0x%llx)",
		       cpu, (unsigned long long)p->vbar, (unsigned long long)p->ttbr0, (unsigned long long)p->sctlr,
		       (unsigned long long)p->hcr, (unsigned long long)p->daif);
	return ok;
}

static void smp_lock_fn(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&lock_go, __ATOMIC_ACQUIRE)) {
		arch_cpu_relax();
	}
	for (unsigned i = 0; i < SMP_LOCK_ROUNDS; i++) {
		hv_spin_lock(&smp_test_lock);
		smp_test_counter++; /* a plain read-modify-write: only the lock protects it */
		hv_spin_unlock(&smp_test_lock);
	}
	__atomic_fetch_add(&lock_done, 1, __ATOMIC_ACQ_REL);
}

static bool smp_lock_test(unsigned online)
{
	unsigned started = 0;

	smp_test_counter = 0;
	for (unsigned cpu = 1; cpu < HV_MAX_CPUS; cpu++) {
		if (smp_cpu_online(cpu) && smp_call_on(cpu, smp_lock_fn, NULL) == 0) {
			started++;
		}
	}
	__atomic_store_n(&lock_go, 1, __ATOMIC_RELEASE);
	smp_lock_fn(NULL);
	(void)poll_until(__atomic_load_n(&lock_done, __ATOMIC_ACQUIRE) == started + 1, SMP_WAIT_US * 5);
	return ST_CHECK(started + 1 == online && smp_test_counter == (uint64_t)(started + 1) * SMP_LOCK_ROUNDS,
			"smp: %u CPUs x %u increments under one spinlock: counter %llu", started + 1, SMP_LOCK_ROUNDS,
			(unsigned long long)smp_test_counter);
}

static bool smp_kick_test(unsigned cpu)
{
	struct percpu *c = percpu_of(cpu);
	uint64_t w0, w1, k0, w2, k2;
	int ret;

	(void)poll_until(!smp_cpu_busy(cpu), SMP_WAIT_US);
	/*
	 * Asleep: no wakeup for 50 ms. A few tries, since a kick that arrived while it still ran
	 * the last work wakes it once more when it goes idle (late on a loaded host); a CPU that
	 * spins instead of sleeping never gets a quiet 50 ms.
	 */
	for (unsigned i = 0; i < 5; i++) {
		w0 = __atomic_load_n(&c->arch.nr_idle_wakeups, __ATOMIC_RELAXED);
		k0 = __atomic_load_n(&c->arch.nr_kick_sgis, __ATOMIC_RELAXED);
		(void)poll_until(false, 50000);
		w1 = __atomic_load_n(&c->arch.nr_idle_wakeups, __ATOMIC_RELAXED);
		if (w1 == w0 && __atomic_load_n(&c->arch.nr_kick_sgis, __ATOMIC_RELAXED) == k0) {
			break;
		}
	}
	smp_kick(cpu);
	ret = poll_until(__atomic_load_n(&c->arch.nr_kick_sgis, __ATOMIC_RELAXED) > k0 &&
				 __atomic_load_n(&c->arch.nr_idle_wakeups, __ATOMIC_RELAXED) > w1,
			 SMP_WAIT_US);
	w2 = __atomic_load_n(&c->arch.nr_idle_wakeups, __ATOMIC_RELAXED);
	k2 = __atomic_load_n(&c->arch.nr_kick_sgis, __ATOMIC_RELAXED);
	return ST_CHECK(ret == 0 && w1 == w0 && k2 == k0 + 1 && w2 == w1 + 1,
			"smp: CPU %u asleep in WFI (%llu wakeups in 50 ms), smp_kick woke it: %llu kick SGI(s), %llu "
			"wakeup(s)",
			cpu, (unsigned long long)(w1 - w0), (unsigned long long)(k2 - k0),
			(unsigned long long)(w2 - w1));
}

static int selftest_smp(const struct bootinfo *bi)
{
	unsigned online = smp_cpus_online(), asked = 0;
	bool ok = true;

	(void)bi;
	if (!ST_CHECK(online > 1, "smp: %u CPUs online (this test needs more than one)", online)) {
		return -ENODEV;
	}
	/* All secondary CPUs probe themselves at the same time. */
	for (unsigned cpu = 1; cpu < HV_MAX_CPUS; cpu++) {
		if (smp_cpu_online(cpu)) {
			ok &= ST_CHECK(smp_call_on(cpu, smp_probe_fn, &probes[cpu]) == 0, "smp: CPU %u takes work",
				       cpu);
			asked++;
		}
	}
	ok &= ST_CHECK(smp_call_on(0, smp_probe_fn, &probes[0]) == -ENODEV, "smp: smp_call_on(self) refused");
	for (unsigned cpu = 1; cpu < HV_MAX_CPUS; cpu++) {
		if (!smp_cpu_online(cpu)) {
			continue;
		}
		if (!ST_CHECK(poll_until(__atomic_load_n(&probes[cpu].done, __ATOMIC_ACQUIRE) != 0, SMP_WAIT_US) == 0,
			      "smp: CPU %u ran its work", cpu)) {
			ok = false;
			continue;
		}
		ok &= smp_check_probe(cpu);
	}
	ok &= ST_CHECK(asked + 1 == online, "smp: %u secondary CPU(s) probed", asked);
	for (unsigned cpu = 1; cpu < HV_MAX_CPUS; cpu++) {
		(void)poll_until(!smp_cpu_busy(cpu), SMP_WAIT_US);
	}
	ok &= smp_lock_test(online);
	for (unsigned cpu = 1; cpu < HV_MAX_CPUS; cpu++) {
		if (smp_cpu_online(cpu)) {
			ok &= smp_kick_test(cpu);
		}
	}
	return ok ? 0 : -EIO;
}
HV_SELFTEST(smp, selftest_smp);
