/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access to the machine (or a capture of one) through directory fds of the
 * sysroot: every file memtopo touches is opened with openat() relative to
 * one of these, so --sysroot is never a string prefix scattered around.
 */
#ifndef MEMTOPO_SYSFS_H
#define MEMTOPO_SYSFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MT_SYSFS_MEMORY "devices/system/memory"
#define MT_SYSFS_NODE   "devices/system/node"

/*
 * Opening files of the sysroot (sysfs-open.c). Under --sysroot
 * (mt_open_confine(true), set by mt_sysroot_open) a path is resolved inside
 * its directory fd: no absolute link, no ".." above it (RESOLVE_BENEATH),
 * or, with MT_OPEN_IN_ROOT, dirfd is the sysroot and absolute links mean
 * paths inside it (RESOLVE_IN_ROOT, as in a chroot). On the live machine
 * paths are opened as they are, but for MT_OPEN_IN_ROOT (there dirfd is "/"
 * or a root a caller chose). O_CLOEXEC and O_NOCTTY are always added.
 * Returns the fd or -errno: -EXDEV for a link that leaves (noted as a
 * refusal, below), -ELOOP for a loop.
 */
enum { MT_OPEN_IN_ROOT = 1 << 0 };
void mt_open_confine(bool on);
int mt_open(int dirfd, const char *path, int flags, mode_t mode, unsigned how);
/* The same rule one component at a time, for kernels without openat2 (< 5.6). */
int mt_open_walk(int dirfd, const char *path, int flags, mode_t mode, bool in_root);

/*
 * fd (opened as dirfd/path) must be a regular file of at most max bytes:
 * sysfs attributes and procfs files are. -EISDIR for a directory, -ENXIO
 * for a FIFO, device or socket, -EFBIG when larger; the last two are noted.
 */
int mt_check_regular(int fd, int dirfd, const char *path, uint64_t max);

/*
 * Refusals: files memtopo would not open or read because of what the tree
 * holds (a link out of the sysroot, a FIFO, an endless file). The first of
 * a run is kept, with a count, for the command line's one line on stderr
 * (core never prints). Thread-safe: blocks are read in parallel.
 */
struct mt_refusal {
	char path[PATH_MAX];
	char why[64];
	int err;
	unsigned count;
};
void mt_refusal_note(int dirfd, const char *path, int err, const char *why);
/* How many since the last take (0: none, *out untouched); resets the count. */
unsigned mt_refusal_take(struct mt_refusal *out);

/*
 * The bounds of a read. A sysfs attribute is at most one page (PAGE_SIZE
 * of the machine: 64 KiB on arm64/ppc64 with 64K pages, the largest).
 */
#define MT_ATTR_MAX ((uint64_t)64 * 1024)

/*
 * Read one attribute with a single read(2) into buf (NUL-terminated, the
 * trailing newline and NULs that some captures carry stripped). sysfs
 * fills a whole attribute in one go, so one read is the whole value.
 * Returns the length, or -errno.
 */
ssize_t mt_read_attr(int dirfd, const char *path, char *buf, size_t size);

/*
 * Read a whole (procfs) file of at most max bytes into a malloc'ed,
 * NUL-terminated buffer. Returns the length, or -errno (-EFBIG past max:
 * /dev/zero or an endless file is an error for that file, not an OOM).
 * how: as for mt_open().
 */
ssize_t mt_read_file(int dirfd, const char *path, size_t max, unsigned how, char **out);

/* Strict parsers: the whole string, no sign, no overflow. 0 or -EINVAL/-ERANGE. */
int mt_parse_ulong(const char *s, int base, unsigned long *out);

/*
 * Directory iteration with getdents64 straight into a buffer: no stat or
 * fcntl per directory (glibc's fdopendir costs two more syscalls), which
 * matters when every memory block's directory is read.
 */
struct mt_dir {
	int fd;
	long pos, len;
	size_t bufsz;
	bool short_is_eof, eof, owns_fd;
	char *buf;
	char small[2048];
};

enum mt_dir_flags {
	MT_DIR_LARGE = 1 << 0, /* a directory of thousands of entries: a 64 KiB buffer */
	/*
	 * The filesystem fills getdents' buffer until the directory ends
	 * (sysfs, tmpfs: mt_sysroot.dirs_fill): a result with room to spare is
	 * the end, and the empty call that would confirm it is skipped.
	 */
	MT_DIR_SHORT_IS_EOF = 1 << 1,
};

int mt_dir_open(struct mt_dir *d, int dirfd, const char *path, unsigned flags);
/* Iterate a directory fd the caller keeps (and closes); not MT_DIR_LARGE. */
void mt_dir_attach(struct mt_dir *d, int fd, unsigned flags);
/* 1 with *name set, 0 at the end, -errno on error. */
int mt_dir_next(struct mt_dir *d, const char **name, unsigned char *type);
void mt_dir_close(struct mt_dir *d);

/*
 * "memory123" -> 123 with prefix "memory"; only the kernel's canonical
 * spelling (decimal, no leading zeros, no trailing junk) is accepted.
 */
bool mt_parse_indexed_name(const char *name, const char *prefix, unsigned long *id);

#endif
