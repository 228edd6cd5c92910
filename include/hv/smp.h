/* SPDX-License-Identifier: MIT */
/*
 * Bringing the other CPUs up and giving them work (hv/smp.c, docs/ARCHITECTURE.md "CPUs").
 *
 * After platform discovery, smp_init() starts every CPU the MADT lists as enabled (x86:
 * INIT-SIPI-SIPI; arm64: PSCI CPU_ON), each with its own stack and per-CPU area, waits for each
 * with a bound, and logs exactly "smp: N of M CPUs online". An online secondary CPU sits in
 * smp_idle() until smp_call_on() gives it a function to run (a guest's vCPU loop), runs it, and
 * goes back to idle. The boot CPU never idles there: it runs hv_main.
 */
#ifndef HV_SMP_H
#define HV_SMP_H

#include <stdbool.h>

#include <hv/compiler.h>
#include <hv/percpu.h>

struct acpi_info;

/* Enabled CPUs the firmware listed (capped at HV_MAX_CPUS), and those that came up. */
unsigned smp_cpus_listed(void);
unsigned smp_cpus_online(void);
bool smp_cpu_online(unsigned cpu);

/*
 * Set up CPU 0's area (arch_init calls it before anything that may take a lock); the arch
 * makes this_cpu() return it. hw_id is the boot CPU's APIC ID / MPIDR.
 */
void smp_boot_cpu_init(uint64_t hw_id);
/* Start every other enabled CPU of the MADT; returns the number online (>= 1). */
unsigned smp_init(const struct acpi_info *acpi);
/*
 * The arch's secondary entry calls this on the new CPU's own stack, with its per-CPU state
 * (exception vectors, this_cpu(), paging) live. Marks the CPU online and idles.
 */
__noreturn void smp_secondary_main(struct percpu *c);
/*
 * Run fn(arg) on the idle online CPU cpu (not the caller's). 0, -ENODEV (not online), -EBUSY
 * (it has work). The CPU goes back to idle when fn returns.
 */
int smp_call_on(unsigned cpu, void (*fn)(void *), void *arg);
/* True while cpu runs work given by smp_call_on. */
bool smp_cpu_busy(unsigned cpu);
/*
 * Make cpu notice a change now: wake it from its idle wait, or end the guest run it is in so
 * the vCPU loop sees its stop request (x86: an IPI; arm64: an SGI). Never waits.
 */
void smp_kick(unsigned cpu);

#endif /* HV_SMP_H */
