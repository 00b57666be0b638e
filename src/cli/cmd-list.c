// SPDX-License-Identifier: GPL-2.0-or-later
/* memtopo list: memory blocks merged into ranges, like lsmem. */
#include <libsmartcols.h>
#include <string.h>
#include <strings.h>

#include "core/checks.h"
#include "cli/cmd.h"
#include "cli/open-snapshot.h"
#include "shared/idlist.h"
#include "cli/list-columns.h"
#include "cli/render-list.h"

#define DEFAULT_COLUMNS "RANGE,SIZE,STATE,BLOCK,NODE,ZONES"

enum {
	OPT_OUTPUT_ALL = MT_OPT_FIRST_COMMAND_OPT,
	OPT_SUMMARY,
	OPT_NODE,
	OPT_STATE,
	OPT_NO_CENSUS,
};

#define LIST_SHORTOPTS "o:S:abnrP" MT_GLOBAL_SHORTOPTS
const char cmd_list_shortopts[] = LIST_SHORTOPTS;
const struct option cmd_list_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "output-all", no_argument, NULL, OPT_OUTPUT_ALL },
	{ "all", no_argument, NULL, 'a' },
	{ "split", required_argument, NULL, 'S' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "raw", no_argument, NULL, 'r' },
	{ "pairs", no_argument, NULL, 'P' },
	{ "summary", optional_argument, NULL, OPT_SUMMARY },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "no-census", no_argument, NULL, OPT_NO_CENSUS },
	MT_GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

void cmd_list_usage(FILE *out)
{
	fputs("Usage: memtopo list [OPTIONS]\n\n"
	      "List memory blocks merged into ranges (like lsmem).\n\n"
	      "Options:\n"
	      "  -o, --output LIST      columns to show; +LIST appends to the default\n"
	      "      --output-all       show every column\n"
	      "  -a, --all              one line per memory block\n"
	      "  -S, --split LIST       split ranges by these columns (or 'none')\n"
	      "  -b, --bytes            sizes in bytes\n"
	      "  -n, --noheadings       no table header\n"
	      "  -r, --raw              raw output\n"
	      "  -P, --pairs            KEY=\"value\" output\n"
	      "      --summary[=WHEN]   summary: never, always or only\n"
	      "      --node N[,M]       only blocks on these NUMA nodes\n"
	      "      --state STATE      only blocks in this state (online, offline, "
	      "going-offline)\n"
	      "      --no-census        OFFLINE says unknown: do not read /proc/kpageflags\n"
	      "\n" MT_GLOBAL_USAGE "\nColumns (default " DEFAULT_COLUMNS
	      ", or $MEMTOPO_COLUMNS):\n",
	      out);
	for (size_t i = 0; i < MT_LIST_NCOLS; i++)
		fprintf(out, "  %10s  %s\n", mt_list_columns[i].name, mt_list_columns[i].help);
	fputs("\nSee memtopo-list(8).\n", out);
}

static int column_by_name(const char *name, size_t len)
{
	for (int i = 0; i < MT_LIST_NCOLS; i++)
		if (strlen(mt_list_columns[i].name) == len &&
		    strncasecmp(mt_list_columns[i].name, name, len) == 0)
			return i;
	return -1;
}

/* Append the columns named in LIST ("A,B,C") to cols; -EINVAL names the bad one. */
static int parse_columns(const char *list, int *cols, size_t *ncols, const char **bad,
			 size_t *badlen)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int c = column_by_name(p, len);

		if (c < 0) {
			*bad = p;
			*badlen = len;
			return -EINVAL;
		}
		if (*ncols >= MT_LIST_NCOLS)
			return -E2BIG;
		cols[(*ncols)++] = c;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

struct list_request {
	const char *output;
	bool output_all, per_block;
	enum mt_summary_mode summary;
	struct mt_idlist nodes;
	bool node_filter;
	unsigned states; /* 1 << enum mt_state; 0: all */
	bool no_census;
};

