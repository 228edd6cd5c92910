// SPDX-License-Identifier: MIT
/*
 * Test guest "hostile": hundreds of malformed and malicious IOASID calls, each of which must
 * get the error docs/ABI.md documents and change nothing; afterwards well-formed calls still
 * work. Given a device (the x86_64 case assigns edu), it also attacks the device-bound calls
 * (the GPA IOASID, malformed MAP entries, batches, overflow, IOVAs beyond the width, PASIDs
 * beyond the width, quota exhaustion, double free, busy FREE, unassigned devices) and ends
 * with a well-formed DMA through a PAGING IOASID. Without a device those tests say so and
 * only check that DEVICE_LIST agrees.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <stddef.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/test.h"

#define CHECK_CALL(call, req, want) EXPECT_EQ(hv_call((call), gpa_of(req)), (want))

/* Addresses that are not this guest's RAM: MMIO, the ECAM window, far away, non-canonical. */
static const uint64_t bad_gpas[] = {
	0x40000000ULL,	       0xb0000000ULL,	      0xfee00000ULL,	 0xfed90000ULL,
	0x100000000ULL,	       0x7ffffffff000ULL,     0x800000000000ULL, 0xfffffffffffff000ULL,
	0xffffffffffffffffULL, 0x0000000000fffffeULL, /* crosses the end of RAM (16 MiB) */
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure is reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint8_t page[8192] __attribute__((aligned(4096)));

TEST(unknown_calls)
{
	static const uint64_t calls[] = { 0, 11, 12, 31, 37, 38, 0x100, 0xffffffffULL, 0x100000001ULL, ~0ULL };
	struct ioasid_device_list r = { .size = sizeof(r) };

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		CHECK_CALL(calls[i], &r, -IOASID_ENOSYS);
	}
}

TEST(request_outside_ram)
{
	for (uint64_t call = IOASID_CALL_GET_INFO; call <= IOASID_CALL_FAULT_READ; call++) {
		for (size_t i = 0; i < sizeof(bad_gpas) / sizeof(bad_gpas[0]); i++) {
			EXPECT_EQ(hv_call(call, bad_gpas[i]), -IOASID_EFAULT);
		}
	}
	for (size_t i = 0; i < sizeof(bad_gpas) / sizeof(bad_gpas[0]); i++) {
		EXPECT_EQ(hv_call(IOASID_CALL_CONSOLE_WRITE, bad_gpas[i]), -IOASID_EFAULT);
		EXPECT_EQ(hv_call(IOASID_CALL_EXIT, bad_gpas[i]), -IOASID_EFAULT);
		EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, bad_gpas[i]), -IOASID_EFAULT);
	}
}

static void vcpu_spin(void)
{
	for (;;) {
	}
}

/* A guest with one vCPU: there is nothing to start, and its only vCPU cannot go off. */
TEST(vcpu_calls_on_one_vcpu)
{
	static uint8_t stack[64] __attribute__((aligned(16)));
	struct ioasid_vcpu_start r = { .size = sizeof(r), .vcpu = 1, .entry_gpa = gpa_of(vcpu_spin),
				       .stack_gpa = gpa_of(stack + sizeof(stack)) };

	EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, gpa_of(&r)), -IOASID_ENOENT);
	r.vcpu = 0xffffffffU;
	EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, gpa_of(&r)), -IOASID_ENOENT);
	r.vcpu = 0;
	EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, gpa_of(&r)), -IOASID_EBUSY);
	r.flags = 1;
	EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, gpa_of(&r)), -IOASID_EINVAL);
	r.flags = 0;
	r.__reserved = 1;
	EXPECT_EQ(hv_call(IOASID_CALL_VCPU_START, gpa_of(&r)), -IOASID_EINVAL);
	EXPECT_EQ(hv_call(IOASID_CALL_VCPU_OFF, 0), -IOASID_EBUSY);
}

