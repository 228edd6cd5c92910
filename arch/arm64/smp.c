// SPDX-License-Identifier: MIT
/*
 * arm64 CPU hooks of include/hv/arch.h: this_cpu() in TPIDR_EL2, secondary CPUs started with
 * PSCI CPU_ON, kicks as GICv3 SGIs, idle in WFI. docs/ARM64.md, "CPUs".
 *
 * Start (arch_cpu_start): the boot CPU fills the new CPU's start block (struct percpu_arch
 * boot_*: its own MAIR/TCR/TTBR0/SCTLR_EL2, VBAR_EL2, HCR_EL2, the two stacks), cleans it and
 * the entry code to the point of coherency, and calls PSCI CPU_ON (DEN0022 5.1.4) over SMC,
 * the conduit SYSTEM_OFF uses (at EL2, HVC would come back to us; on QEMU virt with
 * virtualization=on and no EL3, QEMU itself answers SMC with PSCI). smp_entry.S turns the MMU
 * on with the boot CPU's tables and calls arm64_secondary_main(), which sets up the CPU's GIC
 * interface and enters smp_secondary_main().
 *
 * Kick and idle: arch_cpu_kick sends GICV3_SGI_KICK to the target's affinity. arch_cpu_idle
 * runs WFI with PSTATE.I set: WFI still completes on a pending IRQ whatever PSTATE.I says (Arm
 * ARM D1, "Wait for Interrupt"), so a kick sent between the caller's check of its work and the
 * WFI is not lost; the IRQ is then taken in a short unmasked window (arm64_irq_window) through
 * our vectors and acknowledged by arm64_irq(). The hypervisor otherwise runs with IRQs masked
 * (they also exit a running guest: HCR_EL2.IMO, vcpu.h). A CPU without a working GIC polls.
 */
#include <stddef.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/smp.h>

#include "arm64.h"
#include "drivers/irqchip/gicv3.h"

