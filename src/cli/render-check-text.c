// SPDX-License-Identifier: GPL-2.0-or-later
/* `check` for a human: findings grouped by severity, each with its hint. */
#include <errno.h>
#include <string.h>

#include "cli/render-check.h"

static const char *const status_names[] = { "ok", "warning", "error", "unknown" };

const char *mt_check_status_name(enum mt_check_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "unknown";
}

static const char *color_of(enum mt_severity s)
{
	switch (s) {
	case MT_SEV_ERROR:
		return "\033[1;31m";
	case MT_SEV_WARNING:
		return "\033[1;33m";
	default:
		return "\033[1;34m";
	}
}

static void plural(FILE *out, size_t n, const char *one, const char *many)
{
	fprintf(out, "%zu %s", n, n == 1 ? one : many);
}

int mt_check_print_text(const struct mt_check_report *rep, FILE *out)
{
	const struct mt_findings *fs = &rep->findings;

	/* Nothing read: a human has the reason on stderr already. */
	if (!rep->snap)
		return 0;
	for (size_t i = 0; i < fs->n; i++) {
		const struct mt_finding *f = &fs->f[i];

		if (rep->color)
			fprintf(out, "%s%s\033[0m", color_of(f->severity),
				mt_severity_name(f->severity));
		else
			fputs(mt_severity_name(f->severity), out);
		fprintf(out, ": %s: %s\n", f->id, f->message ? f->message : "");
		if (f->hint)
			fprintf(out, "  hint: %s\n", f->hint);
	}
	if (fs->n)
		fputc('\n', out);
	plural(out, rep->counts[MT_SEV_ERROR], "error", "errors");
	fputs(", ", out);
	plural(out, rep->counts[MT_SEV_WARNING], "warning", "warnings");
	fprintf(out, ", %zu info", rep->counts[MT_SEV_INFO]);
	fputs(" in ", out);
	plural(out, rep->snap->nblocks, "memory block", "memory blocks");
	fprintf(out, "%s: %s\n",
		rep->min_severity > MT_SEV_INFO
			? (rep->min_severity == MT_SEV_ERROR
				   ? " (errors only)"
				   : " (info hidden: -v or --severity info shows it)")
			: "",
		mt_check_status_name(rep->status));
	return fflush(out) == 0 ? 0 : -errno;
}
