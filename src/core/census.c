// SPDX-License-Identifier: GPL-2.0-or-later
/* Classifying page frames by their kpageflags, and reading them. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/census.h"
#include "shared/macro.h"

/* include/uapi/linux/kernel-page-flags.h, and the kernel-internal bits root sees. */
enum {
	KPF_LOCKED = 0,
	KPF_LRU = 5,
	KPF_SLAB = 7,
	KPF_BUDDY = 10,
	KPF_MMAP = 11,
	KPF_ANON = 12,
	KPF_SWAPCACHE = 13,
	KPF_SWAPBACKED = 14,
	KPF_HUGE = 17,
	KPF_UNEVICTABLE = 18,
	KPF_HWPOISON = 19,
	KPF_NOPAGE = 20,
	KPF_KSM = 21,
	KPF_THP = 22,
	KPF_OFFLINE = 23,
	KPF_PGTABLE = 26,
	KPF_RESERVED = 32,
	KPF_MLOCKED = 33,
};

#define BIT(n) (UINT64_C(1) << (n))

/*
 * Pages the offline path cannot move: slab, page tables, reserved (boot
 * allocations, memmap), poisoned, already offline. Unevictable and mlocked
 * pages count only off the LRU: on it, migration moves them (measured in
 * the vm suite: blocks holding hundreds of mlocked LRU pages went offline).
 */
static const uint64_t unmovable_bits =
	BIT(KPF_SLAB) | BIT(KPF_PGTABLE) | BIT(KPF_RESERVED) | BIT(KPF_HWPOISON) | BIT(KPF_OFFLINE);
static const uint64_t pinned_bits = BIT(KPF_UNEVICTABLE) | BIT(KPF_MLOCKED);
/* Migration moves these: user memory, page cache, swap cache, KSM. */
static const uint64_t movable_bits = BIT(KPF_LRU) | BIT(KPF_ANON) | BIT(KPF_SWAPBACKED) |
				     BIT(KPF_SWAPCACHE) | BIT(KPF_MMAP) | BIT(KPF_KSM);

void mt_census_count(const uint64_t *flags, size_t n, struct mt_census *c)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t f = flags[i];

		if ((f & unmovable_bits) || ((f & pinned_bits) && !(f & BIT(KPF_LRU))))
			c->unmovable++;
		else if (f &
			 BIT(KPF_BUDDY)) /* every page of a free buddy block (is_free_buddy_page) */
			c->free++;
		else if (f & (BIT(KPF_HUGE) | BIT(KPF_THP)))
			c->huge++; /* migrated (THP, hugetlb) or dissolved (free hugetlb) */
		else if (f & movable_bits)
			c->movable++;
		else if (f == 0 || (f & BIT(KPF_NOPAGE)))
			c->unknown++; /* no flags: in flight or kernel-owned (see below) */
		else
			c->movable++; /* page cache off the LRU for a moment, buffers */
	}
}

/*
 * Pages without flags are either in flight (on a per-cpu free list, between
 * allocation and the LRU: under load hundreds come and go, and such blocks
 * go offline) or kernel allocations that never move (a block of nothing
 * else failed): the census cannot tell, and says so rather than guess.
 */
enum mt_verdict mt_census_verdict(const struct mt_census *c)
{
	if (c->unmovable)
		return MT_VERDICT_UNLIKELY;
	return c->unknown ? MT_VERDICT_UNKNOWN : MT_VERDICT_LIKELY;
}

const char *mt_verdict_name(enum mt_verdict v)
{
	switch (v) {
	case MT_VERDICT_LIKELY:
		return "likely";
	case MT_VERDICT_UNLIKELY:
		return "unlikely";
	case MT_VERDICT_NONE:
		return "-";
	case MT_VERDICT_UNKNOWN:
		break;
	}
	return "unknown";
}

/*
 * Read in windows of at most this many pages (256 KiB of flags): a 64 GiB
 * block of 4 KiB pages is 16 Mi pages, 128 MiB of flags, which is never
 * allocated whole, and a block_size_bytes from a broken capture cannot
 * ask malloc for its size.
 */
#define CENSUS_WINDOW ((size_t)32768)

int mt_census_read(int fd, uint64_t first_pfn, uint64_t npages, struct mt_census *c)
{
	uint64_t flags[512], *buf = flags;
	size_t cap = ARRAY_SIZE(flags);
	int r = 0;

	*c = (struct mt_census){ 0 };
	if (npages == 0 || first_pfn > (uint64_t)INT64_MAX / sizeof(uint64_t) ||
	    npages > (uint64_t)INT64_MAX / sizeof(uint64_t) - first_pfn)
		return -EINVAL;
	/* 256 KiB for a 128 MiB block: the heap, not the stack; small blocks need neither. */
	if (npages > cap) {
		cap = npages < CENSUS_WINDOW ? (size_t)npages : CENSUS_WINDOW;
		buf = malloc(cap * sizeof(*buf));
		if (!buf)
			return -ENOMEM;
	}
	for (uint64_t done = 0; done < npages && r == 0;) {
		size_t want = npages - done < cap ? (size_t)(npages - done) : cap;
		off_t off = (off_t)((first_pfn + done) * sizeof(uint64_t));
		ssize_t n;

		do {
			n = pread(fd, buf, want * sizeof(uint64_t), off);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			r = -errno;
		else if ((size_t)n < want * sizeof(uint64_t))
			r = -ENODATA;
		else
			mt_census_count(buf, want, c);
		done += want;
	}
	if (buf != flags)
		free(buf);
	if (r < 0)
		*c = (struct mt_census){ 0 };
	return r;
}
