# SPDX-License-Identifier: MIT
# ACPI table parsing (drivers/acpi) against captured QEMU tables and malformed synthetic ones.
UNIT_TESTS += test_acpi
test_acpi_SRCS := $(sort $(wildcard tests/unit/test_acpi*.c)) $(wildcard drivers/acpi/*.c) \
	drivers/pci/pci.c drivers/pci/groups.c arch/host/arch.c arch/host/cpu.c lib/strerror.c
test_acpi_CFLAGS := -DACPI_DATA_DIR=\"$(CURDIR)/tests/data/acpi\"
