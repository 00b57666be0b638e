// SPDX-License-Identifier: GPL-2.0-or-later
/* The rules that refuse a plan unless --force. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "shared/macro.h"
#include "shared/units.h"
#include "core/zone-balance.h"
#include "plan-internal.h"

static void refuse_ratio(struct mt_hp_plan *plan, const char *where, const struct mt_balance *b)
{
	char mov[16], ker[16];

	snprintf(plan->refusal, sizeof(plan->refusal),
		 "onlining to Movable would make MOVABLE:KERNEL %.1f:1 %s (%s Movable, %s in "
		 "kernel zones; more than 3:1 starves the kernel's own allocations): use --to "
		 "kernel, or --force",
		 (double)b->movable / (double)b->kernel, where,
		 mt_size_human(b->movable, mov, sizeof(mov)),
		 mt_size_human(b->kernel, ker, sizeof(ker)));
}

/* The blocks the plan means to change (spares only if earlier ones fail). */
static bool counts(const struct mt_hp_step *st)
{
	return st->result == MT_HP_PLANNED && !st->spare;
}

static void check_ratio(struct mt_hp_plan *plan)
{
	const struct mt_snapshot *s = plan->snap;
	struct mt_balance all = { 0 };
	_cleanup_free_ struct mt_balance *node = calloc(MT_BALANCE_NODES, sizeof(*node));

	if (!node) {
		snprintf(plan->refusal, sizeof(plan->refusal), "out of memory checking the zones");
		return;
	}
	mt_balance_read(s, node, &all);
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct mt_hp_step *st = &plan->steps[i];
		const struct mt_block *b = &s->blocks[st->idx];

		if (!counts(st) || strcmp(st->write, "online_movable") != 0)
			continue;
		all.movable += s->block_size;
		if (b->nnodes == 1 && b->node < MT_BALANCE_NODES)
			node[b->node].movable += s->block_size;
	}
	if (mt_balance_too_movable(&all)) {
		refuse_ratio(plan, "overall", &all);
		return;
	}
	/* A node with no kernel memory at all (a hot-added or CXL node) is judged overall. */
	for (int n = 0; n < MT_BALANCE_NODES; n++)
		if (mt_balance_too_movable(&node[n])) {
			char where[32];

			snprintf(where, sizeof(where), "on node%d", n);
			refuse_ratio(plan, where, &node[n]);
			return;
		}
}

/*
 * Offlining migrates the block's pages elsewhere: without room the kernel
 * reclaims, swaps and may OOM-kill. Keep a margin of a twentieth of RAM,
 * at least 256 MiB.
 */
static void check_available(struct mt_hp_plan *plan)
{
	const struct mt_snapshot *s = plan->snap;
	uint64_t bytes = 0, margin;
	char want[16], avail[16], marg[16];

	if (!s->have_mem_available)
		return;
	for (size_t i = 0; i < plan->nsteps; i++)
		bytes += counts(&plan->steps[i]) ? s->block_size : 0;
	margin = s->mem_total / 20 > (256u << 20) ? s->mem_total / 20 : (256u << 20);
	if (bytes + margin <= s->mem_available)
		return;
	snprintf(plan->refusal, sizeof(plan->refusal),
		 "offlining %s needs that much free memory to migrate to, and MemAvailable is %s "
		 "(keeping a margin of %s): free memory first, or --force",
		 mt_size_human(bytes, want, sizeof(want)),
		 mt_size_human(s->mem_available, avail, sizeof(avail)),
		 mt_size_human(margin, marg, sizeof(marg)));
}

void mt_hp_plan_safety(struct mt_hp_plan *plan, const struct mt_hp_request *rq)
{
	if (rq->action == MT_HP_ONLINE)
		check_ratio(plan);
	else
		check_available(plan);
}
