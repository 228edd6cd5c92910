// SPDX-License-Identifier: MIT
/*
 * arm64 guest CPUs at EL2: include/hv/vcpu.h on the Arm virtualisation extensions.
 *
 * One guest vCPU runs at EL1 (AArch64) at a time on each CPU; a vCPU runs on one CPU at a time
 * (the one it is pinned to), and everything per CPU (the host HCR_EL2, the running context) is
 * in the CPU's struct percpu. Per vCPU we keep the guest's
 * general registers, PC/PSTATE and FP/SIMD state (struct arm64_vcpu_ctx, switched by
 * vcpu_entry.S) and the EL1 system registers the guest can change (switched here, around each
 * entry). The EL2 controls (HCR_EL2, VTCR_EL2, VTTBR_EL2, CPTR_EL2, MDCR_EL2, CNTHCTL_EL2,
 * VPIDR_EL2/VMPIDR_EL2) are written before every entry and HCR_EL2 is set back to the
 * hypervisor's value after every exit, so nothing of the guest's configuration stays live
 * while the hypervisor runs. Choices and their reasons: vcpu.h (HCR_EL2_GUEST, CPTR_EL2_GUEST).
 *
 * Stage 2 (Arm ARM D8, "Stage 2 translation"): the table is the guest's GPA IOASID in
 * PT_FMT_ARM_S2, the very table the SMMU walks for the guest's devices (one owner; the
 * descriptor format of the SMMUv3 stage 2 is the VMSAv8-64 stage-2 format). Its root comes in
 * vcpu_setup.nested_root. The table has 4 levels (the SMMU's GPA tables have 40..48 input
 * bits): VTCR_EL2.T0SZ = 16 with a level-0 start walks every 4-level table of 40..48 bits the
 * same way, since pt_map never fills root entries beyond the table's input width. The GPA
 * table does not change while the guest runs (GET_INFO: the guest cannot change it), so no
 * stage-2 TLB maintenance is needed between entries; vcpu_arch_destroy() invalidates the
 * VMID's entries on every CPU (a broadcast TLBI) so a later guest with the same VMID cannot hit
 * them wherever it runs.
 *
 * Interrupts (docs/ARM64.md, "Virtual interrupts"): the virtual GICv3 in vgic.c, vgic_mmio.c
 * and vgic_hw.c. Around each run vgic_hw_load()/vgic_hw_save() switch the virtual CPU interface;
 * the exits for it are the vGIC's MMIO (stage-2 data aborts in its frames), ICC_SGI1R_EL1 writes
 * and WFI (VCPU_EXIT_HALT). The guest's CNTV_* registers are switched with its EL1 state
 * (CNTVOFF_EL2 = 0); after an exit they stay live until the exit's interrupts were taken, so a
 * timer that fired during the run is seen as the physical PPI 27 (vgic_hw.c), then CNTV_CTL_EL0
 * is cleared so it cannot fire into the hypervisor.
 *
 * Stopping: vcpu.stop_request is read before every entry; another CPU sets it and kicks this
 * one (smp_kick: an SGI), whose IRQ exits the guest (HCR_EL2.IMO), is taken and acknowledged
 * in arm64_irq_window(), and the loop returns VCPU_EXIT_KICK with the guest's state intact
 * (its PC is where the IRQ interrupted it).
 */
#include <stdio.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/vcpu.h>

#include "arm64.h"
#include "ioasid/pt.h"
#include "vcpu.h"
#include "vgic.h"
#include "vgic_hw.h"

/* IPA width the CPU walks the stage-2 table with (see above). */
#define ARM64_VCPU_IA_BITS 48
/* IRQ/FIQ exits in a row without the guest reaching a hypercall or a stop. */
#define ARM64_VCPU_MAX_IRQ_EXITS 100000

