// SPDX-License-Identifier: MIT
/* Device MSIs routed to guests (include/hv/irq_route.h). Not implemented yet (issue 12). */
#include <hv/errno.h>
#include <hv/irq_route.h>

int arch_msi_route_set(struct msi_route *r)
{
	(void)r;
	return -EOPNOTSUPP;
}

void arch_msi_route_clear(struct msi_route *r)
{
	(void)r;
}
