// SPDX-License-Identifier: MIT
/*
 * Arm SMMUv3 driver: discovery, take-over from firmware, command queue, event queue, global
 * errors. Stream table entries, context descriptors and the IOASID backend ops are in
 * smmuv3_ste.c; the pure formats in smmuv3_enc.c. Spec: Arm IHI 0070 (SMMUv3).
 *
 * Discovery (Arm DEN0049 IORT): one unit per IORT SMMUv3 node (base address, COHACC override
 * flag); devices reach a unit and a StreamID through the root complex's ID mappings.
 *
 * Assumptions:
 *  - arm64 at EL2 with our own identity map; the registers are mapped Device-nGnRE by
 *    arch_map_mmio(). 32-bit registers get 32-bit accesses, 64-bit ones 64-bit accesses.
 *  - Non-secure programming interface only (SMMU_S_* is firmware's). No MSIs, no PRI, no ATS.
 *  - AArch64 translation tables, little-endian, 4 KiB granule (what ioasid/pt.c builds).
 *  - Every CPU may submit commands at once: inserts are serialised by cmdq_lock, and each
 *    submitter waits for its own CMD_SYNC without the lock ("command queue" below). The event
 *    queue is drained by one CPU at a time (evtq_lock).
 *
 * Take-over (spec 6.3.9 CR0, 6.3.14 GBPA, 3.21 reconfiguration): whatever firmware left
 * (disabled with GBPA bypass, which is QEMU's reset state, or live), the SMMU must never pass
 * DMA untranslated while we reprogram it. So:
 *   1. GBPA.ABORT=1 (with the GBPA.Update handshake) before touching CR0: with SMMUEN=0 all
 *      incoming transactions now abort instead of bypassing;
 *   2. CR0 = 0 (SMMUEN, queues off), waiting for CR0ACK; IRQ_CTRL = 0; GERROR acknowledged;
 *   3. stream table with every STE V=1 Config=abort, command and event queues programmed;
 *   4. CMDQEN+EVENTQEN, then CFGI_ALL + TLBI_NSNH_ALL (+ TLBI_EL2_ALL) + CMD_SYNC, so nothing
 *      cached from firmware's configuration survives;
 *   5. SMMUEN=1: from here the (aborting) STEs decide, and GBPA stays ABORT for any later
 *      disable.
 * Every handshake is bounded (poll_until) and a timeout fails the unit, never hangs.
 *
 * Command completion (spec 4.7 CMD_SYNC, 3.5.2 queue indexes): CMD_SYNC with CS=SIG_NONE, and
 * completion observed by CMDQ_CONS moving past the sync's own slot. The driver counts every
 * entry it ever produced (64-bit), reconstructs the consumer's position from CMDQ_CONS (index
 * plus wrap bit), and waits for the position after its sync, so a sync that completes late can
 * never be mistaken for a later one (Xen XSA-373). A command error (CMDQ_CONS.ERR with
 * GERROR.CMDQ_ERR, spec 7.1) is reported, the offending command replaced by a CMD_SYNC and the
 * error acknowledged so the queue resumes; the submission returns -EIO.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/cmdline.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/wait.h>

#include "drivers/iommu/smmuv3/smmuv3.h"
#include "ioasid/core.h"

#define SMMU_ACK_TIMEOUT_US  100000  /* CR0ACK, IRQ_CTRLACK, GBPA.Update */
#define SMMU_SYNC_TIMEOUT_US 1000000 /* CMD_SYNC completion */
#define SMMU_CMDQ_LG_MAX     8	     /* 256 commands, one page */
/*
 * QEMU records one event per 4-byte access of a failing DMA (notes 2.4): a blocked 4 KiB edu
 * transfer is 1024 events. 2048 entries (64 KiB) hold two of them between polls.
 */
#define SMMU_EVTQ_LG_MAX	 11
#define SMMU_LOG_EVENTS_PER_POLL 4

static struct smmuv3_unit units[SMMUV3_MAX_UNITS];
static unsigned nr_units;
static bool init_done;
static int init_ret;

static inline void smmu_wmb(void)
{
	/* Queue/table writes in normal memory become visible before the register write. */
	__asm__ __volatile__("dsb st" ::: "memory");
}

static inline void smmu_rmb(void)
{
	__asm__ __volatile__("dsb ld" ::: "memory");
}

/*
 * Before reading what a non-coherent SMMU wrote (event records): clean+invalidate the lines so
 * the CPU does not read stale cached copies (DC CIVAC, completed by DSB).
 */
static void smmu_inv_for_cpu(const struct smmuv3_unit *u, const void *p, size_t len)
{
	uint64_t ctr, line;
	uintptr_t a, end = (uintptr_t)p + len;

	if (u->coherent) {
		return;
	}
	/* CTR_EL0.DminLine (bits 19:16): log2 of the smallest data cache line, in words. */
	__asm__ __volatile__("mrs %0, ctr_el0" : "=r"(ctr));
	line = 4ULL << ((ctr >> 16) & 0xf);
	for (a = (uintptr_t)p & ~(uintptr_t)(line - 1); a < end; a += line) {
		__asm__ __volatile__("dc civac, %0" ::"r"(a) : "memory");
	}
	__asm__ __volatile__("dsb sy" ::: "memory");
}

