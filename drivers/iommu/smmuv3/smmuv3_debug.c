// SPDX-License-Identifier: MIT
/*
 * SMMUv3 read-back hooks, test image only (drivers/iommu/smmuv3/build.mk HV_TEST_SRCS_arm64;
 * README "Images"): the STE and CD the hardware would use, for the self-tests
 * (hv/selftest_smmuv3.c) and the host tests. The release image links none of this.
 */
#include <hv/bits.h>

#include "drivers/iommu/smmuv3/smmuv3.h"

bool smmuv3_debug_ste(struct smmuv3_unit *u, uint32_t sid, struct smmu_ste *out)
{
	struct smmu_ste *s = smmuv3_ste_ptr(u, sid, false, NULL);

	if (s == NULL) {
		return false;
	}
	*out = *s;
	return true;
}

bool smmuv3_debug_cd(struct smmuv3_unit *u, uint32_t sid, uint32_t ssid, struct smmu_cd *out)
{
	for (unsigned i = 0; i < SMMUV3_MAX_ROUTES; i++) {
		const struct smmuv3_route *r = &u->routes[i];

		if (!r->used || r->sid != sid) {
			continue;
		}
		if (r->cdtab != NULL && ssid < (1U << u->pasid_bits)) {
			const struct smmu_cd *c = smmuv3_cd_ptr(u, (struct smmuv3_route *)r, ssid, false);

			if (c != NULL && (c->d[0] & CD_0_V)) {
				*out = *c;
				return true;
			}
			return false;
		}
		if (r->cdtab == NULL && ssid == 0 && r->pool != NULL) {
			*out = r->pool->cds[r->cd_slot];
			return true;
		}
	}
	return false;
}
