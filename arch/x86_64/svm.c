// SPDX-License-Identifier: MIT
/*
 * The x86_64 vCPU backend: AMD SVM with nested paging (AMD APM vol. 2, rev. 3.42, ch. 15),
 * behind the vcpu_arch_* hooks of include/hv/vcpu.h.
 *
 * Assumptions and choices:
 *  - Every physical CPU may run vCPUs, one at a time: each has its own VM_HSAVE_PA page and
 *    host VMSAVE area (struct percpu_arch), set up by vcpu_arch_cpu_init() on that CPU
 *    (idempotent; EFER.SVME and VM_HSAVE_PA are per-CPU MSRs, 15.30.4). The IOPM and MSRPM
 *    (all ones) and the ASID count are shared, set up once under svm_lock. A vCPU may be
 *    created on one CPU and run on another, never on two at once (the caller's rule).
 *    V_INTR_MASKING=1: the guest's IF cannot mask physical interrupts (15.21.1); the host
 *    sets IF only across VMRUN (svm_entry.S), so a physical interrupt (a device's, or the
 *    kick IPI another CPU sends with smp_kick) ends the guest's run and is taken by the
 *    host's IDT at STGI.
 *  - Stopping: vcpu.stop_request is read before every VMRUN, so once it is set and the CPU
 *    kicked, vcpu_arch_run returns VCPU_EXIT_KICK at the latest after the INTR exit the kick
 *    causes, with the guest's state intact (it resumes where it was if run again).
 *  - Every exception vector is intercepted: any exception the guest raises stops it (the
 *    hypervisor's policy: docs/GUEST.md); a guest's IDT receives only the interrupts and the
 *    #GP that svm_irq.c injects (EVENTINJ is not subject to intercepts). Also intercepted: INTR/NMI/SMI/INIT,
 *    CPUID (emulated), HLT, INVD, INVLPGA, task switches, SHUTDOWN, every I/O port (IOPM all
 *    ones, 15.10.1) and every MSR (MSRPM all ones, 15.11), VMRUN (required, 15.5.1), VMMCALL
 *    (the hypercall), VMLOAD/VMSAVE/STGI/CLGI/SKINIT, ICEBP, WBINVD, MONITOR/MWAIT, XSETBV.
 *  - Nested paging (15.25): nCR3 is the root of the guest's GPA IOASID table in the x86-64
 *    paging format (PT_FMT_VTD_FL, U=1 everywhere as 15.25.5 requires for nested tables; the
 *    walk runs in the host's 4-level mode). The guest's own CR3 points to identity tables the
 *    hypervisor puts in guest RAM (vcpu_arch_boot_tables).
 *  - ASIDs (15.16): each guest has its own non-zero ASID, shared by its vCPUs. TLB entries
 *    are per physical CPU and tagged with the ASID only, so a VMRUN sets TLB_CONTROL=1 (flush
 *    every ASID on this CPU) whenever the vCPU did not run last on this CPU, or another vCPU
 *    ran here since: the ASID may have been used here by a destroyed guest, or by a sibling
 *    vCPU with other guest page tables. A vCPU that keeps its CPU (pinned) flushes once.
 *    Nested tables never change while a guest runs (GPA IOASIDs are immutable), so no further
 *    flushes are needed. TCG reloads CR3 on every world switch and would hide a missing flush;
 *    this follows the manual.
 *  - No NRIP save under TCG: instruction lengths are known constants (VMMCALL 3, CPUID 2).
 *  - VMCB clean bits are 0 (every field reloaded: 15.15.3), always correct.
 *  - Interrupts (arch/x86_64/svm_irq.c): a virtual x2APIC per vCPU; its MSRs, HLT with IF=1
 *    (VCPU_EXIT_HALT: the vCPU sleeps) and the interrupt window (VINTR) are handled there
 *    before the exits below. HLT with IF=0 still stops the guest: nothing could wake it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/vcpu.h>

#include "arch/x86_64/svm.h"
#include "arch/x86_64/svm_vcpu.h"
#include "arch/x86_64/x86.h"
#include "ioasid/pt.h"

/* Guest control registers at entry (docs/GUEST.md): long mode, paging, write protect. */
#define GUEST_CR0      (BIT(0) | BIT(1) | BIT(4) | BIT(5) | BIT(16) | BIT(31)) /* PE MP ET NE WP PG */
#define GUEST_CR4      BIT(5)						       /* PAE */
#define GUEST_PAT      0x0007040600070406ULL /* the reset value (WB, WT, UC-, UC twice) */
#define GUEST_SEL_CODE 0x08
#define GUEST_SEL_DATA 0x10
/* A livelock bound: this many exits in a row without a hypercall stop the guest. */
#define SVM_MAX_SILENT_EXITS 100000000ULL

