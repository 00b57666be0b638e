// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Node links: a block linked to several nodes, links left one-sided or
 * dangling after hot-remove (kernel.md, bugs (a) and (b)).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checks-internal.h"

#define ID_MULTI "multi-node-link"

/* Why a block has several node links, from what the snapshot shows. */
enum multi_verdict {
	MULTI_BOGUS_OFFLINE, /* an offline block belongs to no zone span at all */
	MULTI_BOGUS_ZONE,    /* online in one zone: a two-node block reads "none" */
	MULTI_BOGUS_SPAN,    /* zoneinfo puts the block on one node only */
	MULTI_GENUINE,       /* online, "none", and its range meets each node */
	MULTI_UNDECIDED,     /* the capture lacks the evidence */
};

static const char *const verdict_keys[] = { "offline", "zone", "span", "genuine", "undecided" };

/* 1: the range meets every linked node's span; 0: it misses one; -1: no zoneinfo. */
static int spans_each_node(const struct mt_check_ctx *ctx, size_t i)
{
	const struct mt_block *b = &ctx->s->blocks[i];
	const int *nodes = mt_block_nodes(ctx->s, b);
	uint64_t first = mt_block_first_byte(ctx->s, i), last = mt_block_last_byte(ctx->s, i);
	unsigned meets = 0;

	if (!(ctx->evidence & MT_EV_ZONEINFO))
		return -1;
	for (unsigned k = 0; k < b->nnodes; k++) {
		uint64_t start, end;

		if (mt_node_span(ctx->s, nodes[k], &start, &end) && start <= last && end > first)
			meets++;
	}
	return meets == b->nnodes ? 1 : 0;
}

static bool zones_are_none(const struct mt_block *b)
{
	return b->nzones == 1 && b->zones[0] == MT_ZONE_NONE;
}

static enum multi_verdict judge(const struct mt_check_ctx *ctx, size_t i, char *missing,
				size_t size)
{
	const struct mt_block *b = &ctx->s->blocks[i];
	int spans = spans_each_node(ctx, i);
	/* A block going offline is online until the offline completes. */
	bool online = b->state == MT_STATE_ONLINE || b->state == MT_STATE_GOING_OFFLINE;

	missing[0] = '\0';
	if (b->state == MT_STATE_OFFLINE)
		return MULTI_BOGUS_OFFLINE;
	if (online && b->nzones != MT_ZONES_UNKNOWN && !zones_are_none(b))
		return MULTI_BOGUS_ZONE;
	if (spans == 0)
		return MULTI_BOGUS_SPAN;
	if (online && zones_are_none(b) && spans == 1)
		return MULTI_GENUINE;
	{
		const char *what[3];
		size_t n = 0, len = 0;

		if (b->state == MT_STATE_UNKNOWN)
			what[n++] = "state";
		if (b->nzones == MT_ZONES_UNKNOWN)
			what[n++] = "valid_zones";
		if (spans < 0)
			what[n++] = "/proc/zoneinfo";
		for (size_t k = 0; k < n && len < size; k++)
			len += (size_t)snprintf(missing + len, size - len, "%s%s",
						k == 0       ? ""
						: k + 1 == n ? " or "
							     : ", ",
						what[k]);
	}
	return MULTI_UNDECIDED;
}

static const enum mt_severity verdict_severity[] = {
	[MULTI_BOGUS_OFFLINE] = MT_SEV_ERROR, [MULTI_BOGUS_ZONE] = MT_SEV_ERROR,
	[MULTI_BOGUS_SPAN] = MT_SEV_ERROR,    [MULTI_GENUINE] = MT_SEV_INFO,
	[MULTI_UNDECIDED] = MT_SEV_WARNING,
};

