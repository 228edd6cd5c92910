# SPDX-License-Identifier: MIT
# UEFI entry (efi_main): the only code built with the GNU-EFI headers.
BOOT_SRCS += boot/efi_main.c
