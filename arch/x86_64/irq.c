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
 * stream of INTR exits. The local APIC itself (mode, EOI, IPIs) is arch/x86_64/lapic.c.
 *
 * Devices the hypervisor drives itself (the IOMMUs' fault events) get a vector of their own
 * and a handler (arch_irq_request_msi), run from the same entry, then EOI'd; so does the kick
 * IPI (X86_VEC_KICK, arch/x86_64/smp.c). Handlers run on whichever CPU took the interrupt:
 * the counters are atomic, the handler table is written before anything can send the vector.
 *
 * Device MSIs routed to guests (arch/x86_64/irq_route.c) use vectors 0x40-0xbf of each CPU's
 * own table (percpu_arch.route_vec): a route's remapping entry names the target vCPU's CPU and
 * a vector free there. Priority class 4-0xb (SDM 10.8.3.1): below the kick and the
 * hypervisor's own MSIs. The handler runs with the slot's busy count raised; freeing clears
 * the handler, then waits (bounded) for busy to drop, both sequentially consistent, so after
 * x86_route_vec_free() no CPU is inside or will enter the old handler. A message the CPU had
 * already accepted (in its IRR) and takes later finds no handler: counted as stray, EOI'd.
 * Allocation is next-fit from the last vector handed out, so a freed number comes back only
 * after the CPU's other 127 were used: a stale message then reaching a new owner would need
 * that many route changes on one CPU while the CPU kept interrupts masked.
 */
#include <hv/acpi.h>
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

#define IOAPIC_REGSEL	  0x00
#define IOAPIC_WIN	  0x10
#define IOAPIC_REG_VER	  0x01
#define IOAPIC_VER_MAXRED GENMASK(23, 16)
#define IOAPIC_REDTBL(n)  (0x10 + 2 * (n))
#define IOAPIC_RTE_MASKED BIT(16)
#define IOAPIC_MMIO_SIZE  0x1000

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
static hv_spinlock_t irq_handlers_lock = HV_SPINLOCK_INIT; /* arch_irq_request_msi's slot search */
static volatile uint64_t x86_irqs_taken;
static volatile unsigned x86_irq_last_vector;
_Static_assert(X86_VEC_KICK < HV_VEC_FIRST, "the kick vector is outside the MSI range");

#define APIC_SPURIOUS_VEC 0xffU /* lapic.c puts it in SVR: never EOI'd */
_Static_assert(X86_ROUTE_VEC_FIRST + X86_ROUTE_VECS <= X86_VEC_KICK, "routed vectors below the kick");
_Static_assert(X86_ROUTE_VEC_FIRST >= 0x20, "routed vectors above the exceptions");
/* A handler finishes in microseconds; 100 ms covers a loaded TCG host. */
#define ROUTE_VEC_DRAIN_US 100000

/* A routed vector of this CPU: its handler inside the busy count, or nothing (stray). */
static bool route_vec_dispatch(unsigned vector)
{
	struct x86_route_vec *rv = &this_cpu()->arch.route_vec[vector - X86_ROUTE_VEC_FIRST];
	void (*fn)(void *);

	__atomic_add_fetch(&rv->busy, 1, __ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&rv->fn, __ATOMIC_SEQ_CST);
	if (fn != NULL) {
		__atomic_add_fetch(&rv->count, 1, __ATOMIC_RELAXED);
		fn(rv->arg);
	}
	__atomic_sub_fetch(&rv->busy, 1, __ATOMIC_RELEASE);
	return fn != NULL;
}

void x86_irq_dispatch(unsigned vector)
{
	void (*fn)(void *) = vector < 256 ? __atomic_load_n(&irq_handlers[vector].fn, __ATOMIC_ACQUIRE) : NULL;

	if (vector >= X86_ROUTE_VEC_FIRST && vector < X86_ROUTE_VEC_FIRST + X86_ROUTE_VECS) {
		if (!route_vec_dispatch(vector)) {
			__atomic_fetch_add(&x86_irqs_taken, 1, __ATOMIC_RELAXED);
			x86_irq_last_vector = vector;
		}
	} else if (fn != NULL) {
		/* One of ours (arch_irq_request_msi, the kick): its handler, then EOI. */
		__atomic_fetch_add(&irq_handlers[vector].count, 1, __ATOMIC_RELAXED);
		fn(irq_handlers[vector].arg);
	} else {
		__atomic_fetch_add(&x86_irqs_taken, 1, __ATOMIC_RELAXED);
		x86_irq_last_vector = vector;
	}
	if (vector == APIC_SPURIOUS_VEC) {
		return; /* spurious: not in service, must not be EOI'd (SDM 10.9) */
	}
	x86_lapic_eoi();
}

void x86_irq_set_handler(unsigned vector, void (*fn)(void *), void *arg)
{
	irq_handlers[vector].arg = arg;
	__atomic_store_n(&irq_handlers[vector].fn, fn, __ATOMIC_RELEASE);
}

int arch_irq_request_msi(void (*fn)(void *), void *arg, uint64_t *addr, uint32_t *data)
{
	uint32_t dest = x86_lapic_boot_id(); /* the boot CPU, in xAPIC and x2APIC mode alike */

	if (!x86_lapic_up()) {
		return -EOPNOTSUPP; /* no EOI possible: the line would stay in service */
	}
	if (dest > 0xff) {
		return -EOPNOTSUPP; /* needs an extended destination; not on machines we run on yet */
	}
	hv_spin_lock(&irq_handlers_lock);
	for (unsigned v = HV_VEC_FIRST; v <= HV_VEC_LAST; v++) {
		if (irq_handlers[v].fn == NULL) {
			x86_irq_set_handler(v, fn, arg);
			hv_spin_unlock(&irq_handlers_lock);
			/* SDM 10.11.1/10.11.2: physical destination, fixed delivery, edge. */
			*addr = 0xfee00000ULL | ((uint64_t)dest << 12);
			*data = v;
			return (int)v;
		}
	}
	hv_spin_unlock(&irq_handlers_lock);
	return -ENOSPC;
}

int x86_route_vec_alloc(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct percpu *c = percpu_of(cpu);
	int ret = -ENOSPC;

	if (c == NULL || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE || fn == NULL) {
		return -EINVAL;
	}
	if (!x86_lapic_up()) {
		return -EOPNOTSUPP; /* no EOI possible */
	}
	hv_spin_lock(&irq_handlers_lock);
	for (unsigned k = 0; k < X86_ROUTE_VECS; k++) {
		unsigned i = (c->arch.route_vec_next + k) % X86_ROUTE_VECS;
		struct x86_route_vec *rv = &c->arch.route_vec[i];

		if (!rv->taken) {
			rv->taken = true;
			rv->arg = arg;
			__atomic_store_n(&rv->count, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&rv->fn, fn, __ATOMIC_SEQ_CST);
			c->arch.route_vec_next = (i + 1) % X86_ROUTE_VECS;
			ret = (int)(X86_ROUTE_VEC_FIRST + i);
			break;
		}
	}
	hv_spin_unlock(&irq_handlers_lock);
	return ret;
}

void x86_route_vec_free(unsigned cpu, unsigned vector)
{
	struct percpu *c = percpu_of(cpu);
	struct x86_route_vec *rv;

	if (c == NULL || vector < X86_ROUTE_VEC_FIRST || vector >= X86_ROUTE_VEC_FIRST + X86_ROUTE_VECS) {
		return;
	}
	rv = &c->arch.route_vec[vector - X86_ROUTE_VEC_FIRST];
	__atomic_store_n(&rv->fn, NULL, __ATOMIC_SEQ_CST);
	/*
	 * On the CPU itself nobody can be inside (we run with IF=0, and no interrupt window is
	 * opened with a lock held). Elsewhere: wait for a running handler to return.
	 */
	if (cpu != arch_cpu_id() &&
	    poll_until(__atomic_load_n(&rv->busy, __ATOMIC_SEQ_CST) == 0, ROUTE_VEC_DRAIN_US) != 0) {
		/* A handler that never returns: keep the vector taken rather than reuse it. */
		pr_err("irq: CPU %u vector %#x: its handler did not finish; the vector stays reserved", cpu, vector);
		return;
	}
	hv_spin_lock(&irq_handlers_lock);
	rv->taken = false;
	rv->arg = NULL;
	hv_spin_unlock(&irq_handlers_lock);
}

uint64_t x86_route_vec_count(unsigned cpu, unsigned vector)
{
	struct percpu *c = percpu_of(cpu);

	if (c == NULL || vector < X86_ROUTE_VEC_FIRST || vector >= X86_ROUTE_VEC_FIRST + X86_ROUTE_VECS) {
		return 0;
	}
	return __atomic_load_n(&c->arch.route_vec[vector - X86_ROUTE_VEC_FIRST].count, __ATOMIC_RELAXED);
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
	x86_lapic_boot_init(x86_want_x2apic, acpi != NULL && acpi->madt.present ? hpa_val(acpi->madt.lapic_base) : 0);
}
