// SPDX-License-Identifier: MIT
/*
 * Legacy interrupt sources, silenced at boot (include/hv/arch.h arch_irq_mask_legacy).
 *
 * Nothing the hypervisor runs is driven by a legacy interrupt: the host runs with IF=0 and
 * guests get no physical line. Firmware may still have left the 8259 PICs or IOAPIC entries
 * armed (a timer, a UART), and every IOAPIC entry left in compatibility format becomes a
 * stream of interrupt-remapping faults once remapping blocks that format (VT-d 5.1.4). So:
 *  - both 8259 PICs: every line masked through OCW1 (port 0x21/0xa1 = 0xff);
 *  - every IOAPIC the MADT lists (82093AA datasheet 3.2): its maximum redirection entry from
 *    the version register (bits 23:16), then each entry's low dword gets the mask bit (16).
 *    The rest of the entry is left as found: masked, it sends nothing.
 * An IOAPIC that answers all-ones (absent or not decoded) is reported and skipped.
 *
 * External interrupts that still reach the local APIC (a device's message where remapping
 * lets it through, e.g. QEMU 10's compatibility-format leniency, docs/VTD.md) are not fatal:
 * while a guest runs they cause #VMEXIT(INTR) and the host takes them at STGI (svm_entry.S);
 * the handler (x86_irq_dispatch) counts them and
 * writes EOI, so the vector does not stay in service and no later guest sees an endless
 * stream of INTR exits. The local APIC is found in IA32_APIC_BASE (SDM 10.4.4): x2APIC mode
 * (EXTD) uses the EOI MSR 0x80b, xAPIC mode the EOI register at base + 0xb0.
 *
 * Devices the hypervisor drives itself (the IOMMUs' fault events) get a vector of their own
 * and a handler (arch_irq_request_msi), run from the same entry, then EOI'd.
 */
#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>

#include "x86.h"

#define IOAPIC_REGSEL	  0x00
#define IOAPIC_WIN	  0x10
#define IOAPIC_REG_VER	  0x01
#define IOAPIC_VER_MAXRED GENMASK(23, 16)
#define IOAPIC_REDTBL(n)  (0x10 + 2 * (n))
#define IOAPIC_RTE_MASKED BIT(16)
#define IOAPIC_MMIO_SIZE  0x1000

#define MSR_APIC_BASE	  0x1b
#define APIC_BASE_EXTD	  BIT(10)
#define APIC_BASE_EN	  BIT(11)
#define APIC_BASE_ADDR	  GENMASK(51, 12)
#define XAPIC_EOI	  0xb0
#define X2APIC_MSR_EOI	  0x80b
#define APIC_SPURIOUS_VEC 0xff /* the vector firmware and we leave in SVR: no EOI for it */

static uintptr_t lapic_mmio; /* xAPIC registers, 0 when in x2APIC mode or disabled */
static bool lapic_x2apic;
static bool lapic_up;
static uint32_t lapic_id; /* the boot CPU's: every hypervisor MSI is aimed at it for now */

/*
 * Vectors for devices the hypervisor drives itself (arch_irq_request_msi): 0xe0-0xfe, above
 * anything firmware or a stray compatibility-format message is likely to use, below the
 * spurious vector. One handler each; the table is written before the device can send.
 */
#define HV_VEC_FIRST 0xe0U
#define HV_VEC_LAST  0xfeU
static struct {
	void (*fn)(void *arg);
	void *arg;
	uint64_t count;
} irq_handlers[256];
static volatile uint64_t x86_irqs_taken;
static volatile unsigned x86_irq_last_vector;

/*
 * Local vector table entries masked at boot (SDM 10.5.1): timer, LINT0 (ExtINT from the 8259)
 * and error, the ones every local APIC has (thermal and performance-counter entries may not
 * exist, and an x2APIC access to a missing register faults). LINT1 (usually NMI) is left as
 * firmware set it: NMIs are counted, not fatal. xAPIC offsets; x2APIC MSR = 0x800 + offset/16.
 */
static const uint16_t lapic_lvt_masked[] = { 0x320, 0x350, 0x370 };
#define APIC_LVT_MASKED BIT(16)

static void lapic_init(void)
{
	uint64_t base = x86_rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_EN)) {
		pr_info("irq: local APIC disabled by firmware");
		return;
	}
	lapic_x2apic = (base & APIC_BASE_EXTD) != 0;
	if (!lapic_x2apic && arch_map_mmio(hpa(base & APIC_BASE_ADDR), HV_PAGE_SIZE) == 0) {
		lapic_mmio = (uintptr_t)(base & APIC_BASE_ADDR);
	}
	lapic_up = lapic_x2apic || lapic_mmio != 0;
	if (lapic_x2apic) {
		lapic_id = (uint32_t)x86_rdmsr(0x802); /* x2APIC ID register: all 32 bits (SDM 10.12.5.1) */
	} else if (lapic_mmio != 0) {
		lapic_id = mmio_read32(lapic_mmio + 0x20) >> 24; /* xAPIC ID register bits 31:24 */
	}
	for (unsigned i = 0; i < ARRAY_SIZE(lapic_lvt_masked); i++) {
		unsigned off = lapic_lvt_masked[i];

		if (lapic_x2apic) {
			x86_wrmsr(0x800 + off / 16, x86_rdmsr(0x800 + off / 16) | APIC_LVT_MASKED);
		} else if (lapic_mmio != 0) {
			mmio_write32(lapic_mmio + off, mmio_read32(lapic_mmio + off) | (uint32_t)APIC_LVT_MASKED);
		}
	}
	pr_info("irq: local APIC in %s mode%s", lapic_x2apic ? "x2APIC" : "xAPIC",
		lapic_x2apic || lapic_mmio ? "" : " (registers not mapped: no EOI possible)");
}

