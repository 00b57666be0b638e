/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The result of `memtopo list`: ranges over a snapshot plus what to show.
 * cmd-list.c builds it, render-list-table.c and render-list-json.c only format
 * it.
 */
#ifndef MEMTOPO_CLI_RENDER_LIST_H
#define MEMTOPO_CLI_RENDER_LIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/ranges.h"
#include "core/snapshot.h"
#include "cli/list-columns.h"

enum mt_summary_mode { MT_SUMMARY_DEFAULT, MT_SUMMARY_NEVER, MT_SUMMARY_ALWAYS, MT_SUMMARY_ONLY };

struct mt_list_summary {
	uint64_t online_bytes; /* online and going-offline */
	uint64_t offline_bytes;
	uint64_t unknown_bytes; /* state unreadable */
	size_t blocks;
};

struct mt_list {
	const struct mt_snapshot *snap;
	uint32_t *flags; /* per block, with the FLAGS column: mt_checks_block_flags() */
	struct mt_range *ranges;
	size_t nranges;
	int cols[MT_LIST_NCOLS];
	size_t ncols;
	unsigned split; /* MT_SPLIT_* keys */
	bool show_table, show_summary;
	bool bytes, noheadings, raw, pairs, color;
	struct mt_list_summary summary;
};

/*
 * Why the page census was not taken, when OFFLINE must then say unknown
 * for every online block ("EACCES: /proc/kpageflags is for root"); NULL
 * when it was taken or --no-census asked for none. buf holds the text.
 */
const char *mt_list_census_error(const struct mt_list *l, char *buf, size_t size);

int mt_list_print_table(const struct mt_list *l, FILE *out);
int mt_list_print_json(const struct mt_list *l, FILE *out);

#endif
