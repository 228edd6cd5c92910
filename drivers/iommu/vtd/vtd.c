// SPDX-License-Identifier: MIT
/*
 * Intel VT-d DMA remapping: unit discovery, take-over from firmware, queued invalidation and
 * fault recording. The translation tables and the IOASID backend ops are in vtd_tables.c.
 *
 * Units come from the ACPI DMAR table (drivers/acpi, spec ch. 8): one per DRHD, with its
 * segment and register-set size; which unit translates a device is the DMAR's answer
 * (acpi_dmar_unit_for: explicit device scopes first, then the segment's INCLUDE_PCI_ALL unit).
 *
 * Assumptions (checked at bring-up, the unit is refused otherwise):
 *  - queued invalidation (ECAP.QI) exists: after bring-up every invalidation is queued, and
 *    register-based invalidation is never used (QEMU ignores it once QI is on, notes 1.5);
 *  - the second-level format supports 39-bit/3-level or 48-bit/4-level tables (CAP.SAGAW);
 *  - CAP.ND gives at least as many domain IDs as the IOASID core hands out.
 * Spec sections (Intel VT-d rev 4.x): 10.4/11.4 registers, 6.5.2 queued invalidation,
 * 6.5.3 invalidation guidance, 7.1 primary fault logging, 9 translation structures.
 *
 * Take-over order (a unit may come from firmware translating, in bypass, or with QI on):
 *   1. quiesce firmware's invalidation queue (wait head == tail) and disable QI;
 *   2. point RTADDR at our root table with every root entry not present, SRTP (bounded);
 *   3. enable QI with our queue; globally invalidate context cache, PASID cache and IOTLB
 *      (spec 6.5: required after SRTP);
 *   4. interrupt remapping (vtd_ir.c): our table, all entries not present, IRE on, CFI off;
 *   5. fault recording: clear stale records, interrupt masked (faults are polled);
 *   6. TE=1 if firmware had not set it.
 * If translation was on, step 2 switches from firmware's tables straight to "all blocked";
 * TE is never cleared, so there is no moment in which DMA bypasses translation.
 */
#include <stdio.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/percpu.h>
#include <hv/wait.h>
#include <ioasid/abi.h>

#include "drivers/iommu/vtd/vtd.h"

#define VTD_CMD_TIMEOUT_US 100000 /* GCMD/GSTS handshakes */
#define VTD_QI_TIMEOUT_US  500000 /* one invalidation batch */

static struct vtd_unit vtd_units[VTD_MAX_UNITS];
static unsigned vtd_nr;
static bool vtd_done;
static const struct acpi_info *vtd_acpi;

static uint32_t rd32(const struct vtd_unit *u, unsigned off)
{
	return mmio_read32(u->regs + off);
}
static void wr32(const struct vtd_unit *u, unsigned off, uint32_t v)
{
	mmio_write32(u->regs + off, v);
}
static uint64_t rd64(const struct vtd_unit *u, unsigned off)
{
	return mmio_read64(u->regs + off);
}
static void wr64(const struct vtd_unit *u, unsigned off, uint64_t v)
{
	mmio_write64(u->regs + off, v);
}

/*
 * Set or clear one GCMD command and wait for its GSTS status bit (same bit position for TE,
 * SRTP, QIE, IRE). spec 11.4.4: GCMD = (GSTS & persistent bits) | command.
 */
int vtd_gcmd(struct vtd_unit *u, uint32_t bit, bool set)
{
	uint32_t v = rd32(u, VTD_GSTS_REG) & (uint32_t)VTD_GCMD_PERSISTENT;
	int ret;

	v = set ? (v | bit) : (v & ~bit);
	wr32(u, VTD_GCMD_REG, v);
	ret = poll_until(((rd32(u, VTD_GSTS_REG) & bit) != 0) == set, VTD_CMD_TIMEOUT_US);
	if (ret) {
		pr_err("vtd: %s: GCMD %#x %s: no GSTS acknowledgement (GSTS %#x)", u->name, bit, set ? "set" : "clear",
		       rd32(u, VTD_GSTS_REG));
	}
	return ret;
}

