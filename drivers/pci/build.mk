# SPDX-License-Identifier: MIT
# PCI enumeration over ECAM, DMAR scope resolution, DMA aliases and isolation groups, every arch.
HV_SRCS += drivers/pci/pci.c drivers/pci/groups.c drivers/pci/discover.c
# Stopping an assigned function's DMA at guest teardown (bus master off, FLR, bounded waits).
HV_SRCS += drivers/pci/pci_quiesce.c
# MSI capabilities the hypervisor programs for routed device interrupts (include/hv/irq_route.h).
HV_SRCS += drivers/pci/msi.c
