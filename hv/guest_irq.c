// SPDX-License-Identifier: MIT
/*
 * A guest's interrupt routes (IOASID_CALL_IRQ_ROUTE, docs/ABI.md "IRQ_ROUTE";
 * include/hv/irq_route.h). Not implemented yet: the call answers -IOASID_ENOSYS (issue 12).
 */
#include <hv/errno.h>

#include "hv/guest_internal.h"

long guest_irq_route_call(struct guest *gu, gpa_t req)
{
	(void)gu;
	(void)req;
	return -ENOSYS;
}

void guest_irq_teardown(struct guest *gu)
{
	(void)gu;
}
