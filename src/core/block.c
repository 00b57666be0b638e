// SPDX-License-Identifier: GPL-2.0-or-later
/* Names and parsers for the values of a memory block's attributes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"

static const char *const state_names[] = {
	[MT_STATE_UNKNOWN] = "unknown",
	[MT_STATE_ONLINE] = "online",
	[MT_STATE_OFFLINE] = "offline",
	[MT_STATE_GOING_OFFLINE] = "going-offline",
};

/* include/linux/mmzone.h zone_names[], plus valid_zones' "none". */
static const char *const zone_names[] = {
	[MT_ZONE_NONE] = "none",     [MT_ZONE_DMA] = "DMA",         [MT_ZONE_DMA32] = "DMA32",
	[MT_ZONE_NORMAL] = "Normal", [MT_ZONE_HIGHMEM] = "HighMem", [MT_ZONE_MOVABLE] = "Movable",
	[MT_ZONE_DEVICE] = "Device",
};

const char *mt_state_name(enum mt_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(*state_names) ? state_names[s]
									: "unknown";
}

const char *mt_zone_name(enum mt_zone z)
{
	return (unsigned)z < MT_ZONE_COUNT ? zone_names[z] : "?";
}

enum mt_state mt_state_parse(const char *s)
{
	for (unsigned i = MT_STATE_ONLINE; i < sizeof(state_names) / sizeof(*state_names); i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum mt_state)i;
	return MT_STATE_UNKNOWN;
}

bool mt_zones_parse(const char *s, uint8_t zones[MT_MAX_ZONES], uint8_t *nzones)
{
	uint8_t n = 0;

	while (*s) {
		size_t len;
		unsigned z;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		len = strcspn(s, " ");
		for (z = 0; z < MT_ZONE_COUNT; z++)
			if (strlen(zone_names[z]) == len && strncmp(s, zone_names[z], len) == 0)
				break;
		if (z == MT_ZONE_COUNT || n == MT_MAX_ZONES)
			return false;
		zones[n++] = (uint8_t)z;
		s += len;
	}
	if (n == 0)
		return false;
	*nzones = n;
	return true;
}

bool mt_block_zones_equal(const struct mt_block *a, const struct mt_block *b)
{
	return a->nzones == b->nzones &&
	       (a->nzones == MT_ZONES_UNKNOWN || memcmp(a->zones, b->zones, a->nzones) == 0);
}

bool mt_nodeset_contains(const struct mt_nodeset *set, int node)
{
	for (unsigned i = 0; i < set->n; i++)
		if (set->ids[i] == node)
			return true;
	return false;
}

int mt_nodeset_add(struct mt_nodeset *set, int node)
{
	int *ids;
	unsigned i;

	if (mt_nodeset_contains(set, node) || set->n == MT_MAX_BLOCK_NODES)
		return 0;
	ids = realloc(set->ids, (set->n + 1u) * sizeof(int));
	if (!ids)
		return -ENOMEM;
	/* Sorted: output and comparisons rely on it. */
	for (i = set->n; i > 0 && ids[i - 1] > node; i--)
		ids[i] = ids[i - 1];
	ids[i] = node;
	set->ids = ids;
	set->n++;
	return 0;
}

void mt_nodeset_free(struct mt_nodeset *set)
{
	free(set->ids);
	set->ids = NULL;
	set->n = 0;
}
