# SPDX-License-Identifier: MIT
# Target library code (every arch). lib/strerror.c is maintained with the host fake arch.
HV_SRCS += lib/cmdline.c lib/console.c lib/log.c lib/memmap.c lib/palloc.c lib/syscalls.c lib/strerror.c
