# SPDX-License-Identifier: MIT
# arm64: EL2 start-up, vectors, stage-1 identity map, PSCI/semihosting exit. The console UART
# comes from ACPI SPCR (drivers/acpi); the PL011 driver is in drivers/uart, SMMUv3 in
# drivers/iommu/smmuv3.
HV_SRCS_arm64 += arch/arm64/arch.c arch/arm64/entry.S arch/arm64/mmu.c arch/arm64/pgtable.c \
	arch/arm64/traps.c
