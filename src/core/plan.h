/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * online / offline: a request, the plan made from it (pure: snapshot +
 * request -> ordered actions, each skipped block with its reason) and the
 * result of applying it. Only apply.c writes to sysfs.
 */
#ifndef MEMTOPO_HOTPLUG_H
#define MEMTOPO_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/idlist.h"
#include "core/snapshot.h"

enum mt_hp_action { MT_HP_ONLINE, MT_HP_OFFLINE };

/* MT_HP_ALL: every block the filters let through (online/offline --device NAME alone). */
enum mt_hp_target { MT_HP_SIZE, MT_HP_RANGE, MT_HP_BLOCKS, MT_HP_ALL };

/* online --to: movable and kernel name the zone; auto lets the kernel's policy choose. */
enum mt_hp_to { MT_TO_DEFAULT, MT_TO_MOVABLE, MT_TO_KERNEL, MT_TO_AUTO };

struct mt_hp_request {
	enum mt_hp_action action;
	enum mt_hp_target target;
	uint64_t size;                    /* MT_HP_SIZE, bytes */
	uint64_t range_first, range_last; /* MT_HP_RANGE, bytes, inclusive */
	struct mt_idlist blocks;          /* MT_HP_BLOCKS */
	bool node_filter;
	struct mt_idlist nodes;
	unsigned zone_mask; /* 1 << enum mt_zone; 0: any zone */
	const char *device; /* only this device's blocks (needs MT_WANT_ORIGIN); NULL: any */
	enum mt_hp_to to;
	bool force, dry_run, rollback;
	/*
	 * offline --release (pseries): hand each block's LMB back to the
	 * hypervisor through the kernel's DLPAR interface instead of writing
	 * state (the kernel offlines it, removes it, clears its ASSIGNED flag).
	 */
	bool release;
	double timeout;   /* per write, seconds */
	double deadline;  /* whole run, seconds; 0: none */
	unsigned retries; /* EBUSY retries */
};

enum mt_hp_result {
	MT_HP_PLANNED,
	MT_HP_DONE,
	MT_HP_ALREADY,
	MT_HP_FAILED,
	MT_HP_SKIPPED,
	MT_HP_TIMEOUT,
	MT_HP_ROLLED_BACK,
};

/* One block of the plan, then of the report. */
struct mt_hp_step {
	uint32_t block;
	size_t idx; /* in the snapshot */
	enum mt_state from;
	const char *write; /* what goes to state: "offline", "online_movable", ... */
	enum mt_hp_result result;
	unsigned attempts;
	int err; /* last errno of a write (positive), 0 */
	uint64_t elapsed_ms;
	const char *reason; /* why skipped / failed, for people */
	char zone[16];      /* online: the zone it landed in; offline: the zone it left */
	bool spare;         /* SIZE: a candidate taken only if an earlier one fails */
	bool deferred;      /* SIZE offline: sent behind the others by a fresh census */
	uint8_t verdict;    /* enum mt_verdict: the page census' guess, when taken */
	uint32_t drc;       /* --release: the LMB's DRC index */
	bool has_drc;       /* --release: drc is an index (the LMB has one) */
};

/* --release: what goes to kernel/dlpar for this step ("memory remove index 0x80000008"). */
void mt_hp_dlpar_command(const struct mt_hp_step *st, char *buf, size_t size);

struct mt_hp_plan {
	const struct mt_snapshot *snap;
	enum mt_hp_action action;
	struct mt_hp_step *steps; /* candidates in the order they are tried */
	size_t nsteps;
	struct mt_hp_step *skipped; /* blocks that qualified but are left alone, with why */
	size_t nskipped;
	uint64_t requested_bytes;
	bool size_mode;
	bool release;      /* offline --release */
	char refusal[256]; /* non-empty: the plan is refused (a safety rule --force
			    * overrides, or nothing matched), with the reason */
};

/*
 * Build the plan. Returns 0, or -EINVAL with `error` set for a request
 * the machine cannot mean (a block that does not exist, a
 * range outside memory, a size larger than present memory), or -ENOMEM.
 */
int mt_hp_plan_build(const struct mt_snapshot *s, const struct mt_hp_request *rq,
		     const uint32_t *flags, struct mt_hp_plan *plan, char *error, size_t size);
void mt_hp_plan_free(struct mt_hp_plan *plan);

/*
 * The part of planning that judges the request against the machine: a
 * size larger than present memory or not a multiple of the block size, a
 * range unaligned or outside memory, a block that does not exist. 0, or
 * -EINVAL with `error` set. Cheap: run it before taking the lock.
 */
int mt_hp_request_check(const struct mt_snapshot *s, const struct mt_hp_request *rq, char *error,
			size_t size);

/*
 * Offline with a page census: how many leading candidates to census (SIZE:
 * 2N for N blocks wanted, enough in the common case and bounded; named
 * blocks: all of them, for the report), then the verdicts go into the steps
 * and SIZE reorders: likely first, then unknown, then unlikely, keeping
 * Movable before kernel zones and high before low inside each class.
 */
size_t mt_hp_plan_census_window(const struct mt_hp_plan *plan);
void mt_hp_plan_order_by_census(struct mt_hp_plan *plan);
/* The census order of an offline by size: 0 likely, 1 unknown, 2 unlikely. */
int mt_hp_verdict_rank(enum mt_verdict v);

const char *mt_hp_result_name(enum mt_hp_result r);
const char *mt_hp_action_name(enum mt_hp_action a);

#endif
