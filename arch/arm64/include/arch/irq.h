/* SPDX-License-Identifier: MIT */
/*
 * Handlers of physical interrupts at EL2 (arch/arm64/irq.c). The GIC drivers
 * (drivers/irqchip/) and the vGIC register here; arm64_irq() acknowledges, calls, ends.
 */
#ifndef ARCH_ARM64_IRQ_H
#define ARCH_ARM64_IRQ_H

#define ARM64_IRQ_LPI_BASE 8192U /* the first LPI INTID (GIC IHI 0069 2.2.1) */
#define ARM64_IRQ_MAX_LPIS 256U	 /* LPIs with a handler: 8192 .. 8192 + 255 */

/* Runs on the CPU that took intid, IRQs masked, before the interrupt is ended (EOI). */
typedef void (*arm64_irq_fn)(unsigned intid, void *arg);

/*
 * Handler for intid (SGI/PPI/SPI < 1020, or one of the first ARM64_IRQ_MAX_LPIS LPIs); NULL
 * removes it (the interrupt is then counted as stray). 0 or -EINVAL. The kick SGI is the
 * arch's own.
 */
int arm64_irq_set_handler(unsigned intid, arm64_irq_fn fn, void *arg);

/*
 * From a handler: this interrupt now belongs to a guest (a list register with the HW bit names
 * it), so arm64_irq() only drops its priority and leaves it active (EOImode = 1).
 */
void arm64_irq_forwarded(void);

#endif /* ARCH_ARM64_IRQ_H */
