// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core/ranges: merging blocks into the ranges `list` prints, on snapshots
 * built in memory. The contract is ranges.h and doc/cli.md "list"
 * (Merging): a range is a run of consecutive block numbers that agree on
 * every split key; a hole or a block left out by a filter ends it; a block
 * linked to several nodes is never merged; -a gives one range per block;
 * `mixed` names the keys whose value differs inside a range.
 */
#include "unit-snap.h"

#include "core/ranges.h"

#define ALL_KEYS                                                                                 \
	(MT_SPLIT_STATE | MT_SPLIT_NODE | MT_SPLIT_ZONES | MT_SPLIT_REMOVABLE | MT_SPLIT_FLAGS | \
	 MT_SPLIT_VERDICT)

struct want {
	uint32_t first, last; /* block ids */
	unsigned mixed;
};

/* Build the ranges and compare them with want[0..nwant). */
static void expect(const char *what, const struct mt_snapshot *s, const bool *selected,
		   const uint32_t *flags, unsigned split, bool per_block, const struct want *want,
		   size_t nwant)
{
	struct mt_range *r = NULL;
	size_t n = 0;

	if (mt_ranges_build(s, selected, flags, split, per_block, &r, &n) != 0) {
		UNIT_FAIL("%s: mt_ranges_build failed", what);
		return;
	}
	if (n != nwant)
		UNIT_FAIL("%s: %zu ranges, want %zu", what, n, nwant);
	for (size_t i = 0; i < n && i < nwant; i++) {
		uint32_t first = s->blocks[r[i].first].id, last = s->blocks[r[i].last].id;

		if (first != want[i].first || last != want[i].last || r[i].mixed != want[i].mixed)
			UNIT_FAIL("%s: range %zu is memory%u-%u mixed 0x%x, want memory%u-%u "
				  "mixed 0x%x",
				  what, i, first, last, r[i].mixed, want[i].first, want[i].last,
				  want[i].mixed);
		if (mt_range_blocks(&r[i]) != (size_t)last - first + 1)
			UNIT_FAIL("%s: range %zu counts %zu blocks", what, i,
				  mt_range_blocks(&r[i]));
	}
	free(r);
}

#define EXPECT(what, s, sel, flags, split, per_block, ...)                                   \
	do {                                                                                 \
		static const struct want w_[] = { __VA_ARGS__ };                             \
		expect(what, s, sel, flags, split, per_block, w_, sizeof(w_) / sizeof(*w_)); \
	} while (0)

static void test_contiguity(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 10);

	EXPECT("uniform", s, NULL, NULL, ALL_KEYS, false, { 0, 9, 0 });
	EXPECT("uniform, no keys", s, NULL, NULL, 0, false, { 0, 9, 0 });
	EXPECT("per block", s, NULL, NULL, ALL_KEYS, true, { 0, 0, 0 }, { 1, 1, 0 }, { 2, 2, 0 },
	       { 3, 3, 0 }, { 4, 4, 0 }, { 5, 5, 0 }, { 6, 6, 0 }, { 7, 7, 0 }, { 8, 8, 0 },
	       { 9, 9, 0 });
	mt_snapshot_free(s);

	/* A hole in the numbers ends a range, whatever the keys. */
	s = snap_ids(128 * MiB, (const uint32_t[]){ 0, 1, 2, 5, 6, 100 }, 6);
	EXPECT("holes", s, NULL, NULL, 0, false, { 0, 2, 0 }, { 5, 6, 0 }, { 100, 100, 0 });
	mt_snapshot_free(s);

	/* Nothing in, nothing out. */
	s = snap_new(128 * MiB, 0, 0);
	{
		struct mt_range *r = NULL;
		size_t n = 7;

		CHECK(mt_ranges_build(s, NULL, NULL, ALL_KEYS, false, &r, &n) == 0);
		CHECK(n == 0);
		free(r);
	}
	mt_snapshot_free(s);
}

