/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Small language helpers shared by every module: cleanup attributes in the systemd style,
 * ownership transfer (TAKE_PTR/TAKE_FD), and array and arithmetic helpers.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _unused_ __attribute__((__unused__))
#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _pure_ __attribute__((__pure__))
#define _noreturn_ __attribute__((__noreturn__))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/*
 * Make room for at least need elements of elem_size bytes in *array, which has room for
 * *allocated: the room doubles (from initial), so appending one at a time costs amortized
 * O(1). 0, or -ENOMEM with *array and *allocated unchanged.
 */
static inline int greedy_realloc(void **array, size_t *allocated, size_t need, size_t elem_size,
				 size_t initial)
{
	size_t n = *allocated ? *allocated : (initial ? initial : 1);
	void *p;

	if (need <= *allocated)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	p = reallocarray(*array, n, elem_size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*allocated = n;
	return 0;
}

/* greedy_realloc() for a typed array and its size_t room counter. */
#define GREEDY_REALLOC(array, allocated, need, initial) \
	greedy_realloc((void **)&(array), &(allocated), (need), sizeof(*(array)), (initial))

#define MIN(a, b)                        \
	({                               \
		__typeof__(a) _a = (a);  \
		__typeof__(b) _b = (b);  \
		_a < _b ? _a : _b;       \
	})
#define MAX(a, b)                        \
	({                               \
		__typeof__(a) _a = (a);  \
		__typeof__(b) _b = (b);  \
		_a > _b ? _a : _b;       \
	})
#define CLAMP(x, lo, hi) MIN(MAX((x), (lo)), (hi))

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/* Take ownership of a pointer or fd: return it and reset the variable so cleanup skips it. */
#define TAKE_PTR(p)                              \
	({                                       \
		__typeof__(p) _p = (p);          \
		(p) = NULL;                      \
		_p;                              \
	})
#define TAKE_FD(fd)                              \
	({                                       \
		int _fd = (fd);                  \
		(fd) = -EBADF;                   \
		_fd;                             \
	})

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)              \
	static inline void func##p(type *p)                  \
	{                                                    \
		if (*p)                                      \
			func(*p);                            \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		(void)close(fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void closep(int *fd)
{
	safe_close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Negative errno of the last libc failure; never 0, so callers can return it safely. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Errors that mean "the object went away while we looked at it" in /proc and cgroupfs walks. */
static inline int errno_is_gone(int r)
{
	r = r < 0 ? -r : r;
	return r == ENOENT || r == ESRCH || r == ENODEV;
}

static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

static inline const char *strna(const char *s)
{
	return s ? s : "n/a";
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
