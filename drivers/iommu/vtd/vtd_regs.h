/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d register map, translation-structure formats and invalidation-descriptor formats.
 * Numbers and names follow the Intel VT-d specification rev 4.x ("the spec"): chapter 10/11 for
 * registers, chapter 9 for the translation structures, 6.5.2 for queued invalidation, 7 for
 * fault recording. Registers are grouped, each field indented under its register.
 *
 * Access widths (spec 10.2): 32-bit registers are accessed with 32-bit accesses only; QEMU's
 * model asserts on an 8-byte access to them (FSTS, FECTL, FEDATA, FEADDR, FEUADDR, PMEN, ICS,
 * IECTL, IEDATA, IEADDR, IEUADDR). 64-bit registers take 64-bit accesses.
 */
#ifndef VTD_REGS_H
#define VTD_REGS_H

#include <hv/bits.h>
#include <hv/types.h>

/* Fields are indented under their register ("# define") by hand. */
/* clang-format off */

/* ---- registers (spec 11.4) ----------------------------------------------------------------- */

#define VTD_VER_REG 0x00 /* 32 */
#define VTD_CAP_REG 0x08 /* 64, spec 11.4.2 */
# define VTD_CAP_ND GENMASK(2, 0)        /* domains: 2^(4 + 2*ND) */
# define VTD_CAP_RWBF BIT(4)
# define VTD_CAP_PLMR BIT(5)
# define VTD_CAP_PHMR BIT(6)
# define VTD_CAP_CM BIT(7)               /* caching mode: not-present entries may be cached */
# define VTD_CAP_SAGAW GENMASK(12, 8)    /* bit 1: 39-bit/3-level, bit 2: 48-bit/4-level */
#  define VTD_SAGAW_39 BIT(1)
#  define VTD_SAGAW_48 BIT(2)
#  define VTD_SAGAW_57 BIT(3)
# define VTD_CAP_MGAW GENMASK(21, 16)    /* max guest address width - 1 */
# define VTD_CAP_ZLR BIT(22)
# define VTD_CAP_FRO GENMASK(33, 24)     /* fault recording register offset / 16 */
# define VTD_CAP_SLLPS GENMASK(37, 34)   /* second-level superpages: bit 0 2M, bit 1 1G */
# define VTD_CAP_PSI BIT(39)             /* page-selective IOTLB invalidation */
# define VTD_CAP_NFR GENMASK(47, 40)     /* number of fault recording registers - 1 */
# define VTD_CAP_MAMV GENMASK(53, 48)    /* max address mask value for PSI */
# define VTD_CAP_DWD BIT(54)             /* write draining */
# define VTD_CAP_DRD BIT(55)             /* read draining */
# define VTD_CAP_FL1GP BIT(56)           /* first-level 1 GiB pages */
# define VTD_CAP_PI BIT(59)
# define VTD_CAP_FL5LP BIT(60)
#define VTD_ECAP_REG 0x10 /* 64, spec 11.4.3 */
# define VTD_ECAP_C BIT(0)               /* page walks snoop CPU caches (coherent) */
# define VTD_ECAP_QI BIT(1)              /* queued invalidation */
# define VTD_ECAP_DT BIT(2)              /* device-TLB (ATS) */
# define VTD_ECAP_IR BIT(3)              /* interrupt remapping */
# define VTD_ECAP_EIM BIT(4)
# define VTD_ECAP_PT BIT(6)              /* pass-through */
# define VTD_ECAP_SC BIT(7)              /* snoop control */
# define VTD_ECAP_IRO GENMASK(17, 8)     /* IOTLB register offset / 16 */
# define VTD_ECAP_MHMV GENMASK(23, 20)
# define VTD_ECAP_NEST BIT(26)           /* nested translation */
# define VTD_ECAP_PRS BIT(29)
# define VTD_ECAP_SRS BIT(31)
# define VTD_ECAP_PSS GENMASK(39, 35)    /* PASID size supported - 1 */
# define VTD_ECAP_PASID BIT(40)
# define VTD_ECAP_SMTS BIT(43)           /* scalable-mode translation */
# define VTD_ECAP_SLTS BIT(46)           /* second-level translation in scalable mode */
# define VTD_ECAP_FLTS BIT(47)           /* first-level translation in scalable mode */
#define VTD_GCMD_REG 0x18 /* 32, spec 11.4.4: write-only commands */
# define VTD_GCMD_TE BIT(31)             /* translation enable */
# define VTD_GCMD_SRTP BIT(30)           /* set root table pointer (one-shot) */
# define VTD_GCMD_SFL BIT(29)            /* one-shot */
# define VTD_GCMD_EAFL BIT(28)
# define VTD_GCMD_WBF BIT(27)            /* write-buffer flush (one-shot) */
# define VTD_GCMD_QIE BIT(26)            /* queued invalidation enable */
# define VTD_GCMD_IRE BIT(25)            /* interrupt remapping enable */
# define VTD_GCMD_SIRTP BIT(24)          /* one-shot */
# define VTD_GCMD_CFI BIT(23)
/*
 * GCMD has no read-back: software writes GSTS's persistent state plus the one command it wants
 * (spec 11.4.4 "Software must read GSTS, mask the one-shot bits, OR in the command"). QEMU diffs
 * GCMD against GSTS, so leaving out TE/QIE/IRE here would disable them.
 */
