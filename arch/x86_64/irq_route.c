// SPDX-License-Identifier: MIT
/*
 * Device MSIs routed to guests on x86_64 (include/hv/irq_route.h, docs/VTD.md "Guest MSIs").
 *
 * For route r (device r->pdev, MSI vector r->source, delivered as virq r->virq on r->target):
 *   1. a host vector on the target vCPU's physical CPU (r->target->cpu), from that CPU's own
 *      table (arch/x86_64/irq.c x86_route_vec_alloc; 128 per CPU: -ENOSPC beyond);
 *   2. a VT-d interrupt-remapping entry (drivers/iommu/vtd/vtd_ir.c): remapped format, fixed
 *      delivery, physical destination = that CPU's APIC ID (x2APIC format where the unit runs
 *      with EIME), and a source check that only the device (or its DMA alias, for a device
 *      behind a bridge) passes: vtd_ir_device_source. 255 entries per unit: -ENOSPC beyond;
 *   3. the device's MSI capability programmed in remappable format (VT-d 5.1.2.2: address
 *      0xFEE with the entry's handle, SHV=0, data 0) and enabled (drivers/pci/msi.c).
 * The vector's handler runs on that CPU when the message arrives (the guest's run ends with
 * #VMEXIT(INTR), or the CPU wakes from its idle wait) and calls virq_send(r->target, r->virq).
 * The guest never sees a host vector, an entry index or a handle: it named its own virq.
 *
 * r->arch[0] = cpu << 8 | vector (never 0: vectors start at 0x40); r->arch[1] = entry index.
 *
 * Replace (r->arch set): a new vector on the (new) target CPU, the entry's low half rewritten
 * in one store and flushed, then the old vector released: the device's message is unchanged,
 * and every message reaches the old or the new target. Clear: MSI disabled, the entry freed
 * (P off, IEC flush by index), then the vector released once no handler runs
 * (x86_route_vec_free), so after clear returns nothing of r's reaches a vCPU.
 *
 * Until the virtual local APIC exists (vcpu_arch_virq_raise may answer -EOPNOTSUPP), every
 * message is still counted in r->nr_delivered and a refusal is logged (the first, then at
 * powers of two). A target that is not a created vCPU (v->arch NULL: the self-test's
 * stand-in, selftest=msi_route) is counted only.
 */
#include <hv/errno.h>
#include <hv/irq_route.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/virq.h>

#include "drivers/iommu/vtd/vtd.h"
#include "x86.h"

#define ROUTE_CPU(a) ((unsigned)((a) >> 8))
#define ROUTE_VEC(a) ((unsigned)((a)&0xffU))

static uint64_t msi_route_refused; /* virq_send errors, all routes (atomic) */

static void msi_route_irq(void *arg)
{
	struct msi_route *r = arg;
	struct vcpu *v = __atomic_load_n(&r->target, __ATOMIC_ACQUIRE);
	uint32_t virq = __atomic_load_n(&r->virq, __ATOMIC_ACQUIRE);
	uint64_t n;
	int ret;

	__atomic_add_fetch(&r->nr_delivered, 1, __ATOMIC_RELAXED);
	if (v == NULL || v->arch == NULL) {
		return;
	}
	ret = virq_send(v, virq);
	if (ret != 0) {
		n = __atomic_add_fetch(&msi_route_refused, 1, __ATOMIC_RELAXED);
		if ((n & (n - 1)) == 0) {
			pr_warn("irq: MSI for guest %s virq %u on vCPU %u refused (%d %s; %llu so far)",
				v->name ? v->name : "?", virq, v->index, ret, hv_strerror(ret), (unsigned long long)n);
		}
	}
}

/* The target CPU's APIC ID, as the entry's destination needs it. */
static int msi_route_dest(const struct vtd_unit *u, unsigned cpu, uint32_t *dest)
{
	const struct percpu *c = percpu_of(cpu);

	if (c == NULL || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE) {
		return -EINVAL;
	}
	if (c->hw_id > 0xffffffffULL || (!u->eime && c->hw_id > 0xff)) {
		return -EOPNOTSUPP; /* xAPIC-format entries hold 8 destination bits (VT-d 9.10) */
	}
	*dest = (uint32_t)c->hw_id;
	return 0;
}

