// SPDX-License-Identifier: MIT
/*
 * The local APIC of each CPU (Intel SDM vol. 3, ch. 10; docs/X86.md "CPUs").
 *
 * Mode: every CPU runs its APIC in the mode the boot CPU has after x86_lapic_boot_init():
 * xAPIC (registers in the 4 KiB MMIO page IA32_APIC_BASE names, SDM 10.4.1) or x2APIC
 * (MSRs 0x800 + offset / 16, SDM 10.12.1). Firmware decides, unless the command line says
 * `x86.x2apic`: then the boot CPU switches to x2APIC before the other CPUs start (xAPIC ->
 * x2APIC is a legal transition, SDM 10.12.5 fig. 10-27), and each secondary CPU follows in
 * x86_lapic_cpu_init(). A secondary CPU found in the other mode is brought to the boot CPU's
 * (x2APIC -> xAPIC only through "disabled", as fig. 10-27 requires).
 *
 * Destinations are physical (x)APIC IDs: 8 bits in xAPIC mode (ICR bits 63:56), 32 bits in
 * x2APIC mode (ICR bits 63:32, SDM 10.12.9). The IDs are the MADT's (ACPI 6.5, 5.2.12.2 and
 * 5.2.12.12) and CPUID's (leaf 0BH EDX, else 01H EBX[31:24]); they agree for IDs below 255,
 * the only ones xAPIC can name. The hypervisor's own MSIs (arch_irq_request_msi: the VT-d
 * fault event) go to the boot CPU's ID in either mode; an MSI address holds 8 ID bits
 * (SDM 10.11.1), so an ID above 255 is refused there.
 *
 * Each CPU, at start: APIC software-enabled in the spurious-interrupt vector register (SVR
 * bit 8, vector 0xff; SDM 10.9), so it accepts the kick IPI; local vector table entries masked
 * (SDM 10.5.1): timer, LINT0 (ExtINT from the 8259) and error on every CPU; LINT1 (usually
 * NMI) on the secondary CPUs only, where no NMI line is wired (as Linux does), and left as
 * firmware set it on the boot CPU. Thermal and performance-counter entries may not exist and
 * are left alone (an x2APIC access to a missing register faults).
 *
 * IPIs (SDM 10.6.1): xAPIC writes ICR high (destination) then low (which sends), and waits,
 * bounded, for the delivery-status bit to clear before and after; x2APIC writes the one
 * 64-bit ICR MSR and has no delivery status. WRMSR to x2APIC registers is not serializing
 * (SDM 10.12.3), so MFENCE; LFENCE before it makes our earlier stores (the work handed over)
 * visible to the CPU the IPI wakes.
 */
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/wait.h>

#include "x86.h"

#define MSR_APIC_BASE  0x1b
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN   BIT(11)
#define APIC_BASE_ADDR GENMASK(51, 12)

/* xAPIC register offsets (SDM table 10-1); x2APIC MSR = 0x800 + offset / 16 (table 10-6). */
#define APIC_ID		  0x020
#define APIC_EOI	  0x0b0
#define APIC_SVR	  0x0f0
#define APIC_SVR_ENABLE	  BIT(8)
#define APIC_SPURIOUS_VEC 0xffU /* the vector firmware and we leave in SVR: no EOI for it */
#define APIC_ICR_LO	  0x300
#define APIC_ICR_HI	  0x310
#define APIC_LVT_TIMER	  0x320
#define APIC_LVT_LINT0	  0x350
#define APIC_LVT_LINT1	  0x360
#define APIC_LVT_ERROR	  0x370
#define APIC_LVT_MASKED	  BIT(16)
#define X2APIC_MSR(off)	  (0x800U + (off) / 16)
#define X2APIC_MSR_ICR	  0x830U /* one 64-bit register in x2APIC mode */

#define CPUID_1_ECX_X2APIC BIT(21)
/* An xAPIC ICR is idle again within microseconds; 10 ms covers a loaded TCG host. */
#define APIC_ICR_TIMEOUT_US 10000

static uintptr_t lapic_mmio; /* xAPIC registers, 0 when in x2APIC mode or disabled */
static bool lapic_x2apic;
static bool lapic_up;
static uint32_t lapic_boot_id;

static uint32_t lapic_read(unsigned off)
{
	return lapic_x2apic ? (uint32_t)x86_rdmsr(X2APIC_MSR(off)) : mmio_read32(lapic_mmio + off);
}

static void lapic_write(unsigned off, uint32_t v)
{
	if (lapic_x2apic) {
		x86_wrmsr(X2APIC_MSR(off), v);
	} else {
		mmio_write32(lapic_mmio + off, v);
	}
}

static void lapic_mask(unsigned off)
{
	lapic_write(off, lapic_read(off) | (uint32_t)APIC_LVT_MASKED);
}

/* SVR: APIC software enable, spurious vector 0xff (SDM 10.9, 10.4.7.2). */
static void lapic_sw_enable(void)
{
	lapic_write(APIC_SVR, (lapic_read(APIC_SVR) & ~0xffU) | APIC_SPURIOUS_VEC | (uint32_t)APIC_SVR_ENABLE);
}

