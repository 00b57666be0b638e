/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MEMTOPO_PLAN_INTERNAL_H
#define MEMTOPO_PLAN_INTERNAL_H

#include "core/plan.h"

/*
 * The safety rules a plan must pass unless --force: MOVABLE:KERNEL past
 * 3:1 after an online to Movable, an offline larger than MemAvailable
 * minus a margin. Sets plan->refusal (with the numbers) when one fails.
 */
void mt_hp_plan_safety(struct mt_hp_plan *plan, const struct mt_hp_request *rq);

#endif
