// SPDX-License-Identifier: MIT
/*
 * The AMD-Vi command buffer (48882 2.4 commands, 3.4.2/3.4.5 base/head/tail registers): a ring
 * of 256 16-byte commands in one page; software writes at the tail, the IOMMU fetches from the
 * head and executes in order.
 *
 * Completion, as the VT-d invalidation queue does it (drivers/iommu/vtd/vtd.c):
 *  - every submission ends with a COMPLETION_WAIT whose store (S=1) writes a sequence number,
 *    unique for the unit's life, to the submitting CPU's own slot of the status page; commands
 *    complete in order, so when the slot holds our number, our commands are done;
 *  - a late store (after its submitter gave up) writes an older number and is never taken for a
 *    later submission's (Xen XSA-373);
 *  - every wait is bounded (include/hv/wait.h); on a timeout, or when the IOMMU stopped the
 *    buffer (STATUS.CmdBufRun cleared: an illegal command or a hardware error, 2.5.x events),
 *    the unit is dead: every later and every still-waiting submission returns -EIO, and the core
 *    leaks the table pages a failed flush covered. Nothing ever waits forever on a dead unit.
 *  - room: the head register tells how far the IOMMU fetched; one slot stays free (head == tail
 *    means empty).
 */
#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/mmio.h>
#include <hv/percpu.h>
#include <hv/wait.h>

#include "drivers/iommu/amdvi/amdvi.h"
#include "drivers/iommu/amdvi/amdvi_regs.h"

#define AMDVI_WAIT_SLOTS (HV_PAGE_SIZE / sizeof(uint64_t))
_Static_assert(HV_MAX_CPUS <= AMDVI_WAIT_SLOTS, "one store slot per CPU");

static uint64_t rd64(const struct amdvi_unit *u, unsigned off)
{
	return mmio_read64(u->regs + off);
}

static void wr64(const struct amdvi_unit *u, unsigned off, uint64_t v)
{
	mmio_write64(u->regs + off, v);
}

static bool amdvi_is_dead(const struct amdvi_unit *u)
{
	return __atomic_load_n(&u->dead, __ATOMIC_ACQUIRE);
}

/* The IOMMU halted the buffer (it clears CmdBufRun on an illegal command, 3.4.9). */
static bool amdvi_cmd_halted(const struct amdvi_unit *u)
{
	return u->run_bit && !(rd64(u, AMDVI_STATUS_REG) & AMDVI_STS_CMDBUF_RUN);
}

/* Entries queued but not fetched yet. */
static unsigned amdvi_cmd_pending(const struct amdvi_unit *u)
{
	unsigned head = (unsigned)(FIELD_GET(AMDVI_RING_PTR_MASK, rd64(u, AMDVI_CMDBUF_HEAD_REG)) % AMDVI_RING_ENTRIES);

	return (u->cmd_tail + AMDVI_RING_ENTRIES - head) % AMDVI_RING_ENTRIES;
}

static void amdvi_cmd_put(struct amdvi_unit *u, const struct amdvi_cmd *c)
{
	struct amdvi_cmd *slot = &u->cmdbuf[u->cmd_tail];

	slot->qw[0] = c->qw[0];
	slot->qw[1] = c->qw[1];
	arch_dcache_clean(slot, sizeof(*slot));
	u->cmd_tail = (u->cmd_tail + 1) % AMDVI_RING_ENTRIES;
}

/* Under cmd_lock: the first CPU to see the failure reports it; the unit is dead from now on. */
static int amdvi_cmd_fail_locked(struct amdvi_unit *u, int why, uint64_t seq, const volatile uint64_t *status)
{
	bool first = !amdvi_is_dead(u);

	__atomic_store_n(&u->dead, true, __ATOMIC_RELEASE);
	if (first) {
		pr_err("amdvi: %s: command buffer failed (%s): wait %llu, store %llu, head %#llx tail %#llx status "
		       "%#llx; "
		       "the unit is dead",
		       u->name, why == -ETIMEDOUT ? "timeout" : "halted", (unsigned long long)seq,
		       status != NULL ? (unsigned long long)*status : 0ULL,
		       (unsigned long long)rd64(u, AMDVI_CMDBUF_HEAD_REG),
		       (unsigned long long)rd64(u, AMDVI_CMDBUF_TAIL_REG),
		       (unsigned long long)rd64(u, AMDVI_STATUS_REG));
	}
	return first ? why : -EIO;
}

