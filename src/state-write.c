// SPDX-License-Identifier: GPL-2.0-or-later
/* The deadline-bounded write of a block's state, in a child process. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memtopo/clock.h"
#include "memtopo/state-write.h"

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

	while (in->sigfd >= 0 && read(in->sigfd, &si, sizeof(si)) == sizeof(si))
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

/* The child: every signal blocked (no spurious EINTR), one write, the errno as status. */
static _Noreturn void write_child(int mem_fd, uint32_t block, const char *value)
{
	sigset_t all;
	char path[48];
	ssize_t n;
	int fd;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	snprintf(path, sizeof(path), "memory%" PRIu32 "/state", block);
	fd = openat(mem_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(errno & 0xff);
	n = write(fd, value, strlen(value));
	_exit(n < 0 ? errno & 0xff : 0);
}

static int reap(pid_t pid, bool kill_it)
{
	int status;

	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (kill_it)
		return 0;
	if (WIFEXITED(status))
		return -WEXITSTATUS(status);
	return -ECHILD; /* killed by someone else */
}

int mt_state_write(int mem_fd, uint32_t block, const char *value, long timeout_ms,
		   struct mt_interrupts *in)
{
	long deadline = mt_now_ms() + timeout_ms;
	pid_t pid = fork();
	int pidfd;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		write_child(mem_fd, block, value);
	/* pidfd (5.3+) makes the child's end pollable; else poll in short slices. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd p[2] = {{.fd = in ? in->sigfd : -1, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};
		long left = deadline - mt_now_ms();
		int status;

		if (left <= 0) {
			reap(pid, true);
			if (pidfd >= 0)
				close(pidfd);
			return -ETIMEDOUT;
		}
		poll(p, 2, pidfd >= 0 ? (int)(left > 1000 ? 1000 : left) : 10);
		if (in && (p[0].revents & POLLIN) && mt_interrupts_pending(in) && in->count > 1) {
			reap(pid, true);
			if (pidfd >= 0)
				close(pidfd);
			return -ECANCELED;
		}
		if (pidfd >= 0 && !(p[1].revents & POLLIN))
			continue;
		if (pidfd < 0 && waitpid(pid, &status, WNOHANG) == 0)
			continue;
		if (pidfd >= 0) {
			close(pidfd);
			return reap(pid, false);
		}
		return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
	}
}
