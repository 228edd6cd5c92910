// SPDX-License-Identifier: MIT
/*
 * The arm64 half of selftest=boot (arch_selftest, include/hv/arch.h) and selftest=fault_wx: our
 * translation tables and vectors are live, code is read-only and data writable, arch_map_mmio
 * maps device memory as Device-nGnRE, brk goes through our vectors. Test image only
 * (arch/arm64/build.mk HV_TEST_SRCS_arm64).
 */
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/selftest.h>

#include "arm64.h"

/* Some of our own RAM (a writable data page), for the mapping checks. */
static uint64_t selftest_ram;

/*
 * arch_map_mmio() as the hardware sees it: mapping the console page again is a no-op, a RAM page
 * is refused (it is already mapped as Normal memory), and a device page the firmware reported
 * but we never mapped becomes an identity Device-nGnRE translation (AT S1E2R, PAR_EL1.ATTR).
 */
static bool selftest_map_mmio(void)
{
	uint64_t ram = ALIGN_DOWN((uint64_t)(uintptr_t)&selftest_ram, HV_PAGE_SIZE), pa = 0, attr;
	int again, conflict, ret;
	bool mapped = false;

	again = arm64_console_base() != 0 ? arch_map_mmio(hpa(arm64_console_base()), HV_PAGE_SIZE) : 0;
	conflict = arch_map_mmio(hpa(ram), HV_PAGE_SIZE);
	if (arm64_mmio_probe == 0) {
		return ST_CHECK(again == 0 && conflict == -EEXIST,
				"arm64: arch_map_mmio: UART again %d, RAM page %d (no firmware MMIO "
				"region to map)",
				again, conflict);
	}
	mapped = arm64_mmu_translate(arm64_mmio_probe, &pa);
	ret = arch_map_mmio(hpa(arm64_mmio_probe), HV_PAGE_SIZE);
	attr = ~0ULL;
	if (arm64_mmu_translate(arm64_mmio_probe, &pa)) {
		attr = FIELD_GET(PAR_ATTR, read_sysreg(par_el1));
	}
	return ST_CHECK(again == 0 && conflict == -EEXIST && !mapped && ret == 0 && pa == arm64_mmio_probe &&
				attr == MAIR_ATTR_DEVICE_NGNRE,
			"arm64: arch_map_mmio: UART again %d, RAM page %d, firmware MMIO 0x%llx "
			"unmapped before (%s), mapped %d to 0x%llx attr 0x%llx",
			again, conflict, (unsigned long long)arm64_mmio_probe, mapped ? "no" : "yes", ret,
			(unsigned long long)pa, (unsigned long long)attr);
}

int arch_selftest(void)
{
	uint64_t bp0 = arm64_breakpoints_taken;
	uint64_t image = (uint64_t)(uintptr_t)&arch_selftest, pa = 0;
	uint64_t unmapped = 0x00007f0000000000ULL;
	uint64_t ttbr0 = read_sysreg(ttbr0_el2), vbar = read_sysreg(vbar_el2);
	bool ok = true;

	if (ttbr0 != arm64_mmu_root() || ttbr0 == arm64_firmware_ttbr0) {
		pr_err("  arm64: TTBR0_EL2 0x%llx is not ours (0x%llx; firmware 0x%llx)", (unsigned long long)ttbr0,
		       (unsigned long long)arm64_mmu_root(), (unsigned long long)arm64_firmware_ttbr0);
		ok = false;
	}
	if (!(read_sysreg(sctlr_el2) & SCTLR_EL2_M)) {
		pr_err("  arm64: the EL2 MMU is off");
		ok = false;
	}
	if (vbar != (uint64_t)(uintptr_t)arm64_vectors || vbar == arm64_firmware_vbar) {
		pr_err("  arm64: VBAR_EL2 0x%llx is not ours", (unsigned long long)vbar);
		ok = false;
	}
	/*
	 * Our tables, as the hardware walks them: identity for our code, which is read-only while
	 * data is writable, and nothing far above RAM.
	 */
	if (!arm64_mmu_translate(image, &pa) || pa != image) {
		pr_err("  arm64: AT S1E2R of our own code 0x%llx gave 0x%llx", (unsigned long long)image,
		       (unsigned long long)pa);
		ok = false;
	}
	if (arm64_mmu_writable(image)) {
		pr_err("  arm64: our code at 0x%llx is writable", (unsigned long long)image);
		ok = false;
	}
	if (!arm64_mmu_writable((uint64_t)(uintptr_t)&selftest_ram)) {
		pr_err("  arm64: our data at %p is not writable", (void *)&selftest_ram);
		ok = false;
	}
	if (arm64_mmu_translate(unmapped, &pa)) {
		pr_err("  arm64: 0x%llx is mapped (to 0x%llx)", (unsigned long long)unmapped, (unsigned long long)pa);
		ok = false;
	}
	ok &= selftest_map_mmio();
	__asm__ __volatile__("brk %0" ::"i"(ARM64_BRK_SELFTEST) : "memory");
	if (arm64_breakpoints_taken != bp0 + 1) {
		pr_err("  arm64: brk did not go through our vectors");
		ok = false;
	}
	pr_info("  arm64: TTBR0_EL2=0x%llx (firmware 0x%llx), VBAR_EL2=0x%llx (firmware 0x%llx), "
		"brk handled %llu time(s)",
		(unsigned long long)read_sysreg(ttbr0_el2), (unsigned long long)arm64_firmware_ttbr0,
		(unsigned long long)read_sysreg(vbar_el2), (unsigned long long)arm64_firmware_vbar,
		(unsigned long long)(arm64_breakpoints_taken - bp0));
	return ok ? 0 : -1;
}

/*
 * "selftest=fault_wx": the W^X map at work. A write into our own code must end in a
 * permission-fault register dump, never succeed. Never returns.
 */
static int selftest_fault_wx(const struct bootinfo *bi)
{
	volatile uint32_t *code = (volatile uint32_t *)(uintptr_t)&arch_selftest;

	(void)bi;
	pr_info("fault: writing into our own code at %p; expect a register dump", (void *)code);
	*code = 0xd503201f; /* NOP: harmless if it ever landed */
	pr_err("fault: the write to read-only code went through");
	return -EIO;
}
HV_SELFTEST(fault_wx, selftest_fault_wx);
