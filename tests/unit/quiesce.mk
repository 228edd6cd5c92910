# SPDX-License-Identifier: MIT
# Quiescing a PCI function at guest teardown (drivers/pci/pci_quiesce.c) over a fake ECAM function.
UNIT_TESTS += test_quiesce
test_quiesce_SRCS := tests/unit/test_quiesce.c drivers/pci/pci_quiesce.c drivers/pci/pci.c drivers/pci/groups.c \
	$(wildcard drivers/acpi/*.c) arch/host/arch.c arch/host/cpu.c lib/strerror.c
