// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memtopo monitor: one line per memory-block uevent (add, remove, online,
 * offline) with the time, the block, its node and the state read just
 * after. libudev's monitor on subsystem "memory": from udevd when it runs
 * (events after its rules ran), straight from the kernel otherwise (a
 * busybox system has no udevd).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "shared/clock.h"
#include "cli/cmd.h"
#include "shared/dynlib.h"
#include "shared/json-out.h"
#include "core/snapshot.h"
#include "core/state-write.h"

enum { OPT_COUNT = MT_OPT_FIRST_COMMAND_OPT, OPT_TIMEOUT };

static const struct option longopts[] = {
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	MT_GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/* udevd answers on this socket; without it, "udev" monitors hear nothing. */
#define UDEVD_CONTROL "/run/udev/control"

void cmd_monitor_usage(FILE *out)
{
	fputs("Usage: memtopo monitor [OPTIONS]\n\n"
	      "Print one line per memory-block uevent (add, remove, online, offline) with\n"
	      "the time, the block, its node and its state read just after.\n\n"
	      "Options:\n"
	      "      --count N          exit after N events\n"
	      "      --timeout SECS     exit after SECS seconds\n"
	      "\n" MT_GLOBAL_USAGE
	      "\nExit status: 0, or 1 when --count events did not come before --timeout.\n"
	      "See memtopo-monitor(8).\n",
	      out);
}

struct monitor_args {
	unsigned long count; /* 0: no limit */
	double timeout;      /* 0: none */
};

struct event {
	char time[40];
	const char *action;
	unsigned long block;
	int node; /* -1 unknown */
	char state[24];
	unsigned long long seqnum;
};

static void format_time(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t len;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, size - len, ".%03ldZ", (long)tv.tv_usec / 1000);
}

/* The node a block links to (its memoryN/nodeK link) and its state, read now. */
static void read_block(const char *syspath, struct event *ev)
{
	struct mt_dir d;
	const char *name;
	char buf[24];
	int fd = open(syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return; /* gone already: a remove follows */
	if (mt_read_attr(fd, "state", buf, sizeof(buf)) > 0)
		snprintf(ev->state, sizeof(ev->state), "%s", buf);
	mt_dir_attach(&d, fd, 0);
	while (mt_dir_next(&d, &name, NULL) > 0) {
		unsigned long nid;

		if (mt_parse_indexed_name(name, "node", &nid) && nid <= INT32_MAX) {
			ev->node = (int)nid;
			break;
		}
	}
	close(fd);
}

static bool read_event(const struct mt_libudev *lib, struct udev_device *dev, struct event *ev)
{
	const char *sysname = lib->udev_device_get_sysname(dev);
	const char *syspath = lib->udev_device_get_syspath(dev);

	if (!sysname || !mt_parse_indexed_name(sysname, "memory", &ev->block))
		return false;
	format_time(ev->time, sizeof(ev->time));
	ev->action = lib->udev_device_get_action(dev);
	ev->seqnum = lib->udev_device_get_seqnum(dev);
	ev->node = -1;
	snprintf(ev->state, sizeof(ev->state), "-");
	if (!ev->action)
		return false;
	/* A removed block has no state and no links left to read. */
	if (strcmp(ev->action, "remove") != 0 && syspath)
		read_block(syspath, ev);
	return true;
}

static void print_event(const struct event *ev, const char *source, bool json)
{
	if (json) {
		struct json_object *o = json_object_new_object();

		if (!o)
			return;
		mt_json_add(o, "time", mt_json_str(ev->time));
		mt_json_add(o, "action", mt_json_str(ev->action));
		mt_json_add(o, "block", json_object_new_uint64(ev->block));
		mt_json_add(o, "node", ev->node >= 0 ? json_object_new_int(ev->node) : NULL);
		mt_json_add(o, "state", strcmp(ev->state, "-") ? mt_json_str(ev->state) : NULL);
		mt_json_add(o, "seqnum", json_object_new_uint64(ev->seqnum));
		mt_json_add(o, "source", mt_json_str(source));
		/* One object per line: scripts read it as a stream. */
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		char node[16] = "-";

		if (ev->node >= 0)
			snprintf(node, sizeof(node), "node%d", ev->node);
		printf("%s %-7s memory%-6lu %-6s %s\n", ev->time, ev->action, ev->block, node,
		       ev->state);
	}
	fflush(stdout);
}

static struct udev_monitor *open_monitor(const struct mt_libudev *lib, struct udev *udev,
					 const char **source)
{
	struct udev_monitor *mon;

	*source = access(UDEVD_CONTROL, F_OK) == 0 ? "udev" : "kernel";
	mon = lib->udev_monitor_new_from_netlink(udev, *source);
	if (!mon)
		return NULL;
	if (lib->udev_monitor_filter_add_match_subsystem_devtype(mon, "memory", NULL) < 0 ||
	    lib->udev_monitor_enable_receiving(mon) < 0) {
		lib->udev_monitor_unref(mon);
		return NULL;
	}
	return mon;
}

/* Events until --count, --timeout, SIGINT or SIGTERM. Returns the events seen. */
static unsigned long watch(const struct mt_libudev *lib, struct udev_monitor *mon,
			   const char *source, const struct monitor_args *a, bool json,
			   struct mt_interrupts *in)
{
	long end = a->timeout > 0 ? mt_now_ms() + (long)(a->timeout * 1000) : 0;
	unsigned long seen = 0;

	while (!a->count || seen < a->count) {
		struct pollfd p[2] = { { .fd = lib->udev_monitor_get_fd(mon), .events = POLLIN },
				       { .fd = in->sigfd, .events = POLLIN } };
		long left = end ? end - mt_now_ms() : -1;
		struct udev_device *dev;
		struct event ev;

		if (end && left <= 0)
			break;
		if (poll(p, 2, end ? (int)left : -1) < 0 && errno != EINTR)
			break;
		if (mt_interrupts_pending(in))
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		dev = lib->udev_monitor_receive_device(mon);
		if (!dev)
			continue;
		if (read_event(lib, dev, &ev)) {
			print_event(&ev, source, json);
			seen++;
		}
		lib->udev_device_unref(dev);
	}
	return seen;
}

static int parse_args(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv,
		      struct monitor_args *a)
{
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, ":" MT_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_COUNT:
			errno = 0;
			a->count = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || !a->count)
				return mt_usage_error(self, "--count: '%s' is not a positive count",
						      optarg);
			break;
		case OPT_TIMEOUT:
			if ((r = mt_parse_seconds(self, "--timeout", optarg, &a->timeout, false)))
				return r;
			break;
		default:
			if ((r = mt_opts_handle(self, opts, c, optarg, argv)) != MT_CONTINUE)
				return r;
		}
	}
	if (optind < argc)
		return mt_usage_error(self, "unexpected argument '%s'", argv[optind]);
	/* Events come from the running kernel; a capture has none. */
	if (opts->sysroot)
		return mt_usage_error(self, "--sysroot: a capture sends no events, monitor "
					    "watches the running kernel");
	return MT_CONTINUE;
}

