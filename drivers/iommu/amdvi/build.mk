# SPDX-License-Identifier: MIT
# AMD-Vi driver (x86_64 only): bring-up, event log, IVMD identity maps and lookups (amdvi.c), the
# command buffer (amdvi_cmd.c), device-table updates and IOASID backend ops (amdvi_dte.c), pure
# encoders that the host unit tests also build (amdvi_desc.c). docs/AMDVI.md.
HV_SRCS_x86_64 += drivers/iommu/amdvi/amdvi.c drivers/iommu/amdvi/amdvi_cmd.c drivers/iommu/amdvi/amdvi_dte.c \
	drivers/iommu/amdvi/amdvi_desc.c
