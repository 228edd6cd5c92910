// SPDX-License-Identifier: MIT
/*
 * Host tests of hv/smp.c with threads standing in for CPUs (arch/host/smp.c): bring-up over a
 * MADT with enabled, disabled, refused and silent CPUs ("smp: N of M CPUs online"), the work
 * hand-off (each CPU runs what it is given on its own per-CPU area, one piece of work at a
 * time, never the caller's CPU), and kicks.
 */
#define TEST_MAIN
#include "test.h"

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/smp.h>

#include "arch/host/host.h"

/* The CPUs' stacks live as long as the CPUs, i.e. past the end of the test: not leaks. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static struct acpi_info acpi;
static unsigned ran_on[HV_MAX_CPUS];
static uint32_t gate, entered;

static void add_cpu(uint64_t hw, bool enabled)
{
	struct acpi_cpu *c = &acpi.madt.cpus[acpi.madt.nr_cpus++];

	c->kind = ACPI_CPU_X2APIC;
	c->hwid = hw;
	c->flags = enabled ? ACPI_CPU_ENABLED : ACPI_CPU_ONLINE_CAPABLE;
}

static void record_cpu(void *arg)
{
	unsigned slot = (unsigned)(uintptr_t)arg;

	__atomic_store_n(&ran_on[slot], this_cpu()->id + 100, __ATOMIC_RELEASE);
}

static void wait_at_gate(void *arg)
{
	(void)arg;
	__atomic_store_n(&entered, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&gate, __ATOMIC_ACQUIRE)) {
		arch_cpu_relax();
	}
}

static void wait_idle(unsigned cpu)
{
	while (smp_cpu_busy(cpu)) {
		arch_cpu_relax();
	}
}

/* One test: smp_init runs once per process (it starts threads for good). */
TEST(bring_up_and_work)
{
	smp_boot_cpu_init(0x10);
	add_cpu(0x10, true);  /* the boot CPU: not started again */
	add_cpu(0x11, true);  /* CPU 1 */
	add_cpu(0x12, false); /* online capable only: not started, not counted */
	add_cpu(0x13, true);  /* CPU 2: the firmware refuses it */
	add_cpu(0x14, true);  /* CPU 3 */
	add_cpu(0x15, true);  /* CPU 4: never checks in (2 s bound) */
	host_smp_refuse(0x13);
	host_smp_never_start(0x15);

	EXPECT_EQ(smp_init(&acpi), 3);
	EXPECT_EQ(smp_cpus_online(), 3);
	EXPECT_EQ(smp_cpus_listed(), 5);
	EXPECT_TRUE(smp_cpu_online(0) && smp_cpu_online(1) && smp_cpu_online(3));
	EXPECT_TRUE(!smp_cpu_online(2) && !smp_cpu_online(4) && !smp_cpu_online(5));
	EXPECT_EQ(percpu_of(2)->state, CPU_FAILED);
	EXPECT_EQ(percpu_of(4)->state, CPU_FAILED);
	EXPECT_EQ(percpu_of(3)->hw_id, 0x14);
	EXPECT_TRUE(percpu_of(1)->stack_top != 0);

	/* Each online CPU runs its work on its own area; the caller's CPU and dead ones refuse. */
	EXPECT_EQ(smp_call_on(1, record_cpu, (void *)1), 0);
	EXPECT_EQ(smp_call_on(3, record_cpu, (void *)3), 0);
	wait_idle(1);
	wait_idle(3);
	EXPECT_EQ(__atomic_load_n(&ran_on[1], __ATOMIC_ACQUIRE), 101);
	EXPECT_EQ(__atomic_load_n(&ran_on[3], __ATOMIC_ACQUIRE), 103);
	EXPECT_EQ(smp_call_on(0, record_cpu, (void *)0), -ENODEV);
	EXPECT_EQ(smp_call_on(2, record_cpu, (void *)2), -ENODEV);
	EXPECT_EQ(smp_call_on(HV_MAX_CPUS, record_cpu, NULL), -ENODEV);

	/* One piece of work at a time: a busy CPU refuses the next until the first returns. */
	EXPECT_EQ(smp_call_on(1, wait_at_gate, NULL), 0);
	while (!__atomic_load_n(&entered, __ATOMIC_ACQUIRE)) {
		arch_cpu_relax();
	}
	EXPECT_TRUE(smp_cpu_busy(1));
	EXPECT_EQ(smp_call_on(1, record_cpu, (void *)5), -EBUSY);
	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	wait_idle(1);
	EXPECT_EQ(smp_call_on(1, record_cpu, (void *)5), 0);
	wait_idle(1);
	EXPECT_EQ(__atomic_load_n(&ran_on[5], __ATOMIC_ACQUIRE), 101);

	/* Kicks are counted for the target only, never for the caller itself. */
	smp_kick(3);
	smp_kick(0);
	smp_kick(2);
	EXPECT_EQ(percpu_of(3)->nr_kicks, 1);
	EXPECT_EQ(percpu_of(0)->nr_kicks, 0);
	EXPECT_EQ(percpu_of(2)->nr_kicks, 0);
}

/* Many hand-offs in a row: every one runs exactly once. */
static uint32_t count;

static void bump(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
}

TEST(hand_off_many)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < 20000; i++) {
		unsigned cpu = (i & 1) ? 1 : 3;

		while (smp_call_on(cpu, bump, NULL) == -EBUSY) {
			arch_cpu_relax();
		}
		sent++;
	}
	wait_idle(1);
	wait_idle(3);
	EXPECT_EQ(__atomic_load_n(&count, __ATOMIC_ACQUIRE), sent);
}