/* The EL1 (and EL0) registers a guest may write, switched on every entry and exit. */
/* clang-format off: one X() list, laid out by hand */
#define VCPU_EL1_REGS(X)                                                                     \
	X(sctlr_el1) X(cpacr_el1) X(ttbr0_el1) X(ttbr1_el1) X(tcr_el1) X(mair_el1) X(amair_el1) \
	X(vbar_el1) X(esr_el1) X(far_el1) X(afsr0_el1) X(afsr1_el1) X(contextidr_el1)          \
	X(tpidr_el0) X(tpidrro_el0) X(tpidr_el1) X(sp_el1) X(elr_el1) X(spsr_el1) X(par_el1)    \
	X(cntkctl_el1) X(csselr_el1) X(mdscr_el1) X(cntv_cval_el0) X(cntv_ctl_el0)

enum {
#define VCPU_EL1_ENUM(r) EL1_##r,
	VCPU_EL1_REGS(VCPU_EL1_ENUM)
#undef VCPU_EL1_ENUM
	EL1_NR
};
/* clang-format on */

struct vcpu_arch {
	struct arm64_vcpu_ctx ctx;
	uint64_t el1[EL1_NR];
	uint64_t vtcr;
	uint64_t vttbr;
	uint64_t stops;
	uint64_t vgic_bad; /* vGIC accesses emulated as RAZ/WI (undefined size/offset) */
	unsigned last_cpu; /* the CPU that ran it last, for the dump */
};
_Static_assert(sizeof(struct vcpu_arch) <= HV_PAGE_SIZE, "one page per vCPU");

/* SCTLR_EL1 RES1 bits (29, 28, 23, 22, 20, 11) with M, C, I clear: stage 1 off. */
#define VCPU_SCTLR_EL1_INIT 0x30d00800ULL
/* CPACR_EL1.FPEN = 0b11: FP/SIMD usable at EL1 and EL0 from the first instruction. */
#define VCPU_CPACR_EL1_INIT (3ULL << 20)
/*
 * VMPIDR_EL2 (what the guest reads as MPIDR_EL1): bit 31 RES1, U (bit 30) = 0 (part of a
 * multiprocessor system, also for a one-vCPU guest, so the value never depends on the guest's
 * size), MT = 0, Aff0 = the vCPU's index (Aff1 = index / 256): a stable MPIDR per vCPU, the
 * one PSCI CPU_ON and AFFINITY_INFO name it by (docs/ARM64.md, "Guests with several vCPUs").
 */
#define VCPU_VMPIDR_RES1 BIT(31)

static uint64_t vcpu_vmpidr(unsigned index)
{
	return VCPU_VMPIDR_RES1 | (index & 0xff) | (uint64_t)((index >> 8) & 0xff) << 8;
}

int vcpu_arch_cpu_init(void)
{
	struct percpu *c = this_cpu();
	uint64_t hcr = read_sysreg(hcr_el2);
	int ret;

	/* Non-VHE EL2 is checked by arch_init(); the guest formats here depend on it. */
	if (hcr & HCR_EL2_E2H) {
		return -EOPNOTSUPP;
	}
	/* The CPU's own HCR_EL2 (IMO set by arch_init / the secondary entry) is set back after every exit. */
	c->arch.host_hcr = hcr;
	c->arch.vcpu_ctx = 0;
	ret = vgic_hw_cpu_init();
	if (ret != 0 && ret != -ENODEV) {
		return ret;
	}
	pr_info("arm64: guests at EL1 under EL2 (HCR_EL2 0x%llx, stage 2 PT_FMT_ARM_S2 %u-bit, 8-bit VMIDs) on CPU %u",
		(unsigned long long)HCR_EL2_GUEST, ARM64_VCPU_IA_BITS, c->id);
	return 0;
}

void vcpu_arch_nested_format(unsigned *fmt, unsigned *ia_bits)
{
	*fmt = PT_FMT_ARM_S2;
	*ia_bits = ARM64_VCPU_IA_BITS;
}

long vcpu_arch_boot_tables(gpa_t at, void *buf, size_t max)
{
	/*
	 * None: the guest starts with its stage 1 off, and HCR_EL2.DC keeps it off (vcpu.h): its
	 * accesses are identity-mapped Normal write-back memory without any table.
	 */
	(void)at;
	(void)buf;
	(void)max;
	return 0;
}

static void el1_load(const uint64_t *r)
{
#define VCPU_EL1_LOAD(reg) write_sysreg(reg, r[EL1_##reg]);
	VCPU_EL1_REGS(VCPU_EL1_LOAD)
#undef VCPU_EL1_LOAD
}

