// SPDX-License-Identifier: GPL-2.0-or-later
/* A block's own attributes: state, online, valid_zones, phys_index. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checks-internal.h"
#include "shared/units.h"

/* Add every block for which pred() holds to one finding of this id. */
static int collect(const struct mt_check_ctx *ctx, struct mt_findings *out, const char *id,
		   enum mt_severity sev, bool (*pred)(const struct mt_snapshot *s, size_t i))
{
	const struct mt_snapshot *s = ctx->s;

	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];
		int r;

		if (!pred(s, i))
			continue;
		r = mt_group_add(out, id, sev, NULL, b->id, mt_block_nodes(s, b), b->nnodes);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool is_multi_zone(const struct mt_snapshot *s, size_t i)
{
	const struct mt_block *b = &s->blocks[i];

	return b->state == MT_STATE_ONLINE && b->nzones == 1 && b->zones[0] == MT_ZONE_NONE;
}

/* valid_zones "none": the block spans zones or nodes, offline is EINVAL (5.18+: !mem->zone). */
CHECK_FN(check_multi_zone)
{
	return collect(ctx, out, "multi-zone", MT_SEV_INFO, is_multi_zone)
		       ?: mt_describe(out, "multi-zone",
				      "online with valid_zones none: the block spans several zones "
				      "or nodes",
				      "the kernel refuses to offline such a block (EINVAL); leave "
				      "it out of "
				      "hot-remove plans");
}

/* Garbage in state, or state and online disagree: sysfs is not telling the truth. */
static bool is_state_garbage(const struct mt_snapshot *s, size_t i)
{
	return s->detail[i].state_present && s->blocks[i].state == MT_STATE_UNKNOWN;
}

static bool is_state_online_disagreement(const struct mt_snapshot *s, size_t i)
{
	const struct mt_block *b = &s->blocks[i];
	const struct mt_block_detail *d = &s->detail[i];

	return (d->online == 1 && b->state == MT_STATE_OFFLINE) ||
	       (d->online == 0 && b->state == MT_STATE_ONLINE);
}

/* One finding per cause: garbage, and state and online disagreeing. */
static int state_mismatch_cause(const struct mt_check_ctx *ctx, struct mt_findings *out,
				const char *key, bool (*pred)(const struct mt_snapshot *, size_t))
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	for (size_t i = 0; i < s->nblocks && r == 0; i++)
		if (pred(s, i))
			r = mt_group_add(out, "state-mismatch", MT_SEV_ERROR, key, s->blocks[i].id,
					 mt_block_nodes(s, &s->blocks[i]), s->blocks[i].nnodes);
	return r;
}

CHECK_FN(check_state_mismatch)
{
	const struct mt_snapshot *s = ctx->s;
	int r = state_mismatch_cause(ctx, out, "garbage", is_state_garbage)
			?: state_mismatch_cause(ctx, out, "disagree", is_state_online_disagreement);

	FOREACH_FINDING(out, "state-mismatch", f)
	{
		char subj[256];
		long idx = mt_snapshot_find(s, f->blocks[0]);
		const struct mt_block *b = &s->blocks[idx];
		const struct mt_block_detail *d = &s->detail[idx];

		mt_blocks_subject(f, subj, sizeof(subj));
		if (strcmp(f->key, "garbage") == 0)
			r = r
				    ?: mt_finding_set_message(f,
							      "%s in no known state (state reads "
							      "\"%s\" for memory%" PRIu32 ")",
							      subj, d->state_raw, b->id);
		else
			r = r
				    ?: mt_finding_set_message(f,
							      "%s inconsistent: state and online "
							      "disagree (memory%" PRIu32 ": state "
							      "%s, online %d)",
							      subj, b->id, mt_state_name(b->state),
							      d->online);
		r = r
			    ?: mt_finding_set_hint(
				       f, "do not online or offline these blocks: sysfs "
					  "does not reflect the kernel's view; look for memory "
					  "hotplug errors in dmesg");
	}
	return r;
}

static bool is_going_offline(const struct mt_snapshot *s, size_t i)
{
	return s->blocks[i].state == MT_STATE_GOING_OFFLINE;
}

/* The command re-reads the state after a pause: a transition that lasts is stuck. */
CHECK_FN(check_going_offline)
{
	return collect(ctx, out, "going-offline", MT_SEV_WARNING, is_going_offline)
		       ?: mt_describe(out, "going-offline",
				      "still going-offline: an offline is in progress or stuck",
				      "since 4.15 an offline has no time limit and holds the "
				      "hotplug lock; "
				      "find the writer (fuser on the state file) and let it finish "
				      "or kill it");
}

static bool is_phys_index_mismatch(const struct mt_snapshot *s, size_t i)
{
	const struct mt_block_detail *d = &s->detail[i];

	return d->phys_index_present && d->phys_index != s->blocks[i].id;
}

CHECK_FN(check_phys_index_mismatch)
{
	const struct mt_snapshot *s = ctx->s;
	int r = collect(ctx, out, "phys-index-mismatch", MT_SEV_ERROR, is_phys_index_mismatch);

	FOREACH_FINDING(out, "phys-index-mismatch", f)
	{
		char subj[256];
		long idx = mt_snapshot_find(s, f->blocks[0]);

		mt_blocks_subject(f, subj, sizeof(subj));
		r = r
			    ?: mt_finding_set_message(f,
						      "%s not where its name says: phys_index of "
						      "memory%" PRIu32 " is 0x%lx",
						      subj, f->blocks[0],
						      s->detail[idx].phys_index);
		r = r
			    ?: mt_finding_set_hint(
				       f, "addresses computed from the block name are wrong "
					  "for these blocks: do not act on them by address");
	}
	return r;
}

static bool is_offline(const struct mt_snapshot *s, size_t i)
{
	return s->blocks[i].state == MT_STATE_OFFLINE;
}

CHECK_FN(check_offline_blocks)
{
	int r = collect(ctx, out, "offline-blocks", MT_SEV_INFO, is_offline);

	FOREACH_FINDING(out, "offline-blocks", f)
	{
		char subj[256], size[16];

		mt_blocks_subject(f, subj, sizeof(subj));
		if (ctx->s->block_size)
			mt_size_human((uint64_t)f->nblocks * ctx->s->block_size, size,
				      sizeof(size));
		r = r
			    ?: mt_finding_set_message(f, "%s present but offline%s%s%s", subj,
						      ctx->s->block_size ? " (" : "",
						      ctx->s->block_size ? size : "",
						      ctx->s->block_size ? ")" : "");
		r = r ?: mt_finding_set_hint(f, "memtopo online brings them into use");
	}
	return r;
}

CHECK_FN(check_bad_block_size)
{
	const struct mt_snapshot *s = ctx->s;
	struct mt_finding *f;
	int r;

	if (!s->block_size_err)
		return 0;
	f = mt_findings_group(out, "bad-block-size", MT_SEV_ERROR, NULL);
	if (!f)
		return -ENOMEM;
	if (s->block_size_err == -EOVERFLOW)
		r = mt_finding_set_message(f,
					   "memory/block_size_bytes is too large for memory%" PRIu32
					   ": its addresses pass 2^64",
					   s->overflow_block);
	else
		r = mt_finding_set_message(f, "memory/block_size_bytes is %s",
					   s->block_size_err == -ENOENT ? "missing"
					   : s->block_size_err == -ERANGE
						   ? "outside what a kernel has (4 KiB to 64 GiB)"
						   : "not a power-of-two hex size");
	if (r < 0)
		return -ENOMEM;
	return mt_finding_set_hint(f, "no block address or size can be trusted; checks that "
				      "need addresses are off");
}
