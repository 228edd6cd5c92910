// SPDX-License-Identifier: MIT
/*
 * The small platform tables: MADT (CPUs and interrupt controllers), MCFG (ECAM windows), SPCR
 * (console UART) and GTDT (architected timer interrupts). Each parser gets a table whose
 * header and checksum are valid and bounds every structure by the table's length.
 */
#include <hv/acpi.h>
#include <hv/bits.h>

#include "acpi_internal.h"

/*
 * ACPI 6.5 5.2.12 MADT: Local Interrupt Controller Address (u32) at 36, Flags (u32) at 40,
 * then Interrupt Controller Structures at 44, each starting with Type (u8) and Length (u8).
 */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS	40
#define MADT_ENTRIES	44

#define MADT_LAPIC		 0x0 /* 5.2.12.2: UID u8 @2, APIC ID u8 @3, flags u32 @4 */
#define MADT_LAPIC_LEN		 8
#define MADT_IOAPIC		 0x1 /* 5.2.12.3: ID u8 @2, address u32 @4, GSI base u32 @8 */
#define MADT_IOAPIC_LEN		 12
#define MADT_X2APIC		 0x9 /* 5.2.12.12: x2APIC ID u32 @4, flags u32 @8, UID u32 @12 */
#define MADT_X2APIC_LEN		 16
#define MADT_GICC		 0xb /* 5.2.12.14 */
#define MADT_GICC_LEN		 80  /* ACPI 6.0 size; 6.3 added 2 bytes we do not need */
#define GICC_UID		 8
#define GICC_FLAGS		 12
#define GICC_FLAG_ONLINE_CAPABLE (1u << 3)
#define GICC_VGIC_MAINT		 56
#define GICC_GICR_BASE		 60
#define GICC_MPIDR		 68
#define MADT_GICD		 0xc /* 5.2.12.15: GIC ID u32 @4, base u64 @8, version u8 @20 */
#define MADT_GICD_LEN		 24
#define MADT_GICR		 0xe /* 5.2.12.17: discovery range base u64 @4, length u32 @12 */
#define MADT_GICR_LEN		 16
#define MADT_ITS		 0xf /* 5.2.12.18: ITS ID u32 @4, base u64 @8 */
#define MADT_ITS_LEN		 20

/* Record a CPU; NULL (and counted) once the array is full. */
static struct acpi_cpu *madt_add_cpu(struct acpi_madt *m, uint8_t kind, uint32_t uid, uint64_t hwid, uint32_t flags)
{
	struct acpi_cpu *c;

	if (m->nr_cpus == ACPI_MAX_CPUS) {
		m->nr_dropped++;
		return NULL;
	}
	c = &m->cpus[m->nr_cpus++];
	c->kind = kind;
	c->uid = uid;
	c->hwid = hwid;
	c->flags = flags & (ACPI_CPU_ENABLED | ACPI_CPU_ONLINE_CAPABLE);
	if (flags & ACPI_CPU_ENABLED) {
		m->nr_enabled++;
	}
	return c;
}