static uint32_t rd32(const struct smmuv3_unit *u, unsigned off)
{
	return mmio_read32(u->regs + off);
}

static void wr32(const struct smmuv3_unit *u, unsigned off, uint32_t v)
{
	mmio_write32(u->regs + off, v);
}

static void wr64(const struct smmuv3_unit *u, unsigned off, uint64_t v)
{
	mmio_write64(u->regs + off, v);
}

void smmuv3_sync_to_device(const struct smmuv3_unit *u, const void *p, size_t len)
{
	if (!u->coherent) {
		arch_dcache_clean(p, len);
	}
	smmu_wmb();
}

unsigned smmuv3_nr_units(void)
{
	return nr_units;
}

struct smmuv3_unit *smmuv3_unit_get(unsigned i)
{
	return i < nr_units ? &units[i] : NULL;
}

void smmuv3_opts_from_cmdline(const char *cmdline, struct smmuv3_opts *o)
{
	char v[8];

	*o = (struct smmuv3_opts){ .stage = SMMUV3_STAGE_AUTO };
	if (cmdline_get(cmdline, "smmuv3.stage", v, sizeof(v))) {
		o->stage = strcmp(v, "1") == 0	 ? SMMUV3_STAGE_1
			   : strcmp(v, "2") == 0 ? SMMUV3_STAGE_2
						 : SMMUV3_STAGE_AUTO;
	}
	o->force_linear = cmdline_get(cmdline, "smmuv3.linear", NULL, 0);
}

/* ---- global errors (spec 7.5) ---- */

static const char *const gerror_names[] = {
	"CMDQ_ERR",	    "?",
	"EVENTQ_ABT_ERR",   "PRIQ_ABT_ERR",
	"MSI_CMDQ_ABT_ERR", "MSI_EVENTQ_ABT_ERR",
	"MSI_PRIQ_ABT_ERR", "MSI_GERROR_ABT_ERR",
	"SFM_ERR",	    "CMDQP_ERR",
};

/*
 * An error is active while its GERROR bit differs from GERRORN's; writing GERRORN with the
 * GERROR value acknowledges. CMDQ_ERR is left to the command path (mask), which must first fix
 * the offending queue entry.
 */
static uint32_t gerror_ack(struct smmuv3_unit *u, uint32_t mask)
{
	uint32_t g = rd32(u, SMMU_GERROR), gn = rd32(u, SMMU_GERRORN);
	uint32_t active = (g ^ gn) & (uint32_t)SMMU_GERROR_ALL & mask;

	if (active == 0) {
		return 0;
	}
	for (unsigned b = 0; b < ARRAY_SIZE(gerror_names); b++) {
		if (active & (1U << b)) {
			/* Event queue overflow is counted, not an error of ours (QEMU floods it). */
			if (b == 2) {
				u->nr_overflows++;
				pr_warn("smmuv3: %s: event queue overflow (events lost)", u->name);
				ioasid_report_lost(&u->iommu, 1); /* owners unknown: every guest here */
			} else {
				pr_err("smmuv3: %s: global error %s", u->name, gerror_names[b]);
			}
		}
	}
	u->nr_gerrors++;
	wr32(u, SMMU_GERRORN, gn ^ active);
	return active;
}

uint32_t smmuv3_check_gerror(struct smmuv3_unit *u)
{
	return gerror_ack(u, ~(uint32_t)SMMU_GERROR_CMDQ_ERR);
}

/* ---- command queue (spec 3.5, 4) ---- */

/*
 * Every CPU submits to the same queue, and each waits for its own CMD_SYNC only:
 *  - cmdq_lock is held to make room, write the commands and the CMD_SYNC and move PROD; never
 *    while waiting for the sync, so one CPU's wait does not hold up another's inserts.
 *  - At most 2^lg - 1 entries are ever outstanding (one slot stays free). That bounds where
 *    the consumer can be relative to a waiter's sync without the lock (cmdq_passed), so the
 *    wrap bit is never ambiguous however late the waiter looks.
 *  - XSA-373: a waiter decides from the consumer position alone, never from a shared "done"
 *    flag, so another CPU's late completion cannot be taken for its own. A sync that is not
 *    consumed in time kills the queue (cmdq_dead): later and still-waiting submissions get -EIO.
 *  - CMDQ_ERR (spec 7.1) stops the consumer at the bad command. Whoever sees it takes the lock
 *    and fixes it (cmdq_fix_error), recording the bad command's position; a submission returns
 *    -EIO when one of its own commands failed, 0 when only another CPU's did.
 */

