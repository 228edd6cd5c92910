# SPDX-License-Identifier: MIT
# SMMUv3 driver host tests: STE, CD, command and event encodings and the range-TLBI chunking
# (drivers/iommu/smmuv3/smmuv3_enc.c, no MMIO).
UNIT_TESTS += test_smmuv3
test_smmuv3_SRCS := tests/unit/test_smmuv3.c drivers/iommu/smmuv3/smmuv3_enc.c
