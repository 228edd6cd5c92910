// SPDX-License-Identifier: MIT
/*
 * A virtual local APIC in x2APIC mode (arch/x86_64/vlapic.h; Intel SDM vol. 3 ch. 10, the AMD
 * APM vol. 2 ch. 16 says the same for x2APIC). What the guest sees:
 *  - IA32_APIC_BASE (0x1b): reset value 0xfee00000 | EN (| BSP on vCPU 0). Accepted writes:
 *    the legal transitions of SDM fig. 10-27 (disabled <-> xAPIC -> x2APIC, x2APIC -> disabled),
 *    base address unchanged. xAPIC mode exists only as a state: the MMIO page is not mapped
 *    (a guest touching it stops on a nested page fault). Anything else: #GP.
 *  - x2APIC MSRs 0x800-0x8ff only with EXTD=1 (else #GP, SDM 10.12.1.2): ID (= vCPU index),
 *    version, TPR, PPR, EOI (write 0 only), LDR (derived from the ID, 10.12.10.2), SVR, ISR,
 *    TMR, IRR, ESR (write 0 latches, 10.5.3), ICR, the six LVTs, timer initial/current count,
 *    divide configuration, SELF IPI. Reads of write-only, writes of read-only registers,
 *    reserved bits set, and the registers x2APIC does not have (DFR 0x80e, CMCI 0x82f, ...):
 *    #GP (10.12.1.2). Never anything worse: the guest's write only changes its own APIC.
 *  - ICR (10.12.9): fixed delivery, physical destination (x2APIC ID, or 0xffffffff broadcast),
 *    logical destination (cluster << 16 | bit, 10.12.10.2), and the shorthands self / all /
 *    all-but-self. Every other delivery mode (lowest priority, SMI, NMI, INIT, SIPI), a
 *    vector below 16, or a destination outside the guest delivers nothing and counts in
 *    ipis_ignored; an illegal vector also sets ESR "send illegal vector". A destination is
 *    looked up only among the guest's own vCPUs (send_ipi), so no IPI leaves the guest.
 *  - The timer (10.5.4): one-shot, periodic, TSC-deadline (IA32_TSC_DEADLINE 0x6e0, 10.5.4.1);
 *    its input clock is the TSC (divide by DCR). A change of mode to or from TSC-deadline
 *    disarms it. Expiry is noticed when someone looks (vlapic_timer_update: before each entry,
 *    in the HLT sleep), which the host's timer makes happen on time; a periodic timer that
 *    missed several periods fires once and keeps its phase. A period shorter than min_period
 *    (set by the SVM side: 10 us) is lengthened to it, so a guest cannot turn its timer into
 *    an exit storm.
 *  - Delivery (10.8): PPR = max(TPR, ISRV class); the highest IRR vector whose class is above
 *    PPR's is taken, moved to ISR; EOI clears the highest ISR bit. Software-disabled (SVR bit
 *    8 = 0): IRR is kept, nothing is delivered, LVTs stay masked (10.4.7.2).
 */
#include <string.h>

#include <hv/errno.h>

#include "arch/x86_64/vlapic.h"

#define LVT_VECTOR     0xffU
#define LVT_TIMER_BITS (LVT_VECTOR | APIC_LVT_MASKED | (3U << 17))
#define LVT_LINT_BITS  (LVT_VECTOR | (7U << 8) | (1U << 13) | (1U << 15) | APIC_LVT_MASKED)
#define LVT_OTHER_BITS (LVT_VECTOR | (7U << 8) | APIC_LVT_MASKED)
#define LVT_ERROR_BITS (LVT_VECTOR | APIC_LVT_MASKED)
#define SVR_BITS       (0xffU | APIC_SVR_ENABLE | (1U << 12))
#define DCR_BITS       0xbU
/* ICR (10.6.1, 10.12.9): vector 7:0, delivery mode 10:8, destination mode 11, level 14, trigger 15, shorthand 19:18. */
#define ICR_VECTOR(v)	 ((unsigned)((v)&0xffU))
#define ICR_MODE(v)	 (((v) >> 8) & 7U)
#define ICR_LOGICAL	 (1ULL << 11)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3U)
#define ICR_DEST(v)	 ((uint32_t)((v) >> 32))
#define ICR_VALID_BITS	 (0xffffffff000fcfffULL & ~(3ULL << 12) & ~(3ULL << 16))
#define ICR_MODE_FIXED	 0U
#define ICR_SH_NONE	 0U
#define ICR_SH_SELF	 1U
#define ICR_SH_ALL	 2U
#define ICR_SH_OTHERS	 3U

