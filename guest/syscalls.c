// SPDX-License-Identifier: MIT
/*
 * newlib system calls for guests (newlib is built with MISSING_SYSCALL_NAMES, so they are named
 * without the underscore): write goes to the console hypercall, sbrk bumps through the RAM
 * between the image's end and 64 KiB below the stack, exit is the EXIT hypercall.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "guest/guest.h"

#define GUEST_STACK_RESERVE (64U << 10)

extern char _end[];
static char *brk_ptr = _end;

int write(int fd, const void *buf, size_t len);
int close(int fd);
off_t lseek(int fd, off_t off, int whence);
int fstat(int fd, struct stat *st);
int isatty(int fd);
int kill(pid_t pid, int sig);
pid_t getpid(void);
void *sbrk(ptrdiff_t incr);
int read(int fd, void *buf, size_t len);
__attribute__((noreturn)) void _exit(int code);

int write(int fd, const void *buf, size_t len)
{
	(void)fd;
	return guest_write(buf, len) == 0 ? (int)len : -1;
}

void *sbrk(ptrdiff_t incr)
{
	char *old = brk_ptr;
	uint64_t limit = guest_ram_size - GUEST_STACK_RESERVE;

	if (incr < 0 || (uint64_t)(uintptr_t)(brk_ptr + incr) > limit) {
		errno = ENOMEM;
		return (void *)-1;
	}
	brk_ptr += incr;
	return old;
}

int close(int fd)
{
	(void)fd;
	return -1;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	return 0;
}

int fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int isatty(int fd)
{
	(void)fd;
	return 1;
}

int read(int fd, void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return 0;
}

int kill(pid_t pid, int sig)
{
	(void)pid;
	(void)sig;
	errno = EINVAL;
	return -1;
}

pid_t getpid(void)
{
	return 1;
}

void _exit(int code)
{
	guest_exit((uint32_t)code);
}
