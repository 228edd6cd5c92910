/* SPDX-License-Identifier: MIT */
/*
 * Arm SMMUv3 register map and in-memory formats (Arm IHI 0070, "SMMU architecture version 3").
 * Register macros are grouped: register offset, then its fields indented under it. Memory
 * formats (STE 5.2, CD 5.4, commands 4.x, events 7.3) are arrays of little-endian 64-bit words;
 * the field macros name the word they live in (STE_0_..., CMD_1_..., EVT_2_...).
 *
 * Access widths (spec 6.2, and what QEMU's model enforces, notes/qemu-10.0.md 2.4): 32-bit
 * registers are read and written with 32-bit accesses only; the 64-bit ones (*_BASE,
 * *_IRQ_CFG0) with 64-bit accesses.
 */
#ifndef SMMUV3_REGS_H
#define SMMUV3_REGS_H

#include <hv/bits.h>
#include <hv/types.h>

/* clang-format off */
/* ---- registers, page 0 (spec 6.3) ---- */
#define SMMU_IDR0 0x00
# define SMMU_IDR0_S2P BIT(0)
# define SMMU_IDR0_S1P BIT(1)
# define SMMU_IDR0_TTF GENMASK(3, 2)          /* 2: AArch64 tables only, 3: both */
#  define SMMU_IDR0_TTF_AARCH64 0x2U
# define SMMU_IDR0_COHACC BIT(4)              /* table/queue accesses are IO-coherent */
# define SMMU_IDR0_BTM BIT(5)
# define SMMU_IDR0_HTTU GENMASK(7, 6)
# define SMMU_IDR0_HYP BIT(9)
# define SMMU_IDR0_ATS BIT(10)
# define SMMU_IDR0_ASID16 BIT(12)
# define SMMU_IDR0_MSI BIT(13)
# define SMMU_IDR0_SEV BIT(14)
# define SMMU_IDR0_PRI BIT(16)
# define SMMU_IDR0_VMID16 BIT(18)
# define SMMU_IDR0_CD2L BIT(19)
# define SMMU_IDR0_TTENDIAN GENMASK(22, 21)   /* 0 mixed, 2 LE, 3 BE */
#  define SMMU_IDR0_TTENDIAN_BE 0x3U
# define SMMU_IDR0_STALL_MODEL GENMASK(25, 24)
# define SMMU_IDR0_ST_LEVEL GENMASK(28, 27)   /* 0: linear only, 1: 2-level supported */
#define SMMU_IDR1 0x04
# define SMMU_IDR1_SIDSIZE GENMASK(5, 0)
# define SMMU_IDR1_SSIDSIZE GENMASK(10, 6)
# define SMMU_IDR1_EVENTQS GENMASK(20, 16)    /* log2 of the largest event queue */
# define SMMU_IDR1_CMDQS GENMASK(25, 21)
# define SMMU_IDR1_QUEUES_PRESET BIT(29)
# define SMMU_IDR1_TABLES_PRESET BIT(30)
#define SMMU_IDR2 0x08
#define SMMU_IDR3 0x0c
# define SMMU_IDR3_HAD BIT(2)
# define SMMU_IDR3_XNX BIT(4)
# define SMMU_IDR3_RIL BIT(10)                /* range TLBI (NUM/SCALE/TG in TLBI commands) */
# define SMMU_IDR3_BBML GENMASK(12, 11)
#define SMMU_IDR4 0x10
#define SMMU_IDR5 0x14
# define SMMU_IDR5_OAS GENMASK(2, 0)          /* 0:32 1:36 2:40 3:42 4:44 5:48 6:52 bits */
# define SMMU_IDR5_GRAN4K BIT(4)
# define SMMU_IDR5_GRAN16K BIT(5)
# define SMMU_IDR5_GRAN64K BIT(6)
# define SMMU_IDR5_VAX GENMASK(11, 10)
#define SMMU_IIDR 0x18
#define SMMU_AIDR 0x1c
# define SMMU_AIDR_MINOR GENMASK(3, 0)
#define SMMU_CR0 0x20
# define SMMU_CR0_SMMUEN BIT(0)
# define SMMU_CR0_PRIQEN BIT(1)
# define SMMU_CR0_EVENTQEN BIT(2)
# define SMMU_CR0_CMDQEN BIT(3)
#define SMMU_CR0ACK 0x24
#define SMMU_CR1 0x28
# define SMMU_CR1_QUEUE_IC GENMASK(1, 0)      /* 0 non-cacheable, 1 write-back */
# define SMMU_CR1_QUEUE_OC GENMASK(3, 2)
# define SMMU_CR1_QUEUE_SH GENMASK(5, 4)      /* 2 outer, 3 inner shareable */
# define SMMU_CR1_TABLE_IC GENMASK(7, 6)
# define SMMU_CR1_TABLE_OC GENMASK(9, 8)
# define SMMU_CR1_TABLE_SH GENMASK(11, 10)
#  define SMMU_CACHE_WB 0x1U
#  define SMMU_SH_OSH 0x2U
#  define SMMU_SH_ISH 0x3U
#define SMMU_CR2 0x2c
# define SMMU_CR2_E2H BIT(0)
# define SMMU_CR2_RECINVSID BIT(1)             /* record C_BAD_STREAMID events */
# define SMMU_CR2_PTM BIT(2)                   /* ignore broadcast TLB maintenance */
#define SMMU_GBPA 0x44
# define SMMU_GBPA_UPDATE BIT(31)
# define SMMU_GBPA_ABORT BIT(20)
#define SMMU_IRQ_CTRL 0x50
# define SMMU_IRQ_CTRL_GERROR_IRQEN BIT(0)
# define SMMU_IRQ_CTRL_PRIQ_IRQEN BIT(1)
# define SMMU_IRQ_CTRL_EVENTQ_IRQEN BIT(2)
#define SMMU_IRQ_CTRLACK 0x54
#define SMMU_GERROR 0x60
# define SMMU_GERROR_CMDQ_ERR BIT(0)
# define SMMU_GERROR_EVTQ_ABT_ERR BIT(2)
# define SMMU_GERROR_PRIQ_ABT_ERR BIT(3)
# define SMMU_GERROR_MSI_ABT_ERRS GENMASK(7, 4)
# define SMMU_GERROR_SFM_ERR BIT(8)
# define SMMU_GERROR_ALL GENMASK(9, 0)
#define SMMU_GERRORN 0x64
#define SMMU_GERROR_IRQ_CFG0 0x68 /* MSI address: 0 = no MSI, the wired interrupt only */
#define SMMU_STRTAB_BASE 0x80                 /* 64-bit */
# define SMMU_STRTAB_BASE_RA BIT(62)
# define SMMU_STRTAB_BASE_ADDR GENMASK(51, 6)
#define SMMU_STRTAB_BASE_CFG 0x88
# define SMMU_STRTAB_BASE_CFG_LOG2SIZE GENMASK(5, 0)
# define SMMU_STRTAB_BASE_CFG_SPLIT GENMASK(10, 6)
# define SMMU_STRTAB_BASE_CFG_FMT GENMASK(17, 16)
#  define SMMU_STRTAB_FMT_LINEAR 0x0U
#  define SMMU_STRTAB_FMT_2LVL 0x1U
#define SMMU_CMDQ_BASE 0x90                   /* 64-bit */
# define SMMU_Q_BASE_RWA BIT(62)              /* read-allocate (CMDQ) / write-allocate (EVTQ) */
# define SMMU_Q_BASE_ADDR GENMASK(51, 5)
# define SMMU_Q_BASE_LOG2SIZE GENMASK(4, 0)
#define SMMU_CMDQ_PROD 0x98
#define SMMU_CMDQ_CONS 0x9c
# define SMMU_CMDQ_CONS_ERR GENMASK(30, 24)
#  define SMMU_CERROR_NONE 0x0U
#  define SMMU_CERROR_ILL 0x1U
#  define SMMU_CERROR_ABT 0x2U
#  define SMMU_CERROR_ATC_INV_SYNC 0x3U
#define SMMU_EVTQ_BASE 0xa0                   /* 64-bit */
#define SMMU_EVENTQ_IRQ_CFG0 0xb0 /* 64-bit MSI address: 0 = no MSI, the wired interrupt only */
/* EVENTQ_PROD/CONS live in page 1 (spec 6.3.27/28) */
#define SMMU_EVTQ_PROD 0x100a8
#define SMMU_EVTQ_CONS 0x100ac
# define SMMU_Q_OVF BIT(31)                   /* PROD.OVFLG / CONS.OVACKFLG */
#define SMMU_REG_SIZE 0x20000                 /* two 64 KiB pages */

