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
void x86_cpu_tables_init(void);
uint64_t x86_cpu_tables_idt_base(void);
uint64_t x86_cpu_tables_gdt_base(void);
int x86_paging_init(const struct bootinfo *bi);
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

extern volatile uint64_t x86_breakpoints_taken;
extern hpa_t x86_image_base;
extern uint64_t x86_image_size;
/* CR3 and IDTR base as the firmware left them (arch_init), for the log and arch_selftest.c. */
extern uint64_t x86_firmware_cr3, x86_firmware_idt;
extern char x86_vectors[]; /* 256 stubs, X86_VECTOR_STUB_SIZE bytes apart */
#define X86_VECTOR_STUB_SIZE 16

#endif /* ARCH_X86_64_X86_H */
