// SPDX-License-Identifier: MIT
/*
 * VT-d test hook, test image only (drivers/iommu/vtd/build.mk HV_TEST_SRCS_x86_64): a second
 * take-over of a live unit, for selftest=vtd. Apart from vtd_debug.c because it needs the
 * bring-up (vtd.c), which the host tests of the tables do not link.
 */
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/mm.h>

#include "drivers/iommu/vtd/vtd.h"

/*
 * Test hook: take the unit over again as if firmware had left it running with translation and
 * queued invalidation on (what OVMF never does, so the take-over path is otherwise untested).
 * The old tables are abandoned, not freed: the core still owns its page tables.
 */
int vtd_debug_retakeover(struct vtd_unit *u)
{
	struct vtd_root_entry *root = page_alloc(0);

	if (root == NULL) {
		return -ENOMEM;
	}
	u->root = root;
	for (unsigned i = 0; i < ARRAY_SIZE(u->ctx); i++) {
		u->ctx[i] = NULL;
	}
	if (!u->coherent) {
		arch_dcache_clean(root, HV_PAGE_SIZE);
	}
	return vtd_unit_up(u);
}
