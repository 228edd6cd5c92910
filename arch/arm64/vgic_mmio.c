// SPDX-License-Identifier: MIT
/*
 * The virtual GICv3's distributor and redistributor registers, emulated from the stage-2 data
 * aborts of a guest's accesses to GUEST_GICD_BASE / GUEST_GICR_BASE (include/hv/guest.h; the
 * guest's table never maps them). Pure: tests/unit/test_vgic.c runs it on the host; the caller
 * holds vgic.lock.
 *
 * Registers (IHI 0069 12.9 distributor, 12.10 RD_base, 12.11 SGI_base). Sizes: 32-bit
 * registers take 32-bit accesses, IPRIORITYR also bytes, the 64-bit ones (IROUTER, GICR_TYPER)
 * 64-bit accesses or 32-bit halves (12.1.3 "GIC memory-mapped register access"). Anything else:
 * RAZ/WI, counted.
 *
 *   GICD_CTLR       EnableGrp1 (bit 1) RW; ARE (bit 4) and DS (bit 6) RAO/WI; EnableGrp0 RAZ/WI
 *   GICD_TYPER      ITLinesNumber 2 (INTIDs 0..95), IDbits 9, No1N, no LPIs/MBIs, RSS 0
 *   GICD_IIDR, GICD_PIDR2 (ArchRev 3)
 *   GICD_IGROUPR    RAO/WI (Group 1 only); IGRPMODR, NSACR RAZ/WI
 *   GICD_IS/ICENABLER, IS/ICPENDR, IS/ICACTIVER, IPRIORITYR, ICFGR, IROUTER for SPIs 32..95;
 *                   the words of INTIDs 0..31 are RAZ/WI (ARE: they live in the redistributor)
 *   GICR_CTLR (RAZ/WI: no LPIs), IIDR, TYPER (Affinity = the vCPU's MPIDR, Processor_Number,
 *                   Last on the last vCPU), WAKER (ProcessorSleep RW, ChildrenAsleep = it)
 *   SGI_base        IGROUPR0 (RAO/WI), IS/ICENABLER0, IS/ICPENDR0, IS/ICACTIVER0, IPRIORITYR0..7,
 *                   ICFGR0 (RO: SGIs edge), ICFGR1 (RO: PPIs level)
 */
#include <hv/bits.h>
#include <hv/guest.h>

#include "vgic.h"

/* Distributor */
#define GICD_CTLR	    0x0000
#define GICD_TYPER	    0x0004
#define GICD_IIDR	    0x0008
#define GICD_IGROUPR	    0x0080
#define GICD_ISENABLER	    0x0100
#define GICD_ICENABLER	    0x0180
#define GICD_ISPENDR	    0x0200
#define GICD_ICPENDR	    0x0280
#define GICD_ISACTIVER	    0x0300
#define GICD_ICACTIVER	    0x0380
#define GICD_IPRIORITYR	    0x0400
#define GICD_ICFGR	    0x0c00
#define GICD_IROUTER	    0x6000
#define GICD_PIDR2	    0xffe8
#define GICD_CTLR_ENABLE_G1 BIT(1)
#define GICD_CTLR_ARE	    BIT(4)
#define GICD_CTLR_DS	    BIT(6)
/* TYPER: ITLinesNumber = 32 * (N + 1) INTIDs; IDbits = 10 bits - 1; No1N (bit 25). */
#define VGIC_GICD_TYPER ((VGIC_NR_IRQS / 32 - 1) | (9U << 19) | BIT(25))
/* IIDR: ProductID 'h', implementer 0 (none registered): ours, software. */
#define VGIC_IIDR  (0x68U << 24)
#define VGIC_PIDR2 (3U << 4) /* ArchRev: GICv3 */
/* Redistributor RD_base */
#define GICR_CTLR	   0x0000
#define GICR_IIDR	   0x0004
#define GICR_TYPER	   0x0008
#define GICR_WAKER	   0x0014
#define GICR_PIDR2	   0xffe8
#define GICR_TYPER_LAST	   BIT(4)
#define GICR_WAKER_PSLEEP  BIT(1)
#define GICR_WAKER_CASLEEP BIT(2)
/* Redistributor SGI_base (offsets within that frame) */
#define GICR_IGROUPR0	0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ISPENDR0	0x0200
#define GICR_ICPENDR0	0x0280
#define GICR_ISACTIVER0 0x0300
#define GICR_ICACTIVER0 0x0380
#define GICR_IPRIORITYR 0x0400
#define GICR_ICFGR0	0x0c00
#define GICR_ICFGR1	0x0c04