/* ---- queued invalidation (spec 6.5.2) ----------------------------------------------------- */

/*
 * Every CPU submits invalidations to the same queue, and each waits for its own batch only.
 *
 *  - qi_lock is held to check for room, copy the descriptors in and move IQT: never while
 *    waiting for a completion, so one CPU's slow flush does not hold up the others' inserts.
 *  - Each batch ends with an invalidation wait descriptor whose status write (spec 6.5.2.8,
 *    SW=1) goes to the submitting CPU's own word of the status page (wait_status[cpu]) and
 *    carries a sequence number that is unique for the unit's life. A CPU has one batch in
 *    flight at a time, so its word is written only by its own waits; the hardware completes
 *    descriptors in queue order, so when the word holds our number, our batch is done.
 *  - XSA-373: a wait that completes late, after its submitter gave up, writes an older number
 *    to that CPU's word and can never be taken for a later batch's. After a timeout or a queue
 *    error the unit is dead (qi_dead): every later and every still-waiting submission returns
 *    -EIO, and the core treats a failed flush by leaking the affected table pages.
 *  - Room: descriptors the hardware has not fetched yet must not be overwritten. iq_done is a
 *    lower bound of what it has fetched (every completed batch raises it to its own end); only
 *    when that bound says the queue is too full is IQH read (the exact head) and, if need be,
 *    waited on (bounded, with the lock held: nobody else can insert meanwhile anyway).
 */
#define VTD_QI_SLOTS (HV_PAGE_SIZE / sizeof(uint32_t)) /* status words in the status page */
_Static_assert(HV_MAX_CPUS <= VTD_QI_SLOTS, "one status word per CPU");

static void vtd_iq_put(struct vtd_unit *u, const struct vtd_inv_desc *d)
{
	uint64_t *slot = (uint64_t *)((uintptr_t)u->iq + (uintptr_t)u->iq_tail * u->iq_dw);

	for (unsigned i = 0; i < u->iq_dw / 8; i++) {
		slot[i] = d->qw[i];
	}
	/* Cleaned whatever ECAP.C says: C describes page walks, and a clean is cheap. */
	arch_dcache_clean(slot, u->iq_dw);
	u->iq_tail = (u->iq_tail + 1) % u->iq_nr;
	u->iq_prod++;
}

static bool vtd_qi_error(const struct vtd_unit *u)
{
	return (rd32(u, VTD_FSTS_REG) & (VTD_FSTS_IQE | VTD_FSTS_ITE)) != 0;
}

static bool vtd_qi_is_dead(const struct vtd_unit *u)
{
	return __atomic_load_n(&u->qi_dead, __ATOMIC_ACQUIRE);
}

