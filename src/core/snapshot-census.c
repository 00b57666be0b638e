// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page census of blocks for the snapshot: all online blocks at once (list
 * -o OFFLINE, check, show) or one at a time (offline's lazy ordering reads
 * only the candidates it needs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "shared/parallel.h"
#include "snapshot-internal.h"

/* A census reads 256 KiB per 128 MiB block: worth a thread from this many. */
#define CENSUS_PER_THREAD 16

static bool online(const struct mt_block *b)
{
	return b->state == MT_STATE_ONLINE || b->state == MT_STATE_GOING_OFFLINE;
}

/* Verdicts start unknown for online blocks and not applicable for the rest. */
static int alloc_census(struct mt_snapshot *s)
{
	if (s->verdict)
		return 0;
	s->census = calloc(s->nblocks ? s->nblocks : 1, sizeof(*s->census));
	s->verdict = calloc(s->nblocks ? s->nblocks : 1, sizeof(*s->verdict));
	if (!s->census || !s->verdict)
		return -ENOMEM;
	for (size_t i = 0; i < s->nblocks; i++)
		s->verdict[i] = s->blocks[i].state == MT_STATE_OFFLINE ? MT_VERDICT_NONE
								       : MT_VERDICT_UNKNOWN;
	return 0;
}

static int open_kpageflags(const struct mt_sysroot *sr)
{
	int fd, r;

	if (sr->proc_fd < 0)
		return -ENOENT;
	fd = mt_open(sr->proc_fd, "kpageflags", O_RDONLY | O_NONBLOCK, 0, 0);
	if (fd < 0)
		return fd;
	/* Its size is the machine's memory: only the type is checked; reads are per block. */
	r = mt_check_regular(fd, sr->proc_fd, "kpageflags", UINT64_MAX);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* One block; fd is kpageflags. Sets the verdict; returns -errno of the read. */
static int census_one(struct mt_snapshot *s, int fd, size_t idx)
{
	const struct mt_block *b = &s->blocks[idx];
	uint64_t ps = s->page_size ? s->page_size : 4096;
	int r;

	if (!online(b))
		return 0;
	r = mt_census_read(fd, (uint64_t)b->id * s->block_size / ps, s->block_size / ps,
			   &s->census[idx]);
	s->verdict[idx] = r < 0 ? MT_VERDICT_UNKNOWN : mt_census_verdict(&s->census[idx]);
	return r;
}

struct census_ctx {
	struct mt_snapshot *s;
	int fd;
};

/* A short range makes that block unknown; other errors are returned (EISDIR, EIO). */
static int census_slice(size_t lo, size_t hi, void *arg)
{
	struct census_ctx *c = arg;
	int err = 0;

	for (size_t i = lo; i < hi; i++) {
		int r = census_one(c->s, c->fd, i);

		if (r < 0 && r != -ENODATA && !err)
			err = r;
	}
	return err;
}

/* Some block has a verdict: the census works, whatever failed elsewhere. */
static bool any_verdict(const struct mt_snapshot *s)
{
	for (size_t i = 0; i < s->nblocks; i++)
		if (s->verdict[i] == MT_VERDICT_LIKELY || s->verdict[i] == MT_VERDICT_UNLIKELY)
			return true;
	return false;
}

int mt_snapshot_census_all(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	struct census_ctx c = { .s = s };
	int r = alloc_census(s);

	if (r < 0 || s->census_err || !s->block_size)
		return r;
	c.fd = open_kpageflags(sr);
	if (c.fd < 0) {
		s->census_err = c.fd;
		return 0;
	}
	r = mt_parallel_for(s->nblocks, CENSUS_PER_THREAD, census_slice, &c);
	close(c.fd);
	/* A kpageflags that opens but cannot be read (a directory, EIO) is no census. */
	if (r < 0 && r != -ENOMEM && !any_verdict(s))
		s->census_err = r;
	return r == -ENOMEM ? r : 0;
}

int mt_snapshot_census_block(const struct mt_sysroot *sr, struct mt_snapshot *s, size_t idx)
{
	int r = alloc_census(s), fd;

	if (r < 0)
		return r;
	if (s->census_err || !s->block_size)
		return s->census_err;
	fd = open_kpageflags(sr);
	if (fd < 0) {
		s->census_err = fd;
		return fd;
	}
	r = census_one(s, fd, idx);
	close(fd);
	if (r < 0 && r != -ENODATA && r != -ENOMEM)
		s->census_err = r;
	return r;
}

void mt_snapshot_no_census(struct mt_snapshot *s)
{
	/* Online blocks unknown, offline ones still without a verdict. */
	free(s->census);
	free(s->verdict);
	s->census = NULL;
	s->verdict = NULL;
	s->census_err = 0;
	if (alloc_census(s) < 0) {
		free(s->census);
		free(s->verdict);
		s->census = NULL;
		s->verdict = NULL;
	}
	s->census_err = -ECANCELED;
}
