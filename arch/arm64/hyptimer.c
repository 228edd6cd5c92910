// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own timer: the EL2 physical timer CNTHP (Arm ARM D11.2 "The Generic Timer in
 * AArch64 state", CNTHP_CTL_EL2 / CNTHP_CVAL_EL2), whose interrupt is PPI 26 (SBSA; QEMU virt
 * wires it there). One deadline per CPU, in the physical count (CNTPCT_EL0): arch_cpu_idle()'s
 * WFI ends at the latest then, because the pending PPI ends WFI even with IRQs masked. The
 * handler disarms it; whoever armed it looks at its condition again after the wake-up. Today's
 * user: a vCPU sleeping after WFI with its virtual timer armed (vgic_hw.c).
 */
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/percpu.h>

#include <arch/irq.h>
#include "arm64.h"
#include "drivers/irqchip/gicv3.h"
#include "hyptimer.h"

#define CNT_CTL_ENABLE BIT(0)
#define HYPTIMER_PRIO  0xa0 /* as urgent as the kick SGI (gicv3.c) */

static void hyptimer_irq(unsigned intid, void *arg)
{
	(void)intid;
	(void)arg;
	write_sysreg(cnthp_ctl_el2, 0); /* the level drops; the waiter looks again */
}

int arm64_hyptimer_cpu_init(void)
{
	struct percpu *c = this_cpu();

	write_sysreg(cnthp_ctl_el2, 0);
	isb();
	if (c->arch.gicr == 0) {
		return -ENODEV;
	}
	arm64_irq_set_handler(ARM64_PPI_HYPTIMER, hyptimer_irq, NULL);
	return gicv3_ppi_enable(c->arch.gicr, ARM64_PPI_HYPTIMER, HYPTIMER_PRIO);
}

void arm64_hyptimer_arm(uint64_t deadline)
{
	write_sysreg(cnthp_cval_el2, deadline);
	write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
	isb();
}

void arm64_hyptimer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, 0);
	isb();
}
