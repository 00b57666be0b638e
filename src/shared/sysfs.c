// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading sysfs/procfs attributes and directories relative to a dir fd. */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "shared/macro.h"
#include "shared/sysfs.h"

ssize_t mt_read_attr(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	/* O_NONBLOCK: a FIFO in a capture must not stop the run at open(). */
	fd = mt_open(dirfd, path, O_RDONLY | O_NONBLOCK, 0, 0);
	if (fd < 0)
		return fd;
	n = mt_check_regular(fd, dirfd, path, MT_ATTR_MAX);
	if (n < 0)
		return n;
	do {
		n = read(fd, buf, size - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* Captures of sysfs sometimes carry "\n\0" at the end (hwloc's). */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n;
}

ssize_t mt_read_file(int dirfd, const char *path, size_t max, unsigned how, char **out)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 16384;
	int r;

	fd = mt_open(dirfd, path, O_RDONLY | O_NONBLOCK, 0, how);
	if (fd < 0)
		return fd;
	/* procfs files say size 0: the bound is enforced on what is read too. */
	r = mt_check_regular(fd, dirfd, path, max);
	if (r < 0)
		return r;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb;

			if (cap > SIZE_MAX / 2)
				return -EFBIG;
			nb = realloc(buf, cap * 2);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			mt_refusal_note(dirfd, path, -EFBIG,
					"longer than any kernel writes it: not read");
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return (ssize_t)len;
}

int mt_parse_ulong(const char *s, int base, unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul accepts leading space and a sign; sysfs never writes them. */
	if (!s || !isxdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

bool mt_parse_indexed_name(const char *name, const char *prefix, unsigned long *id)
{
	size_t plen = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, plen) != 0)
		return false;
	p = name + plen;
	if (!isdigit((unsigned char)p[0]) || (p[0] == '0' && p[1]))
		return false;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	return mt_parse_ulong(p, 10, id) == 0;
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int mt_dir_open(struct mt_dir *d, int dirfd, const char *path, unsigned flags)
{
	bool large = flags & MT_DIR_LARGE;

	d->pos = d->len = 0;
	d->short_is_eof = flags & MT_DIR_SHORT_IS_EOF;
	d->eof = false;
	d->owns_fd = true;
	d->buf = d->small;
	d->bufsz = sizeof(d->small);
	d->fd = mt_open(dirfd, path, O_RDONLY | O_DIRECTORY, 0, 0);
	if (d->fd < 0)
		return d->fd;
	if (large) {
		/* A machine with 65,536 blocks: 128 getdents calls, not 1,000. */
		d->bufsz = 32 * 1024;
		d->buf = malloc(d->bufsz);
		if (!d->buf) {
			close(d->fd);
			d->fd = -1;
			return -ENOMEM;
		}
	}
	return 0;
}

void mt_dir_attach(struct mt_dir *d, int fd, unsigned flags)
{
	*d = (struct mt_dir){ .fd = fd,
			      .short_is_eof = flags & MT_DIR_SHORT_IS_EOF,
			      .bufsz = sizeof(d->small) };
	d->buf = d->small;
}

int mt_dir_next(struct mt_dir *d, const char **name, unsigned char *type)
{
	for (;;) {
		struct linux_dirent64 *de;

		if (d->pos >= d->len) {
			long n;

			if (d->eof)
				return 0;
			n = syscall(SYS_getdents64, d->fd, d->buf, d->bufsz);
			if (n < 0)
				return -errno;
			if (n == 0)
				return 0;
			d->len = n;
			d->pos = 0;
			/* Room left for the largest entry: the filesystem had no more. */
			d->eof = d->short_is_eof &&
				 (size_t)n + sizeof(struct linux_dirent64) + 256 < d->bufsz;
		}
		de = (struct linux_dirent64 *)(d->buf + d->pos);
		d->pos += de->d_reclen;
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		*name = de->d_name;
		if (type)
			*type = de->d_type;
		return 1;
	}
}

void mt_dir_close(struct mt_dir *d)
{
	if (d->fd >= 0 && d->owns_fd)
		close(d->fd);
	d->fd = -1;
	if (d->buf != d->small)
		free(d->buf);
	d->buf = d->small;
}
