/* SPDX-License-Identifier: MIT */
/*
 * Per-guest fault queue: a ring of HV_FAULT_QUEUE_LEN records filled by drivers through
 * ioasid_report_fault() and drained by FAULT_READ.
 *
 * Every reported fault takes the next sequence number, queued or not. When the ring is full the
 * new fault is dropped (the oldest records are the ones a guest most needs to see first) and
 * `lost` counts it; FAULT_READ returns and clears that count, and the gap in sequence numbers
 * shows where the loss happened (iommufd's event queues carry the same two facts).
 */
#include "ioasid/core.h"

void fault_queue_init(struct hv_fault_queue *q)
{
	*q = (struct hv_fault_queue){ .next_seq = 1 };
}

void fault_queue_push(struct hv_fault_queue *q, uint32_t dev_id, bool has_pasid, uint32_t pasid, uint64_t addr,
		      unsigned access, unsigned reason)
{
	struct ioasid_fault_record *r;

	hv_spin_lock(&q->lock);
	if (q->count == HV_FAULT_QUEUE_LEN) {
		q->lost++;
		q->next_seq++;
		goto out;
	}
	r = &q->rec[(q->head + q->count) % HV_FAULT_QUEUE_LEN];
	*r = (struct ioasid_fault_record){
		.seq = q->next_seq++,
		.addr = addr,
		.dev_id = dev_id,
		.pasid = has_pasid ? pasid : 0,
		.access = (access & (IOASID_FAULT_ACCESS_READ | IOASID_FAULT_ACCESS_WRITE)) |
			  (has_pasid ? IOASID_FAULT_PASID_VALID : 0),
		.reason = reason,
	};
	q->count++;
out:
	hv_spin_unlock(&q->lock);
}

void fault_queue_add_lost(struct hv_fault_queue *q, uint64_t n)
{
	hv_spin_lock(&q->lock);
	q->lost += n;
	q->next_seq += n; /* the gap shows where the hardware lost them */
	hv_spin_unlock(&q->lock);
}

uint32_t fault_queue_peek(struct hv_fault_queue *q, struct ioasid_fault_record *out, uint32_t max, uint64_t *lost)
{
	uint32_t n;

	hv_spin_lock(&q->lock);
	n = q->count < max ? q->count : max;
	for (uint32_t i = 0; i < n; i++) {
		out[i] = q->rec[(q->head + i) % HV_FAULT_QUEUE_LEN];
	}
	*lost = q->lost;
	hv_spin_unlock(&q->lock);
	return n;
}

/*
 * Remove the n oldest records and clear the lost count the caller just reported. Faults that
 * arrived between peek and pop stay queued: pop only removes what peek returned, and only
 * records can arrive in between (the count of lost ones that arrived later is kept).
 */
void fault_queue_pop(struct hv_fault_queue *q, uint32_t n, uint64_t lost_reported)
{
	hv_spin_lock(&q->lock);
	if (n > q->count) {
		n = q->count;
	}
	q->head = (q->head + n) % HV_FAULT_QUEUE_LEN;
	q->count -= n;
	q->lost -= lost_reported <= q->lost ? lost_reported : q->lost;
	hv_spin_unlock(&q->lock);
}
