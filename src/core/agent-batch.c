// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's batch. What it reads is what `online` reads (the checks but
 * the page census, so flagged blocks are known) plus the origin and the
 * other agents. The writes go through mt_hp_apply(): the same deadline per
 * write, EBUSY retries, verification and "already" on a race as `memtopo
 * online`, under the same lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "core/agent-batch.h"
#include "core/agent-policy.h"
#include "core/apply.h"
#include "core/checks.h"
#include "core/lock.h"
#include "shared/clock.h"
#include "shared/errno-name.h"
#include "shared/text.h"

size_t mt_agent_conflicts(const struct mt_snapshot *s, char *line, size_t size)
{
	size_t n = 0;
	int len = 0;

	line[0] = '\0';
	if (s->auto_online_blocks && strcmp(s->auto_online_blocks, "offline") != 0 && !n++)
		len = snprintf(line, size,
			       "auto_online_blocks is '%s': the kernel onlines hot-added memory "
			       "itself; write offline to /sys/devices/system/memory/"
			       "auto_online_blocks and boot with memhp_default_state=offline, or "
			       "set takeover = yes",
			       s->auto_online_blocks);
	for (size_t i = 0; i < s->udev.n; i++)
		if (!n++)
			len = snprintf(
				line, size,
				"/%s:%u: a udev rule onlines memory; mask it (ln -s /dev/null "
				"/etc/udev/rules.d/<its name>, see memtopo-agent(8), "
				"MIGRATION) or set takeover = yes",
				s->udev.r[i].path, s->udev.r[i].line);
	for (size_t i = 0; i < s->udev.ndax; i++)
		if (!n++)
			len = snprintf(line, size,
				       "/%s:%u: daxctl's udev rule onlines dax memory; mask it (ln "
				       "-s /dev/null /etc/udev/rules.d/<its name>) or set "
				       "takeover = yes",
				       s->udev.dax[i].path, s->udev.dax[i].line);
	if (n > 1 && len >= 0 && (size_t)len < size)
		snprintf(line + len, size - (size_t)len, " (and %zu more)", n - 1);
	return n;
}

_printf_(3, 4) static void logf_(struct mt_agent_ctx *a, int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!a->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->log(a->log_ctx, prio, line);
}

struct batch {
	struct mt_agent_ctx *a;
	struct mt_snapshot *s;
	uint32_t *flags;
	bool *judge;
	struct mt_agent_decisions dec;
	struct mt_hp_plan plan;
	struct mt_hp_outcome out;
	struct mt_lock lock;
	struct mt_agent_summary *sum;
};

static void entry_of(const struct batch *b, const struct mt_agent_decision *d,
		     struct mt_agent_entry *e)
{
	const struct mt_block *blk = &b->s->blocks[d->idx];
	const char *dev = mt_block_device(b->s, d->idx);

	*e = (struct mt_agent_entry){ .block = d->block,
				      .node = (int16_t)(blk->nnodes == 1 ? blk->node : -1),
				      .source = (uint8_t)mt_block_source(b->s, d->idx) };
	snprintf(e->device, sizeof(e->device), "%s", dev ? dev : "");
	snprintf(e->zone, sizeof(e->zone), "%s", d->zone);
	snprintf(e->reason, sizeof(e->reason), "%.*s", (int)sizeof(e->reason) - 1, d->reason);
}

/* The one journal line of a block, and its state entry. */
static void record(struct batch *b, struct mt_agent_entry *e, enum mt_agent_result r, bool dry)
{
	struct mt_agent_ctx *a = b->a;
	char node[16] = "-", dev[4 * sizeof(e->device)], why[4 * sizeof(e->reason)];

	e->result = (uint8_t)r;
	b->sum->counts[r]++;
	if (e->node >= 0)
		snprintf(node, sizeof(node), "%d", e->node);
	logf_(a,
	      r == MT_AR_FAILED    ? LOG_WARNING
	      : r == MT_AR_REFUSED ? LOG_NOTICE
				   : LOG_INFO,
	      "memory%" PRIu32 ": %s%s node=%s zone=%s source=%s%s%s: %s", e->block,
	      dry ? "would be " : "", mt_agent_result_name(r), node, e->zone[0] ? e->zone : "-",
	      mt_source_name(e->source), e->device[0] ? " device=" : "",
	      mt_visible(dev, sizeof(dev), e->device), mt_visible(why, sizeof(why), e->reason));
	if (!dry)
		mt_agent_state_add(a->state, e, b->s->block_size);
}

