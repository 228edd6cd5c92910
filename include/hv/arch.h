/* SPDX-License-Identifier: MIT */
/*
 * The small set of hooks generic code calls and each arch implements (arch/x86_64, arch/arm64,
 * arch/host for unit tests). Generic code never uses #ifdef ARCH; variation is resolved at link
 * time (Jailhouse's rule).
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <hv/bootinfo.h>
#include <hv/compiler.h>
#include <hv/types.h>

/* "x86_64" / "arm64" / "host" */
const char *arch_name(void);

/* After ExitBootServices: take over paging and exception vectors. */
void arch_init(struct bootinfo *bi);

/*
 * Map [base, base+size) as device memory (uncached, no execute) in the hypervisor's own page
 * tables, identity-mapped. Returns 0 or a negative error. Needed for ECAM, IOMMU registers,
 * UARTs; idempotent for ranges already mapped.
 */
int arch_map_mmio(hpa_t base, uint64_t size);

/* Number of CPUs the arch knows about (from MADT), for the boot log. */

/*
 * End the run with a status the QEMU test runner reads: x86 writes to isa-debug-exit
 * (QEMU exits with (code << 1) | 1), arm64 semihosting SYS_EXIT_EXTENDED with the same
 * encoding, falling back to PSCI SYSTEM_OFF for 0 / SYSTEM_RESET otherwise (see
 * docs/ARCHITECTURE.md, docs/ARM64.md). On hardware it powers off or halts.
 */
__noreturn void arch_exit(int code);
__noreturn void arch_halt(void);

/*
 * The arch half of the "boot" self-test (hv/selftest.c): prove the hypervisor runs on its own
 * translation tables and exception vectors, not the firmware's (x86: CR3, IDTR, GDTR; arm64:
 * TTBR0_EL2, VBAR_EL2), and that a deliberately trapped exception (x86 int3, arm64 brk) is
 * handled by our vectors and returns. Logs each check; returns 0 or a negative error. Test
 * image only (arch/<arch>/arch_selftest.c; the host fake arch has its own).
 */
int arch_selftest(void);

/*
 * Silence every legacy interrupt source firmware may have left armed, before the IOMMUs are
 * taken over: x86 masks both 8259 PICs and every redirection entry of every IOAPIC the MADT
 * lists (nothing is routed through them: an armed compatibility-format entry would be a fault
 * source once interrupt remapping blocks that format); arm64 has nothing to do yet. Logs what
 * it masked.
 */
struct acpi_info;
void arch_irq_mask_legacy(const struct acpi_info *acpi);
/*
 * An interrupt for a device the hypervisor drives itself (an IOMMU's fault event): a free
 * vector on the boot CPU whose arrival calls fn(arg) with interrupts masked, and the MSI
 * address and data that raise it. Interrupts are taken only where the host lets them in (at
 * the end of a guest's run, arch_irq_window). Returns the vector (>= 0), -ENOSPC when none is
 * free, -EOPNOTSUPP where the arch takes no interrupts yet (arm64).
 */
int arch_irq_request_msi(void (*fn)(void *), void *arg, uint64_t *addr, uint32_t *data);
/* How many times that vector's handler ran. */
uint64_t arch_irq_count(int vector);
/* NMIs the hypervisor took and ignored since boot (0 where the arch has none). */
uint64_t arch_nmi_count(void);
/* External interrupts nobody asked for, taken only to be acknowledged and counted. */
uint64_t arch_stray_irq_count(void);
/* The vector of the last of them (0 if none). */
unsigned arch_stray_irq_last_vector(void);
/*
 * Let pending external interrupts in for a moment and mask them again (x86: STI; NOP; CLI;
 * arm64: nothing yet). For self-tests that wait for a device's interrupt.
 */
void arch_irq_window(void);

/*
 * CPUs (include/hv/percpu.h, include/hv/smp.h). arch_cpu_id() is this_cpu()->id (host: a
 * number per thread); usable from arch_init's first line on, since smp_boot_cpu_init() is
 * arch_init's first call.
 */
struct percpu;
unsigned arch_cpu_id(void);
/* Make c the calling CPU's this_cpu() (x86: IA32_GS_BASE; arm64: TPIDR_EL2). */
void arch_percpu_set(struct percpu *c);
/* The calling CPU's hardware ID as the MADT spells it (APIC ID; MPIDR Aff3..Aff0). */
uint64_t arch_cpu_hw_id(void);
/*
 * Send CPU c (c->hw_id, not the caller) its start sequence (x86: INIT-SIPI-SIPI to a real-mode
 * trampoline; arm64: PSCI CPU_ON). The new CPU loads the hypervisor's page tables, sets up its
 * per-CPU state (x86: GDT, TSS, IDT; arm64: VBAR_EL2, SP_EL2) on the stack at c->stack_top and
 * calls smp_secondary_main(c). Returns 0 once the sequence was sent (smp_init waits, bounded,
 * for the CPU to check in), or a negative error (the firmware refused: PSCI error).
 */
int arch_cpu_start(struct percpu *c);
/*
 * Interrupt CPU c: wake it from arch_cpu_idle(), and end the guest run it is in so its vCPU
 * loop looks at its stop request (x86: a fixed IPI; arm64: an SGI). Never waits.
 */
void arch_cpu_kick(struct percpu *c);
/*
 * Wait until a kick, an interrupt or some other event (x86: STI; HLT; CLI, which also lets the
 * boot CPU take the IOMMUs' fault interrupts; arm64: WFI). May return early.
 */
void arch_cpu_idle(void);

/* A monotonic counter and its frequency, for bounded hardware waits. */
uint64_t arch_counter(void);
uint64_t arch_counter_hz(void);
void arch_cpu_relax(void);

#endif /* HV_ARCH_H */
