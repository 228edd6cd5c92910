// SPDX-License-Identifier: MIT
/*
 * arm64 interrupts in a guest (guest/irq.h). Not implemented yet: every call reports
 * -IOASID_ENOSYS (issue 12).
 */
#include "guest/guest.h"
#include "guest/irq.h"

int guest_irq_init(void)
{
	return -IOASID_ENOSYS;
}

int guest_irq_set_handler(unsigned virq, guest_irq_fn fn, void *arg)
{
	(void)virq;
	(void)fn;
	(void)arg;
	return -IOASID_ENOSYS;
}

int guest_irq_enable(unsigned virq, unsigned vcpu)
{
	(void)virq;
	(void)vcpu;
	return -IOASID_ENOSYS;
}

void guest_irq_on(void)
{
}

void guest_irq_off(void)
{
}

void guest_wait_irq(void)
{
}

uint64_t guest_irq_count(void)
{
	return 0;
}

uint64_t guest_timer_hz(void)
{
	return 0;
}

uint64_t guest_timer_now(void)
{
	return 0;
}

void guest_timer_oneshot(uint64_t ticks)
{
	(void)ticks;
}

void guest_timer_periodic(uint64_t ticks)
{
	(void)ticks;
}

void guest_timer_stop(void)
{
}

int guest_send_ipi(unsigned vcpu, unsigned virq)
{
	(void)vcpu;
	(void)virq;
	return -IOASID_ENOSYS;
}
