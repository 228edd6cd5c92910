// SPDX-License-Identifier: MIT
/*
 * The x86_64 half of selftest=boot (arch_selftest, include/hv/arch.h) and selftest=fault_wx:
 * our CR3, GDT and IDT are live, mappings have the right attributes, int3 goes through our IDT.
 * Test image only (arch/x86_64/build.mk HV_TEST_SRCS_x86_64).
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/selftest.h>

#include "x86.h"

/* The local APIC's MMIO page (SDM vol. 3, 10.4.1): always present, safe to read. */
#define LAPIC_BASE	  0xfee00000ULL
#define LAPIC_VERSION_REG 0x30

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
	hv_log(ok ? LOG_INFO : LOG_ERR, "  x86: %s at 0x%llx: level-%u entry 0x%016llx (%s %s%s)%s", what,
	       (unsigned long long)addr, level, (unsigned long long)pte, is_uc ? "UC" : "WB", rw ? "RW" : "RO",
	       nx ? " NX" : " X", ok ? "" : " WRONG");
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
	if (x86_read_cr3() != x86_paging_root() || x86_read_cr3() == x86_firmware_cr3) {
		pr_err("  x86: CR3 0x%llx is not ours (0x%llx; firmware 0x%llx)", (unsigned long long)x86_read_cr3(),
		       (unsigned long long)x86_paging_root(), (unsigned long long)x86_firmware_cr3);
		ok = false;
	}
	if (idtr.base != x86_cpu_tables_idt_base() || idtr.base == x86_firmware_idt) {
		pr_err("  x86: IDTR 0x%llx is not ours", (unsigned long long)idtr.base);
		ok = false;
	}
	if (gdtr.base != x86_cpu_tables_gdt_base()) {
		pr_err("  x86: GDTR 0x%llx is not ours", (unsigned long long)gdtr.base);
		ok = false;
	}
	/* arch_map_mmio: map the LAPIC page UC, read its version register, map again (no-op). */
	if (arch_map_mmio(hpa(LAPIC_BASE), HV_PAGE_SIZE) != 0 || arch_map_mmio(hpa(LAPIC_BASE), HV_PAGE_SIZE) != 0) {
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
		(unsigned long long)x86_read_cr3(), (unsigned long long)x86_firmware_cr3, (unsigned long long)idtr.base,
		(unsigned long long)x86_firmware_idt, (unsigned long long)(x86_breakpoints_taken - bp0));
	return ok ? 0 : -1;
}