int acpi_parse_madt(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	struct acpi_madt *m = &info->madt;
	uint32_t off = MADT_ENTRIES;

	if (len < MADT_ENTRIES) {
		return -EINVAL;
	}
	m->lapic_base = hpa(get32(t + MADT_LAPIC_ADDR));
	m->flags = get32(t + MADT_FLAGS);
	while (off < len) {
		const uint8_t *e = t + off;
		uint8_t type, elen;

		if (!acpi_fits(len, off, 2)) {
			return -EINVAL;
		}
		type = e[0];
		elen = e[1];
		/* A zero or too-long entry would loop or run off the end: the table is broken. */
		if (elen < 2 || !acpi_fits(len, off, elen)) {
			return -EINVAL;
		}
		switch (type) {
		case MADT_LAPIC:
			if (elen < MADT_LAPIC_LEN) {
				return -EINVAL;
			}
			madt_add_cpu(m, ACPI_CPU_LAPIC, e[2], e[3], get32(e + 4));
			break;
		case MADT_X2APIC:
			if (elen < MADT_X2APIC_LEN) {
				return -EINVAL;
			}
			madt_add_cpu(m, ACPI_CPU_X2APIC, get32(e + 12), get32(e + 4), get32(e + 8));
			break;
		case MADT_GICC: {
			struct acpi_cpu *c;
			uint32_t f;

			if (elen < MADT_GICC_LEN) {
				return -EINVAL;
			}
			f = get32(e + GICC_FLAGS);
			/* GICC puts Online Capable at bit 3; normalise to the x86 position. */
			f = (f & ACPI_CPU_ENABLED) | ((f & GICC_FLAG_ONLINE_CAPABLE) ? ACPI_CPU_ONLINE_CAPABLE : 0);
			c = madt_add_cpu(m, ACPI_CPU_GICC, get32(e + GICC_UID), get64(e + GICC_MPIDR), f);
			if (c != NULL) {
				c->gicr_base = hpa(get64(e + GICC_GICR_BASE));
				c->vgic_maint_gsiv = get32(e + GICC_VGIC_MAINT);
			}
			break;
		}
		case MADT_IOAPIC:
			if (elen < MADT_IOAPIC_LEN) {
				return -EINVAL;
			}
			if (m->nr_ioapics < ACPI_MAX_IOAPICS) {
				struct acpi_ioapic *io = &m->ioapics[m->nr_ioapics++];

				io->id = e[2];
				io->base = hpa(get32(e + 4));
				io->gsi_base = get32(e + 8);
			}
			break;
		case MADT_GICD:
			if (elen < MADT_GICD_LEN) {
				return -EINVAL;
			}
			m->has_gicd = true;
			m->gicd_base = hpa(get64(e + 8));
			m->gic_version = e[20];
			break;
		case MADT_GICR:
			if (elen < MADT_GICR_LEN) {
				return -EINVAL;
			}
			if (m->nr_gicr < ACPI_MAX_GICR) {
				m->gicr[m->nr_gicr].base = hpa(get64(e + 4));
				m->gicr[m->nr_gicr].length = get32(e + 12);
				m->nr_gicr++;
			}
			break;
		case MADT_ITS:
			if (elen < MADT_ITS_LEN) {
				return -EINVAL;
			}
			if (m->nr_its < ACPI_MAX_ITS) {
				m->its[m->nr_its].id = get32(e + 4);
				m->its[m->nr_its].base = hpa(get64(e + 8));
				m->nr_its++;
			}
			break;
		default:
			break; /* overrides, NMI sources, ...: not needed by the hypervisor */
		}
		off += elen;
	}
	m->present = true;
	return 0;
}

int acpi_its_base(const struct acpi_info *info, uint32_t its_id, hpa_t *base)
{
	for (unsigned i = 0; i < info->madt.nr_its; i++) {
		if (info->madt.its[i].id == its_id) {
			*base = info->madt.its[i].base;
			return 0;
		}
	}
	return -ENOENT;
}

/* PCI Firmware 3.3 4.1.2 MCFG: 8 reserved bytes, then 16-byte allocation entries at 44. */
#define MCFG_ENTRIES   44
#define MCFG_ENTRY_LEN 16 /* base u64 @0, segment u16 @8, start bus u8 @10, end bus u8 @11 */