#define VGIC_PRIO_MASK 0xf8U

void guest_arch_gpa_hole(uint64_t *base, uint64_t *end)
{
	*base = GUEST_VGIC_BASE;
	*end = GUEST_VGIC_END;
}

bool vgic_mmio_is_vgic(uint64_t ipa)
{
	return ipa >= GUEST_VGIC_BASE && ipa < GUEST_VGIC_END;
}

/* Which bit array a set/clear register word acts on. */
enum bitop { B_ENABLE, B_PEND, B_ACTIVE };

static uint8_t *field(struct vgic_irq *irq, enum bitop op)
{
	return op == B_ENABLE ? &irq->enabled : op == B_PEND ? &irq->pending : &irq->active;
}

/* One 32-bit word of set/clear-enable/pending/active for INTIDs base..base+31. */
static uint32_t bits_access(struct vgic *g, unsigned vcpu, unsigned base, enum bitop op, bool set, bool write,
			    uint32_t val, vgic_kick_t *kick)
{
	uint32_t r = 0;

	for (unsigned i = 0; i < 32; i++) {
		struct vgic_irq *irq = vgic_irq(g, vcpu, base + i);
		uint8_t *f;
		int owner;

		if (irq == NULL) {
			continue;
		}
		f = field(irq, op);
		if (write && (val & (1U << i))) {
			if (op == B_PEND && irq->hw) {
				continue; /* the physical timer owns it: the guest's write is ignored */
			}
			if (op == B_PEND && set && irq->lr >= 0) {
				irq->repend = 1;
			} else {
				*f = set;
			}
			if (op == B_PEND && !set) {
				irq->repend = 0;
			}
			owner = base + i < VGIC_NR_PRIV ? (int)vcpu : vgic_spi_target(g, base + i);
			if (owner >= 0) {
				*kick |= 1U << owner; /* it re-lists at its next entry */
			}
		}
		if (*f || (op == B_PEND && irq->repend)) {
			r |= 1U << i;
		}
	}
	return r;
}

/* IPRIORITYR bytes (4 per word, or 1) for INTIDs from intid. */
static uint64_t prio_access(struct vgic *g, unsigned vcpu, unsigned intid, struct vgic_access *a)
{
	uint64_t r = 0;

	for (unsigned b = 0; b < a->size; b++) {
		struct vgic_irq *irq = vgic_irq(g, vcpu, intid + b);

		if (irq == NULL) {
			continue;
		}
		if (a->write) {
			irq->prio = (uint8_t)((a->val >> (8 * b)) & VGIC_PRIO_MASK);
		}
		r |= (uint64_t)irq->prio << (8 * b);
	}
	return r;
}

/* Size and alignment checks: word registers take 4 bytes, aligned. */
static bool word(const struct vgic_access *a)
{
	return a->size == 4 && (a->ipa & 3) == 0;
}