# define VTD_GCMD_PERSISTENT (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)
#define VTD_GSTS_REG 0x1c /* 32, spec 11.4.5 */
# define VTD_GSTS_TES BIT(31)
# define VTD_GSTS_RTPS BIT(30)
# define VTD_GSTS_FLS BIT(29)
# define VTD_GSTS_WBFS BIT(27)
# define VTD_GSTS_QIES BIT(26)
# define VTD_GSTS_IRES BIT(25)
# define VTD_GSTS_IRTPS BIT(24)
# define VTD_GSTS_CFIS BIT(23)
#define VTD_RTADDR_REG 0x20 /* 64, spec 11.4.6 */
# define VTD_RTADDR_RTA GENMASK(63, 12)
# define VTD_RTADDR_TTM GENMASK(11, 10)  /* 00 legacy, 01 scalable */
#  define VTD_RTADDR_TTM_LEGACY 0ULL
#  define VTD_RTADDR_TTM_SCALABLE 1ULL
#define VTD_CCMD_REG 0x28 /* 64, spec 11.4.7: register-based context invalidation */
# define VTD_CCMD_ICC BIT(63)
# define VTD_CCMD_CIRG GENMASK(62, 61)
#  define VTD_CCMD_CIRG_GLOBAL 1ULL
#define VTD_FSTS_REG 0x34 /* 32, spec 11.4.9.1 */
# define VTD_FSTS_PFO BIT(0)             /* primary fault overflow (RW1C) */
# define VTD_FSTS_PPF BIT(1)             /* primary pending fault (RO: some FRCD.F is set) */
# define VTD_FSTS_IQE BIT(4)             /* invalidation queue error (RW1C) */
# define VTD_FSTS_ICE BIT(5)
# define VTD_FSTS_ITE BIT(6)
# define VTD_FSTS_FRI GENMASK(15, 8)     /* fault record index */
# define VTD_FSTS_CLEAR (VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)
#define VTD_FECTL_REG 0x38 /* 32, spec 11.4.9.2 */
# define VTD_FECTL_IM BIT(31)            /* interrupt mask */
# define VTD_FECTL_IP BIT(30)
#define VTD_FEDATA_REG 0x3c  /* 32 */
#define VTD_FEADDR_REG 0x40  /* 32 */
#define VTD_FEUADDR_REG 0x44 /* 32 */
#define VTD_PMEN_REG 0x64 /* 32, spec 11.4.13 */
# define VTD_PMEN_EPM BIT(31)
# define VTD_PMEN_PRS BIT(0)
#define VTD_IQH_REG 0x80 /* 64, spec 11.4.10.1: byte offset of the next descriptor to fetch */
#define VTD_IQT_REG 0x88 /* 64, byte offset of the next free slot */
# define VTD_IQ_OFFSET GENMASK(18, 4)
#define VTD_IQA_REG 0x90 /* 64, spec 11.4.10.3 */
# define VTD_IQA_IQA GENMASK(63, 12)
# define VTD_IQA_DW BIT(11)              /* 256-bit descriptors (scalable mode) */
# define VTD_IQA_QS GENMASK(2, 0)        /* 2^QS 4 KiB pages */
#define VTD_ICS_REG 0x9c /* 32 */
# define VTD_ICS_IWC BIT(0)
#define VTD_IECTL_REG 0xa0 /* 32 */
# define VTD_IECTL_IM BIT(31)
#define VTD_IQERCD_REG 0xb0 /* 64 */
#define VTD_IRTA_REG 0xb8 /* 64, spec 11.4.11.1: interrupt remapping table address */
# define VTD_IRTA_IRTA GENMASK(63, 12)
# define VTD_IRTA_EIME BIT(11)           /* extended (x2APIC) interrupt mode: 32-bit destinations */
# define VTD_IRTA_S GENMASK(3, 0)        /* 2^(S+1) entries */
#define VTD_REG_SIZE 0x1000 /* what we map; QEMU decodes 0x230 */