void x86_irq_dispatch(unsigned vector)
{
	if (vector < 256 && irq_handlers[vector].fn != NULL) {
		/* One of ours (arch_irq_request_msi): the device's handler, then EOI. */
		irq_handlers[vector].count++;
		irq_handlers[vector].fn(irq_handlers[vector].arg);
	} else {
		x86_irqs_taken++;
		x86_irq_last_vector = vector;
	}
	if (vector == APIC_SPURIOUS_VEC) {
		return; /* spurious: not in service, must not be EOI'd (SDM 10.9) */
	}
	if (lapic_x2apic) {
		x86_wrmsr(X2APIC_MSR_EOI, 0);
	} else if (lapic_mmio != 0) {
		mmio_write32(lapic_mmio + XAPIC_EOI, 0);
	}
}

int arch_irq_request_msi(void (*fn)(void *), void *arg, uint64_t *addr, uint32_t *data)
{
	if (!lapic_up) {
		return -EOPNOTSUPP; /* no EOI possible: the line would stay in service */
	}
	if (lapic_id > 0xff) {
		return -EOPNOTSUPP; /* needs an extended destination; not on machines we run on yet */
	}
	for (unsigned v = HV_VEC_FIRST; v <= HV_VEC_LAST; v++) {
		if (irq_handlers[v].fn == NULL) {
			irq_handlers[v].arg = arg;
			irq_handlers[v].fn = fn;
			/* SDM 10.11.1/10.11.2: physical destination, fixed delivery, edge. */
			*addr = 0xfee00000ULL | ((uint64_t)lapic_id << 12);
			*data = v;
			return (int)v;
		}
	}
	return -ENOSPC;
}

uint64_t arch_irq_count(int vector)
{
	return vector >= 0 && vector < 256 ? irq_handlers[vector].count : 0;
}

uint64_t arch_stray_irq_count(void)
{
	return x86_irqs_taken;
}

unsigned arch_stray_irq_last_vector(void)
{
	return x86_irq_last_vector;
}

void arch_irq_window(void)
{
	/* STI's shadow ends after NOP: pending interrupts are taken there, then masked again. */
	__asm__ __volatile__("sti; nop; cli" ::: "memory");
}

static uint32_t ioapic_read(uintptr_t base, uint32_t reg)
{
	mmio_write32(base + IOAPIC_REGSEL, reg);
	return mmio_read32(base + IOAPIC_WIN);
}

static void ioapic_write(uintptr_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base + IOAPIC_REGSEL, reg);
	mmio_write32(base + IOAPIC_WIN, v);
}

static void ioapic_mask_all(const struct acpi_ioapic *io)
{
	uintptr_t base = (uintptr_t)hpa_val(io->base);
	uint32_t ver;
	unsigned n, was_armed = 0;

	if (arch_map_mmio(io->base, IOAPIC_MMIO_SIZE) != 0) {
		pr_warn("irq: IOAPIC %u at %#llx: cannot map it; left as found", io->id,
			(unsigned long long)hpa_val(io->base));
		return;
	}
	ver = ioapic_read(base, IOAPIC_REG_VER);
	if (ver == 0xffffffffU) {
		pr_warn("irq: IOAPIC %u at %#llx does not answer; skipped", io->id,
			(unsigned long long)hpa_val(io->base));
		return;
	}
	n = (unsigned)FIELD_GET(IOAPIC_VER_MAXRED, ver) + 1;
	for (unsigned i = 0; i < n; i++) {
		uint32_t lo = ioapic_read(base, IOAPIC_REDTBL(i));

		if (!(lo & IOAPIC_RTE_MASKED)) {
			was_armed++;
			ioapic_write(base, IOAPIC_REDTBL(i), lo | IOAPIC_RTE_MASKED);
		}
	}
	pr_info("irq: IOAPIC %u at %#llx (GSI %u-%u): all %u entries masked (%u were armed)", io->id,
		(unsigned long long)hpa_val(io->base), io->gsi_base, io->gsi_base + n - 1, n, was_armed);
}

void arch_irq_mask_legacy(const struct acpi_info *acpi)
{
	/* OCW1 to both PICs: mask all 16 lines (8259A datasheet). */
	x86_outb(0x21, 0xff);
	x86_outb(0xa1, 0xff);
	for (unsigned i = 0; acpi != NULL && i < acpi->madt.nr_ioapics; i++) {
		ioapic_mask_all(&acpi->madt.ioapics[i]);
	}
	pr_info("irq: 8259 PICs masked; %u IOAPIC(s); the host takes no legacy interrupt",
		acpi != NULL ? acpi->madt.nr_ioapics : 0U);
	lapic_init();
}
