# SPDX-License-Identifier: MIT
# ACPI table discovery (RSDP/XSDT, MADT, MCFG, DMAR, IORT, IVRS, SPCR, GTDT), every arch.
HV_SRCS += drivers/acpi/acpi.c drivers/acpi/madt.c drivers/acpi/dmar.c drivers/acpi/iort.c drivers/acpi/ivrs.c