/* Each key: the odd block (memory4 of 0-9) splits the range, or, without the key, is mixed in. */
static void test_keys(void)
{
	static const struct {
		const char *name;
		unsigned key;
	} keys[] = {
		{ "state", MT_SPLIT_STATE }, { "node", MT_SPLIT_NODE },
		{ "zones", MT_SPLIT_ZONES }, { "removable", MT_SPLIT_REMOVABLE },
		{ "flags", MT_SPLIT_FLAGS }, { "verdict", MT_SPLIT_VERDICT },
	};
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		struct mt_snapshot *s = snap_new(128 * MiB, 0, 10);
		uint32_t flags[10] = { 0 };
		unsigned key = keys[k].key;
		struct want split[3] = { { 0, 3, 0 }, { 4, 4, 0 }, { 5, 9, 0 } };
		struct want merged[1] = { { 0, 9, key } };

		switch (key) {
		case MT_SPLIT_STATE:
			set_state(s, 4, 4, MT_STATE_OFFLINE);
			break;
		case MT_SPLIT_NODE:
			set_node(s, 4, 4, 1);
			break;
		case MT_SPLIT_ZONES:
			set_zones(s, 4, 4, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);
			break;
		case MT_SPLIT_REMOVABLE:
			blk(s, 4)->removable = 1;
			break;
		case MT_SPLIT_FLAGS:
			flags[4] = 1u << 3;
			break;
		case MT_SPLIT_VERDICT:
			set_verdict(s, 4, MT_VERDICT_UNLIKELY);
			break;
		}
		/* The key alone, and with every other key. */
		expect(keys[k].name, s, NULL, flags, key, false, split, 3);
		expect(keys[k].name, s, NULL, flags, ALL_KEYS, false, split, 3);
		/* Every key but this one: one range, the key mixed. */
		expect(keys[k].name, s, NULL, flags, ALL_KEYS & ~key, false, merged, 1);
		expect(keys[k].name, s, NULL, flags, 0, false, merged, 1);
		mt_snapshot_free(s);
	}
}

/* Smaller differences: what counts as the same value. */
static void test_key_values(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 6);

	/* valid_zones: the whole list counts, its order too ("Normal Movable" is not "Movable
	 * Normal"). */
	set_state(s, 0, 5, MT_STATE_OFFLINE);
	set_zones(s, 0, 1, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);
	set_zones(s, 2, 2, 2, MT_ZONE_MOVABLE, MT_ZONE_NORMAL);
	set_zones(s, 3, 3, 1, MT_ZONE_NORMAL, MT_ZONE_COUNT);
	set_zones(s, 4, 5, -1, MT_ZONE_NONE, MT_ZONE_COUNT); /* unreadable twice: the same */
	EXPECT("zone lists", s, NULL, NULL, MT_SPLIT_ZONES, false, { 0, 1, 0 }, { 2, 2, 0 },
	       { 3, 3, 0 }, { 4, 5, 0 });
	mt_snapshot_free(s);

	/* Nodes: no link is a value of its own; states: all four differ. */
	s = snap_new(128 * MiB, 0, 8);
	set_node(s, 2, 3, -1);
	set_state(s, 5, 5, MT_STATE_GOING_OFFLINE);
	set_state(s, 6, 7, MT_STATE_UNKNOWN);
	EXPECT("nodes and states", s, NULL, NULL, MT_SPLIT_NODE | MT_SPLIT_STATE, false,
	       { 0, 1, 0 }, { 2, 3, 0 }, { 4, 4, 0 }, { 5, 5, 0 }, { 6, 7, 0 });

	/*
	 * Without a flags array there is nothing to split FLAGS on; without a
	 * census every verdict is unknown. Either way one range, mixed in the
	 * keys not asked for.
	 */
	EXPECT("no flags", s, NULL, NULL, MT_SPLIT_FLAGS, false,
	       { 0, 7, MT_SPLIT_NODE | MT_SPLIT_STATE });
	EXPECT("no census", s, NULL, NULL, MT_SPLIT_VERDICT, false,
	       { 0, 7, MT_SPLIT_NODE | MT_SPLIT_STATE });
	mt_snapshot_free(s);

	/* A verdict array where only some differ from the calloc'd unknown. */
	s = snap_new(128 * MiB, 0, 4);
	set_verdict(s, 0, MT_VERDICT_LIKELY);
	set_verdict(s, 1, MT_VERDICT_LIKELY);
	set_verdict(s, 3, MT_VERDICT_NONE);
	EXPECT("verdicts", s, NULL, NULL, MT_SPLIT_VERDICT, false, { 0, 1, 0 }, { 2, 2, 0 },
	       { 3, 3, 0 });
	mt_snapshot_free(s);
}

