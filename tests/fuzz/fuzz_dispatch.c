/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for ioasid_dispatch(): the input is a sequence of operations by two guests
 * - hypercalls with fuzzed requests in the guest's memory, writes of guest memory and of guest
 * stage-1 table entries, DMA by their devices through the mock IOMMUs, injected allocation,
 * install and flush failures, fault reports - and after every operation the invariants hold:
 *   - no table of either guest maps memory outside that guest's RAM (every leaf walked);
 *   - the mock IOMMUs' routes are exactly what the core's books say (h_check_invariants);
 *   - no IOTLB entry of a live single-stage route disagrees with its table (a missing flush);
 *   - an operation of guest A changes nothing of guest B (state digest);
 *   - after teardown every page is back (no leak) unless a flush failure made the core leak
 *     table pages on purpose.
 * Any violation abort()s, which libFuzzer reports with the input that caused it.
 *
 * Field values are picked from small menus (valid IDs, aligned addresses, edges, raw bytes) so
 * the fuzzer reaches deep states quickly instead of failing size checks forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mm.h>

#include "arch/host/host.h"
#include "tests/fuzz/fuzz_stats.h"
#include "tests/host/harness.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct in *in)
{
	if (in->n == 0) {
		return 0;
	}
	in->n--;
	return *in->p++;
}

static uint16_t take16(struct in *in)
{
	return (uint16_t)(take8(in) | (take8(in) << 8));
}

static uint32_t take32(struct in *in)
{
	return (uint32_t)take16(in) | ((uint32_t)take16(in) << 16);
}

static uint64_t take64(struct in *in)
{
	return (uint64_t)take32(in) | ((uint64_t)take32(in) << 32);
}

/*
 * The next n bytes as a stream of their own (zeros past the end). Every operation and every
 * batch entry draws from a fixed-size chunk, so a mutation of one field does not shift the
 * meaning of everything after it.
 */
static struct in chunk(struct in *in, size_t n)
{
	struct in c = { in->p, n < in->n ? n : in->n };

	in->p += c.n;
	in->n -= c.n;
	return c;
}

#define OP_CHUNK    40
#define ENTRY_CHUNK 24
/* Enough for 31 ALLOCs (an IOASID table full) with room to use them (mk/fuzz.mk: -max_len). */
#define FZ_MAX_OPS 128

/* ---- world ----------------------------------------------------------------------------- */

#define S1_POOL_GPA   (3ULL << 20)
#define S1_POOL_PAGES 16
#define MAX_KNOWN     16

static void *fz_ram[4];
static struct mock_iommu fz_ma0, fz_ma1, fz_mb;
static struct h_guest fz_a, fz_b;
static uint32_t known[2][MAX_KNOWN];
static unsigned nr_known[2];
static bool flush_failed;
static bool fz_sticky; /* injected IOMMU failures stay armed through teardown */
static uint64_t pending_mm_fail;

static struct h_guest *guest(unsigned i)
{
	return i ? &fz_b : &fz_a;
}

static uint64_t pick_gpa(struct in *in)
{
	switch (take8(in) % 10) {
	case 0:
		return (uint64_t)take8(in) << 12;
	case 1:
		return H_RAM1_GPA + ((uint64_t)take8(in) << 12);
	case 2:
		return 2 * H_RAM_SIZE - ((uint64_t)(take8(in) % 4) << 12);
	case 3:
		return take64(in);
	case 4:
		return (uint64_t)(take8(in) % 4) * SZ_2M;
	case 5:
		return 2 * H_RAM_SIZE + ((uint64_t)take8(in) << 12);
	case 6:
		return S1_POOL_GPA + ((uint64_t)(take8(in) % S1_POOL_PAGES) << 12);
	case 7:
		return take16(in);
	case 8:
		return H_DATA_GPA + ((uint64_t)take16(in) << 12) % (2 * H_RAM_SIZE - H_DATA_GPA);
	default:
		return 0;
	}
}

static uint64_t pick_iova(struct in *in)
{
	switch (take8(in) % 8) {
	case 0:
		return (uint64_t)take16(in) << 12;
	case 1:
		return (uint64_t)take8(in) << 21;
	case 2:
		return (uint64_t)take8(in) << 30;
	case 3:
		return take64(in);
	case 4:
		return (1ULL << 48) - ((uint64_t)(take8(in) % 4) << 12);
	case 5:
		return (1ULL << 39) - ((uint64_t)(take8(in) % 4) << 12);
	case 6:
		return take32(in);
	default:
		return 0;
	}
}

