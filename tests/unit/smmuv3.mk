# SPDX-License-Identifier: MIT
# SMMUv3 driver host tests: STE, CD, command and event encodings and the range-TLBI chunking
# (drivers/iommu/smmuv3/smmuv3_enc.c, no MMIO).
UNIT_TESTS += test_smmuv3
test_smmuv3_SRCS := tests/unit/test_smmuv3.c drivers/iommu/smmuv3/smmuv3_enc.c

# Stream table, CD pools and backend ops (smmuv3_ste.c) with the command queue replaced by a
# recorder, and the test image's STE/CD read-back hooks (smmuv3_debug.c).
UNIT_TESTS += test_smmuv3_ste
test_smmuv3_ste_SRCS := tests/unit/test_smmuv3_ste.c drivers/iommu/smmuv3/smmuv3_ste.c \
	drivers/iommu/smmuv3/smmuv3_cd.c drivers/iommu/smmuv3/smmuv3_debug.c \
	drivers/iommu/smmuv3/smmuv3_enc.c ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c \
	arch/host/arch.c arch/host/cpu.c lib/strerror.c