/* IOTLB registers at ECAP.IRO * 16 (spec 11.4.8): IVA then IOTLB. Used only before QI is on. */
#define VTD_IVA_OFF 0x0
#define VTD_IOTLB_OFF 0x8
# define VTD_IOTLB_IVT BIT(63)
# define VTD_IOTLB_IIRG GENMASK(61, 60)
#  define VTD_IOTLB_IIRG_GLOBAL 1ULL
# define VTD_IOTLB_DR BIT(49)
# define VTD_IOTLB_DW BIT(48)

/* Fault recording registers at CAP.FRO * 16, 128 bits each (spec 11.4.14) */
#define VTD_FRCD_LO 0x0 /* 64: fault info (page address) */
# define VTD_FRCD_LO_FI GENMASK(63, 12)
#define VTD_FRCD_HI 0x8 /* 64 */
# define VTD_FRCD_HI_SID GENMASK(15, 0)
# define VTD_FRCD_HI_PRIV BIT(29)
# define VTD_FRCD_HI_EXE BIT(30)
# define VTD_FRCD_HI_PP BIT(31)          /* PASID present */
# define VTD_FRCD_HI_FR GENMASK(39, 32)  /* fault reason */
# define VTD_FRCD_HI_PV GENMASK(59, 40)  /* PASID value */
# define VTD_FRCD_HI_AT GENMASK(61, 60)
# define VTD_FRCD_HI_T BIT(62)           /* 1: read, 0: write */
# define VTD_FRCD_HI_F BIT(63)           /* fault (RW1C) */
#define VTD_FRCD_SIZE 16

/* Fault reasons we name (spec 7.1.3 table "Unsuccessful translated requests" / appendix A) */
#define VTD_FR_ROOT_NOT_PRESENT 0x01
#define VTD_FR_CTX_NOT_PRESENT 0x02
#define VTD_FR_CTX_INVALID 0x03
#define VTD_FR_ADDR_BEYOND_AW 0x04
#define VTD_FR_WRITE 0x05
#define VTD_FR_READ 0x06
#define VTD_FR_PTE_ACCESS 0x07
#define VTD_FR_ROOT_RSVD 0x0a
#define VTD_FR_CTX_RSVD 0x0b
#define VTD_FR_PTE_RSVD 0x0c
/* Interrupt-remapping faults (spec 7.1.3 table "Interrupt remapping fault conditions"). */
#define VTD_FR_IR_REQ_RSVD 0x20          /* reserved field set in the interrupt request */
#define VTD_FR_IR_INDEX_OVER 0x21        /* handle beyond the table (IRTA.S) */
#define VTD_FR_IR_ENTRY_P 0x22           /* IRTE not present */
#define VTD_FR_IR_ROOT_INVAL 0x23        /* table address beyond the host address width */
#define VTD_FR_IR_IRTE_RSVD 0x24         /* reserved field set in a present IRTE */
#define VTD_FR_IR_REQ_COMPAT 0x25        /* compatibility-format request blocked (CFIS=0 or EIME=1) */
#define VTD_FR_IR_SID_ERR 0x26           /* requester ID fails the IRTE's SVT/SQ/SID check */
#define VTD_FR_IR_FIRST VTD_FR_IR_REQ_RSVD
#define VTD_FR_IR_LAST 0x27
#define VTD_FR_SM_PDE_ACCESS 0x50
#define VTD_FR_SM_PDE_NOT_PRESENT 0x51
#define VTD_FR_SM_PTE_ACCESS 0x58
#define VTD_FR_SM_PTE_NOT_PRESENT 0x59
#define VTD_FR_SM_PTE_INVALID 0x5b
#define VTD_FR_SM_FL_NOT_PRESENT 0x71
#define VTD_FR_SM_FL_NONCANONICAL 0x80
#define VTD_FR_SM_FL_US 0x81
#define VTD_FR_SM_WRITE 0x85

