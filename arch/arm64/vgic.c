// SPDX-License-Identifier: MIT
/*
 * The virtual GICv3's state machine (vgic.h): pending/active/enabled per interrupt, routing,
 * SGIs, and the list registers. Pure: the saved ICH_LR<n>_EL2 values live in struct vgic_cpu and
 * vgic_hw.c moves them to and from the hardware; tests/unit/test_vgic.c runs this on the host.
 * Every function runs with vgic.lock held.
 *
 * The list registers (IHI 0069 6.1, 12.4.6): an interrupt is either in the software state
 * (irq->lr < 0) or listed on the vCPU that takes it (irq->lr = the LR), where the hardware moves
 * it from pending to active (the guest's ICC_IAR1_EL1) and to inactive (its EOI). Once listed it
 * stays listed until the hardware lets it go (the LR reads invalid after the deactivation), so
 * the guest's EOI always finds it; only a listed interrupt that is still merely pending may be
 * taken back out for a more urgent one. More interrupts than LRs: the rest wait in the software
 * state (the "pending list") and ICH_HCR_EL2.UIE asks for the maintenance interrupt when at most
 * one LR is still in use, so the next flush lists them (12.4.3 "UIE").
 *
 * Edge-triggered semantics for everything raised by software (MSIs, SGIs): a second raise while
 * the interrupt is listed and still pending merges with the first (one pending bit); one while it
 * is listed active makes it pending again (repend) after the guest's EOI. The virtual timer is the
 * only hardware-backed interrupt (vgic_hw.c): its LR has the HW bit and pINTID 27, so the guest's
 * deactivation deactivates the physical PPI (12.4.6 "HW").
 */
#include <hv/bits.h>
#include <hv/errno.h>

#include "vgic.h"

/* Priorities the virtual CPU interface keeps: 5 bits at least (ICH_VTR_EL2.PRIbits >= 4). */
#define VGIC_PRIO_MASK 0xf8U

void vgic_init(struct vgic *g, unsigned nr_vcpus)
{
	g->nr = nr_vcpus;
	g->ctlr = 0;
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++) {
		g->spi[i] = (struct vgic_irq){ .edge = 0, .lr = -1 };
		g->irouter[i] = 0; /* vCPU 0 */
	}
	for (unsigned k = 0; k < VCPU_GROUP_MAX; k++) {
		struct vgic_cpu *c = &g->cpu[k];

		*c = (struct vgic_cpu){ .index = k, .waker = 1U << 1 /* ProcessorSleep: out of reset */ };
		for (unsigned i = 0; i < VGIC_NR_PRIV; i++) {
			/* SGIs are edge-triggered (ICFGR0 reads 0xaaaaaaaa), PPIs level. */
			c->priv[i] = (struct vgic_irq){ .edge = i < 16, .lr = -1 };
		}
	}
}

struct vgic_irq *vgic_irq(struct vgic *g, unsigned vcpu, unsigned intid)
{
	if (intid < VGIC_NR_PRIV) {
		return vcpu < g->nr ? &g->cpu[vcpu].priv[intid] : NULL;
	}
	if (intid < VGIC_NR_IRQS) {
		return &g->spi[intid - VGIC_NR_PRIV];
	}
	return NULL;
}

int vgic_spi_target(const struct vgic *g, unsigned intid)
{
	uint64_t r = g->irouter[intid - VGIC_NR_PRIV];
	unsigned k;

	/* IRM = 1 (any participating PE): we take vCPU 0, always a valid choice (12.9.22). */
	if (r & VGIC_IROUTER_IRM) {
		return 0;
	}
	if (FIELD_GET(VGIC_IROUTER_AFF2, r) != 0 || FIELD_GET(VGIC_IROUTER_AFF3, r) != 0) {
		return -1;
	}
	/* VMPIDR_EL2 of vCPU k: Aff0 = k & 0xff, Aff1 = k >> 8 (arch/arm64/vcpu.c). */
	k = (unsigned)(FIELD_GET(VGIC_IROUTER_AFF0, r) | FIELD_GET(VGIC_IROUTER_AFF1, r) << 8);
	return k < g->nr ? (int)k : -1;
}

/* The vCPU that takes intid (SPIs: its route; private: vcpu itself); -1: none. */
static int irq_owner(const struct vgic *g, unsigned vcpu, unsigned intid)
{
	return intid < VGIC_NR_PRIV ? (int)vcpu : vgic_spi_target(g, intid);
}

int vgic_raise(struct vgic *g, unsigned vcpu, unsigned intid, vgic_kick_t *kick)
{
	struct vgic_irq *irq;
	int owner;

	if (vcpu >= g->nr || intid >= VGIC_NR_IRQS) {
		return -EINVAL;
	}
	irq = vgic_irq(g, vcpu, intid);
	if (irq->lr >= 0) {
		irq->repend = 1;
	} else {
		irq->pending = 1;
	}
	owner = irq_owner(g, vcpu, intid);
	if (owner >= 0) {
		*kick |= 1U << owner;
	}
	return 0;
}