/* Queue index: read/write index in the low log2size bits, wrap flag just above them. */
#define SMMU_Q_IDX(lg, v) ((uint32_t)(v) & ((1U << (lg)) - 1))
#define SMMU_Q_WRP(lg, v) ((uint32_t)(v) & (1U << (lg)))
#define SMMU_Q_IDXWRP(lg, v) ((uint32_t)(v) & ((2U << (lg)) - 1))

/* OAS/IPS/S2PS encoding <-> bits (spec 6.3.6, IDR5.OAS). */
static inline unsigned smmu_oas_bits(unsigned enc)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return enc < 7 ? bits[enc] : 48;
}

/* ---- Stream table entry (spec 5.2), 8 x 64 bits ---- */
#define STE_DWORDS 8
struct smmu_ste {
	uint64_t d[STE_DWORDS];
};
_Static_assert(sizeof(struct smmu_ste) == 64, "STE is 64 bytes (spec 5.2)");

#define STE_0_V BIT(0)
#define STE_0_CONFIG GENMASK(3, 1)
# define STE_CONFIG_ABORT 0x0U                 /* terminate, no event */
# define STE_CONFIG_BYPASS 0x4U
# define STE_CONFIG_S1 0x5U                    /* S1 translate, S2 bypass */
# define STE_CONFIG_S2 0x6U                    /* S1 bypass, S2 translate */
# define STE_CONFIG_NESTED 0x7U
#define STE_0_S1FMT GENMASK(5, 4)
#define STE_0_S1CTXPTR GENMASK(51, 6)
#define STE_0_S1CDMAX GENMASK(63, 59)
#define STE_1_S1DSS GENMASK(1, 0)            /* with S1CDMax > 0: traffic without SSID */
# define STE_S1DSS_TERMINATE 0x0U              /* abort (F_STREAM_DISABLED) */
# define STE_S1DSS_SSID0 0x2U                  /* use CD 0 (then SSID 0 is invalid) */
#define STE_1_S1CIR GENMASK(3, 2)
#define STE_1_S1COR GENMASK(5, 4)
#define STE_1_S1CSH GENMASK(7, 6)
#define STE_1_S1STALLD BIT(27)
#define STE_1_EATS GENMASK(29, 28)
#define STE_1_STRW GENMASK(31, 30)
#define STE_1_SHCFG GENMASK(45, 44)
# define STE_SHCFG_INCOMING 0x1U
#define STE_2_S2VMID GENMASK(15, 0)
#define STE_2_S2T0SZ GENMASK(37, 32)
#define STE_2_S2SL0 GENMASK(39, 38)
#define STE_2_S2IR0 GENMASK(41, 40)
#define STE_2_S2OR0 GENMASK(43, 42)
#define STE_2_S2SH0 GENMASK(45, 44)
#define STE_2_S2TG GENMASK(47, 46)            /* 0: 4 KiB granule */
#define STE_2_S2PS GENMASK(50, 48)
#define STE_2_S2AA64 BIT(51)                  /* must be 1: QEMU aborts on AArch32 (notes 2.2) */
#define STE_2_S2ENDI BIT(52)
#define STE_2_S2AFFD BIT(53)
#define STE_2_S2PTW BIT(54)
#define STE_2_S2S BIT(57)
#define STE_2_S2R BIT(58)                     /* record S2 faults (QEMU needs it for events) */
#define STE_3_S2TTB GENMASK(51, 4)

