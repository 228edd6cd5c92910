# SPDX-License-Identifier: MIT
# Intel VT-d driver (x86_64 only): register-level bring-up, queued invalidation and faults
# (vtd.c), interrupt remapping (vtd_ir.c), translation structures and IOASID backend ops (vtd_tables.c), pure encoders that the
# host unit tests also build (vtd_desc.c), RMRR identity mapping (vtd_rmrr.c). Test image only:
# the debug hooks and the pass-through (DMA bypass) primitive (vtd_debug.c) and a second take-over
# of a live unit (vtd_debug_takeover.c).
HV_SRCS_x86_64 += drivers/iommu/vtd/vtd.c drivers/iommu/vtd/vtd_tables.c drivers/iommu/vtd/vtd_desc.c drivers/iommu/vtd/vtd_rmrr.c \
	drivers/iommu/vtd/vtd_ir.c
HV_TEST_SRCS_x86_64 += drivers/iommu/vtd/vtd_debug.c drivers/iommu/vtd/vtd_debug_takeover.c