static uint64_t pick_len(struct in *in)
{
	switch (take8(in) % 9) {
	case 0:
		return SZ_4K;
	case 1:
		return ((uint64_t)take8(in) + 1) << 12;
	case 2:
		return SZ_2M;
	case 3:
		return SZ_1G;
	case 4:
		return take64(in);
	case 5:
		return 0;
	case 6:
		return SZ_2M + SZ_4K;
	case 7:
		return (uint64_t)(take8(in) % 4 + 1) * SZ_2M;
	default:
		return take16(in);
	}
}

static uint32_t pick_ioasid(struct in *in, unsigned gi)
{
	uint8_t k = take8(in);

	switch (k % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		return nr_known[gi] ? known[gi][take8(in) % nr_known[gi]] : guest(gi)->gpa_io;
	case 4:
		return guest(gi)->gpa_io;
	case 5:
		return nr_known[!gi] ? known[!gi][take8(in) % nr_known[!gi]] : guest(!gi)->gpa_io;
	case 6:
		return take32(in);
	default:
		return 0;
	}
}

static uint32_t pick_dev(struct in *in, unsigned gi)
{
	uint8_t k = take8(in);
	struct h_guest *hg = guest(gi);

	switch (k % 5) {
	case 0:
	case 1:
	case 2:
		return hg->dev[take8(in) % hg->ndev];
	case 3:
		return guest(!gi)->dev[0];
	default:
		return take32(in);
	}
}

/* Mostly 0 (the valid value of flags and reserved fields), sometimes small, sometimes raw. */
static uint32_t pick_small(struct in *in)
{
	uint8_t k = take8(in);

	if (k < 0xe0) {
		return 0;
	}
	return k < 0xf0 ? (k & 7) : take32(in);
}

/* Mostly a valid protection (a run out of input gives READ). */
static uint32_t pick_prot(struct in *in)
{
	uint8_t k = take8(in);

	return k < 0xf0 ? (k % 3) + 1 : (k & 0xf);
}

static void remember(unsigned gi, uint32_t id)
{
	if (nr_known[gi] < MAX_KNOWN) {
		known[gi][nr_known[gi]++] = id;
	} else {
		known[gi][id % MAX_KNOWN] = id;
	}
}

/* Call numbers: the ABI's, 0 and 11 (unknown), the reserved services, or anything. */
static uint64_t pick_call(struct in *in)
{
	uint8_t k = take8(in) % 16;

	switch (k) {
	case 12:
		return IOASID_CALL_CONSOLE_WRITE;
	case 13:
		return IOASID_CALL_EXIT;
	case 14:
		return take32(in);
	case 15:
		return take64(in);
	default:
		return k;
	}
}

/* ---- operations ----------------------------------------------------------------------- */

/*
 * Fields are drawn in the order they are written below, one statement each (the evaluation
 * order of initializers in one braced list is unspecified in C, and tests/fuzz/mkseeds.py
 * relies on this order).
 */
static void build_batch(struct in *main_in, struct h_guest *hg, uint64_t call, uint32_t n)
{
	uint8_t buf[H_ARRAY_SIZE];
	size_t esize = call == IOASID_CALL_MAP	   ? sizeof(struct ioasid_map_entry)
		       : call == IOASID_CALL_UNMAP ? sizeof(struct ioasid_unmap_entry)
						   : sizeof(struct ioasid_inv_entry);
	unsigned gi = hg == &fz_b;

	memset(buf, 0, sizeof(buf));
	for (uint32_t i = 0; i < n && (i + 1) * esize <= sizeof(buf); i++) {
		struct in ec = chunk(main_in, ENTRY_CHUNK), *in = &ec;

		if (call == IOASID_CALL_MAP) {
			struct ioasid_map_entry *e = (void *)(buf + i * esize);

			e->iova = pick_iova(in);
			e->gpa = pick_gpa(in);
			e->length = pick_len(in);
			e->prot = pick_prot(in);
			e->__reserved = pick_small(in);
		} else if (call == IOASID_CALL_UNMAP) {
			struct ioasid_unmap_entry *e = (void *)(buf + i * esize);

			e->iova = pick_iova(in);
			e->length = pick_len(in);
		} else {
			struct ioasid_inv_entry *e = (void *)(buf + i * esize);

			e->type = take8(in) % 5;
			e->flags = pick_small(in);
			e->dev_id = e->type == IOASID_INV_PASID ? pick_dev(in, gi) : pick_small(in);
			e->pasid = e->type == IOASID_INV_PASID ? take8(in) % 12 : pick_small(in);
			e->addr = e->type == IOASID_INV_RANGE ? pick_iova(in) : pick_small(in);
			e->length = e->type == IOASID_INV_RANGE ? pick_len(in) : pick_small(in);
		}
	}
	h_put_array(hg, buf, sizeof(buf));
}

