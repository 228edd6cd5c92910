/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's one error idiom: functions return 0 or a negative error code from this list.
 * The values are the guest ABI's (include/ioasid/abi.h, which documents what each means to a
 * guest), so an internal error can be returned to a guest unchanged. Hypervisor code never
 * includes libc's <errno.h>: if both were included the differing values (ETIMEDOUT, EOVERFLOW)
 * would be a redefinition error under -Werror, not a silent mix-up.
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#define EIO 5
#define EDQUOT 122

const char *hv_strerror(int err);

#endif /* HV_ERRNO_H */
