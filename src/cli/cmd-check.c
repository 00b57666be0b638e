// SPDX-License-Identifier: GPL-2.0-or-later
/* memtopo check: can the kernel's picture of memory blocks be trusted? */
#include <string.h>

#include "cli/render-check.h"
#include "core/checks.h"
#include "cli/cmd.h"
#include "cli/open-snapshot.h"
#include "shared/atomic-file.h"
#include "shared/log.h"
#include "shared/macro.h"

enum {
	OPT_SEVERITY = MT_OPT_FIRST_COMMAND_OPT,
	OPT_ONLY,
	OPT_SKIP,
	OPT_FORMAT,
	OPT_NO_CENSUS,
	OPT_OUTPUT,
};

enum check_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_PROMETHEUS, FORMAT_NAGIOS };

#define CHECK_SHORTOPTS MT_GLOBAL_SHORTOPTS
static const struct option longopts[] = {
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "no-census", no_argument, NULL, OPT_NO_CENSUS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	MT_GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

void cmd_check_usage(FILE *out)
{
	fputs("Usage: memtopo check [OPTIONS]\n\n"
	      "Check memory blocks, node links, iomem, zones and policy for the\n"
	      "inconsistencies real kernels have produced.\n\n"
	      "Options:\n"
	      "      --severity LEVEL   report from this level up: info, warning, error\n"
	      "                         (default: warning for the table, info otherwise)\n"
	      "      --only ID[,ID]     run only these checks\n"
	      "      --skip ID[,ID]     do not run these checks\n"
	      "      --format FORMAT    table (default), json, prometheus or nagios\n"
	      "      --no-census        skip unmovable-pages (reads /proc/kpageflags)\n"
	      "      --output FILE      replace FILE at once with the report (mode 0644)\n"
	      "\n" MT_GLOBAL_USAGE "\nChecks:\n",
	      out);
	for (size_t i = 0; i < mt_nchecks; i++)
		fprintf(out, "  %-24s %-7s %s\n", mt_checks[i].id,
			mt_severity_name(mt_checks[i].severity), mt_checks[i].summary);
	fputs("\nExit status: 0 ok, 1 warning, 2 error, 3 could not check.\n"
	      "See memtopo-check(8).\n",
	      out);
}

struct check_request {
	enum check_format format;
	bool severity_given;
	enum mt_severity severity;
	char *only_buf, *skip_buf;
	const char **only, **skip;
	bool no_census;
	const char *output;
};

/* "a,b,c" -> NULL-terminated array pointing into a copy; every id must exist. */
static int parse_ids(const struct mt_command *self, struct mt_msg *keep, const char *opt,
		     const char *arg, char **buf, const char ***ids)
{
	size_t n = 1;
	char *save = NULL, *tok;

	free(*buf);
	free(*ids);
	*ids = NULL;
	*buf = strdup(arg);
	if (!*buf)
		return -ENOMEM;
	for (const char *p = arg; *p; p++)
		n += *p == ',';
	*ids = calloc(n + 1, sizeof(**ids));
	if (!*ids)
		return -ENOMEM;
	n = 0;
	for (tok = strtok_r(*buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!mt_check_find(tok) && strcmp(tok, MT_ID_EVIDENCE_MISSING) != 0 &&
		    strcmp(tok, MT_ID_RESOURCE_FALLBACK) != 0) {
			mt_usage_error_keep(keep, self, "%s: no check named '%s'", opt, tok);
			return MT_STATUS_UNKNOWN;
		}
		(*ids)[n++] = tok;
	}
	if (n == 0) {
		mt_usage_error_keep(keep, self, "%s: no check ids", opt);
		return MT_STATUS_UNKNOWN;
	}
	return 0;
}

static int add_skip(struct check_request *rq, const char *id)
{
	size_t n = 0;
	const char **ids;

	while (rq->skip && rq->skip[n])
		n++;
	ids = realloc(rq->skip, (n + 2) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	ids[n] = id;
	ids[n + 1] = NULL;
	rq->skip = ids;
	return 0;
}

static bool parse_format(const char *arg, enum check_format *f)
{
	static const char *const names[] = { "table", "json", "prometheus", "nagios" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(arg, names[i]) == 0) {
			*f = (enum check_format)i;
			return true;
		}
	return false;
}

/*
 * After a usage error getopt's view is gone: find the format the command
 * line asks for, so that a monitoring system still gets its UNKNOWN in the
 * form it parses. -J wins over --format, as it does when parsing succeeds.
 */
static enum check_format guess_format(int argc, char **argv)
{
	enum check_format f = FORMAT_TABLE;
	bool json = false;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0 || (a[0] == '-' && a[1] != '-' && strchr(a, 'J')))
			json = true;
		else if (strncmp(a, "--format=", 9) == 0)
			parse_format(a + 9, &f);
		else if (strcmp(a, "--format") == 0 && i + 1 < argc)
			parse_format(argv[++i], &f);
	}
	return json ? FORMAT_JSON : f;
}

