/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The result of `memtopo check`, built by cmd-check.c, formatted by check-*.c. */
#ifndef MEMTOPO_CHECK_REPORT_H
#define MEMTOPO_CHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/agent-state.h"
#include "core/findings.h"
#include "core/snapshot.h"

/* Monitoring-plugin convention: the exit status is the status. */
enum mt_check_status {
	MT_STATUS_OK = 0,
	MT_STATUS_WARNING = 1,
	MT_STATUS_ERROR = 2,
	MT_STATUS_UNKNOWN = 3,
};

/*
 * snap is NULL when nothing could be read: then status is
 * MT_STATUS_UNKNOWN, reason says why, and there are no findings.
 */
struct mt_check_report {
	const struct mt_snapshot *snap;
	const char *reason;          /* why the status is unknown; NULL otherwise */
	struct mt_findings findings; /* what is reported, most severe first */
	enum mt_severity min_severity;
	const char *const *only; /* the ids asked for, for metrics of zero; NULL: all */
	const char *const *skip;
	size_t counts[MT_SEV_COUNT];
	enum mt_check_status status;
	bool color;
	/* The agent's counters (its state file), NULL when no agent ran. */
	const struct mt_agent_state *agent;
};

const char *mt_check_status_name(enum mt_check_status s);

int mt_check_print_text(const struct mt_check_report *rep, FILE *out);
int mt_check_print_json(const struct mt_check_report *rep, FILE *out);
int mt_check_print_prometheus(const struct mt_check_report *rep, FILE *out);
int mt_check_print_nagios(const struct mt_check_report *rep, FILE *out);

/* JSON of one finding (shared with show). NULL on ENOMEM. */
struct json_object *mt_finding_json(const struct mt_finding *f);

#endif
