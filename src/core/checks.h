/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The consistency checks: pure functions snapshot -> findings, one per
 * check id, listed in one table. No I/O in a check: each is testable on a
 * snapshot built in memory.
 */
#ifndef MEMTOPO_CHECKS_H
#define MEMTOPO_CHECKS_H

#include "core/findings.h"
#include "core/snapshot.h"

/* What a capture may lack; a check that needs it is off, said once. */
enum mt_evidence {
	MT_EV_BLOCK_SIZE = 1u << 0,
	MT_EV_NODE_DIR = 1u << 1,
	MT_EV_FWD_LINKS = 1u << 2,  /* memoryN/nodeK */
	MT_EV_BACK_LINKS = 1u << 3, /* nodeK/memoryN */
	MT_EV_ANY_LINKS = 1u << 4,  /* either direction */
	MT_EV_STATE = 1u << 5,
	MT_EV_ONLINE = 1u << 6,
	MT_EV_ZONES = 1u << 7,
	MT_EV_PHYS_INDEX = 1u << 8,
	MT_EV_RESOURCES = 1u << 9,
	MT_EV_ZONEINFO = 1u << 10,
	MT_EV_NODE_MASKS = 1u << 11,
	MT_EV_OSRELEASE = 1u << 12,
	MT_EV_AUTO_ONLINE = 1u << 13,
	MT_EV_UDEV = 1u << 14,
	MT_EV_ZONE_SIZES = 1u << 15, /* zoneinfo or the zones of online blocks */
	MT_EV_MEMORY_DIR = 1u << 16, /* a capture of node directories only lacks it */
	MT_EV_CENSUS = 1u << 17,     /* /proc/kpageflags, read as root */
	MT_EV_COUNT = 18,
};

struct mt_check_ctx {
	const struct mt_snapshot *s;
	unsigned evidence;
	unsigned long section_size; /* for sub-section collisions */
	const char *section_size_source;
};

struct mt_check {
	const char *id;
	enum mt_severity severity; /* the most severe it reports */
	unsigned needs;            /* MT_EV_* it cannot run without */
	unsigned wants;            /* MT_WANT_* it reads: a skipped check costs nothing */
	int (*run)(const struct mt_check_ctx *ctx, struct mt_findings *out);
	const char *summary;
};

extern const struct mt_check mt_checks[];
extern const size_t mt_nchecks;

/* Ids that are not checks of their own: notes about the capture. */
#define MT_ID_EVIDENCE_MISSING  "evidence-missing"
#define MT_ID_RESOURCE_FALLBACK "iomem-fallback"

const struct mt_check *mt_check_find(const char *id);
/* Index in the table (notes sort after every check). */
int mt_check_order(const char *id);

struct mt_check_filter {
	const char *const *only; /* NULL-terminated ids, or NULL for all */
	const char *const *skip;
};

unsigned mt_check_evidence(const struct mt_snapshot *s);
/* Does the filter (NULL: everything) select this id? */
bool mt_check_selected(const struct mt_check_filter *filter, const char *id);
/* What the snapshot must read for the checks the filter selects (NULL: all). */
unsigned mt_checks_wants(const struct mt_check_filter *filter);
void mt_check_ctx_init(struct mt_check_ctx *ctx, const struct mt_snapshot *s);

/* Can at least one selected check run on this snapshot? */
bool mt_checks_any_runs(const struct mt_snapshot *s, const struct mt_check_filter *filter);

/*
 * Run the checks the filter selects; where the snapshot lacks what a check
 * needs, one info finding per missing piece says which checks are off.
 * Findings come out sorted (most severe first). 0 or -ENOMEM.
 */
int mt_checks_run(const struct mt_snapshot *s, const struct mt_check_filter *filter,
		  struct mt_findings *out);

/*
 * Per block, a bit (1 << index in mt_checks) for each check whose findings
 * name it: list's FLAGS column. *flags is malloc'ed, nblocks long.
 */
int mt_checks_block_flags(const struct mt_snapshot *s, uint32_t **flags);

#endif
