/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots built in memory for the unit tests of ranges and plan: only the
 * fields those modules read (blocks, block size, node sets, verdicts,
 * MemAvailable). Nothing is read from or written to any file.
 */
#ifndef MEMTOPO_UNIT_SNAP_H
#define MEMTOPO_UNIT_SNAP_H

#include "unit.h"

#include "core/snapshot.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* n blocks with the given ids (ascending): online, node 0, valid_zones "Normal". */
static struct mt_snapshot *snap_ids(unsigned long block_size, const uint32_t *ids, size_t n)
{
	struct mt_snapshot *s = calloc(1, sizeof(*s));

	if (!s || !(s->blocks = calloc(n ? n : 1, sizeof(*s->blocks))))
		abort();
	s->block_size = block_size;
	s->nblocks = n;
	s->page_size = 4096;
	for (size_t i = 0; i < n; i++)
		s->blocks[i] = (struct mt_block){ .id = ids[i],
						  .node = 0,
						  .nnodes = 1,
						  .state = MT_STATE_ONLINE,
						  .removable = -1,
						  .nzones = 1,
						  .zones = { MT_ZONE_NORMAL } };
	return s;
}

/* Blocks first..first+n-1. */
static struct mt_snapshot *snap_new(unsigned long block_size, uint32_t first, size_t n)
{
	uint32_t *ids = calloc(n ? n : 1, sizeof(*ids));
	struct mt_snapshot *s;

	if (!ids)
		abort();
	for (size_t i = 0; i < n; i++)
		ids[i] = first + (uint32_t)i;
	s = snap_ids(block_size, ids, n);
	free(ids);
	return s;
}

static struct mt_block *blk(struct mt_snapshot *s, uint32_t id)
{
	long i = mt_snapshot_find(s, id);

	if (i < 0) {
		fprintf(stderr, "no block %u in the test snapshot\n", id);
		abort();
	}
	return &s->blocks[i];
}

/* Blocks first..last (inclusive) take state st. */
static void set_state(struct mt_snapshot *s, uint32_t first, uint32_t last, enum mt_state st)
{
	for (uint32_t id = first; id <= last; id++)
		blk(s, id)->state = (uint8_t)st;
}

/* Blocks first..last: valid_zones z0 (and z1 unless MT_ZONE_COUNT); nz < 0: unreadable. */
static void set_zones(struct mt_snapshot *s, uint32_t first, uint32_t last, int nz, enum mt_zone z0,
		      enum mt_zone z1)
{
	for (uint32_t id = first; id <= last; id++) {
		struct mt_block *b = blk(s, id);

		b->nzones = nz < 0 ? MT_ZONES_UNKNOWN : (uint8_t)nz;
		memset(b->zones, 0, sizeof(b->zones));
		b->zones[0] = (uint8_t)z0;
		b->zones[1] = (uint8_t)z1;
	}
}

/* Blocks first..last linked to one node (-1: none). */
static void set_node(struct mt_snapshot *s, uint32_t first, uint32_t last, int node)
{
	for (uint32_t id = first; id <= last; id++) {
		blk(s, id)->node = node;
		blk(s, id)->nnodes = node < 0 ? 0 : 1;
	}
}

/* One block linked to several nodes (ascending), as the snapshot reader keeps it. */
static void set_nodes(struct mt_snapshot *s, uint32_t id, const int *nodes, uint8_t n)
{
	struct mt_block *b = blk(s, id);
	int *copy = malloc(n * sizeof(*copy));

	s->node_sets = realloc(s->node_sets, (s->nnode_sets + 1) * sizeof(*s->node_sets));
	if (!copy || !s->node_sets)
		abort();
	memcpy(copy, nodes, n * sizeof(*copy));
	s->node_sets[s->nnode_sets] = copy;
	b->node = (int)s->nnode_sets++;
	b->nnodes = n;
}

/* The page census verdict of one block (the others: unknown). */
static void set_verdict(struct mt_snapshot *s, uint32_t id, enum mt_verdict v)
{
	if (!s->verdict && !(s->verdict = calloc(s->nblocks ? s->nblocks : 1, 1)))
		abort();
	s->verdict[mt_snapshot_find(s, id)] = (uint8_t)v;
}

#endif