void vgic_sgi1r(struct vgic *g, unsigned from, uint64_t val, vgic_kick_t *kick)
{
	unsigned intid = (unsigned)FIELD_GET(VGIC_SGI1R_INTID, val);

	if (val & VGIC_SGI1R_IRM) {
		/* "All PEs but self" (12.2.22 IRM). */
		for (unsigned k = 0; k < g->nr; k++) {
			if (k != from) {
				vgic_raise(g, k, intid, kick);
			}
		}
		return;
	}
	/*
	 * Targets: Aff3.Aff2.Aff1.<RS * 16 + bit> for each bit of the target list. Our vCPUs are
	 * 0.0.(k >> 8).(k & 0xff); RS is zero for every vCPU below 16 (GICD_TYPER.RSS = 0).
	 */
	if (FIELD_GET(VGIC_SGI1R_AFF3, val) != 0 || FIELD_GET(VGIC_SGI1R_AFF2, val) != 0) {
		return;
	}
	for (unsigned bit = 0; bit < 16; bit++) {
		unsigned k =
			(unsigned)(FIELD_GET(VGIC_SGI1R_AFF1, val) << 8 | FIELD_GET(VGIC_SGI1R_RS, val) << 4) + bit;

		if ((val & BIT(bit)) && k < g->nr) {
			vgic_raise(g, k, intid, kick);
		}
	}
}

static unsigned lr_intid(uint64_t lr)
{
	return (unsigned)FIELD_GET(ICH_LR_VINTID, lr);
}

static unsigned lr_state(uint64_t lr)
{
	return (unsigned)FIELD_GET(ICH_LR_STATE, lr);
}

void vgic_sync(struct vgic *g, unsigned vcpu)
{
	struct vgic_cpu *c = &g->cpu[vcpu];

	for (unsigned n = 0; n < c->nr_lrs; n++) {
		struct vgic_irq *irq;
		unsigned st;

		if (c->lr[n] == 0) {
			continue;
		}
		irq = vgic_irq(g, vcpu, lr_intid(c->lr[n]));
		st = lr_state(c->lr[n]);
		if (irq == NULL || irq->lr != (int8_t)n) {
			c->lr[n] = 0; /* not ours (cannot happen: we write every LR) */
			continue;
		}
		irq->pending = (st & ICH_LR_PENDING) != 0;
		irq->active = (st & ICH_LR_ACTIVE) != 0;
		if (st == 0) {
			/* Deactivated by the guest: back to the software state. */
			irq->lr = -1;
			irq->hw = 0;
			c->lr[n] = 0;
		}
		if (irq->repend) {
			/* Still pending in the LR: the two edges merge; else it is pending once more. */
			irq->pending = 1;
			irq->repend = 0;
		}
	}
}

/* Group 1 on at the distributor and the interrupt enabled. */
static bool deliverable(const struct vgic *g, const struct vgic_irq *irq)
{
	return (g->ctlr & BIT(1)) && irq->enabled;
}

static uint64_t lr_make(unsigned intid, const struct vgic_irq *irq)
{
	uint64_t st = (irq->pending ? ICH_LR_PENDING : 0) | (irq->active ? ICH_LR_ACTIVE : 0);
	uint64_t lr = FIELD_PREP(ICH_LR_VINTID, intid) | FIELD_PREP(ICH_LR_PRIO, irq->prio) | ICH_LR_GROUP;

	if (irq->hw) {
		/* HW: pending or active, never both (12.4.6); the physical INTID is the same PPI. */
		if (st == (ICH_LR_PENDING | ICH_LR_ACTIVE)) {
			st = ICH_LR_ACTIVE;
		}
		lr |= ICH_LR_HW | FIELD_PREP(ICH_LR_PINTID, intid);
	}
	return lr | FIELD_PREP(ICH_LR_STATE, st);
}

/* The best (lowest priority value, then lowest INTID) unlisted deliverable pending interrupt. */
static int best_waiting(struct vgic *g, unsigned vcpu)
{
	int best = -1;
	unsigned best_prio = 0x100;

	for (unsigned i = 0; i < VGIC_NR_IRQS; i++) {
		struct vgic_irq *irq;

		if (i >= VGIC_NR_PRIV && vgic_spi_target(g, i) != (int)vcpu) {
			continue;
		}
		irq = vgic_irq(g, vcpu, i);
		if (irq->lr < 0 && irq->pending && deliverable(g, irq) && irq->prio < best_prio) {
			best = (int)i;
			best_prio = irq->prio;
		}
	}
	return best;
}