static void el1_save(uint64_t *r)
{
#define VCPU_EL1_SAVE(reg) r[EL1_##reg] = read_sysreg(reg);
	VCPU_EL1_REGS(VCPU_EL1_SAVE)
#undef VCPU_EL1_SAVE
}

static int setup_check(const struct vcpu_setup *s)
{
	if ((hpa_val(s->nested_root) & (HV_PAGE_SIZE - 1)) != 0 || hpa_val(s->nested_root) == 0 ||
	    (gpa_val(s->entry) & 3) != 0 || (gpa_val(s->stack_top) & 15) != 0) {
		return -EINVAL;
	}
	return 0;
}

/* The architectural entry state (docs/ARM64.md, "Guests"): EL1h, DAIF masked, MMU off, x0 = arg0. */
static void initial_state(struct vcpu_arch *a, const struct vcpu_setup *s)
{
	memset(&a->ctx, 0, sizeof(a->ctx));
	memset(a->el1, 0, sizeof(a->el1));
	a->ctx.elr = gpa_val(s->entry);
	a->ctx.spsr = VCPU_SPSR_INIT;
	a->ctx.x[0] = s->arg0;
	a->ctx.x[1] = s->arg1;
	a->el1[EL1_sp_el1] = gpa_val(s->stack_top);
	a->el1[EL1_sctlr_el1] = VCPU_SCTLR_EL1_INIT;
	a->el1[EL1_cpacr_el1] = VCPU_CPACR_EL1_INIT;
	/*
	 * The guest's image (or the code a CPU_ON points at) was written through the data cache
	 * and cleaned (hv/guest.c); the vCPU may run on any CPU: discard instructions every CPU's
	 * I-cache may hold for those addresses (IC IALLUIS, broadcast to the inner shareable
	 * domain; Arm ARM D7/B2, "Instruction cache maintenance").
	 */
	__asm__ __volatile__("dsb ish\n\tic ialluis\n\tdsb ish\n\tisb" ::: "memory");
}

int vcpu_arch_create(struct vcpu *v, const struct vcpu_setup *s)
{
	unsigned parange = (unsigned)FIELD_GET(ID_AA64MMFR0_PARANGE, read_sysreg(id_aa64mmfr0_el1));
	struct vcpu_arch *a;
	int ret;

	/* VTTBR_EL2.VMID is 8 bits wide (VTCR_EL2.VS = 0); VMID 0 is left unused. */
	if (v->asid == 0 || v->asid > 0xff) {
		return -ERANGE;
	}
	ret = setup_check(s);
	if (ret != 0) {
		return ret;
	}
	a = page_alloc(0);
	if (a == NULL) {
		return -ENOMEM;
	}
	a->vtcr = arm64_vtcr(ARM64_VCPU_IA_BITS, parange);
	a->vttbr = arm64_vttbr(s->nested_root, (uint8_t)v->asid);
	a->stops = 0;
	initial_state(a, s);
	v->arch = a;
	return 0;
}

/* A64 instructions are 4-byte aligned (a misaligned PC faults: Arm ARM D1.3.4). */
bool vcpu_arch_entry_ok(gpa_t entry)
{
	return (gpa_val(entry) & 3) == 0;
}

int vcpu_arch_reset(struct vcpu *v, const struct vcpu_setup *s)
{
	struct vcpu_arch *a = v->arch;
	int ret;

	if (a == NULL) {
		return -EINVAL;
	}
	ret = setup_check(s);
	if (ret != 0) {
		return ret;
	}
	/* Same stage-2 table and VMID (vcpu.h): only the CPU state starts over. */
	if (arm64_vttbr(s->nested_root, (uint8_t)v->asid) != a->vttbr) {
		return -EINVAL;
	}
	initial_state(a, s);
	return 0;
}

