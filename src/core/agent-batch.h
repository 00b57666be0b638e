/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One batch of the agent: look at the machine, detect other agents,
 * decide by policy (agent-policy), online through the same apply engine
 * and lock as `memtopo online`, record every block in the state. Coldplug
 * is a batch of every offline block; a hot-add is a batch of the blocks
 * its uevents named. Core: the lines for the journal go through a
 * callback; nothing here prints or exits.
 */
#ifndef MEMTOPO_CORE_AGENT_BATCH_H
#define MEMTOPO_CORE_AGENT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/agent-config.h"
#include "core/agent-state.h"
#include "core/snapshot.h"
#include "core/state-write.h"

struct mt_agent_ctx {
	const struct mt_sysroot *sr;
	const struct mt_agent_config *cfg;
	struct mt_agent_state *state;
	struct mt_interrupts *in; /* SIGTERM/SIGINT: finish the write in flight, write no more */
	bool dry_run;
	double lock_wait;
	/* One line for the journal (prio: syslog's); may be NULL. */
	void (*log)(void *ctx, int prio, const char *line);
	void *log_ctx;
	pid_t lock_holder; /* after -EWOULDBLOCK: who holds it (0 unknown) */
	/*
	 * A young batch: -EINPROGRESS (nothing written) while a DIMM or kmem
	 * device it names has not all its blocks yet, so a short quiet gap
	 * never splits one device's judgement. Off: judge what is there.
	 */
	bool hold_incomplete;
};

struct mt_agent_summary {
	size_t counts[MT_AR_COUNT];
	bool interrupted;
	bool conflict; /* another agent, no takeover: every block refused */
	long read_ms;  /* the lock, the snapshot and the decisions */
	long write_ms; /* the writes (apply) */
};

/*
 * Other agents: auto_online_blocks not offline, a udev rule that onlines
 * memory, daxctl's rule. The snapshot needs MT_WANT_POLICY | MT_WANT_UDEV.
 * Returns how many; `line` gets the first, naming it and how to resolve
 * it, with "(and N more)".
 */
size_t mt_agent_conflicts(const struct mt_snapshot *s, char *line, size_t size);

/*
 * Run one batch over `blocks` (n of them; NULL: coldplug, every offline
 * block). 0, -EWOULDBLOCK (the lock is another run's: nothing done, try
 * later), -EINPROGRESS (hold_incomplete and a device still arriving:
 * nothing done, try when its next event comes), -ENOMEM or the snapshot's
 * -errno (err says where).
 */
int mt_agent_batch(struct mt_agent_ctx *a, const uint32_t *blocks, size_t n,
		   struct mt_agent_summary *sum, struct mt_error *err);

/* Blocks that went away: recorded as removed (node and source from their last entry). */
int mt_agent_removed(struct mt_agent_ctx *a, const uint32_t *blocks, size_t n);

#endif
