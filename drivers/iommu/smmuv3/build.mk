# SPDX-License-Identifier: MIT
# Arm SMMUv3 driver (arm64 only): bring-up, queues and events (smmuv3.c), stream table, CDs and
# IOASID backend ops (smmuv3_ste.c), CD tables for SubstreamIDs (smmuv3_cd.c), pure format
# encoders the host unit tests also build (smmuv3_enc.c), IORT RMRs honoured (smmuv3_rmr.c). Test
# image only: the debug hooks (smmuv3_debug.c: STE/CD read-back; smmuv3_debug_takeover.c: a second
# take-over of a live unit) and the end-to-end self-tests (selftest=smmuv3, selftest=smmuv3_errors
# in hv/selftest_smmuv3.c, selftest=smmuv3_rmr in hv/selftest_smmuv3_rmr.c, selftest=its in
# hv/selftest_its.c, over the arch-neutral
# hv/selftest_iommu.c, listed here so hv/build.mk needs no arm64 line).
HV_SRCS_arm64 += drivers/iommu/smmuv3/smmuv3.c drivers/iommu/smmuv3/smmuv3_ste.c \
	drivers/iommu/smmuv3/smmuv3_cd.c \
	drivers/iommu/smmuv3/smmuv3_enc.c drivers/iommu/smmuv3/smmuv3_rmr.c drivers/iommu/smmuv3/smmuv3_irq.c
HV_TEST_SRCS_arm64 += drivers/iommu/smmuv3/smmuv3_debug.c drivers/iommu/smmuv3/smmuv3_debug_takeover.c \
	hv/selftest_smmuv3.c hv/selftest_smmuv3_rmr.c hv/selftest_iommu.c \
	hv/selftest_its.c
