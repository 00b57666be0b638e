// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memtopo online / offline: chmem done safely. Parse and validate (bad
 * input: one line, exit 2, nothing written), preflight, lock, snapshot,
 * plan, apply, report.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "core/apply.h"
#include "core/checks.h"
#include "cli/cmd.h"
#include "cli/open-snapshot.h"
#include "cli/render-hotplug.h"
#include "core/lock.h"
#include "core/preflight.h"
#include "cli/progress.h"
#include "shared/units.h"

/* chmem's partial success, kept for scripts that know it. */
#define MT_EXIT_PARTIAL 64

enum {
	OPT_NODE = MT_OPT_FIRST_COMMAND_OPT,
	OPT_ZONE,
	OPT_TO,
	OPT_DRY_RUN,
	OPT_TIMEOUT,
	OPT_DEADLINE,
	OPT_RETRIES,
	OPT_ROLLBACK,
	OPT_FORCE,
	OPT_LOCK_WAIT,
	OPT_PROGRESS,
	OPT_NO_CENSUS,
	OPT_DEVICE,
};

#define HOTPLUG_SHORTOPTS "b:" MT_GLOBAL_SHORTOPTS
static const struct option longopts[] = {
	{ "blocks", required_argument, NULL, 'b' },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "zone", required_argument, NULL, OPT_ZONE },
	{ "to", required_argument, NULL, OPT_TO },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "deadline", required_argument, NULL, OPT_DEADLINE },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "rollback", no_argument, NULL, OPT_ROLLBACK },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "no-census", no_argument, NULL, OPT_NO_CENSUS },
	{ "device", required_argument, NULL, OPT_DEVICE },
	MT_GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

enum progress_mode { PROGRESS_AUTO, PROGRESS_ALWAYS, PROGRESS_NEVER };

struct hp_args {
	struct mt_hp_request rq;
	const char *target; /* SIZE or RANGE as typed */
	double lock_wait;
	enum progress_mode progress;
	bool to_given, no_census;
};

void cmd_hotplug_usage(FILE *out)
{
	fputs("Usage: memtopo online|offline [OPTIONS] SIZE|RANGE\n"
	      "       memtopo online|offline [OPTIONS] --blocks N[-M][,...]\n"
	      "       memtopo online|offline [OPTIONS] --device NAME\n\n"
	      "Change the state of memory blocks safely: one at a time, each write bounded\n"
	      "by a timeout, EBUSY retried, every result verified, one run at a time.\n\n"
	      "SIZE is 512M, 4G, 1T (a bare number is MiB); RANGE is 0xSTART-0xEND.\n\n"
	      "Options:\n"
	      "  -b, --blocks LIST      exactly these blocks\n"
	      "      --node N[,M]       only blocks on these nodes\n"
	      "      --zone Z[,Z]       only blocks in (offline: able to go to) these zones\n"
	      "      --device NAME      only blocks of this device (list -o DEVICE); alone:\n"
	      "                         all of them\n"
	      "      --to WHERE         online into movable, kernel or auto (the kernel's\n"
	      "                         policy); default: movable where valid_zones allows\n"
	      "      --dry-run          show the plan, write nothing\n"
	      "      --timeout SECS     per write (default 30)\n"
	      "      --deadline SECS    for the whole run\n"
	      "      --retries N        EBUSY retries per block (default 3)\n"
	      "      --rollback         undo this run's changes if the target is not met\n"
	      "      --force            act on blocks memtopo check flags, ignore safety rules\n"
	      "      --lock-wait SECS   wait for another run's lock\n"
	      "      --progress[=WHEN]  auto (default), always or never\n"
	      "      --no-census        offline: do not order candidates by their page census\n"
	      "\n" MT_GLOBAL_USAGE
	      "\nExit status: 0 target met, 1 nothing done or failure, 2 bad input,\n"
	      "64 partly done. See memtopo-online(8).\n",
	      out);
}

