// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Node links, both directions. list needs one node per block, cheaply: the
 * back-links (one directory pass per node) and a block's own directory only
 * when nothing links back. check needs both directions kept apart, since a
 * link that exists one way only is what hot-remove leaves behind
 * (kernel.md, bug (b)), and the back-links to blocks that are gone.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "shared/macro.h"
#include "shared/grow.h"
#include "snapshot-internal.h"

/* A second node for a block: its list goes to the snapshot's node_sets. */
static int start_node_set(struct mt_snapshot *s, struct mt_block *b)
{
	int *ids = malloc(sizeof(int));

	if (!ids)
		return -ENOMEM;
	ids[0] = b->node;
	/* Every block may have two nodes (a capture can say so): no realloc each. */
	if (mt_grow(&s->node_sets, s->nnode_sets, sizeof(*s->node_sets)) < 0) {
		free(ids);
		return -ENOMEM;
	}
	s->node_sets[s->nnode_sets] = ids;
	b->node = (int)s->nnode_sets++;
	return 0;
}

static int add_locked(struct mt_snapshot *s, struct mt_block *b, int node)
{
	struct mt_nodeset set;
	int r;

	if (b->nnodes == 1 && (r = start_node_set(s, b)) < 0)
		return r;
	set = (struct mt_nodeset){ .n = b->nnodes, .ids = s->node_sets[b->node] };
	r = mt_nodeset_add(&set, node);
	s->node_sets[b->node] = set.ids;
	b->nnodes = set.n;
	return r;
}

/*
 * Add to the block's union of nodes (what list shows). Several blocks'
 * forward links are read at once on worker threads; the shared node_sets
 * are touched under the lock, and only for the rare multi-node block.
 */
static int block_add_node(struct mt_snapshot *s, struct mt_block *b, int node)
{
	int r;

	if (b->nnodes == 0) {
		b->node = node;
		b->nnodes = 1;
		return 0;
	}
	if (b->nnodes == 1 && b->node == node)
		return 0;
	pthread_mutex_lock(&s->node_sets_lock);
	r = mt_nodeset_contains(
		    &(struct mt_nodeset){ .n = b->nnodes, .ids = (int *)mt_block_nodes(s, b) },
		    node) || b->nnodes == MT_MAX_BLOCK_NODES
		    ? 0
		    : add_locked(s, b, node);
	pthread_mutex_unlock(&s->node_sets_lock);
	return r;
}

static int add_orphan(struct mt_snapshot *s, int node, unsigned long id)
{
	if (id > MT_BLOCK_ID_MAX)
		return 0;
	if (mt_grow(&s->orphans, s->norphans, sizeof(*s->orphans)) < 0)
		return -ENOMEM;
	s->orphans[s->norphans++] = (struct mt_orphan_link){ .node = node, .block = (uint32_t)id };
	return 0;
}

static int add_node_dir(void *arg, int node)
{
	struct mt_snapshot *s = arg;
	if (mt_grow(&s->node_dirs, s->nnode_dirs, sizeof(*s->node_dirs)) < 0)
		return -ENOMEM;
	s->node_dirs[s->nnode_dirs++] = node;
	return 0;
}

static int back_link(void *arg, int node, unsigned long id)
{
	struct mt_snapshot *s = arg;
	long idx = mt_snapshot_find(s, id);
	int r;

	if (idx < 0)
		return s->detail ? add_orphan(s, node, id) : 0;
	r = block_add_node(s, &s->blocks[idx], node);
	if (r == 0 && s->detail)
		r = mt_nodeset_add(&s->detail[idx].back, node);
	return r;
}

/*
 * Every nodeN directory under node_fd (on_node, when set, sees each one,
 * readable or not) and every memoryM link in it (on_link). A node
 * directory that cannot be read links nothing.
 */
struct link_walk {
	int (*on_node)(void *arg, int node);
	int (*on_link)(void *arg, int node, unsigned long id);
	void *arg;
};

