// SPDX-License-Identifier: MIT
/*
 * VT-d interrupt remapping (Intel VT-d spec rev 4.x, 5.1 "Interrupt Remapping", 9.10
 * "Interrupt Remapping Table Entry", 11.4.4/11.4.5 GCMD/GSTS, 11.4.11.1 IRTA, 6.5.2.6
 * interrupt entry cache invalidation).
 *
 * Why: on x86 a DMA write to 0xFEE0_0000-0xFEEF_FFFF is an interrupt message, not memory. A
 * device a guest owns can write any message there (NMI, INIT, SMI, any vector to any CPU)
 * unless the remapping hardware stands in between. So every unit gets, at take-over:
 *   - its own remapping table (one page, 256 entries, all not present); entry 0 is never used,
 *     so a forged handle 0 always faults;
 *   - IRE on; compatibility format off: GCMD.CFI is never set and is cleared if firmware set
 *     it (5.1.4: with CFIS=0 a compatibility-format message is blocked and recorded as fault
 *     0x25). Xen warns and Jailhouse refuses for the same reason: with CFI on, pass-through is
 *     not secure;
 *   - EIME where ECAP.EIM is set (x2APIC-format destinations; with EIME=1 compatibility
 *     format is blocked whatever CFIS says);
 *   - every entry written by vtd_ir_alloc verifies the requester ID (SVT=01b, SQ=00b): a
 *     device can raise only the entries written for its own source-id; a message naming any
 *     other entry is blocked and recorded (0x26), and the fault goes to the guest that owns
 *     the device (vtd.c vtd_fault_deliver, IOASID_FAULT_REASON_INTERRUPT).
 * Entries are written high half first and made present by the low half, then flushed from
 * the interrupt entry cache by index before anyone relies on them; removal clears P first.
 *
 * Take-over order (5.1.?, 10.4 "Interrupt remapping table pointer"): IRTA, SIRTP (bounded wait
 * for IRTPS), IEC global invalidation (the unit may cache firmware's entries), CFI off, IRE on
 * (bounded wait for IRES), then GSTS is checked once more: IRES=1, CFIS=0, or the unit is
 * refused. IRE is never turned off on the way, so no moment lets a message bypass remapping
 * once firmware had it on.
 *
 * What an emulator shows: QEMU 10's model remaps and verifies remappable-format messages and
 * records faults 0x21-0x26, but passes compatibility-format messages through even with
 * CFIS=0 (it never reads CFI; docs/VTD.md "Interrupt remapping"). The hypervisor therefore
 * also survives the NMI such a message delivers there (arch/x86_64/cpu.c).
 */
#include <string.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>

#include "drivers/iommu/vtd/vtd.h"

static bool irt_used(const struct vtd_unit *u, unsigned i)
{
	return (u->irt_used[i / 8] >> (i % 8)) & 1;
}

static void irt_set_used(struct vtd_unit *u, unsigned i, bool used)
{
	if (used) {
		u->irt_used[i / 8] |= (uint8_t)(1U << (i % 8));
	} else {
		u->irt_used[i / 8] &= (uint8_t) ~(1U << (i % 8));
	}
}

static int vtd_iec_flush(struct vtd_unit *u, bool global, uint16_t index)
{
	struct vtd_inv_desc d = global ? vtd_desc_iec_global() : vtd_desc_iec_index(index, 0);

	return vtd_qi_submit(u, &d, 1);
}

