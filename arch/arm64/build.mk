# SPDX-License-Identifier: MIT
# arm64: EL2 start-up, vectors, stage-1 identity map, PSCI/semihosting exit. The console UART
# comes from ACPI SPCR (drivers/acpi); the PL011 driver is in drivers/uart, SMMUv3 in
# drivers/iommu/smmuv3.
HV_SRCS_arm64 += arch/arm64/arch.c arch/arm64/entry.S arch/arm64/mmu.c arch/arm64/pgtable.c \
	arch/arm64/traps.c arch/arm64/smp.c
# Guest vCPUs at EL2 (include/hv/vcpu.h): vcpu.c, entry/exit in vcpu_entry.S, the pure exit
# decoder vcpu_decode.c.
HV_SRCS_arm64 += arch/arm64/vcpu.c arch/arm64/vcpu_decode.c arch/arm64/vcpu_entry.S
# Test image only: the arch half of selftest=boot and selftest=fault_wx (arch_selftest.c), and
# selftest=vcpu with its EL1 programs.
HV_TEST_SRCS_arm64 += arch/arm64/arch_selftest.c arch/arm64/vcpu_selftest.c \
	arch/arm64/vcpu_selftest_guest.S