/* A listed interrupt that is only pending and less urgent than prio (the least urgent); -1 none. */
static int evictable_lr(struct vgic *g, unsigned vcpu, unsigned prio)
{
	struct vgic_cpu *c = &g->cpu[vcpu];
	int worst = -1;
	unsigned worst_prio = prio;

	for (unsigned n = 0; n < c->nr_lrs; n++) {
		struct vgic_irq *irq;

		if (c->lr[n] == 0) {
			continue;
		}
		irq = vgic_irq(g, vcpu, lr_intid(c->lr[n]));
		if (irq->pending && !irq->active && !irq->hw && irq->prio > worst_prio) {
			worst = (int)n;
			worst_prio = irq->prio;
		}
	}
	return worst;
}

void vgic_flush(struct vgic *g, unsigned vcpu)
{
	struct vgic_cpu *c = &g->cpu[vcpu];
	int next;

	/* Listed ones: the software side may have changed (MMIO, a raise while listed). */
	for (unsigned n = 0; n < c->nr_lrs; n++) {
		struct vgic_irq *irq;
		unsigned intid;

		if (c->lr[n] == 0) {
			continue;
		}
		intid = lr_intid(c->lr[n]);
		irq = vgic_irq(g, vcpu, intid);
		if (!irq->hw && irq->repend && irq->active && !irq->pending) {
			irq->pending = 1; /* pending and active: taken again after the EOI */
			irq->repend = 0;
		}
		if ((!irq->pending && !irq->active) || (!irq->active && !deliverable(g, irq))) {
			/* Cleared or disabled while only pending: unlist it, it stays as it is. */
			irq->lr = -1;
			c->lr[n] = 0;
			continue;
		}
		c->lr[n] = lr_make(intid, irq);
	}
	/* The virtual timer fired (vgic_hw.c left the physical PPI active): list it with HW. */
	if (c->vtimer_fired && c->priv[VGIC_PPI_VTIMER].lr < 0) {
		c->priv[VGIC_PPI_VTIMER].pending = 1;
		c->priv[VGIC_PPI_VTIMER].hw = 1;
	}
	c->hcr = ICH_HCR_EN;
	while ((next = best_waiting(g, vcpu)) >= 0) {
		struct vgic_irq *irq = vgic_irq(g, vcpu, (unsigned)next);
		int n = -1;

		for (unsigned i = 0; i < c->nr_lrs && n < 0; i++) {
			if (c->lr[i] == 0) {
				n = (int)i;
			}
		}
		if (n < 0) {
			n = evictable_lr(g, vcpu, irq->prio);
			if (n >= 0) {
				vgic_irq(g, vcpu, lr_intid(c->lr[n]))->lr = -1;
			}
		}
		if (n < 0) {
			/* Overflow: the rest waits; ask for the maintenance interrupt (UIE, or NPIE with one LR). */
			c->hcr |= c->nr_lrs > 1 ? ICH_HCR_UIE : ICH_HCR_NPIE;
			c->nr_overflows++;
			break;
		}
		irq->lr = (int8_t)n;
		c->lr[n] = lr_make((unsigned)next, irq);
		if (next == VGIC_PPI_VTIMER && irq->hw) {
			c->vtimer_fired = false;
		}
	}
}

/*
 * Would the virtual CPU interface signal it (IHI 0069 6.1, 12.4.9 ICH_VMCR_EL2): Group 1 on at
 * the vCPU (VENG1) and more urgent than its priority mask (VPMR). pmr_check false: any.
 */
static bool unmasked(const struct vgic_cpu *c, const struct vgic_irq *irq, bool pmr_check)
{
	return !pmr_check || ((c->vmcr & ICH_VMCR_VENG1) && irq->prio < FIELD_GET(ICH_VMCR_VPMR, c->vmcr));
}

static bool pending_for(const struct vgic *g, unsigned vcpu, bool pmr_check)
{
	const struct vgic_cpu *c = &g->cpu[vcpu];

	if (c->vtimer_fired && c->priv[VGIC_PPI_VTIMER].enabled && (g->ctlr & BIT(1)) &&
	    unmasked(c, &c->priv[VGIC_PPI_VTIMER], pmr_check)) {
		return true;
	}
	for (unsigned i = 0; i < VGIC_NR_IRQS; i++) {
		const struct vgic_irq *irq = i < VGIC_NR_PRIV ? &c->priv[i] : &g->spi[i - VGIC_NR_PRIV];

		if (i >= VGIC_NR_PRIV && vgic_spi_target(g, i) != (int)vcpu) {
			continue;
		}
		if ((irq->pending || irq->repend) && deliverable(g, irq) && unmasked(c, irq, pmr_check)) {
			return true;
		}
	}
	return false;
}

bool vgic_has_pending(const struct vgic *g, unsigned vcpu)
{
	return pending_for(g, vcpu, false);
}

bool vgic_can_wake(const struct vgic *g, unsigned vcpu)
{
	return pending_for(g, vcpu, true);
}