/* ---- shadow soundness ------------------------------------------------------------------- */

static int guest_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	return guest_copy_from(ctx, entry, gpa(table_addr + (uint64_t)index * 8), sizeof(*entry));
}

struct shadow_check {
	struct ioasid *io;
	uint64_t bad;
};

/* The first and last page of each shadow leaf translate as the guest's table says, right now. */
static int shadow_leaf(void *ctx, uint64_t ia, uint64_t oa, uint64_t size, unsigned prot)
{
	struct shadow_check *c = ctx;
	const uint64_t probe[2] = { 0, size - HV_PAGE_SIZE };

	for (unsigned i = 0; i < 2; i++) {
		uint64_t goa, pgsize, contig;
		unsigned gprot;
		hpa_t h;

		if (pt_walk_foreign(c->io->s1_fmt, c->io->s1_levels, gpa_val(c->io->s1_root), ia + probe[i], guest_read,
				    c->io->guest, &goa, &gprot, &pgsize) != 0 ||
		    guest_gpa_to_hpa(c->io->guest, gpa(goa), &h, &contig) != 0 || hpa_val(h) != oa + probe[i] ||
		    gprot != prot) {
			fprintf(stderr, "shadow leaf ia %#llx -> %#llx disagrees with the guest table\n",
				(unsigned long long)(ia + probe[i]), (unsigned long long)(oa + probe[i]));
			c->bad++;
		}
	}
	return 0;
}

/*
 * After a successful INVALIDATE containing an ALL or PASID entry, a shadowed NESTED IOASID must
 * be exactly sound with respect to the guest table as it is now (nothing stale, nothing made up).
 */
static void check_shadow_after_full_inv(struct h_guest *hg, const struct ioasid_invalidate *r)
{
	struct ioasid *io = ioasid_lookup(&hg->g, r->ioasid);
	struct ioasid_inv_entry e;
	struct shadow_check c = { .io = io };
	bool full = false;

	if (io == NULL || io->kind != IOASID_KIND_NESTED || io->hw_nested) {
		return;
	}
	for (uint32_t i = 0; i < r->num_entries; i++) {
		if (guest_copy_from(&hg->g, &e, gpa(r->entries_gpa + i * sizeof(e)), sizeof(e)) == 0) {
			full |= e.type == IOASID_INV_ALL || e.type == IOASID_INV_PASID;
		}
	}
	if (!full) {
		return;
	}
	if (mock_walk_leaves(&io->hw[io->fmt].pt, shadow_leaf, &c) != 0 || c.bad != 0) {
		abort();
	}
	/* and complete, on a fixed grid of addresses: what the guest maps to its RAM is there */
	for (unsigned shift = 12; shift <= 39; shift += 9) {
		for (uint64_t k = 0; k < 16; k++) {
			uint64_t ia = k << shift, goa, pgsize, contig, limit;
			unsigned gprot, sprot;
			hpa_t want, got;

			limit = 1ULL << MIN(HV_PAGE_SHIFT + 9 * io->s1_levels, io->hw[io->fmt].pt.ia_bits);
			if (ia >= limit ||
			    pt_walk_foreign(io->s1_fmt, io->s1_levels, gpa_val(io->s1_root), ia, guest_read, io->guest,
					    &goa, &gprot, &pgsize) != 0 ||
			    guest_gpa_to_hpa(io->guest, gpa(goa), &want, &contig) != 0) {
				continue;
			}
			if (pt_lookup(&io->hw[io->fmt].pt, ia, &got, &sprot, NULL) != 0 ||
			    hpa_val(got) != hpa_val(want) || sprot != gprot) {
				fprintf(stderr, "shadow misses ia %#llx (guest maps it to gpa %#llx)\n",
					(unsigned long long)ia, (unsigned long long)goa);
				abort();
			}
		}
	}
}