static bool x2apic_on(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool sw_enabled(const struct vlapic *l)
{
	return (l->svr & APIC_SVR_ENABLE) != 0;
}

static bool test_bit256(const uint32_t *m, unsigned v)
{
	return (__atomic_load_n(&m[v / 32], __ATOMIC_RELAXED) >> (v % 32)) & 1U;
}

/* Highest set bit of a 256-bit register, -1 when empty. */
static int highest256(const uint32_t *m)
{
	for (int w = 7; w >= 0; w--) {
		uint32_t x = __atomic_load_n(&m[w], __ATOMIC_ACQUIRE);

		if (x != 0) {
			return w * 32 + 31 - __builtin_clz(x);
		}
	}
	return -1;
}

static uint32_t ldr_of(uint32_t id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf)); /* SDM 10.12.10.2 */
}

static void mask_lvts(struct vlapic *l)
{
	l->lvt_timer |= APIC_LVT_MASKED;
	l->lvt_thermal |= APIC_LVT_MASKED;
	l->lvt_pmc |= APIC_LVT_MASKED;
	l->lvt_lint0 |= APIC_LVT_MASKED;
	l->lvt_lint1 |= APIC_LVT_MASKED;
	l->lvt_error |= APIC_LVT_MASKED;
}

/* Register state after reset or a disable (SDM 10.4.7.1); the IRR survives only a reset's caller. */
static void regs_reset(struct vlapic *l)
{
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	for (unsigned w = 0; w < 8; w++) {
		__atomic_store_n(&l->irr[w], 0, __ATOMIC_RELAXED);
	}
	l->tpr = 0;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	l->lvt_timer = l->lvt_thermal = l->lvt_pmc = l->lvt_lint0 = l->lvt_lint1 = l->lvt_error = 0;
	mask_lvts(l);
	l->dcr = 0;
	l->timer_initial = 0;
	l->icr = 0;
	l->deadline = l->period = 0;
	l->tsc_deadline_msr = 0;
}

void vlapic_init(struct vlapic *l, uint32_t id, uint32_t nr_peers, vlapic_ipi_fn send_ipi, void *owner)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->nr_peers = nr_peers;
	l->send_ipi = send_ipi;
	l->owner = owner;
	l->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | (id == 0 ? APIC_BASE_BSP : 0);
	regs_reset(l);
}

bool vlapic_msr_is_ours(uint32_t msr)
{
	return (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST) || msr == MSR_IA32_APIC_BASE ||
	       msr == MSR_IA32_TSC_DEADLINE;
}

/* DCR bits 3,1,0 (SDM fig. 10-10): 000 -> 2 ... 110 -> 128, 111 -> 1. */
static uint64_t timer_divisor(const struct vlapic *l)
{
	unsigned code = (l->dcr & 3U) | ((l->dcr >> 1) & 4U);

	return code == 7 ? 1 : 2ULL << code;
}

uint32_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = highest256(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0U;

	return (l->tpr & 0xf0U) >= isr_class ? l->tpr & 0xffU : isr_class;
}

int vlapic_pending(const struct vlapic *l)
{
	int v;

	if (!sw_enabled(l) || !x2apic_on(l)) {
		return -1;
	}
	v = highest256(l->irr);
	if (v < 0 || ((uint32_t)v & 0xf0U) <= (vlapic_ppr(l) & 0xf0U)) {
		return -1;
	}
	return v;
}

void vlapic_accept(struct vlapic *l, unsigned vector)
{
	vector &= 0xff;
	__atomic_and_fetch(&l->irr[vector / 32], ~(1U << (vector % 32)), __ATOMIC_ACQ_REL);
	l->isr[vector / 32] |= 1U << (vector % 32);
}

int vlapic_raise(struct vlapic *l, unsigned vector)
{
	if (vector < 16 || vector > 255) {
		return -EINVAL;
	}
	__atomic_or_fetch(&l->irr[vector / 32], 1U << (vector % 32), __ATOMIC_ACQ_REL);
	return 0;
}

static void eoi(struct vlapic *l)
{
	int v = highest256(l->isr);

	if (v >= 0) {
		l->isr[v / 32] &= ~(1U << (v % 32));
		l->tmr[v / 32] &= ~(1U << (v % 32)); /* edge only: never set, kept for the reads */
	}
}

