/* SPDX-License-Identifier: MIT */
/*
 * x2..x29 saved or loaded as pairs at 8 * n bytes from a base register: the layout of x0..x30
 * that the exception frame (struct arm64_frame, entry.S) and the guest context (struct
 * arm64_vcpu_ctx, vcpu_entry.S) share (x[n] at offset 8 * n; both structs assert it). x0, x1
 * and x30 stay with the callers, which need them as scratch registers around the switch.
 */
#ifndef ARCH_ARM64_GPR_H
#define ARCH_ARM64_GPR_H

#ifdef __ASSEMBLY__
/* op: stp or ldp; base: the register holding the frame/context address. */
.macro GPR_X2_X29 op, base
	\op	x2, x3, [\base, #16]
	\op	x4, x5, [\base, #32]
	\op	x6, x7, [\base, #48]
	\op	x8, x9, [\base, #64]
	\op	x10, x11, [\base, #80]
	\op	x12, x13, [\base, #96]
	\op	x14, x15, [\base, #112]
	\op	x16, x17, [\base, #128]
	\op	x18, x19, [\base, #144]
	\op	x20, x21, [\base, #160]
	\op	x22, x23, [\base, #176]
	\op	x24, x25, [\base, #192]
	\op	x26, x27, [\base, #208]
	\op	x28, x29, [\base, #224]
.endm
#endif

#endif /* ARCH_ARM64_GPR_H */
