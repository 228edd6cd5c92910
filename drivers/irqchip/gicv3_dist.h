/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 distributor's shared peripheral interrupts (SPIs, INTIDs 32..1019; Arm IHI 0069
 * 2.2.1, 12.9), driven by the hypervisor for its own wired sources (the SMMUv3's event queue
 * and global-error lines): drivers/irqchip/gicv3_dist.c. gicv3_init() (gicv3.c) must have
 * succeeded: the distributor is mapped and uses affinity routing.
 */
#ifndef DRIVERS_IRQCHIP_GICV3_DIST_H
#define DRIVERS_IRQCHIP_GICV3_DIST_H

#include <stdbool.h>
#include <stdint.h>

#define GICV3_SPI_FIRST 32U
#define GICV3_PRIO_DEV	0xb0 /* device interrupts: less urgent than the kick SGI (0xa0) */

/*
 * Configure SPI intid, disabled: Non-secure Group 1, priority prio, edge- or level-sensitive,
 * routed (GICD_IROUTER) to the CPU with affinity mpidr (MPIDR Aff3..Aff0). 0, -ENODEV (no
 * distributor), -EINVAL (not an SPI this distributor implements), -EPERM (Secure firmware keeps
 * it Group 0/Secure), -ETIMEDOUT (GICD_CTLR.RWP never cleared).
 */
int gicv3_spi_config(unsigned intid, bool edge, uint8_t prio, uint64_t mpidr);
/* Enable / disable a configured SPI. Disable waits (bounded) until it has taken effect. */
int gicv3_spi_enable(unsigned intid);
int gicv3_spi_disable(unsigned intid);
/* Make a configured SPI pending by software (GICD_ISPENDR): self-tests of a handler. */
int gicv3_spi_set_pending(unsigned intid);

#endif /* DRIVERS_IRQCHIP_GICV3_DIST_H */
