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
 * Guest MSI routes (arch/x86_64/irq_route.c) allocate entries through vtd_ir_alloc_src with
 * the device's source check (vtd_ir_device_source: its own ID, or for a device behind an
 * aliasing bridge the alias or the bridge's bus range, SVT=10b), move them to another vCPU's
 * CPU with vtd_ir_modify (the low half only: one 64-bit store) and free them with vtd_ir_free.
 * Which entries are taken is guarded by ir_lock (a leaf): the entry is reserved under it,
 * written and flushed after, so no lock is held across the invalidation wait.
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
#include <hv/pci.h>

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

/* Reserve a free entry (1..) under ir_lock; written and flushed after it is dropped. */
static int irt_reserve(struct vtd_unit *u)
{
	int ret = -ENOSPC;

	hv_spin_lock(&u->ir_lock);
	for (unsigned i = 1; i < VTD_IRT_ENTRIES; i++) {
		if (!irt_used(u, i)) {
			irt_set_used(u, i, true);
			ret = (int)i;
			break;
		}
	}
	hv_spin_unlock(&u->ir_lock);
	return ret;
}

static bool irt_is_used(struct vtd_unit *u, unsigned i)
{
	bool used;

	hv_spin_lock(&u->ir_lock);
	used = irt_used(u, i);
	hv_spin_unlock(&u->ir_lock);
	return used;
}

int vtd_ir_alloc_src(struct vtd_unit *u, struct vtd_ir_source src, uint8_t vector, uint32_t dest, uint16_t *index)
{
	struct vtd_irte e;
	struct vtd_irte *slot;
	int i, ret;

	if (!vtd_ir_enabled(u)) {
		return -EOPNOTSUPP;
	}
	if (!u->eime && dest > 0xff) {
		return -EINVAL; /* an xAPIC destination is 8 bits */
	}
	if (src.svt != VTD_SVT_RID && src.svt != VTD_SVT_BUS) {
		return -EINVAL; /* never an entry anybody may raise (SVT=00b) */
	}
	i = irt_reserve(u);
	if (i < 0) {
		return i;
	}
	e = vtd_irte_remapped_src(vector, dest, u->eime, src);
	slot = &u->irt[i];
	/* High half first, P (in the low half) last: never a present half-written entry. */
	WRITE_ONCE(slot->hi, e.hi);
	WRITE_ONCE(slot->lo, e.lo);
	if (!u->coherent) {
		arch_dcache_clean(slot, sizeof(*slot));
	}
	ret = vtd_iec_flush(u, false, (uint16_t)i);
	if (ret) {
		/* The entry may or may not be visible: take it down again, keep it reserved. */
		WRITE_ONCE(slot->lo, 0);
		return ret;
	}
	*index = (uint16_t)i;
	return 0;
}

int vtd_ir_alloc(struct vtd_unit *u, uint16_t sid, uint8_t vector, uint32_t dest, uint16_t *index)
{
	return vtd_ir_alloc_src(u, (struct vtd_ir_source){ .svt = VTD_SVT_RID, .sid = sid }, vector, dest, index);
}

int vtd_ir_modify(struct vtd_unit *u, uint16_t index, uint8_t vector, uint32_t dest)
{
	struct vtd_irte *slot;
	uint64_t lo;

	if (!vtd_ir_enabled(u)) {
		return -EOPNOTSUPP;
	}
	if (index == 0 || index >= VTD_IRT_ENTRIES || !irt_is_used(u, index)) {
		return -ENOENT;
	}
	if (!u->eime && dest > 0xff) {
		return -EINVAL;
	}
	slot = &u->irt[index];
	/*
	 * Spec 9.10: P, vector and destination all sit in bits 63:0, so one aligned 64-bit store
	 * switches from the old to the new target: the unit reads either, never a mix. The entry
	 * cache may still hold the old one until the flush completes; a message remapped with it
	 * reaches the old vector, whose handler is released only after this returns.
	 */
	lo = vtd_irte_remapped_src(vector, dest, u->eime, (struct vtd_ir_source){ .svt = VTD_SVT_RID }).lo;
	WRITE_ONCE(slot->lo, lo);
	if (!u->coherent) {
		arch_dcache_clean(slot, sizeof(*slot));
	}
	return vtd_iec_flush(u, false, index);
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
		hv_spin_lock(&u->ir_lock);
		irt_set_used(u, index, false); /* reusable only once no cache can hold it */
		hv_spin_unlock(&u->ir_lock);
	}
	return ret;
}

struct vtd_ir_source vtd_ir_source_rule(uint16_t dev_rid, unsigned nr_aliases, uint16_t top, bool top_is_pcie_pci)
{
	/* nothing in between: the device's own requester ID, all 16 bits (SVT=01b, SQ=00b) */
	if (nr_aliases <= 1) {
		return (struct vtd_ir_source){ .svt = VTD_SVT_RID, .sid = dev_rid };
	}
	/*
	 * A PCIe-to-PCI bridge (PCIe-to-PCI/PCI-X Bridge spec 1.0, 2.3) forwards with
	 * (secondary bus, devfn 0) or, for some transactions, with the originator's ID: any bus
	 * from its secondary bus down to the device's (SVT=10b, SID = start << 8 | end). Everything
	 * there shares the alias, so it is one isolation group: the same guest.
	 */
	if (top_is_pcie_pci) {
		return (struct vtd_ir_source){ .svt = VTD_SVT_BUS,
					       .sid = (uint16_t)((top & 0xff00U) | (dev_rid >> 8)) };
	}
	/* a bridge that forwards with its own ID: exactly that ID */
	return (struct vtd_ir_source){ .svt = VTD_SVT_RID, .sid = top };
}

int vtd_ir_device_source(const struct pci_dev *p, struct vtd_ir_source *src)
{
	uint16_t rids[PCI_MAX_DMA_ALIASES];
	const struct pci_dev *via[PCI_MAX_DMA_ALIASES];
	int n = pci_dma_aliases_via(p, rids, via, PCI_MAX_DMA_ALIASES);
	bool type7;

	if (n < 0) {
		return n;
	}
	type7 = n > 1 && via[n - 1] != NULL && via[n - 1]->cap_exp != 0 &&
		via[n - 1]->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE;
	*src = vtd_ir_source_rule(PCI_RID(p->bus, p->devfn), (unsigned)n, rids[n - 1], type7);
	return 0;
}

struct vtd_unit *vtd_unit_of(struct hv_iommu *iommu)
{
	return iommu != NULL && iommu->ops == &vtd_backend_ops ? iommu->priv : NULL;
}
