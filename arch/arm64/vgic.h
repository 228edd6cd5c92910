/* SPDX-License-Identifier: MIT */
/*
 * The virtual GICv3 of a guest (docs/ARM64.md, "Virtual interrupts"). Spec: Arm IHI 0069
 * ("GIC Architecture Specification, GICv3 and GICv4"): distributor 12.9, redistributor 12.10 and
 * 12.11, list registers and the virtual CPU interface 12.4 (ICH_*_EL2) and chapter 6
 * ("Virtual interrupt handling and prioritization").
 *
 * Split in two:
 *   vgic.c, vgic_mmio.c  the state machine and the register emulation: pure C, no system
 *                        register, run on the host by tests/unit/test_vgic.c. The caller holds
 *                        struct vgic.lock for every call.
 *   vgic_hw.c            the hardware: ICH_* save/restore around a run, the timers (CNTV,
 *                        CNTHP), the physical PPIs 25/26/27, the vcpu_arch_* hooks.
 *
 * What a guest sees: a GICv3 with one Security state (GICD_CTLR.DS = 1), affinity routing
 * always on (ARE RAO/WI), Group 1 only (IGROUPR RAO/WI), INTIDs 0..95 (16 SGIs, 16 PPIs, SPIs
 * 32..95), no LPIs, no ITS, no legacy (GICv2) interface; the CPU interface is the hardware's
 * virtual one (ICC_*_EL1 with HCR_EL2.IMO = 1), fed through the list registers.
 */
#ifndef ARCH_ARM64_VGIC_H
#define ARCH_ARM64_VGIC_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/spinlock.h>
#include <hv/vcpu.h>

#define VGIC_NR_PRIV	32U /* SGIs 0..15 and PPIs 16..31, per vCPU */
#define VGIC_NR_SPIS	64U /* SPIs 32..95, per guest */
#define VGIC_NR_IRQS	(VGIC_NR_PRIV + VGIC_NR_SPIS)
#define VGIC_MAX_LRS	16U /* ICH_VTR_EL2.ListRegs allows 1..16 */
#define VGIC_PPI_MAINT	25U /* the maintenance interrupt (SBSA / QEMU virt) */
#define VGIC_PPI_VTIMER 27U /* CNTV, the EL1 virtual timer */

/* Frame sizes (IHI 0069 12.9, 12.10): GICD 64 KiB; per vCPU an RD_base and an SGI_base frame. */
#define VGIC_GICD_SIZE	   0x10000ULL
#define VGIC_GICR_FRAME	   0x10000ULL
#define VGIC_GICR_PER_VCPU (2 * VGIC_GICR_FRAME)

/* ICH_LR<n>_EL2 (IHI 0069 12.4.6) */
#define ICH_LR_VINTID  GENMASK(31, 0)
#define ICH_LR_PINTID  GENMASK(44, 32)
#define ICH_LR_EOI     BIT(41) /* HW = 0: maintenance interrupt when deactivated */
#define ICH_LR_PRIO    GENMASK(55, 48)
#define ICH_LR_GROUP   BIT(60)
#define ICH_LR_HW      BIT(61)
#define ICH_LR_STATE   GENMASK(63, 62)
#define ICH_LR_PENDING 1U
#define ICH_LR_ACTIVE  2U
/* ICH_HCR_EL2 (12.4.3) */
#define ICH_HCR_EN   BIT(0)
#define ICH_HCR_UIE  BIT(1)
#define ICH_HCR_NPIE BIT(3)
/* ICH_VMCR_EL2 (12.4.9) */
#define ICH_VMCR_VENG1 BIT(1)
#define ICH_VMCR_VPMR  GENMASK(31, 24)

/* ICC_SGI1R_EL1 (12.2.22), as a guest writes it */
#define VGIC_SGI1R_TARGETS GENMASK(15, 0)
#define VGIC_SGI1R_AFF1	   GENMASK(23, 16)
#define VGIC_SGI1R_INTID   GENMASK(27, 24)
#define VGIC_SGI1R_AFF2	   GENMASK(39, 32)
#define VGIC_SGI1R_IRM	   BIT(40)
#define VGIC_SGI1R_RS	   GENMASK(47, 44)
#define VGIC_SGI1R_AFF3	   GENMASK(55, 48)

/* GICD_IROUTER<n> (12.9.22) */
#define VGIC_IROUTER_AFF0 GENMASK(7, 0)
#define VGIC_IROUTER_AFF1 GENMASK(15, 8)
#define VGIC_IROUTER_AFF2 GENMASK(23, 16)
#define VGIC_IROUTER_IRM  BIT(31)
#define VGIC_IROUTER_AFF3 GENMASK(39, 32)
#define VGIC_IROUTER_MASK                                                                                              \
	(VGIC_IROUTER_AFF0 | VGIC_IROUTER_AFF1 | VGIC_IROUTER_AFF2 | VGIC_IROUTER_IRM | VGIC_IROUTER_AFF3)

