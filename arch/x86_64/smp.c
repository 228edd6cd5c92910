// SPDX-License-Identifier: MIT
/*
 * x86_64 CPU hooks of include/hv/arch.h (docs/X86.md "CPUs").
 *
 * this_cpu() is IA32_GS_BASE: %gs:0 is the area's self pointer. The host never loads GS
 * otherwise, and svm_entry.S restores the host's GS base with VMLOAD of the CPU's own host
 * save area before any host code runs after a guest.
 *
 * Starting a CPU (arch_cpu_start), after Intel SDM vol. 3, 8.4.4.1 "Typical BSP Initialization
 * Sequence" and 10.6.1 (ICR): the CPU's entry in x86_ap_boot[] (stack, per-CPU area) and its
 * IST stack are set up first; then INIT (level assert), 10 ms, STARTUP with the trampoline's
 * page number as vector, 200 us, STARTUP again, 200 us, each IPI sent with a bounded wait on
 * the ICR (lapic.c). A second STARTUP is ignored by a CPU that left wait-for-SIPI (SDM 8.4.4.1),
 * so it is skipped once the CPU has checked in. The INIT level de-assert of 82489DX-era
 * sequences is not sent: CPUs since the Pentium 4 ignore it (SDM 8.4.4.1 note). The boot
 * CPU's wait for the new CPU to check in is hv/smp.c's (bounded; a CPU that misses it is
 * reported and left out; if it checks in later it parks itself).
 *
 * The trampoline (trampoline.S) brings the CPU to long mode on the hypervisor's own page tables
 * and into x86_ap_main() on its own stack, which loads this CPU's GDT/TSS and the shared IDT,
 * programs its PAT, CR0 and CR4 like the boot CPU's, sets up its local APIC (lapic.c) and
 * enters smp_secondary_main().
 *
 * Kick: a fixed IPI with vector X86_VEC_KICK; its handler only counts (percpu_arch.kicks_taken)
 * and the dispatcher EOIs. It wakes arch_cpu_idle() (STI; HLT; CLI: HLT in STI's shadow, so an
 * interrupt pending since before the STI still ends the HLT, SDM vol. 2 STI) and ends a
 * guest's run (#VMEXIT(INTR): the host keeps IF=1 across VMRUN, svm_entry.S).
 */
#include <string.h>

#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/smp.h>

#include "trampoline.h"
#include "x86.h"

#define X86_MSR_GS_BASE 0xc0000101
#define X86_CR4_PAE	BIT(5)
#define X86_IST_ORDER	2 /* 16 KiB, as the boot CPU's */

/* SDM 8.4.4.1: 10 ms after INIT, 200 us after each STARTUP. */
#define X86_INIT_DELAY_US 10000
#define X86_SIPI_DELAY_US 200

struct x86_ap_boot {
	uint64_t hw_id;
	uint64_t stack_top;
	struct percpu *percpu;
};
_Static_assert(X86_AP_BOOT_ENTRIES == HV_MAX_CPUS, "trampoline.h: one entry per CPU");
_Static_assert(sizeof(struct x86_ap_boot) == X86_AP_BOOT_SIZE, "trampoline.h layout");
_Static_assert(__builtin_offsetof(struct x86_ap_boot, stack_top) == X86_AP_BOOT_STACK, "trampoline.h layout");
_Static_assert(__builtin_offsetof(struct x86_ap_boot, percpu) == X86_AP_BOOT_PERCPU, "trampoline.h layout");

/* Read by x86_ap_entry64 (trampoline.S). */
struct x86_ap_boot x86_ap_boot[X86_AP_BOOT_ENTRIES];
static hpa_t tramp;		/* 0: none, no CPU can be started */
static uint64_t ap_cr0, ap_cr4; /* the boot CPU's, for the others (x86_ap_main) */
static bool tramp_missing_told;

__noreturn void x86_ap_main(struct percpu *c);
void x86_ap_entry64(void);

