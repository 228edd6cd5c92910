/* SPDX-License-Identifier: MIT */
/*
 * A minimal GICv3 (Arm "GIC Architecture Specification, GICv3 and GICv4", IHI 0069): just
 * enough for the hypervisor to kick its own CPUs with a software-generated interrupt (SGI).
 *
 * gicv3_init() runs once on the boot CPU: it maps the distributor and every redistributor
 * region the MADT lists and checks that the distributor uses affinity routing. gicv3_cpu_init()
 * runs on each CPU: wakes that CPU's redistributor, makes the kick SGI a Group 1 interrupt that
 * is enabled, and turns on the CPU's system-register interface. Nothing else is configured: no
 * SPI, no LPI, no ITS (the guests' devices and the ITS stay as firmware left them).
 *
 * The register interface (ICC_*_EL1 at EL2) is arm64 only; the driver is built for arm64.
 */
#ifndef DRIVERS_IRQCHIP_GICV3_H
#define DRIVERS_IRQCHIP_GICV3_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/types.h>

struct acpi_madt;

/* The SGI the hypervisor kicks its CPUs with (INTIDs 0..15 are SGIs, IHI 0069 2.2.1). */
#define GICV3_SGI_KICK 1
/* INTIDs 1020..1023 are special (1023: spurious, nothing pending): never EOIed. */
#define GICV3_INTID_SPECIAL 1020

/* Boot CPU, once: map the distributor and redistributors; 0, -ENODEV (no GICv3), -EOPNOTSUPP. */
int gicv3_init(const struct acpi_madt *madt);
/* True once gicv3_init succeeded. */
bool gicv3_present(void);
/*
 * The calling CPU (affinity mpidr, Aff3..Aff0 as the MADT spells it; gicr_hint: its GICC
 * entry's redistributor, 0 if none): wake its redistributor, enable the kick SGI, enable the
 * CPU interface. Returns 0 and the redistributor's base in *rd, or a negative error.
 */
int gicv3_cpu_init(uint64_t mpidr, hpa_t gicr_hint, uint64_t *rd);
/* Send the kick SGI to the CPU with affinity mpidr (ICC_SGI1R_EL1). Never waits. */
void gicv3_send_sgi(uint64_t mpidr, unsigned sgi);
/* Acknowledge the highest-priority pending Group 1 interrupt: its INTID (>= 1020: none). */
unsigned gicv3_ack(void);
/* End it: priority drop and deactivation (EOIR then DIR: the CPU interface runs with EOImode = 1). */
void gicv3_eoi(unsigned intid);
/* Priority drop only: the interrupt stays active (handed to a guest through a HW list register). */
void gicv3_drop(unsigned intid);
/* Deactivate an interrupt dropped earlier with gicv3_drop() (ICC_DIR_EL1), on this CPU. */
void gicv3_deactivate(unsigned intid);
/* Enable PPI intid (16..31) as Group 1 with priority prio in the redistributor rd (this CPU's). */
int gicv3_ppi_enable(uint64_t rd, unsigned intid, uint8_t prio);

#endif /* DRIVERS_IRQCHIP_GICV3_H */
