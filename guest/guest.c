// SPDX-License-Identifier: MIT
/*
 * Guest SDK run-time: start-up, console, EXIT, IOASID call wrappers (docs/GUEST.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guest/guest.h"
#define GUEST_SDK
#include "hv/guest.h"

uint64_t guest_ram_size;

void guest_start(uint64_t ram_size);
__attribute__((noreturn)) void guest_start(uint64_t ram_size)
{
	guest_ram_size = ram_size;
	guest_exit((uint32_t)guest_main());
}

long guest_write(const char *s, size_t len)
{
	struct ioasid_console_write r = { .size = sizeof(r), .length = (uint32_t)len, .buf_gpa = gpa_of(s) };

	return hv_call(IOASID_CALL_CONSOLE_WRITE, gpa_of(&r));
}

int guest_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		return n;
	}
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
	}
	guest_write(buf, (size_t)n);
	return n;
}

/* ---- several vCPUs ---- */

uint8_t guest_vcpu_stacks[GUEST_SDK_MAX_VCPUS][GUEST_SDK_VCPU_STACK] __attribute__((aligned(16)));
static struct {
	void (*fn)(void *);
	void *arg;
} vcpu_work[GUEST_SDK_MAX_VCPUS];

void _start_secondary(void);
void guest_secondary(uint64_t vcpu);

unsigned guest_nr_vcpus(void)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;

	return bi->nr_vcpus != 0 ? bi->nr_vcpus : 1;
}

unsigned guest_vcpu_id(void)
{
	return guest_arch_vcpu_id();
}

/* Where _start_secondary (start.S) lands, on the vCPU's own stack. */
__attribute__((noreturn)) void guest_secondary(uint64_t vcpu)
{
	if (vcpu < GUEST_SDK_MAX_VCPUS && vcpu_work[vcpu].fn != NULL) {
		vcpu_work[vcpu].fn(vcpu_work[vcpu].arg);
	}
	for (;;) {
		guest_vcpu_off(); /* refused only while this is the last vCPU on: try again */
		guest_cpu_relax();
	}
}

long guest_vcpu_start(unsigned vcpu, void (*fn)(void *), void *arg)
{
	if (vcpu >= GUEST_SDK_MAX_VCPUS) {
		return -IOASID_ENOENT;
	}
	vcpu_work[vcpu].fn = fn;
	vcpu_work[vcpu].arg = arg;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* published before the vCPU can run */
	return guest_arch_vcpu_start(vcpu, (uint64_t)(uintptr_t)_start_secondary,
				     (uint64_t)(uintptr_t)guest_vcpu_stacks[vcpu + 1]);
}

long guest_vcpu_off(void)
{
	return guest_arch_vcpu_off();
}

void guest_exit(uint32_t code)
{
	struct ioasid_exit r = { .size = sizeof(r), .code = code };

	for (;;) {
		hv_call(IOASID_CALL_EXIT, gpa_of(&r));
	}
}

#define WRAP(fn, type, call)                                                                                           \
	long fn(type *r)                                                                                               \
	{                                                                                                              \
		r->size = sizeof(*r);                                                                                  \
		return hv_call(call, gpa_of(r));                                                                       \
	}
WRAP(ioasid_get_info, struct ioasid_get_info, IOASID_CALL_GET_INFO)
WRAP(ioasid_device_list, struct ioasid_device_list, IOASID_CALL_DEVICE_LIST)
WRAP(ioasid_alloc, struct ioasid_alloc, IOASID_CALL_ALLOC)
WRAP(ioasid_map, struct ioasid_map, IOASID_CALL_MAP)
WRAP(ioasid_unmap, struct ioasid_unmap, IOASID_CALL_UNMAP)
WRAP(ioasid_attach, struct ioasid_attach, IOASID_CALL_ATTACH)
WRAP(ioasid_detach, struct ioasid_detach, IOASID_CALL_DETACH)
WRAP(ioasid_invalidate, struct ioasid_invalidate, IOASID_CALL_INVALIDATE)
WRAP(ioasid_fault_read, struct ioasid_fault_read, IOASID_CALL_FAULT_READ)

long ioasid_free(uint32_t ioasid)
{
	struct ioasid_free r = { .size = sizeof(r), .ioasid = ioasid };

	return hv_call(IOASID_CALL_FREE, gpa_of(&r));
}

const char *ioasid_errname(long ret)
{
	static const struct {
		long code;
		const char *name;
	} names[] = {
		{ 0, "0" },
		{ -IOASID_EPERM, "-EPERM" },
		{ -IOASID_ENOENT, "-ENOENT" },
		{ -IOASID_E2BIG, "-E2BIG" },
		{ -IOASID_EAGAIN, "-EAGAIN" },
		{ -IOASID_ENOMEM, "-ENOMEM" },
		{ -IOASID_EFAULT, "-EFAULT" },
		{ -IOASID_EBUSY, "-EBUSY" },
		{ -IOASID_EEXIST, "-EEXIST" },
		{ -IOASID_ENODEV, "-ENODEV" },
		{ -IOASID_EINVAL, "-EINVAL" },
		{ -IOASID_ENOSPC, "-ENOSPC" },
		{ -IOASID_ERANGE, "-ERANGE" },
		{ -IOASID_ENOSYS, "-ENOSYS" },
		{ -IOASID_EOVERFLOW, "-EOVERFLOW" },
		{ -IOASID_EOPNOTSUPP, "-EOPNOTSUPP" },
		{ -IOASID_ETIMEDOUT, "-ETIMEDOUT" },
		{ -IOASID_EDQUOT, "-EDQUOT" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].code == ret) {
			return names[i].name;
		}
	}
	return "(unknown)";
}

bool ioasid_result_documented(long ret)
{
	return strcmp(ioasid_errname(ret), "(unknown)") != 0;
}
