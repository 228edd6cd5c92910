# SPDX-License-Identifier: MIT
# PCI enumeration over ECAM and DMAR scope resolution, every arch.
HV_SRCS += drivers/pci/pci.c drivers/pci/discover.c
# Stopping an assigned function's DMA at guest teardown (bus master off, FLR, bounded waits).
HV_SRCS += drivers/pci/pci_quiesce.c
