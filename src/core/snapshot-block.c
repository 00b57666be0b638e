// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-block reads, the bulk of a snapshot's cost: one open+read+close
 * per attribute asked for. When a block's own directory is read anyway
 * (its forward node links), the attributes are opened relative to it: a
 * one-component path walk instead of two.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>

#include "shared/macro.h"
#include "shared/text.h"
#include "shared/parallel.h"
#include "snapshot-internal.h"

/* Below this, starting a thread costs more than the reads it saves. */
#define BLOCKS_PER_THREAD 2048

/* A block's attributes: relative to its own directory, or "memoryN/..." in memory/. */
struct block_at {
	int fd;
	char prefix[24];
};

static ssize_t read_at(const struct block_at *at, const char *name, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "%s%s", at->prefix, name);
	return mt_read_attr(at->fd, path, buf, size);
}

static void read_state(const struct block_at *at, struct mt_block *b, struct mt_block_detail *d)
{
	char buf[128];

	b->state = MT_STATE_UNKNOWN;
	if (read_at(at, "state", buf, sizeof(buf)) < 0)
		return;
	b->state = (uint8_t)mt_state_parse(buf);
	if (d) {
		d->state_present = true;
		/*
		 * Truncated on purpose: it only names the garbage in a message,
		 * made visible ("\x1b[2J", "on\xffline"): no raw byte reaches a
		 * terminal or a JSON string.
		 */
		mt_visible(d->state_raw, sizeof(d->state_raw), buf);
	}
}

static void read_zones(const struct block_at *at, struct mt_block *b)
{
	char buf[128];

	if (read_at(at, "valid_zones", buf, sizeof(buf)) < 0 ||
	    !mt_zones_parse(buf, b->zones, &b->nzones))
		b->nzones = MT_ZONES_UNKNOWN;
}

void mt_block_reread(struct mt_block *b, struct mt_block_detail *d, int mem_fd)
{
	struct block_at at = { .fd = mem_fd };

	snprintf(at.prefix, sizeof(at.prefix), "memory%" PRIu32 "/", b->id);
	read_state(&at, b, d);
	read_zones(&at, b);
}

/*
 * online and phys_index: only check compares them with state and the name.
 * online_show() takes the device lock, which an offline in progress holds
 * for as long as it runs (no time limit since 4.15): a block that reads
 * going-offline is not asked.
 */
static void read_detail(const struct block_at *at, const struct mt_block *b,
			struct mt_block_detail *d, unsigned want)
{
	char buf[64];

	d->online = -1;
	if ((want & MT_WANT_ONLINE) && b->state != MT_STATE_GOING_OFFLINE &&
	    read_at(at, "online", buf, sizeof(buf)) >= 0 && (buf[0] == '0' || buf[0] == '1') &&
	    !buf[1])
		d->online = (int8_t)(buf[0] - '0');
	if ((want & MT_WANT_PHYS_INDEX) && read_at(at, "phys_index", buf, sizeof(buf)) >= 0 &&
	    mt_parse_ulong(buf, 16, &d->phys_index) == 0)
		d->phys_index_present = true;
}

void mt_block_reread_pair(struct mt_block *b, struct mt_block_detail *d, int mem_fd)
{
	struct block_at at = { .fd = mem_fd };

	snprintf(at.prefix, sizeof(at.prefix), "memory%" PRIu32 "/", b->id);
	read_detail(&at, b, d, MT_WANT_ONLINE);
	read_state(&at, b, d);
	/* An online that landed in between also moved the block's zones. */
	read_zones(&at, b);
}

static void read_attrs(const struct block_at *at, struct mt_block *b, struct mt_block_detail *d,
		       unsigned want)
{
	char buf[128];

	if (want & MT_WANT_STATE)
		read_state(at, b, (want & MT_WANT_DETAIL) ? d : NULL);
	if ((want & MT_WANT_DETAIL) && d)
		read_detail(at, b, d, want);
	if (want & MT_WANT_ZONES)
		read_zones(at, b);
	/*
	 * Only on request, and only for online blocks (lsmem shows it for those
	 * alone): reading it crashed pre-5.7 kernels (see kernel.md).
	 */
	if ((want & MT_WANT_REMOVABLE) && b->state == MT_STATE_ONLINE &&
	    read_at(at, "removable", buf, sizeof(buf)) >= 0 && (buf[0] == '0' || buf[0] == '1') &&
	    !buf[1])
		b->removable = (int8_t)(buf[0] - '0');
}

struct read_ctx {
	struct mt_snapshot *s;
	int mem_fd;
	unsigned dir_flags; /* for each block's directory */
};

static int read_block(const struct read_ctx *c, size_t i)
{
	struct mt_block *b = &c->s->blocks[i];
	struct mt_block_detail *d = c->s->detail ? &c->s->detail[i] : NULL;
	unsigned want = c->s->want;
	struct block_at at = { .fd = c->mem_fd };
	_cleanup_close_ int fd = -1;
	int r = 0;

	snprintf(at.prefix, sizeof(at.prefix), "memory%" PRIu32 "/", b->id);
	/* With LINKS every block's own links are read, else only as a fallback. */
	if ((want & MT_WANT_LINKS) || ((want & MT_WANT_NODES) && b->nnodes == 0)) {
		fd = mt_open(c->mem_fd, at.prefix, O_RDONLY | O_DIRECTORY, 0, 0);
		if (fd < 0)
			return 0; /* the block vanished (hot-remove) or is unreadable */
		r = mt_links_read_forward(c->s, b, d, fd, c->dir_flags);
		at.fd = fd;
		at.prefix[0] = '\0';
	}
	if (r == 0)
		read_attrs(&at, b, d, want);
	return r;
}

/* Blocks [lo, hi); slices touch disjoint blocks. */
static int read_slice(size_t lo, size_t hi, void *arg)
{
	for (size_t i = lo; i < hi; i++) {
		int r = read_block(arg, i);

		if (r < 0)
			return r;
	}
	return 0;
}

int mt_blocks_read(struct mt_snapshot *s, int mem_fd, bool dirs_fill)
{
	struct read_ctx c = { .s = s,
			      .mem_fd = mem_fd,
			      .dir_flags = dirs_fill ? MT_DIR_SHORT_IS_EOF : 0 };

	return mt_parallel_for(s->nblocks, BLOCKS_PER_THREAD, read_slice, &c);
}