/* Columns not in cols yet, from LIST, appended (--output-all -o +LIST). */
static int append_new_columns(const char *list, int *cols, size_t *ncols, const char **bad,
			      size_t *badlen)
{
	int add[MT_LIST_NCOLS];
	size_t nadd = 0;
	int r = parse_columns(list, add, &nadd, bad, badlen);

	for (size_t i = 0; r == 0 && i < nadd; i++) {
		bool have = false;

		for (size_t j = 0; j < *ncols; j++)
			have |= cols[j] == add[i];
		if (!have)
			cols[(*ncols)++] = add[i];
	}
	return r;
}

/*
 * The columns, as lsmem chooses them: --output-all is every column, -o LIST
 * replaces the columns whatever its place on the line, -o +LIST appends to
 * them. Every list named (-o, MEMTOPO_COLUMNS) is checked, also when
 * --output-all makes it moot: a typo is a usage error, never ignored.
 */
static int setup_columns(const struct mt_command *self, struct mt_list *l,
			 const struct list_request *rq)
{
	const char *env = getenv("MEMTOPO_COLUMNS");
	const char *def = env && *env ? env : DEFAULT_COLUMNS;
	const char *bad = NULL, *what = def == env ? "MEMTOPO_COLUMNS" : "default columns";
	bool append = !rq->output || rq->output[0] == '+';
	int scratch[MT_LIST_NCOLS];
	size_t nscratch = 0, badlen = 0;
	int r;

	l->ncols = 0;
	r = parse_columns(def, scratch, &nscratch, &bad, &badlen);
	if (r == 0 && append && !rq->output_all)
		r = parse_columns(def, l->cols, &l->ncols, &bad, &badlen);
	/* Every column but REMOVABLE, which is read only when named. */
	if (r == 0 && append && rq->output_all)
		for (int i = 0; i < MT_LIST_NCOLS; i++)
			if (i != COL_REMOVABLE)
				l->cols[l->ncols++] = i;
	if (r == 0 && rq->output) {
		const char *list = rq->output + (rq->output[0] == '+');

		what = "--output";
		if (rq->output_all && append)
			r = append_new_columns(list, l->cols, &l->ncols, &bad, &badlen);
		else
			r = parse_columns(list, l->cols, &l->ncols, &bad, &badlen);
	}
	if (r == -E2BIG)
		return mt_usage_error(self, "%s: too many columns", what);
	/* getopt takes the word after -o as its argument, as util-linux's tools
	 * do: "-o -J" names a column "-J"; say so rather than a bare "unknown". */
	if (r < 0 && bad[0] == '-')
		return mt_usage_error(self,
				      "%s: unknown column '%.*s' (the word after -o is its "
				      "column list)",
				      what, (int)badlen, bad);
	if (r < 0)
		return mt_usage_error(self, "%s: unknown column '%.*s'", what, (int)badlen, bad);
	if (l->ncols == 0)
		return mt_usage_error(self, "%s: no columns", what);
	return 0;
}

static int parse_split(const struct mt_command *self, const char *list, unsigned *split)
{
	int cols[MT_LIST_NCOLS];
	size_t n = 0, badlen = 0;
	const char *bad = NULL;
	int r;

	*split = 0;
	if (strcasecmp(list, "none") == 0)
		return 0;
	r = parse_columns(list, cols, &n, &bad, &badlen);
	if (r == -E2BIG)
		return mt_usage_error(self, "--split: too many columns");
	if (r < 0)
		return mt_usage_error(self, "--split: unknown column '%.*s'", (int)badlen, bad);
	for (size_t i = 0; i < n; i++) {
		if (!mt_list_columns[cols[i]].split)
			return mt_usage_error(self, "--split: cannot split by %s",
					      mt_list_columns[cols[i]].name);
		*split |= mt_list_columns[cols[i]].split;
	}
	return 0;
}

static int parse_states(const struct mt_command *self, const char *list, unsigned *states)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		char name[32];
		enum mt_state s;

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		s = mt_state_parse(name);
		if (s == MT_STATE_UNKNOWN)
			return mt_usage_error(
				self, "--state: '%s' is not online, offline or going-offline",
				name);
		*states |= 1u << s;
		p += len + (p[len] == ',');
	}
	return 0;
}

