// SPDX-License-Identifier: MIT
/*
 * Test guest "irq_route" (issue 12, x86_64-guest-irq-route): IOASID_CALL_IRQ_ROUTE's
 * validation seen from a guest (docs/ABI.md "IRQ_ROUTE"). Configured with two edu devices,
 * one vCPU and `irq_routes = 1`. Every malformed request gets its documented error and changes
 * nothing; a good route, its replacement, its removal and the fault notification answer 0.
 * Then a DMA fault with the fault notification on, and edu raising its interrupt once through a
 * route that is left in place: the hypervisor counts both and removes the routes at teardown
 * (its log says how many).
 */
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/irq.h"
#include "guest/test.h"

#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK	  0x64

#if defined(__aarch64__)
#define VIRQ_LOW  32U /* the first SPI */
#define VIRQ_HIGH 1019U
#else
#define VIRQ_LOW  32U /* the first vector that is not an exception */
#define VIRQ_HIGH 255U
#endif

static uint32_t dev0, dev1;
static volatile uint8_t *edu0;

static long route(struct ioasid_irq_route r)
{
	static struct ioasid_irq_route req[2]; /* room for a larger size's extra bytes */

	memset(req, 0, sizeof(req));
	req[0] = r;
	if (req[0].size == 0) {
		req[0].size = sizeof(req[0]);
	}
	return hv_call(IOASID_CALL_IRQ_ROUTE, gpa_of(req));
}

static struct ioasid_irq_route msi(uint32_t dev, unsigned virq)
{
	return (struct ioasid_irq_route){
		.flags = IOASID_IRQ_ENABLE, .kind = IOASID_IRQ_MSI, .dev_id = dev, .virq = virq
	};
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;

	EXPECT_EQ(guest_nr_vcpus(), 1);
	EXPECT_EQ(bi->nr_devs, 2);
	dev0 = bi->devs[0].dev_id;
	dev1 = bi->devs[1].dev_id;
	edu0 = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
}

TEST(malformed_requests)
{
	struct ioasid_irq_route r;
	static struct ioasid_irq_route big[2];

	r = msi(dev0, VIRQ_LOW), r.size = 8;
	EXPECT_EQ(route(r), -IOASID_EINVAL);
	/* larger than version 1 with a non-zero extra byte */
	memset(big, 0, sizeof(big));
	big[0] = msi(dev0, VIRQ_LOW);
	big[0].size = sizeof(big);
	big[1].kind = 1;
	EXPECT_EQ(hv_call(IOASID_CALL_IRQ_ROUTE, gpa_of(big)), -IOASID_E2BIG);
	/* the request outside the guest's RAM */
	EXPECT_EQ(hv_call(IOASID_CALL_IRQ_ROUTE, guest_ram_size + 0x100000), -IOASID_EFAULT);
	r = msi(dev0, VIRQ_LOW), r.flags |= 2;
	EXPECT_EQ(route(r), -IOASID_EINVAL);
	r = msi(dev0, VIRQ_LOW), r.__reserved = 1;
	EXPECT_EQ(route(r), -IOASID_EINVAL);
	r = msi(dev0, VIRQ_LOW), r.kind = 0;
	EXPECT_EQ(route(r), -IOASID_EINVAL);
	r = msi(dev0, VIRQ_LOW), r.kind = 3;
	EXPECT_EQ(route(r), -IOASID_EINVAL);
	/* FAULT names no device */
	r = (struct ioasid_irq_route){
		.flags = IOASID_IRQ_ENABLE, .kind = IOASID_IRQ_FAULT, .dev_id = dev0, .virq = VIRQ_LOW
	};
	EXPECT_EQ(route(r), -IOASID_EINVAL);
	/* a remove names no target */
	r = (struct ioasid_irq_route){ .kind = IOASID_IRQ_MSI, .dev_id = dev0, .virq = VIRQ_LOW };
	EXPECT_EQ(route(r), -IOASID_EINVAL);
}

