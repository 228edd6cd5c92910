# SPDX-License-Identifier: MIT
# PCI enumeration over ECAM and DMAR scope resolution, every arch.
HV_SRCS += drivers/pci/pci.c drivers/pci/discover.c
