// SPDX-License-Identifier: MIT
/*
 * SMMUv3 test hook, test image only (drivers/iommu/smmuv3/build.mk HV_TEST_SRCS_arm64): a second
 * take-over of a live unit, for selftest=smmuv3_errors. Apart from smmuv3_debug.c because it
 * needs the bring-up (smmuv3.c), which the host tests of the tables do not link.
 */
#include <string.h>

#include "drivers/iommu/smmuv3/smmuv3.h"

int smmuv3_debug_retakeover(struct smmuv3_unit *u)
{
	u->strtab = NULL;
	u->l1 = NULL;
	u->l2 = NULL;
	u->cmdq = NULL;
	u->evtq = NULL;
	u->cmdq_dead = false;
	u->host_cds = (struct smmuv3_cd_pool){ 0 };
	memset(u->nest_cds, 0, sizeof(u->nest_cds));
	memset(u->routes, 0, sizeof(u->routes));
	memset(u->tags, 0, sizeof(u->tags));
	return smmuv3_probe(u, u->base, u->fw_cohacc, &u->opts);
}