bool x86_lapic_up(void)
{
	return lapic_up;
}

bool x86_lapic_x2apic(void)
{
	return lapic_x2apic;
}

uint32_t x86_lapic_boot_id(void)
{
	return lapic_boot_id;
}

uint32_t x86_lapic_id(void)
{
	if (!lapic_up) {
		return 0;
	}
	/* x2APIC ID: all 32 bits (SDM 10.12.5.1); xAPIC ID register bits 31:24. */
	return lapic_x2apic ? (uint32_t)x86_rdmsr(X2APIC_MSR(APIC_ID)) : lapic_read(APIC_ID) >> 24;
}

void x86_lapic_eoi(void)
{
	if (lapic_up) {
		lapic_write(APIC_EOI, 0);
	}
}

void x86_lapic_boot_init(bool want_x2apic, uint64_t madt_base)
{
	uint64_t base = x86_rdmsr(MSR_APIC_BASE);
	uint32_t r[4];

	if (!(base & APIC_BASE_EN)) {
		pr_info("irq: local APIC disabled by firmware");
		return;
	}
	if (want_x2apic && !(base & APIC_BASE_EXTD)) {
		x86_cpuid(1, 0, r);
		if (r[2] & CPUID_1_ECX_X2APIC) {
			x86_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
			base = x86_rdmsr(MSR_APIC_BASE);
			pr_info("irq: local APIC switched to x2APIC mode (x86.x2apic)");
		} else {
			pr_warn("irq: x86.x2apic: the CPU has no x2APIC (CPUID.01H:ECX[21]); staying in xAPIC mode");
		}
	}
	lapic_x2apic = (base & APIC_BASE_EXTD) != 0;
	if (!lapic_x2apic && madt_base != 0 && madt_base != (base & APIC_BASE_ADDR)) {
		/* IA32_APIC_BASE is what the CPU decodes; the MADT's field is only a hint (ACPI 5.2.12). */
		pr_warn("irq: the MADT says the local APIC is at %#llx, IA32_APIC_BASE %#llx: using the latter",
			(unsigned long long)madt_base, (unsigned long long)(base & APIC_BASE_ADDR));
	}
	if (!lapic_x2apic && arch_map_mmio(hpa(base & APIC_BASE_ADDR), HV_PAGE_SIZE) == 0) {
		lapic_mmio = (uintptr_t)(base & APIC_BASE_ADDR);
	}
	lapic_up = lapic_x2apic || lapic_mmio != 0;
	if (lapic_up) {
		lapic_boot_id = x86_lapic_id();
		lapic_mask(APIC_LVT_TIMER);
		lapic_mask(APIC_LVT_LINT0);
		lapic_mask(APIC_LVT_ERROR);
		lapic_sw_enable();
	}
	pr_info("irq: local APIC in %s mode, ID 0x%x%s", lapic_x2apic ? "x2APIC" : "xAPIC", lapic_boot_id,
		lapic_up ? "" : " (registers not mapped: no EOI possible)");
}

int x86_lapic_cpu_init(void)
{
	uint64_t base = x86_rdmsr(MSR_APIC_BASE);

	if (!lapic_up) {
		return -ENODEV;
	}
	if ((base & APIC_BASE_EXTD) && !lapic_x2apic) {
		/* x2APIC -> xAPIC only through disabled (SDM 10.12.5, fig. 10-27). */
		base &= ~(APIC_BASE_EXTD | APIC_BASE_EN);
		x86_wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN; /* disabled -> xAPIC first: disabled -> x2APIC is illegal */
		x86_wrmsr(MSR_APIC_BASE, base);
	}
	if (lapic_x2apic && !(base & APIC_BASE_EXTD)) {
		base |= APIC_BASE_EXTD;
		x86_wrmsr(MSR_APIC_BASE, base);
	}
	if (!lapic_x2apic && (uintptr_t)(base & APIC_BASE_ADDR) != lapic_mmio) {
		return -EIO; /* its registers are not where the boot CPU's are (and mapped) */
	}
	lapic_mask(APIC_LVT_TIMER);
	lapic_mask(APIC_LVT_LINT0);
	lapic_mask(APIC_LVT_LINT1);
	lapic_mask(APIC_LVT_ERROR);
	lapic_sw_enable();
	return 0;
}

int x86_lapic_send_ipi(uint64_t dest, uint32_t icr_low)
{
	int ret;

	if (!lapic_up) {
		return -ENODEV;
	}
	if (lapic_x2apic) {
		if (dest > 0xffffffffULL) {
			return -ERANGE;
		}
		__asm__ __volatile__("mfence; lfence" ::: "memory");
		x86_wrmsr(X2APIC_MSR_ICR, (dest << 32) | icr_low);
		return 0;
	}
	if (dest > 0xff) {
		return -ERANGE;
	}
	ret = poll_until(!(mmio_read32(lapic_mmio + APIC_ICR_LO) & X86_ICR_BUSY), APIC_ICR_TIMEOUT_US);
	if (ret != 0) {
		return ret;
	}
	mmio_write32(lapic_mmio + APIC_ICR_HI, (uint32_t)dest << 24);
	mmio_write32(lapic_mmio + APIC_ICR_LO, icr_low);
	return poll_until(!(mmio_read32(lapic_mmio + APIC_ICR_LO) & X86_ICR_BUSY), APIC_ICR_TIMEOUT_US);
}

