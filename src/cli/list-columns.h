/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The columns of `memtopo list` (list-columns.c). */
#ifndef MEMTOPO_CLI_LIST_COLUMNS_H
#define MEMTOPO_CLI_LIST_COLUMNS_H

enum mt_list_col {
	COL_RANGE,
	COL_SIZE,
	COL_STATE,
	COL_BLOCK,
	COL_NODE,
	COL_ZONES,
	COL_REMOVABLE,
	COL_FLAGS,
	COL_START,
	COL_END,
	COL_BLOCKS,
	COL_OFFLINE,
	COL_SOURCE,
	COL_DEVICE,
	COL_DRC,
	MT_LIST_NCOLS,
};

struct mt_list_column {
	const char *name;
	const char *help;
	double whint;
	int scols_flags;
	unsigned split; /* MT_SPLIT_* when this column is a split key */
	unsigned want;  /* MT_WANT_* it needs read */
};

extern const struct mt_list_column mt_list_columns[MT_LIST_NCOLS];

#endif