/* Under cmdq_lock: the consumer's position as an entry count, from CMDQ_CONS (index + wrap). */
static uint64_t cmdq_cons_pos(const struct smmuv3_unit *u, uint32_t cons)
{
	uint64_t span = 2ULL << u->cmdq_lg;

	return u->cmdq_prod - ((u->cmdq_prod - SMMU_Q_IDXWRP(u->cmdq_lg, cons)) & (span - 1));
}

/*
 * Without the lock: has the consumer passed position end (the entry after our CMD_SYNC)?
 * An entry at position q is only written once the consumer is at q + 2 - 2^lg or later. So if
 * entries up to end + 2^lg - 2 were produced, it has passed end; otherwise it is within
 * [end + 1 - 2^lg, end + 2^lg - 2] (our sync was written under that same rule, and the consumer
 * never passes what was produced), and index + wrap bit (2^(lg+1) values) tell it apart.
 */
static bool cmdq_passed(const struct smmuv3_unit *u, uint64_t end)
{
	uint64_t nr = 1ULL << u->cmdq_lg, span = 2ULL << u->cmdq_lg;
	uint32_t cons = rd32(u, SMMU_CMDQ_CONS);
	uint64_t prod;

	smmu_rmb(); /* CONS is read before cmdq_prod: what it shows was produced by then */
	prod = __atomic_load_n(&u->cmdq_prod, __ATOMIC_ACQUIRE);
	if (prod - end >= nr - 1) {
		return true;
	}
	return ((SMMU_Q_IDXWRP(u->cmdq_lg, cons) - end) & (span - 1)) < nr;
}

static void cmdq_publish(struct smmuv3_unit *u)
{
	smmuv3_sync_to_device(u, u->cmdq, sizeof(*u->cmdq) << u->cmdq_lg);
	wr32(u, SMMU_CMDQ_PROD, SMMU_Q_IDXWRP(u->cmdq_lg, (uint32_t)u->cmdq_prod));
}

/*
 * Under cmdq_lock. CMDQ_ERR (spec 7.1): CONS points at the command that failed. Record its
 * position for its submitter, replace it by a CMD_SYNC (a no-op here) and acknowledge, so the
 * SMMU resumes with the commands after it.
 */
static void cmdq_fix_error(struct smmuv3_unit *u)
{
	uint32_t cons = rd32(u, SMMU_CMDQ_CONS);
	struct smmu_cmd *bad = &u->cmdq[SMMU_Q_IDX(u->cmdq_lg, cons)];
	uint64_t k = u->nr_cmd_errors;

	pr_err("smmuv3: %s: command error %u on opcode %#llx (%#llx %#llx)", u->name,
	       (unsigned)FIELD_GET(SMMU_CMDQ_CONS_ERR, cons), (unsigned long long)FIELD_GET(CMD_0_OP, bad->d[0]),
	       (unsigned long long)bad->d[0], (unsigned long long)bad->d[1]);
	u->cmd_error_pos[k % SMMU_CMD_ERROR_LOG] = cmdq_cons_pos(u, cons);
	__atomic_store_n(&u->nr_cmd_errors, k + 1, __ATOMIC_RELEASE);
	*bad = smmu_cmd_sync();
	smmuv3_sync_to_device(u, bad, sizeof(*bad));
	gerror_ack(u, SMMU_GERROR_CMDQ_ERR);
}

static bool cmdq_error(const struct smmuv3_unit *u)
{
	return ((rd32(u, SMMU_GERROR) ^ rd32(u, SMMU_GERRORN)) & SMMU_GERROR_CMDQ_ERR) != 0;
}

static bool cmdq_is_dead(const struct smmuv3_unit *u)
{
	return __atomic_load_n(&u->cmdq_dead, __ATOMIC_ACQUIRE);
}

/* Under cmdq_lock: a wait for position pos timed out; the queue is dead from now on. */
static int cmdq_timed_out(struct smmuv3_unit *u, uint64_t pos)
{
	if (cmdq_is_dead(u)) {
		return -EIO; /* another CPU's wait already failed and said so */
	}
	__atomic_store_n(&u->cmdq_dead, true, __ATOMIC_RELEASE);
	pr_err("smmuv3: %s: CMD_SYNC at %llu not consumed (CONS %#x); queue disabled", u->name, (unsigned long long)pos,
	       rd32(u, SMMU_CMDQ_CONS));
	return -ETIMEDOUT;
}

/* Under cmdq_lock: wait (bounded) until one more entry fits, fixing command errors on the way. */
static int cmdq_wait_room(struct smmuv3_unit *u)
{
	uint64_t nr = 1ULL << u->cmdq_lg;

	for (;;) {
		int ret = poll_until(u->cmdq_prod - cmdq_cons_pos(u, rd32(u, SMMU_CMDQ_CONS)) < nr - 1 || cmdq_error(u),
				     SMMU_SYNC_TIMEOUT_US);

		if (ret) {
			return cmdq_timed_out(u, u->cmdq_prod - nr + 2);
		}
		if (!cmdq_error(u)) {
			return 0;
		}
		cmdq_fix_error(u);
	}
}

