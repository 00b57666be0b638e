/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lists of ids as the kernel prints node masks and as users type block and
 * node lists: "0-3,5,8-9".
 */
#ifndef MEMTOPO_IDLIST_H
#define MEMTOPO_IDLIST_H

#include <stdbool.h>
#include <stddef.h>

struct mt_idrange {
	unsigned long lo, hi; /* inclusive */
};

struct mt_idlist {
	struct mt_idrange *r;
	size_t n;
};

/*
 * Parse strictly: decimal ids, "N" or "N-M" with N <= M, separated by
 * commas; an empty string is an empty list. -EINVAL on anything else
 * ("7-3", "abc", "1,,2"), -ERANGE on overflow.
 */
int mt_idlist_parse(const char *s, struct mt_idlist *out);
bool mt_idlist_contains(const struct mt_idlist *l, unsigned long id);
void mt_idlist_free(struct mt_idlist *l);

#endif