/* A batch ending at descriptor count end completed: the hardware has fetched that far. */
static void vtd_qi_retire(struct vtd_unit *u, uint64_t end)
{
	uint64_t cur = __atomic_load_n(&u->iq_done, __ATOMIC_RELAXED);

	while (cur < end &&
	       !__atomic_compare_exchange_n(&u->iq_done, &cur, end, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
	}
}

/* Under qi_lock: descriptors queued but maybe not fetched yet, exactly (from IQH) if refresh. */
static uint64_t vtd_qi_pending(struct vtd_unit *u, bool refresh)
{
	if (refresh) {
		unsigned head = (unsigned)(rd64(u, VTD_IQH_REG) / u->iq_dw) % u->iq_nr;

		vtd_qi_retire(u, u->iq_prod - (u->iq_tail + u->iq_nr - head) % u->iq_nr);
	}
	return u->iq_prod - __atomic_load_n(&u->iq_done, __ATOMIC_ACQUIRE);
}

/*
 * Under qi_lock: the unit failed: a queue error, or (timed_out) our wait with number seq, or,
 * without status, the wait for room. The first CPU to get here reports and marks the unit
 * dead; the others only see it dead.
 */
static int vtd_qi_fail_locked(struct vtd_unit *u, bool timed_out, uint32_t seq, const volatile uint32_t *status)
{
	uint32_t fsts = rd32(u, VTD_FSTS_REG);

	if (fsts & (VTD_FSTS_IQE | VTD_FSTS_ITE)) {
		__atomic_store_n(&u->qi_dead, true, __ATOMIC_RELEASE);
		pr_err("vtd: %s: invalidation queue error (FSTS %#x, IQH %#llx, IQERCD %#llx)", u->name, fsts,
		       (unsigned long long)rd64(u, VTD_IQH_REG), (unsigned long long)rd64(u, VTD_IQERCD_REG));
		wr32(u, VTD_FSTS_REG, fsts & (VTD_FSTS_IQE | VTD_FSTS_ITE));
		return -EIO;
	}
	if (vtd_qi_is_dead(u) || !timed_out) {
		__atomic_store_n(&u->qi_dead, true, __ATOMIC_RELEASE);
		return -EIO; /* another CPU saw the failure first and reported it */
	}
	__atomic_store_n(&u->qi_dead, true, __ATOMIC_RELEASE);
	if (status != NULL) {
		pr_err("vtd: %s: invalidation wait %u timed out (status %u)", u->name, seq,
		       __atomic_load_n(status, __ATOMIC_ACQUIRE));
	} else {
		pr_err("vtd: %s: invalidation queue full: the hardware fetches nothing (IQH %#llx)", u->name,
		       (unsigned long long)rd64(u, VTD_IQH_REG));
	}
	return -ETIMEDOUT;
}

/* Queue n descriptors plus one invalidation wait; wait (bounded) for that wait's status write. */
int vtd_qi_submit(struct vtd_unit *u, const struct vtd_inv_desc *d, unsigned n)
{
	volatile uint32_t *status = &u->wait_status[arch_cpu_id() % VTD_QI_SLOTS];
	struct vtd_inv_desc wait;
	uint64_t end;
	uint32_t seq;
	int ret;

	if (n + 1 >= u->iq_nr) {
		return -E2BIG;
	}
	hv_spin_lock(&u->qi_lock);
	if (vtd_qi_is_dead(u)) {
		ret = -EIO;
		goto unlock;
	}
	/* One slot stays free: head == tail means empty (spec 6.5.2). */
	if (vtd_qi_pending(u, false) + n + 1 > u->iq_nr - 1 &&
	    poll_until(vtd_qi_pending(u, true) + n + 1 <= u->iq_nr - 1 || vtd_qi_error(u), VTD_QI_TIMEOUT_US) != 0) {
		ret = vtd_qi_fail_locked(u, true, 0, NULL);
		goto unlock;
	}
	if (vtd_qi_error(u)) {
		ret = vtd_qi_fail_locked(u, false, 0, NULL);
		goto unlock;
	}
	for (unsigned i = 0; i < n; i++) {
		vtd_iq_put(u, &d[i]);
	}
	seq = ++u->wait_seq;
	if (seq == 0) {
		seq = ++u->wait_seq; /* 0 is the status page's initial value */
	}
	wait = vtd_desc_wait(hpa_val(ptr_to_hpa((const void *)status)), seq);
	vtd_iq_put(u, &wait);
	end = u->iq_prod;
	/* IQT holds a byte offset (bits 18:4); hardware fetches up to it. */
	wr64(u, VTD_IQT_REG, (uint64_t)u->iq_tail * u->iq_dw);
	hv_spin_unlock(&u->qi_lock);

	/* Our own status word, without the lock; another CPU's failure ends the wait early. */
	ret = poll_until(__atomic_load_n(status, __ATOMIC_ACQUIRE) == seq || vtd_qi_error(u) || vtd_qi_is_dead(u),
			 VTD_QI_TIMEOUT_US);
	if (__atomic_load_n(status, __ATOMIC_ACQUIRE) == seq) {
		vtd_qi_retire(u, end);
		return 0;
	}
	hv_spin_lock(&u->qi_lock);
	ret = vtd_qi_fail_locked(u, ret == -ETIMEDOUT, seq, status);
unlock:
	hv_spin_unlock(&u->qi_lock);
	return ret;
}

/* Wait until firmware's queue is drained, then turn QI off (spec 6.5.2: disable only when idle). */
static int vtd_qi_quiesce(struct vtd_unit *u)
{
	int ret;

	ret = poll_until(rd64(u, VTD_IQH_REG) == rd64(u, VTD_IQT_REG), VTD_QI_TIMEOUT_US);
	if (ret) {
		pr_err("vtd: %s: firmware's invalidation queue does not drain", u->name);
		return ret;
	}
	return vtd_gcmd(u, VTD_GCMD_QIE, false);
}

static int vtd_qi_enable(struct vtd_unit *u)
{
	u->iq_dw = u->scalable ? 32 : 16;
	u->iq_nr = (unsigned)(HV_PAGE_SIZE / u->iq_dw);
	u->iq_tail = 0;
	u->iq_prod = 0;
	__atomic_store_n(&u->iq_done, 0, __ATOMIC_RELEASE);
	/* IQH is reset to 0 by hardware when QI is enabled; IQT must match (spec 6.5.2). */
	wr64(u, VTD_IQT_REG, 0);
	wr64(u, VTD_IQA_REG,
	     (hpa_val(ptr_to_hpa(u->iq)) & VTD_IQA_IQA) | (u->scalable ? VTD_IQA_DW : 0) | FIELD_PREP(VTD_IQA_QS, 0));
	return vtd_gcmd(u, VTD_GCMD_QIE, true);
}

/* ---- faults (spec 7.1.3, 11.4.9, 11.4.14) ------------------------------------------------- */

/*
 * A blocked interrupt message (faults 0x20-0x27, spec 7.1.3): the record names the source-id
 * and the interrupt index, no address. It goes to whoever owns the source-id, as a write.
 */
static void vtd_ir_fault_deliver(struct vtd_unit *u, const struct vtd_fault *f)
{
	u->nr_ir_faults++;
	u->nr_faults++;
	u->last_fault = *f;
	u->last_fault_mapped = false;
	pr_info("vtd: %s: interrupt blocked: sid %02x:%02x.%x index %llu reason %#x (%s)", u->name, f->sid >> 8,
		(f->sid >> 3) & 0x1f, f->sid & 7, (unsigned long long)f->addr, f->reason,
		vtd_fault_reason_str(f->reason));
	ioasid_report_fault(&u->iommu, f->sid, false, 0, f->addr, IOASID_FAULT_ACCESS_WRITE,
			    IOASID_FAULT_REASON_INTERRUPT);
}

static void vtd_fault_deliver(struct vtd_unit *u, const struct vtd_fault *f)
{
	struct vtd_route *r;
	bool mapped = false;
	unsigned reason;
	bool has_pasid;

	if (vtd_fault_is_ir(f->reason)) {
		vtd_ir_fault_deliver(u, f);
		return;
	}

	/*
	 * R/W faults are reported alike for "no entry" and "entry without that permission":
	 * look the page up in what we installed for this SID to tell the guest which one.
	 */
	/* Scalable mode tags requests without PASID with RID_PASID: the core calls that "RID". */
	has_pasid = f->pasid_present && f->pasid != VTD_RID_PASID;
	r = vtd_route_find(u, f->sid, has_pasid ? f->pasid : VTD_RID_PASID);
	if (r != NULL && r->table != NULL) {
		mapped = pt_lookup(r->table, f->addr, NULL, NULL, NULL) == 0;
	}
	u->nr_faults++;
	u->last_fault = *f;
	u->last_fault_mapped = mapped;
	pr_info("vtd: %s: fault sid %02x:%02x.%x%s %s addr %#llx reason %#x (%s)", u->name, f->sid >> 8,
		(f->sid >> 3) & 0x1f, f->sid & 7, !f->pasid_present ? "" : (has_pasid ? " (PASID)" : " (RID_PASID)"),
		f->write ? "write" : "read", (unsigned long long)f->addr, f->reason, vtd_fault_reason_str(f->reason));
	/*
	 * A SID we left blocked faults on its missing context/PASID entry; the reason the unit
	 * gives for that varies (QEMU 10 reports a zeroed PASID entry as 0x5b, invalid PGTT, not
	 * 0x59), but we know the state we installed (DID 0: blocked; pass-through and nested
	 * routes have a DID but no table of ours to look the address up in).
	 */
	reason = (r != NULL && r->did == 0) ? IOASID_FAULT_REASON_BLOCKED
					    : vtd_fault_to_ioasid_reason(f->reason, mapped);
	ioasid_report_fault(&u->iommu, f->sid, has_pasid, f->pasid, f->addr,
			    f->write ? IOASID_FAULT_ACCESS_WRITE : IOASID_FAULT_ACCESS_READ, reason);
}

static unsigned vtd_unit_poll_faults_locked(struct vtd_unit *u)
{
	uint32_t fsts = rd32(u, VTD_FSTS_REG);
	unsigned handled = 0;

	if (fsts & VTD_FSTS_PFO) {
		/* Records were lost because every FRCD was full: counted, then re-armed. */
		u->nr_overflows++;
		pr_warn("vtd: %s: primary fault overflow (%llu so far)", u->name, (unsigned long long)u->nr_overflows);
		wr32(u, VTD_FSTS_REG, VTD_FSTS_PFO);
		/* At least one record was dropped, owner unknown (spec 7.1.3): tell every guest here. */
		ioasid_report_lost(&u->iommu, 1);
	}
	if (!(fsts & VTD_FSTS_PPF)) {
		wr32(u, VTD_FSTS_REG, 0); /* re-arms FECTL.IP (see below) */
		return 0;
	}
	/* Start at FRI (the oldest record) and go round once (spec 7.1.3). */
	for (unsigned k = 0; k < u->nfr; k++) {
		unsigned i = ((unsigned)FIELD_GET(VTD_FSTS_FRI, fsts) + k) % u->nfr;
		unsigned off = u->fro + i * VTD_FRCD_SIZE;
		uint64_t hi = rd64(u, off + VTD_FRCD_HI);
		struct vtd_fault f;

		if (!vtd_fault_decode(rd64(u, off + VTD_FRCD_LO), hi, &f)) {
			continue;
		}
		/* F is RW1C at bit 127: a 64-bit write to the upper half (a 64-bit register). */
		wr64(u, off + VTD_FRCD_HI, VTD_FRCD_HI_F);
		vtd_fault_deliver(u, &f);
		handled++;
	}
	/*
	 * Every condition serviced: a write to FSTS lets the unit clear FECTL.IP (spec 11.4.9.2;
	 * QEMU re-evaluates IP only on FSTS writes), so the next fault raises a new event.
	 */
	wr32(u, VTD_FSTS_REG, 0);
	return handled;
}

static unsigned vtd_unit_poll_faults(struct vtd_unit *u)
{
	unsigned n;

	hv_spin_lock(&u->fault_lock);
	n = vtd_unit_poll_faults_locked(u);
	hv_spin_unlock(&u->fault_lock);
	return n;
}

/* The fault event interrupt (spec 7.3): drain this unit's records into the guests' queues. */
static void vtd_fault_irq(void *arg)
{
	(void)vtd_unit_poll_faults(arg);
}

unsigned vtd_poll_faults(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vtd_nr; i++) {
		n += vtd_unit_poll_faults(&vtd_units[i]);
	}
	return n;
}

