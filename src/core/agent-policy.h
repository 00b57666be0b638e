/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's decisions, pure: a snapshot (with origin and check flags),
 * the configuration and the blocks to judge -> per block what to write
 * and why. auto-movable follows the kernel's online_policy=auto-movable
 * (mm/memory_hotplug.c, auto_movable_zone_for_pfn): MOVABLE stays within
 * ratio% of the kernel memory present at boot, machine-wide and, with
 * numa-aware, per node; a DIMM or a kmem device (a static group) goes
 * wholly into one zone; a virtio-mem device (a dynamic group) is judged
 * per block, and its own kernel-zone memory earns it more Movable.
 */
#ifndef MEMTOPO_CORE_AGENT_POLICY_H
#define MEMTOPO_CORE_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/agent-config.h"
#include "core/snapshot.h"

enum mt_agent_verdict {
	MT_AV_ONLINE,  /* write `write` */
	MT_AV_ALREADY, /* online already (another agent, or before us) */
	MT_AV_IGNORE,  /* the policy says leave it (ignore, dlpar, s390 standby) */
	MT_AV_REFUSE,  /* unsafe: check flags it, or the zone asked is impossible */
};

struct mt_agent_decision {
	uint32_t block;
	size_t idx;
	enum mt_agent_verdict verdict;
	const char *write; /* "online_movable", "online_kernel", "online"; NULL */
	char zone[16];     /* the zone meant: "Movable", "kernel", "auto"; "" */
	const char *rule;  /* "policy" or the [match] name: points into the config */
	char reason[200];
};

struct mt_agent_decisions {
	struct mt_agent_decision *d; /* by block id */
	size_t n;
};

/*
 * Decide for the blocks with judge[i] true (all when NULL). flags: per
 * block check bits (mt_checks_block_flags), may be NULL. The snapshot
 * must hold state, zones, nodes and origin. 0 or -ENOMEM.
 */
int mt_agent_decide(const struct mt_snapshot *s, const uint32_t *flags,
		    const struct mt_agent_config *c, const bool *judge,
		    struct mt_agent_decisions *out);
void mt_agent_decisions_free(struct mt_agent_decisions *d);

const char *mt_agent_verdict_name(enum mt_agent_verdict v);

/* Which rule takes this block: the first [match] whose filters all hold, else [policy]. */
const struct mt_agent_rule *mt_agent_rule_for(const struct mt_snapshot *s,
					      const struct mt_agent_config *c, size_t idx,
					      uint64_t group_bytes);

#endif
