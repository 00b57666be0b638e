// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fk-write: one write(2) of VALUE to PATH, for testing the fakekernel shim
 * without memtopo (tests/fakekernel/README.md). "\n" in VALUE is a newline.
 * Prints "ok" or "errno N" and exits 0 or 1. --fork writes from a child,
 * as memtopo does. SIGUSR1 is handled (no SA_RESTART): a hung write must
 * survive it.
 *
 *   fk-write [--fork] PATH VALUE
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

static int do_write(const char *path, const char *value, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, value, len);
	if (n < 0)
		return errno;
	close(fd);
	return n == (ssize_t)len ? 0 : EIO;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char value[256];
	size_t len = 0;
	int use_fork = argc == 4 && strcmp(argv[1], "--fork") == 0;
	int err, status;
	const char *p;
	pid_t pid;

	if (argc != 3 + use_fork) {
		fputs("usage: fk-write [--fork] PATH VALUE\n", stderr);
		return 2;
	}
	for (p = argv[2 + use_fork]; *p && len < sizeof(value) - 1; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			value[len++] = '\n';
			p++;
		} else {
			value[len++] = *p;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (!use_fork) {
		err = do_write(argv[1], value, len);
	} else {
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(do_write(argv[2], value, len));
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		err = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
	}
	if (err)
		printf("errno %d\n", err);
	else
		puts("ok");
	return err ? 1 : 0;
}
