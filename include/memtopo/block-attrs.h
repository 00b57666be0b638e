/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The values a memory block's state and valid_zones attributes take. */
#ifndef MEMTOPO_BLOCK_ATTRS_H
#define MEMTOPO_BLOCK_ATTRS_H

enum mt_state {
	MT_STATE_UNKNOWN = 0, /* missing, unreadable or garbage */
	MT_STATE_ONLINE,
	MT_STATE_OFFLINE,
	MT_STATE_GOING_OFFLINE,
};

/* The kernel's zone names, as valid_zones spells them. */
enum mt_zone {
	MT_ZONE_NONE = 0, /* "none": the block spans zones or nodes */
	MT_ZONE_DMA,
	MT_ZONE_DMA32,
	MT_ZONE_NORMAL,
	MT_ZONE_HIGHMEM,
	MT_ZONE_MOVABLE,
	MT_ZONE_DEVICE,
	MT_ZONE_COUNT,
};

const char *mt_state_name(enum mt_state s);
const char *mt_zone_name(enum mt_zone z);
enum mt_state mt_state_parse(const char *s);

#endif
