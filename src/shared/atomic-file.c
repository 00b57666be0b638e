// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/atomic-file.h"

/* "dir/name" -> "dir/.name.XXXXXX"; "name" -> ".name.XXXXXX". */
static char *tmp_template(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dirlen;
	char *t;

	if (asprintf(&t, "%.*s.%s.XXXXXX", (int)dirlen, path, base) < 0)
		return NULL;
	return t;
}

int mt_atomic_open(struct mt_atomic_file *af, const char *path, mode_t mode)
{
	int fd, r;

	*af = (struct mt_atomic_file){ .mode = mode };
	if (!*path || path[strlen(path) - 1] == '/')
		return -EISDIR;
	af->path = strdup(path);
	af->tmppath = tmp_template(path);
	if (!af->path || !af->tmppath) {
		r = -ENOMEM;
		goto fail;
	}
	fd = mkostemp(af->tmppath, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(af->tmppath);
		af->tmppath = NULL;
		goto fail;
	}
	af->f = fdopen(fd, "w");
	if (!af->f) {
		r = -errno;
		close(fd);
		goto fail;
	}
	return 0;
fail:
	mt_atomic_abort(af);
	return r;
}

/* The rename is durable only once the directory entry is on disk too. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int mt_atomic_commit(struct mt_atomic_file *af)
{
	int r = 0, fd = fileno(af->f);

	if (fflush(af->f) != 0 || ferror(af->f))
		r = errno ? -errno : -EIO;
	/* mkostemp creates 0600; the collector may run as another user. */
	else if (fchmod(fd, af->mode) < 0 || fsync(fd) < 0)
		r = -errno;
	if (fclose(af->f) != 0 && r == 0)
		r = -errno;
	af->f = NULL;
	if (r == 0 && rename(af->tmppath, af->path) < 0)
		r = -errno;
	if (r == 0) {
		sync_dir(af->path);
		free(af->tmppath);
		af->tmppath = NULL;
	}
	mt_atomic_abort(af);
	return r;
}

void mt_atomic_abort(struct mt_atomic_file *af)
{
	if (af->f)
		fclose(af->f);
	af->f = NULL;
	if (af->tmppath)
		unlink(af->tmppath);
	free(af->tmppath);
	free(af->path);
	af->tmppath = af->path = NULL;
}