/* x86-64 paging entry bits for the guest's boot tables (APM vol. 2, 5.3.3). */
#define PTE_P  BIT(0)
#define PTE_RW BIT(1)
#define PTE_A  BIT(5)
#define PTE_D  BIT(6)
#define PTE_PS BIT(7)

/* Shared by every CPU; written once under svm_lock, then read only. */
static struct {
	bool up;
	uint32_t nr_asids;
	void *iopm;  /* 12 KiB, all ones */
	void *msrpm; /* 8 KiB, all ones */
} svm;
static hv_spinlock_t svm_lock = HV_SPINLOCK_INIT;

static uint64_t pa_of(const void *p)
{
	return hpa_val(ptr_to_hpa(p));
}

/* The shared part, once: the permission maps. Caller holds svm_lock. */
static int svm_shared_init(uint32_t nr_asids)
{
	if (svm.up) {
		return 0;
	}
	svm.iopm = page_alloc(2);
	svm.msrpm = page_alloc(1);
	if (svm.iopm == NULL || svm.msrpm == NULL) {
		if (svm.iopm != NULL) {
			page_free(svm.iopm, 2);
		}
		if (svm.msrpm != NULL) {
			page_free(svm.msrpm, 1);
		}
		svm.iopm = svm.msrpm = NULL;
		return -ENOMEM;
	}
	memset(svm.iopm, 0xff, 4 * HV_PAGE_SIZE);
	memset(svm.msrpm, 0xff, 2 * HV_PAGE_SIZE);
	svm.nr_asids = nr_asids;
	__atomic_store_n(&svm.up, true, __ATOMIC_RELEASE);
	return 0;
}

int vcpu_arch_cpu_init(void)
{
	struct percpu *c = this_cpu();
	struct percpu_arch *pa = &c->arch;
	uint32_t r[4];
	int ret;

	if (pa->svm_up) {
		return 0;
	}
	x86_cpuid(X86_CPUID_EXT_FEATURES, 0, r);
	if (!(r[2] & SVM_CPUID_EXT_ECX_SVM)) {
		pr_err("svm: CPU %u has no SVM (CPUID 8000_0001 ECX bit 2); use -cpu max", c->id);
		return -ENODEV;
	}
	x86_cpuid(SVM_CPUID_FEATURES, 0, r);
	if (!(r[3] & SVM_CPUID_EDX_NP)) {
		pr_err("svm: CPU %u: no nested paging (CPUID 8000_000A EDX bit 0)", c->id);
		return -ENODEV;
	}
	/* 15.30.1: VM_CR.SVMDIS set by firmware makes EFER.SVME writes fault. */
	if (x86_rdmsr(SVM_MSR_VM_CR) & SVM_VM_CR_SVMDIS) {
		pr_err("svm: CPU %u: disabled by firmware (VM_CR.SVMDIS)", c->id);
		return -EPERM;
	}
	hv_spin_lock(&svm_lock);
	ret = svm_shared_init(r[1]);
	hv_spin_unlock(&svm_lock);
	if (ret != 0) {
		return ret;
	}
	/* This CPU's own pages; kept if a later step fails, so a retry does not leak. */
	if (pa->svm_hsave == NULL) {
		pa->svm_hsave = page_alloc(0);
	}
	if (pa->svm_host_save == NULL) {
		pa->svm_host_save = page_alloc(0);
	}
	if (pa->svm_hsave == NULL || pa->svm_host_save == NULL) {
		return -ENOMEM;
	}
	x86_wrmsr(X86_MSR_EFER, x86_rdmsr(X86_MSR_EFER) | X86_EFER_SVME);
	x86_wrmsr(SVM_MSR_VM_HSAVE_PA, pa_of(pa->svm_hsave));
	/* Guest timers need this CPU's own (arch/x86_64/lapic.c); without it they fire late. */
	ret = x86_timer_cpu_init();
	if (ret != 0) {
		pr_warn("svm: CPU %u has no usable local APIC timer (%d): guest timers only fire at exits", c->id, ret);
	}
	pa->svm_last_vcpu = NULL;
	pa->svm_up = true;
	pr_info("svm: enabled (revision %u, %u ASIDs, nested paging%s) on CPU %u", r[0] & 0xff, r[1],
		(r[3] & SVM_CPUID_EDX_NRIPS) ? ", NRIP save" : ", no NRIP save", c->id);
	return 0;
}

