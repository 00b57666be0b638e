/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `memtopo show BLOCK`: everything known about one block. */
#ifndef MEMTOPO_SHOW_H
#define MEMTOPO_SHOW_H

#include <stdio.h>

#include "core/findings.h"
#include "core/snapshot.h"

struct mt_show {
	const struct mt_snapshot *snap;
	size_t idx;                  /* the block, in snap->blocks */
	struct mt_findings findings; /* only those naming the block */
	bool color;
};

int mt_show_print_text(const struct mt_show *sh, FILE *out);
int mt_show_print_json(const struct mt_show *sh, FILE *out);

#endif
