// SPDX-License-Identifier: MIT
/*
 * The system-call layer newlib expects (newlib was configured with
 * --disable-newlib-supplied-syscalls, so these names are ours to provide):
 *   write  -> the console (fd 1 and 2; anything else fails)
 *   sbrk   -> a bump pointer over the MEM_HV_POOL region boot/ allocated (heap_init())
 *   __malloc_lock / __malloc_unlock -> heap_lock, so malloc & co. are safe on every CPU
 *   _exit / abort / __assert_func -> arch_exit() with a failing code
 * and stubs for the calls newlib's stdio references but the hypervisor never uses (no files).
 *
 * There is no <errno.h> here on purpose (<hv/errno.h> is the hypervisor's one error space);
 * failures return -1 the way newlib's reentrant wrappers expect.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/exit.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/palloc.h>
#include <hv/spinlock.h>

/*
 * Named without the leading underscore: newlib was built with MISSING_SYSCALL_NAMES, so its
 * reentrant wrappers (_write_r, _sbrk_r, ...) call write(), sbrk(), ... <unistd.h> gives the
 * exact prototypes (return types matter: write returns a 64-bit ssize_t).
 */
struct _reent;
void __malloc_lock(struct _reent *r);
void __malloc_unlock(struct _reent *r);
int kill(pid_t pid, int sig);
__noreturn void abort(void);
__noreturn void __assert_func(const char *file, int line, const char *func, const char *expr);

/*
 * The heap's lock (ioasid/core.c, lock order: a leaf). Why newlib's own hook and not a link-time
 * wrap of malloc: newlib's nano malloc (nano-mallocr.c, 3.3.0) calls __malloc_lock() and
 * __malloc_unlock() around every free-list change even when built with
 * --disable-newlib-multithread; that option only compiles newlib's own definitions (mlock.c) to
 * empty functions. Defining the two here makes the linker take ours and never pull mlock.o, so
 * malloc, free, realloc, calloc, memalign and the allocations stdio makes internally
 * (_malloc_r) are all covered, newlib is not rebuilt, and nothing depends on -Wl,--wrap lists
 * staying complete. sbrk() is only called from nano malloc with the lock held, so heap_cur
 * needs no lock of its own.
 *
 * Recursive (hv_rspinlock_t): newlib's contract (mlock.c) says a malloc call may take the lock
 * recursively; nano malloc happens not to, but a recursive lock costs nothing here. The _reent argument is ignored: the hypervisor has one _REENT, whose
 * only shared write from malloc is errno (ENOMEM), which no hypervisor code reads.
 *
 * Not covered: newlib's FILE objects (stdout) have no lock in this build; only the boot CPU's
 * self-tests use printf. Everything else writes through hv_log() or console_write(), which are
 * safe, and snprintf() formats into the caller's buffer with no shared state.
 */
static hv_rspinlock_t heap_lock = HV_RSPINLOCK_INIT;

void __malloc_lock(struct _reent *r)
{
	(void)r;
	hv_rspin_lock(&heap_lock);
}

void __malloc_unlock(struct _reent *r)
{
	(void)r;
	hv_rspin_unlock(&heap_lock);
}

static uint64_t heap_start, heap_cur, heap_end;

int heap_init(const struct bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->nr_mem; i++) {
		if (bi->mem[i].type == MEM_HV_POOL) {
			heap_start = ALIGN_UP(hpa_val(bi->mem[i].base), 16);
			heap_cur = heap_start;
			heap_end = hpa_val(bi->mem[i].base) + bi->mem[i].size;
			return 0;
		}
	}
	return -ENOMEM;
}

uint64_t heap_used(void)
{
	uint64_t n;

	hv_rspin_lock(&heap_lock);
	n = heap_cur - heap_start;
	hv_rspin_unlock(&heap_lock);
	return n;
}

uint64_t heap_size(void)
{
	return heap_end - heap_start;
}

void *sbrk(ptrdiff_t incr)
{
	uint64_t old = heap_cur;

	/* Called by nano malloc under heap_lock. Only growth within the pool; it never shrinks. */
	if (heap_start == 0 || incr < 0 || (uint64_t)incr > heap_end - heap_cur) {
		return (void *)-1;
	}
	heap_cur += (uint64_t)incr;
	return hpa_to_ptr(hpa(old));
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		return -1;
	}
	console_write(buf, len);
	return (_READ_WRITE_RETURN_TYPE)len;
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return -1;
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
	return -1;
}

int fstat(int fd, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR; /* the console is a character device: unbuffered stdio */
	return fd <= 2 ? 0 : -1;
}

int isatty(int fd)
{
	return fd <= 2;
}

int kill(pid_t pid, int sig)
{
	(void)pid;
	(void)sig;
	return -1;
}

pid_t getpid(void)
{
	return 1;
}

__noreturn void _exit(int code)
{
	arch_exit(code == 0 ? HV_EXIT_OK : HV_EXIT_FAIL);
}

__noreturn void abort(void)
{
	pr_err("abort() called");
	arch_exit(HV_EXIT_PANIC);
}

__noreturn void __assert_func(const char *file, int line, const char *func, const char *expr)
{
	pr_err("assertion \"%s\" failed in %s at %s:%d", expr, func ? func : "?", file, line);
	arch_exit(HV_EXIT_PANIC);
}
