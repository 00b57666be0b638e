// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm-mlock MIB: the vm suite's guest load helper (built static, test-only,
 * put in the initramfs as /bin/vm-mlock). Maps MIB MiB of anonymous memory,
 * locks it (mlock), touches every page, prints "locked MIB MiB" and sleeps
 * until killed. Exit 1 with a message on stderr when a step fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long mib;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	char *end, *p;

	if (argc != 2 || (mib = strtoul(argv[1], &end, 10)) == 0 || *end || mib > (1ul << 20)) {
		fprintf(stderr, "usage: vm-mlock MIB (MiB to lock, then sleep)\n");
		return 2;
	}
	len = (size_t)mib << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "vm-mlock: mmap %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	if (mlock(p, len) < 0) {
		fprintf(stderr, "vm-mlock: mlock %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	for (size_t off = 0; off < len; off += page)
		p[off] = (char)(off / page);
	printf("locked %lu MiB\n", mib);
	fflush(stdout);
	for (;;)
		pause();
}
