/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One picture of the machine's memory blocks, read once. The caller says
 * what it needs (MT_WANT_*): `list` with its default columns must not pay
 * for what only `check` reads, and never reads `removable` unless asked.
 */
#ifndef MEMTOPO_SNAPSHOT_H
#define MEMTOPO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memtopo/sysfs.h"

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

/*
 * An offline block lists at most three zones (default, kernel, Movable);
 * anything longer is not what a kernel writes and reads as unknown.
 */
#define MT_MAX_ZONES     4
#define MT_ZONES_UNKNOWN 0xff
/* More node links than this on one block is not a machine, it is garbage. */
#define MT_MAX_BLOCK_NODES 255

enum mt_want {
	MT_WANT_STATE = 1u << 0,
	MT_WANT_ZONES = 1u << 1,
	MT_WANT_NODES = 1u << 2,
	MT_WANT_REMOVABLE = 1u << 3,
	MT_WANT_POLICY = 1u << 4, /* auto_online_blocks, online_policy */
};

/* 24 bytes: a 65,536-block machine costs 1.5 MiB, less than lsmem keeps. */
struct mt_block {
	uint32_t id;     /* block ids fit: 2^52 bytes of address / 16 MiB blocks */
	int node;        /* the node when nnodes == 1, else -1 */
	uint8_t state;   /* enum mt_state */
	int8_t removable; /* 0 / 1, -1 when unknown or not read */
	uint8_t nzones;  /* MT_ZONES_UNKNOWN when valid_zones is unreadable */
	uint8_t zones[MT_MAX_ZONES]; /* enum mt_zone, in the kernel's order */
	uint8_t nnodes;  /* node links found */
	int *nodes;      /* all of them, sorted, when nnodes > 1 */
};

struct mt_snapshot {
	unsigned want;
	unsigned long block_size; /* 0 when block_size_err is set */
	int block_size_err;       /* -ENOENT missing, -EINVAL garbage or not 2^n */
	struct mt_block *blocks;  /* sorted by id */
	size_t nblocks;
	bool have_node_dir;
	char *auto_online_blocks; /* NULL when absent */
	char *online_policy;      /* NULL when absent (kernels before 5.15) */
};

/*
 * Where a read failed, for the one-line message the command prints.
 * `path` is relative to the sysfs root.
 */
struct mt_error {
	int err;
	char path[128];
};

int mt_snapshot_read(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out,
		     struct mt_error *error);
void mt_snapshot_free(struct mt_snapshot *s);

/* Index of block ID in s->blocks, or -1. */
long mt_snapshot_find(const struct mt_snapshot *s, unsigned long id);

/* Block ids are stored in 32 bits; a larger one is not a real block. */
#define MT_BLOCK_ID_MAX UINT32_MAX

/* The nodes of a block as an array (one element, or b->nodes). */
static inline const int *mt_block_nodes(const struct mt_block *b)
{
	return b->nnodes > 1 ? b->nodes : &b->node;
}

const char *mt_state_name(enum mt_state s);
const char *mt_zone_name(enum mt_zone z);
enum mt_state mt_state_parse(const char *s);
/* Parse a valid_zones line; false when a token is not a zone name. */
bool mt_zones_parse(const char *s, uint8_t zones[MT_MAX_ZONES], uint8_t *nzones);
bool mt_block_zones_equal(const struct mt_block *a, const struct mt_block *b);
bool mt_block_nodes_equal(const struct mt_block *a, const struct mt_block *b);

#endif
