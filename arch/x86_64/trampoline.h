/* SPDX-License-Identifier: MIT */
/*
 * Layout of the CPU start-up trampoline (arch/x86_64/trampoline.S, filled by smp.c), shared by
 * the assembly and C: offsets within the trampoline page boot/ reserved below 1 MiB
 * (include/hv/bootinfo.h BOOTINFO_SMP_TRAMPOLINE_SIZE). The next page holds the PML4 copy.
 */
#ifndef ARCH_X86_64_TRAMPOLINE_H
#define ARCH_X86_64_TRAMPOLINE_H

/* Code: 16-bit at offset 0 (where the SIPI starts the CPU), then 32-bit, then 64-bit. */
#define X86_TRAMP_CODE32 0x080
#define X86_TRAMP_CODE64 0x100
/* Parameters, written by smp.c; the APs only read them. */
#define X86_TRAMP_PARAMS  0x180
#define X86_TRAMP_P_GDT	  (X86_TRAMP_PARAMS + 0x00) /* 4 descriptors */
#define X86_TRAMP_P_GDTR  (X86_TRAMP_PARAMS + 0x20) /* 16-bit limit, 32-bit base */
#define X86_TRAMP_P_FAR32 (X86_TRAMP_PARAMS + 0x28) /* far pointer: 32-bit offset, selector */
#define X86_TRAMP_P_FAR64 (X86_TRAMP_PARAMS + 0x30)
#define X86_TRAMP_P_PML4  (X86_TRAMP_PARAMS + 0x38) /* 32-bit: the PML4 copy below 4 GiB */
#define X86_TRAMP_P_EFER  (X86_TRAMP_PARAMS + 0x3c) /* 32-bit: LME, NXE as the boot CPU has it */
#define X86_TRAMP_P_CR3	  (X86_TRAMP_PARAMS + 0x40) /* 64-bit: the hypervisor's own CR3 */
#define X86_TRAMP_P_ENTRY (X86_TRAMP_PARAMS + 0x48) /* 64-bit: x86_ap_entry64 in the image */
#define X86_TRAMP_END	  (X86_TRAMP_PARAMS + 0x50)

/* The trampoline's own GDT selectors. */
#define X86_TRAMP_SEL_CODE32 0x08
#define X86_TRAMP_SEL_DATA   0x10
#define X86_TRAMP_SEL_CODE64 0x18

/*
 * x86_ap_boot[]: one entry per CPU number, found by the starting CPU from its own APIC ID
 * (CPUID), so a CPU that answers late never takes another CPU's stack.
 */
#define X86_AP_BOOT_ENTRIES 16 /* HV_MAX_CPUS, checked in smp.c */
#define X86_AP_BOOT_HW_ID   0x00
#define X86_AP_BOOT_STACK   0x08 /* 0: entry not in use */
#define X86_AP_BOOT_PERCPU  0x10
#define X86_AP_BOOT_SIZE    0x18

#endif /* ARCH_X86_64_TRAMPOLINE_H */