static int walk_node_dir(int node_fd, const char *name, int node, const struct link_walk *w)
{
	struct mt_dir d;
	const char *entry;
	int r;

	if (mt_dir_open(&d, node_fd, name, MT_DIR_LARGE) < 0)
		return 0;
	while ((r = mt_dir_next(&d, &entry, NULL)) > 0) {
		unsigned long id;

		if (mt_parse_indexed_name(entry, "memory", &id) &&
		    (r = w->on_link(w->arg, node, id)) < 0)
			break;
	}
	mt_dir_close(&d);
	return r;
}

static int walk_back_links(int node_fd, const struct link_walk *w)
{
	struct mt_dir nodes;
	const char *name;
	int r;

	r = mt_dir_open(&nodes, node_fd, ".", 0);
	if (r < 0)
		return r;
	while ((r = mt_dir_next(&nodes, &name, NULL)) > 0) {
		unsigned long nid;

		if (!mt_parse_indexed_name(name, "node", &nid) || nid > INT32_MAX)
			continue;
		if ((w->on_node && (r = w->on_node(w->arg, (int)nid)) < 0) ||
		    (r = walk_node_dir(node_fd, name, (int)nid, w)) < 0)
			break;
	}
	mt_dir_close(&nodes);
	return r;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct id_list {
	uint32_t *ids;
	size_t n;
};

static int collect_id(void *arg, int node, unsigned long id)
{
	struct id_list *l = arg;

	(void)node;
	if (id > MT_BLOCK_ID_MAX)
		return 0;
	/* Not a realloc per block: a node of 50,000 blocks (copies under ASan). */
	if (mt_grow(&l->ids, l->n, sizeof(*l->ids)) < 0)
		return -ENOMEM;
	l->ids[l->n++] = (uint32_t)id;
	return 0;
}

int mt_links_block_ids(int node_fd, uint32_t **ids, size_t *n)
{
	struct id_list l = { 0 };
	size_t kept = 0;
	int r = walk_back_links(node_fd, &(struct link_walk){ .on_link = collect_id, .arg = &l });

	*ids = NULL;
	*n = 0;
	if (r < 0) {
		free(l.ids);
		return r;
	}
	if (l.n)
		qsort(l.ids, l.n, sizeof(*l.ids), cmp_u32);
	for (size_t i = 0; i < l.n; i++)
		if (kept == 0 || l.ids[kept - 1] != l.ids[i])
			l.ids[kept++] = l.ids[i];
	*ids = l.ids;
	*n = kept;
	return 0;
}

int mt_links_read_back(struct mt_snapshot *s, int node_fd)
{
	int r = walk_back_links(
		node_fd,
		&(struct link_walk){ .on_node = add_node_dir, .on_link = back_link, .arg = s });

	if (s->nnode_dirs)
		qsort(s->node_dirs, s->nnode_dirs, sizeof(*s->node_dirs), cmp_int);
	return r;
}

int mt_links_read_forward(struct mt_snapshot *s, struct mt_block *b, struct mt_block_detail *d,
			  int fd, unsigned dir_flags)
{
	struct mt_dir dir;
	const char *name;
	int r;

	mt_dir_attach(&dir, fd, dir_flags);
	while ((r = mt_dir_next(&dir, &name, NULL)) > 0) {
		unsigned long nid;

		if (!mt_parse_indexed_name(name, "node", &nid) || nid > INT32_MAX)
			continue;
		/*
		 * A link to a node directory that is not there dangles (check says
		 * so); it names the block's node only where no node directory
		 * was captured at all (the util-linux dumps).
		 */
		if ((!s->have_node_dir || mt_snapshot_has_node_dir(s, (int)nid)) &&
		    (r = block_add_node(s, b, (int)nid)) < 0)
			break;
		if (d && (r = mt_nodeset_add(&d->fwd, (int)nid)) < 0)
			break;
	}
	mt_dir_close(&dir);
	/* A read error midway leaves what was found; only ENOMEM is fatal. */
	return r == -ENOMEM ? r : 0;
}