/* After our sync was consumed: did one of our own commands, [start, end), fail? */
static bool cmdq_failed(struct smmuv3_unit *u, uint64_t errors0, uint64_t start, uint64_t end)
{
	bool failed = false;

	if (__atomic_load_n(&u->nr_cmd_errors, __ATOMIC_ACQUIRE) == errors0) {
		return false; /* the common case: no error anywhere since we queued */
	}
	hv_spin_lock(&u->cmdq_lock);
	for (uint64_t k = errors0; k < u->nr_cmd_errors && !failed; k++) {
		uint64_t pos = u->cmd_error_pos[k % SMMU_CMD_ERROR_LOG];

		/* Forgotten records: assume the worst. */
		failed = u->nr_cmd_errors - k > SMMU_CMD_ERROR_LOG || (pos >= start && pos < end);
	}
	hv_spin_unlock(&u->cmdq_lock);
	return failed;
}

int smmuv3_cmds(struct smmuv3_unit *u, const struct smmu_cmd *c, unsigned n)
{
	uint64_t nr = 1ULL << u->cmdq_lg;
	uint64_t start, end, errors0;
	int ret = 0;

	hv_spin_lock(&u->cmdq_lock);
	if (cmdq_is_dead(u)) {
		ret = -EIO;
		goto unlock;
	}
	start = u->cmdq_prod;
	errors0 = u->nr_cmd_errors;
	for (unsigned i = 0; i <= n; i++) {
		struct smmu_cmd cmd = i < n ? c[i] : smmu_cmd_sync();

		if (u->cmdq_prod - cmdq_cons_pos(u, rd32(u, SMMU_CMDQ_CONS)) >= nr - 1) {
			/* Full: let the SMMU run what we wrote so far, then wait for a free slot. */
			cmdq_publish(u);
			ret = cmdq_wait_room(u);
			if (ret) {
				goto unlock;
			}
		}
		u->cmdq[SMMU_Q_IDX(u->cmdq_lg, (uint32_t)u->cmdq_prod)] = cmd;
		__atomic_store_n(&u->cmdq_prod, u->cmdq_prod + 1, __ATOMIC_RELEASE);
	}
	cmdq_publish(u);
	end = u->cmdq_prod; /* the sync is the last entry: done when the consumer is here */
	hv_spin_unlock(&u->cmdq_lock);

	for (;;) {
		ret = poll_until(cmdq_passed(u, end) || cmdq_error(u) || cmdq_is_dead(u), SMMU_SYNC_TIMEOUT_US);
		if (cmdq_passed(u, end)) {
			return cmdq_failed(u, errors0, start, end) ? -EIO : 0;
		}
		hv_spin_lock(&u->cmdq_lock);
		if (ret || cmdq_is_dead(u)) {
			ret = ret ? cmdq_timed_out(u, end) : -EIO;
			goto unlock;
		}
		if (cmdq_error(u)) {
			cmdq_fix_error(u); /* whoever's command it was; it is recorded for them */
		}
		hv_spin_unlock(&u->cmdq_lock);
	}
unlock:
	hv_spin_unlock(&u->cmdq_lock);
	return ret;
}

/* ---- event queue (spec 3.5, 7.3) ---- */

static bool evt_same_fault(const struct smmu_event *a, const struct smmu_event *b)
{
	return a->id == b->id && a->sid == b->sid && a->ssv == b->ssv && a->ssid == b->ssid && a->read == b->read &&
	       a->s2 == b->s2 && a->cls == b->cls && (a->addr >> HV_PAGE_SHIFT) == (b->addr >> HV_PAGE_SHIFT);
}

static void evt_log(struct smmuv3_unit *u, const struct smmu_event *ev, unsigned reason)
{
	/* Configuration errors are our bugs; translation faults are what guests cause. */
	enum log_level lvl = smmu_evt_has_addr(ev->id) ? LOG_INFO : LOG_ERR;

	hv_log(lvl,
	       "smmuv3: %s: event %s (%#x) sid %#x%s %s addr %#llx ipa %#llx s2 %u class %u -> "
	       "reason %u",
	       u->name, smmu_evt_name(ev->id), ev->id, ev->sid, ev->ssv ? " ssid" : "", ev->read ? "read" : "write",
	       (unsigned long long)ev->addr, (unsigned long long)ev->ipa, ev->s2, ev->cls, reason);
}

/*
 * QEMU records one event per 4 bytes of a failing DMA, so one blocked transfer is hundreds of
 * records for the same page. Within one drain, an event equal to the previous delivered one
 * (same type, stream, direction and 4 KiB page) is counted as merged and not delivered again;
 * the guest sees one fault record per page and fault, the log a bounded number of lines.
 */
