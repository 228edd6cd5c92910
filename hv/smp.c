// SPDX-License-Identifier: MIT
/*
 * CPU bring-up and per-CPU work (include/hv/smp.h, docs/ARCHITECTURE.md "CPUs").
 *
 * Numbering: CPU 0 is the boot CPU; the other enabled CPUs of the MADT (x86 Local APIC/x2APIC,
 * arm64 GICC entries; ACPI 6.5, 5.2.12) follow in table order. A disabled entry that is only
 * "online capable" is not started (nothing hot-plugs it). Each secondary CPU gets a stack from
 * the page allocator and is started by the arch (arch_cpu_start); the wait for it to check in is
 * bounded (SMP_START_TIMEOUT_US), and a CPU that does not check in is reported by number, marked
 * CPU_FAILED and never used: the boot goes on with the others. A CPU that checks in late is
 * parked by smp_secondary_main, never given work.
 *
 * Work hand-off: the caller claims the idle CPU's percpu.work with a compare-and-swap (a second
 * caller gets -EBUSY), stores the argument, publishes the function (release) and kicks the CPU;
 * the CPU runs it and clears work (release) when it returns.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/smp.h>
#include <hv/wait.h>

/* 2 s: INIT-SIPI-SIPI needs ~10 ms on hardware; TCG on a loaded host is far slower. */
#define SMP_START_TIMEOUT_US 2000000
#define SMP_STACK_ORDER	     4 /* 2^4 pages = HV_CPU_STACK_SIZE */
_Static_assert((HV_PAGE_SIZE << SMP_STACK_ORDER) == HV_CPU_STACK_SIZE, "stack order");

/* percpu.work while a producer is filling work_arg: the CPU waits for the real function. */
static void smp_work_claimed(void *arg)
{
	(void)arg;
}

struct percpu hv_percpu[HV_MAX_CPUS];
static unsigned nr_listed = 1, nr_online = 1;

unsigned smp_cpus_listed(void)
{
	return nr_listed;
}

unsigned smp_cpus_online(void)
{
	return nr_online;
}

bool smp_cpu_online(unsigned cpu)
{
	return cpu < HV_MAX_CPUS && __atomic_load_n(&hv_percpu[cpu].state, __ATOMIC_ACQUIRE) == CPU_ONLINE;
}

void smp_boot_cpu_init(uint64_t hw_id)
{
	struct percpu *c = &hv_percpu[0];

	c->self = c;
	c->id = 0;
	c->hw_id = hw_id;
	c->state = CPU_ONLINE;
	arch_percpu_set(c);
}

static bool cpu_enabled(const struct acpi_cpu *a)
{
	return (a->flags & ACPI_CPU_ENABLED) != 0;
}

unsigned smp_init(const struct acpi_info *acpi)
{
	uint64_t boot_hw = hv_percpu[0].hw_id;
	unsigned listed = 1, n = 1, dropped = 0;

	for (unsigned i = 0; i < acpi->madt.nr_cpus; i++) {
		const struct acpi_cpu *a = &acpi->madt.cpus[i];
		struct percpu *c;
		void *stack;
		int ret;

		if (!cpu_enabled(a) || a->hwid == boot_hw) {
			continue;
		}
		if (n == HV_MAX_CPUS) {
			dropped++;
			continue;
		}
		c = &hv_percpu[n];
		c->self = c;
		c->id = n++;
		c->hw_id = a->hwid;
		listed++;
		stack = page_alloc(SMP_STACK_ORDER);
		if (stack == NULL) {
			pr_err("smp: CPU %u (hw id 0x%llx): no memory for its stack; left out", c->id,
			       (unsigned long long)c->hw_id);
			c->state = CPU_FAILED;
			continue;
		}
		c->stack_top = (uintptr_t)stack + HV_CPU_STACK_SIZE;
		__atomic_store_n(&c->state, CPU_STARTING, __ATOMIC_RELEASE);
		ret = arch_cpu_start(c);
		if (ret == 0) {
			ret = poll_until(__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE,
					 SMP_START_TIMEOUT_US);
		} else {
			/* Refused before it could run: the stack was never used. (After a time-out it
			 * may still be: a late CPU runs on it until it sees CPU_FAILED.) */
			page_free(stack, SMP_STACK_ORDER);
			c->stack_top = 0;
		}
		if (ret == -EOPNOTSUPP) {
			/* No way to start CPUs here (arm64: no PSCI conduit): a property, not an error. */
			__atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
			pr_warn("smp: CPU %u (hw id 0x%llx): the platform gives no way to start it; left out", c->id,
				(unsigned long long)c->hw_id);
			continue;
		}
		if (ret != 0) {
			/* A late check-in sees CPU_FAILED and parks (smp_secondary_main). */
			__atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
			pr_err("smp: CPU %u (hw id 0x%llx) did not come up (%d %s); left out", c->id,
			       (unsigned long long)c->hw_id, ret, hv_strerror(ret));
			continue;
		}
		nr_online++;
		pr_info("smp: CPU %u (hw id 0x%llx) online", c->id, (unsigned long long)c->hw_id);
	}
	if (dropped != 0 || acpi->madt.nr_dropped != 0) {
		pr_warn("smp: %u enabled CPU(s) beyond the %u the hypervisor drives are left out",
			dropped + acpi->madt.nr_dropped, HV_MAX_CPUS);
	}
	nr_listed = listed;
	pr_info("smp: %u of %u CPUs online", nr_online, nr_listed);
	return nr_online;
}

__noreturn void smp_secondary_main(struct percpu *c)
{
	uint32_t expect = CPU_STARTING;

	if (!__atomic_compare_exchange_n(&c->state, &expect, CPU_ONLINE, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Too late: the boot CPU gave up on us and said so. Never touch anything again. */
		arch_halt();
	}
	for (;;) {
		void (*fn)(void *) = __atomic_load_n(&c->work, __ATOMIC_ACQUIRE);

		if (fn == NULL) {
			arch_cpu_idle();
			continue;
		}
		if (fn == smp_work_claimed) {
			arch_cpu_relax(); /* the producer is between its two stores */
			continue;
		}
		fn(c->work_arg);
		__atomic_store_n(&c->work, NULL, __ATOMIC_RELEASE);
	}
}

int smp_call_on(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct percpu *c = percpu_of(cpu);
	void (*none)(void *) = NULL;

	if (c == NULL || !smp_cpu_online(cpu) || cpu == arch_cpu_id()) {
		return -ENODEV;
	}
	/* Claim the slot, fill the argument, then publish the function (release). */
	if (!__atomic_compare_exchange_n(&c->work, &none, smp_work_claimed, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		return -EBUSY;
	}
	c->work_arg = arg;
	__atomic_store_n(&c->work, fn, __ATOMIC_RELEASE);
	arch_cpu_kick(c);
	return 0;
}

bool smp_cpu_busy(unsigned cpu)
{
	const struct percpu *c = percpu_of(cpu);

	return c != NULL && __atomic_load_n(&c->work, __ATOMIC_ACQUIRE) != NULL;
}

void smp_kick(unsigned cpu)
{
	struct percpu *c = percpu_of(cpu);

	if (c != NULL && cpu != arch_cpu_id() && smp_cpu_online(cpu)) {
		__atomic_fetch_add(&c->nr_kicks, 1, __ATOMIC_RELAXED);
		arch_cpu_kick(c);
	}
}
