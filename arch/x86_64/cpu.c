// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own GDT, TSS and IDT, and the exception handler with its register dump.
 *
 * Per CPU (struct percpu_arch, arch/x86_64/include/arch/percpu.h): the GDT and the TSS, each
 * TSS with its own IST1 stack, so two CPUs taking an NMI at once never share a stack. The IDT
 * is one table, written once by the boot CPU and loaded by every CPU (x86_cpu_tables_load).
 *
 * GDT (SDM vol. 3, 3.4.5): null, 64-bit code (0x08), data (0x10), and the 16-byte TSS
 * descriptor (0x18, SDM 8.2.3). The TSS exists only for its IST1 stack (SDM 6.14.5): #DF, NMI
 * and #MC switch to it, so a stack overflow (a #PF that cannot push its frame) still reaches a
 * readable dump instead of a triple fault.
 *
 * IDT (SDM 6.14.1): 256 interrupt gates (IF cleared on entry) to the stubs in entry.S.
 * Every vector is "unexpected" and ends in a dump and arch_exit(HV_EXIT_EXCEPTION), except:
 *  - #BP, which the self-tests raise on purpose to prove the IDT is live (on every CPU:
 *    selftest=smp) and returns from;
 *  - NMI (vector 2), which is counted and returned from. An NMI is not always ours to refuse:
 *    a device can send one as a compatibility-format MSI where the interrupt-remapping hardware
 *    does not block that format (QEMU 10's VT-d model passes it even with CFIS=0, docs/VTD.md),
 *    and watchdogs or the platform send them too. It runs on IST1 and touches nothing but a
 *    counter, so it is safe at any instruction; IRET re-enables NMI delivery (SDM 6.7.1);
 *  - external interrupts (vectors 32-255): the kick IPI and the hypervisor's own device
 *    vectors have handlers, anything else is counted and acknowledged (arch/x86_64/irq.c
 *    x86_irq_dispatch). Vectors 16-31 sent as interrupts are indistinguishable from
 *    exceptions here; interrupt remapping with compatibility format off is what keeps devices
 *    from sending them (docs/VTD.md).
 * The dump names the CPU it happened on; the exception depth is per CPU, so a fault on one
 * CPU is not taken for a nested one because another CPU is dumping.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <hv/arch.h>
#include <hv/exit.h>
#include <hv/image.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>

#include "x86.h"

#define X86_IST_STACK_SIZE (16 * 1024)

struct x86_idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr; /* P | DPL | type (0xe = 64-bit interrupt gate) */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct x86_idt_gate) == 16, "IDT gate is 16 bytes (SDM fig. 6-8)");

#define X86_GATE_INTR 0x8e /* present, DPL 0, 64-bit interrupt gate */

_Static_assert(sizeof(struct x86_tss) == 104, "64-bit TSS is 104 bytes (SDM fig. 8-11)");
_Static_assert(offsetof(struct x86_tss, ist) == 0x24, "IST1 at offset 0x24");
_Static_assert(sizeof(struct x86_frame) == 22 * 8, "frame layout matches entry.S");

static struct x86_idt_gate idt[256] __aligned(16);
/* The boot CPU's IST1 stack: its tables are loaded before the page allocator exists. */
static uint8_t boot_ist_stack[X86_IST_STACK_SIZE] __aligned(16);

volatile uint64_t x86_breakpoints_taken; /* all CPUs (atomic); per CPU in percpu_arch */
static volatile uint64_t x86_nmis_taken;

void x86_load_segments(void);

