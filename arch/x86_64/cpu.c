// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own GDT, TSS and IDT, and the exception handler with its register dump.
 *
 * GDT (SDM vol. 3, 3.4.5): null, 64-bit code (0x08), data (0x10), and the 16-byte TSS
 * descriptor (0x18, SDM 8.2.3). The TSS exists only for its IST1 stack (SDM 6.14.5): #DF, NMI
 * and #MC switch to it, so a stack overflow (a #PF that cannot push its frame) still reaches a
 * readable dump instead of a triple fault.
 *
 * IDT (SDM 6.14.1): 256 interrupt gates (IF cleared on entry) to the stubs in entry.S.
 * Every vector is "unexpected" and ends in a dump and arch_exit(HV_EXIT_EXCEPTION), except:
 *  - #BP, which the boot self-test raises on purpose to prove the IDT is live and returns from;
 *  - NMI (vector 2), which is counted and returned from. An NMI is not always ours to refuse:
 *    a device can send one as a compatibility-format MSI where the interrupt-remapping hardware
 *    does not block that format (QEMU 10's VT-d model passes it even with CFIS=0, docs/VTD.md),
 *    and watchdogs or the platform send them too. It runs on IST1 and touches nothing but a
 *    counter, so it is safe at any instruction; IRET re-enables NMI delivery (SDM 6.7.1);
 *  - external interrupts (vectors 32-255): nothing is routed to the host yet, so whatever
 *    arrives is counted and acknowledged (arch/x86_64/irq.c x86_irq_dispatch). Vectors 16-31
 *    sent as interrupts are indistinguishable from exceptions here; interrupt remapping with
 *    compatibility format off is what keeps devices from sending them (docs/VTD.md).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <hv/arch.h>
#include <hv/exit.h>
#include <hv/image.h>
#include <hv/log.h>
#include <hv/mm.h>

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

struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_tss) == 104, "64-bit TSS is 104 bytes (SDM fig. 8-11)");
_Static_assert(offsetof(struct x86_tss, ist) == 0x24, "IST1 at offset 0x24");
_Static_assert(sizeof(struct x86_frame) == 22 * 8, "frame layout matches entry.S");

static struct x86_idt_gate idt[256] __aligned(16);
static uint64_t gdt[5] __aligned(16);
static struct x86_tss tss __aligned(16);
static uint8_t ist_stack[X86_IST_STACK_SIZE] __aligned(16);

volatile uint64_t x86_breakpoints_taken;
static volatile uint64_t x86_nmis_taken;
static int exception_depth;

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

void x86_cpu_tables_init(void)
{
	struct x86_desc_ptr gp, ip;
	uint64_t tss_base = (uint64_t)(uintptr_t)&tss;
	uint64_t tss_limit = sizeof(tss) - 1;
	uint64_t stubs = (uint64_t)(uintptr_t)x86_vectors;

	/* Flat descriptors: base 0, limit 4 GiB, L=1 for code (SDM 3.4.5, 5.2.1). */
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffULL; /* code: P, DPL0, S, type 0xa (exec/read), L, G */
	gdt[2] = 0x00cf92000000ffffULL; /* data: P, DPL0, S, type 0x2 (read/write), D/B, G */
	gdt[3] = (tss_limit & 0xffff) | ((tss_base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((tss_limit >> 16) & 0xf) << 48) | (((tss_base >> 24) & 0xff) << 56);
	gdt[4] = tss_base >> 32;

	memset(&tss, 0, sizeof(tss));
	tss.ist[0] = (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack));
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */

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

	gp.limit = sizeof(gdt) - 1;
	gp.base = (uint64_t)(uintptr_t)gdt;
	ip.limit = sizeof(idt) - 1;
	ip.base = (uint64_t)(uintptr_t)idt;
	__asm__ __volatile__("lgdt %0" ::"m"(gp));
	x86_load_segments();
	__asm__ __volatile__("ltr %w0" ::"r"((uint16_t)X86_SEL_TSS));
	__asm__ __volatile__("lidt %0" ::"m"(ip));
}

uint64_t x86_cpu_tables_idt_base(void)
{
	return (uint64_t)(uintptr_t)idt;
}

uint64_t x86_cpu_tables_gdt_base(void)
{
	return (uint64_t)(uintptr_t)gdt;
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

	if (f->vector == 2) {
		x86_nmis_taken++; /* reported by arch_nmi_count(), never fatal (see the top) */
		return;
	}
	if (f->vector >= 32) {
		x86_irq_dispatch((unsigned)f->vector); /* a handler of ours, else counted as stray */
		return;
	}
	if (f->vector == 3 && exception_depth == 0) {
		x86_breakpoints_taken++; /* the boot self-test's deliberate int3 */
		return;
	}
	if (exception_depth++ > 0) {
		pr_err("EXCEPTION vector %llu inside the exception handler at RIP=%016llx",
		       (unsigned long long)f->vector, (unsigned long long)f->rip);
		arch_exit(HV_EXIT_EXCEPTION);
	}
	pr_err("EXCEPTION %s (vector %llu) error code 0x%llx", name, (unsigned long long)f->vector,
	       (unsigned long long)f->error);
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
