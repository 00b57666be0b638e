// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/kpageflags records: the classifier over any flag words, and the
 * reader over a file of the input's bytes at any page range. The first 16
 * bytes are the range (first pfn, page count), the rest the file.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/census.h"

#include "fuzz.h"

static uint64_t total(const struct mt_census *c)
{
	return c->free + c->movable + c->huge + c->unmovable + c->unknown;
}

static void classify(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(uint64_t);
	uint64_t *flags = malloc((n ? n : 1) * sizeof(*flags));
	struct mt_census c = { 0 };
	enum mt_verdict v;

	if (!flags)
		abort();
	memcpy(flags, data, n * sizeof(*flags));
	mt_census_count(flags, n, &c);
	/* Every page lands in exactly one class. */
	FUZZ_ASSERT(total(&c) == n, "%zu pages counted as %llu", n, (unsigned long long)total(&c));
	v = mt_census_verdict(&c);
	FUZZ_ASSERT(v == MT_VERDICT_UNKNOWN || v == MT_VERDICT_LIKELY || v == MT_VERDICT_UNLIKELY,
		    "verdict %d", v);
	FUZZ_ASSERT(c.unmovable ? v == MT_VERDICT_UNLIKELY : v != MT_VERDICT_UNLIKELY,
		    "verdict %s with %llu unmovable", mt_verdict_name(v),
		    (unsigned long long)c.unmovable);
	free(flags);
}

/*
 * The reader on a memfd holding the bytes, for page counts a block can have
 * (a 1 GiB block of 4 KiB pages): bounding it is the snapshot's job,
 * and the sysroot harness checks it there.
 */
static void read_file(const uint8_t *data, size_t size)
{
	uint64_t range[2];
	struct mt_census c;
	int fd, r;

	if (size < sizeof(range))
		return;
	memcpy(range, data, sizeof(range));
	data += sizeof(range);
	size -= sizeof(range);
	range[1] %= (UINT64_C(1) << 18) + 1;
	fd = memfd_create("kpageflags", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	r = mt_census_read(fd, range[0], range[1], &c);
	if (r == 0) {
		FUZZ_ASSERT(total(&c) == range[1], "%llu pages read, %llu counted",
			    (unsigned long long)range[1], (unsigned long long)total(&c));
		FUZZ_ASSERT((range[0] + range[1]) * 8 <= size, "read past the end of the file");
	} else {
		FUZZ_ASSERT(total(&c) == 0, "a failed read counted pages");
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	classify(data, size);
	read_file(data, size);
	return 0;
}