static enum mt_agent_refusal refusal_class(const struct mt_agent_decision *d)
{
	if (strncmp(d->reason, "check flags", 11) == 0)
		return MT_RF_UNSAFE;
	if (strncmp(d->reason, "state is", 8) == 0)
		return MT_RF_STATE;
	return MT_RF_ZONE;
}

static int build_plan(struct batch *b)
{
	b->plan = (struct mt_hp_plan){ .snap = b->s, .action = MT_HP_ONLINE };
	b->plan.steps = calloc(b->dec.n ? b->dec.n : 1, sizeof(*b->plan.steps));
	if (!b->plan.steps)
		return -ENOMEM;
	for (size_t i = 0; i < b->dec.n; i++) {
		const struct mt_agent_decision *d = &b->dec.d[i];

		if (d->verdict != MT_AV_ONLINE)
			continue;
		b->plan.steps[b->plan.nsteps++] = (struct mt_hp_step){ .block = d->block,
								       .idx = d->idx,
								       .from = MT_STATE_OFFLINE,
								       .write = d->write,
								       .result = MT_HP_PLANNED };
		b->plan.requested_bytes += b->s->block_size;
	}
	return 0;
}

static const struct mt_hp_step *step_of(const struct batch *b, uint32_t block)
{
	for (size_t i = 0; i < b->plan.nsteps; i++)
		if (b->plan.steps[i].block == block)
			return &b->plan.steps[i];
	return NULL;
}

/* After apply: every judged block's result, in block order. */
static void report(struct batch *b, bool dry)
{
	struct mt_agent_ctx *a = b->a;

	for (size_t i = 0; i < b->dec.n; i++) {
		const struct mt_agent_decision *d = &b->dec.d[i];
		const struct mt_hp_step *st = step_of(b, d->block);
		struct mt_agent_entry e;

		entry_of(b, d, &e);
		switch (d->verdict) {
		case MT_AV_ALREADY:
			record(b, &e, MT_AR_ALREADY, dry);
			continue;
		case MT_AV_IGNORE:
			record(b, &e, MT_AR_IGNORED, dry);
			continue;
		case MT_AV_REFUSE:
			if (!dry)
				mt_agent_state_refusal(a->state, refusal_class(d));
			record(b, &e, MT_AR_REFUSED, dry);
			continue;
		case MT_AV_ONLINE:
			break;
		}
		if (dry || !st) {
			record(b, &e, MT_AR_ONLINED, true);
			continue;
		}
		if (st->result == MT_HP_DONE) {
			snprintf(e.zone, sizeof(e.zone), "%s", st->zone);
			record(b, &e, MT_AR_ONLINED, false);
		} else if (st->result == MT_HP_ALREADY) {
			/* Another agent won the race: where it put the block is what counts. */
			snprintf(e.zone, sizeof(e.zone), "%s", st->zone);
			snprintf(e.reason, sizeof(e.reason), "another agent onlined it first");
			record(b, &e, MT_AR_ALREADY, false);
		} else if (st->result == MT_HP_SKIPPED && b->out.interrupted) {
			snprintf(e.reason, sizeof(e.reason),
				 "not written: the agent is stopping (coldplug at its next start "
				 "takes it)");
			record(b, &e, MT_AR_IGNORED, false);
		} else {
			snprintf(e.reason, sizeof(e.reason), "%s%s%s%s (%u attempt%s)",
				 st->result == MT_HP_SKIPPED ? "not written: " : "write failed: ",
				 st->err ? mt_errno_name(st->err) : "",
				 st->err && st->reason ? ", " : "", st->reason ? st->reason : "",
				 st->attempts, st->attempts == 1 ? "" : "s");
			if (st->result != MT_HP_SKIPPED)
				mt_agent_state_refusal(a->state, MT_RF_FAILED);
			record(b, &e, MT_AR_FAILED, false);
		}
	}
}

