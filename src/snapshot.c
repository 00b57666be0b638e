// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the memory-block snapshot. The costs are what `list` is judged
 * on: one directory pass over memory/, one per node directory, and one
 * open+read+close per attribute asked for. A block's own directory is read
 * only when no node links back to it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "memtopo/macro.h"
#include "memtopo/parallel.h"
#include "memtopo/snapshot.h"

static void set_error(struct mt_error *e, int err, const char *path)
{
	if (!e)
		return;
	e->err = err;
	snprintf(e->path, sizeof(e->path), "%s", path);
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

long mt_snapshot_find(const struct mt_snapshot *s, unsigned long id)
{
	size_t lo = 0, hi = s->nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->blocks[mid].id == id)
			return (long)mid;
		if (s->blocks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int read_block_size(struct mt_snapshot *s, int mem_fd)
{
	char buf[64];
	unsigned long v;
	ssize_t n = mt_read_attr(mem_fd, "block_size_bytes", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	/* "%lx\n": hex without 0x. Zero or not a power of two is garbage. */
	if (mt_parse_ulong(buf, 16, &v) < 0 || v == 0 || (v & (v - 1)))
		return -EINVAL;
	s->block_size = v;
	return 0;
}

/*
 * sysfs (kernfs) and tmpfs count subdirectories in a directory's link
 * count: sizing the array from it once avoids the copies (and the peak
 * memory) of growing it block by block.
 */
static size_t guess_block_count(int mem_fd)
{
	struct stat st;

	if (fstat(mem_fd, &st) < 0 || st.st_nlink < 3 || st.st_nlink > (1u << 24))
		return 256;
	return (size_t)st.st_nlink - 2;
}

/*
 * The block ids, sorted (kernfs lists a directory in hash order). Sorting
 * 4-byte ids rather than whole blocks keeps qsort's scratch copy small.
 */
static int read_block_ids(int mem_fd, uint32_t **out, size_t *n)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t count = 0, cap = guess_block_count(mem_fd);
	struct mt_dir d;
	const char *name;
	unsigned char type;
	int r;

	ids = malloc(cap * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	r = mt_dir_open(&d, mem_fd, ".", true);
	if (r < 0)
		return r;
	while ((r = mt_dir_next(&d, &name, &type)) > 0) {
		unsigned long id;

		if (type != DT_DIR && type != DT_UNKNOWN && type != DT_LNK)
			continue;
		if (!mt_parse_indexed_name(name, "memory", &id) || id > MT_BLOCK_ID_MAX)
			continue;
		if (count == cap) {
			uint32_t *nids = realloc(ids, 2 * cap * sizeof(*ids));

			if (!nids) {
				r = -ENOMEM;
				break;
			}
			ids = nids;
			cap *= 2;
		}
		ids[count++] = (uint32_t)id;
	}
	mt_dir_close(&d);
	if (r < 0)
		return r;
	qsort(ids, count, sizeof(*ids), cmp_id);
	*out = TAKE_PTR(ids);
	*n = count;
	return 0;
}

static int list_blocks(struct mt_snapshot *s, int mem_fd)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n;
	int r;

	r = read_block_ids(mem_fd, &ids, &n);
	if (r < 0)
		return r;
	s->blocks = malloc((n ? n : 1) * sizeof(*s->blocks));
	if (!s->blocks)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		s->blocks[i] = (struct mt_block){.id = ids[i], .state = MT_STATE_UNKNOWN,
						 .removable = -1, .nzones = MT_ZONES_UNKNOWN,
						 .node = -1};
	s->nblocks = n;
	return 0;
}

static int block_add_node(struct mt_block *b, int node)
{
	const int *cur = mt_block_nodes(b);
	int *nodes;
	unsigned i;

	for (i = 0; i < b->nnodes; i++)
		if (cur[i] == node)
			return 0;
	if (b->nnodes == MT_MAX_BLOCK_NODES)
		return 0;
	if (b->nnodes == 0) {
		b->node = node;
		b->nnodes = 1;
		return 0;
	}
	nodes = malloc((b->nnodes + 1) * sizeof(int));
	if (!nodes)
		return -ENOMEM;
	/* Keep them sorted: output and comparisons rely on it. */
	for (i = 0; i < b->nnodes && cur[i] < node; i++)
		nodes[i] = cur[i];
	nodes[i] = node;
	for (; i < b->nnodes; i++)
		nodes[i + 1] = cur[i];
	free(b->nodes);
	b->nodes = nodes;
	b->node = -1;
	b->nnodes++;
	return 0;
}

/* node/nodeK/memoryN back-links: one directory pass per node. */
static int read_back_links(struct mt_snapshot *s, int node_fd)
{
	struct mt_dir nodes;
	const char *name;
	int r;

	r = mt_dir_open(&nodes, node_fd, ".", false);
	if (r < 0)
		return r;
	while ((r = mt_dir_next(&nodes, &name, NULL)) > 0) {
		struct mt_dir d;
		const char *entry;
		unsigned long nid;

		if (!mt_parse_indexed_name(name, "node", &nid) || nid > INT32_MAX)
			continue;
		if (mt_dir_open(&d, node_fd, name, true) < 0)
			continue;
		while ((r = mt_dir_next(&d, &entry, NULL)) > 0) {
			unsigned long id;
			long idx;

			if (!mt_parse_indexed_name(entry, "memory", &id))
				continue;
			/* A back-link to a block that is gone is check's business. */
			idx = mt_snapshot_find(s, id);
			if (idx >= 0 && (r = block_add_node(&s->blocks[idx], (int)nid)) < 0)
				break;
		}
		mt_dir_close(&d);
		if (r < 0)
			break;
	}
	mt_dir_close(&nodes);
	return r;
}

/* memoryN/nodeK forward links, for a block that nothing links back to. */
static int read_forward_links(struct mt_block *b, int mem_fd)
{
	char path[32];
	struct mt_dir d;
	const char *name;
	int r;

	snprintf(path, sizeof(path), "memory%" PRIu32 "", b->id);
	r = mt_dir_open(&d, mem_fd, path, false);
	if (r < 0)
		return 0; /* the block vanished (hot-remove) or is unreadable */
	while ((r = mt_dir_next(&d, &name, NULL)) > 0) {
		unsigned long nid;

		if (mt_parse_indexed_name(name, "node", &nid) && nid <= INT32_MAX &&
		    (r = block_add_node(b, (int)nid)) < 0)
			break;
	}
	mt_dir_close(&d);
	return r < 0 && r != -ENOMEM ? 0 : r;
}

static void read_block_attrs(struct mt_block *b, int mem_fd, unsigned want)
{
	char path[48], buf[128];

	if (want & MT_WANT_STATE) {
		snprintf(path, sizeof(path), "memory%" PRIu32 "/state", b->id);
		if (mt_read_attr(mem_fd, path, buf, sizeof(buf)) >= 0)
			b->state = (uint8_t)mt_state_parse(buf);
	}
	if (want & MT_WANT_ZONES) {
		snprintf(path, sizeof(path), "memory%" PRIu32 "/valid_zones", b->id);
		if (mt_read_attr(mem_fd, path, buf, sizeof(buf)) < 0 ||
		    !mt_zones_parse(buf, b->zones, &b->nzones))
			b->nzones = MT_ZONES_UNKNOWN;
	}
	/* Only on request: reading it crashed pre-5.7 kernels (see kernel.md). */
	if (want & MT_WANT_REMOVABLE) {
		snprintf(path, sizeof(path), "memory%" PRIu32 "/removable", b->id);
		if (mt_read_attr(mem_fd, path, buf, sizeof(buf)) >= 0 && buf[0] && !buf[1] &&
		    (buf[0] == '0' || buf[0] == '1'))
			b->removable = (int8_t)(buf[0] - '0');
	}
}

/* Below this, starting a thread costs more than the reads it saves. */
#define BLOCKS_PER_THREAD 2048

struct read_ctx {
	struct mt_snapshot *s;
	int mem_fd;
};

/* Per-block reads for blocks [lo, hi); slices touch disjoint blocks. */
static int read_blocks(size_t lo, size_t hi, void *arg)
{
	const struct read_ctx *c = arg;
	unsigned want = c->s->want;

	for (size_t i = lo; i < hi; i++) {
		struct mt_block *b = &c->s->blocks[i];

		if ((want & MT_WANT_NODES) && b->nnodes == 0) {
			int r = read_forward_links(b, c->mem_fd);

			if (r < 0)
				return r;
		}
		read_block_attrs(b, c->mem_fd, want);
	}
	return 0;
}

static char *read_policy(int dirfd, const char *path)
{
	char buf[64];

	if (dirfd < 0 || mt_read_attr(dirfd, path, buf, sizeof(buf)) <= 0)
		return NULL;
	return strdup(buf);
}

int mt_snapshot_read(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out,
		     struct mt_error *error)
{
	struct mt_snapshot *s;
	int r;

	if (sr->mem_fd < 0) {
		set_error(error, sr->mem_err ? sr->mem_err : -ENOENT, MT_SYSFS_MEMORY);
		return error ? error->err : -ENOENT;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->want = want;
	s->block_size_err = read_block_size(s, sr->mem_fd);

	r = list_blocks(s, sr->mem_fd);
	if (r < 0) {
		set_error(error, r, MT_SYSFS_MEMORY);
		goto fail;
	}
	if (want & MT_WANT_NODES) {
		s->have_node_dir = sr->node_fd >= 0;
		if (s->have_node_dir && (r = read_back_links(s, sr->node_fd)) < 0) {
			set_error(error, r, MT_SYSFS_NODE);
			goto fail;
		}
	}
	r = mt_parallel_for(s->nblocks, BLOCKS_PER_THREAD, read_blocks,
			    &(struct read_ctx){.s = s, .mem_fd = sr->mem_fd});
	if (r < 0) {
		set_error(error, r, MT_SYSFS_MEMORY);
		goto fail;
	}

	if (want & MT_WANT_POLICY) {
		s->auto_online_blocks = read_policy(sr->mem_fd, "auto_online_blocks");
		s->online_policy =
			read_policy(sr->sys_fd, "module/memory_hotplug/parameters/online_policy");
	}
	*out = s;
	return 0;
fail:
	mt_snapshot_free(s);
	return r;
}

void mt_snapshot_free(struct mt_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nblocks; i++)
		free(s->blocks[i].nodes);
	free(s->blocks);
	free(s->auto_online_blocks);
	free(s->online_policy);
	free(s);
}