static const char *const exc_name[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor overrun", "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15", "#MF x87 error",
	"#AC alignment check", "#MC machine check", "#XM SIMD error", "#VE virtualization",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

/* The shared IDT: 256 gates to the entry.S stubs, NMI/#DF/#MC on IST1. Boot CPU, once. */
void x86_idt_init(void)
{
	uint64_t stubs = (uint64_t)(uintptr_t)x86_vectors;

	for (unsigned v = 0; v < 256; v++) {
		uint64_t off = stubs + v * X86_VECTOR_STUB_SIZE;
		struct x86_idt_gate *g = &idt[v];

		g->off_lo = off & 0xffff;
		g->sel = X86_SEL_CODE64;
		g->ist = (v == 2 || v == 8 || v == 18) ? 1 : 0; /* NMI, #DF, #MC on IST1 */
		g->type_attr = X86_GATE_INTR;
		g->off_mid = (off >> 16) & 0xffff;
		g->off_hi = off >> 32;
		g->reserved = 0;
	}
}

uintptr_t x86_boot_ist_top(void)
{
	return (uintptr_t)(boot_ist_stack + sizeof(boot_ist_stack));
}

/*
 * Build c's GDT and TSS (IST1 = c->arch.ist_top) and load them with the shared IDT. Runs on
 * the CPU c describes: LTR marks the TSS descriptor busy in that CPU's own GDT.
 */
void x86_cpu_tables_load(struct percpu *c)
{
	struct percpu_arch *a = &c->arch;
	struct x86_desc_ptr gp, ip;
	uint64_t tss_base = (uint64_t)(uintptr_t)&a->tss;
	uint64_t tss_limit = sizeof(a->tss) - 1;

	/* Flat descriptors: base 0, limit 4 GiB, L=1 for code (SDM 3.4.5, 5.2.1). */
	a->gdt[0] = 0;
	a->gdt[1] = 0x00af9a000000ffffULL; /* code: P, DPL0, S, type 0xa (exec/read), L, G */
	a->gdt[2] = 0x00cf92000000ffffULL; /* data: P, DPL0, S, type 0x2 (read/write), D/B, G */
	a->gdt[3] = (tss_limit & 0xffff) | ((tss_base & 0xffffff) << 16) | (0x89ULL << 40) |
		    (((tss_limit >> 16) & 0xf) << 48) | (((tss_base >> 24) & 0xff) << 56);
	a->gdt[4] = tss_base >> 32;

	memset(&a->tss, 0, sizeof(a->tss));
	a->tss.ist[0] = a->ist_top;
	a->tss.iomap_base = sizeof(a->tss); /* no I/O permission bitmap */

	gp.limit = sizeof(a->gdt) - 1;
	gp.base = (uint64_t)(uintptr_t)a->gdt;
	ip.limit = sizeof(idt) - 1;
	ip.base = (uint64_t)(uintptr_t)idt;
	__asm__ __volatile__("lgdt %0" ::"m"(gp));
	x86_load_segments();
	arch_percpu_set(c); /* loading GS (null) above may have cleared the GS base (SDM 3.4.4.1) */
	__asm__ __volatile__("ltr %w0" ::"r"((uint16_t)X86_SEL_TSS));
	__asm__ __volatile__("lidt %0" ::"m"(ip));
}

uint64_t x86_cpu_tables_idt_base(void)
{
	return (uint64_t)(uintptr_t)idt;
}

uint64_t x86_cpu_tables_gdt_base(void)
{
	return (uint64_t)(uintptr_t)this_cpu()->arch.gdt;
}

uint64_t arch_nmi_count(void)
{
	return x86_nmis_taken;
}

static void dump_stack(uint64_t rsp)
{
	/* Only read the stack if it looks like it is in the RAM we identity-map. */
	if (rsp < HV_PAGE_SIZE || (rsp & 7) != 0 || rsp >= (1ULL << 46)) {
		pr_err("  stack: RSP not readable");
		return;
	}
	for (unsigned i = 0; i < 8; i += 2) {
		const uint64_t *s = hpa_to_ptr(hpa(rsp));

		/* Stop at the page end: the next page may not be mapped. */
		if (((rsp + (i + 1) * 8) & HV_PAGE_MASK) != (rsp & HV_PAGE_MASK)) {
			break;
		}
		pr_err("  [rsp+%02x] %016llx %016llx", i * 8, (unsigned long long)s[i],
		       (unsigned long long)s[i + 1]);
	}
}

/*
 * Frame-pointer backtrace (everything is built with -fno-omit-frame-pointer): follow the RBP
 * chain only while it stays 8-aligned, increasing and within 64 KiB above RSP, so a corrupt
 * chain ends the walk instead of faulting. Return addresses inside the image are printed as
 * offsets in the image's ELF (hv_image.elf) for addr2line.
 */
static void dump_backtrace(uint64_t rip, uint64_t rbp, uint64_t rsp, uint64_t base,
			   uint64_t size)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "  backtrace (%s offsets): 0x%llx", hv_image.elf,
			 (unsigned long long)(rip - base));

	for (unsigned depth = 0; depth < 8 && n > 0 && (size_t)n < sizeof(line) - 20; depth++) {
		const uint64_t *fp = hpa_to_ptr(hpa(rbp));
		uint64_t ret;

		if ((rbp & 7) != 0 || rbp < rsp || rbp - rsp > 0x10000) {
			break;
		}
		ret = fp[1];
		if (ret < base || ret >= base + size) {
			break;
		}
		n += snprintf(line + n, sizeof(line) - (size_t)n, " 0x%llx",
			      (unsigned long long)(ret - base));
		rsp = rbp;
		rbp = fp[0];
	}
	pr_err("%s", line);
}