/* Blocks asked for that the snapshot does not have: removed before we looked. */
static void report_gone(struct batch *b, const uint32_t *blocks, size_t n)
{
	/* blocks NULL: a coldplug, which asks for no block by number. */
	for (size_t i = 0; blocks && i < n; i++) {
		struct mt_agent_entry e = { .block = blocks[i], .node = -1 };

		if (mt_snapshot_find(b->s, blocks[i]) >= 0)
			continue;
		snprintf(e.reason, sizeof(e.reason),
			 "gone before it could be judged (removed right after its add)");
		record(b, &e, MT_AR_IGNORED, b->a->dry_run);
	}
}

/*
 * A DIMM (or a kmem device) is one System RAM resource, registered before
 * its first block: a judged block of one whose resource's blocks are not
 * all present, or not all named by an event yet (sysfs shows a block
 * before its uevent arrives) unless online already, means its hot-add is
 * still coming in.
 */
static bool device_incomplete(const struct batch *b)
{
	const struct mt_snapshot *s = b->s;
	const uint64_t bs = s->block_size;

	for (size_t i = 0; bs && i < s->nblocks; i++) {
		enum mt_source src = mt_block_source(s, i);
		uint64_t start = (uint64_t)s->blocks[i].id * bs, first, last, present = 0;
		const struct mt_resource *ram = NULL;

		if (!b->judge[i] || (src != MT_SRC_ACPI_DIMM && src != MT_SRC_KMEM))
			continue;
		/* The deepest RAM resource holding the block: the device's range. */
		for (size_t k = 0; k < s->resources.n; k++) {
			const struct mt_resource *r = &s->resources.r[k];

			if (r->kind == MT_RES_RAM && r->start <= start &&
			    r->end >= start + bs - 1 && (!ram || r->depth > ram->depth))
				ram = r;
		}
		if (!ram)
			continue;
		first = (ram->start + bs - 1) / bs;
		last = (ram->end + 1) / bs;
		for (size_t k = 0; k < s->nblocks; k++)
			present += s->blocks[k].id >= first && s->blocks[k].id < last &&
				   (b->judge[k] || s->blocks[k].state == MT_STATE_ONLINE);
		if (present < last - first)
			return true;
	}
	return false;
}

static int judge_set(struct batch *b, const uint32_t *blocks, size_t n)
{
	b->judge = calloc(b->s->nblocks ? b->s->nblocks : 1, sizeof(*b->judge));
	if (!b->judge)
		return -ENOMEM;
	for (size_t i = 0; i < b->s->nblocks; i++)
		b->judge[i] = !blocks && b->s->blocks[i].state != MT_STATE_ONLINE;
	for (size_t i = 0; blocks && i < n; i++) {
		long idx = mt_snapshot_find(b->s, blocks[i]);

		if (idx >= 0)
			b->judge[idx] = true;
	}
	return 0;
}

static void refuse_all(struct batch *b, const char *conflict)
{
	for (size_t i = 0; i < b->dec.n; i++) {
		struct mt_agent_decision *d = &b->dec.d[i];

		if (d->verdict != MT_AV_ONLINE)
			continue;
		d->verdict = MT_AV_REFUSE;
		snprintf(d->reason, sizeof(d->reason), "another agent is active: %.160s", conflict);
		if (!b->a->dry_run)
			mt_agent_state_refusal(b->a->state, MT_RF_CONFLICT);
	}
}

