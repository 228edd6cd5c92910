# SPDX-License-Identifier: MIT
# QEMU edu DMA test device driver: only the IOMMU self-tests drive edu from the hypervisor
# (guests drive their own), so it is in the test image only.
HV_TEST_SRCS += drivers/misc/edu.c
