/* SPDX-License-Identifier: MIT */
/*
 * QEMU's "edu" PCI device (hw/misc/edu.c, docs/specs/edu.rst) as a DMA test agent: a 4 KiB
 * on-device buffer at device address 0x40000 and a DMA engine that copies between that buffer
 * and a bus address (an IOVA when an IOMMU translates the device). One transfer at a time.
 *
 * QEMU does not bound-check the device side of a transfer (an address outside
 * [0x40000, 0x41000) or a count above 4096 overflows QEMU's heap, qemu-10.0 notes 3), so every
 * transfer is checked here first. The DMA result itself is not reported by the device: a
 * blocked transfer still "completes"; callers verify with data compares and IOMMU fault records.
 */
#ifndef HV_EDU_H
#define HV_EDU_H

#include <hv/types.h>

#define EDU_VENDOR_ID 0x1234
#define EDU_DEVICE_ID 0x11e8
#define EDU_BUF_ADDR  0x40000ULL /* device-side address of the on-device buffer */
#define EDU_BUF_SIZE  0x1000ULL

struct edu {
	uintptr_t mmio; /* BAR0, mapped */
	uint16_t bdf;
};

/*
 * Map BAR0 (bus mastering must already be enabled by the caller through PCI config space) and
 * check the device answers: ID register and the inverting liveness register. 0 or -ENODEV.
 */
int edu_init(struct edu *e, hpa_t bar0, uint16_t bdf);

/*
 * Copy count bytes between the device buffer at offset buf_off and the bus address bus_addr:
 * to_ram = true is device -> memory (a DMA write), false memory -> device (a DMA read). Waits
 * (bounded) for the engine to finish. -EINVAL if the device-side range leaves the buffer,
 * -ETIMEDOUT if the engine does not finish.
 */
int edu_dma(struct edu *e, uint64_t bus_addr, uint32_t buf_off, uint32_t count, bool to_ram);

/*
 * Raise the device's interrupt (edu register 0x60: status |= bits; with MSI enabled every
 * raise sends one message) and acknowledge it (0x64: status &= ~bits).
 */
void edu_raise_irq(struct edu *e, uint32_t bits);
void edu_ack_irq(struct edu *e, uint32_t bits);

#endif /* HV_EDU_H */
