# SPDX-License-Identifier: MIT
#
# arm64 target settings, read by mk/efi.mk and mk/newlib.mk (the variable list is at the top of
# mk/x86_64.mk), plus the AAVMF firmware images and QEMU arguments for mk/qemu.mk.
#
# GNU-EFI: Debian 12's arm64 gnu-efi 3.0.15 produced images AAVMF refused; we use the 3.0.18
# arm64 package unpacked by tools/install-deps.sh (see docs/ARM64.md). Its crt0 carries no
# hand-made PE header, so binutils writes the PE/COFF headers: objcopy's pei-aarch64-little
# target (binutils 2.40 has no "efi-app-aarch64" alias) with --subsystem=10 (EFI application).

CROSS ?= aarch64-linux-gnu-
GNUEFI_ARM64 ?= /opt/ioasid-hv/gnu-efi-arm64/usr
GNUEFI_INC ?= $(GNUEFI_ARM64)/include/efi
GNUEFI_LIB ?= $(GNUEFI_ARM64)/lib
EFI_CRT0 := $(GNUEFI_LIB)/crt0-efi-aarch64.o
EFI_BOOT_NAME := BOOTAA64.EFI

# -mgeneral-regs-only: hypervisor code must never touch a guest's FP/SIMD registers (V0-V31,
# FPCR/FPSR), so the compiler may not use them for memcpy, struct copies or varargs saves.
# -mno-outline-atomics: gcc's default on aarch64 turns C11/__atomic operations into calls to
# libgcc's __aarch64_* helpers, which choose LSE or LL/SC at run time through getauxval(), a
# Linux user-space interface we do not have; inline LL/SC (Armv8.0) works everywhere.
# -fpic -fshort-wchar: the GNU-EFI image is position independent and UEFI strings are UCS-2.
ARCH_CFLAGS := -mgeneral-regs-only -mno-outline-atomics -fpic -fshort-wchar -mcmodel=small

NEWLIB_HOST := aarch64-elf
# MISSING_SYSCALL_NAMES: newlib's configure.host sets it for x86_64-elf but not for aarch64-elf;
# with it the reentrant wrappers call write()/sbrk(), the names lib/syscalls.c provides.
NEWLIB_CFLAGS := -O2 -g -ffreestanding -fno-stack-protector -mgeneral-regs-only -fpic \
	-fshort-wchar -DMISSING_SYSCALL_NAMES

EFI_OBJCOPY_FLAGS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
	-j '.rel.*' -j '.rela.*' -j .reloc --target pei-aarch64-little --subsystem=10

LINKER_ARCH_DEFS := -DHV_LDS_ARM64=1
# The ELF is one RWX load segment by design (linker.ld): the PE sections objcopy emits carry
# their own permissions, so ld's RWX warning says nothing useful here.
EFI_LDFLAGS := --no-warn-rwx-segments

GNUEFI_ARCH_DIR := aarch64
# clang compiles; GNU ld from the cross binutils links (mk/efi.mk uses $(CROSS)ld for both).
CLANG_TARGET_FLAGS := --target=aarch64-linux-gnu

# ---- AAVMF firmware for QEMU ----------------------------------------------------------------
# QEMU's virt pflash devices must be exactly 64 MiB each. Debian's AAVMF images already are; the
# older single-file QEMU_EFI.fd is 2 MiB. Either way we copy and pad into build/, because the
# variable store must be writable and private to us. AAVMF_CODE may be overridden.
AAVMF_CODE ?= $(firstword $(wildcard /usr/share/AAVMF/AAVMF_CODE.fd \
	/usr/share/qemu-efi-aarch64/QEMU_EFI.fd))
AAVMF_VARS_SRC ?= $(wildcard /usr/share/AAVMF/AAVMF_VARS.fd)
ARM64_FW_DIR := build/firmware-arm64
ARM64_FW_CODE := $(ARM64_FW_DIR)/code.fd
ARM64_FW_VARS := $(ARM64_FW_DIR)/vars.fd

$(ARM64_FW_CODE): $(AAVMF_CODE) mk/arm64.mk
	@mkdir -p $(dir $@)
	@echo "  PFLASH  $@"
	$(Q)cp $< $@.tmp && truncate -s 64M $@.tmp && mv $@.tmp $@

# A fresh, empty-or-template variable store; the QEMU runner copies it per run so that runs
# cannot influence each other through stored boot options.
$(ARM64_FW_VARS): $(AAVMF_VARS_SRC) mk/arm64.mk
	@mkdir -p $(dir $@)
	@echo "  PFLASH  $@"
	$(Q)rm -f $@.tmp; $(if $(AAVMF_VARS_SRC),cp $(AAVMF_VARS_SRC) $@.tmp,: > $@.tmp) && \
		truncate -s 64M $@.tmp && mv $@.tmp $@

.PHONY: firmware
firmware: $(ARM64_FW_CODE) $(ARM64_FW_VARS)

# ---- QEMU ---------------------------------------------------------------------------------
# The QEMU command line itself lives in tests/qemu/run.py (MACHINES["arm64"]); mk/qemu.mk only
# needs to know which firmware files to build first.
QEMU_FW_FILES := $(ARM64_FW_CODE) $(ARM64_FW_VARS)