int vtd_ir_enable(struct vtd_unit *u)
{
	uint32_t gsts;
	int ret;

	u->ir = false;
	if (!(u->ecap & VTD_ECAP_IR)) {
		pr_warn("vtd: %s: no interrupt remapping (ECAP.IR=0): its devices can send any interrupt "
			"message and will not be given to guests",
			u->name);
		return 0;
	}
	if (u->irt == NULL) {
		u->irt = page_alloc(0); /* zeroed: every entry not present */
		if (u->irt == NULL) {
			return -ENOMEM;
		}
	}
	memset(u->irt, 0, HV_PAGE_SIZE);
	memset(u->irt_used, 0, sizeof(u->irt_used));
	if (!u->coherent) {
		arch_dcache_clean(u->irt, HV_PAGE_SIZE);
	}
	u->eime = (u->ecap & VTD_ECAP_EIM) != 0;
	mmio_write64(u->regs + VTD_IRTA_REG, (hpa_val(ptr_to_hpa(u->irt)) & VTD_IRTA_IRTA) |
						     (u->eime ? VTD_IRTA_EIME : 0) |
						     FIELD_PREP(VTD_IRTA_S, VTD_IRTA_S_VAL));
	ret = vtd_gcmd(u, VTD_GCMD_SIRTP, true);
	if (ret) {
		return ret;
	}
	ret = vtd_iec_flush(u, true, 0);
	if (ret) {
		return ret;
	}
	if (mmio_read32(u->regs + VTD_GSTS_REG) & VTD_GSTS_CFIS) {
		pr_warn("vtd: %s: firmware allowed compatibility-format interrupts; turning that off", u->name);
		ret = vtd_gcmd(u, VTD_GCMD_CFI, false);
		if (ret) {
			return ret;
		}
	}
	if (!(mmio_read32(u->regs + VTD_GSTS_REG) & VTD_GSTS_IRES)) {
		ret = vtd_gcmd(u, VTD_GCMD_IRE, true);
		if (ret) {
			return ret;
		}
	}
	gsts = mmio_read32(u->regs + VTD_GSTS_REG);
	if (!(gsts & VTD_GSTS_IRES) || (gsts & VTD_GSTS_CFIS)) {
		pr_err("vtd: %s: interrupt remapping not in the state we set (GSTS %#x)", u->name, gsts);
		return -EIO;
	}
	u->ir = true;
	pr_info("vtd: %s: interrupt remapping on: %u entries, %s destinations, compatibility format "
		"blocked, requester-ID verified per entry",
		u->name, VTD_IRT_ENTRIES, u->eime ? "x2APIC (EIME)" : "xAPIC");
	return 0;
}

bool vtd_ir_enabled(const struct vtd_unit *u)
{
	return u != NULL && u->ir;
}

int vtd_ir_alloc(struct vtd_unit *u, uint16_t sid, uint8_t vector, uint32_t dest, uint16_t *index)
{
	struct vtd_irte e;
	struct vtd_irte *slot;
	int ret;

	if (!vtd_ir_enabled(u)) {
		return -EOPNOTSUPP;
	}
	if (!u->eime && dest > 0xff) {
		return -EINVAL; /* an xAPIC destination is 8 bits */
	}
	for (unsigned i = 1; i < VTD_IRT_ENTRIES; i++) {
		if (irt_used(u, i)) {
			continue;
		}
		e = vtd_irte_remapped(vector, dest, u->eime, sid);
		slot = &u->irt[i];
		/* High half first, P (in the low half) last: never a present half-written entry. */
		WRITE_ONCE(slot->hi, e.hi);
		WRITE_ONCE(slot->lo, e.lo);
		if (!u->coherent) {
			arch_dcache_clean(slot, sizeof(*slot));
		}
		irt_set_used(u, i, true);
		ret = vtd_iec_flush(u, false, (uint16_t)i);
		if (ret) {
			/* The entry may or may not be visible: take it down again, keep it reserved. */
			WRITE_ONCE(slot->lo, 0);
			return ret;
		}
		*index = (uint16_t)i;
		return 0;
	}
	return -ENOSPC;
}

int vtd_ir_free(struct vtd_unit *u, uint16_t index)
{
	struct vtd_irte *slot;
	int ret;

	if (!vtd_ir_enabled(u) || index == 0 || index >= VTD_IRT_ENTRIES || !irt_used(u, index)) {
		return 0;
	}
	slot = &u->irt[index];
	WRITE_ONCE(slot->lo, 0); /* P off first */
	WRITE_ONCE(slot->hi, 0);
	if (!u->coherent) {
		arch_dcache_clean(slot, sizeof(*slot));
	}
	ret = vtd_iec_flush(u, false, index);
	if (ret == 0) {
		irt_set_used(u, index, false); /* reusable only once no cache can hold it */
	}
	return ret;
}
