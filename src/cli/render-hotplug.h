/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The report of online/offline: what happened to every block, as JSON or text. */
#ifndef MEMTOPO_HOTPLUG_REPORT_H
#define MEMTOPO_HOTPLUG_REPORT_H

#include <stdio.h>

#include "core/apply.h"
#include "core/plan.h"

struct mt_hp_report {
	const struct mt_hp_plan *plan;
	const struct mt_hp_outcome *outcome; /* NULL for a dry run */
	bool dry_run, quiet;
};

int mt_hp_print_json(const struct mt_hp_report *rep, FILE *out);
int mt_hp_print_text(const struct mt_hp_report *rep, FILE *out);
/* One line on stderr per block that failed: block, errno name, what to do. */
void mt_hp_print_errors(const struct mt_hp_report *rep);

#endif
