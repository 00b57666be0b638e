// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Applying a plan, block by block, as a careful sysadmin would by hand:
 * look at the block again, write, retry what the kernel says is worth
 * retrying, re-read what a race may have changed, verify, and stop writing
 * at the deadline or on Ctrl-C. The kernel's semantics live here.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared/clock.h"
#include "shared/macro.h"
#include "core/apply.h"

/* EBUSY backoff: 100 ms, doubling, at most 2 s, each +-50% so runs do not lock-step. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   2000

struct run {
	const struct mt_sysroot *sr;
	struct mt_snapshot *s;
	const struct mt_hp_request *rq;
	struct mt_hp_plan *plan;
	struct mt_interrupts *in;
	const struct mt_hp_observer *obs;
	struct mt_hp_outcome *out;
	long start_ms;
	uint64_t rng;
	/* Undoing: neither the deadline nor a first Ctrl-C stops it (they are why it runs). */
	bool rolling_back;
};

/* Time left before --deadline (LONG_MAX without one). */
static long deadline_left(const struct run *run)
{
	if (run->rq->deadline <= 0)
		return __LONG_MAX__;
	return (long)(run->rq->deadline * 1000) - (mt_now_ms() - run->start_ms);
}

static bool must_stop(struct run *run)
{
	if (run->rolling_back)
		return false;
	if (run->in && mt_interrupts_pending(run->in))
		run->out->interrupted = true;
	if (deadline_left(run) <= 0)
		run->out->deadline_hit = true;
	return run->out->interrupted || run->out->deadline_hit;
}

static _wraps_ uint64_t next_random(struct run *run)
{
	/* xorshift64: jitter needs no quality, only not to be the same in two runs. */
	run->rng ^= run->rng << 13;
	run->rng ^= run->rng >> 7;
	run->rng ^= run->rng << 17;
	return run->rng;
}

/* Not the same in two runs: the pid times the golden ratio, and the time. */
static _wraps_ uint64_t seed_random(long start_ms)
{
	uint64_t seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)start_ms;

	return seed ? seed : 1;
}

/* Sleep before an EBUSY retry; false when an interrupt or the deadline ends it. */
static bool backoff(struct run *run, unsigned retry)
{
	long ms = BACKOFF_FIRST_MS << (retry < 5 ? retry : 5);
	struct pollfd p = { .fd = run->in ? run->in->sigfd : -1, .events = POLLIN };

	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	ms = ms / 2 + (long)(next_random(run) % (uint64_t)ms);
	if (!run->rolling_back && ms >= deadline_left(run))
		return false;
	poll(&p, 1, (int)ms);
	return !must_stop(run);
}

static bool in_target(const struct mt_block *b, enum mt_hp_action a)
{
	return a == MT_HP_ONLINE ? b->state == MT_STATE_ONLINE : b->state == MT_STATE_OFFLINE;
}

static void note_zone(struct mt_hp_step *st, const struct mt_block *b)
{
	if (b->nzones != MT_ZONES_UNKNOWN && b->nzones >= 1)
		snprintf(st->zone, sizeof(st->zone), "%s", mt_zone_name(b->zones[0]));
}

/* The write returned; what does the block say now? */
static enum mt_hp_result settle(struct run *run, struct mt_hp_step *st, enum mt_hp_action a, int r)
{
	struct mt_block *b = &run->s->blocks[st->idx];

	mt_snapshot_reread_block(run->sr, run->s, st->idx);
	if (r == 0) {
		if (!in_target(b, a)) {
			st->err = EIO;
			st->reason = "the write succeeded but state did not change";
			return MT_HP_FAILED;
		}
		st->err = 0;
		if (a == MT_HP_ONLINE)
			note_zone(st, b);
		return MT_HP_DONE;
	}
	st->err = -r;
	/* EINVAL after a write: udev or the kernel's auto-online may have got there first. */
	if (in_target(b, a)) {
		if (a == MT_HP_ONLINE)
			note_zone(st, b);
		st->err = 0;
		st->reason = r == -EINVAL ? "another agent changed it first" : NULL;
		return r == -EINVAL ? MT_HP_ALREADY : MT_HP_DONE;
	}
	return r == -ETIMEDOUT ? MT_HP_TIMEOUT : MT_HP_FAILED;
}

