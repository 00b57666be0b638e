// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memtopo agent: onlines hot-added memory by policy (doc/cli.md, "agent";
 * memtopo-agent(8)). Coldplug first, then memory-block uevents batched per
 * hot-add; each batch is core/agent-batch. This file owns what a user
 * sees: the options, the configuration errors, the journal lines, the
 * systemd notifications and the exit codes.
 */
#include <dlfcn.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/open-snapshot.h"
#include "core/agent-batch.h"
#include "core/preflight.h"
#include "core/uevents.h"
#include "shared/clock.h"
#include "shared/dynlib.h"

enum { OPT_CONFIG = MT_OPT_FIRST_COMMAND_OPT, OPT_ONCE, OPT_DRY_RUN, OPT_CHECK_CONFIG };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	MT_GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/*
 * The blocks of one hot-add come in a burst: wait for a quiet gap, not
 * longer than a second. The gap is short (it was 100 ms: a third of the
 * agent's time to online a 2G DIMM, tests/bench): a DIMM whose blocks are
 * not all there yet holds the batch (mt_agent_batch's -EINPROGRESS), so a
 * gap inside one device's burst does not split it.
 */
#define BATCH_QUIET_MS 10
#define BATCH_MAX_MS   1000
/* The lock held by a manual online/offline: wait this long, then try again later. */
#define LOCK_WAIT_S      5
#define LOCK_WAIT_ONCE_S 30
#define LOCK_RETRY_MS    1000
#define MAX_PENDING      65536

void cmd_agent_usage(FILE *out)
{
	fputs("Usage: memtopo agent [OPTIONS]\n\n"
	      "Online hot-added memory by policy: coldplug every present offline block, then\n"
	      "listen to memory-block uevents and online each hot-add as the configuration\n"
	      "says. One line per block on stderr (and syslog when not under systemd).\n\n"
	      "Options:\n"
	      "      --config FILE      this configuration file alone (default:\n"
	      "                         /etc/memtopo/agent.conf, then agent.conf.d/*.conf\n"
	      "                         in /usr/lib/memtopo and /etc/memtopo)\n"
	      "      --once             coldplug only, then exit\n"
	      "      --dry-run          log the decisions, write nothing\n"
	      "      --check-config     check the configuration, print the effective policy\n"
	      "\n" MT_GLOBAL_USAGE
	      "\nExit status: 0 done (or stopped by SIGTERM), 1 a block failed or another\n"
	      "agent is active, 2 bad configuration or usage. See memtopo-agent(8).\n",
	      out);
}

struct agent_args {
	const char *config;
	bool once, dry_run, check_config;
};

struct agent {
	const struct mt_opts *opts;
	struct agent_args args;
	struct mt_sysroot sr;
	bool sr_open;
	struct mt_agent_config cfg;
	struct mt_agent_state st;
	struct mt_interrupts in;
	int hupfd;
	struct mt_uevents ev;
	bool ev_open;
	struct mt_agent_ctx ctx;
	bool use_syslog;
	uint32_t *pending, *removed;
	size_t npending, nremoved;
	long first_ms, last_ms, retry_ms;
	bool lock_logged;
};

static void log_line(void *ctx, int prio, const char *line)
{
	const struct agent *ag = ctx;

	if (ag->opts->verbose >= 0 || prio <= LOG_WARNING)
		fprintf(stderr, "memtopo agent: %s\n", line);
	if (ag->use_syslog)
		syslog(prio, "%s", line);
}

static void say(struct agent *ag, int prio, const char *fmt, ...) _printf_(3, 4);
static void say(struct agent *ag, int prio, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(ag, prio, line);
}

/* sd_notify(), when systemd asked for it: libsystemd is loaded for the call and let go. */
static void notify(struct agent *ag, const char *msg)
{
	struct mt_libsystemd lib;

	if (!getenv("NOTIFY_SOCKET"))
		return;
	if (mt_libsystemd_open(&lib) < 0) {
		say(ag, LOG_WARNING, "cannot load libsystemd.so.0 to tell systemd %s", msg);
		return;
	}
	lib.sd_notify(0, msg);
	mt_libsystemd_close(&lib);
}

static int parse_args(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv,
		      struct agent_args *a)
{
	int c, r;

