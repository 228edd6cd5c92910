/* SPDX-License-Identifier: MIT */
/*
 * QEMU's edu device for test guests (header only). Registers from QEMU docs/specs/edu.rst:
 * ID 0x00 (0xRRrr00ed), DMA source 0x80, destination 0x88, count 0x90, command 0x98 (bit 0
 * start/busy, bit 1 device buffer -> RAM); the device buffer is at bus address 0x40000.
 */
#ifndef GUEST_EDU_H
#define GUEST_EDU_H

#include <stdbool.h>
#include <stdint.h>

#define EDU_REG_ID	0x00
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_CMD_START	0x1ULL
#define EDU_CMD_TO_RAM	0x2ULL
#define EDU_DEV_BUF	0x40000ULL
#define EDU_SPIN_MAX	200000000UL /* bounded wait: the engine takes 100 ms of virtual time */

/* One DMA of count bytes between RAM address bus (GPA or IOVA) and the device buffer. */
static inline int guest_edu_dma(volatile uint8_t *edu, uint64_t bus, uint32_t count, bool to_ram)
{
	volatile uint64_t *cmd = (volatile uint64_t *)(edu + EDU_REG_DMA_CMD);

	*(volatile uint64_t *)(edu + EDU_REG_DMA_SRC) = to_ram ? EDU_DEV_BUF : bus;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_DST) = to_ram ? bus : EDU_DEV_BUF;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CNT) = count;
	*cmd = EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0);
	for (unsigned long i = 0; i < EDU_SPIN_MAX; i++) {
		if (!(*cmd & EDU_CMD_START)) {
			return 0;
		}
	}
	return -1;
}

/*
 * Have the device write the 32-bit value data to bus address addr: data goes to *stage (guest
 * RAM the device reads at bus address stage_bus), into the device buffer, then out to addr.
 * For tests that aim a device at what is not memory (an interrupt window, a doorbell).
 */
static inline int guest_edu_write32(volatile uint8_t *edu, volatile uint32_t *stage, uint64_t stage_bus, uint64_t addr,
				    uint32_t data)
{
	*stage = data;
	if (guest_edu_dma(edu, stage_bus, 4, false) != 0) {
		return -1;
	}
	return guest_edu_dma(edu, addr, 4, true);
}

#endif /* GUEST_EDU_H */