/* size below the version-1 size: EINVAL; above with non-zero tail: E2BIG; above 4096: E2BIG. */
TEST(size_rules)
{
	static const uint32_t v1[] = { 0,
				       sizeof(struct ioasid_get_info),
				       sizeof(struct ioasid_device_list),
				       sizeof(struct ioasid_alloc),
				       sizeof(struct ioasid_free),
				       sizeof(struct ioasid_map),
				       sizeof(struct ioasid_unmap),
				       sizeof(struct ioasid_attach),
				       sizeof(struct ioasid_detach),
				       sizeof(struct ioasid_invalidate),
				       sizeof(struct ioasid_fault_read) };
	uint32_t *size = (uint32_t *)page;

	for (uint64_t call = IOASID_CALL_GET_INFO; call <= IOASID_CALL_FAULT_READ; call++) {
		memset(page, 0, sizeof(page));
		for (uint32_t s = 0; s < v1[call]; s += 4) {
			*size = s;
			EXPECT_EQ(hv_call(call, gpa_of(page)), -IOASID_EINVAL);
		}
		*size = v1[call] + 8;
		page[v1[call] + 3] = 0x5a;
		EXPECT_EQ(hv_call(call, gpa_of(page)), -IOASID_E2BIG);
		page[v1[call] + 3] = 0;
		*size = 4097;
		EXPECT_EQ(hv_call(call, gpa_of(page)), -IOASID_E2BIG);
		*size = 0xffffffffU;
		EXPECT_EQ(hv_call(call, gpa_of(page)), -IOASID_E2BIG);
	}
	/* the reserved services follow the same rules */
	*size = 8;
	EXPECT_EQ(hv_call(IOASID_CALL_CONSOLE_WRITE, gpa_of(page)), -IOASID_EINVAL);
	EXPECT_EQ(hv_call(IOASID_CALL_EXIT, gpa_of(page)), -IOASID_EINVAL);
	*size = 5000;
	EXPECT_EQ(hv_call(IOASID_CALL_EXIT, gpa_of(page)), -IOASID_E2BIG);
}

TEST(flags_and_reserved)
{
	for (unsigned bit = 0; bit < 32; bit++) {
		struct ioasid_device_list dl = { .size = sizeof(dl), .flags = 1U << bit };
		struct ioasid_fault_read fr = { .size = sizeof(fr), .flags = 1U << bit };
		struct ioasid_free fe = { .size = sizeof(fe), .__reserved = 1U << bit };
		struct ioasid_get_info gi = { .size = sizeof(gi), .flags = 1U << bit };
		struct ioasid_exit ex = { .size = sizeof(ex), .flags = 1U << bit };
		struct ioasid_console_write cw = { .size = sizeof(cw), .__reserved = 1U << bit };

		CHECK_CALL(IOASID_CALL_DEVICE_LIST, &dl, -IOASID_EINVAL);
		CHECK_CALL(IOASID_CALL_FAULT_READ, &fr, -IOASID_EINVAL);
		CHECK_CALL(IOASID_CALL_FREE, &fe, -IOASID_EINVAL);
		CHECK_CALL(IOASID_CALL_GET_INFO, &gi, -IOASID_EINVAL);
		CHECK_CALL(IOASID_CALL_EXIT, &ex, -IOASID_EINVAL);
		CHECK_CALL(IOASID_CALL_CONSOLE_WRITE, &cw, -IOASID_EINVAL);
	}
}

/* IDs this guest does not own: another guest's encodings, freed-looking IDs, random. */
TEST(foreign_ids)
{
	for (unsigned i = 0; i < 64; i++) {
		uint32_t id = i < 32 ? ((i + 2) << 16) | i : (uint32_t)rnd();
		struct ioasid_free fe = { .size = sizeof(fe), .ioasid = id };
		struct ioasid_get_info gi = { .size = sizeof(gi), .dev_id = id };
		struct ioasid_attach at = { .size = sizeof(at), .dev_id = id, .ioasid = id };
		struct ioasid_detach de = { .size = sizeof(de), .dev_id = id };
		struct ioasid_map_entry me = { .iova = 0x1000, .gpa = 0x200000, .length = 0x1000, .prot = 3 };
		struct ioasid_map mp = {
			.size = sizeof(mp), .ioasid = id, .num_entries = 1, .entries_gpa = gpa_of(&me)
		};
		struct ioasid_alloc al = { .size = sizeof(al), .kind = IOASID_KIND_PAGING, .parent = id, .dev_id = id };

		CHECK_CALL(IOASID_CALL_FREE, &fe, -IOASID_ENOENT);
		CHECK_CALL(IOASID_CALL_GET_INFO, &gi, -IOASID_ENOENT);
		CHECK_CALL(IOASID_CALL_ATTACH, &at, -IOASID_ENOENT);
		CHECK_CALL(IOASID_CALL_DETACH, &de, -IOASID_ENOENT);
		CHECK_CALL(IOASID_CALL_MAP, &mp, -IOASID_ENOENT);
		CHECK_CALL(IOASID_CALL_ALLOC, &al, -IOASID_ENOENT);
		EXPECT_EQ(mp.out_done, 0);
	}
	/* an ID in another guest's range, freed twice: ENOENT both times */
	EXPECT_EQ(ioasid_free(0x30000), -IOASID_ENOENT);
	EXPECT_EQ(ioasid_free(0x30000), -IOASID_ENOENT);
}