static void add_to_summary(struct mt_list_summary *sum, const struct mt_block *b, uint64_t bs)
{
	sum->blocks++;
	switch (b->state) {
	case MT_STATE_ONLINE:
	case MT_STATE_GOING_OFFLINE: /* still online until the offline completes */
		sum->online_bytes += bs;
		break;
	case MT_STATE_OFFLINE:
		sum->offline_bytes += bs;
		break;
	default:
		sum->unknown_bytes += bs;
		break;
	}
}

static bool block_selected(const struct mt_snapshot *s, const struct mt_block *b,
			   const struct list_request *rq)
{
	if (rq->states && !(rq->states & (1u << b->state)))
		return false;
	if (rq->node_filter) {
		const int *nodes = mt_block_nodes(s, b);

		for (unsigned i = 0; i < b->nnodes; i++)
			if (mt_idlist_contains(&rq->nodes, (unsigned long)nodes[i]))
				return true;
		return false;
	}
	return true;
}

static int parse_args(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv,
		      struct mt_list *l, struct list_request *rq)
{
	bool split_given = false;
	unsigned split = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, ":" LIST_SHORTOPTS, cmd_list_longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			rq->output = optarg;
			break;
		case OPT_OUTPUT_ALL:
			rq->output_all = true;
			break;
		case 'a':
			rq->per_block = true;
			break;
		case 'S':
			if ((r = parse_split(self, optarg ?: "", &split)) != 0)
				return r;
			split_given = true;
			break;
		case 'b':
			l->bytes = true;
			break;
		case 'n':
			l->noheadings = true;
			break;
		case 'r':
			l->raw = true;
			break;
		case 'P':
			l->pairs = true;
			break;
		case OPT_SUMMARY:
			/* A bare --summary is "only", as in lsmem. */
			if (optarg && strcmp(optarg, "always") == 0)
				rq->summary = MT_SUMMARY_ALWAYS;
			else if (optarg && strcmp(optarg, "never") == 0)
				rq->summary = MT_SUMMARY_NEVER;
			else if (!optarg || strcmp(optarg, "only") == 0)
				rq->summary = MT_SUMMARY_ONLY;
			else
				return mt_usage_error(self,
						      "--summary: '%s' is not never, always "
						      "or only",
						      optarg);
			break;
		case OPT_NODE:
			mt_idlist_free(&rq->nodes);
			if (mt_idlist_parse(optarg, &rq->nodes) < 0 || rq->nodes.n == 0)
				return mt_usage_error(self,
						      "--node: '%s' is not a node list "
						      "like 1 or 0,2-3",
						      optarg);
			rq->node_filter = true;
			break;
		case OPT_STATE:
			if ((r = parse_states(self, optarg ?: "", &rq->states)) != 0)
				return r;
			break;
		case OPT_NO_CENSUS:
			rq->no_census = true;
			break;
		default:
			if ((r = mt_opts_handle(self, opts, c, optarg, argv)) != MT_CONTINUE)
				return r;
		}
	}
	if (optind < argc)
		return mt_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (l->raw && l->pairs)
		return mt_usage_error(self, "--raw and --pairs cannot be combined");
	if (opts->json && (l->raw || l->pairs))
		return mt_usage_error(self, "--json cannot be combined with --raw or --pairs");
	if ((r = setup_columns(self, l, rq)) != 0)
		return r;
	if (!split_given)
		for (size_t i = 0; i < l->ncols; i++)
			split |= mt_list_columns[l->cols[i]].split;
	l->split = split;
	return MT_CONTINUE;
}