static int parse_zones(const struct mt_command *self, const char *arg, unsigned *mask)
{
	const char *p = arg;

	while (*p) {
		size_t len = strcspn(p, ",");
		int z;

		/* Exact names only: chmem's "-z DMA" also matches DMA32. */
		for (z = 1; z < MT_ZONE_COUNT; z++)
			if (strlen(mt_zone_name(z)) == len &&
			    strncasecmp(p, mt_zone_name(z), len) == 0)
				break;
		if (z == MT_ZONE_COUNT)
			return mt_usage_error(self,
					      "--zone: no zone named '%.*s' (DMA, DMA32, "
					      "Normal, HighMem, Movable, Device)",
					      (int)len, p);
		*mask |= 1u << z;
		p += len + (p[len] == ',');
	}
	return *mask ? 0 : mt_usage_error(self, "--zone: no zone given");
}

static int parse_option(const struct mt_command *self, struct mt_opts *opts, int c, char **argv,
			struct hp_args *a)
{
	struct mt_hp_request *rq = &a->rq;
	char *end;

	switch (c) {
	case 'b':
		mt_idlist_free(&rq->blocks);
		if (mt_idlist_parse(optarg, &rq->blocks) < 0 || !rq->blocks.n)
			return mt_usage_error(self,
					      "--blocks: '%s' is not a block list like 7 or "
					      "3-7,12",
					      optarg);
		rq->target = MT_HP_BLOCKS;
		return MT_CONTINUE;
	case OPT_NODE:
		mt_idlist_free(&rq->nodes);
		if (mt_idlist_parse(optarg, &rq->nodes) < 0 || !rq->nodes.n)
			return mt_usage_error(self, "--node: '%s' is not a node list like 1 or 0,2",
					      optarg);
		rq->node_filter = true;
		return MT_CONTINUE;
	case OPT_ZONE:
		return parse_zones(self, optarg, &rq->zone_mask) ?: MT_CONTINUE;
	case OPT_TO:
		a->to_given = true;
		if (strcmp(optarg, "movable") == 0)
			rq->to = MT_TO_MOVABLE;
		else if (strcmp(optarg, "kernel") == 0)
			rq->to = MT_TO_KERNEL;
		else if (strcmp(optarg, "auto") == 0)
			rq->to = MT_TO_AUTO;
		else
			return mt_usage_error(self, "--to: '%s' is not movable, kernel or auto",
					      optarg);
		return MT_CONTINUE;
	case OPT_DRY_RUN:
		rq->dry_run = true;
		return MT_CONTINUE;
	case OPT_TIMEOUT:
		return mt_parse_seconds(self, "--timeout", optarg, &rq->timeout, false)
			       ?: MT_CONTINUE;
	case OPT_DEADLINE:
		return mt_parse_seconds(self, "--deadline", optarg, &rq->deadline, false)
			       ?: MT_CONTINUE;
	case OPT_LOCK_WAIT:
		return mt_parse_seconds(self, "--lock-wait", optarg, &a->lock_wait, true)
			       ?: MT_CONTINUE;
	case OPT_RETRIES: {
		unsigned long v;

		/* Checked as the unsigned long strtoul gives: 4294967299 is not 3. */
		errno = 0;
		v = strtoul(optarg, &end, 10);
		if (errno || end == optarg || *end || !isdigit((unsigned char)optarg[0]) || v > 100)
			return mt_usage_error(self, "--retries: '%s' is not a count from 0 to 100",
					      optarg);
		rq->retries = (unsigned)v;
		return MT_CONTINUE;
	}
	case OPT_ROLLBACK:
		rq->rollback = true;
		return MT_CONTINUE;
	case OPT_DEVICE:
		if (!*optarg)
			return mt_usage_error(self, "--device: no device name given");
		rq->device = optarg;
		return MT_CONTINUE;
	case OPT_NO_CENSUS:
		a->no_census = true;
		return MT_CONTINUE;
	case OPT_FORCE:
		rq->force = true;
		return MT_CONTINUE;
	case OPT_PROGRESS:
		if (!optarg || strcmp(optarg, "always") == 0)
			a->progress = PROGRESS_ALWAYS;
		else if (strcmp(optarg, "never") == 0)
			a->progress = PROGRESS_NEVER;
		else if (strcmp(optarg, "auto") == 0)
			a->progress = PROGRESS_AUTO;
		else
			return mt_usage_error(self, "--progress: '%s' is not auto, always or never",
					      optarg);
		return MT_CONTINUE;
	default:
		return mt_opts_handle(self, opts, c, optarg, argv);
	}
}