TEST(alloc_kinds)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_GPA };

	EXPECT_EQ(ioasid_alloc(&al), -IOASID_EPERM); /* the GPA IOASID is the hypervisor's */
	for (uint32_t k = 4; k < 40; k++) {
		al = (struct ioasid_alloc){ .kind = k };
		EXPECT_EQ(ioasid_alloc(&al), -IOASID_EINVAL);
	}
	al = (struct ioasid_alloc){ .kind = 0 };
	EXPECT_EQ(ioasid_alloc(&al), -IOASID_EINVAL);
	al = (struct ioasid_alloc){ .kind = IOASID_KIND_PAGING, .flags = 1 };
	EXPECT_EQ(ioasid_alloc(&al), -IOASID_EINVAL);
}

TEST(attach_flags_and_pasid)
{
	struct ioasid_attach at = { .flags = 2 };

	EXPECT_EQ(ioasid_attach(&at), -IOASID_EINVAL); /* unknown flag */
	at = (struct ioasid_attach){ .pasid = 5 };
	EXPECT_EQ(ioasid_attach(&at), -IOASID_EINVAL); /* PASID without IOASID_ATTACH_PASID */
	at = (struct ioasid_attach){ .flags = IOASID_ATTACH_PASID, .pasid = 0xfffff, .dev_id = 0x28000 };
	EXPECT_EQ(ioasid_attach(&at), -IOASID_ENOENT); /* guest 2's first device: not ours */
}

TEST(device_list_array_outside_ram)
{
	for (size_t i = 0; i < sizeof(bad_gpas) / sizeof(bad_gpas[0]); i++) {
		struct ioasid_device_list dl = { .num_devices = 4, .devices_gpa = bad_gpas[i] };

		EXPECT_EQ(ioasid_device_list(&dl), -IOASID_EFAULT);
	}
	struct ioasid_device_list dl = { .num_devices = 0xffffffffU, .devices_gpa = gpa_of(page) };
	EXPECT_EQ(ioasid_device_list(&dl), -IOASID_EFAULT);
}

TEST(fault_read_array_outside_ram)
{
	for (size_t i = 0; i < sizeof(bad_gpas) / sizeof(bad_gpas[0]); i++) {
		struct ioasid_fault_read fr = { .num_records = 2, .records_gpa = bad_gpas[i] };

		EXPECT_EQ(ioasid_fault_read(&fr), -IOASID_EFAULT);
	}
}

TEST(console_write_limits)
{
	struct ioasid_console_write cw = { .size = sizeof(cw), .length = 4097, .buf_gpa = gpa_of(page) };

	CHECK_CALL(IOASID_CALL_CONSOLE_WRITE, &cw, -IOASID_EINVAL);
	cw.length = 0xffffffffU;
	CHECK_CALL(IOASID_CALL_CONSOLE_WRITE, &cw, -IOASID_EINVAL);
	cw.length = 64;
	cw.buf_gpa = 0xfffffffffffffff0ULL; /* wraps */
	CHECK_CALL(IOASID_CALL_CONSOLE_WRITE, &cw, -IOASID_EFAULT);
	cw.buf_gpa = 0xfffff8; /* runs past the end of RAM */
	CHECK_CALL(IOASID_CALL_CONSOLE_WRITE, &cw, -IOASID_EFAULT);
}

