// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `check --format nagios`: the monitoring-plugin output (Nagios, Icinga,
 * Naemon, Sensu): one status line, "MEMTOPO STATE - summary | perfdata",
 * then one line per finding as the plugin's long output. Perfdata follows
 * the monitoring-plugins guidelines: 'label'=value[UOM];warn;crit;min;max.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "cli/render-check.h"

static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* '|' starts perfdata and a newline ends the line: neither may appear in text. */
static void put_text(const char *s, FILE *out)
{
	for (; *s; s++)
		fputc(*s == '|' ? '/' : *s == '\n' ? ' ' : *s, out);
}

/* The ids of the findings at warning and above, each once, most severe first. */
static void put_ids(const struct mt_check_report *rep, FILE *out)
{
	bool first = true;

	for (size_t i = 0; i < rep->findings.n; i++) {
		const struct mt_finding *f = &rep->findings.f[i];
		bool seen = false;

		if (f->severity < MT_SEV_WARNING)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = rep->findings.f[k].severity >= MT_SEV_WARNING &&
			       strcmp(rep->findings.f[k].id, f->id) == 0;
		if (seen)
			continue;
		fputs(first ? ": " : ", ", out);
		fputs(f->id, out);
		first = false;
	}
}

static void put_perfdata(const struct mt_check_report *rep, FILE *out)
{
	const struct mt_snapshot *snap = rep->snap;
	uint64_t online = 0, offline = 0;

	fprintf(out, " | 'blocks'=%zu;;;0", snap->nblocks);
	/* Without a block size no byte count is true: leave them out. */
	if (snap->block_size) {
		for (size_t i = 0; i < snap->nblocks; i++) {
			enum mt_state st = snap->blocks[i].state;

			if (st == MT_STATE_ONLINE || st == MT_STATE_GOING_OFFLINE)
				online += snap->block_size;
			else if (st == MT_STATE_OFFLINE)
				offline += snap->block_size;
		}
		fprintf(out, " 'online_bytes'=%" PRIu64 "B;;;0 'offline_bytes'=%" PRIu64 "B;;;0",
			online, offline);
	}
	/* Thresholds as ranges: any error is critical, any warning a warning. */
	fprintf(out,
		" 'findings_error'=%zu;;0;0 'findings_warning'=%zu;0;;0 'findings_info'=%zu;;;0\n",
		rep->counts[MT_SEV_ERROR], rep->counts[MT_SEV_WARNING], rep->counts[MT_SEV_INFO]);
}

int mt_check_print_nagios(const struct mt_check_report *rep, FILE *out)
{
	unsigned st = (unsigned)rep->status < 4 ? (unsigned)rep->status : MT_STATUS_UNKNOWN;

	fprintf(out, "MEMTOPO %s - ", state_names[st]);
	if (!rep->snap) {
		put_text(rep->reason ? rep->reason : "could not check", out);
		fputc('\n', out);
		return fflush(out) == 0 ? 0 : -errno;
	}
	if (rep->reason) {
		put_text(rep->reason, out);
		fputs("; ", out);
	}
	fprintf(out, "%zu error%s, %zu warning%s, %zu info in %zu memory block%s",
		rep->counts[MT_SEV_ERROR], rep->counts[MT_SEV_ERROR] == 1 ? "" : "s",
		rep->counts[MT_SEV_WARNING], rep->counts[MT_SEV_WARNING] == 1 ? "" : "s",
		rep->counts[MT_SEV_INFO], rep->snap->nblocks, rep->snap->nblocks == 1 ? "" : "s");
	put_ids(rep, out);
	put_perfdata(rep, out);
	for (size_t i = 0; i < rep->findings.n; i++) {
		const struct mt_finding *f = &rep->findings.f[i];

		fprintf(out, "%s %s: ", mt_severity_name(f->severity), f->id);
		put_text(f->message ? f->message : "", out);
		fputc('\n', out);
	}
	return fflush(out) == 0 ? 0 : -errno;
}