unsigned smmuv3_evtq_drain(struct smmuv3_unit *u, const char *via)
{
	unsigned lg = u->evtq_lg, handled = 0, logged = 0;
	struct smmu_event prev = { 0 };
	bool have_prev = false;
	uint32_t prod, cons;

	hv_spin_lock(&u->evtq_lock);
	prod = rd32(u, SMMU_EVTQ_PROD);
	cons = u->evtq_cons;
	/* Real SMMUs flag overflow in PROD.OVFLG; QEMU raises GERROR.EVENTQ_ABT_ERR instead. */
	if ((prod & SMMU_Q_OVF) != (cons & SMMU_Q_OVF)) {
		u->nr_overflows++;
		pr_warn("smmuv3: %s: event queue overflowed (events lost)", u->name);
		ioasid_report_lost(&u->iommu, 1); /* owners unknown: every guest here */
		cons = (cons & ~SMMU_Q_OVF) | (prod & SMMU_Q_OVF);
	}
	smmu_rmb();
	while (SMMU_Q_IDXWRP(lg, cons) != SMMU_Q_IDXWRP(lg, prod)) {
		struct smmu_evt raw;
		struct smmu_event ev;
		unsigned reason;

		smmu_inv_for_cpu(u, &u->evtq[SMMU_Q_IDX(lg, cons)], sizeof(raw));
		raw = u->evtq[SMMU_Q_IDX(lg, cons)];

		smmu_evt_decode(&raw, &ev);
		/* A detached stream's empty table faults; the guest is told "blocked" (spec-wise F_TRANSLATION). */
		reason = !ev.ssv && smmuv3_sid_blocked(u, ev.sid) ? IOASID_FAULT_REASON_BLOCKED : smmu_evt_reason(&ev);
		u->nr_events++;
		handled++;
		if (have_prev && evt_same_fault(&prev, &ev)) {
			u->nr_merged++;
			u->nr_last_merged++;
		} else {
			if (logged++ < SMMU_LOG_EVENTS_PER_POLL) {
				evt_log(u, &ev, reason);
			}
			u->last_event = ev;
			u->nr_last_merged = 0;
			u->nr_delivered++;
			prev = ev;
			have_prev = true;
			ioasid_report_fault(&u->iommu, ev.sid, ev.ssv, ev.ssid, ev.addr,
					    ev.read ? IOASID_FAULT_ACCESS_READ : IOASID_FAULT_ACCESS_WRITE, reason);
		}
		cons = (cons & SMMU_Q_OVF) | SMMU_Q_IDXWRP(lg, cons + 1);
	}
	if (logged > SMMU_LOG_EVENTS_PER_POLL) {
		pr_info("smmuv3: %s: %u more distinct events not logged", u->name, logged - SMMU_LOG_EVENTS_PER_POLL);
	}
	if (handled != 0) {
		pr_info("smmuv3: %s: %u events drained%s (%llu merged repeats in total)", u->name, handled, via,
			(unsigned long long)u->nr_merged);
	}
	u->evtq_cons = cons;
	smmu_wmb();
	wr32(u, SMMU_EVTQ_CONS, cons);
	hv_spin_unlock(&u->evtq_lock);
	return handled;
}

unsigned smmuv3_poll_events(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nr_units; i++) {
		(void)smmuv3_check_gerror(&units[i]);
		n += smmuv3_evtq_drain(&units[i], "");
		(void)smmuv3_check_gerror(&units[i]);
	}
	return n;
}

/* ---- bring-up ---- */

static int cr0_write(struct smmuv3_unit *u, uint32_t v)
{
	int ret;

	wr32(u, SMMU_CR0, v);
	ret = poll_until(rd32(u, SMMU_CR0ACK) == v, SMMU_ACK_TIMEOUT_US);
	if (ret) {
		pr_err("smmuv3: %s: CR0ACK %#x never matched CR0 %#x", u->name, rd32(u, SMMU_CR0ACK), v);
	}
	return ret;
}

/* GBPA.ABORT with the Update handshake (spec 6.3.14): wait idle, write with Update, wait. */
static int gbpa_abort(struct smmuv3_unit *u)
{
	uint32_t gbpa;
	int ret;

	ret = poll_until(!(rd32(u, SMMU_GBPA) & SMMU_GBPA_UPDATE), SMMU_ACK_TIMEOUT_US);
	if (ret) {
		goto fail;
	}
	gbpa = rd32(u, SMMU_GBPA);
	wr32(u, SMMU_GBPA, gbpa | (uint32_t)SMMU_GBPA_ABORT | (uint32_t)SMMU_GBPA_UPDATE);
	ret = poll_until(!(rd32(u, SMMU_GBPA) & SMMU_GBPA_UPDATE), SMMU_ACK_TIMEOUT_US);
	if (ret) {
		goto fail;
	}
	if (!(rd32(u, SMMU_GBPA) & SMMU_GBPA_ABORT)) {
		pr_err("smmuv3: %s: GBPA.ABORT did not stick", u->name);
		return -EIO;
	}
	return 0;
fail:
	pr_err("smmuv3: %s: GBPA.Update never cleared (%#x)", u->name, rd32(u, SMMU_GBPA));
	return ret;
}

