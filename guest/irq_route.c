// SPDX-License-Identifier: MIT
/* The guest SDK's IRQ_ROUTE wrappers (guest/irq.h, docs/ABI.md "IRQ_ROUTE"). */
#include "guest/guest.h"
#include "guest/irq.h"

static long irq_route(uint32_t flags, uint32_t kind, uint32_t dev_id, unsigned source, unsigned vcpu, unsigned virq)
{
	struct ioasid_irq_route r = {
		.size = sizeof(r),
		.flags = flags,
		.kind = kind,
		.dev_id = dev_id,
		.source = source,
		.vcpu = vcpu,
		.virq = virq,
	};

	return hv_call(IOASID_CALL_IRQ_ROUTE, gpa_of(&r));
}

long guest_irq_route_msi(uint32_t dev_id, unsigned source, unsigned vcpu, unsigned virq)
{
	return irq_route(IOASID_IRQ_ENABLE, IOASID_IRQ_MSI, dev_id, source, vcpu, virq);
}

long guest_irq_route_fault(unsigned vcpu, unsigned virq)
{
	return irq_route(IOASID_IRQ_ENABLE, IOASID_IRQ_FAULT, 0, 0, vcpu, virq);
}

long guest_irq_unroute(uint32_t kind, uint32_t dev_id, unsigned source)
{
	return irq_route(0, kind, dev_id, source, 0, 0);
}