/* One interrupt's state (the distributor's, or the redistributor's for SGIs/PPIs). */
struct vgic_irq {
	uint8_t prio;	 /* IPRIORITYR */
	uint8_t enabled; /* ISENABLER / ICENABLER */
	uint8_t pending; /* when lr < 0; else the last state synced from the LR */
	uint8_t active;
	uint8_t edge;	/* ICFGR: 1 edge-triggered, 0 level-sensitive */
	uint8_t hw;	/* backed by the physical INTID of the same number (the virtual timer) */
	uint8_t repend; /* raised again while listed: pending once more after the LR lets it go */
	int8_t lr;	/* the list register holding it on its vCPU, -1: none */
};

/* One vCPU's redistributor and virtual CPU interface. */
struct vgic_cpu {
	struct vgic_irq priv[VGIC_NR_PRIV];
	uint64_t lr[VGIC_MAX_LRS]; /* ICH_LR<n>_EL2 as saved at the last exit / to load */
	uint64_t hcr;		   /* ICH_HCR_EL2 */
	uint64_t vmcr;		   /* ICH_VMCR_EL2 */
	uint64_t ap1r[4];	   /* ICH_AP1R<n>_EL2 */
	unsigned nr_lrs;	   /* ICH_VTR_EL2.ListRegs + 1 of its CPU (0: not run yet) */
	unsigned index;		   /* the vCPU's number = its MPIDR Aff0 */
	uint32_t waker;		   /* GICR_WAKER.ProcessorSleep */
	bool vtimer_fired;	   /* the physical PPI 27 came for it and is left active: list it */
	uint64_t nr_overflows;	   /* flushes that left interrupts in the software pending list */
};

/* The guest's distributor and all of its vCPUs' interfaces. */
struct vgic {
	/*
	 * Lock order: a leaf (after guest.lock when both are held; nothing is taken inside it).
	 * Taken from interrupt handlers on any CPU (vcpu_arch_virq_raise), which the hypervisor
	 * only runs with this CPU outside every vGIC lock (IRQs are masked while it runs).
	 */
	hv_spinlock_t lock;
	unsigned nr;   /* vCPUs */
	uint32_t ctlr; /* GICD_CTLR.EnableGrp1 (bit 1) as written; ARE and DS read as 1 */
	struct vgic_irq spi[VGIC_NR_SPIS];
	uint64_t irouter[VGIC_NR_SPIS];
	struct vgic_cpu cpu[VCPU_GROUP_MAX];
};

/* A decoded guest MMIO access to the vGIC's frames (vcpu_decode.c). */
struct vgic_access {
	uint64_t ipa;
	unsigned size; /* bytes: 1, 2, 4, 8 */
	bool write;
	uint64_t val; /* written value, or the value read */
};

/* What a vGIC call needs done after the lock is released: vCPUs to kick (bit k = vCPU k). */
typedef uint32_t vgic_kick_t;

/* vgic.c */
void vgic_init(struct vgic *g, unsigned nr_vcpus);
struct vgic_irq *vgic_irq(struct vgic *g, unsigned vcpu, unsigned intid);
/* The vCPU an SPI goes to (GICD_IROUTER); -1 if it names none of the guest's vCPUs. */
int vgic_spi_target(const struct vgic *g, unsigned intid);
/* Make intid pending (an SPI on its routed vCPU, an SGI/PPI on vcpu): 0 or -EINVAL. */
int vgic_raise(struct vgic *g, unsigned vcpu, unsigned intid, vgic_kick_t *kick);
/* A guest's write of ICC_SGI1R_EL1 on vCPU from: the SGI to every vCPU it names. */
void vgic_sgi1r(struct vgic *g, unsigned from, uint64_t val, vgic_kick_t *kick);
/* After a run: fold the saved list registers back into the interrupts' state. */
void vgic_sync(struct vgic *g, unsigned vcpu);
/* Before a run: fill the list registers by priority; sets UIE when some must wait. */
void vgic_flush(struct vgic *g, unsigned vcpu);
/* An interrupt of vcpu is pending and enabled (listed or not). */
bool vgic_has_pending(const struct vgic *g, unsigned vcpu);
/*
 * ... and its virtual CPU interface would signal it (ICH_VMCR_EL2: VENG1 on, priority below
 * VPMR): what ends the guest's WFI. A vCPU whose mask holds everything back keeps sleeping.
 */
bool vgic_can_wake(const struct vgic *g, unsigned vcpu);

/* vgic_mmio.c: true when ipa lies in a frame of the vGIC (any vCPU count). */
bool vgic_mmio_is_vgic(uint64_t ipa);
/*
 * Emulate one access of vCPU vcpu. Accesses the GIC spec does not define (a size or an
 * alignment a register does not take, reserved offsets, registers not emulated) are RAZ/WI
 * and counted in *bad (if not NULL). Never fails.
 */
void vgic_mmio(struct vgic *g, unsigned vcpu, struct vgic_access *acc, vgic_kick_t *kick, uint64_t *bad);

#endif /* ARCH_ARM64_VGIC_H */