TEST(devices_and_ranges)
{
	struct ioasid_irq_route r;

	/* the same slot in the next guest's numbering (dev_id = guest << 16 | 0x8000 | slot), and none */
	EXPECT_EQ(route(msi(dev0 + 0x10000, VIRQ_LOW)), -IOASID_ENOENT);
	EXPECT_EQ(route(msi(0, VIRQ_LOW)), -IOASID_ENOENT);
	EXPECT_EQ(route(msi(0xdeadbeef, VIRQ_LOW)), -IOASID_ENOENT);
	r = msi(dev0, VIRQ_LOW), r.source = 1; /* edu has one MSI vector */
	EXPECT_EQ(route(r), -IOASID_ERANGE);
	r = msi(dev0, VIRQ_LOW), r.vcpu = 1; /* one vCPU */
	EXPECT_EQ(route(r), -IOASID_ERANGE);
	EXPECT_EQ(route(msi(dev0, VIRQ_LOW - 1)), -IOASID_ERANGE);
	EXPECT_EQ(route(msi(dev0, VIRQ_HIGH + 1)), -IOASID_ERANGE);
	/* nothing routed yet: nothing to remove */
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_MSI, dev0, 0), -IOASID_ENOENT);
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_FAULT, 0, 0), -IOASID_ENOENT);
}

TEST(route_replace_remove_and_quota)
{
	EXPECT_EQ(guest_irq_route_msi(dev0, 0, 0, VIRQ_LOW), 0);
	EXPECT_EQ(guest_irq_route_msi(dev0, 0, 0, VIRQ_HIGH), 0); /* replace */
	/* irq_routes = 1: a second device's route is over the guest's quota */
	EXPECT_EQ(guest_irq_route_msi(dev1, 0, 0, VIRQ_LOW + 1), -IOASID_ENOSPC);
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_MSI, dev0, 0), 0);
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_MSI, dev0, 0), -IOASID_ENOENT);
	/* the quota is free again */
	EXPECT_EQ(guest_irq_route_msi(dev1, 0, 0, VIRQ_LOW + 1), 0);
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_MSI, dev1, 0), 0);
	/* the fault notification */
	EXPECT_EQ(guest_irq_route_fault(0, VIRQ_LOW + 2), 0);
	EXPECT_EQ(guest_irq_route_fault(0, VIRQ_LOW + 3), 0); /* replace */
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_FAULT, 0, 0), 0);
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_FAULT, 0, 0), -IOASID_ENOENT);
}

/*
 * The fault notification left in place: a DMA outside the guest's RAM records a fault, which
 * the hypervisor turns into a notification (its teardown line counts them); FAULT_READ has it.
 */
TEST(fault_notification)
{
	const uint64_t outside = guest_ram_size + (64ULL << 20);
	struct ioasid_fault_record rec[8];
	struct ioasid_fault_read fr = { .num_records = 8, .records_gpa = gpa_of(rec) };
	bool seen = false;

	memset(rec, 0, sizeof(rec));
	EXPECT_EQ(guest_irq_route_fault(0, VIRQ_LOW + 5), 0);
	(void)guest_edu_dma(edu0, outside, 64, true);
	EXPECT_EQ(ioasid_fault_read(&fr), 0);
	for (unsigned i = 0; i < fr.out_num_records; i++) {
		seen |= rec[i].dev_id == dev0 && (rec[i].addr & ~0xfffULL) == outside;
	}
	EXPECT_TRUE(seen);
}

/* One message through a route the guest leaves in place: teardown removes it. */
TEST(left_for_teardown)
{
	EXPECT_EQ(guest_irq_route_msi(dev0, 0, 0, VIRQ_LOW + 4), 0);
	*(volatile uint32_t *)(edu0 + EDU_REG_IRQ_RAISE) = 1;
	for (volatile unsigned long i = 0; i < 2000000UL; i++) {
	}
	*(volatile uint32_t *)(edu0 + EDU_REG_IRQ_ACK) = 1;
}

int guest_main(void)
{
	return guest_run_tests();
}
