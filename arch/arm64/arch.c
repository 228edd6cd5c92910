// SPDX-License-Identifier: MIT
/*
 * arm64 implementation of <hv/arch.h>: start-up at EL2 after ExitBootServices, exit codes,
 * the generic timer counter, cache maintenance. The arch half of the boot self-test is in
 * arch_selftest.c (test image only).
 *
 * AAVMF starts UEFI applications at EL2 (non-VHE) with its own stage-1 MMU and VBAR_EL2 live
 * (docs/ARM64.md). arch_init() order matters:
 *   1. mask every exception (DAIF), parse ACPI (drivers/acpi: pure parsing, no allocation), take
 *      the PL011 from the SPCR and register the console, still under the firmware's identity
 *      map, so every later failure is visible;
 *   2. our vectors (VBAR_EL2), a dedicated exception stack on SP_EL2 and the hypervisor itself
 *      moved to SP_EL0;
 *   3. the page allocator, our translation tables built from it, the switch to them.
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/check.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/exit.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/percpu.h>
#include <hv/smp.h>

#include "arm64.h"
#include "drivers/irqchip/gicv3.h"
#include "drivers/irqchip/gicv3_its.h"
#include "drivers/uart/pl011.h"

/* PSCI (Arm DEN 0022, "Function prototypes"): function IDs, SMC32 calling convention. */
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u

/*
 * Exit status QEMU reports with -semihosting: the same encoding as x86's isa-debug-exit, so one
 * decoder serves both arches (include/hv/exit.h): success writes 0x10 and QEMU exits with
 * status (0x10 << 1) | 1 = 33; failure code c exits with (c << 1) | 1.
 */
#define EXIT_STATUS_OK 0x10

static uint8_t exc_stack[ARM64_EXC_STACK_SIZE] __aligned(16);
uint64_t arm64_boot_exc_stack_top;
static struct pl011 uart;
static const struct console_dev uart_console = {
	.name = "pl011",
	.ctx = &uart,
	.putc = pl011_putc,
};
uint64_t arm64_firmware_ttbr0, arm64_firmware_vbar;
static uint64_t counter_hz;
/*
 * "arm64.nosemihosting" on the command line: skip the semihosting HLT in arch_exit(), for
 * hardware where an attached external debugger would halt on it (docs/ARM64.md).
 */
static bool no_semihosting;
/* A device page from the firmware's memory map that we do not map at boot (arch_selftest.c). */
uint64_t arm64_mmio_probe;

const char *arch_name(void)
{
	return "arm64";
}

uint64_t arm64_console_base(void)
{
	return uart.base;
}

/*
 * Called once on the boot CPU before smp_init(): the arm64 hook sets up the GIC for the
 * hypervisor's own CPU kicks (drivers/irqchip/gicv3.c: distributor checked, this CPU's
 * redistributor awake, the kick SGI enabled). No legacy source to silence, and no SPI, LPI or ITS
 * is touched: guests' devices stay as firmware left them. Without a usable GICv3 CPUs poll.
 */
void arch_irq_mask_legacy(const struct acpi_info *acpi)
{
	int ret = gicv3_init(&acpi->madt);

	if (ret != 0) {
		pr_warn("arm64: no GICv3 for CPU kicks (%d %s): idle CPUs poll", ret, hv_strerror(ret));
		return;
	}
	arm64_gic_cpu_init(this_cpu());
	/* The ITS (drivers/irqchip/gicv3_its.c): device MSIs become hypervisor LPIs, or none at all. */
	ret = gicv3_its_init(acpi);
	if (ret != 0) {
		pr_warn("arm64: no ITS (%d %s): devices cannot raise MSIs", ret, hv_strerror(ret));
	}
	pr_info("arm64: CPU 0 redistributor at 0x%llx, kicks by SGI %u, HCR_EL2 0x%llx on the host",
		(unsigned long long)this_cpu()->arch.gicr, GICV3_SGI_KICK, (unsigned long long)read_sysreg(hcr_el2));
}