/* SIZE or RANGE, as typed: the syntax only; the machine judges the rest. */
static int parse_target(const struct mt_command *self, struct hp_args *a)
{
	struct mt_hp_request *rq = &a->rq;
	int r;

	if (rq->target == MT_HP_BLOCKS) {
		if (a->target)
			return mt_usage_error(self, "--blocks and '%s' name the blocks twice",
					      a->target);
		return 0;
	}
	if (!a->target && rq->device) {
		rq->target = MT_HP_ALL;
		return 0;
	}
	if (!a->target)
		return mt_usage_error(self, "how much? give a SIZE (4G), a RANGE "
					    "(0xSTART-0xEND) or --blocks");
	if (strncasecmp(a->target, "0x", 2) == 0) {
		rq->target = MT_HP_RANGE;
		if (mt_range_parse(a->target, &rq->range_first, &rq->range_last) < 0)
			return mt_usage_error(self,
					      "'%s' is not a range 0xSTART-0xEND with START "
					      "<= END",
					      a->target);
		return 0;
	}
	rq->target = MT_HP_SIZE;
	r = mt_size_parse(a->target, &rq->size);
	if (r == -ERANGE)
		return mt_usage_error(self, "'%s' is too large", a->target);
	if (r < 0 || rq->size == 0)
		return mt_usage_error(self,
				      "'%s' is not a size like 512M, 4G or 1T (whole "
				      "units, not zero)",
				      a->target);
	return 0;
}

static int parse_args(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv,
		      struct hp_args *a)
{
	int c, r;

	while ((c = getopt_long(argc, argv, ":" HOTPLUG_SHORTOPTS, longopts, NULL)) != -1)
		if ((r = parse_option(self, opts, c, argv, a)) != MT_CONTINUE)
			return r;
	if (optind < argc)
		a->target = argv[optind++];
	if (optind < argc)
		return mt_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (a->to_given && a->rq.action == MT_HP_OFFLINE)
		return mt_usage_error(self, "--to is for online: an offline block has no zone");
	if (a->rq.rollback && a->rq.dry_run)
		return mt_usage_error(self, "--rollback and --dry-run: a dry run changes nothing "
					    "to roll back");
	return parse_target(self, a) ?: MT_CONTINUE;
}

/* Everything a run holds, released in one place. */
struct hp_run {
	struct mt_sysroot sr;
	bool sr_open;
	struct mt_lock lock;
	struct mt_snapshot *snap;
	uint32_t *flags;
	struct mt_hp_plan plan;
	struct mt_hp_outcome outcome;
};

static void hp_run_free(struct hp_run *run)
{
	mt_hp_outcome_free(&run->outcome);
	mt_hp_plan_free(&run->plan);
	free(run->flags);
	mt_snapshot_free(run->snap);
	mt_lock_release(&run->lock);
	if (run->sr_open)
		mt_sysroot_close(&run->sr);
}

/* Root and a writable sysfs, then the lock: before the snapshot, so two runs never pick alike. */
static int prepare(const struct mt_command *self, struct hp_run *run, const struct hp_args *a)
{
	char why[256];
	int r;

	if (a->rq.dry_run)
		return 0;
	if (mt_preflight(&run->sr, why, sizeof(why)) < 0) {
		mt_err("%s: %s", self->name, why);
		return MT_EXIT_FAILURE;
	}
	r = mt_lock_take(&run->sr, a->lock_wait, &run->lock);
	if (r == -EWOULDBLOCK) {
		if (run->lock.holder)
			mt_err("%s: %s: another memtopo (pid %ld) is changing memory blocks; wait "
			       "for "
			       "it or use --lock-wait",
			       self->name, run->lock.path, (long)run->lock.holder);
		else
			mt_err("%s: %s: another memtopo is changing memory blocks; wait for it or "
			       "use --lock-wait",
			       self->name, run->lock.path);
		return MT_EXIT_FAILURE;
	}
	if (r < 0) {
		mt_err("%s: %s: %s: %s; set MEMTOPO_LOCK to a writable path", self->name,
		       run->lock.path, mt_errno_name(r), strerror(-r));
		return MT_EXIT_FAILURE;
	}
	return 0;
}

