/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every file: scope-bound cleanup (as kmod and
 * systemd do) so that error paths cannot leak descriptors or memory.
 */
#ifndef MEMTOPO_MACRO_H
#define MEMTOPO_MACRO_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(fn)  __attribute__((cleanup(fn)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
/*
 * Wraparound on purpose (a hash, a PRNG): exempt from clang's
 * -fsanitize=integer, which the sanitizer build turns on (meson.build).
 */
#if defined(__clang__)
#define _wraps_ __attribute__((no_sanitize("integer")))
#else
#define _wraps_
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_fclose_   _cleanup_(fclosep)

/* Hand a cleanup-owned value to the caller. */
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _tp = (p); \
		(p) = NULL;              \
		_tp;                     \
	})

#define TAKE_FD(fd)             \
	({                      \
		int _tf = (fd); \
		(fd) = -1;      \
		_tf;            \
	})

#endif
