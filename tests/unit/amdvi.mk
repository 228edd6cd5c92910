# SPDX-License-Identifier: MIT
# AMD-Vi driver host tests: device table entry, command and event-log encodings and the
# INVALIDATE_IOMMU_PAGES range encoding (drivers/iommu/amdvi/amdvi_desc.c, no MMIO).
UNIT_TESTS += test_amdvi
test_amdvi_SRCS := tests/unit/test_amdvi.c drivers/iommu/amdvi/amdvi_desc.c
