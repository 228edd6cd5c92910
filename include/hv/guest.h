/* SPDX-License-Identifier: MIT */
/*
 * Guests built from the partition configuration (hv/guest.c, docs/GUEST.md).
 *
 * Guest-physical layout every guest gets (the guest SDK's linker script guest/guest.lds
 * matches it):
 *   GUEST_BOOT_TABLES  two pages of identity page tables the hypervisor writes for the guest
 *   GUEST_IMAGE_GPA    the image (a flat binary), entered at its first byte in 64-bit mode
 *   end of the RAM region at GPA 0: the initial stack (grows down)
 */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include <hv/bootinfo.h>
#include <hv/config.h>

#define GUEST_BOOT_TABLES 0x1000ULL
#define GUEST_IMAGE_GPA 0x100000ULL

/* How one guest's run ended. */
enum guest_outcome {
	GUEST_EXITED = 1, /* EXIT hypercall; status in *status */
	GUEST_STOPPED,	  /* stopped by the hypervisor (fault, illegal instruction, ...) */
	GUEST_NOT_STARTED,
};

/*
 * Create every guest of cfg (validated) and run them one after the other, console owner
 * first. Returns 0 when every guest ran and none exited with a non-zero status; -EFAULT if a
 * guest exited with a non-zero status; another negative error if guests could not be created.
 * Guests stopped by the hypervisor are reported but are not a hypervisor failure.
 */
int guests_run_all(const struct hv_config *cfg, const struct bootinfo *bi);

#endif /* HV_GUEST_H */
