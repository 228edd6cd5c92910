/* SPDX-License-Identifier: MIT */
/*
 * The plain C structure boot/ hands to the arch-neutral hv_main() after ExitBootServices.
 * Nothing in it is a UEFI type: boot/ is the only code that speaks UEFI.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <hv/types.h>

enum mem_type {
	MEM_USABLE = 1,      /* free RAM (conventional memory, boot-services code after EBS) */
	MEM_RESERVED,        /* reserved, unusable: may be MMIO (e.g. ECAM), not mapped as RAM */
	MEM_ACPI_RECLAIM,    /* ACPI tables: keep until parsed */
	MEM_ACPI_NVS,
	MEM_MMIO,
	MEM_HV_IMAGE,        /* the hypervisor's own loaded image */
	MEM_HV_POOL,         /* RAM boot/ allocated for the hypervisor (its heap) */
	MEM_LOADED_FILE,     /* a file boot/ read from the ESP (guest image, config) */
	MEM_FIRMWARE,        /* RAM the firmware still uses after EBS (boot-services data, which
	                        holds the stack we start on; runtime services; other loader data):
	                        mapped as normal memory, never allocated */
};

#define BOOTINFO_MAX_MEM 256
#define BOOTINFO_MAX_FILES 16
#define BOOTINFO_CMDLINE 256
/*
 * x86: the CPU start-up trampoline boot/ reserves below 1 MiB (a SIPI vector names a page
 * there; SDM vol. 3, 10.4.4.1): page 0 holds the real-mode code, page 1 a PML4 below 4 GiB
 * (32-bit code loads CR3 with 32 bits). The region stays MEM_FIRMWARE, never allocated.
 */
#define BOOTINFO_SMP_TRAMPOLINE_SIZE 0x2000

struct mem_region {
	hpa_t base;
	uint64_t size;
	uint32_t type; /* enum mem_type */
	uint32_t pad;
};

struct boot_file {
	char name[64];
	hpa_t base;
	uint64_t size;
};

struct bootinfo {
	uint32_t nr_mem;
	uint32_t nr_files;
	struct mem_region mem[BOOTINFO_MAX_MEM];
	struct boot_file files[BOOTINFO_MAX_FILES];
	hpa_t rsdp;            /* ACPI RSDP (2.0+), 0 if none */
	hpa_t image_base;      /* the loaded .efi image */
	uint64_t image_size;
	uint64_t efi_retries;  /* ExitBootServices attempts beyond the first (stale map key) */
	hpa_t smp_trampoline;  /* x86: BOOTINFO_SMP_TRAMPOLINE_SIZE bytes below 1 MiB, 0 if none */
	char cmdline[BOOTINFO_CMDLINE]; /* UEFI load options, ASCII */
};

__attribute__((noreturn)) void hv_main(struct bootinfo *bi);

#endif /* HV_BOOTINFO_H */
