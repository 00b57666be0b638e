// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Selection for online / offline: snapshot + request -> the blocks to try,
 * in order, and the blocks left alone with the reason. No I/O.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "core/drmem.h"
#include "core/plan.h"
#include "shared/grow.h"
#include "shared/units.h"
#include "plan-internal.h"

static const char *const result_names[] = {
	[MT_HP_PLANNED] = "planned",         [MT_HP_DONE] = "done",
	[MT_HP_ALREADY] = "already",         [MT_HP_FAILED] = "failed",
	[MT_HP_SKIPPED] = "skipped",         [MT_HP_TIMEOUT] = "timeout",
	[MT_HP_ROLLED_BACK] = "rolled-back",
};

const char *mt_hp_result_name(enum mt_hp_result r)
{
	return result_names[r];
}

const char *mt_hp_action_name(enum mt_hp_action a)
{
	return a == MT_HP_ONLINE ? "online" : "offline";
}

/* A request this machine cannot mean: -EINVAL, with the reason in `error`. */
_printf_(3, 4) static int refuse_request(char *error, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The check findings that make a block unsafe to touch (unless --force). */
static const struct {
	const char *id, *reason;
} unsafe_flags[] = {
	{ "multi-zone", "flagged multi-zone: it spans zones, the kernel refuses to offline it "
			"(--force tries anyway)" },
	{ "partial-ram", "flagged partial-ram: holes in its range, the kernel refuses to offline "
			 "it (--force tries anyway)" },
	{ "shares-pmem", "flagged shares-pmem: part of it is persistent memory (--force tries "
			 "anyway)" },
	{ "subsection-collision", "flagged subsection-collision: RAM and persistent memory share "
				  "a section (--force tries anyway)" },
	{ "multi-node-link", "flagged multi-node-link: linked to several nodes (--force tries "
			     "anyway)" },
	{ "state-mismatch", "flagged state-mismatch: its state and online disagree (--force "
			    "tries anyway)" },
};

static const char *unsafe_reason(const uint32_t *flags, size_t idx)
{
	for (size_t i = 0; flags && i < ARRAY_SIZE(unsafe_flags); i++)
		if (flags[idx] & (1u << mt_check_order(unsafe_flags[i].id)))
			return unsafe_flags[i].reason;
	return NULL;
}

static bool block_has_zone(const struct mt_block *b, enum mt_zone z)
{
	for (unsigned i = 0; b->nzones != MT_ZONES_UNKNOWN && i < b->nzones; i++)
		if (b->zones[i] == z)
			return true;
	return false;
}

/*
 * The zone an online block is in is the first word of its valid_zones:
 * since 4.13 the only one; before, the current zone and then those it
 * could move to (s390's memory17 "Normal Movable" is in Normal; kernel.md).
 * An offline block may go to any of them.
 */
static bool block_in_zone(const struct mt_block *b, enum mt_zone z)
{
	if (b->state == MT_STATE_ONLINE)
		return b->nzones != MT_ZONES_UNKNOWN && b->nzones > 0 && b->zones[0] == z;
	return block_has_zone(b, z);
}

/* --zone: the zone an online block is in, or one an offline block may go to. */
static bool zone_matches(const struct mt_block *b, unsigned mask)
{
	for (int z = 0; mask && z < MT_ZONE_COUNT; z++)
		if ((mask & (1u << z)) && block_in_zone(b, (enum mt_zone)z))
			return true;
	return !mask;
}

static bool node_matches(const struct mt_snapshot *s, const struct mt_block *b,
			 const struct mt_hp_request *rq)
{
	const int *nodes = mt_block_nodes(s, b);

	for (unsigned i = 0; rq->node_filter && i < b->nnodes; i++)
		if (mt_idlist_contains(&rq->nodes, (unsigned long)nodes[i]))
			return true;
	return !rq->node_filter;
}

static bool device_matches(const struct mt_snapshot *s, size_t idx, const char *device)
{
	const char *d = device ? mt_block_device(s, idx) : NULL;

	return !device || (d && strcmp(d, device) == 0);
}

/* What to write to state to bring this block where the request wants it. */
static const char *state_value(const struct mt_block *b, const struct mt_hp_request *rq)
{
	if (rq->action == MT_HP_OFFLINE)
		return "offline";
	switch (rq->to) {
	case MT_TO_MOVABLE:
		return "online_movable";
	case MT_TO_KERNEL:
		return "online_kernel";
	case MT_TO_AUTO:
		return "online";
	case MT_TO_DEFAULT:
		break;
	}
	/* Movable when the kernel offers it: such memory can be offlined again. */
	return block_has_zone(b, MT_ZONE_MOVABLE) ? "online_movable" : "online";
}

void mt_hp_dlpar_command(const struct mt_hp_step *st, char *buf, size_t size)
{
	if (st->has_drc)
		snprintf(buf, size, "memory remove index 0x%08" PRIx32, st->drc);
	else
		snprintf(buf, size, "(no DRC index)");
}

/*
 * --release: why this block's LMB cannot be handed back, or NULL. Never
 * guess: without an LMB, without a DRC index or with one that is not
 * unique, the block is left alone (drmgr would "remove count 1" instead).
 * What the hypervisor cannot take back: an LMB flagged reserved (QEMU's
 * boot memory; the kernel's lmb_is_removable() refuses it too), one not
 * assigned to this partition, and the block at address 0, the real mode
 * area the partition cannot run without.
 */
static const char *release_reason(const struct mt_snapshot *s, size_t idx)
{
	const struct mt_lmb *l = mt_block_lmb(s, idx);

	if (!l)
		return "no LMB at its address in the device tree: nothing to release";
	if (!mt_lmb_has_drc(l))
		return "its LMB has no DRC index (flagged DRC-invalid): the hypervisor cannot take "
		       "it back";
	if (l->drc_index == 0 || l->drc_index == UINT32_MAX ||
	    mt_drmem_count_index(&s->drmem, l->drc_index) != 1)
		return "its LMB's DRC index is malformed or not unique: never guessed";
	if (l->flags & MT_DRCONF_RESERVED)
		return "its LMB is reserved: the hypervisor cannot take it back";
	if (!(l->flags & MT_DRCONF_ASSIGNED))
		return "its LMB is not assigned to this partition";
	if (l->base == 0)
		return "it holds the real mode area at address 0: the partition cannot run "
		       "without it";
	return NULL;
}

static bool in_target_state(const struct mt_block *b, enum mt_hp_action a)
{
	return a == MT_HP_ONLINE ? b->state == MT_STATE_ONLINE : b->state == MT_STATE_OFFLINE;
}

static int push(struct mt_hp_step **v, size_t *n, const struct mt_hp_step *step)
{
	/* Not a realloc per block: minutes for 50,000 blocks under ASan. */
	if (mt_grow(v, *n, sizeof(**v)) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = *step;
	return 0;
}

/* Does block idx fall in what the request names (ignoring the filters)? */
static bool targeted(const struct mt_snapshot *s, const struct mt_hp_request *rq, size_t idx)
{
	uint64_t first = (uint64_t)s->blocks[idx].id * s->block_size;

	switch (rq->target) {
	case MT_HP_RANGE:
		return first >= rq->range_first && first + s->block_size - 1 <= rq->range_last;
	case MT_HP_BLOCKS:
		return mt_idlist_contains(&rq->blocks, s->blocks[idx].id);
	case MT_HP_SIZE:
	case MT_HP_ALL:
		break;
	}
	return true;
}

static int add_block(struct mt_hp_plan *plan, const struct mt_hp_request *rq, const uint32_t *flags,
		     size_t idx)
{
	const struct mt_snapshot *s = plan->snap;
	const struct mt_block *b = &s->blocks[idx];
	struct mt_hp_step step = { .block = b->id,
				   .idx = idx,
				   .from = (enum mt_state)b->state,
				   .write = state_value(b, rq),
				   .result = MT_HP_PLANNED };
	const char *unsafe = unsafe_reason(flags, idx);

	/* The zone an online block is in: where it stays, or what it leaves. */
	if (b->state == MT_STATE_ONLINE && b->nzones == 1)
		snprintf(step.zone, sizeof(step.zone), "%s", mt_zone_name(b->zones[0]));

	if (!node_matches(s, b, rq) || !zone_matches(b, rq->zone_mask) ||
	    !device_matches(s, idx, rq->device))
		return 0;
	if (rq->release && mt_lmb_has_drc(mt_block_lmb(s, idx))) {
		step.drc = mt_block_lmb(s, idx)->drc_index;
		step.has_drc = true;
	}
	/* A block still there is not released, offline or not. */
	if (!rq->release && in_target_state(b, rq->action)) {
		/* SIZE counts what changes; a named block already there is reported. */
		if (plan->size_mode)
			return 0;
		step.result = MT_HP_ALREADY;
		return push(&plan->steps, &plan->nsteps, &step);
	}
	step.result = MT_HP_SKIPPED;
	if (b->state == MT_STATE_UNKNOWN)
		step.reason = "state unreadable";
	else if (b->state == MT_STATE_GOING_OFFLINE)
		step.reason = "an offline of it is in progress";
	else if (unsafe && !rq->force)
		step.reason = unsafe;
	else if (rq->release && release_reason(s, idx))
		step.reason = release_reason(s, idx);
	else if (rq->action == MT_HP_OFFLINE && !rq->force && mt_block_offline_reason(s, idx)) {
		/* The kernel's veto, known before any write (arm64 boot memory). */
		step.reason = mt_block_offline_reason(s, idx);
		step.verdict = MT_VERDICT_UNLIKELY;
	}
	if (step.reason)
		return push(&plan->skipped, &plan->nskipped, &step);
	step.result = MT_HP_PLANNED;
	return push(&plan->steps, &plan->nsteps, &step);
}

/* offline SIZE: Movable before kernel zones (they offline), each from the top down. */
static int cmp_offline(const void *a, const void *b, void *arg)
{
	const struct mt_snapshot *s = arg;
	const struct mt_hp_step *x = a, *y = b;
	bool mx = block_in_zone(&s->blocks[x->idx], MT_ZONE_MOVABLE);
	bool my = block_in_zone(&s->blocks[y->idx], MT_ZONE_MOVABLE);

	/* --release: blocks already offline first, nothing to migrate. */
	if ((x->from == MT_STATE_OFFLINE) != (y->from == MT_STATE_OFFLINE))
		return x->from == MT_STATE_OFFLINE ? -1 : 1;
	if (mx != my)
		return mx ? -1 : 1;
	return x->block > y->block ? -1 : x->block < y->block;
}

static bool device_known(const struct mt_snapshot *s, const char *device)
{
	for (size_t i = 0; i < s->nblocks; i++)
		if (device_matches(s, i, device))
			return true;
	return false;
}

int mt_hp_request_check(const struct mt_snapshot *s, const struct mt_hp_request *rq, char *error,
			size_t size)
{
	uint64_t bs = s->block_size, present = (uint64_t)s->nblocks * bs;
	char human[16], present_h[16];
	size_t hits = 0;

	if (rq->device && !device_known(s, rq->device))
		return refuse_request(error, size, "no memory block of device '%s'%s", rq->device,
				      s->origin ? "" : " (origin not read)");
	switch (rq->target) {
	case MT_HP_SIZE:
		mt_size_human(bs, human, sizeof(human));
		if (rq->size % bs)
			return refuse_request(error, size,
					      "%" PRIu64 " bytes is not a multiple of the block "
					      "size (%s)",
					      rq->size, human);
		if (rq->size > present)
			return refuse_request(error, size,
					      "%s is more than the memory present (%s)",
					      mt_size_human(rq->size, human, sizeof(human)),
					      mt_size_human(present, present_h, sizeof(present_h)));
		return 0;
	case MT_HP_RANGE:
		mt_size_human(bs, human, sizeof(human));
		/* last % bs == bs - 1: the end of a block, without last + 1 wrapping. */
		if (rq->range_first % bs || rq->range_last % bs != bs - 1)
			return refuse_request(error, size,
					      "0x%" PRIx64 "-0x%" PRIx64 " is not aligned to the "
					      "block size (%s)",
					      rq->range_first, rq->range_last, human);
		for (size_t i = 0; i < s->nblocks; i++)
			hits += targeted(s, rq, i);
		if (!hits)
			return refuse_request(error, size,
					      "no memory block in 0x%" PRIx64 "-0x%" PRIx64,
					      rq->range_first, rq->range_last);
		return 0;
	case MT_HP_BLOCKS:
		for (size_t i = 0; i < rq->blocks.n; i++)
			for (unsigned long id = rq->blocks.r[i].lo; id <= rq->blocks.r[i].hi;
			     id++) {
				if (mt_snapshot_find(s, id) < 0)
					return refuse_request(error, size,
							      "memory%lu does not exist", id);
				if (id == rq->blocks.r[i].hi)
					break;
			}
		return 0;
	case MT_HP_ALL:
		break;
	}
	return 0;
}

int mt_hp_verdict_rank(enum mt_verdict v)
{
	/* NONE: an offline block (--release), nothing to migrate. */
	if (v == MT_VERDICT_NONE)
		return -1;
	return v == MT_VERDICT_LIKELY ? 0 : v == MT_VERDICT_UNLIKELY ? 2 : 1;
}

static int cmp_census(const void *a, const void *b, void *arg)
{
	const struct mt_hp_step *x = a, *y = b;
	int rx = mt_hp_verdict_rank((enum mt_verdict)x->verdict);
	int ry = mt_hp_verdict_rank((enum mt_verdict)y->verdict);

	if (rx != ry)
		return rx - ry;
	return cmp_offline(a, b, arg);
}

static void mark_spares(struct mt_hp_plan *plan)
{
	uint64_t need = plan->requested_bytes / plan->snap->block_size;

	for (size_t i = 0; i < plan->nsteps; i++)
		plan->steps[i].spare = i >= need;
}

size_t mt_hp_plan_census_window(const struct mt_hp_plan *plan)
{
	uint64_t need = plan->requested_bytes / plan->snap->block_size;

	if (plan->action != MT_HP_OFFLINE)
		return 0;
	/* Named blocks are taken whatever their census: read it for the report. */
	if (!plan->size_mode)
		return plan->nsteps;
	return need * 2 < plan->nsteps ? (size_t)need * 2 : plan->nsteps;
}

void mt_hp_plan_order_by_census(struct mt_hp_plan *plan)
{
	for (size_t i = 0; i < plan->nsteps; i++)
		plan->steps[i].verdict =
			(uint8_t)mt_block_offline_verdict(plan->snap, plan->steps[i].idx);
	if (!plan->size_mode)
		return;
	if (plan->nsteps > 1)
		qsort_r(plan->steps, plan->nsteps, sizeof(*plan->steps), cmp_census,
			(void *)plan->snap);
	mark_spares(plan);
}

/*
 * Every block that matches is left alone (arm64 boot memory, blocks check
 * flags): nothing will be written, and the plan says why in one line
 * instead of a report of skips that looks like work. One reason shared
 * by all is given; several send the reader to the blocks.
 */
static void refuse_all_skipped(struct mt_hp_plan *plan)
{
	const char *why = plan->skipped[0].reason;

	for (size_t i = 1; i < plan->nskipped && why; i++)
		if (!plan->skipped[i].reason || strcmp(plan->skipped[i].reason, why) != 0)
			why = NULL;
	if (plan->nskipped == 1)
		snprintf(plan->refusal, sizeof(plan->refusal),
			 "nothing to do: the matching block is left alone%s%s",
			 why ? ": " : " (it says why)", why ? why : "");
	else
		snprintf(plan->refusal, sizeof(plan->refusal),
			 "nothing to do: all %zu matching blocks are left alone%s%s",
			 plan->nskipped, why ? ": " : " (each says why)", why ? why : "");
}

int mt_hp_plan_build(const struct mt_snapshot *s, const struct mt_hp_request *rq,
		     const uint32_t *flags, struct mt_hp_plan *plan, char *error, size_t size)
{
	int r;

	*plan = (struct mt_hp_plan){ .snap = s,
				     .action = rq->action,
				     .size_mode = rq->target == MT_HP_SIZE,
				     .release = rq->release,
				     .requested_bytes = rq->size };
	r = mt_hp_request_check(s, rq, error, size);
	if (r)
		return r;
	for (size_t i = 0; i < s->nblocks; i++)
		if (targeted(s, rq, i) && (r = add_block(plan, rq, flags, i)) < 0)
			return r;
	if (plan->size_mode && rq->action == MT_HP_OFFLINE && plan->nsteps > 1)
		qsort_r(plan->steps, plan->nsteps, sizeof(*plan->steps), cmp_offline, (void *)s);
	if (plan->size_mode) {
		mark_spares(plan);
	} else {
		/* What was named and must change: what it plans and what it leaves alone. */
		for (size_t i = 0; i < plan->nsteps; i++)
			if (plan->steps[i].result == MT_HP_PLANNED)
				plan->requested_bytes += s->block_size;
		plan->requested_bytes += plan->nskipped * s->block_size;
	}
	if (!plan->nsteps && !plan->nskipped)
		snprintf(plan->refusal, sizeof(plan->refusal),
			 "no memory block matches the request and its filters: nothing to do");
	else if (!plan->nsteps)
		refuse_all_skipped(plan);
	else if (!rq->force)
		mt_hp_plan_safety(plan, rq);
	return 0;
}

void mt_hp_plan_free(struct mt_hp_plan *plan)
{
	free(plan->steps);
	free(plan->skipped);
	plan->steps = plan->skipped = NULL;
	plan->nsteps = plan->nskipped = 0;
}