/*
 * The version-1 request of each call (include/ioasid/abi.h): its size and the 32-bit fields
 * that must be zero (flags, __reserved, and ATTACH/DETACH's pasid without IOASID_ATTACH_PASID).
 */
#define ZF(t, f) ((uint8_t)offsetof(struct t, f))
static const struct {
	uint32_t size;
	uint8_t zero[3];
	uint8_t nzero;
} v1req[] = {
	[IOASID_CALL_GET_INFO] = { sizeof(struct ioasid_get_info),
				   { ZF(ioasid_get_info, flags), ZF(ioasid_get_info, __reserved) },
				   2 },
	[IOASID_CALL_DEVICE_LIST] = { sizeof(struct ioasid_device_list), { ZF(ioasid_device_list, flags) }, 1 },
	[IOASID_CALL_ALLOC] = { sizeof(struct ioasid_alloc), { ZF(ioasid_alloc, flags) }, 1 },
	[IOASID_CALL_FREE] = { sizeof(struct ioasid_free), { ZF(ioasid_free, flags), ZF(ioasid_free, __reserved) }, 2 },
	[IOASID_CALL_MAP] = { sizeof(struct ioasid_map), { ZF(ioasid_map, flags), ZF(ioasid_map, __reserved) }, 2 },
	[IOASID_CALL_UNMAP] = { sizeof(struct ioasid_unmap),
				{ ZF(ioasid_unmap, flags), ZF(ioasid_unmap, __reserved) },
				2 },
	[IOASID_CALL_ATTACH] = { sizeof(struct ioasid_attach),
				 { ZF(ioasid_attach, flags), ZF(ioasid_attach, pasid), ZF(ioasid_attach, __reserved) },
				 3 },
	[IOASID_CALL_DETACH] = { sizeof(struct ioasid_detach),
				 { ZF(ioasid_detach, flags), ZF(ioasid_detach, pasid) },
				 2 },
	[IOASID_CALL_INVALIDATE] = { sizeof(struct ioasid_invalidate),
				     { ZF(ioasid_invalidate, flags), ZF(ioasid_invalidate, __reserved) },
				     2 },
	[IOASID_CALL_FAULT_READ] = { sizeof(struct ioasid_fault_read), { ZF(ioasid_fault_read, flags) }, 1 },
};

/*
 * Random requests for every call: only documented errors, nothing succeeds that cannot, and
 * nothing crashes. Four shapes in turn: random bytes; a plausible random size; the call's
 * version-1 size over random bytes; that size with its must-be-zero fields zero and every other
 * field random. Only the last two get past the size check, only the last one past the field
 * checks as a rule, so the run counts the answers that are neither -EINVAL nor -E2BIG (a
 * request the hypervisor looked up, range-checked or ran) and requires a share of them: random
 * bytes alone almost never get there.
 */
TEST(random_bytes)
{
	unsigned v1_sized = 0, beyond = 0, by_result[4] = { 0 }; /* 0, -ENOENT, -EFAULT, other */

	for (unsigned n = 0; n < 800; n++) {
		uint64_t call = 1 + rnd() % 10;
		uint32_t s;
		long r;

		for (size_t i = 0; i < 128; i += 8) {
			uint64_t v = rnd();

			memcpy(page + i, &v, 8);
		}
		switch (n % 4) {
		case 1: /* plausible size, random rest */
			s = 16 + (uint32_t)(rnd() % 64);
			memcpy(page, &s, 4);
			break;
		case 3:
			for (unsigned z = 0; z < v1req[call].nzero; z++) {
				memset(page + v1req[call].zero[z], 0, 4);
			}
			/* fall through */
		case 2:
			memcpy(page, &v1req[call].size, 4);
			v1_sized++;
			break;
		default: /* all random */
			break;
		}
		r = hv_call(call, gpa_of(page));
		EXPECT_TRUE(ioasid_result_documented(r));
		EXPECT_TRUE(r != 0 || call == IOASID_CALL_DEVICE_LIST || call == IOASID_CALL_FAULT_READ);
		if (r != -IOASID_EINVAL && r != -IOASID_E2BIG) {
			beyond++;
			by_result[r == 0 ? 0 : r == -IOASID_ENOENT ? 1 : r == -IOASID_EFAULT ? 2 : 3]++;
		}
	}
	guest_printf("random requests: 800 calls, %u with a version-1 size, %u answered past the size and field "
		     "checks (0: %u, -ENOENT: %u, -EFAULT: %u, other: %u)\n",
		     v1_sized, beyond, by_result[0], by_result[1], by_result[2], by_result[3]);
	EXPECT_TRUE(beyond >= 100);
}

