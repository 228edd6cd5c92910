/* SPDX-License-Identifier: MIT */
/*
 * Guest memory access: the single bounded copy-in/copy-out path used by the dispatcher (request
 * structs, batches, output arrays) and by the NESTED walker (guest page-table entries).
 *
 * The range is checked first in full, so a request that straddles the end of RAM copies nothing
 * (no partial reads that could leave half-initialised buffers, no partial writes). A range may
 * span adjacent regions; each piece is copied through the hypervisor's identity map.
 */
#include <string.h>

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "ioasid/core.h"

static int guest_copy(const struct hv_guest *g, gpa_t a, void *buf, uint64_t len, bool to_guest)
{
	uint64_t done = 0;

	if (!guest_range_in_ram(g, a, len)) {
		return -EFAULT;
	}
	while (done < len) {
		uint64_t contig, n;
		hpa_t h;
		int ret;

		ret = guest_gpa_to_hpa(g, gpa_add(a, done), &h, &contig);
		if (ret) {
			return ret; /* unreachable: the whole range was checked */
		}
		n = MIN(contig, len - done);
		if (to_guest) {
			memcpy(hpa_to_ptr(h), (char *)buf + done, (size_t)n);
		} else {
			memcpy((char *)buf + done, hpa_to_ptr(h), (size_t)n);
		}
		done += n;
	}
	return 0;
}

int guest_copy_from(const struct hv_guest *g, void *dst, gpa_t a, uint64_t len)
{
	return guest_copy(g, a, dst, len, false);
}

int guest_copy_to(const struct hv_guest *g, gpa_t a, const void *src, uint64_t len)
{
	return guest_copy(g, a, (void *)src, len, true);
}
