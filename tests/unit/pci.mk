# SPDX-License-Identifier: MIT
# PCI enumeration (drivers/pci), DMA aliases and isolation groups, and the configuration check
# of the groups (hv/guest_groups.c) against a fake ECAM that models BAR sizing.
UNIT_TESTS += test_pci
test_pci_SRCS := $(sort $(wildcard tests/unit/test_pci*.c)) drivers/pci/pci.c drivers/pci/groups.c hv/guest_groups.c \
	$(wildcard drivers/acpi/*.c) arch/host/arch.c arch/host/cpu.c lib/strerror.c