/* Program the EL2 controls for this guest and load its EL1 state. */
static void guest_load(struct vcpu *v, struct vcpu_arch *a)
{
	uint64_t mdcr = read_sysreg(mdcr_el2);

	mdcr &= ~MDCR_EL2_TDE;
	mdcr |= MDCR_EL2_TPMCR | MDCR_EL2_TPM | MDCR_EL2_TDA | MDCR_EL2_TDOSA | MDCR_EL2_TDRA;
	write_sysreg(mdcr_el2, mdcr);
	write_sysreg(cptr_el2, CPTR_EL2_GUEST);
	write_sysreg(cnthctl_el2, (read_sysreg(cnthctl_el2) | CNTHCTL_EL1PCTEN) & ~CNTHCTL_EL1PCEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(vmpidr_el2, vcpu_vmpidr(v->index));
	write_sysreg(vtcr_el2, a->vtcr);
	write_sysreg(vttbr_el2, a->vttbr);
	el1_load(a->el1);
	vgic_hw_load(v);
	write_sysreg(hcr_el2, HCR_EL2_GUEST);
	/* ERET synchronises these writes too; the ISB makes the order explicit (D1). */
	isb();
}

/*
 * Save the guest's EL1 state and give EL2 back its own configuration. The interrupt that ended
 * the run (slot IRQ: a kick, a device, the maintenance interrupt) is taken here, and so is the
 * guest's virtual timer if it is due, while its CNTV registers are still live (vgic_hw.c).
 * Returns true when the exit brought the guest an interrupt (its timer fired, or one is pending):
 * such IRQ exits are progress, not a storm.
 */
static bool guest_save(struct vcpu *v, struct vcpu_arch *a, uint64_t slot)
{
	struct percpu *c = this_cpu();
	uint64_t timer_irqs = c->arch.nr_vtimer_irqs;
	bool pending;

	el1_save(a->el1);
	pending = vgic_hw_save(v);
	write_sysreg(hcr_el2, c->arch.host_hcr);
	isb();
	if (slot == ARM64_VEC_LOWER64 + 1 || vgic_hw_timer_due(a->el1[EL1_cntv_ctl_el0], a->el1[EL1_cntv_cval_el0])) {
		arm64_irq_window();
	}
	/* A virtual timer the guest left running must not fire into the hypervisor. */
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	vgic_hw_run_end();
	return pending || c->arch.nr_vtimer_irqs != timer_irqs;
}

/* A vGIC register access (ARM64_EXIT_MMIO): the written value from, or the read value to, x<reg>. */
static void vgic_access(struct vcpu *v, struct vcpu_arch *a, const struct arm64_exit_decision *d)
{
	struct vgic_access acc = { .ipa = d->ipa, .size = d->size, .write = d->write };
	uint64_t mask = d->size >= 8 ? ~0ULL : (1ULL << (8 * d->size)) - 1;

	if (d->write) {
		acc.val = d->reg < 31 ? a->ctx.x[d->reg] & mask : 0;
	}
	vgic_hw_mmio(v, &acc, &a->vgic_bad);
	if (!d->write && d->reg < 31) {
		uint64_t val = acc.val & mask;

		/* SSE: sign-extend to the register (SF: 64-bit, else 32-bit), Arm ARM ESR_EL2 ISS. */
		if (d->sse && d->size < 8 && (val & (1ULL << (8 * d->size - 1)))) {
			val |= ~mask;
		}
		a->ctx.x[d->reg] = d->sf ? val : (uint32_t)val;
	}
}

/*
 * Undefined instructions, alignment faults, BRK and the like from EL1 are taken to the guest's
 * own vectors at VBAR_EL1, not to us (D1, "Routing of synchronous exceptions"). A guest without
 * vectors then faults at VBAR_EL1 + offset (a stage-2 fault on an unmapped IPA); the SDK's
 * vectors (guest/arm64/start.S) report with HVC #ARM64_HVC_GUEST_FAULT. Either way the stop
 * happens inside the vector table: name the guest's original exception from ESR_EL1/ELR_EL1.
 */
static void note_el1_exception(const struct vcpu_arch *a, char *reason, size_t size)
{
	uint64_t off = a->ctx.elr - a->el1[EL1_vbar_el1];
	uint64_t esr = a->el1[EL1_esr_el1];
	unsigned ec = (unsigned)FIELD_GET(ESR_EC, esr);

	if (off >= 0x800 || esr == 0) {
		return;
	}
	snprintf(reason, size, "%s at EL1 PC 0x%llx (ESR_EL1 0x%llx), stopped in its vectors",
		 ec == ESR_EC_UNKNOWN ? "undefined instruction" : "exception", (unsigned long long)a->el1[EL1_elr_el1],
		 (unsigned long long)esr);
}

static bool stop_requested(const struct vcpu *v)
{
	return __atomic_load_n(&v->stop_request, __ATOMIC_ACQUIRE) != 0;
}

/*
 * A PSCI call about vCPUs for hv/guest.c: x1..x3, as 32-bit values for the SMC32 function IDs
 * (SMCCC: the upper halves of the registers are not arguments then).
 */
static void psci_exit(const struct vcpu_arch *a, uint64_t fn, struct vcpu_exit *e)
{
	*e = (struct vcpu_exit){ .kind = VCPU_EXIT_PSCI, .call = fn };
	for (unsigned i = 0; i < 3; i++) {
		e->args[i] = (fn & SMCCC_SMC64) ? a->ctx.x[i + 1] : (uint32_t)a->ctx.x[i + 1];
	}
}

int vcpu_arch_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct vcpu_arch *a = v->arch;
	struct arm64_exit_decision d;
	unsigned irq_exits = 0;
	uint64_t slot;

	if (a == NULL) {
		return -EINVAL;
	}
	for (;;) {
		if (stop_requested(v)) {
			*e = (struct vcpu_exit){ .kind = VCPU_EXIT_KICK };
			snprintf(e->reason, sizeof(e->reason), "stop requested");
			return 0;
		}
		guest_load(v, a);
		a->last_cpu = this_cpu()->id;
		slot = arm64_vcpu_enter(&a->ctx);
		if (guest_save(v, a, slot)) {
			irq_exits = 0; /* an interrupt for the guest: it has work */
		}
		arm64_vcpu_decode((unsigned)slot, a->ctx.esr, a->ctx.far, a->ctx.hpfar, a->ctx.x[0], a->ctx.x[1], &d);
		switch (d.action) {
		case ARM64_EXIT_RESUME:
			if (d.set_x0) {
				a->ctx.x[0] = d.x0;
			}
			if (d.skip) {
				a->ctx.elr += 4;
			}
			if (!d.set_x0 && !d.skip && !stop_requested(v) && ++irq_exits > ARM64_VCPU_MAX_IRQ_EXITS) {
				*e = (struct vcpu_exit){ .kind = VCPU_EXIT_STOP };
				snprintf(e->reason, sizeof(e->reason),
					 "%u interrupts in a row with nothing to handle them", irq_exits);
				a->stops++;
				return 0;
			}
			continue;
		case ARM64_EXIT_HYPERCALL:
			*e = (struct vcpu_exit){ .kind = VCPU_EXIT_HYPERCALL, .call = d.call, .arg = d.arg };
			return 0;
		case ARM64_EXIT_MMIO:
			vgic_access(v, a, &d);
			a->ctx.elr += 4;
			continue;
		case ARM64_EXIT_SGI:
			vgic_hw_sgi(v, d.reg < 31 ? a->ctx.x[d.reg] : 0);
			a->ctx.elr += 4;
			continue;
		case ARM64_EXIT_HALT:
			a->ctx.elr += 4;
			*e = (struct vcpu_exit){ .kind = VCPU_EXIT_HALT };
			snprintf(e->reason, sizeof(e->reason), "WFI");
			return 0;
		case ARM64_EXIT_PSCI:
			psci_exit(a, d.call, e);
			return 0;
		case ARM64_EXIT_OFF:
			*e = (struct vcpu_exit){ .kind = VCPU_EXIT_OFF };
			snprintf(e->reason, sizeof(e->reason), "%s", d.reason);
			return 0;
		case ARM64_EXIT_STOP:
		default:
			*e = (struct vcpu_exit){ .kind = VCPU_EXIT_STOP };
			snprintf(e->reason, sizeof(e->reason), "%s", d.reason);
			if (d.action == ARM64_EXIT_STOP) {
				note_el1_exception(a, e->reason, sizeof(e->reason));
			}
			a->stops++;
			return 0;
		}
	}
}