static void decode_idrs(struct smmuv3_unit *u, const struct smmuv3_opts *o)
{
	uint32_t i0 = u->idr[0], i1 = u->idr[1], i3 = u->idr[3], i5 = u->idr[5];

	u->s1p = (i0 & SMMU_IDR0_S1P) != 0;
	u->s2p = (i0 & SMMU_IDR0_S2P) != 0;
	u->coherent = (i0 & SMMU_IDR0_COHACC) != 0;
	u->hyp = (i0 & SMMU_IDR0_HYP) != 0;
	u->st_2lvl = FIELD_GET(SMMU_IDR0_ST_LEVEL, i0) == 1;
	u->asid_bits = (i0 & SMMU_IDR0_ASID16) ? 16 : 8;
	u->vmid_bits = (i0 & SMMU_IDR0_VMID16) ? 16 : 8;
	u->sid_bits = (unsigned)FIELD_GET(SMMU_IDR1_SIDSIZE, i1);
	u->ssid_bits = (unsigned)FIELD_GET(SMMU_IDR1_SSIDSIZE, i1);
	u->ril = (i3 & SMMU_IDR3_RIL) != 0;
	u->oas_enc = (unsigned)FIELD_GET(SMMU_IDR5_OAS, i5);
	u->oas_bits = smmu_oas_bits(u->oas_enc);
	if (u->oas_bits > 48) {
		u->oas_enc = 5; /* our tables produce 48-bit output addresses at most */
		u->oas_bits = 48;
	}
	/* Single-stage tables: stage 2 when available (VMID-tagged, nesting possible). */
	if (u->s2p && (o->stage == SMMUV3_STAGE_2 || (o->stage == SMMUV3_STAGE_AUTO) || !u->s1p)) {
		u->paging_fmt = PT_FMT_ARM_S2;
		/* The format's widest (pt.h); an IPA cannot exceed S2PS either (spec 5.2). */
		u->ia_bits = MIN(pt_fmt_ia_bits(PT_FMT_ARM_S2, 4), u->oas_bits);
	} else {
		u->paging_fmt = PT_FMT_ARM_S1;
		u->ia_bits = pt_fmt_ia_bits(PT_FMT_ARM_S1, 4);
	}
	u->hw_nesting = u->s1p && u->s2p && o->stage == SMMUV3_STAGE_AUTO;
	/* PASIDs need stage-1 STEs (a CD per SubstreamID); stage 2 is per stream. */
	u->pasid_bits = u->paging_fmt == PT_FMT_ARM_S1 ? MIN(u->ssid_bits, SMMUV3_MAX_SSID_BITS) : 0;
}

static int queues_alloc(struct smmuv3_unit *u)
{
	unsigned cmdq_lg = MIN((unsigned)FIELD_GET(SMMU_IDR1_CMDQS, u->idr[1]), SMMU_CMDQ_LG_MAX);
	unsigned evtq_lg = MIN((unsigned)FIELD_GET(SMMU_IDR1_EVENTQS, u->idr[1]), SMMU_EVTQ_LG_MAX);
	size_t cmdq_bytes = sizeof(struct smmu_cmd) << cmdq_lg;
	size_t evtq_bytes = sizeof(struct smmu_evt) << evtq_lg;
	unsigned cmdq_order = 0, evtq_order = 0;

	while ((HV_PAGE_SIZE << cmdq_order) < cmdq_bytes) {
		cmdq_order++;
	}
	while ((HV_PAGE_SIZE << evtq_order) < evtq_bytes) {
		evtq_order++;
	}
	/* page_alloc is naturally aligned: the queue base is aligned to its size (spec 6.3.24). */
	u->cmdq = page_alloc(cmdq_order);
	u->evtq = page_alloc(evtq_order);
	if (u->cmdq == NULL || u->evtq == NULL) {
		return -ENOMEM;
	}
	u->cmdq_lg = cmdq_lg;
	u->evtq_lg = evtq_lg;
	smmuv3_sync_to_device(u, u->cmdq, cmdq_bytes);
	smmuv3_sync_to_device(u, u->evtq, evtq_bytes);
	return 0;
}

