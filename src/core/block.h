/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A memory block as memtopo keeps it: its record, the values its state and
 * valid_zones attributes take, and small sets of node ids (block.c).
 */
#ifndef MEMTOPO_CORE_BLOCK_H
#define MEMTOPO_CORE_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

enum mt_state {
	MT_STATE_UNKNOWN = 0, /* missing, unreadable or garbage */
	MT_STATE_ONLINE,
	MT_STATE_OFFLINE,
	MT_STATE_GOING_OFFLINE,
};

/* The kernel's zone names, as valid_zones spells them. */
enum mt_zone {
	MT_ZONE_NONE = 0, /* "none": the block spans zones or nodes */
	MT_ZONE_DMA,
	MT_ZONE_DMA32,
	MT_ZONE_NORMAL,
	MT_ZONE_HIGHMEM,
	MT_ZONE_MOVABLE,
	MT_ZONE_DEVICE,
	MT_ZONE_COUNT,
};

const char *mt_state_name(enum mt_state s);
const char *mt_zone_name(enum mt_zone z);
enum mt_state mt_state_parse(const char *s);

/*
 * An offline block lists at most three zones (default, kernel, Movable);
 * anything longer is not what a kernel writes and reads as unknown.
 */
#define MT_MAX_ZONES     4
#define MT_ZONES_UNKNOWN 0xff
/* More node links than this on one block is not a machine, it is garbage. */
#define MT_MAX_BLOCK_NODES 255

/* 16 bytes: a 65,536-block machine costs 1 MiB, less than lsmem keeps. */
struct mt_block {
	uint32_t id; /* block ids fit: 2^52 bytes of address / 16 MiB blocks */
	/*
	 * The node when nnodes == 1 (-1 when 0); with several, the index of
	 * their sorted list in mt_snapshot.node_sets: use mt_block_nodes().
	 */
	int node;
	uint8_t state;               /* enum mt_state */
	int8_t removable;            /* 0 / 1, -1 when unknown or not read */
	uint8_t nzones;              /* MT_ZONES_UNKNOWN when valid_zones is unreadable */
	uint8_t nnodes;              /* node links found */
	uint8_t zones[MT_MAX_ZONES]; /* enum mt_zone, in the kernel's order */
};

/* A small sorted set of node ids. */
struct mt_nodeset {
	uint8_t n;
	int *ids;
};

/* Parse a valid_zones line; false when a token is not a zone name. */
bool mt_zones_parse(const char *s, uint8_t zones[MT_MAX_ZONES], uint8_t *nzones);
bool mt_nodeset_contains(const struct mt_nodeset *set, int node);
/* 0 or -ENOMEM; a set is capped at MT_MAX_BLOCK_NODES. */
int mt_nodeset_add(struct mt_nodeset *set, int node);
void mt_nodeset_free(struct mt_nodeset *set);
bool mt_block_zones_equal(const struct mt_block *a, const struct mt_block *b);

#endif