static void test_multi_node(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 8);

	/* memory3 and memory4 on nodes 0 and 1, alike in every attribute. */
	set_nodes(s, 3, (const int[]){ 0, 1 }, 2);
	set_nodes(s, 4, (const int[]){ 0, 1 }, 2);
	EXPECT("multi-node, all keys", s, NULL, NULL, ALL_KEYS, false, { 0, 2, 0 }, { 3, 3, 0 },
	       { 4, 4, 0 }, { 5, 7, 0 });
	EXPECT("multi-node, -S none", s, NULL, NULL, 0, false, { 0, 2, 0 }, { 3, 3, 0 },
	       { 4, 4, 0 }, { 5, 7, 0 });
	mt_snapshot_free(s);

	/* At either end of the snapshot. */
	s = snap_new(128 * MiB, 0, 3);
	set_nodes(s, 0, (const int[]){ 0, 2 }, 2);
	set_nodes(s, 2, (const int[]){ 1, 2, 3 }, 3);
	EXPECT("multi-node at the ends", s, NULL, NULL, 0, false, { 0, 0, 0 }, { 1, 1, 0 },
	       { 2, 2, 0 });
	mt_snapshot_free(s);
}

static void test_selected(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 8);
	bool sel[8] = { true, true, true, false, true, true, false, false };
	bool none[8] = { false };

	/* A block left out ends the range, even with -S none. */
	EXPECT("selected", s, sel, NULL, 0, false, { 0, 2, 0 }, { 4, 5, 0 });
	EXPECT("selected per block", s, sel, NULL, 0, true, { 0, 0, 0 }, { 1, 1, 0 }, { 2, 2, 0 },
	       { 4, 4, 0 }, { 5, 5, 0 });
	{
		struct mt_range *r = NULL;
		size_t n = 7;

		CHECK(mt_ranges_build(s, none, NULL, 0, false, &r, &n) == 0);
		CHECK(n == 0);
		free(r);
	}
	mt_snapshot_free(s);
}

static void test_mixed(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 6);
	uint32_t flags[6] = { 0, 0, 1, 0, 0, 0 };

	/*
	 * memory1 offline and on node 1, memory2 flagged, memory4 offline again:
	 * merged by contiguity alone, the range is mixed in exactly those keys,
	 * even where a later block agrees with the first again.
	 */
	set_state(s, 1, 1, MT_STATE_OFFLINE);
	set_node(s, 1, 1, 1);
	set_state(s, 4, 4, MT_STATE_OFFLINE);
	EXPECT("mixed", s, NULL, flags, 0, false,
	       { 0, 5, MT_SPLIT_STATE | MT_SPLIT_NODE | MT_SPLIT_FLAGS });

	/* A key that splits is never mixed; the others still are. */
	EXPECT("mixed, split by node", s, NULL, flags, MT_SPLIT_NODE, false, { 0, 0, 0 },
	       { 1, 1, 0 }, { 2, 5, MT_SPLIT_STATE | MT_SPLIT_FLAGS });
	EXPECT("mixed, split by flags", s, NULL, flags, MT_SPLIT_FLAGS, false,
	       { 0, 1, MT_SPLIT_STATE | MT_SPLIT_NODE }, { 2, 2, 0 }, { 3, 5, MT_SPLIT_STATE });
	mt_snapshot_free(s);

	/* Values that return: online, offline, online is still mixed. */
	s = snap_new(128 * MiB, 0, 3);
	set_state(s, 1, 1, MT_STATE_OFFLINE);
	EXPECT("state returns", s, NULL, NULL, MT_SPLIT_NODE, false, { 0, 2, MT_SPLIT_STATE });
	mt_snapshot_free(s);
}