void vlapic_timer_update(struct vlapic *l, uint64_t now)
{
	if (l->deadline == 0 || now < l->deadline) {
		return;
	}
	if (!(l->lvt_timer & APIC_LVT_MASKED)) {
		unsigned vec = l->lvt_timer & LVT_VECTOR;

		if (vec >= 16) {
			vlapic_raise(l, vec);
			l->timer_fired++;
		} else {
			l->esr_pending |= APIC_ESR_RECV_ILLEGAL_VEC;
		}
	}
	if (APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_PERIODIC && l->period != 0) {
		/* Next period boundary after now: missed periods collapse into this one interrupt. */
		uint64_t missed = (now - l->deadline) / l->period;

		l->deadline += (missed + 1) * l->period;
	} else {
		l->deadline = 0;
		l->tsc_deadline_msr = 0; /* SDM 10.5.4.1: reads 0 once it fired */
	}
}

uint64_t vlapic_timer_next(const struct vlapic *l)
{
	return l->deadline;
}

static uint32_t timer_current(const struct vlapic *l, uint64_t now)
{
	if (l->deadline == 0 || APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_DEADLINE) {
		return 0;
	}
	if (now >= l->deadline) {
		if (l->period == 0) {
			return 0;
		}
		/* periodic, not looked at since: where the count is now in its period */
		return (uint32_t)((l->period - (now - l->deadline) % l->period) / timer_divisor(l));
	}
	return (uint32_t)((l->deadline - now) / timer_divisor(l));
}

static void timer_start(struct vlapic *l, uint64_t now)
{
	uint64_t ticks = (uint64_t)l->timer_initial * timer_divisor(l);

	l->deadline = l->period = 0;
	if (l->timer_initial == 0 || APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_DEADLINE) {
		return; /* a count of 0 stops it (10.5.4) */
	}
	if (APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_PERIODIC) {
		/* As KVM's min_timer_period_us: a tiny period would be an exit storm, not a timer. */
		if (ticks < l->min_period) {
			ticks = l->min_period;
		}
		l->period = ticks;
	}
	l->deadline = now + ticks;
}

static int write_lvt_timer(struct vlapic *l, uint32_t v, uint64_t now)
{
	unsigned old_mode = APIC_LVT_TIMER_MODE(l->lvt_timer), mode = APIC_LVT_TIMER_MODE(v);

	if ((v & ~LVT_TIMER_BITS) != 0 || mode == 3) {
		return -EINVAL; /* mode 11b is reserved (10.5.1) */
	}
	if (!sw_enabled(l)) {
		v |= APIC_LVT_MASKED;
	}
	l->lvt_timer = v;
	if ((old_mode == APIC_TIMER_DEADLINE) != (mode == APIC_TIMER_DEADLINE)) {
		l->deadline = l->period = 0; /* 10.5.4.1: switching to or from TSC-deadline disarms */
		l->tsc_deadline_msr = 0;
		l->timer_initial = 0;
	} else if (mode != old_mode && mode != APIC_TIMER_DEADLINE && l->deadline != 0) {
		/* one-shot <-> periodic while counting: the running count continues under the new mode */
		uint64_t ticks = (uint64_t)l->timer_initial * timer_divisor(l);

		l->period = mode == APIC_TIMER_PERIODIC ? (ticks < l->min_period ? l->min_period : ticks) : 0;
	}
	(void)now;
	return 0;
}

static int write_lvt(struct vlapic *l, uint32_t *reg, uint32_t v, uint32_t bits)
{
	if ((v & ~bits) != 0) {
		return -EINVAL;
	}
	*reg = sw_enabled(l) ? v : v | APIC_LVT_MASKED;
	return 0;
}

static void ipi_to(struct vlapic *l, uint32_t dest, unsigned vec, bool *any)
{
	if (dest == l->id) {
		vlapic_raise(l, vec);
		*any = true;
	} else if (l->send_ipi != NULL && l->send_ipi(l, dest, vec) == 0) {
		*any = true;
	}
}