/* ---- translation structures (spec ch. 9) -------------------------------------------------- */

/* Legacy root entry (spec 9.1): one per bus, 128 bits. */
struct vtd_root_entry {
	uint64_t lo;
	uint64_t hi;
};
#define VTD_RE_P BIT(0)
#define VTD_RE_CTP GENMASK(63, 12)
/* Scalable-mode root entry (spec 9.2): lo -> devfn 0-127, hi -> devfn 128-255. */
#define VTD_SRE_LP BIT(0)
#define VTD_SRE_LCTP GENMASK(63, 12)
#define VTD_SRE_UP BIT(0)
#define VTD_SRE_UCTP GENMASK(63, 12)
_Static_assert(sizeof(struct vtd_root_entry) == 16, "root entry is 128 bits");

/*
 * Legacy context entry (spec 9.3), 128 bits, 256 per context table (one table per bus):
 *   lo: 0 P | 1 FPD | 3:2 TT | 63:12 SLPTPTR
 *   hi: 2:0 AW | 6:3 ignored | 23:8 DID | rest reserved
 */
struct vtd_context_entry {
	uint64_t lo;
	uint64_t hi;
};
#define VTD_CE_P BIT(0)
#define VTD_CE_FPD BIT(1)
#define VTD_CE_TT GENMASK(3, 2)
# define VTD_CE_TT_SLPT 0ULL              /* untranslated requests walk the second level */
# define VTD_CE_TT_PT 2ULL                /* pass-through: untranslated requests are not translated */
#define VTD_CE_SLPTPTR GENMASK(63, 12)
#define VTD_CE_AW GENMASK(2, 0)           /* 1: 39-bit 3-level, 2: 48-bit 4-level */
#define VTD_CE_DID GENMASK(23, 8)
_Static_assert(sizeof(struct vtd_context_entry) == 16, "legacy context entry is 128 bits");

/*
 * Scalable-mode context entry (spec 9.4), 256 bits, 128 per 4 KiB table (two per bus):
 *   val[0]: 0 P | 1 FPD | 2 DTE | 3 PASIDE | 4 PRE | 11:9 PDTS | 63:12 PASIDDIRPTR
 *   val[1]: 19:0 RID_PASID | 20 RID_PRIV
 *   val[2], val[3]: reserved (QEMU faults 0x0b if non-zero)
 */
struct vtd_sm_context_entry {
	uint64_t val[4];
};
#define VTD_SMCE_P BIT(0)
#define VTD_SMCE_FPD BIT(1)
#define VTD_SMCE_PDTS GENMASK(11, 9)      /* directory has 2^(PDTS+7) entries */
#define VTD_SMCE_PDIRPTR GENMASK(63, 12)
#define VTD_SMCE_RID_PASID GENMASK(19, 0)
_Static_assert(sizeof(struct vtd_sm_context_entry) == 32, "SM context entry is 256 bits");

/* PASID directory entry (spec 9.5), 64 bits, indexed by PASID[19:6]. */
#define VTD_PDE_P BIT(0)
#define VTD_PDE_FPD BIT(1)
#define VTD_PDE_PTPTR GENMASK(63, 12)

/*
 * Scalable-mode PASID table entry (spec 9.6), 512 bits, indexed by PASID[5:0]:
 *   val[0]: 0 P | 1 FPD | 4:2 AW | 8:6 PGTT | 63:12 SLPTPTR
 *   val[1]: 15:0 DID | 23 PWSNP | 24 PGSNP
 *   val[2]: 0 SRE | 3:2 FLPM | 63:12 FLPTPTR
 *   val[3..7]: reserved
 */
