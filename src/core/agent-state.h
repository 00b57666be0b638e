/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the agent did since it started (doc/cli.md, "agent"): the state
 * file <sysroot>/run/memtopo/agent.json, rewritten atomically after each
 * batch (tmp, fsync, rename), the last 4096 block entries and counters
 * since start that `check --format prometheus` exports. Entries are kept
 * small and the file is written as a stream: the agent runs when memory
 * is short.
 */
#ifndef MEMTOPO_CORE_AGENT_STATE_H
#define MEMTOPO_CORE_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/agent-config.h"

#define MT_AGENT_STATE_PATH   "run/memtopo/agent.json"
#define MT_AGENT_STATE_MAX    4096
#define MT_AGENT_STATE_SCHEMA 1

enum mt_agent_result {
	MT_AR_ONLINED,
	MT_AR_ALREADY,
	MT_AR_REFUSED,
	MT_AR_FAILED,
	MT_AR_IGNORED,
	MT_AR_REMOVED, /* a block the agent saw went away (hot-remove) */
	MT_AR_COUNT,
};

/* Why a block was not onlined, as a Prometheus label: a short closed list. */
enum mt_agent_refusal {
	MT_RF_UNSAFE,   /* check flags it */
	MT_RF_ZONE,     /* the zone asked is not offered */
	MT_RF_CONFLICT, /* another agent is active (no takeover) */
	MT_RF_STATE,    /* state unreadable or going offline */
	MT_RF_FAILED,   /* the kernel refused the write */
	MT_RF_COUNT,
};

struct mt_agent_entry {
	uint32_t block;
	int16_t node;   /* -1 unknown */
	uint8_t source; /* enum mt_source */
	uint8_t result; /* enum mt_agent_result */
	char device[24];
	char zone[16];
	char reason[144];
	int64_t time_ms; /* wall clock */
};

struct mt_agent_counter {
	int node;
	char zone[16];
	uint8_t source;
	uint64_t bytes;
};

struct mt_agent_state {
	long pid;
	int64_t started_ms;
	struct mt_agent_entry *ring; /* grows to MT_AGENT_STATE_MAX, then wraps */
	size_t cap, head, n;         /* head: the oldest entry */
	struct mt_agent_counter *onlined;
	size_t nonlined;
	uint64_t refusals[MT_RF_COUNT];
	uint64_t results[MT_AR_COUNT];
};

void mt_agent_state_init(struct mt_agent_state *st);
void mt_agent_state_free(struct mt_agent_state *st);
/* Record one block; bytes count into the onlined counter when it was onlined. 0 or -ENOMEM. */
int mt_agent_state_add(struct mt_agent_state *st, const struct mt_agent_entry *e, uint64_t bytes);
void mt_agent_state_refusal(struct mt_agent_state *st, enum mt_agent_refusal why);
/* The last entry for this block, or NULL. */
const struct mt_agent_entry *mt_agent_state_last(const struct mt_agent_state *st, uint32_t block);

/* Write it atomically to <root_fd>/MT_AGENT_STATE_PATH (creating run/memtopo). 0 or -errno. */
int mt_agent_state_write(int root_fd, const struct mt_agent_state *st,
			 const struct mt_agent_config *c);

/*
 * The counters of the state file under root_fd, for check's Prometheus
 * output: st->onlined and st->refusals (the ring stays empty). 0,
 * -ENOENT (no agent ran), -EINVAL (not a state file of this schema),
 * -ENOMEM.
 */
int mt_agent_state_read_counters(int root_fd, struct mt_agent_state *st);

const char *mt_agent_result_name(enum mt_agent_result r);
const char *mt_agent_refusal_name(enum mt_agent_refusal r);

#endif
