// SPDX-License-Identifier: MIT
/*
 * x86_64 interrupts in a guest (guest/irq.h; docs/GUEST.md "Interrupts"), over what the
 * hypervisor virtualises: an IDT of the guest's own and the virtual local APIC in x2APIC mode
 * (Intel SDM vol. 3 ch. 10; MSRs 0x800 + register offset / 16).
 *
 *  - guest_irq_init (each vCPU): a GDT of our own (the hypervisor enters us with a null GDTR,
 *    and interrupt delivery and IRETQ load CS = 0x08 / SS = 0x10 from it, SDM 6.14), the
 *    shared 256-entry IDT of interrupt gates (irq_entry.S stubs), x2APIC on (IA32_APIC_BASE
 *    bits 11 and 10, SDM 10.12.1), the APIC software-enabled with spurious vector 0xff, TPR 0,
 *    the LVT timer masked with vector GUEST_IRQ_TIMER.
 *  - A handler runs with IF=0 (interrupt gate); the SDK writes EOI (x2APIC MSR 0x80b) after
 *    it, except for the spurious vector (SDM 10.9). Exceptions (vectors 0-31, e.g. a #GP the
 *    hypervisor injects for a bad APIC MSR access) are reported and end the guest.
 *  - The timer counts the TSC: its rate comes from the hypervisor's CPUID leaf 0x40000010
 *    (EAX TSC kHz, EBX APIC timer kHz; leaf 0x40000000 names the hypervisor and its last
 *    leaf). One-shot uses TSC-deadline mode (IA32_TSC_DEADLINE 0x6e0, SDM 10.5.4.1); periodic
 *    uses the periodic LVT mode with initial count = ticks / divider.
 *  - IPIs: the x2APIC ICR (0x830), fixed delivery, physical destination = the vCPU number
 *    (the hypervisor gives each vCPU its number as x2APIC ID).
 */
#include <stddef.h>

#include "guest/guest.h"
#include "guest/irq.h"

#define MSR_APIC_BASE	     0x1bU
#define APIC_BASE_EXTD	     (1ULL << 10)
#define APIC_BASE_EN	     (1ULL << 11)
#define MSR_TSC_DEADLINE     0x6e0U
#define X2APIC_TPR	     0x808U
#define X2APIC_EOI	     0x80bU
#define X2APIC_SVR	     0x80fU
#define X2APIC_ICR	     0x830U
#define X2APIC_LVT_TIMER     0x832U
#define X2APIC_TIMER_INITIAL 0x838U
#define X2APIC_TIMER_DIVIDE  0x83eU
#define APIC_SVR_ENABLE	     (1U << 8)
#define APIC_SPURIOUS	     0xffU
#define LVT_MASKED	     (1U << 16)
#define LVT_PERIODIC	     (1U << 17)
#define LVT_TSC_DEADLINE     (2U << 17)
#define CPUID_HV_BASE	     0x40000000U
#define CPUID_HV_TIMING	     0x40000010U
#define GDT_CODE64	     0x00af9a000000ffffULL /* present, DPL 0, code, L=1 */
#define GDT_DATA	     0x00cf92000000ffffULL /* present, DPL 0, data, writable */
#define IDT_GATE_INTR	     0x8e00U		   /* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE	     0x08U

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint16_t attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM fig. 6-8");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t guest_irq_stubs[256]; /* irq_entry.S */
void guest_irq_entry(uint64_t vector, const uint64_t *frame);

static const uint64_t gdt[3] __attribute__((aligned(16))) = { 0, GDT_CODE64, GDT_DATA };
static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct {
	guest_irq_fn fn;
	void *arg;
} handlers[256];
static volatile uint64_t taken[GUEST_SDK_MAX_VCPUS];
static uint64_t timer_hz;

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static uint64_t rflags(void)
{
	uint64_t f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}

void guest_irq_entry(uint64_t vector, const uint64_t *frame)
{
	unsigned me = guest_vcpu_id();
	guest_irq_fn fn;

	if (vector < 32) {
		/* frame: vector, error code, RIP */
		guest_printf("irq: exception %llu (error code 0x%llx) at RIP 0x%llx on vCPU %u\n",
			     (unsigned long long)vector, (unsigned long long)frame[1], (unsigned long long)frame[2],
			     me);
		guest_exit(0xe0U | (uint32_t)vector);
	}
	if (me < GUEST_SDK_MAX_VCPUS) {
		taken[me]++;
	}
	fn = __atomic_load_n(&handlers[vector].fn, __ATOMIC_ACQUIRE);
	if (fn != NULL) {
		fn((unsigned)vector, handlers[vector].arg);
	}
	if (vector != APIC_SPURIOUS) {
		guest_wrmsr(X2APIC_EOI, 0);
	}
}

static void idt_build(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = guest_irq_stubs[v];

		idt[v] = (struct idt_gate){ .off_lo = (uint16_t)a,
					    .sel = SEL_CODE,
					    .attr = IDT_GATE_INTR,
					    .off_mid = (uint16_t)(a >> 16),
					    .off_hi = (uint32_t)(a >> 32),
					    .zero = 0 };
	}
}

