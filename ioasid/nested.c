/* SPDX-License-Identifier: MIT */
/*
 * NESTED IOASIDs: a stage-1 table owned by the guest, in guest memory, over the GPA parent.
 *
 * Two realisations, one behaviour:
 *  - hardware nesting (the device's IOMMU says caps.hw_nesting): the backend installs the guest
 *    root over our stage-2 table (VT-d scalable-mode PASID entry with PGTT=nested, sec. 9.6;
 *    SMMUv3 STE.Config=0b111 with S1ContextPtr, sec. 5.2), and INVALIDATE becomes IOTLB
 *    invalidations of the stage-1 tag (s1_domain).
 *  - shadowing (everywhere else): the hypervisor walks the guest's table with
 *    pt_walk_foreign(), translates each leaf's output GPA through the guest memory map, and
 *    writes the composed IOVA -> host-physical translation into a table of its own (hw[fmt]),
 *    charged to the guest's quota. INVALIDATE rebuilds the affected range: unmap it from the
 *    shadow, walk the guest table again over that range, map what is there, flush once.
 *    Like VT-d caching mode (sec. 6.1), the guest must invalidate after making entries present.
 *
 * Everything read from the guest table is untrusted: table pointers are read only through
 * guest_copy_from(), so a pointer outside the guest's RAM is a hole (-EFAULT from the read, the
 * range stays unmapped and a device access there faults), never a read of someone else's memory.
 * Leaf outputs outside the guest's RAM are likewise left unmapped.
 *
 * Holes are skipped without format knowledge: the read callback counts how many levels the walk
 * read before it failed, which gives the span of the entry that ended it (one entry of level L
 * covers 2^(12 + 9L) bytes).
 */
#include <hv/bits.h>
#include <hv/check.h>
#include <hv/errno.h>

#include "ioasid/core.h"

struct nested_walk {
	const struct hv_guest *g;
	unsigned nreads;
	bool read_failed; /* the last read was of a table outside the guest's RAM */
};

static int nested_read(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	struct nested_walk *w = ctx;
	uint64_t v;
	int ret;

	w->nreads++;
	if (index >= 512) {
		return -EINVAL;
	}
	ret = guest_copy_from(w->g, &v, gpa(table_addr + (uint64_t)index * 8), sizeof(v));
	if (ret) {
		w->read_failed = true;
		return ret;
	}
	*entry = v; /* guest tables are little-endian, like every arch we run on */
	return 0;
}

/*
 * End of the NESTED IOVA space: the guest format's space (pt_fmt_ia_bits(), the width the
 * hardware would give the guest's table: 47 bits for VT-d first-level, whose inputs are
 * canonical) and, when shadowed, no more than the shadow table holds. "The whole space" of an
 * INVALIDATE is exactly [0, nested_limit()): pt_unmap() of it is always in range, so a full
 * invalidation can never fail on the range and leave the shadow stale.
 */
static uint64_t nested_limit(const struct ioasid *io)
{
	unsigned s1_bits = pt_fmt_ia_bits(io->s1_fmt, io->s1_levels);
	unsigned bits = io->hw_nested ? s1_bits : MIN(s1_bits, io->hw[io->fmt].pt.ia_bits);

	return 1ULL << bits;
}

/* First guest RAM address above a (for skipping output holes), or 0 if none. */
static uint64_t nested_next_ram(const struct hv_guest *g, uint64_t a)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < g->nr_mem; i++) {
		uint64_t s = gpa_val(g->mem[i].gpa);

		if (s > a && (best == 0 || s < best)) {
			best = s;
		}
	}
	return best;
}

/* Shadow [ia, ia+len) -> guest-physical [oa, oa+len): the RAM parts only. */
static int nested_map_gpa(struct ioasid *io, uint64_t ia, uint64_t oa, uint64_t len, unsigned prot)
{
	struct ioasid_hwt *h = &io->hw[io->fmt];
	uint64_t done = 0;

	while (done < len) {
		uint64_t contig, n, next;
		hpa_t host;
		int ret;

		if (guest_gpa_to_hpa(io->guest, gpa(oa + done), &host, &contig) != 0) {
			next = nested_next_ram(io->guest, oa + done);
			if (next == 0 || next - oa >= len) {
				break;
			}
			done = next - oa;
			continue;
		}
		n = MIN(contig, len - done);
		ret = pt_map(&h->pt, ia + done, host, n, prot);
		if (ret) {
			return ret;
		}
		done += n;
	}
	return 0;
}