int acpi_parse_mcfg(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	uint32_t n;

	if (len < MCFG_ENTRIES || (len - MCFG_ENTRIES) % MCFG_ENTRY_LEN != 0) {
		return -EINVAL;
	}
	n = (len - MCFG_ENTRIES) / MCFG_ENTRY_LEN;
	if (n == 0 || n > ACPI_MAX_MCFG) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t + MCFG_ENTRIES + i * MCFG_ENTRY_LEN;
		struct acpi_mcfg_seg *s = &info->mcfg[i];
		uint64_t base = get64(e), end;

		s->base = hpa(base);
		s->segment = get16(e + 8);
		s->start_bus = e[10];
		s->end_bus = e[11];
		/* Each bus is 1 MiB of ECAM (PCIe 7.2.2); the window must not wrap. */
		if (s->end_bus < s->start_bus || !IS_ALIGNED(base, 1ULL << 20) ||
		    ADD_OVERFLOWS(base, ((uint64_t)s->end_bus + 1) << 20, &end)) {
			return -EINVAL;
		}
	}
	info->nr_mcfg = n;
	return 0;
}

/*
 * Microsoft SPCR: Interface Type u8 @36, Base Address (12-byte Generic Address Structure,
 * ACPI 5.2.3.2) @40, Interrupt Type u8 @52, IRQ u8 @53, GSIV u32 @54, Baud Rate u8 @58.
 */
#define SPCR_IFTYPE   36
#define SPCR_GAS      40
#define SPCR_IRQ_TYPE 52
#define SPCR_GSIV     54
#define SPCR_BAUD     58
#define SPCR_MIN_LEN  59

int acpi_parse_spcr(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	static const uint32_t baud[8] = { 0, 0, 0, 9600, 19200, 0, 57600, 115200 };
	struct acpi_spcr *s = &info->spcr;

	if (len < SPCR_MIN_LEN) {
		return -EINVAL;
	}
	s->interface_type = t[SPCR_IFTYPE];
	s->space_id = t[SPCR_GAS];
	s->bit_width = t[SPCR_GAS + 1];
	s->access_size = t[SPCR_GAS + 3];
	s->base = get64(t + SPCR_GAS + 4);
	s->irq_type = t[SPCR_IRQ_TYPE];
	s->gsiv = get32(t + SPCR_GSIV);
	s->baud_code = t[SPCR_BAUD];
	s->baud_rate = s->baud_code < 8 ? baud[s->baud_code] : 0;
	s->present = true;
	return 0;
}

/*
 * ACPI 6.5 5.2.25 GTDT: CntControlBase u64 @36, then (GSIV u32, flags u32) pairs for the
 * secure EL1 @48, non-secure EL1 @56, virtual EL1 @64 and non-secure EL2 @72 timers;
 * revision 3 adds the virtual EL2 timer @96.
 */
#define GTDT_CNT_CONTROL 36
#define GTDT_SEC_EL1	 48
#define GTDT_EL1	 56
#define GTDT_VIRT_EL1	 64
#define GTDT_EL2	 72
#define GTDT_MIN_LEN	 80
#define GTDT_VIRT_EL2	 96
#define GTDT_REV3_LEN	 104

int acpi_parse_gtdt(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	struct acpi_gtdt *g = &info->gtdt;

	if (len < GTDT_MIN_LEN) {
		return -EINVAL;
	}
	g->cnt_control_base = hpa(get64(t + GTDT_CNT_CONTROL));
	g->sec_el1_gsiv = get32(t + GTDT_SEC_EL1);
	g->sec_el1_flags = get32(t + GTDT_SEC_EL1 + 4);
	g->el1_gsiv = get32(t + GTDT_EL1);
	g->el1_flags = get32(t + GTDT_EL1 + 4);
	g->virt_el1_gsiv = get32(t + GTDT_VIRT_EL1);
	g->virt_el1_flags = get32(t + GTDT_VIRT_EL1 + 4);
	g->el2_gsiv = get32(t + GTDT_EL2);
	g->el2_flags = get32(t + GTDT_EL2 + 4);
	if (t[ACPI_HDR_REV] >= 3 && len >= GTDT_REV3_LEN) {
		g->virt_el2_gsiv = get32(t + GTDT_VIRT_EL2);
		g->virt_el2_flags = get32(t + GTDT_VIRT_EL2 + 4);
	}
	g->present = true;
	return 0;
}
