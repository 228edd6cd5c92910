// SPDX-License-Identifier: MIT
/* Virtual interrupts, the arch-neutral part (include/hv/virq.h). */
#include <hv/arch.h>
#include <hv/smp.h>
#include <hv/virq.h>

void vcpu_kick(struct vcpu *v)
{
	if (v->cpu != arch_cpu_id()) {
		smp_kick(v->cpu);
	}
}

int virq_send(struct vcpu *v, uint32_t virq)
{
	int ret = vcpu_arch_virq_raise(v, virq);

	if (ret == 0) {
		__atomic_add_fetch(&v->nr_virqs, 1, __ATOMIC_RELAXED);
	}
	return ret;
}
