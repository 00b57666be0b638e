/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Merging contiguous memory blocks into ranges, lsmem-style. */
#ifndef MEMTOPO_RANGES_H
#define MEMTOPO_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* Attributes that may split a range (the shown columns, or -S). */
enum mt_split {
	MT_SPLIT_STATE = 1u << 0,
	MT_SPLIT_NODE = 1u << 1,
	MT_SPLIT_ZONES = 1u << 2,
	MT_SPLIT_REMOVABLE = 1u << 3,
	MT_SPLIT_FLAGS = 1u << 4,
	MT_SPLIT_VERDICT = 1u << 5,
	MT_SPLIT_ORIGIN = 1u << 6, /* source and device */
	MT_SPLIT_DRC = 1u << 7,    /* pseries: DRC indexes not consecutive, or one block has none */
};

struct mt_range {
	size_t first, last; /* indices into the snapshot's blocks, inclusive */
	unsigned mixed;     /* MT_SPLIT_* whose value differs inside the range */
};

/*
 * Ranges over the blocks for which selected[i] is true (all when NULL).
 * Blocks merge when their ids are contiguous and they agree on every
 * attribute in `split` (flags[i]: the block's check findings, may be NULL);
 * a block linked to several nodes never merges, and per_block (list -a)
 * gives one range per block.
 */
int mt_ranges_build(const struct mt_snapshot *s, const bool *selected, const uint32_t *flags,
		    unsigned split, bool per_block, struct mt_range **out, size_t *n);

/* First and last byte (saturating: ids in a broken capture can be huge). */
uint64_t mt_range_start(const struct mt_snapshot *s, const struct mt_range *r);
uint64_t mt_range_end(const struct mt_snapshot *s, const struct mt_range *r);

static inline size_t mt_range_blocks(const struct mt_range *r)
{
	return r->last - r->first + 1;
}

#endif