	while ((c = getopt_long(argc, argv, ":" MT_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_ONCE:
			a->once = true;
			break;
		case OPT_DRY_RUN:
			a->dry_run = true;
			break;
		case OPT_CHECK_CONFIG:
			a->check_config = true;
			break;
		default:
			if ((r = mt_opts_handle(self, opts, c, optarg, argv)) != MT_CONTINUE)
				return r;
		}
	}
	if (optind < argc)
		return mt_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (opts->json)
		return mt_usage_error(self, "--json: the agent's record is its state file "
					    "(run/memtopo/agent.json)");
	return MT_CONTINUE;
}

/* The one line of a configuration error (exit 2): file, line, key, what is wrong. */
static void config_error(const struct mt_config_error *e)
{
	if (e->line && e->key[0])
		mt_err("agent: %s:%u: %s: %s", e->file, e->line, e->key, e->msg);
	else if (e->line)
		mt_err("agent: %s:%u: %s", e->file, e->line, e->msg);
	else
		mt_err("agent: %s: %s", e->file, e->msg);
}

static int load_config(struct agent *ag, struct mt_agent_config *c)
{
	struct mt_config_error err;
	int r = mt_agent_config_load(ag->sr.root_fd, ag->args.config, c, &err);

	if (r == -EINVAL)
		config_error(&err);
	else if (r < 0)
		mt_err("agent: reading the configuration: %s", mt_errno_name(r));
	return r;
}

static void print_rule(const struct mt_agent_rule *r, bool match, FILE *out)
{
	if (r->zone != MT_AZ_UNSET)
		fprintf(out, "zone = %s\n", mt_agent_zone_name(r->zone));
	if (r->ratio >= 0)
		fprintf(out, "ratio = %d\n", r->ratio);
	if (r->numa_aware >= 0)
		fprintf(out, "numa-aware = %s\n", r->numa_aware ? "yes" : "no");
	if (!match)
		return;
	if (r->sources) {
		fputs("source = ", out);
		for (int s = 0, first = 1; s < MT_SRC_COUNT; s++)
			if (r->sources & (1u << s)) {
				fprintf(out, "%s%s", first ? "" : ",", mt_source_name(s));
				first = 0;
			}
		fputc('\n', out);
	}
	if (r->node_set) {
		fputs("node = ", out);
		for (size_t i = 0; i < r->nodes.n; i++)
			if (r->nodes.r[i].lo == r->nodes.r[i].hi)
				fprintf(out, "%s%lu", i ? "," : "", r->nodes.r[i].lo);
			else
				fprintf(out, "%s%lu-%lu", i ? "," : "", r->nodes.r[i].lo,
					r->nodes.r[i].hi);
		fputc('\n', out);
	}
	if (r->size_set) {
		fputs("size = ", out);
		if (r->size_min)
			fprintf(out, "%" PRIu64, r->size_min);
		if (r->size_max != r->size_min) {
			fputc('-', out);
			if (r->size_max != UINT64_MAX)
				fprintf(out, "%" PRIu64, r->size_max);
		}
		fputc('\n', out);
	}
}

/* --check-config: the effective policy, as ini a later run would read the same. */
static void print_config(const struct mt_agent_config *c, FILE *out)
{
	fputs("# memtopo agent: effective configuration, from:", out);
	for (size_t i = 0; i < c->nfiles; i++)
		fprintf(out, " %s", c->files[i]);
	if (!c->nfiles)
		fputs(" (no file: the defaults)", out);
	fprintf(out, "\n[agent]\ntakeover = %s\ntimeout = %g\nretries = %u\n\n[policy]\n",
		c->takeover ? "yes" : "no", c->timeout, c->retries);
	print_rule(&c->policy, false, out);
	for (size_t i = 0; i < c->nmatch; i++) {
		struct mt_agent_rule e = mt_agent_rule_effective(c, &c->match[i]);

		fprintf(out, "\n[match %s]\n", c->match[i].name);
		print_rule(&e, true, out);
	}
}

/* Another agent at start: refuse (exit 1) unless takeover. */
static int check_conflicts(struct agent *ag)
{
	struct mt_snapshot *s = NULL;
	char line[512];
	size_t n;

	if (mt_read_snapshot(&ag->sr, MT_WANT_POLICY | MT_WANT_UDEV, &s) < 0)
		return MT_EXIT_FAILURE;
	n = mt_agent_conflicts(s, line, sizeof(line));
	mt_snapshot_free(s);
	if (!n)
		return 0;
	if (!ag->cfg.takeover) {
		mt_err("agent: another agent onlines memory: %s", line);
		return MT_EXIT_FAILURE;
	}
	say(ag, LOG_NOTICE, "takeover = yes: running beside another agent: %s", line);
	return 0;
}

static void write_state(struct agent *ag)
{
	int r;

	if (ag->args.dry_run)
		return;
	r = mt_agent_state_write(ag->sr.root_fd, &ag->st, &ag->cfg);
	if (r < 0)
		say(ag, LOG_WARNING, "writing %s/%s: %s", ag->sr.root_path, MT_AGENT_STATE_PATH,
		    mt_errno_name(r));
}

/* One batch; -EWOULDBLOCK when the lock is another run's (logged once per wait). */
static int batch(struct agent *ag, const uint32_t *blocks, size_t n, struct mt_agent_summary *sum)
{
	struct mt_error err = { 0 };
	char waited[48] = "";
	int r;

	/* How long its events were collected: the quiet gap, a lock waited for. */
	if (blocks)
		snprintf(waited, sizeof(waited), "started %ld ms after its first event, ",
			 mt_now_ms() - ag->first_ms);
	r = mt_agent_batch(&ag->ctx, blocks, n, sum, &err);
	if (r == -EWOULDBLOCK || r == -EAGAIN) {
		if (!ag->lock_logged)
			say(ag, LOG_NOTICE,
			    "another memtopo (pid %ld) is changing memory blocks: the batch waits "
			    "for its lock",
			    (long)ag->ctx.lock_holder);
		ag->lock_logged = true;
		return -EWOULDBLOCK;
	}
	ag->lock_logged = false;
	if (r == -EINPROGRESS)
		return r;
	if (r < 0) {
		say(ag, LOG_ERR, "batch: %s%s%s", err.path[0] ? err.path : "",
		    err.path[0] ? ": " : "", mt_errno_name(r));
		return r;
	}
	say(ag, LOG_INFO,
	    "batch of %zu block%s: %zu onlined, %zu already, %zu refused, %zu failed, %zu "
	    "ignored%s%s (%s%ld ms reading and deciding, %ld ms writing)",
	    blocks ? n
		   : sum->counts[MT_AR_ONLINED] + sum->counts[MT_AR_ALREADY] +
			     sum->counts[MT_AR_REFUSED] + sum->counts[MT_AR_FAILED] +
			     sum->counts[MT_AR_IGNORED],
	    (blocks ? n : 2) == 1 ? "" : "s", sum->counts[MT_AR_ONLINED],
	    sum->counts[MT_AR_ALREADY], sum->counts[MT_AR_REFUSED], sum->counts[MT_AR_FAILED],
	    sum->counts[MT_AR_IGNORED], sum->conflict ? " (another agent: refused)" : "",
	    ag->args.dry_run ? " (dry run)" : "", waited, sum->read_ms, sum->write_ms);
	write_state(ag);
#ifdef __GLIBC__
	/*
	 * A batch's snapshot is freed whole: give its pages back. Without
	 * this glibc keeps the heap it grew to (its mmap threshold rises
	 * after the first large free), and the RSS of an agent that runs for
	 * months only ever goes up (+330 KiB over 100 hot-adds, tests/bench).
	 */
	malloc_trim(0);
#endif
	return 0;
}

static int coldplug(struct agent *ag)
{
	struct mt_agent_summary sum;
	int r;

	say(ag, LOG_INFO, "coldplug: every present offline block");
	ag->ctx.lock_wait = ag->args.once ? LOCK_WAIT_ONCE_S : LOCK_WAIT_S;
	for (;;) {
		r = batch(ag, NULL, 0, &sum);
		if (r != -EWOULDBLOCK || ag->args.once || mt_interrupts_pending(&ag->in))
			break;
	}
	if (r < 0)
		return MT_EXIT_FAILURE;
	return sum.counts[MT_AR_FAILED] || sum.conflict ? MT_EXIT_FAILURE : MT_EXIT_OK;
}

static void push(uint32_t **v, size_t *n, unsigned long block)
{
	uint32_t *nv;

	for (size_t i = *n; i-- > 0 && i + 64 >= *n;)
		if ((*v)[i] == block)
			return; /* add, then change events of the same block */
	if (*n >= MAX_PENDING || block > UINT32_MAX || !(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return;
	*v = nv;
	nv[(*n)++] = (uint32_t)block;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A batch's blocks, sorted and unique. */
static void dedup(uint32_t *v, size_t *n)
{
	size_t k = 0;

	qsort(v, *n, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < *n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*n = k;
}

static void flush(struct agent *ag)
{
	struct mt_agent_summary sum;
	int r;

	if (ag->nremoved) {
		dedup(ag->removed, &ag->nremoved);
		mt_agent_removed(&ag->ctx, ag->removed, ag->nremoved);
		ag->nremoved = 0;
		if (!ag->npending)
			write_state(ag);
	}
	if (!ag->npending)
		return;
	dedup(ag->pending, &ag->npending);
	ag->ctx.lock_wait = LOCK_WAIT_S;
	ag->ctx.hold_incomplete = mt_now_ms() < ag->first_ms + BATCH_MAX_MS;
	r = batch(ag, ag->pending, ag->npending, &sum);
	if (r == -EWOULDBLOCK) {
		ag->retry_ms = mt_now_ms() + LOCK_RETRY_MS;
		return;
	}
	if (r == -EINPROGRESS) {
		/* Look again after another quiet gap (at most at the batch's age limit). */
		ag->retry_ms = mt_now_ms() + BATCH_QUIET_MS;
		if (ag->retry_ms > ag->first_ms + BATCH_MAX_MS)
			ag->retry_ms = ag->first_ms + BATCH_MAX_MS;
		return;
	}
	ag->npending = 0;
	ag->retry_ms = 0;
}

static void take_events(struct agent *ag)
{
	struct mt_uevent ev;
	int r;

	while ((r = mt_uevents_receive(&ag->ev, &ev)) > 0) {
		if (strcmp(ev.action, "add") == 0) {
			if (!ag->npending)
				ag->first_ms = mt_now_ms();
			ag->last_ms = mt_now_ms();
			push(&ag->pending, &ag->npending, ev.block);
		} else if (strcmp(ev.action, "remove") == 0) {
			push(&ag->removed, &ag->nremoved, ev.block);
			ag->last_ms = mt_now_ms();
		}
	}
	if (r == -EPIPE)
		say(ag, LOG_INFO, "the event source (%s) ended", ag->ev.source);
}

/* When the pending batch is due (ms from now), -1: nothing pending. */
static int due_in(const struct agent *ag)
{
	long now = mt_now_ms(), at;

	if (!ag->npending && !ag->nremoved)
		return -1;
	if (ag->retry_ms)
		at = ag->retry_ms;
	else if (ag->npending) {
		at = ag->last_ms + BATCH_QUIET_MS;
		if (at > ag->first_ms + BATCH_MAX_MS)
			at = ag->first_ms + BATCH_MAX_MS;
	} else {
		at = ag->last_ms + BATCH_QUIET_MS;
	}
	return at <= now ? 0 : (int)(at - now);
}

static void reload(struct agent *ag)
{
	struct mt_agent_config c;

	notify(ag, "RELOADING=1");
	if (load_config(ag, &c) < 0) {
		say(ag, LOG_ERR,
		    "SIGHUP: the new configuration is bad (above): keeping the old one");
		mt_agent_config_free(&c);
	} else {
		mt_agent_config_free(&ag->cfg);
		ag->cfg = c;
		say(ag, LOG_NOTICE,
		    "SIGHUP: configuration reloaded (policy zone = %s, %zu match%s)",
		    mt_agent_zone_name(ag->cfg.policy.zone), ag->cfg.nmatch,
		    ag->cfg.nmatch == 1 ? "" : "es");
	}
	notify(ag, "READY=1");
}

static int open_events(struct agent *ag)
{
	/* Test only (tests/test-agent.py): the fake kernel sends no uevents. */
	const char *test = getenv("MEMTOPO_AGENT_EVENTS");
	int r = mt_uevents_open(&ag->ev, test && *test ? test : NULL);

	if (r == -ENOENT && !test) {
		mt_err("agent: %s: cannot load libudev; install it (Debian: libudev1)",
		       dlerror() ? dlerror() : "libudev.so.1");
		return MT_EXIT_FAILURE;
	}
	if (r < 0) {
		mt_err("agent: cannot listen to uevents (%s): %s", test ? test : "netlink",
		       mt_errno_name(r));
		return MT_EXIT_FAILURE;
	}
	ag->ev_open = true;
	return 0;
}

static int hup_start(struct agent *ag)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	ag->hupfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return ag->hupfd < 0 ? -errno : 0;
}

/* Until SIGTERM or SIGINT: events, batches, reloads. */
static int serve(struct agent *ag)
{
	for (;;) {
		struct pollfd p[3] = { { .fd = mt_uevents_fd(&ag->ev), .events = POLLIN },
				       { .fd = ag->in.sigfd, .events = POLLIN },
				       { .fd = ag->hupfd, .events = POLLIN } };
		int timeout = due_in(ag);

		/* A batch's apply may have read the signal already. */
		if (ag->in.count)
			break;
		if (poll(p, 3, timeout) < 0 && errno != EINTR)
			return MT_EXIT_FAILURE;
		if (mt_interrupts_pending(&ag->in))
			break;
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(ag->hupfd, &si, sizeof(si)) == sizeof(si))
				;
			reload(ag);
		}
		if (p[0].revents & (POLLIN | POLLHUP))
			take_events(ag);
		if (due_in(ag) == 0 || ag->npending >= MAX_PENDING)
			flush(ag);
	}
	notify(ag, "STOPPING=1");
	say(ag, LOG_NOTICE, "stopping (signal): %zu block%s of a batch not yet judged",
	    ag->npending, ag->npending == 1 ? "" : "s");
	write_state(ag);
	return MT_EXIT_OK;
}

static int run(struct agent *ag)
{
	char why[256];
	int r;

	if (mt_open_sysroot(ag->opts, &ag->sr) < 0)
		return MT_EXIT_FAILURE;
	ag->sr_open = true;
	if (load_config(ag, &ag->cfg) < 0)
		return MT_EXIT_USAGE;
	if (ag->args.check_config) {
		print_config(&ag->cfg, stdout);
		return fflush(stdout) == 0 ? MT_EXIT_OK : MT_EXIT_FAILURE;
	}
	/* syslog for the running system when stderr is not the journal already. */
	ag->use_syslog = !ag->opts->sysroot && !getenv("JOURNAL_STREAM");
	if (ag->use_syslog)
		openlog("memtopo-agent", LOG_PID, LOG_DAEMON);
	if ((r = check_conflicts(ag)))
		return r;
	if (!ag->args.dry_run && mt_preflight(&ag->sr, why, sizeof(why)) < 0) {
		mt_err("agent: %s", why);
		return MT_EXIT_FAILURE;
	}
	if ((r = mt_interrupts_start(&ag->in)) < 0 || (r = hup_start(ag)) < 0) {
		mt_err("agent: watching for signals: %s", mt_errno_name(r));
		return MT_EXIT_FAILURE;
	}
	/* Listen before coldplug, so a hot-add during it is not lost between the two. */
	if (!ag->args.once && (r = open_events(ag)))
		return r;
	mt_agent_state_init(&ag->st);
	ag->ctx = (struct mt_agent_ctx){ .sr = &ag->sr,
					 .cfg = &ag->cfg,
					 .state = &ag->st,
					 .in = &ag->in,
					 .dry_run = ag->args.dry_run,
					 .log = log_line,
					 .log_ctx = ag };
	r = coldplug(ag);
	if (ag->args.once)
		return r;
	notify(ag, "READY=1");
	say(ag, LOG_INFO, "listening to %s uevents", ag->ev.source);
	return serve(ag);
}

int cmd_agent(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	struct agent ag = { .opts = opts, .hupfd = -1, .in = { .sigfd = -1 } };
	int r;

	r = parse_args(self, opts, argc, argv, &ag.args);
	if (r == MT_CONTINUE)
		r = run(&ag);
	if (ag.ev_open)
		mt_uevents_close(&ag.ev);
	if (ag.hupfd >= 0)
		close(ag.hupfd);
	mt_interrupts_stop(&ag.in);
	mt_agent_state_free(&ag.st);
	mt_agent_config_free(&ag.cfg);
	free(ag.pending);
	free(ag.removed);
	if (ag.use_syslog)
		closelog();
	if (ag.sr_open)
		mt_sysroot_close(&ag.sr);
	return r;
}