/*
 * Fault events (spec 7.3, 11.4.9.2-5): an MSI from FEDATA/FEADDR to a host vector whose
 * handler drains the records. The unit generates it itself, so it is not subject to interrupt
 * remapping (spec 5.1). Where the arch gives no vector, the mask stays set and faults are
 * polled when a guest reads its queue (hv/guest_iommu_vtd.c guest_iommu_collect_faults).
 */
static void vtd_fault_event_init(struct vtd_unit *u)
{
	uint64_t addr;
	uint32_t data;
	int v = u->fault_vector;

	if (v <= 0) {
		v = arch_irq_request_msi(vtd_fault_irq, u, &addr, &data);
		if (v < 0) {
			u->fault_vector = -1;
			pr_info("vtd: %s: fault events masked (%d %s): faults are polled", u->name, v, hv_strerror(v));
			return;
		}
		u->fault_vector = v;
		u->fault_addr = addr;
		u->fault_data = data;
	}
	wr32(u, VTD_FEDATA_REG, u->fault_data);
	wr32(u, VTD_FEADDR_REG, (uint32_t)u->fault_addr);
	wr32(u, VTD_FEUADDR_REG, (uint32_t)(u->fault_addr >> 32));
	wr32(u, VTD_FECTL_REG, 0); /* IM=0 */
	pr_info("vtd: %s: fault events raise vector %#x (MSI %#llx data %#x)", u->name, (unsigned)u->fault_vector,
		(unsigned long long)u->fault_addr, u->fault_data);
}