int arch_irq_request_msi(void (*fn)(void *), void *arg, uint64_t *addr, uint32_t *data)
{
	(void)fn;
	(void)arg;
	(void)addr;
	(void)data;
	return -EOPNOTSUPP; /* only SGIs are routed to us: the SMMU's events are polled */
}

uint64_t arch_irq_count(int vector)
{
	(void)vector;
	return 0;
}

uint64_t arch_nmi_count(void)
{
	return 0; /* no NMI on arm64 (pseudo-NMI is a GIC priority scheme we do not use) */
}

/*
 * Install our vectors and stacks. SP_EL2 (the stack every exception to EL2 selects) becomes
 * exc_stack; the hypervisor keeps running on the stack it came with, now through SP_EL0
 * (PSTATE.SP = 0). Done in one asm block: between "mov sp" and "msr spsel" no memory is used.
 */
static void traps_install(void)
{
	uint64_t top = (uint64_t)(uintptr_t)(exc_stack + sizeof(exc_stack));

	arm64_boot_exc_stack_top = top;
	this_cpu()->arch.exc_stack_top = top;

	write_sysreg(vbar_el2, (uint64_t)(uintptr_t)arm64_vectors);
	isb();
	__asm__ __volatile__("mov x9, sp\n\t"
			     "msr sp_el0, x9\n\t"
			     "mov sp, %0\n\t"
			     "msr spsel, #0\n\t"
			     "isb"
			     :
			     : "r"(top)
			     : "x9", "memory");
}

/*
 * The console UART from the SPCR (Microsoft "Serial Port Console Redirection Table"): a PL011
 * or an SBSA generic UART (a PL011 subset) in system-memory space; 0 if there is none.
 */
static uint64_t spcr_pl011_base(const struct acpi_info *info)
{
	const struct acpi_spcr *s = &info->spcr;

	if (!s->present || s->space_id != 0) {
		return 0;
	}
	if (s->interface_type != ACPI_SPCR_PL011 && s->interface_type != ACPI_SPCR_SBSA &&
	    s->interface_type != ACPI_SPCR_SBSA_32) {
		return 0;
	}
	return s->base;
}

void arch_init(struct bootinfo *bi)
{
	unsigned el = (unsigned)FIELD_GET(ARM64_CURRENTEL_EL, read_sysreg(CurrentEL));
	int ret, acpi_ret;

	/* D, A, I, F: nothing asynchronous may arrive before we have a handler for it. */
	__asm__ __volatile__("msr daifset, #0xf" ::: "memory");
	smp_boot_cpu_init(arch_cpu_hw_id()); /* this_cpu() from here on: locks need it */
	arm64_firmware_ttbr0 = read_sysreg(ttbr0_el2);
	arm64_firmware_vbar = read_sysreg(vbar_el2);
	counter_hz = read_sysreg(cntfrq_el0);
	arm64_traps_init(bi->image_base);
	no_semihosting = cmdline_get(bi->cmdline, "arm64.nosemihosting", NULL, 0);
	for (uint32_t i = 0; i < bi->nr_mem && arm64_mmio_probe == 0; i++) {
		if (bi->mem[i].type == MEM_MMIO) {
			arm64_mmio_probe = hpa_val(bi->mem[i].base);
		}
	}

	acpi_ret = acpi_init(&hv_acpi, bi->rsdp);
	uart.base = (uintptr_t)spcr_pl011_base(&hv_acpi);
	if (pl011_probe(&uart) == 0) {
		console_register(&uart_console);
	}
	pr_info("arm64: EL%u, console PL011 at 0x%llx (from ACPI SPCR)", el,
		(unsigned long long)uart.base);
	if (acpi_ret != 0) {
		pr_warn("arm64: ACPI tables not usable (%d)", acpi_ret);
	}
	if (el != 2 || (read_sysreg(hcr_el2) & HCR_EL2_E2H)) {
		/* Nothing below (VBAR_EL2, TTBR0_EL2, the non-VHE TCR format) would be right. */
		hv_panic("arm64: need non-VHE EL2, running at EL%u HCR_EL2=0x%llx", el,
			 (unsigned long long)read_sysreg(hcr_el2));
	}

	traps_install();
	/*
	 * IRQs to EL2 from now on (HCR_EL2.IMO, arm64.h): still masked by PSTATE.I except in
	 * arch_cpu_idle and while a guest runs. Every CPU keeps this value while no guest runs.
	 */
	write_sysreg(hcr_el2, read_sysreg(hcr_el2) | HCR_EL2_HOST_IMO);
	isb();
	this_cpu()->arch.host_hcr = read_sysreg(hcr_el2);
	/*
	 * SError (asynchronous external abort, e.g. a write to a device that does not answer) is
	 * reported through our vectors from now on instead of staying pending unseen. IRQ and FIQ
	 * stay masked (see above).
	 */
	__asm__ __volatile__("msr daifclr, #4" ::: "memory");
	pr_info("arm64: own vectors at VBAR_EL2=0x%llx (firmware's were at 0x%llx)",
		(unsigned long long)read_sysreg(vbar_el2), (unsigned long long)arm64_firmware_vbar);

	ret = palloc_init(bi);
	if (ret != 0) {
		hv_panic("arm64: no usable memory for the page allocator (%d)", ret);
	}
	ret = arm64_mmu_init(bi);
	if (ret == 0 && uart.base != 0) {
		ret = arch_map_mmio(hpa(uart.base), HV_PAGE_SIZE);
	}
	if (ret != 0) {
		hv_panic("arm64: cannot build translation tables (%d)", ret);
	}
	arm64_mmu_enable();
	pr_info("arm64: own translation tables, TTBR0_EL2=0x%llx TCR_EL2=0x%llx (firmware "
		"TTBR0_EL2 was 0x%llx)",
		(unsigned long long)read_sysreg(ttbr0_el2), (unsigned long long)read_sysreg(tcr_el2),
		(unsigned long long)arm64_firmware_ttbr0);
}

