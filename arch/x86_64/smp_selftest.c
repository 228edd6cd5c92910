// SPDX-License-Identifier: MIT
/*
 * x86_64 SMP self-tests (test image only; docs/X86.md "CPUs"):
 *
 *  selftest=smp: every secondary CPU gets work through smp_call_on, all at once. Each one
 *    records what it sees of itself: this_cpu()'s id and hw_id (IA32_GS_BASE per CPU), its
 *    CPUID and local-APIC IDs, an address on its stack (its own, from hv/smp.c), its GDTR,
 *    IDTR and TR (its own GDT/TSS, the shared IDT), and takes an int3 that must come back
 *    through its IDT and count on its own per-CPU counter. Then all CPUs hammer one ticket lock
 *    (a counter only the lock protects), and each sleeps in arch_cpu_idle() until the boot CPU
 *    sets a flag and wakes it with smp_kick: the kick IPI must arrive (percpu kicks_taken).
 *    Every wait of the boot CPU is bounded: a CPU that never wakes fails the test.
 *  selftest=smp_fault: CPU 1 runs ud2; the dump must say "on CPU 1" and the exit comes from
 *    there (arch_exit works on any CPU).
 *  selftest=smp_absent: run hv/smp.c's smp_init once more on a made-up MADT listing the boot
 *    CPU and a CPU whose APIC ID nobody has. The INIT/STARTUP IPIs go nowhere, the bounded
 *    wait expires, and the CPU must be reported and left out ("1 of 2 CPUs online"). QEMU
 *    cannot make a CPU of its own ignore STARTUP, so this is how the timeout path runs; it
 *    needs a one-CPU machine (-smp 1), since smp_init numbers the made-up CPU 1.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/selftest.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <hv/wait.h>

#include "x86.h"

#define SMP_WAIT_US 5000000 /* per CPU; TCG on a loaded 2-core host is slow */
/*
 * A FIFO lock with more vCPU threads than host cores is slow under TCG (a preempted waiter
 * holds up every later ticket), so the rounds are few and the bound for them generous.
 */
#define SMP_LOCK_ROUNDS	   5000
#define SMP_LOCK_WAIT_US   60000000
#define SMP_ABSENT_APIC_ID 0x7e

struct smp_probe {
	unsigned id;
	uint64_t hw_id;
	uint64_t cpuid_hw_id;
	uint32_t apic_id;
	uintptr_t rsp;
	struct x86_desc_ptr gdtr, idtr;
	uint16_t tr;
	uint64_t breakpoints;
};

static struct smp_probe probes[HV_MAX_CPUS];
static hv_spinlock_t test_lock = HV_SPINLOCK_INIT;
static uint64_t locked_counter; /* written only under test_lock */
static uint32_t wake_flag;
static uint32_t sleepers;

static void probe_cpu(void *arg)
{
	struct smp_probe *p = arg;
	struct percpu *c = this_cpu();
	uint64_t bp0 = c->arch.breakpoints;
	volatile int on_stack = 0;

	p->id = c->id;
	p->hw_id = c->hw_id;
	p->cpuid_hw_id = x86_cpu_hw_id();
	p->apic_id = x86_lapic_id();
	p->rsp = (uintptr_t)&on_stack;
	x86_sgdt(&p->gdtr);
	x86_sidt(&p->idtr);
	__asm__ __volatile__("str %0" : "=r"(p->tr));
	__asm__ __volatile__("int3" ::: "memory");
	p->breakpoints = c->arch.breakpoints - bp0;
}

static void hammer_lock(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < SMP_LOCK_ROUNDS; i++) {
		hv_spin_lock(&test_lock);
		locked_counter++;
		hv_spin_unlock(&test_lock);
	}
}

/* Sleep until the boot CPU sets wake_flag; only a kick (or another interrupt) ends HLT. */
static void sleep_until_kicked(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&sleepers, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&wake_flag, __ATOMIC_ACQUIRE) == 0) {
		arch_cpu_idle();
	}
}