static void vtd_faults_init(struct vtd_unit *u)
{
	/* Masked while stale records are cleared; vtd_fault_event_init unmasks it after. */
	wr32(u, VTD_FECTL_REG, (uint32_t)VTD_FECTL_IM);
	for (unsigned i = 0; i < u->nfr; i++) {
		unsigned off = u->fro + i * VTD_FRCD_SIZE;

		if (rd64(u, off + VTD_FRCD_HI) & VTD_FRCD_HI_F) {
			wr64(u, off + VTD_FRCD_HI, VTD_FRCD_HI_F);
		}
	}
	wr32(u, VTD_FSTS_REG, (uint32_t)VTD_FSTS_CLEAR);
	/* Invalidation-completion events are not used (wait descriptors use status writes). */
	wr32(u, VTD_IECTL_REG, (uint32_t)VTD_IECTL_IM);
	vtd_fault_event_init(u);
}

/* ---- bring-up ----------------------------------------------------------------------------- */

static void vtd_log_caps(const struct vtd_unit *u, uint32_t ver)
{
	uint64_t sllps = FIELD_GET(VTD_CAP_SLLPS, u->cap);

	pr_info("vtd: %s at %#llx (segment %u) version %u.%u: %s mode%s, %u-level %u-bit tables", u->name,
		(unsigned long long)u->regs, u->segment, (ver >> 4) & 0xf, ver & 0xf,
		u->scalable ? "scalable" : "legacy",
		u->scalable ? (u->first_level ? " first-level" : " second-level") : "", u->levels,
		u->levels == 4 ? 48 : 39);
	pr_info("vtd: %s cap %#llx ecap %#llx: SAGAW %#llx MGAW %llu, %u domains, superpages %s%s, "
		"PSI %s (MAMV %llu), QI, %s, FRO %#x NFR %u%s%s",
		u->name, (unsigned long long)u->cap, (unsigned long long)u->ecap,
		(unsigned long long)FIELD_GET(VTD_CAP_SAGAW, u->cap),
		(unsigned long long)FIELD_GET(VTD_CAP_MGAW, u->cap) + 1, u->nr_domains, (sllps & 1) ? "2M" : "-",
		(sllps & 2) ? "+1G" : "", (u->cap & VTD_CAP_PSI) ? "yes" : "no",
		(unsigned long long)FIELD_GET(VTD_CAP_MAMV, u->cap),
		u->coherent ? "coherent walks" : "non-coherent walks (cache flushes)", u->fro, u->nfr,
		(u->cap & VTD_CAP_CM) ? ", caching mode" : "", (u->ecap & VTD_ECAP_SMTS) ? ", SMTS" : "");
}

