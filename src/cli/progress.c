// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "shared/clock.h"
#include "cli/progress.h"
#include "shared/units.h"

/* Runs shorter than this print no progress at all. */
#define PROGRESS_AFTER_MS 1000

void mt_progress_start(struct mt_progress *p, bool enabled, const char *action, size_t blocks_total,
		       uint64_t bytes_total)
{
	*p = (struct mt_progress){ .enabled = enabled,
				   .action = action,
				   .blocks_total = blocks_total,
				   .bytes_total = bytes_total,
				   .start_ms = mt_now_ms() };
}

static void draw(struct mt_progress *p)
{
	long elapsed = mt_now_ms() - p->start_ms;
	char done[16], total[16];

	if (!p->enabled || elapsed < PROGRESS_AFTER_MS)
		return;
	fprintf(stderr, "\r\033[K%s: %zu/%zu blocks, %s of %s, memory%" PRIu32 ", %ld.%lds",
		p->action, p->blocks_tried, p->blocks_total,
		mt_size_human(p->bytes_done, done, sizeof(done)),
		mt_size_human(p->bytes_total, total, sizeof(total)), p->current, elapsed / 1000,
		elapsed % 1000 / 100);
	fflush(stderr);
	p->shown = true;
}

void mt_progress_block(struct mt_progress *p, uint32_t block)
{
	if (!p)
		return;
	p->current = block;
	draw(p);
}

void mt_progress_done(struct mt_progress *p, uint64_t bytes_done)
{
	if (!p)
		return;
	p->blocks_tried++;
	p->bytes_done = bytes_done;
	draw(p);
}

void mt_progress_end(struct mt_progress *p)
{
	if (p && p->shown)
		fputs("\r\033[K", stderr);
	if (p)
		p->shown = false;
}
