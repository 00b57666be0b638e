/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory-block uevents, for `monitor` and the agent: libudev's monitor on
 * subsystem "memory", from udevd when it runs (events after its rules
 * ran), straight from the kernel otherwise (a busybox system has no
 * udevd). Or, for tests only, lines "ACTION memoryN" read from a file or
 * FIFO ($MEMTOPO_AGENT_EVENTS of the agent): the fake kernel sends no
 * uevents.
 */
#ifndef MEMTOPO_CORE_UEVENTS_H
#define MEMTOPO_CORE_UEVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/dynlib.h"

struct mt_uevent {
	char action[16]; /* add, remove, online, offline, ... */
	unsigned long block;
	unsigned long long seqnum;
	char syspath[256]; /* "" for the test source */
};

struct mt_uevents {
	const char *source; /* "udev", "kernel" or "file" */
	struct mt_libudev lib;
	bool lib_open;
	struct udev *udev;
	struct udev_monitor *mon;
	int fd; /* the test source */
	char buf[4096];
	size_t len;
	bool eof;
	unsigned long long seq;
};

/*
 * Start listening (test_path NULL: netlink). -ENOENT libudev missing
 * (dlerror() says which), -errno of the netlink socket or the file.
 */
int mt_uevents_open(struct mt_uevents *u, const char *test_path);
/* What to poll for POLLIN; -1 after the test source's end. */
int mt_uevents_fd(const struct mt_uevents *u);
/*
 * One event, without blocking: 1 (a memory block's event in *ev), 0
 * (nothing, or not a memory block), -EPIPE (the test source ended).
 */
int mt_uevents_receive(struct mt_uevents *u, struct mt_uevent *ev);
void mt_uevents_close(struct mt_uevents *u);

#endif
