# SPDX-License-Identifier: MIT
#
# Host unit tests of the IOASID core (ioasid/*.c) against the mock IOMMU in tests/host/.
CORE_TEST_LIBS := $(filter-out ioasid/pt_%.c,$(wildcard ioasid/*.c)) $(wildcard ioasid/pt_*.c) \
	tests/host/mock_iommu.c tests/host/harness.c arch/host/mm.c arch/host/arch.c arch/host/cpu.c lib/strerror.c

UNIT_TESTS += test_core
test_core_SRCS := $(sort $(wildcard tests/unit/test_core*.c)) $(CORE_TEST_LIBS)

UNIT_TESTS += test_abi
test_abi_SRCS := tests/unit/test_abi.c lib/strerror.c
test_core_CFLAGS := -pthread

# The guest lifecycle (hv/guest.c) over a scripted fake vCPU and the real core.
UNIT_TESTS += test_guest
test_guest_SRCS := tests/unit/test_guest.c hv/guest.c hv/guest_run.c hv/guest_irq.c hv/virq.c hv/smp.c arch/host/smp.c hv/config.c \
	drivers/pci/pci_quiesce.c drivers/pci/msi.c $(CORE_TEST_LIBS)
test_guest_CFLAGS := -pthread