/* Usage errors exit 3: "could not check", as monitoring plugins do. */
static int parse_args(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv,
		      struct check_request *rq)
{
	int c, r;

	while ((c = getopt_long(argc, argv, ":" CHECK_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SEVERITY:
			if (!mt_severity_parse(optarg, &rq->severity)) {
				mt_usage_error_keep(
					opts->err_msg, self,
					"--severity: '%s' is not info, warning or error", optarg);
				return MT_STATUS_UNKNOWN;
			}
			rq->severity_given = true;
			break;
		case OPT_ONLY:
			if ((r = parse_ids(self, opts->err_msg, "--only", optarg, &rq->only_buf,
					   &rq->only)) != 0)
				return r < 0 ? MT_STATUS_UNKNOWN : r;
			break;
		case OPT_SKIP:
			if ((r = parse_ids(self, opts->err_msg, "--skip", optarg, &rq->skip_buf,
					   &rq->skip)) != 0)
				return r < 0 ? MT_STATUS_UNKNOWN : r;
			break;
		case OPT_NO_CENSUS:
			rq->no_census = true;
			break;
		case OPT_OUTPUT:
			rq->output = optarg;
			break;
		case OPT_FORMAT:
			if (!parse_format(optarg, &rq->format)) {
				mt_usage_error_keep(
					opts->err_msg, self,
					"--format: '%s' is not table, json, prometheus or "
					"nagios",
					optarg);
				return MT_STATUS_UNKNOWN;
			}
			break;
		default:
			r = mt_opts_handle(self, opts, c, optarg, argv);
			if (r != MT_CONTINUE)
				return r == MT_EXIT_USAGE ? MT_STATUS_UNKNOWN : r;
		}
	}
	if (optind < argc) {
		mt_usage_error_keep(opts->err_msg, self, "unexpected argument '%s'", argv[optind]);
		return MT_STATUS_UNKNOWN;
	}
	if (opts->json)
		rq->format = FORMAT_JSON;
	/* --no-census is --skip unmovable-pages: the one check that reads kpageflags. */
	if (rq->no_census && add_skip(rq, "unmovable-pages") < 0)
		return MT_STATUS_UNKNOWN;
	if (!rq->severity_given)
		rq->severity = rq->format == FORMAT_TABLE && opts->verbose < 1 ? MT_SEV_WARNING
									       : MT_SEV_INFO;
	return MT_CONTINUE;
}

/* Keep findings at or above the level; count them; the status follows. */
static void summarise(struct mt_check_report *rep)
{
	size_t kept = 0;

	for (size_t i = 0; i < rep->findings.n; i++) {
		struct mt_finding *f = &rep->findings.f[i];

		if (f->severity < rep->min_severity) {
			mt_finding_clear(f);
			continue;
		}
		rep->counts[f->severity]++;
		rep->findings.f[kept++] = *f;
	}
	rep->findings.n = kept;
	rep->status = rep->counts[MT_SEV_ERROR]     ? MT_STATUS_ERROR
		      : rep->counts[MT_SEV_WARNING] ? MT_STATUS_WARNING
						    : MT_STATUS_OK;
}

static int report(const struct check_request *rq, struct mt_check_report *rep, FILE *out)
{
	switch (rq->format) {
	case FORMAT_JSON:
		return mt_check_print_json(rep, out);
	case FORMAT_PROMETHEUS:
		return mt_check_print_prometheus(rep, out);
	case FORMAT_NAGIOS:
		return mt_check_print_nagios(rep, out);
	case FORMAT_TABLE:
		break;
	}
	return mt_check_print_text(rep, out);
}

/*
 * Could not check (exit 3): still answer in the format asked for, with the
 * reason (the message just printed), so that a collector or a script sees
 * "unknown" rather than nothing, or a stale result.
 */
static void answer_unknown(const struct check_request *rq, const char *reason, FILE *out)
{
	struct mt_check_report rep = { .status = MT_STATUS_UNKNOWN, .reason = reason };

	report(rq, &rep, out);
}

/* The report is written; with --output, replace the file now. */
static int finish_output(const struct check_request *rq, struct mt_atomic_file *af, int status)
{
	int r;

	if (!af->f)
		return status;
	r = mt_atomic_commit(af);
	if (r < 0) {
		mt_err("check: --output %s: %s: %s; the old file is left as it was", rq->output,
		       mt_errno_name(r), strerror(-r));
		return MT_STATUS_UNKNOWN;
	}
	return status;
}

int cmd_check(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	struct check_request rq = { 0 };
	struct mt_check_report rep = { 0 };
	struct mt_agent_state agent = { 0 };
	struct mt_check_filter filter;
	struct mt_snapshot *snap = NULL;
	struct mt_atomic_file af = { 0 };
	struct mt_sysroot sr;
	FILE *out = stdout;
	bool write_failed = false;
	int r, status = MT_STATUS_UNKNOWN;
	/* The line an exit-3 answer repeats: every error below keeps it here. */
	struct mt_msg why = { { 0 } };

	/* Reset at out_args, on every way out: opts never keeps it past this call. */
	// cppcheck-suppress autoVariables
	opts->err_msg = &why;
	r = parse_args(self, opts, argc, argv, &rq);
	if (r != MT_CONTINUE) {
		status = r;
		if (status == MT_STATUS_UNKNOWN) {
			/* Not into --output: the command line that names it is wrong. */
			rq.format = guess_format(argc, argv);
			answer_unknown(&rq, why.text, stdout);
		}
		goto out_args;
	}
	/* Before anything is read: a missing directory is a one-line failure. */
	if (rq.output) {
		r = mt_atomic_open(&af, rq.output, 0644);
		if (r < 0) {
			mt_err("check: --output %s: %s: %s; its directory must exist and be "
			       "writable",
			       rq.output, mt_errno_name(r), strerror(-r));
			goto out_args;
		}
		out = af.f;
	}
	filter = (struct mt_check_filter){ .only = rq.only, .skip = rq.skip };
	if (mt_open_sysroot(opts, &sr) < 0) {
		answer_unknown(&rq, why.text, out);
		status = finish_output(&rq, &af, MT_STATUS_UNKNOWN);
		goto out_args;
	}
	if (mt_read_snapshot_keep(&sr, mt_checks_wants(&filter), &snap, &why) < 0) {
		answer_unknown(&rq, why.text, out);
		goto out;
	}
	if (snap->nblocks == 0) {
		mt_err_keep(&why, "check: %s/%s holds no memory blocks: nothing to check",
			    sr.sys_path, MT_SYSFS_MEMORY);
		answer_unknown(&rq, why.text, out);
		goto out;
	}
	mt_snapshot_settle(&sr, snap);
	r = mt_checks_run(snap, &filter, &rep.findings);
	if (r < 0) {
		mt_err_keep(&why, "check: %s: %s", mt_errno_name(r), strerror(-r));
		answer_unknown(&rq, why.text, out);
		goto out;
	}
	rep.snap = snap;
	rep.min_severity = rq.severity;
	rep.only = rq.only;
	rep.skip = rq.skip;
	rep.color = rq.format == FORMAT_TABLE && !rq.output && mt_use_color(opts);
	if (rq.format == FORMAT_PROMETHEUS && mt_agent_state_read_counters(sr.root_fd, &agent) == 0)
		rep.agent = &agent;
	summarise(&rep);
	/*
	 * Node links only (a capture without the memory directory): a finding
	 * they show is a fact and is reported, but "ok" would claim the block
	 * checks passed, and those could not run: that is "could not check".
	 */
	if (snap->memory_dir_absent && rep.status == MT_STATUS_OK) {
		mt_err_keep(
			&why,
			"check: %s/%s is absent: only the node links could be checked (%zu blocks "
			"named by them) and they show no warning; the block checks need that "
			"directory",
			sr.sys_path, MT_SYSFS_MEMORY, snap->nblocks);
		answer_unknown(&rq, why.text, out);
		goto out;
	}
	/* --only named checks none of which could run: that is no answer at all. */
	if (rq.only && !mt_checks_any_runs(snap, &filter)) {
		rep.status = MT_STATUS_UNKNOWN;
		rep.reason = "none of the checks named by --only can run on this machine";
	}
	r = report(&rq, &rep, out);
	if (r < 0) {
		/* A half-written report must not replace the old file. */
		mt_err("check: writing the report: %s: %s", mt_errno_name(r), strerror(-r));
		write_failed = true;
		goto out;
	}
	status = (int)rep.status;
out:
	if (!write_failed)
		status = finish_output(&rq, &af, status);
	mt_findings_free(&rep.findings);
	mt_agent_state_free(&agent);
	mt_snapshot_free(snap);
	mt_sysroot_close(&sr);
out_args:
	opts->err_msg = NULL;
	mt_atomic_abort(&af);
	free(rq.only_buf);
	free(rq.skip_buf);
	free(rq.only);
	free(rq.skip);
	return status;
}
