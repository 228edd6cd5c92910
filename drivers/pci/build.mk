# SPDX-License-Identifier: MIT
# PCI enumeration over ECAM, DMAR scope resolution, DMA aliases and isolation groups, every arch.
HV_SRCS += drivers/pci/pci.c drivers/pci/groups.c drivers/pci/discover.c
# Stopping an assigned function's DMA at guest teardown (bus master off, FLR, bounded waits).
HV_SRCS += drivers/pci/pci_quiesce.c
