# SPDX-License-Identifier: MIT
# Generic hypervisor code: hv_main, the configuration, the platform.
HV_SRCS += hv/config.c hv/main.c hv/platform.c hv/version.c
# CPU bring-up and per-CPU work hand-off over the arch hooks (include/hv/smp.h).
HV_SRCS += hv/smp.c
# The self-test runner, the generic self-tests and the test hooks (test image only; they fill
# include/hv/image.h's hv_image); the release image links the empty hv_image instead.
HV_TEST_SRCS += hv/selftest.c
HV_RELEASE_SRCS += hv/image_release.c
# Isolation groups against the configuration, before any guest runs.
HV_SRCS += hv/guest_groups.c
# VT-d end-to-end self-tests (selftest=vtd, vtd_ir, ...), x86_64 test image only, over the
# arch-neutral IOMMU self-test.
HV_TEST_SRCS_x86_64 += hv/selftest_vtd.c hv/selftest_vtd_ir.c hv/selftest_iommu.c hv/selftest_amdvi.c
# selftest=msi_route: a device MSI through arch_msi_route_set/clear with a stand-in vCPU.
HV_TEST_SRCS_x86_64 += hv/selftest_msi_route.c
# Guests from the partition configuration (hv/guest.c) on both vCPU backends, with the glue to
# each arch's IOMMU driver for assigned devices (hv/guest_iommu_*.c).
HV_SRCS_x86_64 += hv/guest.c hv/guest_run.c hv/guest_irq.c hv/virq.c hv/guest_iommu_vtd.c
HV_SRCS_arm64 += hv/guest.c hv/guest_run.c hv/guest_irq.c hv/virq.c hv/guest_iommu_smmuv3.c
# Pre-flight checks of the partition configuration against boot files, IOMMUs and the allocator.
HV_SRCS_x86_64 += hv/config_check.c
HV_SRCS_arm64 += hv/config_check.c