/* Map into the (empty over [start, end)) shadow whatever the guest's table says there. */
static int nested_fill(struct ioasid *io, uint64_t start, uint64_t end)
{
	uint64_t ia = start;

	while (ia < end) {
		struct nested_walk w = { .g = io->guest };
		uint64_t oa, pgsize, next, n;
		unsigned prot;
		int ret;

		if (io->guest->walk_budget == 0) {
			return -E2BIG;
		}
		io->guest->walk_budget--;
		ret = pt_walk_foreign(io->s1_fmt, io->s1_levels, gpa_val(io->s1_root), ia, nested_read, &w, &oa, &prot,
				      &pgsize);
		if (ret) {
			/*
			 * Not present or malformed: skip the span of that entry. Unreadable (a table
			 * pointer outside RAM): skip the span of the entry that pointed there.
			 */
			unsigned lvl;
			uint64_t span;

			if (w.nreads == 0 || w.nreads > io->s1_levels) {
				return 0; /* bad root or range: nothing to map */
			}
			lvl = io->s1_levels - w.nreads + (w.read_failed ? 1 : 0);
			if (lvl >= io->s1_levels) {
				return 0; /* the root itself is unreadable */
			}
			span = 1ULL << (HV_PAGE_SHIFT + 9 * lvl);
			ia = ALIGN_DOWN(ia, span) + span;
			continue;
		}
		next = ALIGN_DOWN(ia, pgsize) + pgsize;
		n = MIN(next, end) - ia;
		ret = nested_map_gpa(io, ia, oa, n, prot);
		if (ret) {
			return ret;
		}
		ia += n;
	}
	return 0;
}

int nested_init(struct ioasid *io)
{
	CHECK(!io->hw_nested);
	return nested_fill(io, 0, nested_limit(io));
}

/*
 * Rebuild [start, end) of the shadow. If the unmap cannot be prepared (a split needs memory)
 * nothing changed. If the refill runs out of quota, the rest of the range stays unmapped (DMA
 * there faults, the safe direction) and the error is returned; the flush happens either way.
 */
int nested_resync(struct ioasid *io, uint64_t start, uint64_t end, bool leaf)
{
	struct ioasid_hwt *h = &io->hw[io->fmt];
	struct pt_gather gat;
	uint64_t unmapped;
	int ret, r;

	(void)leaf; /* the gather knows whether only leaves changed */
	end = MIN(end, nested_limit(io));
	if (start >= end) {
		return 0;
	}
	pt_gather_init(&gat);
	ret = pt_unmap(&h->pt, start, end - start, &gat, &unmapped);
	if (ret) {
		return ret;
	}
	ret = nested_fill(io, start, end);
	r = ioasid_flush_gather(io, h, &gat);
	/*
	 * The refill may have made entries present where there were none (a guest adding a leaf,
	 * the case caching mode exists for): units that cache not-present entries must drop them,
	 * and the gather above only holds what was unmapped.
	 */
	ret = ret ? ret : r;
	r = ioasid_flush_after_map(io, h->domain, start, end);
	return ret ? ret : r;
}

/* One validated INVALIDATE entry. */
int nested_invalidate_one(struct ioasid *io, const struct ioasid_inv_entry *e)
{
	bool leaf = (e->flags & IOASID_INV_LEAF) != 0;
	uint64_t start = 0, end = nested_limit(io);

	if (e->type == IOASID_INV_RANGE) {
		start = e->addr;
		end = e->addr + e->length; /* validate.c checked for overflow */
	}
	if (!io->hw_nested) {
		return nested_resync(io, start, end, leaf);
	}
	if (e->type != IOASID_INV_RANGE) {
		return ioasid_flush_domain(io, io->s1_domain);
	}
	return ioasid_flush_range(io, io->s1_domain, start, MIN(end, nested_limit(io)), leaf);
}