static int run(struct batch *b, const uint32_t *blocks, size_t n, struct mt_error *err)
{
	struct mt_agent_ctx *a = b->a;
	static const char *const no_census[] = { "unmovable-pages", NULL };
	const struct mt_check_filter filter = { .skip = no_census };
	struct mt_hp_request rq = { .action = MT_HP_ONLINE,
				    .target = MT_HP_BLOCKS,
				    .timeout = a->cfg->timeout,
				    .retries = a->cfg->retries };
	char conflict[512];
	long t0 = mt_now_ms();
	int r;

	if (!a->dry_run) {
		r = mt_lock_take(a->sr, a->lock_wait, &b->lock);
		if (r < 0) {
			a->lock_holder = b->lock.holder;
			return r;
		}
	}
	r = mt_snapshot_read(a->sr,
			     mt_checks_wants(&filter) | MT_WANT_ORIGIN | MT_WANT_KERNEL |
				     MT_WANT_POLICY | MT_WANT_UDEV,
			     &b->s, err);
	if (r < 0)
		return r;
	mt_snapshot_settle(a->sr, b->s);
	if ((r = mt_checks_block_flags(b->s, &b->flags)) < 0 || (r = judge_set(b, blocks, n)) < 0)
		return r;
	if (blocks && a->hold_incomplete && device_incomplete(b))
		return -EINPROGRESS;
	report_gone(b, blocks, n);
	if ((r = mt_agent_decide(b->s, b->flags, a->cfg, b->judge, &b->dec)) < 0)
		return r;
	/* Checked on every batch: another agent may have been started since. */
	if (mt_agent_conflicts(b->s, conflict, sizeof(conflict))) {
		if (!a->cfg->takeover) {
			b->sum->conflict = true;
			refuse_all(b, conflict);
		}
	}
	if ((r = build_plan(b)) < 0)
		return r;
	b->sum->read_ms = mt_now_ms() - t0;
	if (!a->dry_run && b->plan.nsteps)
		mt_hp_apply(a->sr, b->s, &rq, &b->plan, a->in, NULL, &b->out);
	b->sum->write_ms = mt_now_ms() - t0 - b->sum->read_ms;
	b->sum->interrupted = b->out.interrupted;
	report(b, a->dry_run);
	return 0;
}

int mt_agent_batch(struct mt_agent_ctx *a, const uint32_t *blocks, size_t n,
		   struct mt_agent_summary *sum, struct mt_error *err)
{
	struct batch b = { .a = a, .lock = { .fd = -1 }, .sum = sum };
	int r;

	*sum = (struct mt_agent_summary){ 0 };
	r = run(&b, blocks, n, err);
	mt_hp_outcome_free(&b.out);
	free(b.plan.steps);
	mt_agent_decisions_free(&b.dec);
	free(b.judge);
	free(b.flags);
	mt_snapshot_free(b.s);
	mt_lock_release(&b.lock);
	return r;
}

int mt_agent_removed(struct mt_agent_ctx *a, const uint32_t *blocks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct mt_agent_entry *last = mt_agent_state_last(a->state, blocks[i]);
		struct mt_agent_entry e = { .block = blocks[i], .node = -1 };
		char node[16] = "-", dev[4 * sizeof(e.device)];
		int r;

		if (last) {
			e.node = last->node;
			e.source = last->source;
			memcpy(e.device, last->device, sizeof(e.device));
		}
		e.result = MT_AR_REMOVED;
		snprintf(e.reason, sizeof(e.reason), "removed (hot-remove)");
		if (e.node >= 0)
			snprintf(node, sizeof(node), "%d", e.node);
		logf_(a, LOG_INFO, "memory%" PRIu32 ": removed node=%s source=%s%s%s", e.block,
		      node, mt_source_name(e.source), e.device[0] ? " device=" : "",
		      mt_visible(dev, sizeof(dev), e.device));
		if (!a->dry_run && (r = mt_agent_state_add(a->state, &e, 0)) < 0)
			return r;
	}
	return 0;
}