/*
 * A failed request changes nothing: every failure of the single-object calls, and the
 * validation failures of the batched ones (their resource failures may leave earlier entries
 * applied, by design).
 */
static bool must_be_unchanged(uint64_t call, long ret)
{
	if (ret == 0) {
		return false;
	}
	switch (call) {
	case IOASID_CALL_MAP:
	case IOASID_CALL_UNMAP:
	case IOASID_CALL_INVALIDATE:
		return ret == -EINVAL || ret == -ENOENT || ret == -EPERM || ret == -EFAULT || ret == -EOVERFLOW ||
		       ret == -ERANGE || (ret == -E2BIG && call != IOASID_CALL_INVALIDATE);
	default:
		return true;
	}
}

/* Chunk layout: call, n, shape, [extra n], then the call's fields in the order drawn below. */
/* Set by op_call: the call failed in a way that must leave the caller's state as it was. */
static bool fz_expect_unchanged;
static uint64_t fz_last_call;
static long fz_last_ret;

static void op_call(struct in *in, struct in *main_in, unsigned gi)
{
	struct h_guest *hg = guest(gi);
	uint8_t req[128];
	uint64_t call = pick_call(in), req_gpa = H_MBOX_GPA;
	uint32_t n = take8(in) % 6;
	uint8_t shape = take8(in);
	size_t size = 0;
	long ret;

	memset(req, 0, sizeof(req));
	if (n == 5) {
		n = take8(in) % 2 ? IOASID_MAX_BATCH : IOASID_MAX_BATCH + 1;
	}
	switch (call) {
	case IOASID_CALL_GET_INFO: {
		struct ioasid_get_info *r = (void *)req;

		r->flags = pick_small(in);
		r->dev_id = pick_dev(in, gi);
		r->__reserved = pick_small(in);
		size = sizeof(*r);
		break;
	}
	case IOASID_CALL_DEVICE_LIST: {
		struct ioasid_device_list *r = (void *)req;

		r->flags = pick_small(in);
		r->num_devices = take8(in) % 8;
		r->devices_gpa = take8(in) % 4 != 3 ? H_ARRAY_GPA : pick_gpa(in);
		size = sizeof(*r);
		break;
	}
	case IOASID_CALL_ALLOC: {
		struct ioasid_alloc *r = (void *)req;
		bool nested = take8(in) & 1;

		r->flags = pick_small(in);
		r->kind = nested ? IOASID_KIND_NESTED : (take8(in) % 4 != 3 ? IOASID_KIND_PAGING : pick_small(in));
		r->parent = take8(in) % 4 != 3 ? hg->gpa_io : pick_ioasid(in, gi);
		r->dev_id = pick_dev(in, gi);
		if (nested) {
			r->nested_format = take8(in) % 2 ? IOASID_FMT_VTD_FL : IOASID_FMT_ARM_S1;
			r->nested_root_gpa = take8(in) % 4 != 3 ? S1_POOL_GPA : pick_gpa(in);
			r->nested_levels = take8(in) % 4 != 3 ? 4 : pick_small(in);
		} else {
			r->nested_format = pick_small(in);
		}
		size = sizeof(*r);
		break;
	}
	case IOASID_CALL_FREE: {
		struct ioasid_free *r = (void *)req;

		r->flags = pick_small(in);
		r->ioasid = pick_ioasid(in, gi);
		size = sizeof(*r);
		break;
	}
	case IOASID_CALL_MAP:
	case IOASID_CALL_UNMAP:
	case IOASID_CALL_INVALIDATE: {
		struct ioasid_map *r = (void *)req; /* the three share the header layout */

		r->flags = pick_small(in);
		r->ioasid = pick_ioasid(in, gi);
		r->num_entries = n;
		r->entries_gpa = take8(in) % 8 != 7 ? H_ARRAY_GPA : pick_gpa(in);
		build_batch(main_in, hg, call, n);
		size = call == IOASID_CALL_UNMAP ? sizeof(struct ioasid_unmap) : sizeof(*r);
		break;
	}
	case IOASID_CALL_ATTACH:
	case IOASID_CALL_DETACH: {
		struct ioasid_attach *r = (void *)req;
		uint8_t k = take8(in);

		r->flags = k % 3 == 2 ? IOASID_ATTACH_PASID : (k % 3 == 1 ? pick_small(in) : 0);
		r->dev_id = pick_dev(in, gi);
		r->pasid = r->flags & IOASID_ATTACH_PASID ? take8(in) % 12 : pick_small(in);
		r->ioasid = pick_ioasid(in, gi);
		size = call == IOASID_CALL_ATTACH ? sizeof(*r) : sizeof(struct ioasid_detach);
		break;
	}
	case IOASID_CALL_FAULT_READ: {
		struct ioasid_fault_read *r = (void *)req;

		r->flags = pick_small(in);
		r->num_records = take8(in);
		r->records_gpa = take8(in) % 4 != 3 ? H_ARRAY_GPA : pick_gpa(in);
		size = sizeof(*r);
		break;
	}
	default:
		size = 16;
		for (unsigned i = 0; i < 16; i++) {
			req[i] = take8(in);
		}
		break;
	}
	/* size field: right, bigger with a zero or dirty tail, smaller, or raw */
	switch (shape % 8) {
	case 5:
		*(uint32_t *)req = (uint32_t)size + 8;
		req[size + (take8(in) % 8)] = take8(in);
		size += 8;
		break;
	case 6:
		*(uint32_t *)req = (uint32_t)size - 4 * (take8(in) % 3);
		break;
	case 7:
		*(uint32_t *)req = take32(in);
		break;
	default:
		*(uint32_t *)req = (uint32_t)size;
		break;
	}
	if (take8(in) % 16 == 15) {
		req_gpa = pick_gpa(in);
	}
	if (req_gpa == H_MBOX_GPA) {
		ret = h_call(hg, call, req, sizeof(req));
	} else {
		if (guest_range_in_ram(&hg->g, gpa(req_gpa), size) && size > 0) {
			memcpy(h_ptr(hg, req_gpa), req, size);
		}
		ret = ioasid_dispatch(&hg->g, call, gpa(req_gpa));
	}
	fz_stat(call, ret);
	fz_expect_unchanged = must_be_unchanged(call, ret);
	fz_last_call = call;
	fz_last_ret = ret;
	if (ret == 0 && call == IOASID_CALL_ALLOC && req_gpa == H_MBOX_GPA) {
		remember(gi, ((struct ioasid_alloc *)req)->out_ioasid);
	}
	if (ret == 0 && call == IOASID_CALL_INVALIDATE && req_gpa == H_MBOX_GPA) {
		check_shadow_after_full_inv(hg, (const struct ioasid_invalidate *)req);
	}
	if (ret > 0 || ret < -200) {
		abort(); /* results are 0 or a documented negative code */
	}
}

