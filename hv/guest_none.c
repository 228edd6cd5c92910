// SPDX-License-Identifier: MIT
/*
 * Arches without a vCPU backend yet (arm64): a configuration with guests is refused cleanly.
 */
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/log.h>

int guests_run_all(const struct hv_config *cfg, const struct bootinfo *bi)
{
	(void)bi;
	pr_err("guests: %u configured, but this arch cannot run guests yet", cfg->nr_guests);
	return -ENOSYS;
}
