// SPDX-License-Identifier: MIT
/*
 * The virtual GICv3's hardware side (vgic.h; docs/ARM64.md, "Virtual interrupts"): the GIC's
 * virtual CPU interface (ICH_*_EL2, IHI 0069 12.4) switched around every run, the virtual timer,
 * the hypervisor's own timer, and the include/hv/vcpu.h hooks (group, raise, wake).
 *
 * Around a run (arch/arm64/vcpu.c): vgic_hw_load() lists the vCPU's interrupts (vgic_flush) and
 * loads ICH_LR<n>_EL2, ICH_AP1R<n>_EL2, ICH_VMCR_EL2 and ICH_HCR_EL2 (En); vgic_hw_save() reads
 * them back, turns the interface off (ICH_HCR_EL2 = 0: no maintenance interrupt while the
 * hypervisor runs) and folds the LRs into the state (vgic_sync).
 *
 * Physical PPIs of every CPU that runs vCPUs (enabled in its redistributor, Group 1):
 *   25  maintenance (ICH_HCR_EL2.UIE/NPIE, vgic.c): it only ends the run; the next flush refills.
 *   26  CNTHP, the hypervisor's timer (hyptimer.c): armed by vcpu_arch_wake_pending() for a
 *       sleeping vCPU's virtual-timer deadline, so the CPU's WFI in arch_cpu_idle() ends then.
 *       CNTVOFF_EL2 is 0 for every guest, so the guest's CNTV_CVAL_EL0 is a deadline in the
 *       physical count CNTHP compares against.
 *   27  CNTV, the guest's virtual timer while its CNTV_* registers are loaded (the run, and the
 *       few instructions after it until vcpu.c clears CNTV_CTL_EL0): its handler marks the
 *       running vCPU's timer as fired and leaves the physical PPI active (arm64_irq_forwarded:
 *       priority drop only, EOImode = 1); the next flush lists virtual 27 with the HW bit and
 *       pINTID 27, so the guest's EOI deactivates the physical PPI (12.4.6 "HW"). Until then it
 *       cannot fire again, however long the guest takes: no interrupt storm from a level that
 *       stays high while the guest's handler has not run yet.
 * The physical PPI 27 stays active across exits of its vCPU (the LR is saved with it). A CPU that
 * next runs a different vCPU first deactivates it (vtimer_owner / vtimer_active in percpu_arch).
 */
#include <stddef.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/virq.h>

#include <arch/irq.h>
#include "arm64.h"
#include "drivers/irqchip/gicv3.h"
#include "hyptimer.h"
#include "vgic.h"
#include "vgic_hw.h"

/* ICH_* (IHI 0069 12.4) and the timers (Arm ARM D11.2), as S<op0>_<op1>_C<n>_C<m>_<op2>. */
#define ICH_HCR_EL2	 S3_4_C12_C11_0
#define ICH_VTR_EL2	 S3_4_C12_C11_1
#define ICH_VMCR_EL2	 S3_4_C12_C11_7
#define ICH_AP1R0_EL2	 S3_4_C12_C9_0
#define ICH_AP1R1_EL2	 S3_4_C12_C9_1
#define ICH_AP1R2_EL2	 S3_4_C12_C9_2
#define ICH_AP1R3_EL2	 S3_4_C12_C9_3
#define ICH_VTR_LISTREGS GENMASK(4, 0)
#define ICH_VTR_PREBITS	 GENMASK(28, 26)
#define CNT_CTL_ENABLE	 BIT(0)
#define CNT_CTL_IMASK	 BIT(1)

/* Physical priorities of the vGIC's PPIs: as urgent as the kick SGI (gicv3.c uses 0xa0). */
#define VGIC_HW_PRIO 0xa0