/* Write one entry of the guest's stage-1 table pool (a guest building or breaking its table). */
static void op_s1_write(struct in *in, unsigned gi)
{
	struct h_guest *hg = guest(gi);
	uint64_t page = S1_POOL_GPA + ((uint64_t)(take8(in) % S1_POOL_PAGES) << 12);
	unsigned idx = take16(in) % 512;
	uint64_t v, bits = take8(in);

	switch (take8(in) % 5) {
	case 0: /* table pointer into the pool: P/RW/US/A (x86) or type 3 (Arm) */
		v = S1_POOL_GPA + ((uint64_t)(take8(in) % S1_POOL_PAGES) << 12);
		v |= (bits & 1) ? 0x27 : 0x3;
		break;
	case 1: /* leaf: x86 P/RW/US/A/D (+PS) or Arm page/block with AF */
		v = pick_gpa(in) & 0x000ffffffffff000ULL;
		v |= (bits & 1) ? (0x67 | ((bits & 2) ? 0x80 : 0)) : (0x403 | ((bits & 4) ? 0x80 : 0));
		if (bits & 8) {
			v = (v & ~3ULL) | 1; /* Arm block */
		}
		break;
	case 2:
		v = take64(in);
		break;
	case 3:
		v = 0;
		break;
	default: /* table pointer anywhere */
		v = (pick_gpa(in) & ~0xfffULL) | 0x27;
		break;
	}
	((uint64_t *)h_ptr(hg, page))[idx] = v;
}

