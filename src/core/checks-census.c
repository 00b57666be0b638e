// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unmovable-pages: from the page census, how many online blocks of each
 * node and zone are unlikely to go offline: what a hot-remove plan needs,
 * since the kernel's removable attribute always said 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checks-internal.h"

#define ID "unmovable-pages"

/* The zone an online block is in, for grouping and for people. */
static const char *block_zone(const struct mt_block *b)
{
	if (b->nzones != 1)
		return "unknown zone";
	return b->zones[0] == MT_ZONE_NONE ? "several zones" : mt_zone_name(b->zones[0]);
}

static void group_key(const struct mt_block *b, char *key, size_t size)
{
	snprintf(key, size, "%d|%s", b->nnodes == 1 ? b->node : -1, block_zone(b));
}

static bool online(const struct mt_block *b)
{
	return b->state == MT_STATE_ONLINE;
}

static int describe(const struct mt_snapshot *s, struct mt_finding *f)
{
	struct mt_census sum = { 0 };
	size_t total = 0;
	char where[48], blocks[256];
	const char *zone = strchr(f->key, '|') + 1;

	/* The group's online blocks, and the pages that make its blocks stay. */
	for (size_t i = 0; i < s->nblocks; i++) {
		char key[48];

		if (!online(&s->blocks[i]))
			continue;
		group_key(&s->blocks[i], key, sizeof(key));
		if (strcmp(key, f->key) != 0)
			continue;
		total++;
		if (mt_block_verdict(s, i) == MT_VERDICT_UNLIKELY) {
			sum.unmovable += s->census[i].unmovable;
			sum.unknown += s->census[i].unknown;
		}
	}
	if (f->nnodes == 1)
		snprintf(where, sizeof(where), "node%d %s", f->nodes[0], zone);
	else
		snprintf(where, sizeof(where), "%s", zone);
	mt_format_blocks(f->blocks, f->nblocks, 8, blocks, sizeof(blocks));
	return mt_finding_set_message(f,
				      "%s unlikely to go offline: %zu of the %zu online "
				      "blocks of %s (%" PRIu64 " unmovable page%s: slab, page "
				      "tables, reserved, mlocked off the LRU, poisoned or "
				      "offline; %" PRIu64 " page%s without flags)",
				      blocks, f->nblocks, total, where, sum.unmovable,
				      sum.unmovable == 1 ? "" : "s", sum.unknown,
				      sum.unknown == 1 ? "" : "s")
		       ?: mt_finding_set_hint(
				  f, "plan a hot-remove around these blocks (memtopo offline "
				     "tries likely blocks first); memtopo show BLOCK gives a "
				     "block's census");
}

CHECK_FN(check_unmovable_pages)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_block *b = &s->blocks[i];
		char key[48];

		if (!online(b) || mt_block_verdict(s, i) != MT_VERDICT_UNLIKELY)
			continue;
		group_key(b, key, sizeof(key));
		r = mt_group_add(out, ID, MT_SEV_INFO, key, b->id, mt_block_nodes(s, b),
				 b->nnodes == 1 ? 1 : 0);
	}
	FOREACH_FINDING(out, ID, f)
	r = r ?: describe(s, f);
	return r;
}