static int vtd_probe_caps(struct vtd_unit *u, bool want_scalable)
{
	uint64_t sagaw;
	unsigned mgaw;

	u->cap = rd64(u, VTD_CAP_REG);
	u->ecap = rd64(u, VTD_ECAP_REG);
	if (!(u->ecap & VTD_ECAP_QI)) {
		pr_err("vtd: %s: no queued invalidation; unit not used", u->name);
		return -EOPNOTSUPP;
	}
	sagaw = FIELD_GET(VTD_CAP_SAGAW, u->cap);
	mgaw = (unsigned)FIELD_GET(VTD_CAP_MGAW, u->cap) + 1;
	u->scalable = want_scalable && (u->ecap & VTD_ECAP_SMTS) && (u->ecap & (VTD_ECAP_SLTS | VTD_ECAP_FLTS));
	/* QEMU can do first- or second-level per instance, never both (notes 1.2). */
	u->first_level = u->scalable && !(u->ecap & VTD_ECAP_SLTS);
	if (u->first_level) {
		u->levels = 4; /* x86-64 4-level paging format (FLPM=0) */
	} else if ((sagaw & VTD_SAGAW_48) && mgaw >= 48) {
		u->levels = 4;
	} else if (sagaw & VTD_SAGAW_39) {
		u->levels = 3;
	} else {
		pr_err("vtd: %s: SAGAW %#llx has neither 3- nor 4-level tables", u->name, (unsigned long long)sagaw);
		return -EOPNOTSUPP;
	}
	u->coherent = (u->ecap & VTD_ECAP_C) != 0;
	u->nr_domains = 1U << (4 + 2 * FIELD_GET(VTD_CAP_ND, u->cap));
	u->fro = (unsigned)FIELD_GET(VTD_CAP_FRO, u->cap) * 16;
	u->nfr = (unsigned)FIELD_GET(VTD_CAP_NFR, u->cap) + 1;
	return 0;
}