/* An ICR write (10.6.1, 10.12.9): the fixed IPIs a guest may send to itself and its siblings. */
static int write_icr(struct vlapic *l, uint64_t v)
{
	unsigned vec = ICR_VECTOR(v), sh = ICR_SHORTHAND(v);
	uint32_t dest = ICR_DEST(v);
	bool any = false;

	if ((v & ~ICR_VALID_BITS) != 0) {
		return -EINVAL;
	}
	l->icr = v;
	if (ICR_MODE(v) != ICR_MODE_FIXED) {
		l->ipis_ignored++; /* lowest priority, SMI, NMI, INIT, SIPI: not for guests */
		return 0;
	}
	if (vec < 16) {
		l->esr_pending |= APIC_ESR_SEND_ILLEGAL_VEC;
		l->ipis_ignored++;
		return 0;
	}
	switch (sh) {
	case ICR_SH_SELF:
		ipi_to(l, l->id, vec, &any);
		break;
	case ICR_SH_ALL:
	case ICR_SH_OTHERS:
		for (uint32_t k = 0; k < l->nr_peers; k++) {
			if (sh == ICR_SH_ALL || k != l->id) {
				ipi_to(l, k, vec, &any);
			}
		}
		any |= sh == ICR_SH_OTHERS && l->nr_peers == 1; /* nobody else: nothing to ignore */
		break;
	default:
		if (v & ICR_LOGICAL) {
			/* x2APIC logical: cluster dest[31:16], one bit per member dest[15:0] (10.12.10.2). */
			for (uint32_t k = 0; k < l->nr_peers; k++) {
				uint32_t ldr = ldr_of(k);

				if ((ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffffU) != 0) {
					ipi_to(l, k, vec, &any);
				}
			}
		} else if (dest == 0xffffffffU) {
			for (uint32_t k = 0; k < l->nr_peers; k++) {
				ipi_to(l, k, vec, &any);
			}
		} else if (dest < l->nr_peers) {
			ipi_to(l, dest, vec, &any);
		}
		break;
	}
	if (!any) {
		l->ipis_ignored++;
	}
	return 0;
}

static int write_apic_base(struct vlapic *l, uint64_t v)
{
	uint64_t mode = v & (APIC_BASE_EN | APIC_BASE_EXTD), old = l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD);

	if ((v & ~(APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD)) != APIC_BASE_DEFAULT ||
	    (v & APIC_BASE_BSP) != (l->apic_base & APIC_BASE_BSP) || mode == APIC_BASE_EXTD) {
		return -EINVAL; /* base moved, BSP flipped, or EXTD without EN (invalid, fig. 10-27) */
	}
	if ((old == (APIC_BASE_EN | APIC_BASE_EXTD) && mode == APIC_BASE_EN) ||
	    (old == 0 && mode != APIC_BASE_EN && mode != 0)) {
		return -EINVAL; /* x2APIC -> xAPIC, disabled -> x2APIC: illegal (fig. 10-27) */
	}
	if (mode == 0 && old != 0) {
		regs_reset(l); /* disabling resets the APIC (10.4.3) */
	}
	l->apic_base = v;
	return 0;
}

int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val)
{
	*val = 0;
	if (msr == MSR_IA32_APIC_BASE) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_DEADLINE ? l->tsc_deadline_msr : 0;
		return 0;
	}
	if (!x2apic_on(l)) {
		goto gp;
	}
	if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8) {
		*val = l->isr[msr - X2APIC_ISR0];
		return 0;
	}
	if (msr >= X2APIC_TMR0 && msr < X2APIC_TMR0 + 8) {
		*val = l->tmr[msr - X2APIC_TMR0];
		return 0;
	}
	if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8) {
		*val = __atomic_load_n(&l->irr[msr - X2APIC_IRR0], __ATOMIC_ACQUIRE);
		return 0;
	}
	switch (msr) {
	case X2APIC_ID:
		*val = l->id;
		return 0;
	case X2APIC_VERSION:
		*val = APIC_VERSION_VALUE;
		return 0;
	case X2APIC_TPR:
		*val = l->tpr;
		return 0;
	case X2APIC_PPR:
		*val = vlapic_ppr(l);
		return 0;
	case X2APIC_LDR:
		*val = ldr_of(l->id);
		return 0;
	case X2APIC_SVR:
		*val = l->svr;
		return 0;
	case X2APIC_ESR:
		*val = l->esr;
		return 0;
	case X2APIC_ICR:
		*val = l->icr;
		return 0;
	case X2APIC_LVT_TIMER:
		*val = l->lvt_timer;
		return 0;
	case X2APIC_LVT_THERMAL:
		*val = l->lvt_thermal;
		return 0;
	case X2APIC_LVT_PMC:
		*val = l->lvt_pmc;
		return 0;
	case X2APIC_LVT_LINT0:
		*val = l->lvt_lint0;
		return 0;
	case X2APIC_LVT_LINT1:
		*val = l->lvt_lint1;
		return 0;
	case X2APIC_LVT_ERROR:
		*val = l->lvt_error;
		return 0;
	case X2APIC_TIMER_ICR:
		*val = l->timer_initial;
		return 0;
	case X2APIC_TIMER_CCR:
		vlapic_timer_update(l, now);
		*val = timer_current(l, now);
		return 0;
	case X2APIC_TIMER_DCR:
		*val = l->dcr;
		return 0;
	default:
		break; /* EOI and SELF IPI are write-only; the rest does not exist */
	}