int amdvi_cmd_submit(struct amdvi_unit *u, const struct amdvi_cmd *c, unsigned n)
{
	volatile uint64_t *status = &u->wait_status[arch_cpu_id() % AMDVI_WAIT_SLOTS];
	struct amdvi_cmd wait;
	uint64_t seq = 0;
	int ret;

	if (n + 1 >= AMDVI_RING_ENTRIES) {
		return -E2BIG;
	}
	hv_spin_lock(&u->cmd_lock);
	if (amdvi_is_dead(u)) {
		ret = -EIO;
		goto unlock;
	}
	if (amdvi_cmd_pending(u) + n + 1 > AMDVI_RING_ENTRIES - 1 &&
	    poll_until(amdvi_cmd_pending(u) + n + 1 <= AMDVI_RING_ENTRIES - 1 || amdvi_cmd_halted(u),
		       AMDVI_CMD_TIMEOUT_US) != 0) {
		ret = amdvi_cmd_fail_locked(u, -ETIMEDOUT, 0, NULL);
		goto unlock;
	}
	if (amdvi_cmd_halted(u)) {
		ret = amdvi_cmd_fail_locked(u, -EIO, 0, NULL);
		goto unlock;
	}
	for (unsigned i = 0; i < n; i++) {
		amdvi_cmd_put(u, &c[i]);
	}
	seq = ++u->wait_seq; /* starts at 1: the slots' initial 0 never matches */
	wait = amdvi_cmd_completion_wait(hpa_val(ptr_to_hpa((const void *)status)), seq);
	amdvi_cmd_put(u, &wait);
	/* The tail register holds a byte offset (bits 18:4); the IOMMU fetches up to it. */
	wr64(u, AMDVI_CMDBUF_TAIL_REG, (uint64_t)u->cmd_tail * AMDVI_CMD_SIZE);
	hv_spin_unlock(&u->cmd_lock);

	ret = poll_until(__atomic_load_n(status, __ATOMIC_ACQUIRE) == seq || amdvi_is_dead(u) || amdvi_cmd_halted(u),
			 AMDVI_CMD_TIMEOUT_US);
	if (__atomic_load_n(status, __ATOMIC_ACQUIRE) == seq) {
		return 0;
	}
	hv_spin_lock(&u->cmd_lock);
	ret = amdvi_cmd_fail_locked(u, ret == -ETIMEDOUT ? -ETIMEDOUT : -EIO, seq, status);
unlock:
	hv_spin_unlock(&u->cmd_lock);
	return ret;
}

/* With the buffer disabled: program base and length, empty ring (head = tail = 0). */
int amdvi_cmd_init(struct amdvi_unit *u)
{
	u->cmdbuf = page_alloc(0);
	u->wait_status = page_alloc(0);
	if (u->cmdbuf == NULL || u->wait_status == NULL) {
		return -ENOMEM;
	}
	u->cmd_tail = 0;
	u->wait_seq = 0;
	wr64(u, AMDVI_CMDBUF_BASE_REG,
	     (hpa_val(ptr_to_hpa(u->cmdbuf)) & AMDVI_BASE_ADDR) | FIELD_PREP(AMDVI_RING_LEN, AMDVI_RING_LEN_LOG2));
	wr64(u, AMDVI_CMDBUF_HEAD_REG, 0);
	wr64(u, AMDVI_CMDBUF_TAIL_REG, 0);
	return 0;
}
