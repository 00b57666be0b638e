/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Applying a plan: the only code that writes to sysfs. One block at a time
 * (the kernel serialises all hotplug on one lock: parallel writes gain
 * nothing), each write deadline-bounded, EBUSY retried with backoff,
 * EINVAL after a race re-read, every result verified by re-reading state.
 */
#ifndef MEMTOPO_APPLY_H
#define MEMTOPO_APPLY_H

#include <stdio.h>

#include "core/plan.h"
#include "core/state-write.h"

enum mt_hp_status { MT_HP_STATUS_DONE, MT_HP_STATUS_PARTIAL, MT_HP_STATUS_FAILED };

struct mt_hp_outcome {
	uint64_t done_bytes;
	enum mt_hp_status status;
	bool interrupted, deadline_hit;
	uint32_t *rolled_back; /* blocks put back as they were */
	size_t nrolled_back;
};

/*
 * What apply tells its caller while it runs, between writes (NULL, or any
 * member NULL: nothing): the command line draws its progress line and logs
 * each change to syslog; the core itself never prints.
 */
struct mt_hp_observer {
	void *ctx;
	/* A write to this block is about to start (once per attempt). */
	void (*block_begin)(void *ctx, uint32_t block);
	/* A block was written and settled: st holds its result, errno, attempts. */
	void (*block_end)(void *ctx, const struct mt_hp_step *st, enum mt_hp_action a);
	/* The bytes done so far, after each block. */
	void (*bytes_done)(void *ctx, uint64_t done_bytes);
};

int mt_hp_apply(const struct mt_sysroot *sr, struct mt_snapshot *s, const struct mt_hp_request *rq,
		struct mt_hp_plan *plan, struct mt_interrupts *in, const struct mt_hp_observer *obs,
		struct mt_hp_outcome *out);
void mt_hp_outcome_free(struct mt_hp_outcome *out);
const char *mt_hp_status_name(enum mt_hp_status s);
/*
 * A dry run's answer: the status a real run of this plan ends with if the
 * kernel takes every write it needs (no race, no EBUSY, no deadline).
 */
enum mt_hp_status mt_hp_predict(const struct mt_hp_plan *plan);

#endif