/* After all of that, well-formed calls work. */
TEST(well_formed_still_work)
{
	struct ioasid_device_info devs[4];
	struct ioasid_device_list dl = { .num_devices = 4, .devices_gpa = gpa_of(devs), .out_num_devices = 77 };
	struct ioasid_fault_record recs[4];
	struct ioasid_fault_read fr = { .num_records = 4, .records_gpa = gpa_of(recs), .out_num_records = 77 };

	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;

	EXPECT_EQ(ioasid_device_list(&dl), 0);
	EXPECT_EQ(dl.out_num_devices, bi->magic == GUEST_BOOT_MAGIC ? bi->nr_devs : 0);
	EXPECT_EQ(ioasid_fault_read(&fr), 0);
	EXPECT_EQ(fr.out_num_records, 0);
	EXPECT_EQ(guest_write("still alive\n", 12), 0);
}

/* ---- with a device ---- */

static uint32_t dev, gpa_io, pasid_bits, ia_bits;
static volatile uint8_t *edu;
static uint8_t dbuf[2][4096] __attribute__((aligned(4096)));

static long alloc_paging(uint32_t *id)
{
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING, .parent = gpa_io, .dev_id = dev };
	long r = ioasid_alloc(&al);

	*id = al.out_ioasid;
	return r;
}

static long map1(uint32_t io, uint64_t iova, uint64_t ga, uint64_t len, uint32_t prot)
{
	struct ioasid_map_entry e = { .iova = iova, .gpa = ga, .length = len, .prot = prot };
	struct ioasid_map r = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_map(&r);
}

static long unmap1(uint32_t io, uint64_t iova, uint64_t len)
{
	struct ioasid_unmap_entry e = { .iova = iova, .length = len };
	struct ioasid_unmap r = { .ioasid = io, .num_entries = 1, .entries_gpa = gpa_of(&e) };

	return ioasid_unmap(&r);
}

TEST(device_setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_device_info di[2];
	struct ioasid_device_list dl = { .num_devices = 2, .devices_gpa = gpa_of(di) };
	struct ioasid_get_info gi = { 0 };

	EXPECT_EQ(ioasid_device_list(&dl), 0);
	EXPECT_EQ(dl.out_num_devices, bi->magic == GUEST_BOOT_MAGIC ? bi->nr_devs : 0);
	if (dl.out_num_devices == 0) {
		guest_printf("no device assigned: device tests only check that\n");
		return;
	}
	dev = di[0].dev_id;
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	gi.dev_id = dev;
	EXPECT_EQ(ioasid_get_info(&gi), 0);
	gpa_io = gi.out_gpa_ioasid;
	pasid_bits = gi.out_pasid_bits;
	ia_bits = gi.out_ia_bits;
	guest_printf("device 0x%x, GPA IOASID 0x%x, %u-bit IOVAs, %u PASID bits\n", dev, gpa_io, ia_bits, pasid_bits);
}

TEST(gpa_ioasid_is_the_hypervisors)
{
	if (dev == 0) {
		return;
	}
	EXPECT_EQ(map1(gpa_io, 0x10000000, gpa_of(dbuf[0]), 4096, IOASID_PROT_READ), -IOASID_EPERM);
	EXPECT_EQ(unmap1(gpa_io, 0, 4096), -IOASID_EPERM);
	EXPECT_EQ(ioasid_free(gpa_io), -IOASID_EPERM);
	EXPECT_EQ(ioasid_free(gpa_io), -IOASID_EPERM); /* still there */
}

