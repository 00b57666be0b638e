/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny test harness: CHECK() prints file:line and the failing expression
 * and lets the test go on, so one run shows every failure; UNIT_EXIT()
 * makes main() return 1 if anything failed. Plus helpers to load data
 * files and to build throwaway trees under mkdtemp() (never under /sys).
 */
#ifndef MEMTOPO_UNIT_H
#define MEMTOPO_UNIT_H

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/sysfs.h"

/* One per test program (each is its own translation unit). */
static int unit_failures;

#define UNIT_FAIL(...)                                          \
	do {                                                    \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                   \
		fputc('\n', stderr);                            \
		unit_failures++;                                \
	} while (0)

#define CHECK(expr)                                           \
	do {                                                  \
		if (!(expr))                                  \
			UNIT_FAIL("CHECK(%s) failed", #expr); \
	} while (0)

#define CHECK_U64(a, b)                                                                            \
	do {                                                                                       \
		uint64_t a_ = (a), b_ = (b);                                                       \
		if (a_ != b_)                                                                      \
			UNIT_FAIL("CHECK_U64(%s, %s) failed: 0x%" PRIx64 " != 0x%" PRIx64, #a, #b, \
				  a_, b_);                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                                 \
	do {                                                                            \
		const char *a_ = (a), *b_ = (b);                                        \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                  \
			UNIT_FAIL("CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"", #a, #b, \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");              \
	} while (0)

#define UNIT_EXIT()                                                             \
	do {                                                                    \
		if (unit_failures)                                              \
			fprintf(stderr, "%d check(s) failed\n", unit_failures); \
		return unit_failures ? 1 : 0;                                   \
	} while (0)

/* Whole text of DIR/NAME (the test data directory is argv[1]); exits if absent. */
static inline char *unit_data(const char *dir, const char *name)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *text = NULL;

	if (fd < 0 || mt_read_file(fd, name, (size_t)1 << 24, 0, &text) < 0) {
		fprintf(stderr, "cannot read test data %s/%s\n", dir, name);
		exit(1);
	}
	close(fd);
	return text;
}

/* Create REL under ROOT_FD with its parent directories; CONTENT NULL makes a directory. */
static inline void unit_put(int root_fd, const char *rel, const char *content)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s", rel);
	for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdirat(root_fd, path, 0755);
		*s = '/';
	}
	if (!content) {
		mkdirat(root_fd, path, 0755);
		return;
	}
	fd = openat(root_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		fprintf(stderr, "cannot create %s\n", rel);
		exit(1);
	}
	close(fd);
}

static inline int unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory under $TMPDIR (or /tmp); its path goes into buf. */
static inline int unit_tmpdir(char *buf, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, size, "%s/memtopo-unit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		exit(1);
	}
	return open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static inline void unit_rmtree(const char *path)
{
	nftw(path, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
