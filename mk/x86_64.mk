# SPDX-License-Identifier: MIT
#
# x86_64 target settings, read by mk/efi.mk and mk/newlib.mk. Every variable an arch file must
# set is listed here; mk/arm64.mk sets the same names.
#
#   CROSS              tool prefix ("" = the build machine's own gcc/binutils)
#   ARCH_CFLAGS        flags for every target object (hypervisor and newlib)
#   NEWLIB_HOST        the --host triple newlib is configured for
#   NEWLIB_CFLAGS      flags newlib is compiled with (FP/SIMD-free, see mk/newlib.mk)
#   GNUEFI_INC         GNU-EFI headers (only boot/ sees them)
#   GNUEFI_LIB         directory with libefi.a, libgnuefi.a and the crt0
#   EFI_CRT0           the GNU-EFI start-up object (relocates the image, calls efi_main)
#   EFI_BOOT_NAME      removable-media boot file name on an ESP (BOOTX64.EFI)
#   EFI_OBJCOPY_FLAGS  how the linked ELF becomes a PE/COFF application
#   LINKER_ARCH_DEFS   -D flags for preprocessing linker.ld

CROSS ?=
GNUEFI_INC ?= /usr/include/efi
GNUEFI_LIB ?= /usr/lib
EFI_CRT0 := $(GNUEFI_LIB)/crt0-efi-x86_64.o
EFI_BOOT_NAME := BOOTX64.EFI

# -mgeneral-regs-only: hypervisor code must never touch a guest's x87/MMX/SSE/AVX state, so the
# compiler may not use those registers even for memcpy or struct copies. -mno-red-zone: an
# exception or interrupt pushes onto the current stack below RSP (Intel SDM vol. 3, 6.14.2).
# -fpic -fshort-wchar: the GNU-EFI image is position independent and UEFI strings are UCS-2.
ARCH_CFLAGS := -m64 -mgeneral-regs-only -mno-red-zone -mcmodel=small -fpic -fshort-wchar \
	-DGNU_EFI_USE_MS_ABI

NEWLIB_HOST := x86_64-elf
NEWLIB_CFLAGS := -O2 -g -ffreestanding -fno-stack-protector -mgeneral-regs-only -mno-red-zone \
	-fpic -fshort-wchar

EFI_OBJCOPY_FLAGS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
	-j '.rel.*' -j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10

LINKER_ARCH_DEFS := -DHV_LDS_X86_64=1

GNUEFI_ARCH_DIR := x86_64
CLANG_TARGET_FLAGS := --target=x86_64-linux-gnu