void vcpu_arch_nested_format(unsigned *fmt, unsigned *ia_bits)
{
	*fmt = PT_FMT_VTD_FL; /* x86-64 4-level paging with U=1: an NPT (15.25.5) */
	/*
	 * The format's width (47 bits, pt.h): an NPT could take 48-bit GPAs, but this table is
	 * also the GPA table of scalable first-level VT-d devices, whose inputs must be canonical.
	 */
	*ia_bits = pt_fmt_ia_bits(PT_FMT_VTD_FL, 4);
}

long vcpu_arch_boot_tables(gpa_t at, void *buf, size_t max)
{
	uint64_t *pml4 = buf, *pdpt = (uint64_t *)buf + 512;

	if (max < 2 * HV_PAGE_SIZE || (gpa_val(at) & (HV_PAGE_SIZE - 1)) != 0) {
		return -EINVAL;
	}
	memset(buf, 0, 2 * HV_PAGE_SIZE);
	/* PML4[0] -> PDPT of 512 1 GiB pages: VA = GPA for [0, 512 GiB). */
	pml4[0] = (gpa_val(at) + HV_PAGE_SIZE) | PTE_P | PTE_RW | PTE_A;
	for (uint64_t i = 0; i < 512; i++) {
		pdpt[i] = (i << 30) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS;
	}
	return 2 * HV_PAGE_SIZE;
}

static void seg_set(struct svm_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit)
{
	*s = (struct svm_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = 0 };
}

/* The VMCB and registers of a vCPU at its entry (docs/GUEST.md, "Initial state"). */
static void svm_vmcb_setup(struct vcpu_arch *a, const struct vcpu *v, const struct vcpu_setup *s)
{
	struct svm_vmcb *c = a->vmcb;
	uint16_t data = SVM_SEG_ATTR_TYPE(0x3) | SVM_SEG_ATTR_S | SVM_SEG_ATTR_P | SVM_SEG_ATTR_DB | SVM_SEG_ATTR_G;

	memset(c, 0, sizeof(*c));
	memset(&a->gprs, 0, sizeof(a->gprs));
	c->intercept_exc = 0xffffffffU;
	c->intercept3 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA |
			SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR | SVM_INTERCEPT_TASK_SWITCH | SVM_INTERCEPT_SHUTDOWN;
	c->intercept4 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_ICEBP |
			SVM_INTERCEPT_WBINVD | SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_XSETBV;
	c->iopm_base_pa = pa_of(svm.iopm);
	c->msrpm_base_pa = pa_of(svm.msrpm);
	c->asid = v->asid;
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = hpa_val(s->nested_root);
	c->clean = 0;

	/* 64-bit code (type 0xb, L=1) and flat data (type 3) segments, CPL 0. */
	seg_set(&c->cs, GUEST_SEL_CODE,
		SVM_SEG_ATTR_TYPE(0xb) | SVM_SEG_ATTR_S | SVM_SEG_ATTR_P | SVM_SEG_ATTR_L | SVM_SEG_ATTR_G,
		0xffffffffU);
	seg_set(&c->ds, GUEST_SEL_DATA, data, 0xffffffffU);
	seg_set(&c->es, GUEST_SEL_DATA, data, 0xffffffffU);
	seg_set(&c->ss, GUEST_SEL_DATA, data, 0xffffffffU);
	seg_set(&c->fs, GUEST_SEL_DATA, data, 0xffffffffU);
	seg_set(&c->gs, GUEST_SEL_DATA, data, 0xffffffffU);
	seg_set(&c->tr, 0, SVM_SEG_ATTR_TYPE(0xb) | SVM_SEG_ATTR_P, 0x67); /* busy 64-bit TSS */
	seg_set(&c->ldtr, 0, SVM_SEG_ATTR_TYPE(0x2) | SVM_SEG_ATTR_P, 0);
	seg_set(&c->gdtr, 0, 0, 0);
	seg_set(&c->idtr, 0, 0, 0);
	c->cpl = 0;
	/* 15.5.1: EFER.SVME must be set in the guest's EFER too, or VMRUN fails. */
	c->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_SVME | X86_EFER_NXE;
	c->cr0 = GUEST_CR0;
	c->cr3 = gpa_val(s->page_tables);
	c->cr4 = GUEST_CR4;
	c->dr6 = 0xffff0ff0ULL;
	c->dr7 = 0x400ULL;
	c->rflags = 0x2; /* IF=0 */
	c->rip = gpa_val(s->entry);
	c->rsp = gpa_val(s->stack_top);
	c->rax = 0;
	c->g_pat = GUEST_PAT;
	a->gprs.rdi = s->arg0;
	a->gprs.rsi = s->arg1;
	a->ran = false;
	a->last_cpu = -1; /* the first run flushes, wherever it is */
	a->last_exit = 0;
}