struct vtd_pasid_entry {
	uint64_t val[8];
};
#define VTD_PE_P BIT(0)
#define VTD_PE_FPD BIT(1)
#define VTD_PE_AW GENMASK(4, 2)
#define VTD_PE_PGTT GENMASK(8, 6)
# define VTD_PGTT_FL 1ULL
# define VTD_PGTT_SL 2ULL
# define VTD_PGTT_NESTED 3ULL
# define VTD_PGTT_PT 4ULL
#define VTD_PE_SLPTPTR GENMASK(63, 12)
#define VTD_PE_DID GENMASK(15, 0)
#define VTD_PE_FLPM GENMASK(3, 2)         /* 0: 4-level first-level */
#define VTD_PE_FLPTPTR GENMASK(63, 12)
_Static_assert(sizeof(struct vtd_pasid_entry) == 64, "PASID entry is 512 bits");

#define VTD_PASID_DIR_SHIFT 6             /* 64 PASID entries per 4 KiB table */
#define VTD_PASID_PER_TABLE 64U
#define VTD_PDTS_ONE_PAGE 2ULL            /* 2^(2+7) = 512 directory entries = one page */
#define VTD_RID_PASID 0U                  /* PASID used for requests without PASID */

/* ---- invalidation descriptors (spec 6.5.2) ------------------------------------------------ */

/*
 * A descriptor is 128 bits (legacy queue) or 256 bits (IQA.DW=1, scalable mode); the upper
 * 128 bits of a 256-bit descriptor are zero for every type we issue.
 */
struct vtd_inv_desc {
	uint64_t qw[4];
};
#define VTD_DESC_TYPE GENMASK(3, 0)
#define VTD_DESC_CC 0x1ULL               /* context-cache (6.5.2.1) */
#define VTD_DESC_IOTLB 0x2ULL            /* IOTLB (6.5.2.2) */
#define VTD_DESC_DEVTLB 0x3ULL           /* device-TLB (6.5.2.5) */
#define VTD_DESC_IEC 0x4ULL
#define VTD_DESC_WAIT 0x5ULL             /* invalidation wait (6.5.2.8) */
#define VTD_DESC_PIOTLB 0x6ULL           /* PASID-based IOTLB (6.5.2.4), 256-bit queue only */
#define VTD_DESC_PC 0x7ULL               /* PASID cache (6.5.2.3) */
#define VTD_DESC_PDEVTLB 0x8ULL          /* PASID-based device-TLB (6.5.2.7) */
#define VTD_DESC_G GENMASK(5, 4)         /* granularity, meaning per type */
#define VTD_DESC_DID GENMASK(31, 16)
/* context-cache */
# define VTD_CC_G_GLOBAL 1ULL
# define VTD_CC_G_DOMAIN 2ULL
# define VTD_CC_G_DEVICE 3ULL
# define VTD_CC_SID GENMASK(47, 32)
# define VTD_CC_FM GENMASK(49, 48)
/* IOTLB */
# define VTD_IOTLB_G_GLOBAL 1ULL
# define VTD_IOTLB_G_DOMAIN 2ULL
# define VTD_IOTLB_G_PAGE 3ULL
# define VTD_IOTLB_DW_BIT BIT(6)
# define VTD_IOTLB_DR_BIT BIT(7)
# define VTD_IOTLB_HI_AM GENMASK(5, 0)
# define VTD_IOTLB_HI_IH BIT(6)
# define VTD_IOTLB_HI_ADDR GENMASK(63, 12)
/* PASID-based IOTLB */
# define VTD_PIOTLB_G_PASID 2ULL          /* all mappings of (DID, PASID) */
# define VTD_PIOTLB_G_PAGE 3ULL           /* page-selective within (DID, PASID) */
# define VTD_PIOTLB_PASID GENMASK(51, 32)
/* device-TLB (ATS invalidation requests): PFSID split in two, ADDR with the S bit */
# define VTD_DEVTLB_PFSID_LO GENMASK(15, 12) /* PFSID[3:0] */
# define VTD_DEVTLB_MIP GENMASK(20, 16)      /* max invalidations pending (the device's queue depth) */
# define VTD_DEVTLB_SID GENMASK(47, 32)
# define VTD_DEVTLB_PFSID_HI GENMASK(63, 52) /* PFSID[15:4] */
# define VTD_DEVTLB_HI_S BIT(0)              /* size: range encoded in ADDR's low one-bits */
# define VTD_DEVTLB_HI_ADDR GENMASK(63, 12)
/* PASID-based device-TLB */
# define VTD_PDEVTLB_MIP GENMASK(8, 4)
# define VTD_PDEVTLB_SID GENMASK(31, 16)
# define VTD_PDEVTLB_PASID GENMASK(51, 32)
# define VTD_PDEVTLB_HI_G BIT(0)             /* every PASID of the device */
# define VTD_PDEVTLB_HI_S BIT(11)
/* PASID cache */
# define VTD_PC_G_DOMAIN 0ULL
# define VTD_PC_G_PASID 1ULL
# define VTD_PC_G_GLOBAL 3ULL
# define VTD_PC_PASID GENMASK(51, 32)
/* interrupt entry cache (6.5.2.6) */
# define VTD_IEC_G_INDEX BIT(4)          /* 0: every entry, 1: 2^IM entries from IIDX */
# define VTD_IEC_IM GENMASK(31, 27)
# define VTD_IEC_IIDX GENMASK(47, 32)
/* invalidation wait */
# define VTD_WAIT_IF BIT(4)
# define VTD_WAIT_SW BIT(5)
# define VTD_WAIT_FN BIT(6)
# define VTD_WAIT_SDATA GENMASK(63, 32)
# define VTD_WAIT_HI_SADDR GENMASK(63, 2)
_Static_assert(sizeof(struct vtd_inv_desc) == 32, "descriptor slot is 256 bits");