/* Level-1 stream table descriptor (spec 5.1): SPAN = log2(STEs in the L2 table) + 1. */
#define L1STD_SPAN GENMASK(4, 0)
#define L1STD_L2PTR GENMASK(51, 6)

/* ---- Context descriptor (spec 5.4), 8 x 64 bits ---- */
#define CD_DWORDS 8
struct smmu_cd {
	uint64_t d[CD_DWORDS];
};
_Static_assert(sizeof(struct smmu_cd) == 64, "CD is 64 bytes (spec 5.4)");

#define CD_0_T0SZ GENMASK(5, 0)
#define CD_0_TG0 GENMASK(7, 6)                /* 0: 4 KiB */
#define CD_0_IR0 GENMASK(9, 8)
#define CD_0_OR0 GENMASK(11, 10)
#define CD_0_SH0 GENMASK(13, 12)
#define CD_0_EPD0 BIT(14)
#define CD_0_ENDI BIT(15)
#define CD_0_T1SZ GENMASK(21, 16)
#define CD_0_EPD1 BIT(30)
#define CD_0_V BIT(31)
#define CD_0_IPS GENMASK(34, 32)
#define CD_0_AFFD BIT(35)
#define CD_0_AA64 BIT(41)
#define CD_0_HD BIT(42)
#define CD_0_HA BIT(43)
#define CD_0_S BIT(44)
#define L1CD_V BIT(0)                         /* L1 CD descriptor (spec 5.3) */
#define L1CD_L2PTR GENMASK(55, 12)
#define CD_0_R BIT(45)                        /* record faults (QEMU needs it for events) */
#define CD_0_A BIT(46)                        /* abort, not stall, on faults (needed) */
#define CD_0_ASET BIT(47)
#define CD_0_ASID GENMASK(63, 48)
#define CD_1_TTB0 GENMASK(51, 4)
#define CD_2_TTB1 GENMASK(51, 4)
/* d[3] = MAIR, d[4] = AMAIR */
#define CD_MAIR_WORD 3

