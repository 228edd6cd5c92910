// SPDX-License-Identifier: MIT
/*
 * x86_64 implementation of <hv/arch.h>: start-up after ExitBootServices, exit codes, the
 * counter, cache maintenance. The arch half of the boot self-test is in arch_selftest.c (test
 * image only).
 *
 * arch_init() order matters: the console first (so every later failure is visible), then our
 * GDT/IDT (so faults are caught by our handler), the page allocator, our page tables, and
 * finally the TSC calibration.
 */
#include <hv/arch.h>
#include <hv/check.h>
#include <hv/cmdline.h>
#include <hv/errno.h>
#include <hv/console.h>
#include <hv/exit.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/palloc.h>
#include <hv/percpu.h>
#include <hv/smp.h>

#include "x86.h"

#define COM1_BASE 0x3f8
#define COM1_CLOCK_HZ 1843200
#define COM1_BAUD 115200

/*
 * isa-debug-exit (QEMU hw/misc/debugexit.c): a write of v makes QEMU exit with status
 * (v << 1) | 1. 0x10 means success (status 33); failures write their code 1..15.
 */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_OK 0x10

hpa_t x86_image_base;
uint64_t x86_image_size;
uint64_t x86_firmware_cr3, x86_firmware_idt;
bool x86_want_x2apic;
static uint64_t tsc_hz = 1000000000ULL;

static uint8_t pio_read8(uintptr_t port)
{
	return x86_inb((uint16_t)port);
}

static void pio_write8(uintptr_t port, uint8_t v)
{
	x86_outb((uint16_t)port, v);
}

static struct ns16550 com1 = {
	.base = COM1_BASE,
	.reg_shift = 0,
	.reg_read = pio_read8,
	.reg_write = pio_write8,
};

static const struct console_dev com1_console = {
	.name = "com1",
	.ctx = &com1,
	.putc = ns16550_putc,
};

const char *arch_name(void)
{
	return "x86_64";
}

void arch_init(struct bootinfo *bi)
{
	struct x86_desc_ptr idtr;
	int ret;

	__asm__ __volatile__("cli");
	smp_boot_cpu_init(arch_cpu_hw_id()); /* this_cpu() from here on: locks need it */
	x86_firmware_cr3 = x86_read_cr3();
	x86_sidt(&idtr);
	x86_firmware_idt = idtr.base;
	x86_image_base = bi->image_base;
	x86_image_size = bi->image_size;

	if (ns16550_init(&com1, COM1_BAUD, COM1_CLOCK_HZ) == 0) {
		console_register(&com1_console);
	}
	this_cpu()->arch.ist_top = x86_boot_ist_top();
	x86_idt_init();
	x86_cpu_tables_load(this_cpu());
	x86_smp_init();
	x86_want_x2apic = cmdline_get(bi->cmdline, "x86.x2apic", NULL, 0);
	pr_info("x86: own GDT at 0x%llx, IDT at 0x%llx (firmware IDT was 0x%llx)",
		(unsigned long long)x86_cpu_tables_gdt_base(), (unsigned long long)x86_cpu_tables_idt_base(),
		(unsigned long long)x86_firmware_idt);

	ret = palloc_init(bi);
	if (ret != 0) {
		hv_panic("x86: no usable memory for the page allocator (%d)", ret);
	}
	ret = x86_paging_init(bi);
	if (ret != 0) {
		hv_panic("x86: cannot build page tables (%d)", ret);
	}
	pr_info("x86: own page tables, CR3 0x%llx (firmware CR3 was 0x%llx)", (unsigned long long)x86_read_cr3(),
		(unsigned long long)x86_firmware_cr3);
	tsc_hz = x86_tsc_calibrate();
}

__noreturn void arch_exit(int code)
{
	uint32_t v = code == HV_EXIT_OK ? DEBUG_EXIT_OK : (uint32_t)code & 0x0f;

	if (v == 0) {
		v = 0x0f; /* never let a failure look like status 1 (= QEMU's own exit) */
	}
	x86_outl(DEBUG_EXIT_PORT, v);
	/* Not under QEMU (or no isa-debug-exit): stop here. */
	arch_halt();
}

__noreturn void arch_halt(void)
{
	for (;;) {
		__asm__ __volatile__("cli; hlt");
	}
}

uint64_t arch_counter(void)
{
	return x86_rdtsc();
}

uint64_t arch_counter_hz(void)
{
	return tsc_hz;
}

void arch_cpu_relax(void)
{
	__asm__ __volatile__("pause");
}

/* clflush every cache line of [p, p+len) (SDM vol. 2, CLFLUSH), fenced on both sides. */
void arch_dcache_clean(const void *p, size_t len)
{
	uintptr_t line = (uintptr_t)p & ~(uintptr_t)63;
	uintptr_t end = (uintptr_t)p + len;

	__asm__ __volatile__("mfence" ::: "memory");
	for (; line < end; line += 64) {
		__asm__ __volatile__("clflush (%0)" ::"r"(line) : "memory");
	}
	__asm__ __volatile__("mfence" ::: "memory");
}