struct percpu *this_cpu(void)
{
	struct percpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

unsigned arch_cpu_id(void)
{
	return this_cpu()->id;
}

void arch_percpu_set(struct percpu *c)
{
	x86_wrmsr(X86_MSR_GS_BASE, (uint64_t)(uintptr_t)c);
}

/*
 * The calling CPU's (x2)APIC ID from CPUID, as trampoline.S computes it: leaf 0BH EDX (the
 * 32-bit x2APIC ID) where leaf 0BH exists, else leaf 01H EBX[31:24] (SDM vol. 2, CPUID).
 */
uint64_t x86_cpu_hw_id(void)
{
	uint32_t r[4];

	x86_cpuid(0, 0, r);
	if (r[0] >= 0xb) {
		x86_cpuid(0xb, 0, r);
		if ((r[1] & 0xffff) != 0) {
			return r[3];
		}
	}
	x86_cpuid(1, 0, r);
	return r[1] >> 24;
}

uint64_t arch_cpu_hw_id(void)
{
	return x86_cpu_hw_id();
}

static void kick_handler(void *arg)
{
	(void)arg;
	this_cpu()->arch.kicks_taken++;
}

/* The boot CPU, from arch_init: the kick's handler, before any CPU can send one. */
void x86_smp_init(void)
{
	x86_irq_set_handler(X86_VEC_KICK, kick_handler, NULL);
}

/*
 * Copy the trampoline into the reserved pages and fill its parameters. x86_paging_init calls
 * this after building the hypervisor's tables (cr3) and before switching to them, while the
 * firmware's identity map still lets us write the page that our own tables make read-only.
 */
void x86_smp_trampoline_setup(hpa_t t, uint64_t cr3)
{
	uint8_t *p = hpa_to_ptr(t);
	uint64_t base = hpa_val(t);
	size_t code = (size_t)(x86_trampoline_end - x86_trampoline_start);

	if (base == 0) {
		return;
	}
	if ((base & (HV_PAGE_SIZE - 1)) != 0 || base + BOOTINFO_SMP_TRAMPOLINE_SIZE > 0x100000 ||
	    code != X86_TRAMP_PARAMS) {
		pr_warn("smp: trampoline at 0x%llx unusable (must be page-aligned below 1 MiB)",
			(unsigned long long)base);
		return;
	}
	memcpy(p, x86_trampoline_start, code);
	memset(p + X86_TRAMP_PARAMS, 0, HV_PAGE_SIZE - X86_TRAMP_PARAMS);
	/* GDT (SDM 3.4.5), accessed bits preset: flat 32-bit code, flat data, 64-bit code. */
	((uint64_t *)(p + X86_TRAMP_P_GDT))[0] = 0;
	((uint64_t *)(p + X86_TRAMP_P_GDT))[1] = 0x00cf9b000000ffffULL;
	((uint64_t *)(p + X86_TRAMP_P_GDT))[2] = 0x00cf93000000ffffULL;
	((uint64_t *)(p + X86_TRAMP_P_GDT))[3] = 0x00af9b000000ffffULL;
	*(uint16_t *)(p + X86_TRAMP_P_GDTR) = 4 * 8 - 1;
	*(uint32_t *)(p + X86_TRAMP_P_GDTR + 2) = (uint32_t)(base + X86_TRAMP_P_GDT);
	*(uint32_t *)(p + X86_TRAMP_P_FAR32) = (uint32_t)(base + X86_TRAMP_CODE32);
	*(uint16_t *)(p + X86_TRAMP_P_FAR32 + 4) = X86_TRAMP_SEL_CODE32;
	*(uint32_t *)(p + X86_TRAMP_P_FAR64) = (uint32_t)(base + X86_TRAMP_CODE64);
	*(uint16_t *)(p + X86_TRAMP_P_FAR64 + 4) = X86_TRAMP_SEL_CODE64;
	*(uint32_t *)(p + X86_TRAMP_P_PML4) = (uint32_t)(base + HV_PAGE_SIZE);
	*(uint32_t *)(p + X86_TRAMP_P_EFER) = (uint32_t)(X86_EFER_LME | (x86_rdmsr(X86_MSR_EFER) & X86_EFER_NXE));
	*(uint64_t *)(p + X86_TRAMP_P_CR3) = cr3;
	*(uint64_t *)(p + X86_TRAMP_P_ENTRY) = (uint64_t)(uintptr_t)x86_ap_entry64;
	/*
	 * The PML4 copy: entry 0 (the low 512 GiB: this page and the image) is all the trampoline
	 * uses, and its PDPT pointer never changes once the RAM is mapped.
	 */
	memcpy(p + HV_PAGE_SIZE, hpa_to_ptr(hpa(cr3)), HV_PAGE_SIZE);
	tramp = t;
	pr_info("x86: CPU start-up trampoline at 0x%llx (STARTUP vector 0x%02llx)", (unsigned long long)base,
		(unsigned long long)(base >> HV_PAGE_SHIFT));
}

static void x86_udelay(uint64_t us)
{
	uint64_t t0 = arch_counter(), n = us * arch_counter_hz() / 1000000;

	while (arch_counter() - t0 < n) {
		arch_cpu_relax();
	}
}

int arch_cpu_start(struct percpu *c)
{
	struct x86_ap_boot *b;
	uint8_t *ist;
	int ret;

	if (hpa_val(tramp) == 0 || !x86_lapic_up()) {
		if (!tramp_missing_told) {
			tramp_missing_told = true;
			pr_warn("smp: %s", hpa_val(tramp) == 0 ? "no start-up trampoline page below 1 MiB"
							       : "no usable local APIC to send INIT/STARTUP");
		}
		return -EOPNOTSUPP;
	}
	if (c->id >= X86_AP_BOOT_ENTRIES) {
		return -ENOSPC;
	}
	ist = page_alloc(X86_IST_ORDER);
	if (ist == NULL) {
		return -ENOMEM;
	}
	/* Never freed: a CPU that misses the check-in may still come up later and use them. */
	c->arch.ist_top = (uintptr_t)(ist + (HV_PAGE_SIZE << X86_IST_ORDER));
	ap_cr0 = x86_read_cr0();
	ap_cr4 = x86_read_cr4();
	b = &x86_ap_boot[c->id];
	b->hw_id = c->hw_id;
	b->percpu = c;
	__atomic_store_n(&b->stack_top, c->stack_top, __ATOMIC_RELEASE);

	ret = x86_lapic_send_ipi(c->hw_id, X86_ICR_INIT | X86_ICR_ASSERT);
	if (ret != 0) {
		return ret;
	}
	x86_udelay(X86_INIT_DELAY_US);
	for (unsigned i = 0; i < 2; i++) {
		if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE) {
			break;
		}
		ret = x86_lapic_send_ipi(c->hw_id, X86_ICR_STARTUP | (uint32_t)(hpa_val(tramp) >> HV_PAGE_SHIFT));
		if (ret != 0) {
			return ret;
		}
		x86_udelay(X86_SIPI_DELAY_US);
	}
	return 0;
}

