# SPDX-License-Identifier: MIT
# VT-d driver host tests: descriptor, context/PASID entry and fault record encodings, and the
# page-selective invalidation chunking (drivers/iommu/vtd/vtd_desc.c, no MMIO).
UNIT_TESTS += test_vtd
test_vtd_SRCS := tests/unit/test_vtd.c drivers/iommu/vtd/vtd_desc.c

# vtd_tables.c's rid_aliases op reads the PCI enumeration (hv_pci); test_vtd_qi stubs it.
VTD_TEST_PCI := drivers/pci/pci.c drivers/pci/groups.c $(wildcard drivers/acpi/*.c)

# Tables and backend ops (vtd_tables.c) with the invalidation queue replaced by a recorder, and
# the test image's read-back and pass-through hooks (vtd_debug.c).
UNIT_TESTS += test_vtd_tables
test_vtd_tables_SRCS := tests/unit/test_vtd_tables.c drivers/iommu/vtd/vtd_tables.c $(VTD_TEST_PCI) \
	drivers/iommu/vtd/vtd_debug.c drivers/iommu/vtd/vtd_desc.c ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c arch/host/arch.c arch/host/cpu.c \
	lib/strerror.c

# The invalidation-queue submitter (vtd.c) against a register block in memory.
UNIT_TESTS += test_vtd_qi
test_vtd_qi_SRCS := tests/unit/test_vtd_qi.c tests/unit/vtd_stubs.c drivers/iommu/vtd/vtd.c drivers/iommu/vtd/vtd_tables.c drivers/iommu/vtd/vtd_ir.c \
	drivers/iommu/vtd/vtd_desc.c ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c arch/host/arch.c arch/host/cpu.c \
	lib/strerror.c

# RMRR identity mapping (vtd_rmrr.c) over a synthetic DMAR, with fake units.
UNIT_TESTS += test_vtd_rmrr
test_vtd_rmrr_SRCS := tests/unit/test_vtd_rmrr.c drivers/iommu/vtd/vtd_rmrr.c ioasid/identity.c ioasid/pt.c ioasid/pt_foreign.c \
	arch/host/mm.c arch/host/arch.c arch/host/cpu.c lib/strerror.c

# Interrupt remapping (vtd_ir.c): encoders bit by bit, the take-over sequence and entry
# allocation against a register block in memory.
UNIT_TESTS += test_vtd_ir
test_vtd_ir_SRCS := tests/unit/test_vtd_ir.c tests/unit/vtd_stubs.c drivers/iommu/vtd/vtd.c drivers/iommu/vtd/vtd_tables.c \
	drivers/iommu/vtd/vtd_ir.c drivers/iommu/vtd/vtd_desc.c ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c \
	arch/host/arch.c arch/host/cpu.c lib/strerror.c

# Requester-ID aliases: every RID install and block covers the device's aliases (vtd_tables.c).
UNIT_TESTS += test_vtd_alias
test_vtd_alias_SRCS := tests/unit/test_vtd_alias.c drivers/iommu/vtd/vtd_tables.c drivers/iommu/vtd/vtd_debug.c $(VTD_TEST_PCI) \
	drivers/iommu/vtd/vtd_desc.c ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c arch/host/arch.c arch/host/cpu.c \
	lib/strerror.c

# The same submitter with four threads submitting at once against a "hardware" thread
# (tests/unit/test_vtd_qi_threads.c): each waits for its own batch, the small queue wraps and fills.
UNIT_TESTS += test_vtd_qi_threads
test_vtd_qi_threads_SRCS := tests/unit/test_vtd_qi_threads.c $(filter-out tests/unit/test_vtd_qi.c,$(test_vtd_qi_SRCS))
test_vtd_qi_threads_CFLAGS := -pthread -Wl,--wrap=arch_cpu_relax
