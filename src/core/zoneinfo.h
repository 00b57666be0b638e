/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/zoneinfo: per node and zone, where the zone starts and how many
 * pages it spans and holds. Tells a block that genuinely spans two nodes
 * from a bogus double link, and gives present memory per zone.
 */
#ifndef MEMTOPO_ZONEINFO_H
#define MEMTOPO_ZONEINFO_H

#include <stddef.h>
#include <stdint.h>

#include "core/block.h"

struct mt_zone_span {
	int node;
	enum mt_zone zone;                  /* MT_ZONE_NONE for a name memtopo does not know */
	uint64_t start_pfn;                 /* UINT64_MAX when the kernel did not print start_pfn */
	uint64_t spanned, present, managed; /* pages */
};

struct mt_zoneinfo {
	struct mt_zone_span *z;
	size_t n;
};

/*
 * Parse zoneinfo text; unknown lines are ignored. One span per "Node N,
 * zone NAME" header, in file order; counters the kernel did not print stay
 * 0, and start_pfn stays UINT64_MAX (kernels print no start_pfn for an
 * unpopulated zone, e.g. an empty Movable or Device). A torn header ends the
 * previous zone so its counters are not misattributed. 0, -EINVAL (no zone
 * header at all), or -ENOMEM; on error *out is empty.
 */
int mt_zoneinfo_parse(const char *text, struct mt_zoneinfo *out);
void mt_zoneinfo_free(struct mt_zoneinfo *zi);

#endif
