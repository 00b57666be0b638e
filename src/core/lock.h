/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One online/offline run at a time: an exclusive flock on
 * <sysroot>/run/lock/memtopo.lock ($MEMTOPO_LOCK overrides the path),
 * taken before the snapshot is read, so two runs never interleave or pick
 * the same block. The holder writes its pid into the file.
 */
#ifndef MEMTOPO_LOCK_H
#define MEMTOPO_LOCK_H

#include <sys/types.h>

#include "shared/sysfs.h"
#include "shared/sysroot.h"

struct mt_lock {
	int fd;
	char path[512]; /* for messages */
	pid_t holder;   /* who has it, when taking it failed (0: unknown) */
};

/* Take it, waiting up to wait_s seconds. 0, -EWOULDBLOCK (held), -errno. */
int mt_lock_take(const struct mt_sysroot *sr, double wait_s, struct mt_lock *lock);
void mt_lock_release(struct mt_lock *lock);

#endif
