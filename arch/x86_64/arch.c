// SPDX-License-Identifier: MIT
/*
 * x86_64 implementation of <hv/arch.h>: start-up after ExitBootServices, exit codes, the
 * counter, cache maintenance and the arch half of the boot self-test.
 *
 * arch_init() order matters: the console first (so every later failure is visible), then our
 * GDT/IDT (so faults are caught by our handler), the page allocator, our page tables, and
 * finally the TSC calibration.
 */
#include <hv/arch.h>
#include <hv/check.h>
#include <hv/errno.h>
#include <hv/console.h>
#include <hv/exit.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/palloc.h>
#include <hv/selftest.h>

#include "x86.h"

#define COM1_BASE 0x3f8
#define COM1_CLOCK_HZ 1843200
#define COM1_BAUD 115200

/*
 * isa-debug-exit (QEMU hw/misc/debugexit.c): a write of v makes QEMU exit with status
 * (v << 1) | 1. 0x10 means success (status 33); failures write their code 1..15.
 */
/* The local APIC's MMIO page (SDM vol. 3, 10.4.1): always present, safe to read. */
#define LAPIC_BASE 0xfee00000ULL
#define LAPIC_VERSION_REG 0x30

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_OK 0x10

hpa_t x86_image_base;
uint64_t x86_image_size;
static uint64_t firmware_cr3, firmware_idt;
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
	firmware_cr3 = x86_read_cr3();
	x86_sidt(&idtr);
	firmware_idt = idtr.base;
	x86_image_base = bi->image_base;
	x86_image_size = bi->image_size;

	if (ns16550_init(&com1, COM1_BAUD, COM1_CLOCK_HZ) == 0) {
		console_register(&com1_console);
	}
	x86_cpu_tables_init();
	pr_info("x86: own GDT at 0x%llx, IDT at 0x%llx (firmware IDT was 0x%llx)",
		(unsigned long long)x86_cpu_tables_gdt_base(),
		(unsigned long long)x86_cpu_tables_idt_base(), (unsigned long long)firmware_idt);

	ret = palloc_init(bi);
	if (ret != 0) {
		hv_panic("x86: no usable memory for the page allocator (%d)", ret);
	}
	ret = x86_paging_init(bi);
	if (ret != 0) {
		hv_panic("x86: cannot build page tables (%d)", ret);
	}
	pr_info("x86: own page tables, CR3 0x%llx (firmware CR3 was 0x%llx)",
		(unsigned long long)x86_read_cr3(), (unsigned long long)firmware_cr3);
	tsc_hz = x86_tsc_calibrate();
}

enum map_kind { MAP_MMIO, MAP_CODE, MAP_DATA };

/*
 * MMIO must be UC (PCD|PWT), writable, no-execute; our code WB, read-only, executable; other
 * RAM WB, writable, no-execute (when the CPU has NX).
 */
static bool check_mapping(const char *what, uint64_t addr, enum map_kind kind)
{
	uint64_t pte, uc = X86_PTE_PCD | X86_PTE_PWT;
	bool is_uc, rw, nx, ok;
	unsigned level;

	if (x86_paging_lookup(addr, &pte, &level) != 0) {
		pr_err("  x86: %s at 0x%llx is not mapped", what, (unsigned long long)addr);
		return false;
	}
	is_uc = (pte & uc) == uc;
	rw = pte & X86_PTE_RW;
	nx = pte & X86_PTE_NX;
	switch (kind) {
	case MAP_MMIO:
		ok = is_uc && rw && (nx || !x86_paging_have_nx());
		break;
	case MAP_CODE:
		ok = (pte & uc) == 0 && !rw && !nx;
		break;
	default:
		ok = (pte & uc) == 0 && rw && (nx || !x86_paging_have_nx());
		break;
	}
	hv_log(ok ? LOG_INFO : LOG_ERR, "  x86: %s at 0x%llx: level-%u entry 0x%016llx (%s %s%s)%s",
	       what, (unsigned long long)addr, level, (unsigned long long)pte, is_uc ? "UC" : "WB",
	       rw ? "RW" : "RO", nx ? " NX" : " X", ok ? "" : " WRONG");
	return ok;
}