TEST(malformed_map_entries)
{
	static struct ioasid_map_entry e[IOASID_MAX_BATCH + 1];
	struct ioasid_map mp = { .entries_gpa = gpa_of(e) };
	uint64_t ga = gpa_of(dbuf[0]);
	uint32_t io = 0;

	if (dev == 0) {
		return;
	}
	EXPECT_EQ(alloc_paging(&io), 0);
	EXPECT_EQ(map1(io, 0x10000800, ga, 4096, 3), -IOASID_EINVAL);	      /* IOVA unaligned */
	EXPECT_EQ(map1(io, 0x10000000, ga + 8, 4096, 3), -IOASID_EINVAL);     /* GPA unaligned */
	EXPECT_EQ(map1(io, 0x10000000, ga, 0, 3), -IOASID_EINVAL);	      /* empty */
	EXPECT_EQ(map1(io, 0x10000000, ga, 100, 3), -IOASID_EINVAL);	      /* not a page multiple */
	EXPECT_EQ(map1(io, 0x10000000, ga, 4096, 0), -IOASID_EINVAL);	      /* no permission */
	EXPECT_EQ(map1(io, 0x10000000, ga, 4096, 4), -IOASID_EINVAL);	      /* unknown permission */
	EXPECT_EQ(map1(io, 0x10000000, 0xfee00000, 4096, 3), -IOASID_EFAULT); /* LAPIC, not RAM */
	EXPECT_EQ(map1(io, 0x10000000, 0xb0000000, 4096, 3), -IOASID_EFAULT); /* ECAM */
	EXPECT_EQ(map1(io, 0x10000000, 0x40000000, 4096, 3), -IOASID_EFAULT); /* past its RAM */
	EXPECT_EQ(map1(io, 0x10000000, 0xfff000, 0x2000, 3), -IOASID_EFAULT); /* crosses its end */
	EXPECT_EQ(map1(io, 0x10000000, 0xfffffffffffff000ULL, 0x2000, 3), -IOASID_EOVERFLOW);
	EXPECT_EQ(map1(io, 0xfffffffffffff000ULL, ga, 0x2000, 3), -IOASID_EOVERFLOW);
	EXPECT_EQ(map1(io, 1ULL << ia_bits, ga, 4096, 3), -IOASID_ERANGE);
	EXPECT_EQ(map1(io, (1ULL << ia_bits) - 4096, ga, 0x2000, 3), -IOASID_ERANGE);
	/* reserved field */
	e[0] = (struct ioasid_map_entry){ .iova = 0x10000000, .gpa = ga, .length = 4096, .prot = 3, .__reserved = 1 };
	mp.ioasid = io;
	mp.num_entries = 1;
	EXPECT_EQ(ioasid_map(&mp), -IOASID_EINVAL);
	/* a batch above the limit */
	for (unsigned i = 0; i <= IOASID_MAX_BATCH; i++) {
		e[i] = (struct ioasid_map_entry){
			.iova = 0x10000000 + i * 4096ULL, .gpa = ga, .length = 4096, .prot = 3
		};
	}
	mp.num_entries = IOASID_MAX_BATCH + 1;
	EXPECT_EQ(ioasid_map(&mp), -IOASID_E2BIG);
	/* one bad entry at the end fails the whole batch before anything is mapped */
	mp.num_entries = 8;
	e[7].prot = 0;
	mp.out_done = 99;
	EXPECT_EQ(ioasid_map(&mp), -IOASID_EINVAL);
	EXPECT_EQ(mp.out_done, 99);			 /* not written */
	EXPECT_EQ(map1(io, 0x10000000, ga, 4096, 3), 0); /* so entry 0 was not mapped */
	EXPECT_EQ(map1(io, 0x10000000, ga, 4096, 3), -IOASID_EEXIST);
	EXPECT_EQ(ioasid_free(io), 0);
}

