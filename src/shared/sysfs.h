/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access to the machine (or a capture of one) through directory fds of the
 * sysroot: every file memtopo touches is opened with openat() relative to
 * one of these, so --sysroot is never a string prefix scattered around.
 */
#ifndef MEMTOPO_SYSFS_H
#define MEMTOPO_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MT_SYSFS_MEMORY "devices/system/memory"
#define MT_SYSFS_NODE   "devices/system/node"

/*
 * Read one attribute with a single read(2) into buf (NUL-terminated, the
 * trailing newline and NULs that some captures carry stripped). sysfs
 * fills a whole attribute in one go, so one read is the whole value.
 * Returns the length, or -errno.
 */
ssize_t mt_read_attr(int dirfd, const char *path, char *buf, size_t size);

/*
 * Read a whole (procfs) file of any length into a malloc'ed, NUL-terminated
 * buffer. Returns the length, or -errno.
 */
ssize_t mt_read_file(int dirfd, const char *path, char **out);

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