const struct arm64_vcpu_ctx *arm64_vcpu_ctx(const struct vcpu *v)
{
	return &v->arch->ctx;
}

void vcpu_arch_hypercall_done(struct vcpu *v, long result)
{
	/* HVC's preferred return address is already the next instruction (D1). */
	v->arch->ctx.x[0] = (uint64_t)result;
}

void vcpu_arch_dump(const struct vcpu *v)
{
	const struct vcpu_arch *a = v->arch;
	const struct arm64_vcpu_ctx *c = &a->ctx;

	pr_err("[guest %s]   ESR_EL2=%016llx FAR_EL2=%016llx HPFAR_EL2=%016llx vCPU %u (last on CPU %u) VMID %u",
	       v->name, (unsigned long long)c->esr, (unsigned long long)c->far, (unsigned long long)c->hpfar, v->index,
	       a->last_cpu, (unsigned)v->asid);
	pr_err("[guest %s]   PC=%016llx SP_EL1=%016llx SPSR=%016llx (M=0x%llx DAIF=%llx)", v->name,
	       (unsigned long long)c->elr, (unsigned long long)a->el1[EL1_sp_el1], (unsigned long long)c->spsr,
	       (unsigned long long)FIELD_GET(SPSR_M, c->spsr), (unsigned long long)FIELD_GET(SPSR_DAIF, c->spsr));
	for (unsigned i = 0; i < 28; i += 4) {
		pr_err("[guest %s]   x%-2u=%016llx x%-2u=%016llx x%-2u=%016llx x%-2u=%016llx", v->name, i,
		       (unsigned long long)c->x[i], i + 1, (unsigned long long)c->x[i + 1], i + 2,
		       (unsigned long long)c->x[i + 2], i + 3, (unsigned long long)c->x[i + 3]);
	}
	pr_err("[guest %s]   x28=%016llx x29=%016llx x30=%016llx SP_EL0=%016llx", v->name, (unsigned long long)c->x[28],
	       (unsigned long long)c->x[29], (unsigned long long)c->x[30], (unsigned long long)c->sp_el0);
	pr_err("[guest %s]   SCTLR_EL1=%016llx VBAR_EL1=%016llx ESR_EL1=%016llx FAR_EL1=%016llx ELR_EL1=%016llx",
	       v->name, (unsigned long long)a->el1[EL1_sctlr_el1], (unsigned long long)a->el1[EL1_vbar_el1],
	       (unsigned long long)a->el1[EL1_esr_el1], (unsigned long long)a->el1[EL1_far_el1],
	       (unsigned long long)a->el1[EL1_elr_el1]);
}

