/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The check functions (src/check-*.c), listed in the table in checks.c. */
#ifndef MEMTOPO_CHECKS_INTERNAL_H
#define MEMTOPO_CHECKS_INTERNAL_H

#include "core/checks.h"

#define CHECK_FN(name) int name(const struct mt_check_ctx *ctx, struct mt_findings *out)

/* check-links.c */
CHECK_FN(check_multi_node_link);
CHECK_FN(check_stale_node_link);
CHECK_FN(check_dangling_node_link);
CHECK_FN(check_missing_node_back_link);
CHECK_FN(check_no_node_link);
/* check-resources.c */
CHECK_FN(check_partial_ram);
CHECK_FN(check_shares_pmem);
CHECK_FN(check_subsection_collision);
CHECK_FN(check_removable_hazard);
/* check-state.c */
CHECK_FN(check_multi_zone);
CHECK_FN(check_state_mismatch);
CHECK_FN(check_going_offline);
CHECK_FN(check_phys_index_mismatch);
CHECK_FN(check_offline_blocks);
CHECK_FN(check_bad_block_size);
/* check-policy.c */
CHECK_FN(check_node_mask_mismatch);
CHECK_FN(check_movable_ratio);
CHECK_FN(check_auto_online_conflict);

/* check-drmem.c */
CHECK_FN(check_lmb_mismatch);
CHECK_FN(check_dlpar_onlined);

/* check-census.c */
CHECK_FN(check_unmovable_pages);

/* Helpers shared by the checks (checks.c). */
uint64_t mt_block_first_byte(const struct mt_snapshot *s, size_t idx);
uint64_t mt_block_last_byte(const struct mt_snapshot *s, size_t idx);
/* A node's extent from zoneinfo (bytes, end exclusive); false if unknown. */
bool mt_node_span(const struct mt_snapshot *s, int node, uint64_t *start, uint64_t *end);
/* "memory21 is" / "memory21 and memory32-33 are": the subject of a message. */
const char *mt_blocks_subject(const struct mt_finding *f, char *buf, size_t size);
/* Message "<blocks> is/are <predicate>" and the hint, for each finding of id. */
int mt_describe(struct mt_findings *out, const char *id, const char *predicate, const char *hint);
/* Group (id, severity, key), add the block and nodes: 0 or -ENOMEM. */
int mt_group_add(struct mt_findings *out, const char *id, enum mt_severity sev, const char *key,
		 uint32_t block, const int *nodes, size_t nnodes);

#define FOREACH_FINDING(out, fid, f)                                             \
	for (struct mt_finding *f = (out)->f; f && f < (out)->f + (out)->n; f++) \
		if (strcmp(f->id, (fid)) == 0)

#endif