int smmuv3_probe(struct smmuv3_unit *u, hpa_t base, bool fw_cohacc, const struct smmuv3_opts *o)
{
	uint32_t cr1, cr0 = SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN, firmware_cr0;
	struct smmu_cmd cmds[3];
	unsigned ncmd = 0;
	int ret;

	ret = arch_map_mmio(base, SMMU_REG_SIZE);
	if (ret) {
		return ret;
	}
	u->base = base;
	u->regs = (uintptr_t)hpa_val(base);
	for (unsigned i = 0; i < 6; i++) {
		u->idr[i] = rd32(u, SMMU_IDR0 + 4 * i);
	}
	u->aidr = rd32(u, SMMU_AIDR);
	decode_idrs(u, o);
	/*
	 * The IORT's COHACC override is the firmware's statement of how the SMMU is wired and
	 * wins over IDR0.COHACC (DEN0049 3.1.1.2); they agree on QEMU virt.
	 */
	if (fw_cohacc != u->coherent) {
		pr_warn("smmuv3: %s: IDR0.COHACC %u overridden by IORT (%u)", u->name, u->coherent, fw_cohacc);
	}
	u->coherent = fw_cohacc;
	pr_info("smmuv3: %s at %#llx: IDR0 %#x IDR1 %#x IDR3 %#x IDR5 %#x AIDR %#x (SMMUv3.%u)", u->name,
		(unsigned long long)hpa_val(base), u->idr[0], u->idr[1], u->idr[3], u->idr[5], u->aidr,
		(unsigned)FIELD_GET(SMMU_AIDR_MINOR, u->aidr));
	pr_info("smmuv3: %s: stages%s%s, SID %u bits, SSID %u bits, %s stream table, OAS %u bits, "
		"granules%s%s%s, ASID %u VMID %u bits, RIL %u, COHACC %u",
		u->name, u->s1p ? " S1" : "", u->s2p ? " S2" : "", u->sid_bits, u->ssid_bits,
		u->st_2lvl ? "2-level" : "linear-only", smmu_oas_bits((unsigned)FIELD_GET(SMMU_IDR5_OAS, u->idr[5])),
		(u->idr[5] & SMMU_IDR5_GRAN4K) ? " 4K" : "", (u->idr[5] & SMMU_IDR5_GRAN16K) ? " 16K" : "",
		(u->idr[5] & SMMU_IDR5_GRAN64K) ? " 64K" : "", u->asid_bits, u->vmid_bits, u->ril, u->coherent);
	if (!(FIELD_GET(SMMU_IDR0_TTF, u->idr[0]) & SMMU_IDR0_TTF_AARCH64) ||
	    FIELD_GET(SMMU_IDR0_TTENDIAN, u->idr[0]) == SMMU_IDR0_TTENDIAN_BE || !(u->idr[5] & SMMU_IDR5_GRAN4K) ||
	    !(u->s1p || u->s2p)) {
		pr_err("smmuv3: %s: needs AArch64 little-endian 4 KiB tables and a stage", u->name);
		return -EOPNOTSUPP;
	}

	/* 1. Abort everything while the SMMU is (or goes) disabled. */
	ret = gbpa_abort(u);
	if (ret) {
		return ret;
	}
	/* 2. Off, no interrupts, errors acknowledged. */
	firmware_cr0 = rd32(u, SMMU_CR0);
	ret = cr0_write(u, 0);
	if (ret) {
		return ret;
	}
	wr32(u, SMMU_IRQ_CTRL, 0);
	__atomic_store_n(&u->irq_on, false, __ATOMIC_RELEASE); /* polled until smmuv3_irq_setup */
	ret = poll_until(rd32(u, SMMU_IRQ_CTRLACK) == 0, SMMU_ACK_TIMEOUT_US);
	if (ret) {
		pr_err("smmuv3: %s: IRQ_CTRLACK did not clear", u->name);
		return ret;
	}
	(void)gerror_ack(u, ~0U);
	/* 3. Tables and queues. Walk and queue attributes follow IO-coherency. */
	cr1 = u->coherent ? (uint32_t)(FIELD_PREP(SMMU_CR1_QUEUE_IC, SMMU_CACHE_WB) |
				       FIELD_PREP(SMMU_CR1_QUEUE_OC, SMMU_CACHE_WB) |
				       FIELD_PREP(SMMU_CR1_QUEUE_SH, SMMU_SH_ISH) |
				       FIELD_PREP(SMMU_CR1_TABLE_IC, SMMU_CACHE_WB) |
				       FIELD_PREP(SMMU_CR1_TABLE_OC, SMMU_CACHE_WB) |
				       FIELD_PREP(SMMU_CR1_TABLE_SH, SMMU_SH_ISH))
			  : (uint32_t)(FIELD_PREP(SMMU_CR1_QUEUE_SH, SMMU_SH_OSH) |
				       FIELD_PREP(SMMU_CR1_TABLE_SH, SMMU_SH_OSH));
	wr32(u, SMMU_CR1, cr1);
	/* PTM: no broadcast TLB maintenance from CPUs; RECINVSID: report bad StreamIDs. */
	wr32(u, SMMU_CR2, (uint32_t)(SMMU_CR2_PTM | SMMU_CR2_RECINVSID));
	ret = smmuv3_strtab_init(u, o->force_linear);
	if (ret == 0) {
		ret = queues_alloc(u);
	}
	if (ret) {
		pr_err("smmuv3: %s: stream table and queues not set up (%d %s)", u->name, ret, hv_strerror(ret));
		return ret;
	}
	wr64(u, SMMU_CMDQ_BASE,
	     (u->coherent ? SMMU_Q_BASE_RWA : 0) | (hpa_val(ptr_to_hpa(u->cmdq)) & SMMU_Q_BASE_ADDR) |
		     FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, u->cmdq_lg));
	wr32(u, SMMU_CMDQ_PROD, 0);
	wr32(u, SMMU_CMDQ_CONS, 0);
	__atomic_store_n(&u->cmdq_prod, 0, __ATOMIC_RELEASE);
	wr64(u, SMMU_EVTQ_BASE,
	     (u->coherent ? SMMU_Q_BASE_RWA : 0) | (hpa_val(ptr_to_hpa(u->evtq)) & SMMU_Q_BASE_ADDR) |
		     FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, u->evtq_lg));
	wr32(u, SMMU_EVTQ_PROD, 0);
	wr32(u, SMMU_EVTQ_CONS, 0);
	u->evtq_cons = 0;
	/* 4. Queues on; forget every configuration and translation cached before us. */
	ret = cr0_write(u, cr0);
	if (ret) {
		return ret;
	}
	cmds[ncmd++] = smmu_cmd_cfgi_all();
	cmds[ncmd++] = smmu_cmd_tlbi_nsnh_all();
	if (u->hyp) {
		cmds[ncmd++] = smmu_cmd_tlbi_el2_all();
	}
	ret = smmuv3_cmds(u, cmds, ncmd);
	if (ret) {
		pr_err("smmuv3: %s: initial invalidation failed (%d)", u->name, ret);
		return ret;
	}
	/* 5. Translate: every stream aborts until the IOASID core attaches it. */
	ret = cr0_write(u, cr0 | SMMU_CR0_SMMUEN);
	if (ret) {
		return ret;
	}
	if (smmuv3_check_gerror(u) != 0) {
		return -EIO;
	}
	pr_info("smmuv3: %s: enabled (firmware CR0 was %#x), all streams abort; %s stream table "
		"for 2^%u SIDs, cmdq 2^%u, evtq 2^%u; single-stage tables %s %u-bit%s",
		u->name, firmware_cr0, u->linear ? "linear" : "2-level", u->st_log2, u->cmdq_lg, u->evtq_lg,
		u->paging_fmt == PT_FMT_ARM_S2 ? "stage-2" : "stage-1", u->ia_bits,
		u->hw_nesting ? ", NESTED by hardware nesting" : ", NESTED shadowed");
	return 0;
}

