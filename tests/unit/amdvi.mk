# SPDX-License-Identifier: MIT
# AMD-Vi driver host tests: device table entry, command and event-log encodings and the
# INVALIDATE_IOMMU_PAGES range encoding (drivers/iommu/amdvi/amdvi_desc.c, no MMIO).
UNIT_TESTS += test_amdvi
test_amdvi_SRCS := tests/unit/test_amdvi.c drivers/iommu/amdvi/amdvi_desc.c

# The command-buffer submitter (amdvi_cmd.c) against a register block in memory: the test plays
# the hardware by writing the store slot (or not).
UNIT_TESTS += test_amdvi_cmd
test_amdvi_cmd_SRCS := tests/unit/test_amdvi_cmd.c drivers/iommu/amdvi/amdvi_cmd.c drivers/iommu/amdvi/amdvi_desc.c \
	arch/host/mm.c arch/host/arch.c arch/host/cpu.c lib/strerror.c
