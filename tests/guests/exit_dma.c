// SPDX-License-Identifier: MIT
/*
 * Test guest "exit_dma": starts a DMA on its edu device and exits at once, before the DMA
 * happens (edu issues it 100 ms of virtual time after the command write; guest/edu.h). The DMA
 * writes the device buffer to EXIT_DMA_ADDR, a guest-physical address outside this guest's RAM:
 * had it been issued while the device was still attached here it would fault, and once the
 * device belongs to the next guest it would fault (or land) there. Teardown must stop it
 * (docs/GUEST.md "Teardown"): the QEMU case runs the dma guest with the same device right after
 * and checks that nothing of this DMA reaches it or the fault log.
 */
#define GUEST_SDK
#include <hv/guest.h>

#include "guest/edu.h"
#include "guest/guest.h"

#define EXIT_DMA_ADDR 0xbad0000ULL /* 186 MiB: beyond any RAM the cases give this guest */
#define EXIT_DMA_LEN  256U

int guest_main(void)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	volatile uint8_t *edu;

	if (bi->magic != GUEST_BOOT_MAGIC || bi->nr_devs == 0 || bi->devs[0].bar_size[0] < 0x1000) {
		guest_printf("exit_dma: no edu device in the boot info\n");
		return 1;
	}
	if (guest_ram_size > EXIT_DMA_ADDR) {
		guest_printf("exit_dma: 0x%llx is inside my RAM; give me less\n", EXIT_DMA_ADDR);
		return 1;
	}
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	if ((*(volatile uint32_t *)(edu + EDU_REG_ID) & 0xff) != 0xed) {
		guest_printf("exit_dma: device 0x%x is not an edu\n", bi->devs[0].dev_id);
		return 1;
	}
	*(volatile uint64_t *)(edu + EDU_REG_DMA_SRC) = EDU_DEV_BUF;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_DST) = EXIT_DMA_ADDR;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CNT) = EXIT_DMA_LEN;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CMD) = EDU_CMD_START | EDU_CMD_TO_RAM;
	guest_printf("exit_dma: edu DMA of %u bytes to 0x%llx started; exiting without waiting for it\n", EXIT_DMA_LEN,
		     EXIT_DMA_ADDR);
	return 0;
}
