// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/lock.h"
#include "shared/macro.h"
#include "shared/sysfs.h"

#define LOCK_PATH    "run/lock/memtopo.lock"
#define LOCK_POLL_MS 100

/*
 * run/lock may be missing in a sysroot (a fixture); the live /run/lock
 * exists. mkdirat() follows every component but the last: "lock" is made
 * in run/ as resolved inside the sysroot, never through a link out of it.
 */
static void make_parents(int root_fd)
{
	_cleanup_close_ int run_fd = -1;

	mkdirat(root_fd, "run", 0755);
	run_fd = mt_open(root_fd, "run", O_PATH | O_DIRECTORY, 0, 0);
	if (run_fd >= 0)
		mkdirat(run_fd, "lock", 0755);
}

static pid_t read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? (pid_t)pid : 0;
}

static int open_lock(const struct mt_sysroot *sr, struct mt_lock *lock)
{
	const char *env = getenv("MEMTOPO_LOCK");
	int fd;

	if (env && *env) {
		snprintf(lock->path, sizeof(lock->path), "%s", env);
		fd = open(env, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	} else {
		snprintf(lock->path, sizeof(lock->path), "%s/%s", sr->root_path, LOCK_PATH);
		make_parents(sr->root_fd);
		/* O_NONBLOCK: a FIFO in its place must not hang the open; then refused. */
		fd = mt_open(sr->root_fd, LOCK_PATH, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK,
			     0644, 0);
		if (fd >= 0 && mt_check_regular(fd, sr->root_fd, LOCK_PATH, UINT64_MAX) < 0) {
			close(fd);
			return -ENXIO;
		}
		return fd;
	}
	return fd < 0 ? -errno : fd;
}

int mt_lock_take(const struct mt_sysroot *sr, double wait_s, struct mt_lock *lock)
{
	struct timespec pause = { 0, LOCK_POLL_MS * 1000000L };
	long waited_ms = 0;
	int fd;

	lock->fd = -1;
	lock->holder = 0;
	fd = open_lock(sr, lock);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		if (err != EWOULDBLOCK || waited_ms >= (long)(wait_s * 1000)) {
			lock->holder = err == EWOULDBLOCK ? read_holder(fd) : 0;
			close(fd);
			return -err;
		}
		nanosleep(&pause, NULL);
		waited_ms += LOCK_POLL_MS;
	}
	/* Ours now: say who holds it, for the run that has to wait. */
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%ld\n", (long)getpid());
	lock->fd = fd;
	return 0;
}

void mt_lock_release(struct mt_lock *lock)
{
	if (lock->fd >= 0)
		close(lock->fd);
	lock->fd = -1;
}
