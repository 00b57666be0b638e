/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MOVABLE:KERNEL present memory, overall and per node: what the
 * movable-ratio check reports and what online's 3:1 rule refuses past
 * (memory-hotplug.rst: "ratios of up to 3:1 or even 4:1 are fine").
 */
#ifndef MEMTOPO_ZONE_BALANCE_H
#define MEMTOPO_ZONE_BALANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/snapshot.h"

#define MT_MAX_MOVABLE_RATIO 3
/* Node ids beyond this are not a real machine (MAX_NUMNODES <= 1 << 10). */
#define MT_BALANCE_NODES 1024

struct mt_balance {
	uint64_t movable, kernel; /* bytes; Device memory counts in neither */
};

/* A zone's memory into a balance (Movable, or a kernel zone). */
void mt_balance_add(struct mt_balance *b, enum mt_zone z, uint64_t bytes);

/*
 * Present memory: /proc/zoneinfo when there is one, else the online blocks
 * in one zone. per_node holds MT_BALANCE_NODES entries, zeroed by the caller.
 */
void mt_balance_read(const struct mt_snapshot *s, struct mt_balance *per_node,
		     struct mt_balance *all);

/* Past MOVABLE:KERNEL 3:1? A node without kernel memory is judged overall. */
static inline bool mt_balance_too_movable(const struct mt_balance *b)
{
	return b->kernel && b->movable > MT_MAX_MOVABLE_RATIO * b->kernel;
}

#endif