/* Why the kernel said no, in the words a sysadmin needs. */
static const char *explain(int err, enum mt_hp_action a)
{
	switch (err) {
	case EBUSY:
		return a == MT_HP_OFFLINE ? "unmovable pages" : "busy";
	case EINVAL:
		return a == MT_HP_OFFLINE ? "the kernel refuses: holes, several zones or nodes"
					  : "the kernel refuses this state";
	case ENOMEM:
		return "a memory notifier failed";
	case ETIMEDOUT:
		return "no answer before --timeout";
	case ECANCELED:
		return "aborted by a second interrupt";
	case EHWPOISON:
		return "hardware-poisoned pages";
	case EINTR:
		return "interrupted by a signal";
	default:
		return NULL;
	}
}

/*
 * SIZE offline: the census the plan was ordered by is as old as the run,
 * and each block taken offline moved its pages (and whatever the kernel
 * allocated meanwhile) into the blocks still online. A fresh census of the
 * next candidate is one pread; a write that fails costs an isolation pass
 * and the retries. The verdict goes into the report. MT_VERDICT_NONE when
 * none is taken: no census (not root, --no-census), named blocks (the user
 * chose them and their order), a rollback.
 */
static enum mt_verdict fresh_verdict(struct run *run, struct mt_hp_step *st)
{
	if (!run->plan->size_mode || run->plan->action != MT_HP_OFFLINE || run->rolling_back ||
	    !run->s->verdict || run->s->census_err ||
	    mt_snapshot_census_block(run->sr, run->s, st->idx) < 0)
		return MT_VERDICT_NONE;
	st->verdict = (uint8_t)mt_block_verdict(run->s, st->idx);
	return (enum mt_verdict)st->verdict;
}

/* One block: write `value` until done, failed for good, or out of time. */
static void change_block(struct run *run, struct mt_hp_step *st, enum mt_hp_action a,
			 const char *value)
{
	struct mt_block *b = &run->s->blocks[st->idx];
	long started = mt_now_ms();
	unsigned busy = 0, nomem = 0;

	mt_snapshot_reread_block(run->sr, run->s, st->idx);
	if (in_target(b, a)) {
		st->result = MT_HP_ALREADY;
		if (a == MT_HP_ONLINE)
			note_zone(st, b);
		return;
	}
	for (;;) {
		long budget = (long)(run->rq->timeout * 1000);
		int r;

		if (!run->rolling_back && deadline_left(run) < budget)
			budget = deadline_left(run);
		if (run->obs && run->obs->block_begin)
			run->obs->block_begin(run->obs->ctx, st->block);
		r = mt_state_write(run->sr->mem_fd, st->block, value, budget > 0 ? budget : 1,
				   run->in);
		st->attempts++;
		st->result = settle(run, st, a, r);
		if (st->result != MT_HP_FAILED)
			break;
		/*
		 * EBUSY: pages could not be isolated or migrated this time; try
		 * again later, unless the census sees pages that do not move:
		 * then the next candidate is the better bet.
		 */
		if ((r == -EBUSY || r == -EAGAIN) && busy < run->rq->retries &&
		    fresh_verdict(run, st) != MT_VERDICT_UNLIKELY && backoff(run, busy++))
			continue;
		/* ENOMEM from a notifier: once more. */
		if (r == -ENOMEM && nomem++ == 0 && !must_stop(run))
			continue;
		if (explain(st->err, a))
			st->reason = explain(st->err, a);
		break;
	}
	st->elapsed_ms = (uint64_t)(mt_now_ms() - started);
	if (run->obs && run->obs->block_end)
		run->obs->block_end(run->obs->ctx, st, a);
}

