// SPDX-License-Identifier: MIT
/*
 * Driver for QEMU's edu device (include/hv/edu.h). Register map from docs/specs/edu.rst:
 * 4-byte registers below 0x80, 8-byte DMA registers from 0x80.
 */
#include <hv/arch.h>
#include <hv/edu.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mmio.h>
#include <hv/wait.h>

#define EDU_ID_REG	   0x00 /* 32: 0xRRrr00ed, major.minor version */
#define EDU_ID_MAGIC	   0xedU
#define EDU_LIVE_REG	   0x04 /* 32: reads back the inverse of the last value written */
#define EDU_IRQ_RAISE_REG  0x60 /* 32: status |= value, then the interrupt (or MSI) fires */
#define EDU_IRQ_ACK_REG	   0x64 /* 32: status &= ~value */
#define EDU_DMA_SRC_REG	   0x80 /* 64 */
#define EDU_DMA_DST_REG	   0x88 /* 64 */
#define EDU_DMA_CNT_REG	   0x90 /* 64 */
#define EDU_DMA_CMD_REG	   0x98 /* 64 */
#define EDU_DMA_CMD_START  0x1ULL
#define EDU_DMA_CMD_TO_RAM 0x2ULL /* direction: device buffer -> RAM */
#define EDU_BAR0_SIZE	   0x100000ULL

/* The engine runs 100 ms of virtual time after the command; allow for a slow TCG host. */
#define EDU_DMA_TIMEOUT_US 5000000

int edu_init(struct edu *e, hpa_t bar0, uint16_t bdf)
{
	uint32_t id;
	int ret;

	ret = arch_map_mmio(bar0, EDU_BAR0_SIZE);
	if (ret) {
		return ret;
	}
	e->mmio = (uintptr_t)hpa_val(bar0);
	e->bdf = bdf;
	id = mmio_read32(e->mmio + EDU_ID_REG);
	mmio_write32(e->mmio + EDU_LIVE_REG, 0x12345678U);
	if ((id & 0xff) != EDU_ID_MAGIC || mmio_read32(e->mmio + EDU_LIVE_REG) != ~0x12345678U) {
		pr_err("edu: no edu device at %#llx (ID %#x)", (unsigned long long)hpa_val(bar0), id);
		return -ENODEV;
	}
	pr_info("edu: %02x:%02x.%x version %u.%u, BAR0 at %#llx", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, id >> 24,
		(id >> 16) & 0xff, (unsigned long long)hpa_val(bar0));
	return 0;
}

int edu_dma(struct edu *e, uint64_t bus_addr, uint32_t buf_off, uint32_t count, bool to_ram)
{
	uint64_t dev = EDU_BUF_ADDR + buf_off;
	int ret;

	if (count == 0 || buf_off >= EDU_BUF_SIZE || count > EDU_BUF_SIZE - buf_off) {
		return -EINVAL;
	}
	if (mmio_read64(e->mmio + EDU_DMA_CMD_REG) & EDU_DMA_CMD_START) {
		return -EBUSY;
	}
	mmio_write64(e->mmio + EDU_DMA_SRC_REG, to_ram ? dev : bus_addr);
	mmio_write64(e->mmio + EDU_DMA_DST_REG, to_ram ? bus_addr : dev);
	mmio_write64(e->mmio + EDU_DMA_CNT_REG, count);
	mmio_write64(e->mmio + EDU_DMA_CMD_REG, EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
	ret = poll_until(!(mmio_read64(e->mmio + EDU_DMA_CMD_REG) & EDU_DMA_CMD_START), EDU_DMA_TIMEOUT_US);
	if (ret) {
		pr_err("edu: DMA of %u bytes %s %#llx did not complete", count, to_ram ? "to" : "from",
		       (unsigned long long)bus_addr);
	}
	return ret;
}

void edu_raise_irq(struct edu *e, uint32_t bits)
{
	mmio_write32(e->mmio + EDU_IRQ_RAISE_REG, bits);
}

void edu_ack_irq(struct edu *e, uint32_t bits)
{
	mmio_write32(e->mmio + EDU_IRQ_ACK_REG, bits);
}