int arch_msi_route_set(struct msi_route *r)
{
	struct vtd_unit *u = vtd_unit_of(r->iommu);
	struct vtd_ir_source src;
	uint16_t index = 0;
	uint64_t addr;
	uint32_t dest, data;
	unsigned cpu;
	int vec, ret;

	if (r->pdev == NULL || r->target == NULL || r->source >= pci_msi_count(r->pdev)) {
		return -EINVAL;
	}
	if (u == NULL || !vtd_ir_enabled(u)) {
		return -EOPNOTSUPP; /* nothing would check the device's messages */
	}
	cpu = r->target->cpu;
	ret = msi_route_dest(u, cpu, &dest);
	if (ret) {
		return ret;
	}
	vec = x86_route_vec_alloc(cpu, msi_route_irq, r);
	if (vec < 0) {
		return vec;
	}
	if (r->arch[1] != 0) {
		/* Replace: the same entry and message, a new destination. */
		uintptr_t old = r->arch[0];
		uint32_t old_dest = 0;

		ret = vtd_ir_modify(u, (uint16_t)r->arch[1], (uint8_t)vec, dest);
		if (ret) {
			/* The store may have landed: point the entry back at the old vector. */
			if (msi_route_dest(u, ROUTE_CPU(old), &old_dest) == 0) {
				(void)vtd_ir_modify(u, (uint16_t)r->arch[1], (uint8_t)ROUTE_VEC(old), old_dest);
			}
			x86_route_vec_free(cpu, (unsigned)vec);
			return ret;
		}
		r->arch[0] = ((uintptr_t)cpu << 8) | (unsigned)vec;
		x86_route_vec_free(ROUTE_CPU(old), ROUTE_VEC(old));
		return 0;
	}
	ret = vtd_ir_device_source(r->pdev, &src);
	ret = ret ? ret : vtd_ir_alloc_src(u, src, (uint8_t)vec, dest, &index);
	if (ret) {
		x86_route_vec_free(cpu, (unsigned)vec);
		return ret;
	}
	vtd_msi_remappable(index, &addr, &data);
	ret = pci_msi_program(r->pdev, r->source, addr, data);
	if (ret) {
		(void)vtd_ir_free(u, index);
		x86_route_vec_free(cpu, (unsigned)vec);
		return ret;
	}
	r->arch[0] = ((uintptr_t)cpu << 8) | (unsigned)vec;
	r->arch[1] = index;
	pr_info("irq: %02x:%02x.%x MSI %u -> %s entry %u (%s %#x) -> CPU %u vector %#x -> guest %s vCPU %u virq %u",
		r->pdev->bus, r->pdev->devfn >> 3, r->pdev->devfn & 7, r->source, u->name, index,
		src.svt == VTD_SVT_BUS ? "buses" : "sid", src.sid, cpu, (unsigned)vec,
		r->target->name ? r->target->name : "-", r->target->index, r->virq);
	return 0;
}

void arch_msi_route_clear(struct msi_route *r)
{
	struct vtd_unit *u = vtd_unit_of(r->iommu);
	int ret;

	if (r->arch[1] == 0) {
		return;
	}
	pci_msi_disable(r->pdev);
	ret = u != NULL ? vtd_ir_free(u, (uint16_t)r->arch[1]) : 0;
	if (ret) {
		/*
		 * P is off in memory, but the entry cache may still hold it (the entry stays
		 * reserved in vtd_ir.c). The device's MSI is off, and the vector below loses its
		 * handler: a late message is counted as stray, never delivered.
		 */
		pr_err("irq: %s: entry %u not flushed (%d %s); it stays reserved", u->name, (unsigned)r->arch[1], ret,
		       hv_strerror(ret));
	}
	x86_route_vec_free(ROUTE_CPU(r->arch[0]), ROUTE_VEC(r->arch[0]));
	r->arch[0] = r->arch[1] = 0;
}
