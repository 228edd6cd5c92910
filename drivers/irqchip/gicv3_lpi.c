// SPDX-License-Identifier: MIT
/*
 * LPIs (gicv3_its.h): Arm IHI 0069 5.1 ("LPIs"), 12.11 GICR_PROPBASER / GICR_PENDBASER /
 * GICR_CTLR.EnableLPIs.
 *
 * Design:
 *   - One LPI configuration table for every redistributor (they all point at it, as IHI 0069
 *     5.1.1 allows and Linux does): 2^14 INTIDs (PROPBASER.IDbits = 13), i.e. 8192 bytes for
 *     LPIs 8192..16383, all disabled until allocated. Only the first ARM64_IRQ_MAX_LPIS have
 *     handlers (arch/arm64/irq.c), so only those are ever allocated.
 *   - One pending table per CPU: 2^14 bits, 64 KiB aligned (PENDBASER holds bits 51:16), zeroed
 *     before the redistributor sees it (PTZ = 1 says so).
 *   - Inner-shareable write-back attributes are asked for; a redistributor that reads back
 *     non-shareable does not snoop, so every write to the configuration table is also cleaned
 *     to the point of coherency (always done: a byte per change).
 *   - EnableLPIs set by firmware cannot always be cleared (IHI 0069 12.11.2: may be RES1 once
 *     set): such a CPU keeps firmware's tables and we take no LPI on it (-EBUSY).
 *   - lpi_lock (a leaf) guards the allocator; configuration bytes are single-byte writes.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>

#include <arch/irq.h>
#include "drivers/irqchip/gicv3.h"
#include "drivers/irqchip/gicv3_its.h"
#include "drivers/irqchip/gicv3_its_enc.h"

#define GICD_TYPER	0x0004
#define GICD_TYPER_LPIS BIT(17)
#define GICD_TYPER_ID	GENMASK(23, 19) /* INTID bits - 1 */

#define GICR_CTLR	      0x0000
#define GICR_CTLR_ENABLE_LPIS BIT(0)
#define GICR_TYPER	      0x0008
#define GICR_TYPER_PLPIS      BIT(0)
#define GICR_TYPER_PROC_NR    GENMASK(23, 8)
#define GICR_PROPBASER	      0x0070
#define GICR_PENDBASER	      0x0078
#define GICR_BASER_IDBITS     GENMASK(4, 0)
#define GICR_BASER_ICACHE     GENMASK(9, 7)
#define GICR_BASER_SH	      GENMASK(11, 10)
#define GICR_PENDBASER_PTZ    BIT(62)
#define GICR_CACHE_WAWB	      7 /* Normal, inner write-back, read- and write-allocate */
#define GICR_SH_INNER	      1

#define LPI_ID_BITS    14
#define LPI_PROP_BYTES ((1U << LPI_ID_BITS) - ARM64_IRQ_LPI_BASE)
#define LPI_PEND_ORDER 4 /* 64 KiB: the alignment PENDBASER needs (the table is 2 KiB) */

static uint8_t *prop;
static bool prop_tried;
static hv_spinlock_t lpi_lock;
static uint64_t lpi_used[ARM64_IRQ_MAX_LPIS / 64];
static unsigned lpi_count;

static struct {
	bool on;
	uintptr_t rd;
	unsigned proc_nr;
} lpi_cpus[HV_MAX_CPUS];

static unsigned order_of(uint64_t bytes)
{
	unsigned o = 0;

	while ((HV_PAGE_SIZE << o) < bytes) {
		o++;
	}
	return o;
}

/* First call (the boot CPU, before any other CPU starts): the shared configuration table. */
static int prop_init(void)
{
	uintptr_t d = (uintptr_t)hpa_val(hv_acpi.madt.gicd_base);
	uint32_t typer;

	if (prop_tried) {
		return prop != NULL ? 0 : -ENODEV;
	}
	prop_tried = true;
	typer = mmio_read32(d + GICD_TYPER);
	if (!(typer & GICD_TYPER_LPIS) || FIELD_GET(GICD_TYPER_ID, typer) + 1 < LPI_ID_BITS) {
		pr_warn("gicv3: no LPIs (GICD_TYPER %#x): no device MSIs", typer);
		return -ENODEV;
	}
	prop = page_alloc(order_of(LPI_PROP_BYTES));
	if (prop == NULL) {
		return -ENOMEM;
	}
	/* Every LPI disabled at the lowest priority until allocated (IHI 0069 5.1.1). */
	memset(prop, lpi_prop_byte(0xfc, false), LPI_PROP_BYTES);
	arch_dcache_clean(prop, LPI_PROP_BYTES);
	return 0;
}