int vcpu_arch_create(struct vcpu *v, const struct vcpu_setup *s)
{
	struct vcpu_arch *a;

	if (!__atomic_load_n(&svm.up, __ATOMIC_ACQUIRE)) {
		return -ENODEV;
	}
	/* 15.5.1: ASID 0 is the host's and makes VMRUN fail. */
	if (v->asid == 0 || v->asid >= svm.nr_asids) {
		return -ENOSPC;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		return -ENOMEM;
	}
	a->vmcb = page_alloc(0);
	if (a->vmcb == NULL) {
		free(a);
		return -ENOMEM;
	}
	svm_vmcb_setup(a, v, s);
	v->arch = a;
	svm_irq_reset(v);
	return 0;
}

/* x86 instructions have no alignment. */
bool vcpu_arch_entry_ok(gpa_t entry)
{
	(void)entry;
	return true;
}

int vcpu_arch_reset(struct vcpu *v, const struct vcpu_setup *s)
{
	if (v->arch == NULL) {
		return -EINVAL;
	}
	if (v->asid == 0 || v->asid >= svm.nr_asids) {
		return -ENOSPC;
	}
	svm_vmcb_setup(v->arch, v, s);
	svm_irq_reset(v); /* a (re)started vCPU's APIC is at its reset state (SDM 10.4.7.1) */
	return 0;
}

/*
 * CPUID as the host reports it, minus SVM, plus the hypervisor-present bit (ECX[31] of 1), and
 * with the vCPU's number as its APIC ID: the initial APIC ID of leaf 1 (EBX[31:24]) and the
 * x2APIC ID of leaf 0xB (EDX), so a guest with several vCPUs tells them apart (docs/GUEST.md).
 */
static void svm_emulate_cpuid(const struct vcpu *v, struct vcpu_arch *a)
{
	uint32_t leaf = (uint32_t)a->vmcb->rax, sub = (uint32_t)a->gprs.rcx, r[4];

	x86_cpuid(leaf, sub, r);
	svm_irq_cpuid(leaf, r);
	if (leaf == 1) {
		r[2] |= BIT(31);
		r[1] = (r[1] & 0x00ffffffU) | ((v->index & 0xffU) << 24);
	} else if (leaf == 0xb) {
		r[3] = v->index;
	} else if (leaf == X86_CPUID_EXT_FEATURES) {
		r[2] &= ~(uint32_t)SVM_CPUID_EXT_ECX_SVM;
	} else if (leaf == SVM_CPUID_FEATURES) {
		r[0] = r[1] = r[2] = r[3] = 0;
	}
	a->vmcb->rax = r[0];
	a->gprs.rbx = r[1];
	a->gprs.rcx = r[2];
	a->gprs.rdx = r[3];
	a->vmcb->rip += SVM_CPUID_LEN;
}