/*
 * Has step st reached the request's target: changed by this run, there
 * already, or, in a prediction, planned and needed (a spare is taken only
 * if an earlier write fails).
 */
static bool reached(const struct mt_hp_step *st, bool predict)
{
	return st->result == MT_HP_DONE || st->result == MT_HP_ALREADY ||
	       (predict && st->result == MT_HP_PLANNED && !st->spare);
}

/* The status from the steps' results; SIZE judges the bytes done. */
static enum mt_hp_status judge(const struct mt_hp_plan *plan, uint64_t done_bytes, bool predict)
{
	bool changed = false, all = !plan->nskipped;

	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct mt_hp_step *st = &plan->steps[i];

		changed |= reached(st, predict) && st->result != MT_HP_ALREADY;
		all &= reached(st, predict);
	}
	if (plan->size_mode ? done_bytes >= plan->requested_bytes : all)
		return MT_HP_STATUS_DONE;
	return changed ? MT_HP_STATUS_PARTIAL : MT_HP_STATUS_FAILED;
}

enum mt_hp_status mt_hp_predict(const struct mt_hp_plan *plan)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < plan->nsteps; i++)
		if (reached(&plan->steps[i], true) && plan->steps[i].result == MT_HP_PLANNED)
			bytes += plan->snap->block_size;
	return judge(plan, bytes, true);
}

static bool target_met(const struct run *run)
{
	return judge(run->plan, run->out->done_bytes, false) == MT_HP_STATUS_DONE;
}

/* SIZE: how many of the blocks from step i on the target still wants. */
static size_t still_needed(const struct run *run, size_t i)
{
	const struct mt_hp_plan *plan = run->plan;
	uint64_t left = plan->requested_bytes - run->out->done_bytes;
	size_t skipped = 0;

	for (size_t k = 0; k < i; k++)
		skipped += plan->steps[k].result == MT_HP_SKIPPED;
	left = left / run->s->block_size;
	return left > skipped ? (size_t)(left - skipped) : 0;
}

/*
 * SIZE offline: a candidate whose fresh census ranks worse than a later
 * candidate (likely, then unknown, then unlikely: the plan's own order)
 * moves back behind the candidates that rank as well as it or better,
 * once; it is still tried if they are not enough. False when no later
 * candidate ranks better.
 */
static bool defer(struct mt_hp_plan *plan, size_t i)
{
	struct mt_hp_step st = plan->steps[i];
	int rank = mt_hp_verdict_rank((enum mt_verdict)st.verdict);
	size_t to = i + 1;
	bool better = false;

	for (; to < plan->nsteps; to++) {
		const struct mt_hp_step *o = &plan->steps[to];
		int r = mt_hp_verdict_rank((enum mt_verdict)o->verdict);

		if (o->result != MT_HP_PLANNED)
			continue;
		if (r > rank)
			break;
		better |= r < rank;
	}
	if (!better)
		return false;
	memmove(&plan->steps[i], &plan->steps[i + 1], (to - i - 1) * sizeof(st));
	st.deferred = true;
	st.spare = true; /* not in the report unless it is tried after all */
	plan->steps[to - 1] = st;
	return true;
}

/* Does a fresh census of the candidate doubt it (unknown or unlikely now)? */
static bool doubted_now(struct run *run, struct mt_hp_step *st)
{
	enum mt_verdict v = fresh_verdict(run, st);

	return v != MT_VERDICT_NONE && v != MT_VERDICT_LIKELY;
}

