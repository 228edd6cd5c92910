# SPDX-License-Identifier: MIT
# x86_64: start-up, GDT/IDT/exceptions, 4-level paging, TSC. VT-d lives in drivers/iommu/vtd.
HV_SRCS_x86_64 += arch/x86_64/arch.c arch/x86_64/cpu.c arch/x86_64/entry.S \
	arch/x86_64/paging.c arch/x86_64/tsc.c arch/x86_64/irq.c arch/x86_64/lapic.c \
	arch/x86_64/smp.c arch/x86_64/trampoline.S
# SVM vCPU backend (include/hv/vcpu.h)
HV_SRCS_x86_64 += arch/x86_64/svm.c arch/x86_64/svm_entry.S
# Virtual interrupts: the x2APIC model and its SVM side (injection, MSRs, HLT)
HV_SRCS_x86_64 += arch/x86_64/vlapic.c arch/x86_64/svm_irq.c
# Device MSIs routed to guests (include/hv/irq_route.h)
HV_SRCS_x86_64 += arch/x86_64/irq_route.c
# Test image only: the arch half of selftest=boot and selftest=fault_wx; selftest=smp,
# smp_fault and smp_absent (every CPU's per-CPU state, the kick, a CPU that never answers).
HV_TEST_SRCS_x86_64 += arch/x86_64/arch_selftest.c arch/x86_64/smp_selftest.c
# selftest=smp_vcpu: a vCPU run on secondary CPUs, stopped with stop_request and smp_kick.
HV_TEST_SRCS_x86_64 += arch/x86_64/smp_vcpu_selftest.c
# No guest-physical range taken by virtual hardware (include/hv/guest.h guest_arch_gpa_hole).
HV_SRCS_x86_64 += arch/x86_64/guest_gpa.c
