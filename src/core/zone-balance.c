// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/zone-balance.h"

void mt_balance_add(struct mt_balance *b, enum mt_zone z, uint64_t bytes)
{
	if (z == MT_ZONE_MOVABLE)
		b->movable += bytes;
	else if (z != MT_ZONE_DEVICE && z != MT_ZONE_NONE)
		b->kernel += bytes;
}

void mt_balance_read(const struct mt_snapshot *s, struct mt_balance *per_node,
		     struct mt_balance *all)
{
	if (s->have_zoneinfo) {
		for (size_t i = 0; i < s->zoneinfo.n; i++) {
			const struct mt_zone_span *z = &s->zoneinfo.z[i];
			uint64_t bytes = z->present * s->page_size;

			mt_balance_add(all, z->zone, bytes);
			if (z->node >= 0 && z->node < MT_BALANCE_NODES)
				mt_balance_add(&per_node[z->node], z->zone, bytes);
		}
		return;
	}
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (b->state != MT_STATE_ONLINE || b->nzones != 1)
			continue;
		mt_balance_add(all, b->zones[0], s->block_size);
		if (b->nnodes == 1 && b->node < MT_BALANCE_NODES)
			mt_balance_add(&per_node[b->node], b->zones[0], s->block_size);
	}
}