static int describe_multi(struct mt_finding *f)
{
	char subj[256], nodes[128];
	const char *key = f->key, *missing = strchr(key, '|') + 1;
	int r;

	mt_blocks_subject(f, subj, sizeof(subj));
	mt_format_nodes(f->nodes, f->nnodes, nodes, sizeof(nodes));
	if (strncmp(key, "genuine", 7) == 0) {
		r = mt_finding_set_message(f,
					   "%s linked to %s: a NUMA boundary inside the block "
					   "(online, valid_zones none, zoneinfo puts part of it "
					   "on each node)",
					   subj, nodes);
		return r
			       ?: mt_finding_set_hint(
					  f, "nothing to repair; the kernel cannot offline "
					     "such a block (EINVAL), leave it out of hot-remove "
					     "plans");
	}
	if (strncmp(key, "undecided", 9) == 0) {
		r = mt_finding_set_message(f,
					   "%s linked to %s; without %s this capture cannot "
					   "tell a NUMA boundary inside the block from the "
					   "boot-time double-link bug",
					   subj, nodes, missing);
		return r
			       ?: mt_finding_set_hint(
					  f, "run memtopo check on the live machine, where "
					     "state, valid_zones and /proc/zoneinfo decide it");
	}
	if (strncmp(key, "offline", 7) == 0)
		r = mt_finding_set_message(f,
					   "%s offline yet linked to %s: an offline block "
					   "belongs to one node, a link is bogus",
					   subj, nodes);
	else if (strncmp(key, "zone", 4) == 0)
		r = mt_finding_set_message(f,
					   "%s online in a single zone yet linked to %s: a "
					   "block spanning nodes reads valid_zones none, a link "
					   "is bogus",
					   subj, nodes);
	else
		r = mt_finding_set_message(f,
					   "%s linked to %s but /proc/zoneinfo puts the whole "
					   "block on one of them: a link is bogus",
					   subj, nodes);
	return r
		       ?: mt_finding_set_hint(f,
					      "the boot-time linking bug (fixed in 5.9, 4.19.150, "
					      "5.4.70): do not hot-add or online memory on these "
					      "nodes before a reboot into a fixed kernel, a later "
					      "hot-add has hit a kernel BUG");
}

CHECK_FN(check_multi_node_link)
{
	const struct mt_snapshot *s = ctx->s;
	int r;

	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];
		char key[160], missing[64], nodes[64];
		enum multi_verdict v;

		if (b->nnodes < 2)
			continue;
		v = judge(ctx, i, missing, sizeof(missing));
		/* Group by verdict, what is missing and the node set. */
		mt_format_nodes(mt_block_nodes(ctx->s, b), b->nnodes, nodes, sizeof(nodes));
		snprintf(key, sizeof(key), "%s|%s|%s", verdict_keys[v], missing, nodes);
		r = mt_group_add(out, ID_MULTI, verdict_severity[v], key, b->id,
				 mt_block_nodes(ctx->s, b), b->nnodes);
		if (r < 0)
			return r;
	}
	FOREACH_FINDING(out, ID_MULTI, f)
	{
		/* The key is "verdict|missing|nodes": cut the nodes for the message. */
		char *bar = strrchr(f->key, '|');

		*bar = '\0';
		if ((r = describe_multi(f)) < 0)
			return r;
	}
	return 0;
}

/* One finding per node for links that exist in one direction only. */
static int one_sided(const struct mt_check_ctx *ctx, struct mt_findings *out, const char *id,
		     enum mt_severity sev, bool back_without_fwd)
{
	const struct mt_snapshot *s = ctx->s;

	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block_detail *d = &s->detail[i];
		const struct mt_nodeset *have = back_without_fwd ? &d->back : &d->fwd;
		const struct mt_nodeset *want = back_without_fwd ? &d->fwd : &d->back;