gp:
	l->bad_accesses++;
	return -EINVAL;
}

int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now)
{
	int ret = -EINVAL;

	if (msr == MSR_IA32_APIC_BASE) {
		ret = write_apic_base(l, val);
		goto out;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_DEADLINE) {
			l->tsc_deadline_msr = val;
			l->deadline = val; /* 0 disarms; a past value fires at once (10.5.4.1) */
		}
		return 0; /* other modes: ignored */
	}
	if (!x2apic_on(l)) {
		goto out;
	}
	/* Every x2APIC register but ICR is 32 bits: upper half set is #GP (10.12.1.2). */
	if (msr != X2APIC_ICR && (val >> 32) != 0) {
		goto out;
	}
	switch (msr) {
	case X2APIC_TPR:
		if ((val & ~0xffULL) == 0) {
			l->tpr = (uint32_t)val;
			ret = 0;
		}
		break;
	case X2APIC_EOI:
		if (val == 0) {
			eoi(l);
			ret = 0;
		}
		break;
	case X2APIC_SVR:
		if ((val & ~(uint64_t)SVR_BITS) == 0) {
			l->svr = (uint32_t)val;
			if (!sw_enabled(l)) {
				mask_lvts(l); /* 10.4.7.2 */
			}
			ret = 0;
		}
		break;
	case X2APIC_ESR:
		if (val == 0) {
			l->esr = l->esr_pending;
			l->esr_pending = 0;
			ret = 0;
		}
		break;
	case X2APIC_ICR:
		ret = write_icr(l, val);
		break;
	case X2APIC_LVT_TIMER:
		ret = write_lvt_timer(l, (uint32_t)val, now);
		break;
	case X2APIC_LVT_THERMAL:
		ret = write_lvt(l, &l->lvt_thermal, (uint32_t)val, LVT_OTHER_BITS);
		break;
	case X2APIC_LVT_PMC:
		ret = write_lvt(l, &l->lvt_pmc, (uint32_t)val, LVT_OTHER_BITS);
		break;
	case X2APIC_LVT_LINT0:
		ret = write_lvt(l, &l->lvt_lint0, (uint32_t)val, LVT_LINT_BITS);
		break;
	case X2APIC_LVT_LINT1:
		ret = write_lvt(l, &l->lvt_lint1, (uint32_t)val, LVT_LINT_BITS);
		break;
	case X2APIC_LVT_ERROR:
		ret = write_lvt(l, &l->lvt_error, (uint32_t)val, LVT_ERROR_BITS);
		break;
	case X2APIC_TIMER_ICR:
		if (APIC_LVT_TIMER_MODE(l->lvt_timer) == APIC_TIMER_DEADLINE) {
			return 0; /* ignored in TSC-deadline mode (10.5.4.1) */
		}
		l->timer_initial = (uint32_t)val;
		timer_start(l, now);
		ret = 0;
		break;
	case X2APIC_TIMER_DCR:
		if ((val & ~(uint64_t)DCR_BITS) == 0) {
			l->dcr = (uint32_t)val;
			ret = 0;
		}
		break;
	case X2APIC_SELF_IPI:
		if ((val & ~0xffULL) == 0) {
			ret = write_icr(l, ((uint64_t)ICR_SH_SELF << 18) | val);
		}
		break;
	default:
		break; /* read-only (ID, version, PPR, LDR, ISR, TMR, IRR, current count) or absent */
	}
out:
	if (ret != 0) {
		l->bad_accesses++;
	}
	return ret;
}

bool vlapic_irr_test(const struct vlapic *l, unsigned vector)
{
	return vector < 256 && test_bit256(l->irr, vector);
}