/* Run fn on every online secondary CPU at once; bounded wait for all. */
static bool run_on_all(void (*fn)(void *), bool per_cpu_arg, uint64_t wait_us, const char *what)
{
	bool ok = true;

	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			int ret = smp_call_on(i, fn, per_cpu_arg ? &probes[i] : NULL);

			ok &= ST_CHECK(ret == 0, "smp_call_on(CPU %u, %s) = %d", i, what, ret);
		}
	}
	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			ok &= ST_CHECK(poll_until(!smp_cpu_busy(i), wait_us) == 0, "CPU %u finished %s", i, what);
		}
	}
	return ok;
}

static bool check_probe(unsigned i)
{
	const struct smp_probe *p = &probes[i];
	const struct percpu *c = percpu_of(i);
	bool ok = true;

	ok &= ST_CHECK(p->id == i && p->hw_id == c->hw_id,
		       "CPU %u: this_cpu() through its own GS base: id %u, hw id 0x%llx", i, p->id,
		       (unsigned long long)p->hw_id);
	ok &= ST_CHECK(p->cpuid_hw_id == c->hw_id && p->apic_id == c->hw_id,
		       "CPU %u: CPUID ID 0x%llx and local APIC ID 0x%x are the MADT's 0x%llx", i,
		       (unsigned long long)p->cpuid_hw_id, p->apic_id, (unsigned long long)c->hw_id);
	ok &= ST_CHECK(p->rsp < c->stack_top && p->rsp >= c->stack_top - HV_CPU_STACK_SIZE,
		       "CPU %u: runs on its own stack (0x%llx in [0x%llx, 0x%llx))", i, (unsigned long long)p->rsp,
		       (unsigned long long)(c->stack_top - HV_CPU_STACK_SIZE), (unsigned long long)c->stack_top);
	ok &= ST_CHECK(p->gdtr.base == (uint64_t)(uintptr_t)c->arch.gdt && p->tr == X86_SEL_TSS &&
			       c->arch.tss.ist[0] == c->arch.ist_top && c->arch.ist_top != percpu_of(0)->arch.ist_top,
		       "CPU %u: own GDT 0x%llx, TR 0x%x, own IST1 stack", i, (unsigned long long)p->gdtr.base, p->tr);
	ok &= ST_CHECK(p->idtr.base == x86_cpu_tables_idt_base() && p->breakpoints == 1,
		       "CPU %u: shared IDT 0x%llx, int3 handled there %llu time(s)", i,
		       (unsigned long long)p->idtr.base, (unsigned long long)p->breakpoints);
	return ok;
}