static void op_mem_write(struct in *in, unsigned gi)
{
	struct h_guest *hg = guest(gi);
	uint64_t a = pick_gpa(in);
	unsigned n = take8(in) % 32;

	if (n > in->n) {
		n = (unsigned)in->n;
	}
	if (n > 0 && guest_range_in_ram(&hg->g, gpa(a), n)) {
		memcpy(h_ptr(hg, a), in->p, n);
	}
	in->p += n;
	in->n -= n;
}

static void op_dma(struct in *in, unsigned gi)
{
	struct h_guest *hg = guest(gi);
	unsigned dev = take8(in) % hg->ndev;
	bool has_pasid = take8(in) % 3 == 2;
	uint32_t pasid = take8(in) % 12;
	uint64_t iova = pick_iova(in);
	unsigned access = take8(in) % 4;
	hpa_t h;

	if (h_dma(hg, dev, has_pasid, pasid, iova, access, &h) == 0) {
		/* the result must be the guest's own memory */
		bool ok = false;

		for (unsigned i = 0; i < 2; i++) {
			ok |= hpa_val(h) >= hpa_val(hg->mem[i].hpa) &&
			      hpa_val(h) < hpa_val(hg->mem[i].hpa) + H_RAM_SIZE;
		}
		if (!ok) {
			abort();
		}
	}
}

static void op_inject(struct in *in)
{
	uint8_t k = take8(in);
	struct mock_iommu *m = (k & 0x10) ? &fz_ma1 : &fz_ma0;

	switch (k % 4) {
	case 0:
		pending_mm_fail = take8(in) % 8; /* the next operation's n-th page allocation fails */
		break;
	case 1:
		m->fail_install_after = take8(in) % 4;
		m->fail_err = -ETIMEDOUT;
		fz_sticky |= (k & 0x20) && m->fail_install_after != 0;
		break;
	case 2:
		m->fail_flush_after = take8(in) % 4;
		m->fail_err = -ETIMEDOUT;
		flush_failed |= m->fail_flush_after != 0;
		fz_sticky |= (k & 0x20) && m->fail_flush_after != 0;
		break;
	default: {
		uint32_t rid = 0x10 + take8(in) % 4;
		bool has_pasid = take8(in) & 1;
		uint32_t pasid = take8(in) % 12;
		uint64_t addr = pick_iova(in);
		unsigned access = take8(in) % 4;

		ioasid_report_fault(&m->unit, rid, has_pasid, pasid, addr, access, take8(in) % 6);
		break;
	}
	}
}

/* ---- invariants ----------------------------------------------------------------------- */

/* A valid IOTLB entry of a live single-stage route must match that route's table. */
static void check_tlb(const struct mock_iommu *m)
{
	for (unsigned i = 0; i < MOCK_TLB_SIZE; i++) {
		const struct mock_tlb *t = &m->tlb[i];

		if (!t->valid) {
			continue;
		}
		for (unsigned r = 0; r < MOCK_MAX_ROUTES; r++) {
			const struct mock_route *mr = &m->routes[r];
			unsigned prot;
			hpa_t h;

			if (!mr->used || mr->cfg.mode != IOASID_HW_TABLE || mr->cfg.domain != t->domain) {
				continue;
			}
			if (pt_lookup(mr->cfg.table, t->page << 12, &h, &prot, NULL) != 0 ||
			    (hpa_val(h) & ~0xfffULL) != t->hpa || prot != t->prot) {
				fprintf(stderr, "stale IOTLB entry: domain %u iova %#llx\n", t->domain,
					(unsigned long long)(t->page << 12));
				abort();
			}
		}
	}
}

/*
 * Check every invariant of both guests and give their state digests. Walking every table is
 * what costs (it was 97% of the time when every operation walked them five times); only a
 * hypercall runs the core's table code, so the tables are walked (both guests', once each, the
 * check and the digest in one pass) only after one, and the last walk's digest stands for the
 * others: guest memory writes, DMA and fault reports cannot change our tables. FUZZ_FULL_CHECKS=1
 * walks after every operation.
 */
