// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the memory-block snapshot. The costs are what `list` is judged
 * on: one directory pass over memory/, one per node directory, and one
 * open+read+close per attribute asked for. A block's own directory is read
 * only when no node links back to it.
 */
#include <stdio.h>
#include <string.h>

#include "memtopo/macro.h"
#include "memtopo/snapshot.h"

static void set_error(struct mt_error *e, int err, const char *path)
{
	if (!e)
		return;
	e->err = err;
	snprintf(e->path, sizeof(e->path), "%s", path);
}

static int cmp_block(const void *a, const void *b)
{
	const struct mt_block *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
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

static int list_blocks(struct mt_snapshot *s, int mem_fd)
{
	struct mt_dir d;
	const char *name;
	unsigned char type;
	size_t cap = 0;
	int r;

	r = mt_dir_open(&d, mem_fd, ".", true);
	if (r < 0)
		return r;
	while ((r = mt_dir_next(&d, &name, &type)) > 0) {
		unsigned long id;

		if (type != DT_DIR && type != DT_UNKNOWN && type != DT_LNK)
			continue;
		if (!mt_parse_indexed_name(name, "memory", &id))
			continue;
		if (s->nblocks == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct mt_block *nb = realloc(s->blocks, ncap * sizeof(*nb));

			if (!nb) {
				r = -ENOMEM;
				break;
			}
			s->blocks = nb;
			cap = ncap;
		}
		s->blocks[s->nblocks++] = (struct mt_block){
			.id = id, .state = MT_STATE_UNKNOWN, .removable = -1,
			.nzones = MT_ZONES_UNKNOWN, .node = -1};
	}
	mt_dir_close(&d);
	if (r < 0)
		return r;
	qsort(s->blocks, s->nblocks, sizeof(*s->blocks), cmp_block);
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

	snprintf(path, sizeof(path), "memory%lu", b->id);
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
		snprintf(path, sizeof(path), "memory%lu/state", b->id);
		if (mt_read_attr(mem_fd, path, buf, sizeof(buf)) >= 0)
			b->state = (uint8_t)mt_state_parse(buf);
	}
	if (want & MT_WANT_ZONES) {
		snprintf(path, sizeof(path), "memory%lu/valid_zones", b->id);
		if (mt_read_attr(mem_fd, path, buf, sizeof(buf)) < 0 ||
		    !mt_zones_parse(buf, b->zones, &b->nzones))
			b->nzones = MT_ZONES_UNKNOWN;
	}
	/* Only on request: reading it crashed pre-5.7 kernels (see kernel.md). */
	if (want & MT_WANT_REMOVABLE) {
		snprintf(path, sizeof(path), "memory%lu/removable", b->id);
		if (mt_read_attr(mem_fd, path, buf, sizeof(buf)) >= 0 && buf[0] && !buf[1] &&
		    (buf[0] == '0' || buf[0] == '1'))
			b->removable = (int8_t)(buf[0] - '0');
	}
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
		for (size_t i = 0; i < s->nblocks; i++) {
			if (s->blocks[i].nnodes)
				continue;
			r = read_forward_links(&s->blocks[i], sr->mem_fd);
			if (r < 0) {
				set_error(error, r, MT_SYSFS_MEMORY);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < s->nblocks; i++)
		read_block_attrs(&s->blocks[i], sr->mem_fd, want);

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
