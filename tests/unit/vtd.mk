# SPDX-License-Identifier: MIT
# VT-d driver host tests: descriptor, context/PASID entry and fault record encodings, and the
# page-selective invalidation chunking (drivers/iommu/vtd/vtd_desc.c, no MMIO).
UNIT_TESTS += test_vtd
test_vtd_SRCS := tests/unit/test_vtd.c drivers/iommu/vtd/vtd_desc.c
