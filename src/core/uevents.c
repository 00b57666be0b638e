// SPDX-License-Identifier: GPL-2.0-or-later
/* Memory-block uevents from libudev's netlink monitor, or from a test file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/uevents.h"
#include "shared/sysfs.h"

/* udevd answers on this socket; without it, "udev" monitors hear nothing. */
#define UDEVD_CONTROL "/run/udev/control"

static int open_netlink(struct mt_uevents *u)
{
	int r = mt_libudev_open(&u->lib);

	if (r < 0)
		return -ENOENT;
	u->lib_open = true;
	u->source = access(UDEVD_CONTROL, F_OK) == 0 ? "udev" : "kernel";
	u->udev = u->lib.udev_new();
	if (!u->udev)
		return -errno ?: -ENOMEM;
	u->mon = u->lib.udev_monitor_new_from_netlink(u->udev, u->source);
	if (!u->mon)
		return -errno ?: -EPROTO;
	if (u->lib.udev_monitor_filter_add_match_subsystem_devtype(u->mon, "memory", NULL) < 0 ||
	    u->lib.udev_monitor_enable_receiving(u->mon) < 0)
		return -errno ?: -EPROTO;
	return 0;
}

int mt_uevents_open(struct mt_uevents *u, const char *test_path)
{
	int r;

	*u = (struct mt_uevents){ .fd = -1 };
	if (!test_path) {
		r = open_netlink(u);
		if (r < 0)
			mt_uevents_close(u);
		return r;
	}
	u->source = "file";
	/*
	 * O_RDWR: a FIFO then never reads as ended while the test has not
	 * opened it yet or reopens it between bursts; a plain file ends.
	 */
	u->fd = open(test_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (u->fd < 0)
		u->fd = open(test_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return u->fd < 0 ? -errno : 0;
}

int mt_uevents_fd(const struct mt_uevents *u)
{
	if (u->mon)
		return u->lib.udev_monitor_get_fd(u->mon);
	return u->eof ? -1 : u->fd;
}

static int receive_netlink(struct mt_uevents *u, struct mt_uevent *ev)
{
	struct udev_device *dev = u->lib.udev_monitor_receive_device(u->mon);
	const char *name, *action, *path;
	int r = 0;

	if (!dev)
		return 0;
	name = u->lib.udev_device_get_sysname(dev);
	action = u->lib.udev_device_get_action(dev);
	path = u->lib.udev_device_get_syspath(dev);
	if (name && action && mt_parse_indexed_name(name, "memory", &ev->block)) {
		snprintf(ev->action, sizeof(ev->action), "%s", action);
		snprintf(ev->syspath, sizeof(ev->syspath), "%s", path ? path : "");
		ev->seqnum = u->lib.udev_device_get_seqnum(dev);
		r = 1;
	}
	u->lib.udev_device_unref(dev);
	return r;
}

/* One line "ACTION memoryN" (or "ACTION N") of the test source. */
static int parse_line(struct mt_uevents *u, char *line, struct mt_uevent *ev)
{
	char action[16], name[64];

	if (sscanf(line, "%15s %63s", action, name) != 2)
		return 0;
	if (!mt_parse_indexed_name(name, "memory", &ev->block) &&
	    mt_parse_ulong(name, 10, &ev->block) < 0)
		return 0;
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	ev->syspath[0] = '\0';
	ev->seqnum = ++u->seq;
	return 1;
}

static int receive_file(struct mt_uevents *u, struct mt_uevent *ev)
{
	for (;;) {
		char *nl = memchr(u->buf, '\n', u->len);
		ssize_t n;

		if (nl) {
			size_t take = (size_t)(nl - u->buf) + 1;
			int r;

			*nl = '\0';
			r = parse_line(u, u->buf, ev);
			memmove(u->buf, u->buf + take, u->len - take);
			u->len -= take;
			if (r)
				return 1;
			continue;
		}
		if (u->eof)
			return -EPIPE;
		if (u->len == sizeof(u->buf))
			u->len = 0; /* a line longer than the buffer is garbage */
		n = read(u->fd, u->buf + u->len, sizeof(u->buf) - u->len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
		if (n == 0) {
			u->eof = true;
			continue;
		}
		u->len += (size_t)n;
	}
}

int mt_uevents_receive(struct mt_uevents *u, struct mt_uevent *ev)
{
	return u->mon ? receive_netlink(u, ev) : receive_file(u, ev);
}

void mt_uevents_close(struct mt_uevents *u)
{
	if (u->mon)
		u->lib.udev_monitor_unref(u->mon);
	if (u->udev)
		u->lib.udev_unref(u->udev);
	if (u->lib_open)
		mt_libudev_close(&u->lib);
	if (u->fd >= 0)
		close(u->fd);
	*u = (struct mt_uevents){ .fd = -1 };
}
