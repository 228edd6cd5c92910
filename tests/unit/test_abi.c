/* SPDX-License-Identifier: MIT */
/*
 * The guest ABI header on its own: it compiles without any hypervisor header, its numbers are
 * the ones documented, and its error codes are the hypervisor's (a guest sees -EINVAL as 22).
 */
#define TEST_MAIN
#include "tests/unit/test.h"

#include <stddef.h>

#include <ioasid/abi.h>

#include <hv/errno.h>

TEST(abi_call_numbers_fixed)
{
	const uint32_t calls[] = { IOASID_CALL_GET_INFO,  IOASID_CALL_DEVICE_LIST, IOASID_CALL_ALLOC,
				   IOASID_CALL_FREE,	  IOASID_CALL_MAP,	   IOASID_CALL_UNMAP,
				   IOASID_CALL_ATTACH,	  IOASID_CALL_DETACH,	   IOASID_CALL_INVALIDATE,
				   IOASID_CALL_FAULT_READ };

	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		EXPECT_EQ(calls[i], i + 1);
	}
	EXPECT_EQ(IOASID_CALL_CONSOLE_WRITE, 32);
	EXPECT_EQ(IOASID_CALL_EXIT, 33);
}

TEST(abi_smccc_function_ids)
{
	/* SMCCC: fast call (bit 31), SMC64 (bit 30), owner 6 (vendor hypervisor) in bits 29:24 */
	EXPECT_EQ(IOASID_SMCCC_FN(IOASID_CALL_MAP), 0xC6000005U);
	EXPECT_EQ((IOASID_SMCCC_FN(IOASID_CALL_EXIT) >> 24) & 0x3f, 6);
	EXPECT_EQ(IOASID_SMCCC_FN(IOASID_CALL_EXIT) & 0xffff, 33);
}

TEST(abi_errors_are_hypervisor_errors)
{
	const int pairs[][2] = {
		{ IOASID_EPERM, EPERM },	 { IOASID_ENOENT, ENOENT },	  { IOASID_E2BIG, E2BIG },
		{ IOASID_EAGAIN, EAGAIN },	 { IOASID_ENOMEM, ENOMEM },	  { IOASID_EFAULT, EFAULT },
		{ IOASID_EBUSY, EBUSY },	 { IOASID_EEXIST, EEXIST },	  { IOASID_ENODEV, ENODEV },
		{ IOASID_EINVAL, EINVAL },	 { IOASID_ENOSPC, ENOSPC },	  { IOASID_ERANGE, ERANGE },
		{ IOASID_ENOSYS, ENOSYS },	 { IOASID_EOVERFLOW, EOVERFLOW }, { IOASID_EOPNOTSUPP, EOPNOTSUPP },
		{ IOASID_ETIMEDOUT, ETIMEDOUT }, { IOASID_EDQUOT, EDQUOT },
	};

	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		EXPECT_EQ(pairs[i][0], pairs[i][1]);
		/* every code a guest can get has a name in the logs */
		EXPECT_TRUE(strcmp(hv_strerror(-pairs[i][0]), "unknown error") != 0);
	}
}

/* Layout: every 64-bit field naturally aligned, sizes multiples of 8 (no tail padding). */
TEST(abi_struct_layout)
{
	EXPECT_EQ(sizeof(struct ioasid_map_entry) % 8, 0);
	EXPECT_EQ(offsetof(struct ioasid_map_entry, gpa), 8);
	EXPECT_EQ(offsetof(struct ioasid_map_entry, prot), 24);
	EXPECT_EQ(offsetof(struct ioasid_inv_entry, addr), 16);
	EXPECT_EQ(offsetof(struct ioasid_fault_record, dev_id), 16);
	EXPECT_EQ(offsetof(struct ioasid_unmap, out_done), 24);
	EXPECT_EQ(offsetof(struct ioasid_attach, ioasid), 16);
	EXPECT_EQ(offsetof(struct ioasid_get_info, out_gpa_ioasid), 60);
	EXPECT_EQ(IOASID_ABI_VERSION, 0x10000);
	EXPECT_EQ(IOASID_PROT_READ | IOASID_PROT_WRITE, 3);
}