_Static_assert(offsetof(struct percpu, arch.vcpu_ctx) == ARM64_PERCPU_VCPU_CTX, "entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_mair) == ARM64_PCA_MAIR, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_tcr) == ARM64_PCA_TCR, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_ttbr0) == ARM64_PCA_TTBR0, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_sctlr) == ARM64_PCA_SCTLR, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_vbar) == ARM64_PCA_VBAR, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_hcr) == ARM64_PCA_HCR, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_sp) == ARM64_PCA_SP, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, exc_stack_top) == ARM64_PCA_EXC_SP, "smp_entry.S");
_Static_assert(offsetof(struct percpu_arch, boot_self) == ARM64_PCA_SELF, "smp_entry.S");

/* PSCI (DEN0022 5.1.4 CPU_ON, 5.2.2 return codes) */
#define PSCI_CPU_ON_64		0xc4000003u
#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED		(-3)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_ON_PENDING		(-5)
#define PSCI_INTERNAL_FAILURE	(-6)
#define PSCI_NOT_PRESENT	(-7)
#define PSCI_DISABLED		(-8)
#define PSCI_INVALID_ADDRESS	(-9)

#define EXC_STACK_ORDER 2 /* 16 KiB, as the boot CPU's */
_Static_assert((HV_PAGE_SIZE << EXC_STACK_ORDER) == ARM64_EXC_STACK_SIZE, "exception stack");


struct percpu *this_cpu(void)
{
	return (struct percpu *)(uintptr_t)read_sysreg(tpidr_el2);
}

unsigned arch_cpu_id(void)
{
	return this_cpu()->id;
}

void arch_percpu_set(struct percpu *c)
{
	write_sysreg(tpidr_el2, (uint64_t)(uintptr_t)c);
	isb();
}

uint64_t arch_cpu_hw_id(void)
{
	return read_sysreg(mpidr_el1) & MPIDR_AFFINITY;
}

/* The MADT GICC entry of hw_id: its redistributor, if the entry names one. */
static hpa_t gicc_gicr(uint64_t hw_id)
{
	for (unsigned i = 0; i < hv_acpi.madt.nr_cpus; i++) {
		if (hv_acpi.madt.cpus[i].hwid == hw_id) {
			return hv_acpi.madt.cpus[i].gicr_base;
		}
	}
	return hpa(0);
}

void arm64_gic_cpu_init(struct percpu *c)
{
	uint64_t rd = 0;
	int ret;

	if (!gicv3_present()) {
		return;
	}
	ret = gicv3_cpu_init(c->hw_id, gicc_gicr(c->hw_id), &rd);
	if (ret != 0) {
		/* Logged from the CPU itself: the boot CPU's later "online" line tells the rest. */
		pr_err("gicv3: CPU %u (MPIDR 0x%llx): no usable redistributor (%d %s); it polls instead of sleeping",
		       c->id, (unsigned long long)c->hw_id, ret, hv_strerror(ret));
		return;
	}
	__atomic_store_n(&c->arch.gicr, rd, __ATOMIC_RELEASE);
}

static int psci_to_errno(int64_t r)
{
	switch (r) {
	case PSCI_SUCCESS:
		return 0;
	case PSCI_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case PSCI_INVALID_PARAMETERS:
		return -EINVAL;
	case PSCI_DENIED:
		return -EPERM;
	case PSCI_ALREADY_ON:
		return -EEXIST;
	case PSCI_ON_PENDING:
		return -EBUSY;
	case PSCI_NOT_PRESENT:
	case PSCI_DISABLED:
		return -ENODEV;
	case PSCI_INVALID_ADDRESS:
		return -EFAULT;
	case PSCI_INTERNAL_FAILURE:
	default:
		return -EIO;
	}
}

int arch_cpu_start(struct percpu *c)
{
	struct percpu_arch *a = &c->arch;
	void *exc;
	int64_t r;

	if (a->exc_stack_top == 0) {
		exc = page_alloc(EXC_STACK_ORDER);
		if (exc == NULL) {
			return -ENOMEM;
		}
		a->exc_stack_top = (uint64_t)(uintptr_t)exc + ARM64_EXC_STACK_SIZE;
	}
	/* Exactly the boot CPU's regime (arm64_mmu_enable) and state (arch_init). */
	a->boot_mair = read_sysreg(mair_el2);
	a->boot_tcr = read_sysreg(tcr_el2);
	a->boot_ttbr0 = read_sysreg(ttbr0_el2);
	a->boot_sctlr = read_sysreg(sctlr_el2);
	a->boot_vbar = read_sysreg(vbar_el2);
	a->boot_hcr = this_cpu()->arch.host_hcr;
	a->boot_sp = c->stack_top;
	a->boot_self = c;
	a->host_hcr = a->boot_hcr;
	/*
	 * The new CPU reads the block and fetches the entry code with its MMU and caches off,
	 * from memory: both must be there, not only in our cache (DC CVAC to the PoC).
	 */
	arch_dcache_clean(c, sizeof(*c));
	arch_dcache_clean(arm64_secondary_entry, (size_t)(arm64_secondary_entry_end - arm64_secondary_entry));
	r = arm64_psci_call(PSCI_CPU_ON_64, c->hw_id, (uint64_t)(uintptr_t)arm64_secondary_entry,
			    (uint64_t)(uintptr_t)a);
	return psci_to_errno(r);
}

__noreturn void arm64_secondary_main(struct percpu *c)
{
	/* SError reported through our vectors, as on the boot CPU (arch_init); IRQ, FIQ masked. */
	__asm__ __volatile__("msr daifclr, #4" ::: "memory");
	arm64_gic_cpu_init(c);
	smp_secondary_main(c);
}

void arch_cpu_kick(struct percpu *c)
{
	if (__atomic_load_n(&c->arch.gicr, __ATOMIC_ACQUIRE) != 0) {
		gicv3_send_sgi(c->hw_id, GICV3_SGI_KICK);
	}
}

void arm64_irq_window(void)
{
	/* The ISB makes the unmask take effect, so a pending IRQ is taken before the re-mask. */
	__asm__ __volatile__("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

void arch_cpu_idle(void)
{
	struct percpu *c = this_cpu();

	if (c->arch.gicr == 0) {
		arch_cpu_relax(); /* no kick can reach us: poll */
		return;
	}
	/* Everything this CPU wrote is visible before it sleeps (Arm ARM: DSB before WFI). */
	__asm__ __volatile__("dsb sy\n\twfi" ::: "memory");
	c->arch.nr_idle_wakeups++;
	arm64_irq_window();
}

void arch_irq_window(void)
{
	arm64_irq_window();
}