static bool dist(struct vgic *g, unsigned vcpu, uint64_t off, struct vgic_access *a, vgic_kick_t *kick)
{
	uint32_t w = (uint32_t)a->val;

	if (off >= GICD_IROUTER + 8 * VGIC_NR_PRIV && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		unsigned n = (unsigned)((off - GICD_IROUTER) / 8) - VGIC_NR_PRIV;
		unsigned shift = (off & 4) ? 32 : 0;
		uint64_t mask;
		int old, now;

		if (!((a->size == 8 && (off & 7) == 0) || word(a))) {
			return false;
		}
		mask = a->size == 8 ? ~0ULL : 0xffffffffULL << shift;
		if (a->write) {
			old = vgic_spi_target(g, n + VGIC_NR_PRIV);
			g->irouter[n] = ((g->irouter[n] & ~mask) | ((a->val << shift) & mask)) & VGIC_IROUTER_MASK;
			now = vgic_spi_target(g, n + VGIC_NR_PRIV);
			if (now >= 0 && now != old) {
				*kick |= 1U << now;
			}
		}
		a->val = (g->irouter[n] & mask) >> shift;
		return true;
	}
	if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + VGIC_NR_IRQS) {
		if (!(a->size == 1 || word(a))) {
			return false;
		}
		/* INTIDs 0..31 here are RAZ/WI with ARE (the redistributor has them). */
		if (off < GICD_IPRIORITYR + VGIC_NR_PRIV) {
			a->val = 0;
			return true;
		}
		a->val = prio_access(g, vcpu, (unsigned)(off - GICD_IPRIORITYR), a);
		return true;
	}
	if (!word(a)) {
		return false;
	}
	if (off >= GICD_ISENABLER && off < GICD_ICFGR && (off & 0x7f) < VGIC_NR_IRQS / 8 && off < GICD_IPRIORITYR) {
		unsigned base = (unsigned)(off & 0x7f) * 8;
		unsigned reg = (unsigned)(off & ~0x7fULL);
		enum bitop op = reg <= GICD_ICENABLER ? B_ENABLE : reg <= GICD_ICPENDR ? B_PEND : B_ACTIVE;
		bool set = (reg & 0x80) == 0;

		if (base < VGIC_NR_PRIV) {
			a->val = 0;
			return true;
		}
		a->val = bits_access(g, vcpu, base, op, set, a->write, w, kick);
		return true;
	}
	switch (off) {
	case GICD_CTLR:
		if (a->write) {
			g->ctlr = w & GICD_CTLR_ENABLE_G1;
			*kick |= (1U << g->nr) - 1; /* everything may be deliverable now */
		}
		a->val = g->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
		return true;
	case GICD_TYPER:
		a->val = VGIC_GICD_TYPER;
		return true;
	case GICD_IIDR:
		a->val = VGIC_IIDR;
		return true;
	case GICD_PIDR2:
		a->val = VGIC_PIDR2;
		return true;
	default:
		break;
	}
	if (off >= GICD_IGROUPR && off < GICD_IGROUPR + VGIC_NR_IRQS / 8) {
		a->val = 0xffffffffU; /* Group 1 only */
		return true;
	}
	if (off >= GICD_ICFGR + VGIC_NR_PRIV / 4 && off < GICD_ICFGR + VGIC_NR_IRQS / 4) {
		unsigned base = (unsigned)(off - GICD_ICFGR) * 4;
		uint32_t r = 0;

		for (unsigned i = 0; i < 16; i++) {
			struct vgic_irq *irq = vgic_irq(g, vcpu, base + i);

			if (a->write) {
				irq->edge = (w >> (2 * i + 1)) & 1;
			}
			r |= (uint32_t)irq->edge << (2 * i + 1);
		}
		a->val = r;
		return true;
	}
	return false;
}