/* Listen until done; the monitor and libudev are set up by the caller. */
static int listen_to(const struct mt_libudev *lib, struct udev_monitor *mon, const char *source,
		     const struct monitor_args *a, const struct mt_opts *opts)
{
	struct mt_interrupts in = { .sigfd = -1 };
	unsigned long seen;
	int r;

	mt_verbose(opts, "monitor: listening to %s events", source);
	r = mt_interrupts_start(&in);
	if (r < 0) {
		mt_err("monitor: watching for Ctrl-C: %s", mt_errno_name(r));
		return MT_EXIT_FAILURE;
	}
	seen = watch(lib, mon, source, a, opts->json, &in);
	mt_interrupts_stop(&in);
	return a->count && seen < a->count && !in.count ? MT_EXIT_FAILURE : MT_EXIT_OK;
}

int cmd_monitor(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	struct monitor_args a = { 0 };
	struct udev_monitor *mon = NULL;
	struct udev *udev = NULL;
	struct mt_libudev lib;
	const char *source = "";
	int r;

	r = parse_args(self, opts, argc, argv, &a);
	if (r != MT_CONTINUE)
		return r;
	if (mt_libudev_open(&lib) < 0) {
		mt_err("monitor: %s: cannot load libudev; install it (Debian: libudev1)",
		       dlerror() ? dlerror() : "libudev.so.1");
		return MT_EXIT_FAILURE;
	}
	udev = lib.udev_new();
	mon = udev ? open_monitor(&lib, udev, &source) : NULL;
	if (!mon) {
		mt_err("monitor: cannot listen to uevents (netlink): %s; are you in a network "
		       "namespace without them?",
		       mt_errno_name(errno ? errno : EPROTO));
		r = MT_EXIT_FAILURE;
	} else {
		r = listen_to(&lib, mon, source, &a, opts);
		lib.udev_monitor_unref(mon);
	}
	if (udev)
		lib.udev_unref(udev);
	mt_libudev_close(&lib);
	return r;
}