static int selftest_smp(const struct bootinfo *bi)
{
	unsigned n = smp_cpus_online(), others = 0;
	uint64_t kicks[HV_MAX_CPUS] = { 0 }, sent[HV_MAX_CPUS] = { 0 };
	bool ok = true;

	(void)bi;
	ok &= ST_CHECK(n >= 2 && n == smp_cpus_listed(), "%u of %u CPUs online (at least 2 to test)", n,
		       smp_cpus_listed());
	ok &= ST_CHECK(smp_call_on(0, probe_cpu, &probes[0]) == -ENODEV, "smp_call_on refuses the calling CPU");
	ok &= ST_CHECK(smp_call_on(HV_MAX_CPUS, probe_cpu, NULL) == -ENODEV,
		       "smp_call_on refuses a CPU number past the end");
	if (!ok) {
		return -EIO;
	}

	memset(probes, 0, sizeof(probes));
	ok &= run_on_all(probe_cpu, true, SMP_WAIT_US, "the probe");
	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			ok &= check_probe(i);
			others++;
		}
	}

	locked_counter = 0;
	ok &= run_on_all(hammer_lock, false, SMP_LOCK_WAIT_US, "the lock hammer");
	ok &= ST_CHECK(locked_counter == (uint64_t)others * SMP_LOCK_ROUNDS, "ticket lock: %llu increments by %u CPUs",
		       (unsigned long long)locked_counter, others);

	__atomic_store_n(&wake_flag, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&sleepers, 0, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			ok &= ST_CHECK(smp_call_on(i, sleep_until_kicked, NULL) == 0, "CPU %u sent to sleep", i);
		}
	}
	ok &= ST_CHECK(poll_until(__atomic_load_n(&sleepers, __ATOMIC_ACQUIRE) == others, SMP_WAIT_US) == 0,
		       "%u CPU(s) asleep in arch_cpu_idle", others);
	(void)poll_until(false, 20000); /* 20 ms: let them reach HLT */
	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			ok &= ST_CHECK(smp_cpu_busy(i), "CPU %u still asleep before its kick", i);
			kicks[i] = __atomic_load_n(&percpu_of(i)->arch.kicks_taken, __ATOMIC_RELAXED);
			sent[i] = __atomic_load_n(&percpu_of(i)->nr_kicks, __ATOMIC_RELAXED);
		}
	}
	__atomic_store_n(&wake_flag, 1, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			smp_kick(i);
		}
	}
	for (unsigned i = 1; i < HV_MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			struct percpu *c = percpu_of(i);

			ok &= ST_CHECK(poll_until(!smp_cpu_busy(i), SMP_WAIT_US) == 0, "CPU %u woke up after smp_kick",
				       i);
			ok &= ST_CHECK(__atomic_load_n(&c->arch.kicks_taken, __ATOMIC_RELAXED) > kicks[i] &&
					       __atomic_load_n(&c->nr_kicks, __ATOMIC_RELAXED) == sent[i] + 1,
				       "CPU %u took the kick IPI (vector 0x%x)", i, X86_VEC_KICK);
		}
	}
	pr_info("  smp: %u secondary CPU(s) checked in %s mode", others, x86_lapic_x2apic() ? "x2APIC" : "xAPIC");
	return ok ? 0 : -EIO;
}
HV_SELFTEST(smp, selftest_smp);

static void fault_ud(void *arg)
{
	(void)arg;
	pr_info("smp: CPU %u executing an undefined instruction; expect a register dump", arch_cpu_id());
	__builtin_trap();
}

static int selftest_smp_fault(const struct bootinfo *bi)
{
	(void)bi;
	if (smp_call_on(1, fault_ud, NULL) != 0) {
		pr_err("smp: CPU 1 is not online");
		return -ENODEV;
	}
	/* CPU 1 ends the run from its exception handler; getting past this wait is a failure. */
	(void)poll_until(false, SMP_WAIT_US);
	pr_err("smp: CPU 1 did not end the run after its #UD");
	return -EIO;
}
HV_SELFTEST(smp_fault, selftest_smp_fault);

static int selftest_smp_absent(const struct bootinfo *bi)
{
	static struct acpi_info fake;
	unsigned online;

	(void)bi;
	if (smp_cpus_listed() != 1) {
		pr_err("smp: smp_absent needs a one-CPU machine (-smp 1)");
		return -EINVAL;
	}
	memset(&fake, 0, sizeof(fake));
	fake.madt.present = true;
	fake.madt.nr_cpus = 2;
	fake.madt.nr_enabled = 2;
	fake.madt.cpus[0] =
		(struct acpi_cpu){ .kind = ACPI_CPU_LAPIC, .hwid = percpu_of(0)->hw_id, .flags = ACPI_CPU_ENABLED };
	fake.madt.cpus[1] = (struct acpi_cpu){
		.kind = ACPI_CPU_LAPIC, .uid = 1, .hwid = SMP_ABSENT_APIC_ID, .flags = ACPI_CPU_ENABLED
	};
	pr_info("smp: starting a CPU with APIC ID 0x%x that does not exist", SMP_ABSENT_APIC_ID);
	online = smp_init(&fake);
	return ST_CHECK(online == 1 && !smp_cpu_online(1) && percpu_of(1)->state == CPU_FAILED,
			"the absent CPU is left out: %u CPU(s) online, CPU 1 state %u", online, percpu_of(1)->state)
		       ? 0
		       : -EIO;
}
HV_SELFTEST(smp_absent, selftest_smp_absent);