static void psci_call(uint32_t fn)
{
	(void)arm64_psci_call(fn, 0, 0, 0);
}

/*
 * The test runner's contract (docs/ARM64.md): the last console line is "HV-EXIT: <code>";
 * then semihosting SYS_EXIT_EXTENDED gives QEMU (-semihosting) a real exit status; without
 * semihosting, PSCI SYSTEM_OFF (success) or SYSTEM_RESET (failure; QEMU -no-reboot exits).
 */
__noreturn void arch_exit(int code)
{
	uint64_t v = code == HV_EXIT_OK ? EXIT_STATUS_OK : (uint64_t)code & 0x0f;

	if (v == 0) {
		v = 0x0f; /* never let a failure look like success or QEMU's own status 1 */
	}
	hv_log(code == HV_EXIT_OK ? LOG_INFO : LOG_ERR, "HV-EXIT: %d", code);
	if (!no_semihosting) {
		arm64_semihost_exit((v << 1) | 1);
	}
	psci_call(code == HV_EXIT_OK ? PSCI_SYSTEM_OFF : PSCI_SYSTEM_RESET);
	arch_halt();
}

__noreturn void arch_halt(void)
{
	for (;;) {
		__asm__ __volatile__("msr daifset, #0xf\n\twfi" ::: "memory");
	}
}

/*
 * CNTPCT_EL0 behind an ISB so the read is not speculated early (Arm ARM, "The Generic Timer in
 * AArch64 state").
 */
uint64_t arch_counter(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

uint64_t arch_counter_hz(void)
{
	if (counter_hz == 0) {
		counter_hz = read_sysreg(cntfrq_el0);
	}
	return counter_hz;
}

void arch_cpu_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

/*
 * Clean [p, p+len) to the point of coherency (DC CVAC per line; line size from CTR_EL0.DminLine,
 * in words) and wait for completion with DSB SY, which covers observers outside the inner
 * shareable domain such as a non-coherent SMMU table walker.
 */
void arch_dcache_clean(const void *p, size_t len)
{
	uint64_t line = 4ULL << FIELD_GET(CTR_DMINLINE, read_sysreg(ctr_el0));
	uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1);
	uint64_t end = (uint64_t)(uintptr_t)p + len;

	dsb(ish);
	for (; a < end; a += line) {
		__asm__ __volatile__("dc cvac, %0" ::"r"(a) : "memory");
	}
	dsb(sy);
}
