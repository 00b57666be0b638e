/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A progress line on a terminal's stderr for online/offline runs that last
 * more than a second: blocks, bytes, the block in hand, time so far.
 */
#ifndef MEMTOPO_PROGRESS_H
#define MEMTOPO_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_progress {
	bool enabled; /* --progress and a terminal */
	bool shown;   /* a line is on screen */
	const char *action;
	size_t blocks_total;
	uint64_t bytes_total, bytes_done;
	size_t blocks_tried;
	uint32_t current;
	long start_ms;
};

void mt_progress_start(struct mt_progress *p, bool enabled, const char *action, size_t blocks_total,
		       uint64_t bytes_total);
/* Work on this block starts (NULL-safe, as every function here). */
void mt_progress_block(struct mt_progress *p, uint32_t block);
void mt_progress_done(struct mt_progress *p, uint64_t bytes_done);
/* Erase the line before the report is printed. */
void mt_progress_end(struct mt_progress *p);

#endif