static const char *const exc_names[32] = {
	"#DE",	 "#DB",	  "NMI",   "#BP",   "#OF",   "#BR",   "#UD", "#NM", "#DF", "vec9",  "#TS",
	"#NP",	 "#SS",	  "#GP",   "#PF",   "vec15", "#MF",   "#AC", "#MC", "#XM", "#VE",   "#CP",
	"vec22", "vec23", "vec24", "vec25", "vec26", "vec27", "#HV", "#VC", "#SX", "vec31",
};

static void svm_stop(struct vcpu_exit *e, const char *fmt, ...) __printf(2, 3);
static void svm_stop(struct vcpu_exit *e, const char *fmt, ...)
{
	va_list ap;

	e->kind = VCPU_EXIT_STOP;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
}

int vcpu_arch_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct vcpu_arch *a = v->arch;
	struct percpu *cpu = this_cpu();
	struct svm_vmcb *c;

	if (a == NULL) {
		return -EINVAL;
	}
	if (!cpu->arch.svm_up) {
		return -ENODEV; /* vcpu_arch_cpu_init() was not run on this CPU */
	}
	c = a->vmcb;
	memset(e, 0, sizeof(*e));
	for (uint64_t n = 0; n < SVM_MAX_SILENT_EXITS; n++) {
		if (__atomic_load_n(&v->stop_request, __ATOMIC_ACQUIRE) != 0) {
			e->kind = VCPU_EXIT_KICK;
			return 0;
		}
		/*
		 * 15.16.1: a flush when the TLB may hold this ASID's entries from someone else. A new or
		 * reset vCPU has last_cpu -1, so a vcpu_arch that reuses a freed one's address still
		 * flushes.
		 */
		if (a->last_cpu != (int)cpu->id || cpu->arch.svm_last_vcpu != a) {
			c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
		}
		a->last_cpu = (int)cpu->id;
		cpu->arch.svm_last_vcpu = a;
		svm_irq_before_run(v);
		svm_vmrun(pa_of(c), &a->gprs, pa_of(cpu->arch.svm_host_save));
		a->ran = true;
		c->tlb_control = SVM_TLB_CONTROL_NOTHING;
		a->last_exit = c->exit_code;
		svm_irq_after_exit(v);
		switch (svm_irq_exit(v, e)) {
		case SVM_EXIT_RESUME:
			continue;
		case SVM_EXIT_RETURN:
			return 0;
		case SVM_EXIT_NOT_OURS:
			break;
		}
		switch (c->exit_code) {
		case SVM_EXIT_VMMCALL:
			e->kind = VCPU_EXIT_HYPERCALL;
			e->call = c->rax;
			e->arg = a->gprs.rdi;
			return 0;
		case SVM_EXIT_CPUID:
			svm_emulate_cpuid(v, a);
			continue;
		case SVM_EXIT_INTR:
		case SVM_EXIT_NMI:
		case SVM_EXIT_SMI:
			/*
			 * Physical events, taken by the host at STGI in svm_vmrun: interrupts and NMIs
			 * are counted and acknowledged (cpu.c, irq.c), SMIs are firmware's. A kick is
			 * one of these: the stop_request check at the loop's top sees why.
			 */
			continue;
		case SVM_EXIT_NPF:
			/* EXITINFO1: #PF error code (bit 0 present, 1 write, 4 fetch); EXITINFO2: GPA */
			svm_stop(e, "nested page fault: %s GPA 0x%llx (error code 0x%llx), not the guest's memory",
				 (c->exit_info1 & BIT(4))   ? "fetch at"
				 : (c->exit_info1 & BIT(1)) ? "write to"
							    : "read of",
				 (unsigned long long)c->exit_info2, (unsigned long long)c->exit_info1);
			return 0;
		case SVM_EXIT_SHUTDOWN:
			svm_stop(e, "shutdown (triple fault)");
			return 0;
		case SVM_EXIT_HLT: /* with RFLAGS.IF=1 it is svm_irq.c's */
			svm_stop(e, "HLT with interrupts disabled: nothing can wake it");
			return 0;
		case SVM_EXIT_IOIO:
			svm_stop(e, "I/O port 0x%04llx %s: no ports are assigned",
				 (unsigned long long)(c->exit_info1 >> 16), (c->exit_info1 & 1) ? "read" : "write");
			return 0;
		case SVM_EXIT_MSR:
			svm_stop(e, "MSR 0x%08llx %s: not an APIC MSR, and no others are assigned",
				 (unsigned long long)(uint32_t)a->gprs.rcx, c->exit_info1 ? "write" : "read");
			return 0;
		case SVM_EXIT_INVALID:
			svm_stop(e, "VMRUN refused the guest state (VMEXIT_INVALID)");
			return 0;
		default:
			if (c->exit_code >= SVM_EXIT_EXCP_BASE && c->exit_code < SVM_EXIT_EXCP_BASE + 32) {
				unsigned vec = (unsigned)(c->exit_code - SVM_EXIT_EXCP_BASE);

				svm_stop(e, "exception %s (vector %u) error code 0x%llx", exc_names[vec], vec,
					 (unsigned long long)c->exit_info1);
				return 0;
			}
			svm_stop(e, "unexpected #VMEXIT 0x%llx (info1 0x%llx info2 0x%llx)",
				 (unsigned long long)c->exit_code, (unsigned long long)c->exit_info1,
				 (unsigned long long)c->exit_info2);
			return 0;
		}
	}
	svm_stop(e, "%llu exits without progress", (unsigned long long)SVM_MAX_SILENT_EXITS);
	return 0;
}