int gicv3_lpi_cpu_init(uintptr_t rd)
{
	unsigned cpu = this_cpu()->id;
	uint64_t typer, base, got;
	void *pend;
	int ret;

	if (cpu >= HV_MAX_CPUS) {
		return -EINVAL;
	}
	ret = prop_init();
	if (ret) {
		return ret;
	}
	typer = mmio_read64(rd + GICR_TYPER);
	if (!(typer & GICR_TYPER_PLPIS)) {
		return -ENODEV;
	}
	if (mmio_read32(rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS) {
		pr_warn("gicv3: CPU %u: firmware left LPIs enabled; this CPU takes none", cpu);
		return -EBUSY;
	}
	pend = page_alloc(LPI_PEND_ORDER);
	if (pend == NULL) {
		return -ENOMEM;
	}
	memset(pend, 0, HV_PAGE_SIZE << LPI_PEND_ORDER);
	arch_dcache_clean(pend, HV_PAGE_SIZE << LPI_PEND_ORDER);
	base = hpa_val(ptr_to_hpa(prop)) | FIELD_PREP(GICR_BASER_IDBITS, LPI_ID_BITS - 1) |
	       FIELD_PREP(GICR_BASER_ICACHE, GICR_CACHE_WAWB) | FIELD_PREP(GICR_BASER_SH, GICR_SH_INNER);
	mmio_write64(rd + GICR_PROPBASER, base);
	got = mmio_read64(rd + GICR_PROPBASER);
	mmio_write64(rd + GICR_PENDBASER, hpa_val(ptr_to_hpa(pend)) | GICR_PENDBASER_PTZ |
						  FIELD_PREP(GICR_BASER_ICACHE, GICR_CACHE_WAWB) |
						  FIELD_PREP(GICR_BASER_SH, GICR_SH_INNER));
	/* The tables before the enable (IHI 0069 12.11.2: the registers are fixed once enabled). */
	__asm__ __volatile__("dsb sy" ::: "memory");
	mmio_write32(rd + GICR_CTLR, mmio_read32(rd + GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
	if (!(mmio_read32(rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS)) {
		page_free(pend, LPI_PEND_ORDER);
		return -EIO;
	}
	lpi_cpus[cpu].rd = rd;
	lpi_cpus[cpu].proc_nr = (unsigned)FIELD_GET(GICR_TYPER_PROC_NR, typer);
	__atomic_store_n(&lpi_cpus[cpu].on, true, __ATOMIC_RELEASE);
	if (cpu == 0) {
		pr_info("gicv3: LPIs on: configuration table %#llx (%u INTID bits, %s), %u LPIs with handlers",
			(unsigned long long)hpa_val(ptr_to_hpa(prop)), LPI_ID_BITS,
			FIELD_GET(GICR_BASER_SH, got) ? "shareable" : "non-shareable: cleaned", ARM64_IRQ_MAX_LPIS);
	}
	return gicv3_its_ready() ? gicv3_its_map_cpu(cpu) : 0;
}

bool gicv3_lpi_cpu(unsigned cpu, uintptr_t *rd, unsigned *proc_nr)
{
	if (cpu >= HV_MAX_CPUS || !__atomic_load_n(&lpi_cpus[cpu].on, __ATOMIC_ACQUIRE)) {
		return false;
	}
	*rd = lpi_cpus[cpu].rd;
	*proc_nr = lpi_cpus[cpu].proc_nr;
	return true;
}

int gicv3_lpi_alloc(unsigned *intid)
{
	int i;

	if (prop == NULL) {
		return -ENODEV;
	}
	hv_spin_lock(&lpi_lock);
	i = lpi_bitmap_alloc(lpi_used, ARM64_IRQ_MAX_LPIS);
	lpi_count += i >= 0 ? 1 : 0;
	hv_spin_unlock(&lpi_lock);
	if (i < 0) {
		return -ENOSPC;
	}
	*intid = ARM64_IRQ_LPI_BASE + (unsigned)i;
	gicv3_lpi_config(*intid, false);
	return 0;
}

void gicv3_lpi_free(unsigned intid)
{
	if (prop == NULL || intid < ARM64_IRQ_LPI_BASE) {
		return;
	}
	gicv3_lpi_config(intid, false);
	hv_spin_lock(&lpi_lock);
	if (lpi_bitmap_free(lpi_used, ARM64_IRQ_MAX_LPIS, intid - ARM64_IRQ_LPI_BASE)) {
		lpi_count--;
	}
	hv_spin_unlock(&lpi_lock);
}

void gicv3_lpi_config(unsigned intid, bool enable)
{
	uint8_t *b;

	if (prop == NULL || intid < ARM64_IRQ_LPI_BASE || intid - ARM64_IRQ_LPI_BASE >= ARM64_IRQ_MAX_LPIS) {
		return;
	}
	b = &prop[intid - ARM64_IRQ_LPI_BASE];
	__atomic_store_n(b, lpi_prop_byte(GICV3_PRIO_LPI, enable), __ATOMIC_RELAXED);
	arch_dcache_clean(b, 1);
	__asm__ __volatile__("dsb sy" ::: "memory"); /* visible before the ITS's INV reads it */
}

unsigned gicv3_lpi_nr_used(void)
{
	return __atomic_load_n(&lpi_count, __ATOMIC_RELAXED);
}