void vcpu_arch_destroy(struct vcpu *v)
{
	struct vcpu_arch *a = v->arch;

	if (a == NULL) {
		return;
	}
	/*
	 * TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2: drop every stage-1+2 entry tagged
	 * with this guest's VMID on every CPU of the inner shareable domain, whichever CPUs ran
	 * its vCPUs (D8, "TLB maintenance instructions"; the DSB ISH waits until all have done
	 * it), then leave VTTBR_EL2 at VMID 0 with no table. No other vCPU may be running on
	 * this CPU now (the caller's rule), so borrowing VTTBR_EL2 is safe.
	 */
	vgic_hw_destroy(v, a->last_cpu, a->vgic_bad);
	dsb(ishst);
	write_sysreg(vttbr_el2, a->vttbr);
	isb();
	__asm__ __volatile__("tlbi vmalls12e1is" ::: "memory");
	dsb(ish);
	write_sysreg(vttbr_el2, 0);
	isb();
	page_free(a, 0);
	v->arch = NULL;
}

/* Virtual interrupts (include/hv/vcpu.h): the group's vGIC and raising are in vgic_hw.c. */
bool vcpu_arch_wake_pending(struct vcpu *v)
{
	const struct vcpu_arch *a = v->arch;

	return vgic_hw_wake_pending(v, a->el1[EL1_cntv_ctl_el0], a->el1[EL1_cntv_cval_el0]);
}