/*
 * Interrupt remapping table entry for remapped (not posted) interrupts, spec 9.10, 128 bits:
 *   lo:  0 P | 1 FPD | 2 DM | 3 RH | 4 TM | 7:5 DLM | 11:8 AVAIL | 14:12 rsvd | 15 IM (0) |
 *        23:16 V | 31:24 rsvd | 63:32 DST (xAPIC: APIC ID in 47:40; x2APIC: all 32 bits)
 *   hi:  15:0 SID | 17:16 SQ | 19:18 SVT | 63:20 rsvd
 * SVT=01b makes the unit compare the request's source-id with SID (bits masked by SQ), so a
 * device can raise only the entries written with its own requester ID (spec 9.10, 5.1.4).
 */
struct vtd_irte {
	uint64_t lo;
	uint64_t hi;
};
_Static_assert(sizeof(struct vtd_irte) == 16, "IRTE is 128 bits");
#define VTD_IRTE_P BIT(0)
#define VTD_IRTE_FPD BIT(1)
#define VTD_IRTE_DM BIT(2)
#define VTD_IRTE_RH BIT(3)
#define VTD_IRTE_TM BIT(4)
#define VTD_IRTE_DLM GENMASK(7, 5)
# define VTD_IRTE_DLM_FIXED 0ULL
#define VTD_IRTE_IM BIT(15)
#define VTD_IRTE_V GENMASK(23, 16)
#define VTD_IRTE_DST GENMASK(63, 32)
#define VTD_IRTE_DST_XAPIC GENMASK(47, 40)
#define VTD_IRTE_HI_SID GENMASK(15, 0)
#define VTD_IRTE_HI_SQ GENMASK(17, 16)
#define VTD_IRTE_HI_SVT GENMASK(19, 18)
# define VTD_SVT_NONE 0ULL
# define VTD_SVT_RID 1ULL                /* verify SID (with SQ) */
# define VTD_SVT_BUS 2ULL                /* verify the bus is in [SID 15:8, SID 7:0] */

/*
 * Remappable-format MSI (spec 5.1.2.2): address 0xFEE << 20 | handle[14:0] << 5 | 1 << 4
 * (interrupt format) | SHV << 3 | handle[15] << 2; data holds the subhandle when SHV=1.
 * Compatibility format is bit 4 = 0: blocked while GSTS.CFIS = 0 (we never set CFI).
 */
#define VTD_MSI_ADDR_BASE 0xfee00000ULL
#define VTD_MSI_ADDR_HANDLE_LO GENMASK(19, 5)
#define VTD_MSI_ADDR_REMAP BIT(4)
#define VTD_MSI_ADDR_SHV BIT(3)
#define VTD_MSI_ADDR_HANDLE_HI BIT(2)

/* clang-format on */

#endif /* VTD_REGS_H */