/* What the snapshot must hold for these columns, filters and output. */
static unsigned wanted(const struct mt_opts *opts, const struct mt_list *l,
		       const struct list_request *rq)
{
	unsigned want = 0;

	for (size_t i = 0; i < l->ncols; i++)
		want |= mt_list_columns[l->cols[i]].want;
	for (size_t i = 0; i < MT_LIST_NCOLS; i++)
		if (l->split & mt_list_columns[i].split)
			want |= mt_list_columns[i].want;
	/* JSON always carries state, node and zones: a stable document. */
	if (opts->json)
		want |= MT_WANT_STATE | MT_WANT_NODES | MT_WANT_ZONES;
	if (l->show_summary)
		want |= MT_WANT_STATE | MT_WANT_POLICY;
	if (rq->states)
		want |= MT_WANT_STATE;
	if (rq->node_filter)
		want |= MT_WANT_NODES;
	if (rq->no_census)
		want &= ~(unsigned)MT_WANT_CENSUS;
	return want;
}

static int build(const struct mt_command *self, const struct mt_sysroot *sr, struct mt_list *l,
		 const struct list_request *rq)
{
	const struct mt_snapshot *s = l->snap;
	_cleanup_free_ bool *selected = NULL;
	int r;

	if (rq->node_filter && (r = mt_require_nodes(self, sr, s, &rq->nodes)) != 0)
		return r;
	if (rq->node_filter || rq->states) {
		selected = calloc(s->nblocks ? s->nblocks : 1, sizeof(*selected));
		if (!selected)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->nblocks; i++) {
		if (selected && !(selected[i] = block_selected(s, &s->blocks[i], rq)))
			continue;
		add_to_summary(&l->summary, &s->blocks[i], s->block_size);
	}
	if ((s->want & MT_WANT_LINKS) && (r = mt_checks_block_flags(s, &l->flags)) < 0)
		return r;
	return mt_ranges_build(s, selected, l->flags, l->split, rq->per_block, &l->ranges,
			       &l->nranges);
}

int cmd_list(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	struct list_request rq = { 0 };
	struct mt_list l = { 0 };
	struct mt_sysroot sr;
	struct mt_snapshot *snap = NULL;
	int r, status = MT_EXIT_FAILURE;

	r = parse_args(self, opts, argc, argv, &l, &rq);
	if (r != MT_CONTINUE) {
		mt_idlist_free(&rq.nodes);
		return r;
	}
	l.show_table = rq.summary != MT_SUMMARY_ONLY;
	/* As lsmem: the summary follows a table, not raw or pairs output. */
	l.show_summary = rq.summary == MT_SUMMARY_ALWAYS || rq.summary == MT_SUMMARY_ONLY ||
			 (rq.summary == MT_SUMMARY_DEFAULT && (opts->json || !(l.raw || l.pairs)));
	l.color = mt_use_color(opts);

	if (mt_open_sysroot(opts, &sr) < 0)
		goto out_free;
	if (mt_read_snapshot(&sr, wanted(opts, &l, &rq), &snap) < 0 ||
	    mt_require_block_size(&sr, snap) < 0)
		goto out;
	if (rq.no_census)
		mt_snapshot_no_census(snap);
	/* FLAGS runs the checks: they see a going-offline only if it lasts. */
	if (snap->want & MT_WANT_LINKS)
		mt_snapshot_settle(&sr, snap);
	l.snap = snap;
	r = build(self, &sr, &l, &rq);
	if (r == MT_EXIT_USAGE) {
		status = r;
		goto out;
	}
	if (r < 0) {
		mt_err("list: %s: %s", mt_errno_name(r), strerror(-r));
		goto out;
	}
	/* Said once, not by an "unknown" in every row (a non-root run). */
	if (opts->verbose >= 0) {
		char why[128];
		const char *census_error = mt_list_census_error(&l, why, sizeof(why));

		if (census_error)
			mt_err("list: OFFLINE is unknown for every online block: %s", census_error);
	}
	r = opts->json ? mt_list_print_json(&l, stdout) : mt_list_print_table(&l, stdout);
	if (r < 0)
		mt_err("list: writing the output: %s: %s", mt_errno_name(r), strerror(-r));
	else
		status = MT_EXIT_OK;
out:
	free(l.ranges);
	free(l.flags);
	mt_snapshot_free(snap);
	mt_sysroot_close(&sr);
out_free:
	mt_idlist_free(&rq.nodes);
	return status;
}