/*
 * "selftest=fault_wx": W^X at work. A write into our own code must end in a page-fault dump
 * (error code P|W), never succeed. Never returns.
 */
static int selftest_fault_wx(const struct bootinfo *bi)
{
	volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)&arch_selftest;

	(void)bi;
	pr_info("fault: writing into our own code at %p; expect a register dump", (void *)code);
	*code = 0x90; /* NOP: harmless if it ever landed */
	pr_err("fault: the write to read-only code went through");
	return -EIO;
}
HV_SELFTEST(fault_wx, selftest_fault_wx);

int arch_selftest(void)
{
	struct x86_desc_ptr idtr, gdtr;
	uint64_t bp0 = x86_breakpoints_taken;
	bool ok = true;

	x86_sidt(&idtr);
	x86_sgdt(&gdtr);
	if (x86_read_cr3() != x86_paging_root() || x86_read_cr3() == firmware_cr3) {
		pr_err("  x86: CR3 0x%llx is not ours (0x%llx; firmware 0x%llx)",
		       (unsigned long long)x86_read_cr3(), (unsigned long long)x86_paging_root(),
		       (unsigned long long)firmware_cr3);
		ok = false;
	}
	if (idtr.base != x86_cpu_tables_idt_base() || idtr.base == firmware_idt) {
		pr_err("  x86: IDTR 0x%llx is not ours", (unsigned long long)idtr.base);
		ok = false;
	}
	if (gdtr.base != x86_cpu_tables_gdt_base()) {
		pr_err("  x86: GDTR 0x%llx is not ours", (unsigned long long)gdtr.base);
		ok = false;
	}
	/* arch_map_mmio: map the LAPIC page UC, read its version register, map again (no-op). */
	if (arch_map_mmio(hpa(LAPIC_BASE), HV_PAGE_SIZE) != 0 ||
	    arch_map_mmio(hpa(LAPIC_BASE), HV_PAGE_SIZE) != 0) {
		pr_err("  x86: arch_map_mmio(LAPIC) failed");
		ok = false;
	} else {
		uint32_t ver = mmio_read32(LAPIC_BASE + LAPIC_VERSION_REG);

		pr_info("  x86: arch_map_mmio: LAPIC version register 0x%08x", ver);
		if ((ver & 0xff) == 0 || ver == 0xffffffff) {
			ok = false;
		}
	}
	ok &= check_mapping("LAPIC (MMIO)", LAPIC_BASE, MAP_MMIO);
	ok &= check_mapping("this code (RAM)", (uint64_t)(uintptr_t)arch_selftest, MAP_CODE);
	ok &= check_mapping("the stack (RAM)", (uint64_t)(uintptr_t)&idtr, MAP_DATA);
	ok &= check_mapping("the IDT (RAM)", x86_cpu_tables_idt_base(), MAP_DATA);
	{
		uint64_t pte;
		unsigned level;

		/* The fault self-test's address, and page 0: never mapped. */
		if (x86_paging_lookup(0x00007f0000000000ULL, &pte, &level) == 0 ||
		    x86_paging_lookup(0, &pte, &level) == 0) {
			pr_err("  x86: an address that must be unmapped is mapped");
			ok = false;
		}
	}
	__asm__ __volatile__("int3" ::: "memory");
	if (x86_breakpoints_taken != bp0 + 1) {
		pr_err("  x86: int3 did not go through our IDT");
		ok = false;
	}
	pr_info("  x86: CR3=0x%llx (firmware 0x%llx), IDTR=0x%llx (firmware 0x%llx), int3 "
		"handled %llu time(s)",
		(unsigned long long)x86_read_cr3(), (unsigned long long)firmware_cr3,
		(unsigned long long)idtr.base, (unsigned long long)firmware_idt,
		(unsigned long long)(x86_breakpoints_taken - bp0));
	return ok ? 0 : -1;
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
