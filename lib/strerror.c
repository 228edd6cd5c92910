/* SPDX-License-Identifier: MIT */
/*
 * hv_strerror(): a name for each code in include/hv/errno.h, for logs. Accepts the code with
 * either sign (functions return -EINVAL; people print both). Freestanding: no libc.
 */
#include <hv/errno.h>

const char *hv_strerror(int err)
{
	if (err < 0) {
		err = -err;
	}
	switch (err) {
	case 0:
		return "success";
	case EPERM:
		return "EPERM (operation not permitted)";
	case ENOENT:
		return "ENOENT (no such entry)";
	case EIO:
		return "EIO (I/O error)";
	case E2BIG:
		return "E2BIG (structure too big / unknown trailing fields)";
	case EAGAIN:
		return "EAGAIN (try again)";
	case ENOMEM:
		return "ENOMEM (out of memory)";
	case EFAULT:
		return "EFAULT (bad address)";
	case EBUSY:
		return "EBUSY (busy)";
	case EEXIST:
		return "EEXIST (already exists)";
	case ENODEV:
		return "ENODEV (no such device)";
	case EINVAL:
		return "EINVAL (invalid argument)";
	case ENOSPC:
		return "ENOSPC (no space left)";
	case ERANGE:
		return "ERANGE (out of range)";
	case ENOSYS:
		return "ENOSYS (not implemented)";
	case EOVERFLOW:
		return "EOVERFLOW (value too large)";
	case EOPNOTSUPP:
		return "EOPNOTSUPP (not supported)";
	case ETIMEDOUT:
		return "ETIMEDOUT (timed out)";
	case EDQUOT:
		return "EDQUOT (quota exceeded)";
	default:
		return "unknown error";
	}
}
