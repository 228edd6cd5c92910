/* SPDX-License-Identifier: MIT */
/*
 * Isolation groups in the partition configuration (hv/guest_groups.c, docs/CONFIG.md
 * "Isolation groups"): the functions of one group (include/hv/pci.h: they share a requester ID
 * or can reach each other peer-to-peer) go to one guest or to none.
 */
#ifndef HV_GUEST_GROUPS_H
#define HV_GUEST_GROUPS_H

#include <hv/config.h>
#include <hv/pci.h>

/*
 * 0 if no isolation group of pci is split between guests of cfg and every configured function
 * is isolable; else -EBUSY with err naming the line of the first device (in file order) whose
 * group another guest already owns, or -EINVAL for a function in no group (group 0).
 * Functions pci does not know are left to config_validate().
 */
int guest_groups_check(const struct hv_config *cfg, const struct pci_info *pci, struct cfg_error *err);

/* guest_groups_check() over hv_pci for hv_main(): on a refusal, logs "config: line N: ..."
 * and stops the boot (HV_EXIT_BOOT) before any guest runs. */
void guest_groups_preflight(const struct hv_config *cfg);

#endif /* HV_GUEST_GROUPS_H */