int smmuv3_init(const struct acpi_info *acpi, const struct smmuv3_opts *opts)
{
	const struct acpi_iort *iort = &acpi->iort;

	if (init_done) {
		return init_ret;
	}
	init_done = true;
	if (!iort->present || iort->nr_smmus == 0) {
		pr_err("smmuv3: no SMMUv3 node in the IORT (QEMU virt builds an IORT only with its=on)");
		init_ret = -ENODEV;
		return init_ret;
	}
	smmuv3_rmr_claim(acpi); /* before any unit allocates its tables */
	for (unsigned i = 0; i < iort->nr_smmus && nr_units < SMMUV3_MAX_UNITS; i++) {
		const struct acpi_iort_smmu *node = &iort->smmus[i];
		struct smmuv3_unit *u = &units[nr_units];
		int ret;

		*u = (struct smmuv3_unit){ .iort_index = i,
					   .opts = *opts,
					   .fw_cohacc = (node->flags & ACPI_IORT_SMMU_COHACC) != 0 };
		u->name[0] = 's';
		u->name[1] = 'm';
		u->name[2] = 'm';
		u->name[3] = 'u';
		u->name[4] = (char)('0' + nr_units);
		u->iommu = (struct hv_iommu){ .ops = &smmuv3_backend_ops, .priv = u, .name = u->name };
		pr_info("smmuv3: %s from IORT node at offset %#x: base %#llx, flags %#x, model %u, "
			"GSIVs event %u gerror %u sync %u",
			u->name, node->offset, (unsigned long long)hpa_val(node->base), node->flags, node->model,
			node->gsiv_event, node->gsiv_gerr, node->gsiv_sync);
		ret = smmuv3_probe(u, node->base, u->fw_cohacc, opts);
		if (ret) {
			pr_err("smmuv3: unit at %#llx not taken over (%d %s)", (unsigned long long)hpa_val(node->base),
			       ret, hv_strerror(ret));
			continue;
		}
		nr_units++;
		(void)smmuv3_irq_setup(u, node); /* logs; without it the unit is drained by polling */
	}
	init_ret = nr_units ? (int)nr_units : -ENODEV;
	if (nr_units != 0) {
		(void)smmuv3_rmr_setup(acpi); /* logs what it honours and refuses */
	}
	return init_ret;
}

struct smmuv3_unit *smmuv3_unit_for(const struct acpi_info *acpi, uint16_t segment, uint16_t bdf, uint32_t *sid)
{
	struct acpi_iort_target t;

	if (acpi_iort_map_rid(acpi, segment, bdf, false, &t) != 0 || t.kind != ACPI_IORT_TARGET_SMMU) {
		return NULL;
	}
	for (unsigned i = 0; i < nr_units; i++) {
		if (units[i].iort_index == t.index) {
			*sid = t.id;
			return &units[i];
		}
	}
	return NULL;
}