static bool fz_full_checks;

static void check_all(bool tables, uint64_t now[2])
{
	static uint64_t tables_digest[2];

	for (unsigned gi = 0; gi < 2; gi++) {
		if ((tables || fz_full_checks) && h_check_tables(guest(gi), &tables_digest[gi]) != 0) {
			abort();
		}
		if (h_check_books(guest(gi)) != 0) {
			abort();
		}
		now[gi] = h_digest_combine(h_books_digest(guest(gi)), tables_digest[gi]);
	}
	check_tlb(&fz_ma0);
	check_tlb(&fz_ma1);
	check_tlb(&fz_mb);
}

static void fz_setup(struct in *in)
{
	struct ioasid_dev_caps c0 = h_default_caps(), c1 = h_default_caps(), cb = h_default_caps();
	uint8_t cfg = take8(in);
	struct mock_iommu *ma[3] = { &fz_ma0, &fz_ma1, &fz_ma0 };
	struct mock_iommu *mb[2] = { &fz_mb, &fz_mb };

	hv_log_level = LOG_ERR; /* unassigned-RID fault reports are expected here */
	fz_stats_init();
	fz_full_checks = getenv("FUZZ_FULL_CHECKS") != NULL;

	/*
	 * Guest RAM is anonymous memory; MADV_DONTNEED gives back zero pages on the next touch, so
	 * every input starts from zeroed RAM at the cost of the pages the last input touched only.
	 */
	if (fz_ram[0] == NULL) {
		for (unsigned i = 0; i < 4; i++) {
			char *p = mmap(NULL, H_RAM_SIZE + SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);

			if (p == MAP_FAILED) {
				abort();
			}
			fz_ram[i] = (void *)(((uintptr_t)p + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
		}
	}
	for (unsigned i = 0; i < 4; i++) {
		madvise(fz_ram[i], H_RAM_SIZE, MADV_DONTNEED);
	}
	c0.hw_nesting = cfg & 1;
	c0.coherent = cfg & 2;
	c1.paging_fmt = PT_FMT_ARM_S2;
	c1.ia_bits = (cfg & 4) ? 39 : 48;
	c1.pgsize_bitmap = SZ_4K | SZ_2M;
	c1.pasid_bits = (cfg & 8) ? 0 : 4;
	c1.nested_fmts = 1U << PT_FMT_ARM_S1;
	mock_iommu_init(&fz_ma0, "a0", &c0);
	mock_iommu_init(&fz_ma1, "a1", &c1);
	mock_iommu_init(&fz_mb, "b", &cb);
	memset(known, 0, sizeof(known));
	memset(nr_known, 0, sizeof(nr_known));
	flush_failed = false;
	fz_sticky = false;
	pending_mm_fail = 0;
	if (h_guest_setup_ex(&fz_a, 1, ma, 3, 0x10, 8 + (cfg >> 4) * 16, fz_ram[0], fz_ram[1]) != 0 ||
	    h_guest_setup_ex(&fz_b, 2, mb, 2, 0x10, 64, fz_ram[2], fz_ram[3]) != 0) {
		abort();
	}
}

static int leaf_any(void *ctx, uint64_t ia, uint64_t oa, uint64_t size, unsigned prot)
{
	(void)ctx;
	(void)ia;
	(void)oa;
	(void)size;
	(void)prot;
	return 0;
}

/*
 * Teardown under injected install/flush failures: hv_guest_destroy() may fail, and then must
 * leave what a device may still reach allocated (GUEST.md "Teardown"). A device still routed
 * to a table after a destroy that returned 0 is a finding; otherwise the table it still uses is
 * walked (ASan reports it if it was freed).
 */
static void check_failed_teardown(struct h_guest *hg, int ret)
{
	for (unsigned i = 0; i < hg->ndev; i++) {
		const struct mock_iommu *m = hg->mock[i];

		for (unsigned r = 0; r < MOCK_MAX_ROUTES; r++) {
			const struct mock_route *mr = &m->routes[r];

			if (!mr->used || mr->rid != hg->rid[i] || mr->cfg.mode == IOASID_HW_BLOCKED) {
				continue;
			}
			if (ret == 0) {
				fprintf(stderr, "teardown returned 0 but rid %#x still translates\n", mr->rid);
				abort();
			}
			if (mock_walk_leaves(mr->cfg.table, leaf_any, NULL) != 0) {
				abort();
			}
		}
	}
}

/* Then, the IOMMUs healthy again, release what teardown kept, so the leak check still holds. */
static void reclaim_kept(struct h_guest *hg)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (unsigned i = 0; i < HV_GUEST_MAX_IOASIDS; i++) {
			struct ioasid *io = &hg->g.ioasids[i];

			if (io->in_use && io->nr_children == 0) {
				io->nr_attach = 0;
				(void)ioasid_release(io);
				progress = true;
			}
		}
	}
}