TEST(pasid_beyond_width_and_unassigned_devices)
{
	struct ioasid_attach at = { .flags = IOASID_ATTACH_PASID, .ioasid = gpa_io };

	if (dev == 0) {
		return;
	}
	at.dev_id = dev;
	at.pasid = pasid_bits >= 20 ? 0xfffff : 1U << pasid_bits;
	EXPECT_EQ(ioasid_attach(&at), pasid_bits ? -IOASID_ERANGE : -IOASID_EOPNOTSUPP);
	at = (struct ioasid_attach){ .dev_id = dev + 1, .ioasid = gpa_io }; /* slot not assigned */
	EXPECT_EQ(ioasid_attach(&at), -IOASID_ENOENT);
	at.dev_id = dev + 0x10000; /* the same slot of another guest */
	EXPECT_EQ(ioasid_attach(&at), -IOASID_ENOENT);
}

TEST(free_rules)
{
	struct ioasid_attach at = { .dev_id = dev };
	uint32_t io = 0;

	if (dev == 0) {
		return;
	}
	EXPECT_EQ(alloc_paging(&io), 0);
	at.ioasid = io;
	EXPECT_EQ(ioasid_attach(&at), 0);
	EXPECT_EQ(ioasid_free(io), -IOASID_EBUSY); /* attached */
	at.ioasid = gpa_io;
	EXPECT_EQ(ioasid_attach(&at), 0); /* replace: back to the GPA IOASID */
	EXPECT_EQ(ioasid_free(io), 0);
	EXPECT_EQ(ioasid_free(io), -IOASID_ENOENT); /* double free */
	at.ioasid = io;
	EXPECT_EQ(ioasid_attach(&at), -IOASID_ENOENT); /* use after free */
}

TEST(quota_exhaustion)
{
	uint32_t io = 0;
	unsigned n = 0;
	long r = 0;

	if (dev == 0) {
		return;
	}
	EXPECT_EQ(alloc_paging(&io), 0);
	/* 4 KiB pages 1 GiB apart: each needs new table pages, charged to the guest's quota */
	for (n = 0; n < 512; n++) {
		r = map1(io, (uint64_t)n << 30, gpa_of(dbuf[0]), 4096, IOASID_PROT_READ);
		if (r != 0) {
			break;
		}
	}
	guest_printf("quota: %u mappings, then %s\n", n, ioasid_errname(r));
	EXPECT_EQ(r, -IOASID_EDQUOT);
	EXPECT_TRUE(n > 0);
	/* FREE gives the table pages back: a new IOASID can map again */
	EXPECT_EQ(ioasid_free(io), 0);
	EXPECT_EQ(alloc_paging(&io), 0);
	EXPECT_EQ(map1(io, 0, gpa_of(dbuf[0]), 4096, IOASID_PROT_READ), 0);
	EXPECT_EQ(ioasid_free(io), 0);
}

/* After everything: a well-formed DMA through a PAGING IOASID works. */
TEST(final_dma_still_works)
{
	struct ioasid_attach at = { .dev_id = dev };
	uint32_t io = 0;

	if (dev == 0) {
		return;
	}
	EXPECT_EQ(alloc_paging(&io), 0);
	EXPECT_EQ(map1(io, 0x20000000, gpa_of(dbuf[0]), 4096, IOASID_PROT_READ), 0);
	EXPECT_EQ(map1(io, 0x20001000, gpa_of(dbuf[1]), 4096, IOASID_PROT_READ | IOASID_PROT_WRITE), 0);
	at.ioasid = io;
	EXPECT_EQ(ioasid_attach(&at), 0);
	for (unsigned i = 0; i < 128; i++) {
		dbuf[0][i] = (uint8_t)(i ^ 0xa5);
	}
	memset(dbuf[1], 0, 4096);
	EXPECT_EQ(guest_edu_dma(edu, 0x20000000, 128, false), 0);
	EXPECT_EQ(guest_edu_dma(edu, 0x20001000, 128, true), 0);
	EXPECT_EQ(memcmp(dbuf[0], dbuf[1], 128), 0);
	at.ioasid = gpa_io;
	EXPECT_EQ(ioasid_attach(&at), 0);
	EXPECT_EQ(ioasid_free(io), 0);
	guest_printf("final DMA through a PAGING IOASID: %s\n", memcmp(dbuf[0], dbuf[1], 128) ? "WRONG" : "ok");
}

int guest_main(void)
{
	int failed = guest_run_tests();

	guest_printf("hostile guest done\n");
	return failed;
}
