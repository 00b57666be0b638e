// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening a file of the sysroot so that nothing outside it is ever reached.
 * A capture is a tree memtopo did not make: a symlink in it may point at
 * this machine's /sys (a rehearsal on a copy that offlines real memory), at
 * /dev/zero or anywhere. Under --sysroot every path is resolved by the
 * kernel with openat2() (RESOLVE_BENEATH: no absolute link, no ".." above
 * the directory fd), and, on kernels before 5.6, by mt_open_walk(): the
 * same rule one component at a time. On the live machine (no --sysroot)
 * the paths are the kernel's own and are opened as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shared/sysfs.h"

static bool confined;
static int no_openat2; /* 1 once openat2 said ENOSYS (or the test hook asked) */

void mt_open_confine(bool on)
{
	confined = on;
	/* Lets the tests run the component walk on a kernel that has openat2. */
	if (getenv("MEMTOPO_TEST_NO_OPENAT2"))
		no_openat2 = 1;
}

/* How many links one resolution may follow, as the kernel's MAXSYMLINKS. */
#define WALK_MAX_LINKS 40
#define WALK_MAX_DEPTH 128

static void walk_unwind(int *stack, unsigned *depth)
{
	while (*depth > 0)
		close(stack[(*depth)--]);
}

/* Splice a link's target in front of what is left of the path. */
static int splice_link(char rest[PATH_MAX], const char **p, const char *target)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s%s", target, *p);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(rest, tmp, (size_t)n + 1);
	*p = rest;
	return 0;
}

int mt_open_walk(int dirfd, const char *path, int flags, mode_t mode, bool in_root)
{
	char rest[PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
	int stack[WALK_MAX_DEPTH];
	unsigned depth = 0, links = 0;
	const char *p = rest;
	int r;

	if (strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, path);
	stack[0] = dirfd;
	if (*p == '/' && !in_root)
		return -EXDEV;
	for (;;) {
		const char *end;
		ssize_t n;
		size_t len;
		bool last;
		int fd;

		while (*p == '/')
			p++;
		if (!*p) {
			/* "" or a trailing slash: the directory reached so far. */
			fd = openat(stack[depth], ".", flags & ~O_CREAT, mode);
			r = fd < 0 ? -errno : fd;
			break;
		}
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		if (len > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p = end;
		last = !p[strspn(p, "/")];
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			/* Above the root: RESOLVE_IN_ROOT stays there, RESOLVE_BENEATH refuses. */
			if (depth > 0)
				close(stack[depth--]);
			else if (!in_root)
				return -EXDEV;
			continue;
		}
		n = readlinkat(stack[depth], comp, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			if (++links > WALK_MAX_LINKS) {
				r = -ELOOP;
				break;
			}
			if (target[0] == '/') {
				if (!in_root) {
					r = -EXDEV;
					break;
				}
				walk_unwind(stack, &depth);
			}
			r = splice_link(rest, &p, target);
			if (r < 0)
				break;
			continue;
		}
		if (errno != EINVAL && errno != ENOENT) {
			r = -errno;
			break;
		}
		if (last) {
			/* Not a link a moment ago: O_NOFOLLOW makes a swapped-in one fail. */
			fd = openat(stack[depth], comp, flags | O_NOFOLLOW, mode);
			r = fd < 0 ? -errno : fd;
			break;
		}
		if (depth + 1 >= WALK_MAX_DEPTH) {
			r = -ENAMETOOLONG;
			break;
		}
		fd = openat(stack[depth], comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			break;
		}
		stack[++depth] = fd;
	}
	walk_unwind(stack, &depth);
	return r;
}

static int open_confined(int dirfd, const char *path, int flags, mode_t mode, bool in_root)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = (in_root ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) | RESOLVE_NO_MAGICLINKS,
	};

	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		for (int tries = 0; tries < 8; tries++) {
			long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

			if (fd >= 0)
				return (int)fd;
			/* EAGAIN: a rename raced a ".." walk; the kernel asks to retry. */
			if (errno != EAGAIN)
				break;
		}
		if (errno != ENOSYS)
			return -errno;
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
	}
	return mt_open_walk(dirfd, path, flags, mode, in_root);
}

/* The first refusal of a run, for the command line's one line. */
static struct {
	pthread_mutex_t lock;
	unsigned count;
	int err;
	char path[PATH_MAX];
	char why[64];
} refusal = { .lock = PTHREAD_MUTEX_INITIALIZER };

void mt_refusal_note(int dirfd, const char *path, int err, const char *why)
{
	char link[64], dir[PATH_MAX];
	ssize_t n;

	pthread_mutex_lock(&refusal.lock);
	if (refusal.count++ == 0) {
		/* The directory fd's own name: the message names the whole path. */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		n = dirfd >= 0 ? readlink(link, dir, sizeof(dir) - 1) : -1;
		if (n > 0 && (size_t)n + 1 + strlen(path) < sizeof(refusal.path)) {
			memcpy(refusal.path, dir, (size_t)n);
			refusal.path[n] = '/';
			strcpy(refusal.path + n + 1, path);
		} else {
			snprintf(refusal.path, sizeof(refusal.path), "%s", path);
		}
		/* "memory5/" (a directory opened by its prefix) is named "memory5". */
		for (size_t len = strlen(refusal.path); len > 1 && refusal.path[len - 1] == '/';)
			refusal.path[--len] = '\0';
		refusal.err = err;
		snprintf(refusal.why, sizeof(refusal.why), "%s", why);
	}
	pthread_mutex_unlock(&refusal.lock);
}

unsigned mt_refusal_take(struct mt_refusal *out)
{
	unsigned count;

	pthread_mutex_lock(&refusal.lock);
	count = refusal.count;
	if (count) {
		snprintf(out->path, sizeof(out->path), "%s", refusal.path);
		snprintf(out->why, sizeof(out->why), "%s", refusal.why);
		out->err = refusal.err;
		out->count = count;
	}
	refusal.count = 0;
	pthread_mutex_unlock(&refusal.lock);
	return count;
}

int mt_open(int dirfd, const char *path, int flags, mode_t mode, unsigned how)
{
	int fd;

	/* openat2 takes only these with O_PATH (EINVAL otherwise). */
	flags |= (flags & O_PATH) ? O_CLOEXEC : O_CLOEXEC | O_NOCTTY;
	/* dirfd is a root (the sysroot's, or "/"): its absolute links stay in it. */
	if (!confined && !(how & MT_OPEN_IN_ROOT)) {
		fd = openat(dirfd, path, flags, mode);
		return fd < 0 ? -errno : fd;
	}
	fd = open_confined(dirfd, path, flags, mode, how & MT_OPEN_IN_ROOT);
	/* A link loop (ELOOP) stays what it always was: an unreadable file. */
	if (fd == -EXDEV)
		mt_refusal_note(dirfd, path, fd,
				"a link out of the tree memtopo reads, not followed");
	return fd;
}

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO, not a file: not read";
	case S_IFCHR:
		return "a character device, not a file: not read";
	case S_IFBLK:
		return "a block device, not a file: not read";
	case S_IFSOCK:
		return "a socket, not a file: not read";
	default:
		return "not a regular file: not read";
	}
}

int mt_check_regular(int fd, int dirfd, const char *path, uint64_t max)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode)) {
		mt_refusal_note(dirfd, path, -ENXIO, type_name(st.st_mode));
		return -ENXIO;
	}
	if ((uint64_t)st.st_size > max) {
		mt_refusal_note(dirfd, path, -EFBIG, "larger than any kernel writes it: not read");
		return -EFBIG;
	}
	return 0;
}
