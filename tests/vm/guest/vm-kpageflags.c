// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm-kpageflags BLOCK...: the vm suite's independent look at the page
 * flags of memory blocks (built static, test-only, /bin/vm-kpageflags in
 * the initramfs). For each block: the distinct /proc/kpageflags words of
 * its pages with their counts, most frequent first, one line each:
 *
 *   memoryN COUNT FLAGS_HEX
 *
 * The host names the bits (include/uapi/linux/kernel-page-flags.h). No
 * classification here: that is what memtopo's census is tested against.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct combo {
	uint64_t flags;
	unsigned long count;
};

static int by_count(const void *a, const void *b)
{
	const struct combo *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->flags < y->flags ? -1 : x->flags > y->flags;
}

static int block_size(uint64_t *out)
{
	FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	int ok = f && fscanf(f, "%" SCNx64, out) == 1 && *out;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint64_t bs, npages, page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t *flags;
	struct combo *c;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: vm-kpageflags BLOCK...\n");
		return 2;
	}
	if (block_size(&bs) < 0) {
		fprintf(stderr, "vm-kpageflags: cannot read block_size_bytes\n");
		return 1;
	}
	npages = bs / page;
	fd = open("/proc/kpageflags", O_RDONLY);
	flags = malloc(npages * sizeof(*flags));
	c = malloc(npages * sizeof(*c));
	if (fd < 0 || !flags || !c) {
		fprintf(stderr, "vm-kpageflags: /proc/kpageflags: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *end;
		unsigned long id = strtoul(argv[i], &end, 10);
		size_t n = 0, len = npages * sizeof(*flags);
		ssize_t got =
			*end ? -1 : pread(fd, flags, len, (off_t)(id * npages * sizeof(*flags)));

		if (got != (ssize_t)len) {
			printf("memory%s error %s\n", argv[i],
			       *end      ? "not a block number"
			       : got < 0 ? strerror(errno)
					 : "short read");
			continue;
		}
		for (uint64_t p = 0; p < npages; p++) {
			size_t k;

			for (k = 0; k < n && c[k].flags != flags[p]; k++)
				;
			if (k == n)
				c[n++] = (struct combo){ flags[p], 0 };
			c[k].count++;
		}
		qsort(c, n, sizeof(*c), by_count);
		for (size_t k = 0; k < n; k++)
			printf("memory%lu %lu %" PRIx64 "\n", id, c[k].count, c[k].flags);
	}
	return 0;
}