/*
 * SIZE offline: the page census of the leading candidates (2N for N
 * blocks), then likely ones first. Unreadable (not root, no kpageflags):
 * the plain order stands.
 */
static void order_by_census(struct hp_run *run)
{
	size_t window = mt_hp_plan_census_window(&run->plan);

	if (!window)
		return;
	for (size_t i = 0; i < window; i++)
		if (mt_snapshot_census_block(&run->sr, run->snap, run->plan.steps[i].idx) < 0 &&
		    run->snap->census_err)
			return;
	mt_hp_plan_order_by_census(&run->plan);
}

static int make_plan(const struct mt_command *self, struct hp_run *run, const struct hp_args *a)
{
	char error[256] = "";
	int r;

	/* The census is read lazily below, for the candidates that need it. */
	static const char *const no_census_check[] = { "unmovable-pages", NULL };
	const struct mt_check_filter filter = { .skip = no_census_check };

	if (mt_read_snapshot(&run->sr,
			     mt_checks_wants(&filter) | MT_WANT_MEMINFO |
				     (a->rq.device ? MT_WANT_ORIGIN : 0),
			     &run->snap) < 0 ||
	    mt_require_block_size(&run->sr, run->snap) < 0)
		return MT_EXIT_FAILURE;
	if (a->rq.node_filter && (r = mt_require_nodes(self, &run->sr, run->snap, &a->rq.nodes)))
		return r;
	/* Blocks check flags are never chosen unless --force. */
	mt_snapshot_settle(&run->sr, run->snap);
	r = mt_checks_block_flags(run->snap, &run->flags);
	if (r == 0)
		r = mt_hp_plan_build(run->snap, &a->rq, run->flags, &run->plan, error,
				     sizeof(error));
	if (r == -EINVAL && error[0])
		return mt_usage_error(self, "%s", error);
	if (r < 0) {
		mt_err("%s: %s: %s", self->name, mt_errno_name(r), strerror(-r));
		return MT_EXIT_FAILURE;
	}
	if (!a->no_census)
		order_by_census(run);
	return 0;
}

static int exit_status(const struct hp_run *run, const struct hp_args *a)
{
	if (run->plan.refusal[0])
		return MT_EXIT_FAILURE;
	/* A dry run answers as the real run would if every write succeeded. */
	switch (a->rq.dry_run ? mt_hp_predict(&run->plan) : run->outcome.status) {
	case MT_HP_STATUS_DONE:
		return MT_EXIT_OK;
	case MT_HP_STATUS_PARTIAL:
		return MT_EXIT_PARTIAL;
	case MT_HP_STATUS_FAILED:
		break;
	}
	return MT_EXIT_FAILURE;
}

/* What apply reports while it runs: the progress line, and syslog for the running system. */
struct hp_watch {
	struct mt_progress progress;
	bool log_changes;
};

static void watch_block_begin(void *ctx, uint32_t block)
{
	struct hp_watch *w = ctx;

	mt_progress_block(&w->progress, block);
}

static void watch_block_end(void *ctx, const struct mt_hp_step *st, enum mt_hp_action a)
{
	const struct hp_watch *w = ctx;
	int prio = st->result == MT_HP_DONE || st->result == MT_HP_ROLLED_BACK ||
				   st->result == MT_HP_ALREADY
			   ? LOG_NOTICE
			   : LOG_WARNING;

	if (!w->log_changes)
		return;
	syslog(prio, "memory%" PRIu32 ": %s -> %s: %s%s%s (%u attempt%s)", st->block,
	       mt_state_name(st->from), mt_hp_action_name(a), mt_hp_result_name(st->result),
	       st->err ? " " : "", st->err ? mt_errno_name(st->err) : "", st->attempts,
	       st->attempts == 1 ? "" : "s");
}

static void watch_bytes_done(void *ctx, uint64_t done_bytes)
{
	struct hp_watch *w = ctx;

	mt_progress_done(&w->progress, done_bytes);
}

