// SPDX-License-Identifier: MIT
/*
 * Test guest "crash" (<arch>-guest-crash-isolation): a guest with two vCPUs that crashes while
 * another guest runs. vCPU 1 spins without ever calling the hypervisor; vCPU 0 starts a DMA on
 * its edu to CRASH_DMA_ADDR (outside its RAM; edu issues it 100 ms later) and then executes an
 * illegal instruction. The hypervisor must stop the guest, take vCPU 1 off its CPU (it never
 * exits by itself: only the kick does it), quiesce the device before the DMA is issued, and tear
 * the guest down, while the other guest finishes its own work untouched (its own fault must
 * still be recorded: a fault of this DMA would have taken VT-d's only fault-recording slot).
 */
#define GUEST_SDK
#include <hv/guest.h>

#include "guest/edu.h"
#include "guest/guest.h"

#define CRASH_DMA_ADDR 0xbad0000ULL
#define CRASH_DMA_LEN  256U

static uint32_t spinning;

static void spin(void *arg)
{
	(void)arg;
	__atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
	for (;;) {
		__atomic_fetch_add(&spinning, 1, __ATOMIC_RELAXED);
	}
}

int guest_main(void)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	volatile uint8_t *edu;
	long r;

	if (bi->nr_devs == 0 || bi->devs[0].bar_size[0] < 0x1000 || guest_nr_vcpus() < 2 ||
	    guest_ram_size > CRASH_DMA_ADDR) {
		guest_printf("crash: needs an edu, two vCPUs and less than 186 MiB of RAM\n");
		return 1;
	}
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	r = guest_vcpu_start(1, spin, NULL);
	if (r != 0) {
		guest_printf("crash: vCPU 1 did not start (%ld)\n", r);
		return 1;
	}
	for (unsigned long i = 0; __atomic_load_n(&spinning, __ATOMIC_ACQUIRE) < 1000; i++) {
		if (i > 4000000000UL) {
			guest_printf("crash: vCPU 1 never ran\n");
			return 1;
		}
		guest_cpu_relax();
	}
	*(volatile uint64_t *)(edu + EDU_REG_DMA_SRC) = EDU_DEV_BUF;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_DST) = CRASH_DMA_ADDR;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CNT) = CRASH_DMA_LEN;
	*(volatile uint64_t *)(edu + EDU_REG_DMA_CMD) = EDU_CMD_START | EDU_CMD_TO_RAM;
	guest_printf("crash: vCPU 1 spins; edu DMA to 0x%llx started; vCPU 0 now executes an illegal instruction\n",
		     CRASH_DMA_ADDR);
	guest_illegal_instruction();
	guest_printf("crash: still alive after the illegal instruction\n");
	return 1;
}