int guest_irq_init(void)
{
	struct desc_ptr g = { sizeof(gdt) - 1, gpa_of(gdt) }, i = { sizeof(idt) - 1, gpa_of(idt) };
	uint64_t base;
	uint32_t r[4];

	cpuid(1, r);
	if (!(r[2] & (1U << 21))) {
		return -IOASID_ENOSYS; /* no x2APIC */
	}
	if (idt[0].attr == 0) {
		idt_build(); /* the same contents on every vCPU: a race only writes equal values */
	}
	/* Our selectors are the ones the hypervisor's entry state already uses: no reload. */
	__asm__ __volatile__("lgdt %0" ::"m"(g) : "memory");
	__asm__ __volatile__("lidt %0" ::"m"(i) : "memory");
	base = guest_rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN; /* disabled -> xAPIC -> x2APIC (SDM fig. 10-27) */
		guest_wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_EXTD)) {
		guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	}
	guest_wrmsr(X2APIC_TPR, 0);
	guest_wrmsr(X2APIC_LVT_TIMER, LVT_MASKED | GUEST_IRQ_TIMER);
	guest_wrmsr(X2APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS);
	return 0;
}

int guest_irq_set_handler(unsigned virq, guest_irq_fn fn, void *arg)
{
	if (virq < 32 || virq > 255) {
		return -IOASID_EINVAL;
	}
	__atomic_store_n(&handlers[virq].fn, NULL, __ATOMIC_RELEASE);
	handlers[virq].arg = arg;
	__atomic_store_n(&handlers[virq].fn, fn, __ATOMIC_RELEASE);
	return 0;
}

int guest_irq_enable(unsigned virq, unsigned vcpu)
{
	(void)vcpu; /* vectors need no enabling; the route names the vCPU */
	return virq >= 32 && virq <= 255 ? 0 : -IOASID_EINVAL;
}

void guest_irq_on(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

void guest_irq_off(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

void guest_wait_irq(void)
{
	bool was_on = (rflags() & (1U << 9)) != 0;

	/* STI's shadow covers HLT: an interrupt pending since before cannot slip in between (SDM STI). */
	__asm__ __volatile__("sti; hlt" ::: "memory");
	if (!was_on) {
		__asm__ __volatile__("cli" ::: "memory");
	}
}

uint64_t guest_irq_count(void)
{
	unsigned me = guest_vcpu_id();

	return me < GUEST_SDK_MAX_VCPUS ? taken[me] : 0;
}

uint64_t guest_timer_hz(void)
{
	uint32_t r[4];

	if (timer_hz != 0) {
		return timer_hz;
	}
	cpuid(CPUID_HV_BASE, r);
	/* "ioasid-hv\0\0\0" */
	if (r[0] < CPUID_HV_TIMING || r[1] != 0x73616f69U || r[2] != 0x682d6469U || r[3] != 0x76U) {
		return 0;
	}
	cpuid(CPUID_HV_TIMING, r);
	timer_hz = (uint64_t)r[1] * 1000;
	return timer_hz;
}

uint64_t guest_timer_now(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void guest_timer_oneshot(uint64_t ticks)
{
	/* Mode change first: it disarms, then the deadline arms (SDM 10.5.4.1). */
	guest_wrmsr(X2APIC_LVT_TIMER, LVT_TSC_DEADLINE | GUEST_IRQ_TIMER);
	guest_wrmsr(MSR_TSC_DEADLINE, guest_timer_now() + (ticks ? ticks : 1));
}

void guest_timer_periodic(uint64_t ticks)
{
	unsigned shift = 0;

	/* Divide by 1, 2, 4 .. 128 (DCR encodings 0xb, 0x0 .. 0xa) until the count fits 32 bits. */
	while ((ticks >> shift) > 0xffffffffULL && shift < 7) {
		shift++;
	}
	guest_wrmsr(X2APIC_TIMER_INITIAL, 0);
	guest_wrmsr(X2APIC_LVT_TIMER, LVT_PERIODIC | GUEST_IRQ_TIMER);
	guest_wrmsr(X2APIC_TIMER_DIVIDE, shift == 0 ? 0xbU : (((shift - 1) & 4U) << 1) | ((shift - 1) & 3U));
	guest_wrmsr(X2APIC_TIMER_INITIAL, (ticks >> shift) ? (ticks >> shift) : 1);
}

void guest_timer_stop(void)
{
	guest_wrmsr(X2APIC_LVT_TIMER, LVT_MASKED | GUEST_IRQ_TIMER);
	guest_wrmsr(X2APIC_TIMER_INITIAL, 0);
}

int guest_send_ipi(unsigned vcpu, unsigned virq)
{
	if (virq < 32 || virq > 255 || vcpu >= GUEST_SDK_MAX_VCPUS) {
		return -IOASID_EINVAL;
	}
	guest_wrmsr(X2APIC_ICR, ((uint64_t)vcpu << 32) | virq); /* fixed, physical, edge */
	return 0;
}
