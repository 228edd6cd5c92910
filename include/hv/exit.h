/* SPDX-License-Identifier: MIT */
/*
 * Exit codes for arch_exit(). The QEMU test runner (tests/qemu/run.py) turns what QEMU reports
 * back into one of these; the per-arch encoding is in docs/ARCHITECTURE.md ("Exit codes"):
 *   x86_64: isa-debug-exit at port 0xf4; HV_EXIT_OK writes 0x10 (QEMU status 33), any other code
 *           c writes c (QEMU status 2c+1: 3, 5, 7, 9). 0x10 is never written for a failure.
 */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#define HV_EXIT_OK 0        /* every self-test passed */
#define HV_EXIT_FAIL 1      /* a self-test reported FAIL */
#define HV_EXIT_PANIC 2     /* hv_panic() / failed CHECK() */
#define HV_EXIT_EXCEPTION 3 /* unexpected CPU exception (after the register dump) */
#define HV_EXIT_BOOT 4      /* boot/ could not reach hv_main() */

#endif /* HV_EXIT_H */