/* Two levels, so a register's S3_... name above is expanded before it is pasted into the asm. */
#define sysreg_rd(r) sysreg_rd_(r)
#define sysreg_rd_(r)                                                                                                  \
	({                                                                                                             \
		uint64_t v_;                                                                                           \
		__asm__ __volatile__("mrs %0, " #r : "=r"(v_));                                                        \
		v_;                                                                                                    \
	})
#define sysreg_wr(r, v)	 sysreg_wr_(r, v)
#define sysreg_wr_(r, v) __asm__ __volatile__("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")

#define LR_CASE(n, crm, op2)                                                                                           \
	case n:                                                                                                        \
		if (write) {                                                                                           \
			sysreg_wr(S3_4_C12_##crm##_##op2, *val);                                                       \
		} else {                                                                                               \
			*val = sysreg_rd(S3_4_C12_##crm##_##op2);                                                      \
		}                                                                                                      \
		break;

/* ICH_LR<n>_EL2: C12 op2 = n for n < 8, C13 op2 = n - 8 above (12.4.6). */
static void lr_access(unsigned n, bool write, uint64_t *val)
{
	switch (n) {
		LR_CASE(0, C12, 0)
		LR_CASE(1, C12, 1)
		LR_CASE(2, C12, 2)
		LR_CASE(3, C12, 3)
		LR_CASE(4, C12, 4)
		LR_CASE(5, C12, 5)
		LR_CASE(6, C12, 6)
		LR_CASE(7, C12, 7)
		LR_CASE(8, C13, 0)
		LR_CASE(9, C13, 1)
		LR_CASE(10, C13, 2)
		LR_CASE(11, C13, 3)
		LR_CASE(12, C13, 4)
		LR_CASE(13, C13, 5)
		LR_CASE(14, C13, 6)
		LR_CASE(15, C13, 7)
	default:
		break;
	}
}

/* Active-priority registers implemented: 1, 2 or 4 for 5, 6 or 7 preemption bits (12.4.2). */
static unsigned nr_apr(void)
{
	unsigned pre = (unsigned)FIELD_GET(ICH_VTR_PREBITS, sysreg_rd(ICH_VTR_EL2)) + 1;

	return pre >= 7 ? 4 : pre == 6 ? 2 : 1;
}

static struct vgic *group_vgic(const struct vcpu *v)
{
	return v->group != NULL ? v->group->arch : NULL;
}

static void vtimer_irq(unsigned intid, void *arg)
{
	struct percpu *c = this_cpu();
	struct vgic_cpu *vc = c->arch.vgic_running;

	(void)intid;
	(void)arg;
	if (vc == NULL || c->arch.vcpu_ctx != 0) {
		/* No vCPU's timer is loaded: a leftover; silence it (CNTV_CTL_EL0 = 0) and end it. */
		write_sysreg(cntv_ctl_el0, 0);
		return;
	}
	vc->vtimer_fired = true; /* read by this CPU only (flush, wake), no lock needed */
	c->arch.vtimer_owner = vc;
	c->arch.vtimer_active = true;
	c->arch.nr_vtimer_irqs++;
	arm64_irq_forwarded();
}

static void maint_irq(unsigned intid, void *arg)
{
	(void)intid;
	(void)arg;
}

int vgic_hw_cpu_init(void)
{
	struct percpu *c = this_cpu();
	unsigned nr;
	int ret;

	if (c->arch.gicr == 0) {
		return -ENODEV; /* no GIC on this CPU: guests run, but without virtual interrupts */
	}
	if (c->arch.nr_lrs != 0) {
		return 0;
	}
	nr = (unsigned)FIELD_GET(ICH_VTR_LISTREGS, sysreg_rd(ICH_VTR_EL2)) + 1;
	arm64_irq_set_handler(VGIC_PPI_MAINT, maint_irq, NULL);
	arm64_irq_set_handler(VGIC_PPI_VTIMER, vtimer_irq, NULL);
	sysreg_wr(ICH_HCR_EL2, 0);
	ret = arm64_hyptimer_cpu_init();
	if (ret == 0) {
		ret = gicv3_ppi_enable(c->arch.gicr, VGIC_PPI_MAINT, VGIC_HW_PRIO);
	}
	if (ret == 0) {
		ret = gicv3_ppi_enable(c->arch.gicr, VGIC_PPI_VTIMER, VGIC_HW_PRIO);
	}
	if (ret != 0) {
		return ret;
	}
	c->arch.nr_lrs = nr > VGIC_MAX_LRS ? VGIC_MAX_LRS : nr;
	pr_info("vgic: CPU %u: %u list registers, %u active-priority register(s); PPIs 25/26/27 enabled", c->id,
		c->arch.nr_lrs, nr_apr());
	return 0;
}

int vcpu_arch_group_create(struct vcpu_group *g)
{
	unsigned order = 0;
	struct vgic *vg;

	while ((HV_PAGE_SIZE << order) < sizeof(struct vgic)) {
		order++;
	}
	vg = page_alloc(order);
	if (vg == NULL) {
		return -ENOMEM;
	}
	memset(vg, 0, sizeof(*vg));
	vg->lock = (hv_spinlock_t)HV_SPINLOCK_INIT;
	vgic_init(vg, g->nr);
	g->arch = vg;
	return 0;
}

void vcpu_arch_group_destroy(struct vcpu_group *g)
{
	unsigned order = 0;

	if (g->arch == NULL) {
		return;
	}
	while ((HV_PAGE_SIZE << order) < sizeof(struct vgic)) {
		order++;
	}
	page_free(g->arch, order);
	g->arch = NULL;
}

static void kick_all(const struct vcpu_group *grp, vgic_kick_t kick)
{
	for (unsigned k = 0; k < grp->nr; k++) {
		if (kick & (1U << k)) {
			vcpu_kick(grp->vcpu[k]);
		}
	}
}

int vcpu_arch_virq_raise(struct vcpu *v, uint32_t virq)
{
	struct vgic *g = group_vgic(v);
	vgic_kick_t kick = 0;
	int ret;

	if (g == NULL) {
		return -EOPNOTSUPP;
	}
	hv_spin_lock(&g->lock);
	ret = vgic_raise(g, v->index, virq, &kick);
	hv_spin_unlock(&g->lock);
	kick_all(v->group, kick);
	return ret;
}

void vgic_hw_sgi(struct vcpu *v, uint64_t val)
{
	struct vgic *g = group_vgic(v);
	vgic_kick_t kick = 0;

	if (g == NULL) {
		return;
	}
	hv_spin_lock(&g->lock);
	vgic_sgi1r(g, v->index, val, &kick);
	hv_spin_unlock(&g->lock);
	kick_all(v->group, kick);
}

void vgic_hw_mmio(struct vcpu *v, struct vgic_access *acc, uint64_t *bad)
{
	struct vgic *g = group_vgic(v);
	vgic_kick_t kick = 0;

	if (g == NULL) {
		acc->val = 0;
		return;
	}
	hv_spin_lock(&g->lock);
	vgic_mmio(g, v->index, acc, &kick, bad);
	hv_spin_unlock(&g->lock);
	kick &= ~(1U << v->index); /* the caller re-lists before it runs again */
	kick_all(v->group, kick);
}

void vgic_hw_load(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	struct vgic *g = group_vgic(v);
	struct vgic_cpu *vc;
	unsigned napr;

	if (g == NULL || c->arch.nr_lrs == 0) {
		return;
	}
	vc = &g->cpu[v->index];
	/* The physical PPI 27 left active for another vCPU (or one destroyed since): let it go. */
	if (c->arch.vtimer_active && c->arch.vtimer_owner != vc) {
		gicv3_deactivate(VGIC_PPI_VTIMER);
		c->arch.vtimer_active = false;
		c->arch.vtimer_owner = NULL;
	}
	hv_spin_lock(&g->lock);
	vc->nr_lrs = c->arch.nr_lrs;
	vgic_flush(g, v->index);
	hv_spin_unlock(&g->lock);
	for (unsigned n = 0; n < vc->nr_lrs; n++) {
		lr_access(n, true, &vc->lr[n]);
	}
	napr = nr_apr();
	sysreg_wr(ICH_AP1R0_EL2, vc->ap1r[0]);
	if (napr > 1) {
		sysreg_wr(ICH_AP1R1_EL2, vc->ap1r[1]);
	}
	if (napr > 2) {
		sysreg_wr(ICH_AP1R2_EL2, vc->ap1r[2]);
		sysreg_wr(ICH_AP1R3_EL2, vc->ap1r[3]);
	}
	sysreg_wr(ICH_VMCR_EL2, vc->vmcr);
	sysreg_wr(ICH_HCR_EL2, vc->hcr);
	c->arch.vgic_running = vc;
}

bool vgic_hw_save(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	struct vgic *g = group_vgic(v);
	struct vgic_cpu *vc;
	unsigned napr;
	bool pending;

	if (g == NULL || c->arch.nr_lrs == 0) {
		return false;
	}
	vc = &g->cpu[v->index];
	for (unsigned n = 0; n < vc->nr_lrs; n++) {
		lr_access(n, false, &vc->lr[n]);
	}
	napr = nr_apr();
	vc->ap1r[0] = sysreg_rd(ICH_AP1R0_EL2);
	if (napr > 1) {
		vc->ap1r[1] = sysreg_rd(ICH_AP1R1_EL2);
	}
	if (napr > 2) {
		vc->ap1r[2] = sysreg_rd(ICH_AP1R2_EL2);
		vc->ap1r[3] = sysreg_rd(ICH_AP1R3_EL2);
	}
	vc->vmcr = sysreg_rd(ICH_VMCR_EL2);
	sysreg_wr(ICH_HCR_EL2, 0);
	isb();
	hv_spin_lock(&g->lock);
	vgic_sync(g, v->index);
	pending = vgic_has_pending(g, v->index);
	hv_spin_unlock(&g->lock);
	return pending;
}

/* The timer condition of saved CNTV_CTL/CVAL (Arm ARM D11.2.4): enabled, unmasked, expired. */
static bool vtimer_due(uint64_t ctl, uint64_t cval, uint64_t now)
{
	return (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) && now >= cval;
}

bool vgic_hw_timer_due(uint64_t ctl, uint64_t cval)
{
	return vtimer_due(ctl, cval, read_sysreg(cntvct_el0));
}

bool vgic_hw_wake_pending(struct vcpu *v, uint64_t ctl, uint64_t cval)
{
	struct vgic *g = group_vgic(v);
	struct vgic_cpu *vc;
	bool pending, timer_on;

	if (g == NULL || this_cpu()->arch.nr_lrs == 0) {
		return true; /* nothing could wake it: WFI returns at once */
	}
	vc = &g->cpu[v->index];
	hv_spin_lock(&g->lock);
	pending = vgic_can_wake(g, v->index);
	timer_on = vc->priv[VGIC_PPI_VTIMER].enabled && (g->ctlr & BIT(1)) && (vc->vmcr & ICH_VMCR_VENG1) &&
		   vc->priv[VGIC_PPI_VTIMER].prio < FIELD_GET(ICH_VMCR_VPMR, vc->vmcr);
	hv_spin_unlock(&g->lock);
	if (!pending && timer_on && (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK)) {
		/* CNTVOFF_EL2 = 0: the virtual count is the physical one. */
		if (read_sysreg(cntvct_el0) >= cval) {
			pending = true;
		} else {
			arm64_hyptimer_arm(cval);
			return false;
		}
	}
	if (pending) {
		arm64_hyptimer_disarm();
	}
	return pending;
}

void vgic_hw_destroy(struct vcpu *v, unsigned last_cpu, uint64_t bad)
{
	struct vgic *g = group_vgic(v);
	struct percpu *c = percpu_of(last_cpu);
	void *vc;

	if (g == NULL || c == NULL) {
		return;
	}
	vc = &g->cpu[v->index];
	pr_info("vgic: guest %s vCPU %u: %llu list-register overflow(s), %llu access(es) emulated as RAZ/WI; CPU %u: "
		"%llu timer interrupts forwarded, %llu idle wake-ups, %llu interrupts",
		v->name, v->index, (unsigned long long)g->cpu[v->index].nr_overflows, (unsigned long long)bad, last_cpu,
		(unsigned long long)c->arch.nr_vtimer_irqs, (unsigned long long)c->arch.nr_idle_wakeups,
		(unsigned long long)c->arch.nr_irqs);
	/* The CPU that ran it forgets it as the owner; its next load deactivates PPI 27. */
	__atomic_compare_exchange_n(&c->arch.vtimer_owner, &vc, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void vgic_hw_run_end(void)
{
	this_cpu()->arch.vgic_running = NULL;
}