void x86_exception(struct x86_frame *f)
{
	uint64_t base = hpa_val(x86_image_base);
	const char *name = f->vector < 32 ? exc_name[f->vector] : "external interrupt";
	struct percpu *c;

	if (f->vector == 2) {
		/* reported by arch_nmi_count(), never fatal (see the top) */
		__atomic_fetch_add(&x86_nmis_taken, 1, __ATOMIC_RELAXED);
		return;
	}
	if (f->vector >= 32) {
		x86_irq_dispatch((unsigned)f->vector); /* a handler of ours, else counted as stray */
		return;
	}
	c = this_cpu();
	if (f->vector == 3 && c->exception_depth == 0) {
		/* the self-tests' deliberate int3 */
		__atomic_fetch_add(&x86_breakpoints_taken, 1, __ATOMIC_RELAXED);
		c->arch.breakpoints++;
		return;
	}
	if (c->exception_depth++ > 0) {
		pr_err("EXCEPTION vector %llu inside the exception handler at RIP=%016llx on CPU %u",
		       (unsigned long long)f->vector, (unsigned long long)f->rip, c->id);
		arch_exit(HV_EXIT_EXCEPTION);
	}
	pr_err("EXCEPTION %s (vector %llu) error code 0x%llx", name, (unsigned long long)f->vector,
	       (unsigned long long)f->error);
	pr_err("  on CPU %u (APIC ID 0x%llx)", c->id, (unsigned long long)c->hw_id);
	pr_err("  RIP=%016llx (%s+0x%llx) CS=%04llx RFLAGS=%016llx", (unsigned long long)f->rip, hv_image.elf,
	       (unsigned long long)(f->rip - base), (unsigned long long)f->cs, (unsigned long long)f->rflags);
	pr_err("  RSP=%016llx SS=%04llx", (unsigned long long)f->rsp, (unsigned long long)f->ss);
	pr_err("  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx",
	       (unsigned long long)x86_read_cr0(), (unsigned long long)x86_read_cr2(),
	       (unsigned long long)x86_read_cr3(), (unsigned long long)x86_read_cr4());
	pr_err("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	pr_err("  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx", (unsigned long long)f->rsi,
	       (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	pr_err("  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx", (unsigned long long)f->r9,
	       (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	pr_err("  R13=%016llx R14=%016llx R15=%016llx", (unsigned long long)f->r13,
	       (unsigned long long)f->r14, (unsigned long long)f->r15);
	dump_stack(f->rsp);
	dump_backtrace(f->rip, f->rbp, f->rsp, base, x86_image_size);
	pr_err("  symbolize: addr2line -f -e build/x86_64%s/%s 0x%llx", hv_image.build_suffix, hv_image.elf,
	       (unsigned long long)(f->rip - base));
	arch_exit(HV_EXIT_EXCEPTION);
}