static int vtd_unit_alloc(struct vtd_unit *u)
{
	uint32_t *status;

	u->root = page_alloc(0);
	u->iq = page_alloc(0);
	status = page_alloc(0);
	if (u->root == NULL || u->iq == NULL || status == NULL) {
		return -ENOMEM;
	}
	u->wait_status = status;
	/* Root entries all not present: every request faults until a device is installed. */
	if (!u->coherent) {
		arch_dcache_clean(u->root, HV_PAGE_SIZE);
	}
	return 0;
}

int vtd_unit_up(struct vtd_unit *u)
{
	uint32_t gsts = rd32(u, VTD_GSTS_REG);
	int ret;

	if (gsts & VTD_GSTS_TES) {
		pr_warn("vtd: %s: firmware left translation on (GSTS %#x); switching to blocked "
			"tables without turning it off",
			u->name, gsts);
	}
	if (gsts & VTD_GSTS_QIES) {
		ret = vtd_qi_quiesce(u);
		if (ret) {
			return ret;
		}
	}
	/* Step 2: our root table (spec 10.4.6 / 11.4.6 RTADDR, then SRTP). */
	wr64(u, VTD_RTADDR_REG,
	     (hpa_val(ptr_to_hpa(u->root)) & VTD_RTADDR_RTA) |
		     FIELD_PREP(VTD_RTADDR_TTM, u->scalable ? VTD_RTADDR_TTM_SCALABLE : VTD_RTADDR_TTM_LEGACY));
	ret = vtd_gcmd(u, VTD_GCMD_SRTP, true);
	if (ret) {
		return ret;
	}
	/* Step 3: our queue, then drop everything cached from firmware's tables. */
	ret = vtd_qi_enable(u);
	if (ret) {
		return ret;
	}
	{
		struct vtd_inv_desc d[3];
		unsigned n = 0;
		bool drain = (u->cap & (VTD_CAP_DRD | VTD_CAP_DWD)) != 0;

		d[n++] = vtd_desc_cc_global();
		if (u->scalable) {
			d[n++] = (struct vtd_inv_desc){ .qw = { VTD_DESC_PC |
								FIELD_PREP(VTD_DESC_G, VTD_PC_G_GLOBAL) } };
		}
		d[n++] = vtd_desc_iotlb_global(drain);
		ret = vtd_qi_submit(u, d, n);
		if (ret) {
			return ret;
		}
	}
	/* Step 4 */
	ret = vtd_ir_enable(u);
	if (ret) {
		return ret;
	}
	/* Step 5 */
	vtd_faults_init(u);
	/* Step 6 */
	if (!(rd32(u, VTD_GSTS_REG) & VTD_GSTS_TES)) {
		ret = vtd_gcmd(u, VTD_GCMD_TE, true);
		if (ret) {
			return ret;
		}
	}
	return vtd_tables_init(u);
}

