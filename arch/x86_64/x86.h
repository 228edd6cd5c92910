/* SPDX-License-Identifier: MIT */
/*
 * x86_64 CPU access helpers and architectural constants used by arch/x86_64 only
 * (Intel SDM vol. 3; AMD APM vol. 2).
 */
#ifndef ARCH_X86_64_X86_H
#define ARCH_X86_64_X86_H

#include <hv/bits.h>
#include <hv/bootinfo.h>
#include <hv/types.h>

#define X86_CR0_PG BIT(31)
#define X86_CR0_WP BIT(16)

#define X86_MSR_EFER 0xc0000080
# define X86_EFER_LME BIT(8)
# define X86_EFER_LMA BIT(10)
# define X86_EFER_NXE BIT(11)
#define X86_MSR_PAT 0x277

#define X86_CPUID_EXT_FEATURES 0x80000001
# define X86_CPUID_EXT_EDX_NX BIT(20)
# define X86_CPUID_EXT_EDX_PAGE1GB BIT(26)

#define X86_SEL_CODE64 0x08
#define X86_SEL_DATA 0x10
#define X86_SEL_TSS 0x18

static inline uint64_t x86_read_cr0(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void x86_write_cr0(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(v) : "memory");
}

static inline uint64_t x86_read_cr2(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t x86_read_cr3(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void x86_write_cr3(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline uint64_t x86_read_cr4(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void x86_write_cr4(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline uint64_t x86_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void x86_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void x86_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

static inline uint64_t x86_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint8_t x86_inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void x86_outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void x86_outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}

struct x86_desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline void x86_sidt(struct x86_desc_ptr *p)
{
	__asm__ __volatile__("sidt %0" : "=m"(*p));
}

static inline void x86_sgdt(struct x86_desc_ptr *p)
{
	__asm__ __volatile__("sgdt %0" : "=m"(*p));
}

/* Register frame built by arch/x86_64/entry.S (lowest address first). */
struct x86_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU (SDM vol. 3, 6.14.2, 64-bit mode stack frame) */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* arch/x86_64 internal interfaces */
struct percpu;
void x86_idt_init(void);
void x86_cpu_tables_load(struct percpu *c);
uintptr_t x86_boot_ist_top(void);
uint64_t x86_cpu_tables_idt_base(void);
uint64_t x86_cpu_tables_gdt_base(void);
int x86_paging_init(const struct bootinfo *bi);
void x86_paging_cpu_init(void); /* a secondary CPU: PAT as the boot CPU programmed it */
uint64_t x86_paging_root(void);
bool x86_paging_have_nx(void); /* EFER.NXE set: data and MMIO are mapped no-execute */
/* The leaf entry mapping addr in our tables and its level (1 = 4K, 2 = 2M, 3 = 1G). */
int x86_paging_lookup(uint64_t addr, uint64_t *pte, unsigned *level);
#define X86_PTE_RW BIT(1)
#define X86_PTE_PWT BIT(3)
#define X86_PTE_PCD BIT(4)
#define X86_PTE_NX BIT(63)
uint64_t x86_tsc_calibrate(void);
void x86_exception(struct x86_frame *f);
/* arch/x86_64/irq.c: an external interrupt: its handler (arch_irq_request_msi) or counted as stray; then EOI. */
void x86_irq_dispatch(unsigned vector);
/* A vector of ours with a fixed handler, outside arch_irq_request_msi's range (the kick). */
void x86_irq_set_handler(unsigned vector, void (*fn)(void *), void *arg);
/*
 * Routed-MSI vectors (X86_ROUTE_VEC_FIRST.., per CPU, arch/x86_64/include/arch/percpu.h):
 * x86_route_vec_alloc takes a free one of `cpu` with handler fn(arg): the vector, -ENOSPC when
 * all are taken, -EINVAL for a CPU that is not online. x86_route_vec_free releases it once no
 * handler runs there any more (bounded wait); a message the CPU takes later finds no handler
 * and is counted as stray and EOI'd (irq.c says why a later owner of the number is unlikely
 * to see it).
 */
int x86_route_vec_alloc(unsigned cpu, void (*fn)(void *), void *arg);
void x86_route_vec_free(unsigned cpu, unsigned vector);
uint64_t x86_route_vec_count(unsigned cpu, unsigned vector);
/* The kick IPI's vector (arch/x86_64/smp.c): below arch_irq_request_msi's 0xe0-0xfe. */
#define X86_VEC_KICK 0xdf
/* The hypervisor's own timer (arch/x86_64/lapic.c), just below the kick. */
#define X86_VEC_TIMER 0xde

/*
 * arch/x86_64/lapic.c: this CPU's one-shot timer. x86_timer_cpu_init() on each CPU before
 * use (the first call measures its rate); x86_timer_arm(tsc): an X86_VEC_TIMER interrupt at
 * or before TSC value tsc (never later; earlier when tsc is more than 2^31 ticks away).
 */
int x86_timer_cpu_init(void);
void x86_timer_arm(uint64_t tsc);
uint64_t x86_timer_hz(void);

/*
 * arch/x86_64/lapic.c: the local APIC of the calling CPU, in the mode the boot CPU chose
 * (xAPIC, or x2APIC with the x86.x2apic switch or when firmware left it so).
 */
/* boot CPU: mode, LVT masks (from arch_irq_mask_legacy); madt_base 0 if no MADT */
void x86_lapic_boot_init(bool want_x2apic, uint64_t madt_base);
int x86_lapic_cpu_init(void);		    /* secondary CPU: same mode, software enable, LVTs masked */
bool x86_lapic_up(void);
bool x86_lapic_x2apic(void);
uint32_t x86_lapic_boot_id(void); /* the boot CPU's (x2)APIC ID: hypervisor MSIs go there */
uint32_t x86_lapic_id(void);	  /* the calling CPU's (x2)APIC ID from its APIC */
void x86_lapic_eoi(void);
/*
 * Send one IPI: ICR low dword (vector, delivery mode, level, trigger; SDM 10.6.1) to the
 * physical destination dest ((x2)APIC ID). xAPIC waits, bounded, for the ICR to be idle before
 * and after; x2APIC has no delivery status (SDM 10.12.9). 0, -ETIMEDOUT, -ERANGE (an ID xAPIC
 * cannot address), -ENODEV (no usable local APIC).
 */
int x86_lapic_send_ipi(uint64_t dest, uint32_t icr_low);
#define X86_ICR_FIXED	(0U << 8)
#define X86_ICR_INIT	(5U << 8)
#define X86_ICR_STARTUP (6U << 8)
#define X86_ICR_BUSY	BIT(12) /* delivery status, xAPIC only */
#define X86_ICR_ASSERT	BIT(14)
#define X86_ICR_LEVEL	BIT(15)

/* arch/x86_64/smp.c and trampoline.S: secondary CPU start-up. */
void x86_smp_init(void);
void x86_smp_trampoline_setup(hpa_t tramp, uint64_t cr3);
uint64_t x86_cpu_hw_id(void);
extern char x86_trampoline_start[], x86_trampoline_end[];

extern volatile uint64_t x86_breakpoints_taken;
extern bool x86_want_x2apic; /* the x86.x2apic switch (arch_init) */
extern hpa_t x86_image_base;
extern uint64_t x86_image_size;
/* CR3 and IDTR base as the firmware left them (arch_init), for the log and arch_selftest.c. */
extern uint64_t x86_firmware_cr3, x86_firmware_idt;
extern char x86_vectors[]; /* 256 stubs, X86_VECTOR_STUB_SIZE bytes apart */
#define X86_VECTOR_STUB_SIZE 16

#endif /* ARCH_X86_64_X86_H */