		for (unsigned k = 0; k < have->n; k++) {
			char key[16];
			int node = have->ids[k], r;

			/* A forward link to a node that does not exist dangles: not ours. */
			if (!back_without_fwd && !mt_snapshot_has_node_dir(s, node))
				continue;
			if (mt_nodeset_contains(want, node))
				continue;
			snprintf(key, sizeof(key), "%d", node);
			r = mt_group_add(out, id, sev, key, s->blocks[i].id, &node, 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

CHECK_FN(check_stale_node_link)
{
	int r = one_sided(ctx, out, "stale-node-link", MT_SEV_ERROR, true);

	FOREACH_FINDING(out, "stale-node-link", f)
	{
		char blocks[256];

		mt_format_blocks(f->blocks, f->nblocks, 8, blocks, sizeof(blocks));
		r = r
			    ?: mt_finding_set_message(f,
						      "node%d links to %s, which %s no node%d link "
						      "back: a link left behind by hot-remove",
						      f->nodes[0], blocks,
						      f->nblocks > 1 ? "have" : "has", f->nodes[0]);
		r = r
			    ?: mt_finding_set_hint(
				       f, "the kernel removes only one node's link of a "
					  "block linked to two nodes; it goes at reboot. Do not "
					  "hot-add memory at these addresses before then");
	}
	return r;
}

CHECK_FN(check_missing_node_back_link)
{
	int r = one_sided(ctx, out, "missing-node-back-link", MT_SEV_WARNING, false);

	FOREACH_FINDING(out, "missing-node-back-link", f)
	{
		char subj[256];

		mt_blocks_subject(f, subj, sizeof(subj));
		r = r
			    ?: mt_finding_set_message(f,
						      "%s linked to node%d, but node%d has no link "
						      "back",
						      subj, f->nodes[0], f->nodes[0]);
		r = r
			    ?: mt_finding_set_hint(
				       f, "tools that walk node directories (numactl, "
					  "hwloc) will miss this memory; a reboot rebuilds the "
					  "links");
	}
	return r;
}

CHECK_FN(check_dangling_node_link)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	/* nodeK/memoryN whose block is gone. */
	for (size_t i = 0; i < s->norphans && r == 0; i++) {
		char key[32];

		snprintf(key, sizeof(key), "back|%d", s->orphans[i].node);
		r = mt_group_add(out, "dangling-node-link", MT_SEV_ERROR, key, s->orphans[i].block,
				 &s->orphans[i].node, 1);
	}
	/* memoryN/nodeK whose node directory is not there. */
	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_nodeset *fwd = &s->detail[i].fwd;

		for (unsigned k = 0; k < fwd->n && r == 0; k++) {
			char key[32];

			if (mt_snapshot_has_node_dir(s, fwd->ids[k]))
				continue;
			snprintf(key, sizeof(key), "fwd|%d", fwd->ids[k]);
			r = mt_group_add(out, "dangling-node-link", MT_SEV_ERROR, key,
					 s->blocks[i].id, &fwd->ids[k], 1);
		}
	}
	FOREACH_FINDING(out, "dangling-node-link", f)
	{
		char blocks[256];
		int node = f->nodes[0];

		mt_format_blocks(f->blocks, f->nblocks, 8, blocks, sizeof(blocks));
		if (strncmp(f->key, "back", 4) == 0)
			r = r
				    ?: mt_finding_set_message(
					       f,
					       "node%d links to %s, which %s not exist: "
					       "a link left behind by hot-remove",
					       node, blocks, f->nblocks > 1 ? "do" : "does");
		else
			r = r
				    ?: mt_finding_set_message(
					       f,
					       "%s %s linked to node%d, which does not "
					       "exist",
					       blocks, f->nblocks > 1 ? "are" : "is", node);
		r = r
			    ?: mt_finding_set_hint(
				       f, "dangling links go at reboot; before then, do not "
					  "hot-add memory at these addresses (a new block would "
					  "inherit the wrong links)");
	}
	return r;
}

CHECK_FN(check_no_node_link)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	for (size_t i = 0; i < s->nblocks && r == 0; i++)
		if (s->blocks[i].nnodes == 0)
			r = mt_group_add(out, "no-node-link", MT_SEV_WARNING, NULL, s->blocks[i].id,
					 NULL, 0);
	return r
		       ?: mt_describe(
				  out, "no-node-link",
				  "linked to no node, on a system with node directories",
				  "the block was registered without a node (a failed hot-add?); "
				  "NUMA-aware tools will not see it: avoid acting on it, a reboot "
				  "rebuilds the links");
}