void vcpu_arch_hypercall_done(struct vcpu *v, long result)
{
	v->arch->vmcb->rax = (uint64_t)result;
	v->arch->vmcb->rip += SVM_VMMCALL_LEN;
}

void vcpu_arch_dump(const struct vcpu *v)
{
	const struct vcpu_arch *a = v->arch;
	const struct svm_vmcb *c = a->vmcb;
	const struct svm_gprs *g = &a->gprs;

	pr_err("[guest %s]   exit 0x%llx info1 0x%llx info2 0x%llx", v->name, (unsigned long long)c->exit_code,
	       (unsigned long long)c->exit_info1, (unsigned long long)c->exit_info2);
	pr_err("[guest %s]   RIP=%016llx RSP=%016llx RFLAGS=%016llx CPL=%u", v->name, (unsigned long long)c->rip,
	       (unsigned long long)c->rsp, (unsigned long long)c->rflags, c->cpl);
	pr_err("[guest %s]   RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx", v->name, (unsigned long long)c->rax,
	       (unsigned long long)g->rbx, (unsigned long long)g->rcx, (unsigned long long)g->rdx);
	pr_err("[guest %s]   RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx", v->name, (unsigned long long)g->rsi,
	       (unsigned long long)g->rdi, (unsigned long long)g->rbp, (unsigned long long)g->r8);
	pr_err("[guest %s]   R9 =%016llx R10=%016llx R11=%016llx R12=%016llx", v->name, (unsigned long long)g->r9,
	       (unsigned long long)g->r10, (unsigned long long)g->r11, (unsigned long long)g->r12);
	pr_err("[guest %s]   R13=%016llx R14=%016llx R15=%016llx", v->name, (unsigned long long)g->r13,
	       (unsigned long long)g->r14, (unsigned long long)g->r15);
	pr_err("[guest %s]   CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx EFER=%016llx", v->name,
	       (unsigned long long)c->cr0, (unsigned long long)c->cr2, (unsigned long long)c->cr3,
	       (unsigned long long)c->cr4, (unsigned long long)c->efer);
}

void vcpu_arch_destroy(struct vcpu *v)
{
	if (v->arch != NULL) {
		page_free(v->arch->vmcb, 0);
		free(v->arch);
		v->arch = NULL;
	}
}
