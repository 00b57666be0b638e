// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <errno.h>

#include "core/ranges.h"

/* Block j's DRC index is block i's plus the blocks between them (or neither has an LMB). */
static bool drc_follows(const struct mt_snapshot *s, size_t i, size_t j)
{
	const struct mt_lmb *a = mt_block_lmb(s, i), *b = mt_block_lmb(s, j);

	if (!mt_lmb_has_drc(a) || !mt_lmb_has_drc(b))
		return !mt_lmb_has_drc(a) && !mt_lmb_has_drc(b);
	return (uint64_t)b->drc_index - a->drc_index == (uint64_t)s->blocks[j].id - s->blocks[i].id;
}

/* The MT_SPLIT_* attributes on which blocks i and j differ. */
static unsigned block_diff(const struct mt_snapshot *s, const uint32_t *flags, size_t i, size_t j)
{
	const struct mt_block *a = &s->blocks[i], *b = &s->blocks[j];
	unsigned d = 0;

	if (a->state != b->state)
		d |= MT_SPLIT_STATE;
	if (!mt_block_nodes_equal(s, a, b))
		d |= MT_SPLIT_NODE;
	if (!mt_block_zones_equal(a, b))
		d |= MT_SPLIT_ZONES;
	if (a->removable != b->removable)
		d |= MT_SPLIT_REMOVABLE;
	if (flags && flags[i] != flags[j])
		d |= MT_SPLIT_FLAGS;
	/* The same word for different reasons is not the same verdict. */
	if (mt_block_offline_verdict(s, i) != mt_block_offline_verdict(s, j) ||
	    mt_block_offline_reason(s, i) != mt_block_offline_reason(s, j))
		d |= MT_SPLIT_VERDICT;
	if (mt_block_source(s, i) != mt_block_source(s, j) ||
	    (s->origin && s->origin[i].device != s->origin[j].device))
		d |= MT_SPLIT_ORIGIN;
	if (!drc_follows(s, i, j))
		d |= MT_SPLIT_DRC;
	return d;
}

static bool joins(const struct mt_snapshot *s, const uint32_t *flags, const struct mt_range *r,
		  size_t i, unsigned split)
{
	const struct mt_block *prev = &s->blocks[r->last], *b = &s->blocks[i];

	if (r->last + 1 != i || prev->id + 1 != b->id)
		return false;
	/* A block on several nodes stands apart: lsmem silently hides it. */
	if (prev->nnodes > 1 || b->nnodes > 1)
		return false;
	return (block_diff(s, flags, r->first, i) & split) == 0;
}

int mt_ranges_build(const struct mt_snapshot *s, const bool *selected, const uint32_t *flags,
		    unsigned split, bool per_block, struct mt_range **out, size_t *n)
{
	struct mt_range *ranges = NULL;
	size_t count = 0, cap = 0;

	for (size_t i = 0; i < s->nblocks; i++) {
		struct mt_range *r = count ? &ranges[count - 1] : NULL;

		if (selected && !selected[i])
			continue;
		if (r && !per_block && joins(s, flags, r, i, split)) {
			r->mixed |= block_diff(s, flags, r->first, i);
			r->last = i;
			continue;
		}
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct mt_range *nr = realloc(ranges, ncap * sizeof(*nr));

			if (!nr) {
				free(ranges);
				return -ENOMEM;
			}
			ranges = nr;
			cap = ncap;
		}
		ranges[count++] = (struct mt_range){ .first = i, .last = i };
	}
	*out = ranges;
	*n = count;
	return 0;
}

uint64_t mt_range_start(const struct mt_snapshot *s, const struct mt_range *r)
{
	uint64_t v;

	if (__builtin_mul_overflow((uint64_t)s->blocks[r->first].id, s->block_size, &v))
		return UINT64_MAX;
	return v;
}

uint64_t mt_range_end(const struct mt_snapshot *s, const struct mt_range *r)
{
	uint64_t v;

	if (__builtin_mul_overflow((uint64_t)s->blocks[r->last].id + 1, s->block_size, &v))
		return UINT64_MAX;
	return v - 1;
}