/*
 * A domain ID whose flush failed stays retired (ioasid_obj.c), across inputs too: with 4096 of
 * them a long run ran out after ~100,000 executions and then failed to set up a guest. Every
 * guest is gone here, so every ID still taken is such a leak: give them all back once they
 * pile up (allocate the free ones so that every ID is taken, then put every one).
 */
static void recycle_domains(void)
{
	uint32_t d = ioasid_new_domain();

	if (d != 0) {
		ioasid_put_domain(d);
	}
	if (d != 0 && d < 512) {
		return;
	}
	while (ioasid_new_domain() != 0) {
	}
	for (uint32_t i = 1; i < IOASID_MAX_DOMAINS; i++) {
		ioasid_put_domain(i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	uint64_t free0 = page_free_count();

	uint64_t digest[2];

	fz_setup(&in);
	/*
	 * The state digests after one operation are the ones before the next (nothing runs in
	 * between), so each operation costs one digest per guest, not one before and one after.
	 */
	check_all(true, digest);
	for (unsigned ops = 0; in.n > 0 && ops < FZ_MAX_OPS; ops++) {
		uint8_t op = take8(&in);
		unsigned gi = (op >> 7) & 1;
		struct in c = chunk(&in, OP_CHUNK);
		uint64_t now[2];

		host_mm_fail_after(pending_mm_fail);
		pending_mm_fail = 0;
		fz_expect_unchanged = false;

		switch (op % 8) {
		case 3:
			op_s1_write(&c, gi);
			break;
		case 4:
			op_mem_write(&c, gi);
			break;
		case 5:
			op_dma(&c, gi);
			break;
		case 6:
			op_inject(&c);
			break;
		default:
			op_call(&c, &in, gi);
			break;
		}
		host_mm_fail_after(0);
		check_all(op % 8 <= 2 || op % 8 == 7, now);
		if (fz_expect_unchanged && now[gi] != digest[gi]) {
			fprintf(stderr, "call %llu failed with %ld but changed state\n",
				(unsigned long long)fz_last_call, fz_last_ret);
			abort();
		}
		/* guest A's operations never touch guest B and vice versa (faults aside) */
		if ((op % 8) != 6 && now[!gi] != digest[!gi]) {
			fprintf(stderr, "operation of guest %u changed guest %u\n", gi, !gi);
			abort();
		}
		digest[0] = now[0];
		digest[1] = now[1];
	}
	/*
	 * Injected failures are for the operations (teardown of a healthy IOMMU must free all),
	 * unless an injection asked to stay armed through teardown.
	 */
	if (fz_sticky) {
		int ra = hv_guest_destroy(&fz_a.g), rb = hv_guest_destroy(&fz_b.g);

		check_failed_teardown(&fz_a, ra);
		check_failed_teardown(&fz_b, rb);
		fz_ma0.fail_install_after = fz_ma1.fail_install_after = 0;
		fz_ma0.fail_flush_after = fz_ma1.fail_flush_after = 0;
		reclaim_kept(&fz_a);
		reclaim_kept(&fz_b);
	}
	fz_ma0.fail_install_after = fz_ma1.fail_install_after = 0;
	fz_ma0.fail_flush_after = fz_ma1.fail_flush_after = 0;
	h_guest_teardown(&fz_a);
	h_guest_teardown(&fz_b);
	recycle_domains();
	if (!flush_failed && page_free_count() != free0) {
		fprintf(stderr, "leak: %llu pages\n", (unsigned long long)(free0 - page_free_count()));
		abort();
	}
	return 0;
}
