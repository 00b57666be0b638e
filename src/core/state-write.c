// SPDX-License-Identifier: GPL-2.0-or-later
/* The deadline-bounded write of a block's state (or kernel/dlpar), in a child process. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/clock.h"
#include "shared/macro.h"
#include "shared/sysfs.h"
#include "core/state-write.h"

static sigset_t watched(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return set;
}

int mt_interrupts_start(struct mt_interrupts *in)
{
	sigset_t set = watched();

	in->count = 0;
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	in->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return in->sigfd < 0 ? -errno : 0;
}

bool mt_interrupts_pending(struct mt_interrupts *in)
{
	struct signalfd_siginfo si;

	if (!in)
		return false;
	while (in->sigfd >= 0 && read(in->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		in->count++;
	return in->count > 0;
}

void mt_interrupts_stop(struct mt_interrupts *in)
{
	sigset_t set = watched();

	if (in->sigfd >= 0)
		close(in->sigfd);
	in->sigfd = -1;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * The write is done by a vfork()ed child: it shares our memory and page
 * tables, so the write allocates next to nothing (a kernel stack and a
 * task). A fork() would copy our page tables (580 KiB of them in an ASan
 * build, 48 KiB otherwise): unmovable pages that can land in the very
 * block being offlined and make it fail with EBUSY, attempt after attempt,
 * since each new child reuses the pages the last one freed. While the
 * child runs this thread is suspended; a watchdog thread ends the child at
 * the deadline or on a second interrupt.
 */
struct watch {
	pid_t pid; /* the child's, stored by the child itself (vfork returns only after it ends) */
	int done_fd;   /* eventfd: the child is gone, stop watching */
	long deadline; /* mt_now_ms() */
	struct mt_interrupts *in;
	int result; /* 0, -ETIMEDOUT or -ECANCELED: why the watchdog killed the child */
};

/*
 * The child: every signal blocked (no spurious EINTR), one write, the errno
 * as status. dir_fd is the attribute's directory, resolved by the parent
 * inside the sysroot; the attribute itself must be a regular file there,
 * not a link (O_NOFOLLOW) nor a FIFO (O_NONBLOCK keeps the open from
 * waiting, then the write blocks as the kernel's own does).
 */
static _Noreturn void write_child(struct watch *w, int dir_fd, const char *name, const char *value)
{
	struct stat st;
	sigset_t all;
	ssize_t n;
	int fd;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	__atomic_store_n(&w->pid, getpid(), __ATOMIC_RELEASE);
	fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		_exit(errno & 0xff);
	if (fstat(fd, &st) < 0)
		_exit(errno & 0xff);
	if (!S_ISREG(st.st_mode))
		_exit(ENXIO);
	if (fcntl(fd, F_SETFL, 0) < 0)
		_exit(errno & 0xff);
	n = write(fd, value, strlen(value));
	_exit(n < 0 ? errno & 0xff : 0);
}

static void kill_child(struct watch *w, int why)
{
	pid_t pid;
	struct pollfd p = { .fd = w->done_fd, .events = POLLIN };

	/* The child stores its pid first thing; until then, wait in 1 ms steps. */
	while ((pid = __atomic_load_n(&w->pid, __ATOMIC_ACQUIRE)) == 0)
		if (poll(&p, 1, 1) > 0)
			return; /* gone before it ever started */
	w->result = why;
	kill(pid, SIGKILL);
}

static void *watchdog(void *arg)
{
	struct watch *w = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = w->done_fd, .events = POLLIN },
				       { .fd = w->in ? w->in->sigfd : -1, .events = POLLIN } };
		long left = w->deadline - mt_now_ms();

		if (left <= 0) {
			kill_child(w, -ETIMEDOUT);
			return NULL;
		}
		if (poll(p, 2, left > 1000 ? 1000 : (int)left) <= 0)
			continue;
		if (p[0].revents & POLLIN)
			return NULL;
		/* A first interrupt lets the write finish; a second one aborts it. */
		if ((p[1].revents & POLLIN) && w->in && mt_interrupts_pending(w->in) &&
		    w->in->count > 1) {
			kill_child(w, -ECANCELED);
			return NULL;
		}
	}
}

int mt_state_write(int mem_fd, uint32_t block, const char *value, long timeout_ms,
		   struct mt_interrupts *in)
{
	char name[24];

	snprintf(name, sizeof(name), "memory%" PRIu32, block);
	return mt_attr_write(mem_fd, name, "state", value, timeout_ms, in);
}

int mt_attr_write(int dirfd, const char *dir, const char *name, const char *value, long timeout_ms,
		  struct mt_interrupts *in)
{
	struct watch w = { .deadline = mt_now_ms() + timeout_ms, .in = in };
	_cleanup_close_ int dir_fd = -1;
	pthread_t thread;
	int status, r;
	pid_t pid;

	/* Under --sysroot a directory that links out of it is refused here (-EXDEV). */
	dir_fd = mt_open(dirfd, dir, O_PATH | O_DIRECTORY, 0, 0);
	if (dir_fd < 0)
		return dir_fd;
	w.done_fd = eventfd(0, EFD_CLOEXEC);
	if (w.done_fd < 0)
		return -errno;
	r = pthread_create(&thread, NULL, watchdog, &w);
	if (r) {
		close(w.done_fd);
		return -r;
	}
	pid = vfork();
	if (pid == 0)
		write_child(&w, dir_fd, name, value);
	r = pid < 0 ? -errno : 0;
	/* Here the child has ended (or never started): stop the watchdog. */
	(void)eventfd_write(w.done_fd, 1); /* a fresh counter: cannot overflow */
	pthread_join(thread, NULL);
	close(w.done_fd);
	if (pid < 0)
		return r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* A child that ended on its own at the deadline still says how the write went. */
	if (WIFEXITED(status))
		return -WEXITSTATUS(status);
	return w.result ? w.result : -ECHILD; /* ECHILD: killed by someone else */
}