/*
 * The hypervisor's timer on each CPU (SDM 10.5.4): the local APIC timer in one-shot mode,
 * divide by 1, vector X86_VEC_TIMER, in either APIC mode. Its rate is measured once against
 * the TSC (arch_counter_hz, arch/x86_64/tsc.c): a 1 ms window of TSC, the count it took.
 * TSC-deadline mode would avoid the conversion, but not every CPU has it and one code path is
 * simpler; an early expiry costs one more look, never a missed event (callers re-check time).
 *
 * x86_timer_arm(tsc) asks for an interrupt at or before TSC value tsc; this CPU's percpu_arch
 * remembers what is armed so re-arming the same deadline (every guest entry) writes nothing.
 * The interrupt ends a guest's run (#VMEXIT INTR) or wakes arch_cpu_idle(); its handler only
 * counts and forgets the deadline: the vCPU loop looks at the guest's timer afterwards.
 */
#define APIC_TIMER_INITIAL  0x380
#define APIC_TIMER_CURRENT  0x390
#define APIC_TIMER_DIVIDE   0x3e0
#define APIC_TIMER_DIV1	    0xbU	 /* SDM fig. 10-10: 1011b */
#define TIMER_CALIBRATE_DIV 1000	 /* a window of 1/1000 s */
#define TIMER_MAX_DELTA	    (1ULL << 31) /* TSC ticks; later deadlines are armed early */

static hv_spinlock_t timer_lock = HV_SPINLOCK_INIT;
static uint64_t timer_hz;   /* APIC timer counts per second at divide 1 */
static uint64_t timer_mult; /* counts per TSC tick, 32.32 fixed point */

static void lapic_timer_irq(void *arg)
{
	struct percpu_arch *pa = &this_cpu()->arch;

	(void)arg;
	pa->timer_irqs++;
	pa->timer_deadline = 0;
}

static void lapic_timer_calibrate(void)
{
	uint64_t tsc_hz = arch_counter_hz(), t0, window = tsc_hz / TIMER_CALIBRATE_DIV;
	uint32_t left;

	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | X86_VEC_TIMER);
	lapic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIV1);
	lapic_write(APIC_TIMER_INITIAL, 0xffffffffU);
	t0 = x86_rdtsc();
	while (x86_rdtsc() - t0 < window) {
		__asm__ __volatile__("pause");
	}
	left = lapic_read(APIC_TIMER_CURRENT);
	lapic_write(APIC_TIMER_INITIAL, 0);
	timer_hz = (uint64_t)(0xffffffffU - left) * TIMER_CALIBRATE_DIV;
	if (timer_hz == 0 || timer_hz >= (1ULL << 32)) {
		timer_hz = tsc_hz < (1ULL << 32) ? tsc_hz : 1000000000ULL; /* implausible: a guess, early is fine */
	}
	timer_mult = (timer_hz << 32) / tsc_hz;
	pr_info("timer: local APIC timer %llu kHz (against the TSC), vector 0x%x",
		(unsigned long long)(timer_hz / 1000), X86_VEC_TIMER);
}

int x86_timer_cpu_init(void)
{
	struct percpu_arch *pa = &this_cpu()->arch;

	if (!lapic_up) {
		return -ENODEV;
	}
	if (pa->timer_up) {
		return 0;
	}
	hv_spin_lock(&timer_lock);
	if (timer_hz == 0) {
		x86_irq_set_handler(X86_VEC_TIMER, lapic_timer_irq, NULL);
		lapic_timer_calibrate();
	}
	hv_spin_unlock(&timer_lock);
	lapic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIV1);
	lapic_write(APIC_TIMER_INITIAL, 0);
	lapic_write(APIC_LVT_TIMER, X86_VEC_TIMER); /* one-shot (mode 00), unmasked */
	pa->timer_deadline = 0;
	pa->timer_up = true;
	return 0;
}

void x86_timer_arm(uint64_t tsc)
{
	struct percpu_arch *pa = &this_cpu()->arch;
	uint64_t now = x86_rdtsc(), delta, count;

	if (!pa->timer_up || tsc == 0 || tsc == pa->timer_deadline) {
		return;
	}
	delta = tsc > now ? tsc - now : 1;
	if (delta > TIMER_MAX_DELTA) {
		delta = TIMER_MAX_DELTA;
	}
	count = (delta * timer_mult) >> 32;
	if (count == 0) {
		count = 1;
	} else if (count > 0xffffffffULL) {
		count = 0xffffffffULL;
	}
	pa->timer_deadline = tsc;
	lapic_write(APIC_TIMER_INITIAL, (uint32_t)count);
}

uint64_t x86_timer_hz(void)
{
	return timer_hz;
}
