# SPDX-License-Identifier: MIT
# arm64: EL2 start-up, vectors, stage-1 identity map, PSCI/semihosting exit, secondary CPUs
# (smp.c, smp_entry.S; the GICv3 for kicks is drivers/irqchip). The console UART
# comes from ACPI SPCR (drivers/acpi); the PL011 driver is in drivers/uart, SMMUv3 in
# drivers/iommu/smmuv3.
HV_SRCS_arm64 += arch/arm64/arch.c arch/arm64/entry.S arch/arm64/mmu.c arch/arm64/pgtable.c \
	arch/arm64/traps.c arch/arm64/smp.c arch/arm64/smp_entry.S
# Guest vCPUs at EL2 (include/hv/vcpu.h): vcpu.c, entry/exit in vcpu_entry.S, the pure exit
# decoder vcpu_decode.c.
HV_SRCS_arm64 += arch/arm64/vcpu.c arch/arm64/vcpu_decode.c arch/arm64/vcpu_entry.S
# The virtual GICv3 (docs/ARM64.md, "Virtual interrupts"): state machine and registers (pure,
# host-tested), and the hardware side (list registers, timers, the vcpu_arch_* interrupt hooks).
HV_SRCS_arm64 += arch/arm64/vgic.c arch/arm64/vgic_mmio.c arch/arm64/vgic_hw.c
# The hypervisor's own timer (CNTHP, PPI 26): a per-CPU deadline that ends the idle WFI.
HV_SRCS_arm64 += arch/arm64/hyptimer.c
# Device MSIs routed to guests (include/hv/irq_route.h): LPI + ITS event per route
# (irq_route.c), the ITS doorbell in the device's stream (msi_doorbell.c).
HV_SRCS_arm64 += arch/arm64/irq_route.c arch/arm64/irq.c arch/arm64/msi_doorbell.c
# Test image only: the arch half of selftest=boot and selftest=fault_wx (arch_selftest.c),
# selftest=vcpu with its EL1 programs, and selftest=smp (smp_selftest.c).
HV_TEST_SRCS_arm64 += arch/arm64/arch_selftest.c arch/arm64/vcpu_selftest.c \
	arch/arm64/vcpu_selftest_guest.S arch/arm64/smp_selftest.c
