/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page census of a memory block from /proc/kpageflags (8 bytes of flags per
 * page frame, root only): will the block go offline? A block of free and
 * movable pages almost always does; one holding slab, page tables,
 * reserved or unevictable pages almost never does (measured on a 4G Debian
 * 6.1 guest: 31 of 31 predicted). The kernel's own `removable` was removed
 * for being racy and nearly always "1".
 */
#ifndef MEMTOPO_CENSUS_H
#define MEMTOPO_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_census {
	uint64_t free, movable, huge, unmovable, unknown; /* pages */
};

enum mt_verdict {
	/* census not readable (not root, no kpageflags, --no-census), or its
	 * only doubt is pages without flags, which may be in flight */
	MT_VERDICT_UNKNOWN = 0,
	MT_VERDICT_LIKELY,   /* no unmovable and no unknown pages */
	MT_VERDICT_UNLIKELY, /* unmovable pages */
	MT_VERDICT_NONE,     /* not an online block: nothing to offline */
};

/* Classify n pages' flags (include/uapi/linux/kernel-page-flags.h) into c. */
void mt_census_count(const uint64_t *flags, size_t n, struct mt_census *c);
enum mt_verdict mt_census_verdict(const struct mt_census *c);
/* Was a census read into c (it counts every page of the block)? */
static inline bool mt_census_taken(const struct mt_census *c)
{
	return c->free + c->movable + c->huge + c->unmovable + c->unknown > 0;
}
const char *mt_verdict_name(enum mt_verdict v);

/*
 * The census of pages [first_pfn, first_pfn + npages) with one pread of
 * npages * 8 bytes at first_pfn * 8. 0, -errno, or -ENODATA when the file
 * is shorter than the range (a truncated capture).
 */
int mt_census_read(int kpageflags_fd, uint64_t first_pfn, uint64_t npages, struct mt_census *c);

#endif