/* ---- Commands (spec 4.1-4.7), 2 x 64 bits ---- */
struct smmu_cmd {
	uint64_t d[2];
};
_Static_assert(sizeof(struct smmu_cmd) == 16, "command is 16 bytes (spec 4.1)");

#define CMD_0_OP GENMASK(7, 0)
# define CMD_CFGI_STE 0x03U
# define CMD_CFGI_STE_RANGE 0x04U              /* Range = 31: CFGI_ALL */
# define CMD_CFGI_CD 0x05U
# define CMD_CFGI_CD_ALL 0x06U
# define CMD_TLBI_NH_ALL 0x10U
# define CMD_TLBI_NH_ASID 0x11U
# define CMD_TLBI_NH_VA 0x12U
# define CMD_TLBI_EL2_ALL 0x20U
# define CMD_TLBI_S12_VMALL 0x28U
# define CMD_TLBI_S2_IPA 0x2aU
# define CMD_TLBI_NSNH_ALL 0x30U
# define CMD_SYNC 0x46U
#define CMD_0_SSID GENMASK(31, 12)            /* CFGI_CD */
#define CMD_0_SID GENMASK(63, 32)             /* CFGI_* */
#define CMD_1_LEAF BIT(0)                     /* CFGI_STE/CD: this entry only; TLBI: leaves */
#define CMD_1_RANGE GENMASK(4, 0)             /* CFGI_STE_RANGE: 2^(Range+1) StreamIDs */
#define CMD_0_NUM GENMASK(16, 12)             /* TLBI range: (NUM+1) << SCALE granules */
#define CMD_0_SCALE GENMASK(24, 20)
#define CMD_0_VMID GENMASK(47, 32)
#define CMD_0_ASID GENMASK(63, 48)
#define CMD_1_TTL GENMASK(9, 8)
#define CMD_1_TG GENMASK(11, 10)              /* 0: not a range; 1: 4 KiB granule */
#define CMD_1_VA GENMASK(63, 12)
#define CMD_1_IPA GENMASK(51, 12)
#define CMD_0_SYNC_CS GENMASK(13, 12)         /* 0: no signal (we poll CMDQ_CONS) */

/* ---- Events (spec 7.3), 4 x 64 bits ---- */
struct smmu_evt {
	uint64_t d[4];
};
_Static_assert(sizeof(struct smmu_evt) == 32, "event is 32 bytes (spec 7.3)");

#define EVT_0_ID GENMASK(7, 0)
# define EVT_C_BAD_STREAMID 0x02U
# define EVT_F_STE_FETCH 0x03U
# define EVT_C_BAD_STE 0x04U
# define EVT_F_STREAM_DISABLED 0x06U
# define EVT_F_CD_FETCH 0x09U
# define EVT_C_BAD_CD 0x0aU
# define EVT_F_WALK_EABT 0x0bU
# define EVT_F_TRANSLATION 0x10U
# define EVT_F_ADDR_SIZE 0x11U
# define EVT_F_ACCESS 0x12U
# define EVT_F_PERMISSION 0x13U
#define EVT_0_SSV BIT(11)
#define EVT_0_SSID GENMASK(31, 12)
#define EVT_0_SID GENMASK(63, 32)
#define EVT_1_RNW BIT(35)                     /* 1: read */
#define EVT_1_S2 BIT(39)                      /* fault in stage 2 */
#define EVT_1_CLASS GENMASK(41, 40)           /* 0 CD fetch, 1 table walk, 2 input address */
# define EVT_CLASS_CD 0x0U
# define EVT_CLASS_TT 0x1U
# define EVT_CLASS_IN 0x2U
#define EVT_3_IPA GENMASK(51, 12)             /* stage-2 faults: the IPA */
#define EVT_3_FETCH_ADDR GENMASK(51, 3)       /* F_*_FETCH, F_WALK_EABT: physical address */

/* clang-format on */

#endif /* SMMUV3_REGS_H */
