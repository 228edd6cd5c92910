/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi (AMD I/O Virtualization Technology (IOMMU) Specification 48882, rev 3.x) register
 * offsets and the formats of the device table entry, commands and event-log entries, as far as
 * this driver uses them. Register under its block, fields under their register.
 */
#ifndef AMDVI_REGS_H
#define AMDVI_REGS_H

#include <hv/bits.h>

/* 3.4 MMIO registers (the unit's 16 KiB window from the IVHD base address) */
#define AMDVI_MMIO_SIZE	       0x4000
#define AMDVI_DEVTAB_BASE_REG  0x0000 /* base 51:12, Size 8:0 (4 KiB pages - 1) */
#define AMDVI_CMDBUF_BASE_REG  0x0008 /* base 51:12, ComLen 59:56 (2^n entries, n >= 8) */
#define AMDVI_EVTLOG_BASE_REG  0x0010 /* base 51:12, EventLen 59:56 */
#define AMDVI_CONTROL_REG      0x0018
#define AMDVI_CTRL_IOMMU_EN    BIT(0)
#define AMDVI_CTRL_EVTLOG_EN   BIT(2)
#define AMDVI_CTRL_EVTINT_EN   BIT(3)
#define AMDVI_CTRL_COMWAIT_EN  BIT(4)
#define AMDVI_CTRL_CMDBUF_EN   BIT(12)
#define AMDVI_EXCL_BASE_REG    0x0020
#define AMDVI_EXCL_LIMIT_REG   0x0028
#define AMDVI_EFR_REG	       0x0030
#define AMDVI_CMDBUF_HEAD_REG  0x2000 /* byte offset, bits 18:4 */
#define AMDVI_CMDBUF_TAIL_REG  0x2008
#define AMDVI_EVTLOG_HEAD_REG  0x2010
#define AMDVI_EVTLOG_TAIL_REG  0x2018
#define AMDVI_STATUS_REG       0x2020
#define AMDVI_STS_EVT_OVERFLOW BIT(0) /* RW1C */
#define AMDVI_STS_COMWAIT_INT  BIT(2) /* RW1C */
#define AMDVI_STS_EVTLOG_RUN   BIT(3)
#define AMDVI_STS_CMDBUF_RUN   BIT(4)
#define AMDVI_RING_PTR_MASK    GENMASK(18, 4)
#define AMDVI_RING_LEN	       GENMASK(59, 56)
#define AMDVI_BASE_ADDR	       GENMASK(51, 12)

/*
 * 2.2.2 Device table entry (256 bits, one per DeviceID):
 *   qw0: 0 V, 1 TV, 8:7 HAD, 11:9 Mode (page-table levels, 0 = no translation), 51:12 Page
 *        Table Root Pointer, 61 IR, 62 IW
 *   qw1: 15:0 DomainID, 97 SE / 98 SA (suppress fault events) at bits 33/34 of qw1
 *   qw2: 0 IV (interrupt map valid), 4:1 IntTabLen, 51:6 IntTableRootPtr, 61:60 IntCtl,
 *        56 INITPass, 57 EIntPass, 58 NMIPass, 62 Lint0Pass, 63 Lint1Pass
 */
#define AMDVI_DTE_SIZE	  32
#define AMDVI_DTE_V	  BIT(0)
#define AMDVI_DTE_TV	  BIT(1)
#define AMDVI_DTE_HAD	  GENMASK(8, 7)
#define AMDVI_DTE_MODE	  GENMASK(11, 9)
#define AMDVI_DTE_ROOT	  GENMASK(51, 12)
#define AMDVI_DTE_IR	  BIT(61)
#define AMDVI_DTE_IW	  BIT(62)
#define AMDVI_DTE1_DOMAIN GENMASK(15, 0)
#define AMDVI_DTE2_IV	  BIT(0)
#define AMDVI_DTE2_INTCTL GENMASK(61, 60) /* 0: target abort (fixed/arbitrated interrupts) */
#define AMDVI_MAX_DEVIDS  0x10000
#define AMDVI_MAX_DOMAIN  0xffff

/* 2.4 Commands (128 bits): opcode in bits 63:60 of the first quadword */
#define AMDVI_CMD_SIZE		   16
#define AMDVI_CMD_OP		   GENMASK(63, 60)
#define AMDVI_CMD_COMPLETION_WAIT  0x1
#define AMDVI_CW_STORE		   BIT(0)
#define AMDVI_CW_ADDR		   GENMASK(51, 3) /* store address, 8-byte aligned */
#define AMDVI_CMD_INV_DEVTAB_ENTRY 0x2		  /* qw0 15:0 DeviceID */
#define AMDVI_CMD_INV_IOMMU_PAGES  0x3		  /* qw0 19:0 PASID, 47:32 DomainID; qw1 see below */
#define AMDVI_INV_S		   BIT(0)
#define AMDVI_INV_PDE		   BIT(1)
#define AMDVI_INV_GN		   BIT(2)
#define AMDVI_INV_ADDR		   GENMASK(63, 12)
#define AMDVI_INV_ALL_ADDR	   0x7ffffffffffff000ULL /* with S: the whole domain (2.4.3) */
#define AMDVI_CMD_INV_INTR_TABLE   0x5			 /* qw0 15:0 DeviceID */
#define AMDVI_CMD_INV_IOMMU_ALL	   0x8

/* 2.5 Event log entries (128 bits): code in bits 63:60 of the first quadword */
#define AMDVI_EVT_SIZE		    16
#define AMDVI_EVT_CODE		    GENMASK(63, 60)
#define AMDVI_EVT_DEVID		    GENMASK(15, 0)
#define AMDVI_EVT_PASID_LO	    GENMASK(31, 16) /* IO_PAGE_FAULT: PASID 15:0 */
#define AMDVI_EVT_DOMAIN	    GENMASK(47, 32) /* IO_PAGE_FAULT with GN=0: DomainID */
#define AMDVI_EVT_FLAGS		    GENMASK(59, 48) /* bits 27:16 of the second dword */
#define AMDVI_EVTF_GN		    BIT(0)
#define AMDVI_EVTF_NX		    BIT(1)
#define AMDVI_EVTF_US		    BIT(2)
#define AMDVI_EVTF_I		    BIT(3) /* interrupt request */
#define AMDVI_EVTF_PR		    BIT(4) /* the translation was present */
#define AMDVI_EVTF_RW		    BIT(5) /* 1: write */
#define AMDVI_EVTF_PE		    BIT(6) /* permission denied */
#define AMDVI_EVTF_RZ		    BIT(7) /* reserved bit not zero */
#define AMDVI_EVTF_TR		    BIT(8) /* translation request */
#define AMDVI_EVT_ILLEGAL_DEV_TABLE 0x1
#define AMDVI_EVT_IO_PAGE_FAULT	    0x2
#define AMDVI_EVT_DEV_TAB_HW_ERROR  0x3
#define AMDVI_EVT_PAGE_TAB_HW_ERROR 0x4
#define AMDVI_EVT_ILLEGAL_COMMAND   0x5
#define AMDVI_EVT_COMMAND_HW_ERROR  0x6
#define AMDVI_EVT_IOTLB_INV_TIMEOUT 0x7
#define AMDVI_EVT_INVALID_DEV_REQ   0x8

#endif /* AMDVI_REGS_H */
