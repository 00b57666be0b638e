/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Findings of `check`: one per check id and cause, listing all the blocks
 * and nodes it concerns, with a message naming them and a hint.
 */
#ifndef MEMTOPO_FINDINGS_H
#define MEMTOPO_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/macro.h"

enum mt_severity { MT_SEV_INFO, MT_SEV_WARNING, MT_SEV_ERROR, MT_SEV_COUNT };

struct mt_finding {
	const char *id;
	enum mt_severity severity;
	char *key;        /* the cause, for grouping; never shown */
	uint32_t *blocks; /* sorted, unique */
	size_t nblocks;
	int *nodes; /* sorted, unique */
	size_t nnodes;
	char *message;
	char *hint;
};

struct mt_findings {
	struct mt_finding *f;
	size_t n;
};

/*
 * The finding of this id, severity and cause, created if new. key may be
 * NULL (one finding per id and severity). NULL on ENOMEM.
 */
struct mt_finding *mt_findings_group(struct mt_findings *fs, const char *id, enum mt_severity sev,
				     const char *key);
int mt_finding_add_block(struct mt_finding *f, uint32_t block);
int mt_finding_add_node(struct mt_finding *f, int node);
/* Set message / hint (printf style); replaces what was there. 0 or -ENOMEM. */
int mt_finding_set_message(struct mt_finding *f, const char *fmt, ...) _printf_(2, 3);
int mt_finding_set_hint(struct mt_finding *f, const char *fmt, ...) _printf_(2, 3);
/* Free what a finding holds (not the finding itself). */
void mt_finding_clear(struct mt_finding *f);
void mt_findings_free(struct mt_findings *fs);
/* Most severe first, then by check table order. */
void mt_findings_sort(struct mt_findings *fs, int (*order)(const char *id));

const char *mt_severity_name(enum mt_severity s);
bool mt_severity_parse(const char *s, enum mt_severity *out);

/*
 * "memory21", "memory0-135", "memory3, memory7-9": block lists as ranges.
 * At most `max` ranges are written, then "and N more". Returns buf.
 */
char *mt_format_blocks(const uint32_t *ids, size_t n, size_t max, char *buf, size_t size);
/* "node1", "node1 and node2", "node0, node1 and node3". */
char *mt_format_nodes(const int *ids, size_t n, char *buf, size_t size);

#endif