static void test_bounds(void)
{
	struct mt_snapshot *s = snap_ids(128 * MiB, (const uint32_t[]){ 3, 4, 5, 32 }, 4);
	struct mt_range r = { .first = 0, .last = 2 }, one = { .first = 3, .last = 3 };

	CHECK_U64(mt_range_start(s, &r), 3 * 128 * MiB);
	CHECK_U64(mt_range_end(s, &r), 6 * 128 * MiB - 1);
	CHECK(mt_range_blocks(&r) == 3);
	CHECK_U64(mt_range_start(s, &one), 4 * GiB);
	CHECK_U64(mt_range_end(s, &one), 4 * GiB + 128 * MiB - 1);
	mt_snapshot_free(s);

	/* Huge ids from a broken capture: saturate, never wrap. */
	s = snap_ids(1ul << 32, (const uint32_t[]){ 0, UINT32_MAX - 1, UINT32_MAX }, 3);
	r = (struct mt_range){ .first = 2, .last = 2 };
	/* (2^32 - 1) * 2^32 fits; its end is exactly 2^64 - 1 */
	CHECK_U64(mt_range_start(s, &r), UINT64_MAX - ((UINT64_C(1) << 32) - 1));
	CHECK_U64(mt_range_end(s, &r), UINT64_MAX);
	r = (struct mt_range){ .first = 1, .last = 1 };
	CHECK_U64(mt_range_end(s, &r), UINT64_MAX - ((UINT64_C(1) << 32) - 1) - 1);
	mt_snapshot_free(s);

	s = snap_ids(1ul << 33, (const uint32_t[]){ 1ul << 31, UINT32_MAX }, 2);
	r = (struct mt_range){ .first = 0, .last = 0 };
	/* 2^31 * 2^33 = 2^64: both ends past 64 bits */
	CHECK_U64(mt_range_start(s, &r), UINT64_MAX);
	CHECK_U64(mt_range_end(s, &r), UINT64_MAX);
	r = (struct mt_range){ .first = 0, .last = 1 };
	CHECK_U64(mt_range_start(s, &r), UINT64_MAX);
	CHECK_U64(mt_range_end(s, &r), UINT64_MAX);
	/* The block before: (2^31 - 1) * 2^33 fits, its end is 2^64 - 1. */
	mt_snapshot_free(s);

	s = snap_ids(1ul << 33, (const uint32_t[]){ (1ul << 31) - 1 }, 1);
	r = (struct mt_range){ .first = 0, .last = 0 };
	CHECK_U64(mt_range_start(s, &r), UINT64_MAX - ((UINT64_C(1) << 33) - 1));
	CHECK_U64(mt_range_end(s, &r), UINT64_MAX);
	mt_snapshot_free(s);

	/* The last id does not wrap onto block 0 when merging. */
	s = snap_ids(128 * MiB, (const uint32_t[]){ UINT32_MAX - 1, UINT32_MAX }, 2);
	EXPECT("top ids", s, NULL, NULL, ALL_KEYS, false, { UINT32_MAX - 1, UINT32_MAX, 0 });
	mt_snapshot_free(s);
}

int main(void)
{
	test_contiguity();
	test_keys();
	test_key_values();
	test_multi_node();
	test_selected();
	test_mixed();
	test_bounds();
	UNIT_EXIT();
}
