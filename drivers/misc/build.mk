# SPDX-License-Identifier: MIT
# QEMU edu DMA test device driver (used by the IOMMU self-tests).
HV_SRCS += drivers/misc/edu.c