static int apply(struct hp_run *run, const struct hp_args *a, const struct mt_opts *opts)
{
	struct mt_interrupts in = { .sigfd = -1 };
	/* A capture's changes are not this machine's: syslog only the live one. */
	struct hp_watch watch = { .log_changes = !opts->sysroot };
	const struct mt_hp_observer obs = { .ctx = &watch,
					    .block_begin = watch_block_begin,
					    .block_end = watch_block_end,
					    .bytes_done = watch_bytes_done };
	bool tty = isatty(STDERR_FILENO);
	int r;

	mt_progress_start(&watch.progress,
			  a->progress == PROGRESS_ALWAYS ||
				  (a->progress == PROGRESS_AUTO && tty && opts->verbose >= 0),
			  mt_hp_action_name(a->rq.action),
			  (size_t)(run->plan.requested_bytes / run->snap->block_size),
			  run->plan.requested_bytes);
	r = mt_interrupts_start(&in);
	if (r < 0) {
		mt_err("watching for Ctrl-C: %s", mt_errno_name(r));
		return MT_EXIT_FAILURE;
	}
	if (watch.log_changes)
		openlog("memtopo", LOG_PID, LOG_DAEMON);
	mt_hp_apply(&run->sr, run->snap, &a->rq, &run->plan, &in, &obs, &run->outcome);
	if (watch.log_changes)
		closelog();
	mt_interrupts_stop(&in);
	mt_progress_end(&watch.progress);
	return 0;
}

/*
 * Bad input is bad input whoever runs it and whatever else runs: judge the
 * request against a quick look at the machine (block size, block ids,
 * nodes) before preflight and the lock, so it exits 2 with nothing written.
 */
static int check_request(const struct mt_command *self, const struct mt_sysroot *sr,
			 const struct hp_args *a)
{
	struct mt_snapshot *s = NULL;
	char error[256];
	int r = MT_EXIT_FAILURE;

	if (mt_read_snapshot(sr, MT_WANT_NODES | (a->rq.device ? MT_WANT_ORIGIN : 0), &s) < 0 ||
	    mt_require_block_size(sr, s) < 0)
		goto out;
	r = a->rq.node_filter ? mt_require_nodes(self, sr, s, &a->rq.nodes) : 0;
	if (r == 0 && mt_hp_request_check(s, &a->rq, error, sizeof(error)) != 0)
		r = mt_usage_error(self, "%s", error);
out:
	mt_snapshot_free(s);
	return r;
}

static int run_hotplug(const struct mt_command *self, struct mt_opts *opts, struct hp_args *a)
{
	struct hp_run run = { .lock = { .fd = -1 } };
	struct mt_hp_report rep;
	int r;

	if (mt_open_sysroot(opts, &run.sr) < 0)
		return MT_EXIT_FAILURE;
	run.sr_open = true;
	r = check_request(self, &run.sr, a);
	if (r == 0)
		r = prepare(self, &run, a);
	if (r == 0)
		r = make_plan(self, &run, a);
	if (r == 0 && !a->rq.dry_run && !run.plan.refusal[0])
		r = apply(&run, a, opts);
	if (r == 0) {
		rep = (struct mt_hp_report){ .plan = &run.plan,
					     .outcome = a->rq.dry_run || run.plan.refusal[0]
								? NULL
								: &run.outcome,
					     .dry_run = a->rq.dry_run,
					     .quiet = opts->verbose < 0 };
		if (run.plan.refusal[0] && !opts->json)
			mt_err("%s: %s", self->name, run.plan.refusal);
		mt_hp_print_errors(&rep);
		r = opts->json ? mt_hp_print_json(&rep, stdout) : mt_hp_print_text(&rep, stdout);
		r = r < 0 ? MT_EXIT_FAILURE : exit_status(&run, a);
	}
	hp_run_free(&run);
	return r;
}

int cmd_hotplug(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	struct hp_args a = { .rq = { .timeout = 30, .retries = 3 } };
	int r;

	a.rq.action = strcmp(self->name, "online") == 0 ? MT_HP_ONLINE : MT_HP_OFFLINE;
	r = parse_args(self, opts, argc, argv, &a);
	if (r == MT_CONTINUE)
		r = run_hotplug(self, opts, &a);
	mt_idlist_free(&a.rq.blocks);
	mt_idlist_free(&a.rq.nodes);
	return r;
}