/* The new CPU, on its own stack (trampoline.S x86_ap_entry64). */
__noreturn void x86_ap_main(struct percpu *c)
{
	uint32_t id;
	int ret;

	x86_write_cr0(ap_cr0);
	x86_write_cr4(ap_cr4 | X86_CR4_PAE);
	arch_percpu_set(c);
	x86_cpu_tables_load(c);
	x86_paging_cpu_init();
	ret = x86_lapic_cpu_init();
	id = x86_lapic_id();
	if (ret != 0 || id != c->hw_id) {
		/* Not usable: never checks in, so the boot CPU reports it and leaves it out. */
		pr_err("smp: CPU %u: local APIC set-up failed (%d, ID 0x%x, expected 0x%llx); parked", c->id, ret, id,
		       (unsigned long long)c->hw_id);
		arch_halt();
	}
	smp_secondary_main(c);
}

void arch_cpu_kick(struct percpu *c)
{
	int ret = x86_lapic_send_ipi(c->hw_id, X86_ICR_FIXED | X86_VEC_KICK);

	if (ret != 0) {
		/* The ICR stayed busy: the target notices only at its next interrupt. Say so. */
		pr_warn("smp: kick of CPU %u failed (%d %s)", c->id, ret, hv_strerror(ret));
	}
}

void arch_cpu_idle(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}
