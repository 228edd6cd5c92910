// SPDX-License-Identifier: MIT
/*
 * Physical interrupts taken at EL2 (entry.S slot "IRQ", arm64_exception; or the end of a guest
 * run, which HCR_EL2.IMO routes here): acknowledged through the GICv3 CPU interface, handed to
 * the handler registered for the INTID, ended. The hypervisor runs with IRQs masked and takes
 * them only in arm64_irq_window() and after a guest's run (arch/arm64/smp.c).
 *
 * INTIDs (GIC IHI 0069 2.2.1): SGIs 0-15 and PPIs 16-31 are per CPU (one handler for every
 * CPU), SPIs 32-1019 shared, 1020-1023 special, LPIs from 8192 (ITS-translated MSIs; the first
 * ARM64_IRQ_MAX_LPIS of them have handlers here).
 *
 * Ending: the CPU interface runs with EOImode = 1 (drivers/irqchip/gicv3.c), so gicv3_eoi()
 * drops the priority and deactivates; a handler that hands the interrupt's active state to a
 * guest (the vGIC's virtual timer, whose list register has the HW bit: GIC IHI 0069 4.1.1 and
 * 12.4.6) calls arm64_irq_forwarded() and the interrupt is only dropped: the guest's
 * deactivation of the virtual interrupt deactivates the physical one.
 */
#include <hv/errno.h>
#include <hv/arch.h>
#include <hv/percpu.h>

#include <arch/irq.h>
#include "arm64.h"
#include "drivers/irqchip/gicv3.h"

struct irq_handler {
	arm64_irq_fn fn;
	void *arg;
};

static struct irq_handler handlers[GICV3_INTID_SPECIAL + ARM64_IRQ_MAX_LPIS];
static uint64_t stray_irqs;
static unsigned stray_last;

void arm64_irq_forwarded(void)
{
	this_cpu()->arch.irq_forwarded = true;
}

static struct irq_handler *handler_slot(unsigned intid)
{
	if (intid < GICV3_INTID_SPECIAL) {
		return &handlers[intid];
	}
	if (intid >= ARM64_IRQ_LPI_BASE && intid - ARM64_IRQ_LPI_BASE < ARM64_IRQ_MAX_LPIS) {
		return &handlers[GICV3_INTID_SPECIAL + (intid - ARM64_IRQ_LPI_BASE)];
	}
	return NULL;
}

int arm64_irq_set_handler(unsigned intid, arm64_irq_fn fn, void *arg)
{
	struct irq_handler *h = handler_slot(intid);

	if (h == NULL) {
		return -EINVAL;
	}
	/* arg first: a CPU that sees the new fn sees its arg (release/acquire on fn). */
	__atomic_store_n(&h->arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&h->fn, fn, __ATOMIC_RELEASE);
	return 0;
}

void arm64_irq(void)
{
	struct percpu *c = this_cpu();

	/* Bounded: a source that re-asserts at once must not keep us here. */
	for (unsigned n = 0; n < 16; n++) {
		unsigned intid = gicv3_ack();
		struct irq_handler *h;
		arm64_irq_fn fn;

		if (intid >= GICV3_INTID_SPECIAL && intid < ARM64_IRQ_LPI_BASE) {
			break;
		}
		c->arch.nr_irqs++;
		h = handler_slot(intid);
		fn = h != NULL ? __atomic_load_n(&h->fn, __ATOMIC_ACQUIRE) : NULL;
		c->arch.irq_forwarded = false;
		if (intid == GICV3_SGI_KICK) {
			c->arch.nr_kick_sgis++;
		} else if (fn != NULL) {
			fn(intid, __atomic_load_n(&h->arg, __ATOMIC_RELAXED));
		} else {
			__atomic_fetch_add(&stray_irqs, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&stray_last, intid, __ATOMIC_RELAXED);
		}
		if (c->arch.irq_forwarded) {
			gicv3_drop(intid);
		} else {
			gicv3_eoi(intid);
		}
	}
}

uint64_t arch_stray_irq_count(void)
{
	return __atomic_load_n(&stray_irqs, __ATOMIC_RELAXED);
}

unsigned arch_stray_irq_last_vector(void)
{
	return __atomic_load_n(&stray_last, __ATOMIC_RELAXED);
}