/* Register the unit of DRHD number drhd (mapped here). */
static int vtd_unit_add(const struct acpi_drhd *dr, unsigned drhd, bool want_scalable)
{
	uint64_t size = HV_PAGE_SIZE << (dr->size < 8 ? dr->size : 0);
	struct vtd_unit *u;
	uint32_t ver;
	int ret;

	if (vtd_nr == VTD_MAX_UNITS) {
		return -ENOSPC;
	}
	u = &vtd_units[vtd_nr];
	*u = (struct vtd_unit){ .regs = (uintptr_t)hpa_val(dr->base), .segment = dr->segment, .drhd = drhd };
	snprintf(u->name, sizeof(u->name), "dmar%u", vtd_nr);
	ret = arch_map_mmio(dr->base, size);
	if (ret) {
		return ret;
	}
	ver = rd32(u, VTD_VER_REG);
	if (ver == 0 || ver == 0xffffffffU) {
		pr_err("vtd: no unit at %#llx (VER %#x)", (unsigned long long)hpa_val(dr->base), ver);
		return -ENODEV;
	}
	ret = vtd_probe_caps(u, want_scalable);
	if (ret) {
		return ret;
	}
	vtd_log_caps(u, ver);
	pr_info("vtd: %s: DRHD %u, %s, %u device scopes", u->name, drhd,
		(dr->flags & ACPI_DRHD_INCLUDE_PCI_ALL) ? "INCLUDE_PCI_ALL" : "explicit scopes only", dr->nr_scopes);
	ret = vtd_unit_alloc(u);
	if (ret) {
		return ret;
	}
	ret = vtd_unit_up(u);
	if (ret) {
		pr_err("vtd: %s: bring-up failed (%d %s)", u->name, ret, hv_strerror(ret));
		return ret;
	}
	u->iommu = (struct hv_iommu){ .ops = &vtd_backend_ops, .priv = u, .name = u->name };
	pr_info("vtd: %s: translation enabled, all DMA blocked until devices are attached", u->name);
	vtd_nr++;
	return 0;
}

int vtd_init(const struct acpi_info *acpi)
{
	const struct acpi_dmar *d = acpi != NULL ? &acpi->dmar : NULL;
	int ret = -ENODEV;

	if (vtd_done) {
		return vtd_nr ? (int)vtd_nr : -ENODEV;
	}
	vtd_done = true;
	if (d == NULL || !d->present || d->nr_drhd == 0) {
		pr_err("vtd: no DMAR table with a DRHD unit; DMA remapping not available");
		return -ENODEV;
	}
	vtd_acpi = acpi;
	vtd_rmrr_claim(d); /* before any unit allocates its tables */
	for (unsigned i = 0; i < d->nr_drhd; i++) {
		int r = vtd_unit_add(&d->drhd[i], i, true);

		/* A unit that fails stays off; its devices have no unit (vtd_unit_for: NULL). */
		ret = ret == 0 ? 0 : r;
	}
	if (vtd_nr != 0) {
		(void)vtd_rmrr_setup(d); /* logs what it honours and refuses */
	}
	return vtd_nr ? (int)vtd_nr : ret;
}

unsigned vtd_nr_units(void)
{
	return vtd_nr;
}

struct vtd_unit *vtd_unit_get(unsigned i)
{
	return i < vtd_nr ? &vtd_units[i] : NULL;
}

struct vtd_unit *vtd_unit_for(uint16_t segment, uint16_t bdf)
{
	int drhd;

	if (vtd_acpi == NULL) {
		return NULL;
	}
	drhd = acpi_dmar_unit_for(vtd_acpi, segment, (uint8_t)(bdf >> 8), (uint8_t)bdf);
	for (unsigned i = 0; drhd >= 0 && i < vtd_nr; i++) {
		if (vtd_units[i].drhd == (unsigned)drhd) {
			return &vtd_units[i];
		}
	}
	return NULL;
}