static bool redist_rd(struct vgic *g, unsigned vcpu, uint64_t off, struct vgic_access *a)
{
	struct vgic_cpu *c = &g->cpu[vcpu];

	if (off == GICR_TYPER || off == GICR_TYPER + 4) {
		/* Affinity (63:32) = the vCPU's MPIDR Aff3.Aff2.Aff1.Aff0; Processor_Number (23:8). */
		uint64_t typer = (uint64_t)(vcpu & 0xff) << 32 | (uint64_t)((vcpu >> 8) & 0xff) << 40 |
				 (uint64_t)vcpu << 8 | (vcpu + 1 == g->nr ? GICR_TYPER_LAST : 0);

		if (a->size == 8 && off == GICR_TYPER) {
			a->val = typer;
		} else if (word(a)) {
			a->val = (uint32_t)(typer >> (off == GICR_TYPER ? 0 : 32));
		} else {
			return false;
		}
		return true;
	}
	if (!word(a)) {
		return false;
	}
	switch (off) {
	case GICR_CTLR:
		a->val = 0; /* no LPIs; RWP never set */
		return true;
	case GICR_IIDR:
		a->val = VGIC_IIDR;
		return true;
	case GICR_WAKER:
		if (a->write) {
			c->waker = (uint32_t)a->val & GICR_WAKER_PSLEEP;
		}
		a->val = c->waker | ((c->waker & GICR_WAKER_PSLEEP) ? GICR_WAKER_CASLEEP : 0);
		return true;
	case GICR_PIDR2:
		a->val = VGIC_PIDR2;
		return true;
	default:
		return false;
	}
}

static bool redist_sgi(struct vgic *g, unsigned vcpu, uint64_t off, struct vgic_access *a, vgic_kick_t *kick)
{
	if (off >= GICR_IPRIORITYR && off < GICR_IPRIORITYR + VGIC_NR_PRIV) {
		if (!(a->size == 1 || word(a))) {
			return false;
		}
		a->val = prio_access(g, vcpu, (unsigned)(off - GICR_IPRIORITYR), a);
		return true;
	}
	if (!word(a)) {
		return false;
	}
	switch (off) {
	case GICR_IGROUPR0:
		a->val = 0xffffffffU;
		return true;
	case GICR_ISENABLER0:
	case GICR_ICENABLER0:
		a->val = bits_access(g, vcpu, 0, B_ENABLE, off == GICR_ISENABLER0, a->write, (uint32_t)a->val, kick);
		return true;
	case GICR_ISPENDR0:
	case GICR_ICPENDR0:
		a->val = bits_access(g, vcpu, 0, B_PEND, off == GICR_ISPENDR0, a->write, (uint32_t)a->val, kick);
		return true;
	case GICR_ISACTIVER0:
	case GICR_ICACTIVER0:
		a->val = bits_access(g, vcpu, 0, B_ACTIVE, off == GICR_ISACTIVER0, a->write, (uint32_t)a->val, kick);
		return true;
	case GICR_ICFGR0:
		a->val = 0xaaaaaaaaU; /* SGIs: edge, read-only */
		return true;
	case GICR_ICFGR1:
		a->val = 0; /* PPIs: level (the timer), read-only here */
		return true;
	default:
		return false;
	}
}

void vgic_mmio(struct vgic *g, unsigned vcpu, struct vgic_access *acc, vgic_kick_t *kick, uint64_t *bad)
{
	uint64_t ipa = acc->ipa;
	uint64_t in = acc->val;
	bool ok = false;

	if (acc->size != 1 && acc->size != 2 && acc->size != 4 && acc->size != 8) {
		ok = false;
	} else if (ipa >= GUEST_GICD_BASE && ipa < GUEST_GICD_BASE + VGIC_GICD_SIZE) {
		ok = dist(g, vcpu, ipa - GUEST_GICD_BASE, acc, kick);
	} else if (ipa >= GUEST_GICR_BASE && ipa < GUEST_GICR_BASE + (uint64_t)g->nr * GUEST_GICR_STRIDE) {
		unsigned k = (unsigned)((ipa - GUEST_GICR_BASE) / GUEST_GICR_STRIDE);
		uint64_t off = (ipa - GUEST_GICR_BASE) % GUEST_GICR_STRIDE;

		/* Any vCPU may access any redistributor (12.10): k, not the caller, owns the state. */
		ok = off < VGIC_GICR_FRAME ? redist_rd(g, k, off, acc)
					   : redist_sgi(g, k, off - VGIC_GICR_FRAME, acc, kick);
	}
	if (!ok) {
		acc->val = 0;
		if (bad != NULL) {
			(*bad)++;
		}
	}
	if (acc->write) {
		acc->val = in;
	}
}