static void run_steps(struct run *run)
{
	struct mt_hp_plan *plan = run->plan;

	for (size_t i = 0; i < plan->nsteps; i++) {
		struct mt_hp_step *st = &plan->steps[i];

		if (st->result != MT_HP_PLANNED)
			continue;
		if (plan->size_mode && target_met(run))
			break;
		while (!st->deferred && !must_stop(run) && doubted_now(run, st) && defer(plan, i))
			if (st->result != MT_HP_PLANNED)
				break; /* what moved up was settled at planning */
		if (st->result != MT_HP_PLANNED)
			continue;
		if (must_stop(run)) {
			/* A spare the run would not have needed stays out of the report. */
			if (plan->size_mode && still_needed(run, i) == 0)
				break;
			st->result = MT_HP_SKIPPED;
			st->reason = run->out->interrupted ? "interrupted" : "deadline reached";
			continue;
		}
		if (run->plan->action == MT_HP_OFFLINE)
			note_zone(st, &run->s->blocks[st->idx]);
		change_block(run, st, plan->action, st->write);
		if (st->result == MT_HP_DONE)
			run->out->done_bytes += run->s->block_size;
		if (run->obs && run->obs->bytes_done)
			run->obs->bytes_done(run->obs->ctx, run->out->done_bytes);
	}
	/* Passed over and never needed after all: the report says why it was not written. */
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].deferred && plan->steps[i].result == MT_HP_PLANNED) {
			plan->steps[i].result = MT_HP_SKIPPED;
			plan->steps[i].reason =
				plan->steps[i].verdict == MT_VERDICT_UNLIKELY
					? "passed over: its page census now finds unmovable pages"
					: "passed over: its page census now finds pages it cannot "
					  "judge";
		}
}

/* Put back what this run changed, newest first, into the zone each block had. */
static void roll_back(struct run *run)
{
	struct mt_hp_plan *plan = run->plan;
	enum mt_hp_action undo = plan->action == MT_HP_ONLINE ? MT_HP_OFFLINE : MT_HP_ONLINE;

	run->rolling_back = true;
	for (size_t k = plan->nsteps; k > 0; k--) {
		struct mt_hp_step *st = &plan->steps[k - 1], back = *st;
		const char *value = "offline";
		uint32_t *rb;

		if (st->result != MT_HP_DONE)
			continue;
		if (undo == MT_HP_ONLINE)
			value = strcmp(st->zone, "Movable") == 0 ? "online_movable"
								 : "online_kernel";
		back.attempts = 0;
		back.from = plan->action == MT_HP_ONLINE ? MT_STATE_ONLINE : MT_STATE_OFFLINE;
		change_block(run, &back, undo, value);
		if (back.result != MT_HP_DONE && back.result != MT_HP_ALREADY) {
			st->reason = "rollback failed";
			st->err = back.err;
			continue;
		}
		rb = realloc(run->out->rolled_back, (run->out->nrolled_back + 1) * sizeof(*rb));
		if (!rb)
			continue;
		run->out->rolled_back = rb;
		rb[run->out->nrolled_back++] = st->block;
		st->result = MT_HP_ROLLED_BACK;
		run->out->done_bytes -= run->s->block_size;
	}
}

int mt_hp_apply(const struct mt_sysroot *sr, struct mt_snapshot *s, const struct mt_hp_request *rq,
		struct mt_hp_plan *plan, struct mt_interrupts *in, const struct mt_hp_observer *obs,
		struct mt_hp_outcome *out)
{
	struct run run = { .sr = sr,
			   .s = s,
			   .rq = rq,
			   .plan = plan,
			   .in = in,
			   .obs = obs,
			   .out = out,
			   .start_ms = mt_now_ms() };

	*out = (struct mt_hp_outcome){ 0 };
	run.rng = seed_random(run.start_ms);
	run_steps(&run);
	if (rq->rollback && !target_met(&run))
		roll_back(&run);
	out->status = judge(plan, out->done_bytes, false);
	return 0;
}

void mt_hp_outcome_free(struct mt_hp_outcome *out)
{
	free(out->rolled_back);
	out->rolled_back = NULL;
	out->nrolled_back = 0;
}

const char *mt_hp_status_name(enum mt_hp_status s)
{
	return s == MT_HP_STATUS_DONE ? "done" : s == MT_HP_STATUS_PARTIAL ? "partial" : "failed";
}
