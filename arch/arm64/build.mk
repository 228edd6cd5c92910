# SPDX-License-Identifier: MIT
# arm64: EL2 start-up, vectors, stage-1 identity map, SPCR console lookup, PSCI/semihosting exit.
# The SMMUv3 driver lives in drivers/iommu/smmuv3, the PL011 in drivers/uart.
HV_SRCS_arm64 += arch/arm64/arch.c arch/arm64/entry.S arch/arm64/mmu.c arch/arm64/pgtable.c \
	arch/arm64/spcr.c arch/arm64/traps.c
