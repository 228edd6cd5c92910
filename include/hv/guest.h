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

#include <stdint.h>

#ifndef GUEST_SDK
#include <hv/bootinfo.h>
#include <hv/config.h>
#endif

#define GUEST_BOOT_TABLES 0x1000ULL
#define GUEST_BOOT_INFO	  0x3000ULL
#define GUEST_IMAGE_GPA	  0x100000ULL

/*
 * arm64 guests: the frames of the virtual GICv3 (docs/ARM64.md, "Virtual interrupts"), at QEMU
 * virt's addresses: the distributor (64 KiB), then from GUEST_GICR_BASE one redistributor per
 * vCPU (RD_base + SGI_base, 128 KiB each, vCPU k at GUEST_GICR_BASE + k * 128 KiB; room for
 * GUEST_GICR_MAX_VCPUS). No RAM and no BAR of a guest may overlap [GUEST_VGIC_BASE,
 * GUEST_VGIC_END) (hv/config_check.c refuses the configuration); the stage-2 table never maps
 * it: every access traps and is emulated.
 */
#define GUEST_GICD_BASE	      0x08000000ULL
#define GUEST_GICR_BASE	      0x080A0000ULL
#define GUEST_GICR_STRIDE     0x20000ULL
#define GUEST_GICR_MAX_VCPUS  16
#define GUEST_VGIC_BASE	      GUEST_GICD_BASE
#define GUEST_VGIC_END	      (GUEST_GICR_BASE + GUEST_GICR_MAX_VCPUS * GUEST_GICR_STRIDE)

/*
 * What the guest finds at GUEST_BOOT_INFO (its address is in RSI at entry): its devices and
 * where their memory BARs are in its physical space (identity: GPA = HPA). Guest SDK shares it.
 */
#define GUEST_BOOT_MAGIC    0x746f6f4264697361ULL /* "asidBoot" */
#define GUEST_BOOT_MAX_DEVS 8
#define GUEST_BOOT_BARS	    6
struct guest_boot_dev {
	uint32_t dev_id; /* as DEVICE_LIST reports it */
	uint16_t segment;
	uint16_t bdf;
	uint64_t bar_gpa[GUEST_BOOT_BARS]; /* 0: no memory BAR */
	uint64_t bar_size[GUEST_BOOT_BARS];
};
struct guest_boot_info {
	uint64_t magic;
	uint32_t nr_devs;
	uint32_t nr_vcpus; /* vCPUs the guest has: one per CPU of its `cpus` list, else 1 */
	struct guest_boot_dev devs[GUEST_BOOT_MAX_DEVS];
};
_Static_assert(sizeof(struct guest_boot_info) <= 4096, "one page");

#ifndef GUEST_SDK

/*
 * The guest-physical range the arch's own virtual hardware takes in every guest (arm64: the vGIC
 * frames [GUEST_VGIC_BASE, GUEST_VGIC_END); x86_64: none, *base == *end). No RAM and no memory
 * BAR of a guest may overlap it (hv/config_check.c refuses the configuration with the line).
 */
void guest_arch_gpa_hole(uint64_t *base, uint64_t *end);

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

/*
 * Per-arch glue (hv/guest_iommu_*.c): the IOMMU unit translating a PCI function and its
 * requester ID there, and collecting pending IOMMU faults into the guests' queues.
 */
struct hv_iommu;
/*
 * Take every IOMMU unit the firmware tables describe over (idempotent), so that from here on
 * no device reaches memory unless the IOASID core attached it. hv_main() calls it on every boot
 * that is not a self-test (self-tests take the units over with their own options). Returns
 * the number of units up, or a negative error (-ENODEV: no unit).
 */
int guest_iommu_takeover(void);
int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid);
/* Drain every unit's fault records into the guests' queues (teardown, tests). */
void guest_iommu_poll(void);
/*
 * Before FAULT_READ: drain every unit's records, so a guest reads every fault of a DMA it saw
 * complete, whichever CPU it runs on (a unit's fault interrupt goes to CPU 0 only).
 */
void guest_iommu_collect_faults(void);
#endif /* GUEST_SDK */

#endif /* HV_GUEST_H */
