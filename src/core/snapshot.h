/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One picture of the machine's memory blocks, read once. The caller says
 * what it needs (MT_WANT_*): `list` with its default columns must not pay
 * for what only `check` reads, and never reads `removable` unless asked.
 */
#ifndef MEMTOPO_SNAPSHOT_H
#define MEMTOPO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "core/block.h"
#include "core/census.h"
#include "core/drmem.h"
#include "core/origin.h"
#include "shared/idlist.h"
#include "core/resources.h"
#include "shared/sysfs.h"
#include "shared/sysroot.h"
#include "core/udev-rules.h"
#include "core/zoneinfo.h"

enum mt_want {
	MT_WANT_STATE = 1u << 0,
	MT_WANT_ZONES = 1u << 1,
	MT_WANT_NODES = 1u << 2,
	MT_WANT_REMOVABLE = 1u << 3,
	MT_WANT_POLICY = 1u << 4, /* auto_online_blocks, online_policy */
	/* What `check` and `show` need on top: */
	MT_WANT_LINKS = 1u << 5,  /* both link directions of every block, kept apart */
	MT_WANT_DETAIL = 1u << 6, /* per-block detail: link sets, the raw state text */
	MT_WANT_NODE_MASKS = 1u << 7,
	MT_WANT_KERNEL = 1u << 8,    /* osrelease, memory_hotplug module parameters, page size */
	MT_WANT_RESOURCES = 1u << 9, /* /proc/iomem or the firmware memmap */
	MT_WANT_ZONEINFO = 1u << 10,
	MT_WANT_UDEV = 1u << 11,
	MT_WANT_MEMINFO = 1u << 12,    /* MemAvailable */
	MT_WANT_ONLINE = 1u << 13,     /* the online attribute (with DETAIL) */
	MT_WANT_PHYS_INDEX = 1u << 14, /* phys_index (with DETAIL) */
	MT_WANT_CENSUS = 1u << 15,     /* page census of every online block (kpageflags) */
	MT_WANT_ORIGIN = 1u << 16,     /* where each block came from (reads RESOURCES, DRMEM too) */
	MT_WANT_DRMEM = 1u << 17,      /* pseries: the LMBs of the device tree (core/drmem.h) */
};

/* Everything check reads (and list -o FLAGS, show). */
#define MT_WANT_CHECK                                                                             \
	(MT_WANT_STATE | MT_WANT_ZONES | MT_WANT_NODES | MT_WANT_POLICY | MT_WANT_LINKS |         \
	 MT_WANT_DETAIL | MT_WANT_NODE_MASKS | MT_WANT_KERNEL | MT_WANT_RESOURCES |               \
	 MT_WANT_ZONEINFO | MT_WANT_UDEV | MT_WANT_ONLINE | MT_WANT_PHYS_INDEX | MT_WANT_CENSUS | \
	 MT_WANT_DRMEM)

/* What check needs of a block beyond what list shows (MT_WANT_LINKS/DETAIL). */
struct mt_block_detail {
	struct mt_nodeset fwd;  /* memoryN/nodeK links */
	struct mt_nodeset back; /* nodeK/memoryN links */
	int8_t online;          /* the `online` attribute: 0 / 1, -1 missing or garbage */
	bool state_present;     /* the state file could be read */
	bool phys_index_present;
	unsigned long phys_index; /* hex in sysfs */
	char state_raw[24];       /* what `state` held, for a message about garbage */
};

/* A nodeK/memoryN back-link whose memoryN is not there (after hot-remove). */
struct mt_orphan_link {
	int node;
	uint32_t block;
};

/* Node masks in sysfs, each NULL-ranged (n == 0, present false) when absent. */
struct mt_node_masks {
	bool have_possible, have_online, have_memory, have_normal_memory;
	struct mt_idlist possible, online, has_memory, has_normal_memory;
};

enum mt_hotplug_param {
	MT_PARAM_MEMMAP_ON_MEMORY,
	MT_PARAM_ONLINE_POLICY,
	MT_PARAM_AUTO_MOVABLE_RATIO,
	MT_PARAM_AUTO_MOVABLE_NUMA_AWARE,
	MT_PARAM_COUNT,
};

struct mt_snapshot {
	unsigned want;
	unsigned long block_size; /* 0 when block_size_err is set */
	/*
	 * -ENOENT missing, -EINVAL garbage or not 2^n, -ERANGE outside
	 * [MT_BLOCK_SIZE_MIN, MT_BLOCK_SIZE_MAX], -EOVERFLOW a block
	 * (overflow_block) whose addresses pass 2^64.
	 */
	int block_size_err;
	uint32_t overflow_block;
	struct mt_block *blocks; /* sorted by id */
	size_t nblocks;
	/* The node lists of the (rare) blocks linked to several nodes. */
	int **node_sets;
	size_t nnode_sets;
	pthread_mutex_t node_sets_lock; /* forward links are read on several threads */
	bool have_node_dir;
	bool memory_dir_absent;   /* a capture of node directories only (check) */
	char *auto_online_blocks; /* NULL when absent */
	char *online_policy;      /* NULL when absent (kernels before 5.15) */

	/* MT_WANT_LINKS / MT_WANT_DETAIL: parallel to blocks, else NULL */
	struct mt_block_detail *detail;
	int *node_dirs; /* nodeK directories, sorted */
	size_t nnode_dirs;
	struct mt_orphan_link *orphans;
	size_t norphans;

	struct mt_node_masks masks; /* MT_WANT_NODE_MASKS */

	/* MT_WANT_KERNEL */
	char *osrelease;
	char *machine; /* uname -m, or guessed from osrelease for a capture; NULL if unknown */
	char *params[MT_PARAM_COUNT]; /* /sys/module/memory_hotplug/parameters, NULL when absent */
	unsigned long page_size;      /* for zoneinfo's page counts */

	struct mt_resources resources; /* MT_WANT_RESOURCES */
	struct mt_zoneinfo zoneinfo;   /* MT_WANT_ZONEINFO; n == 0 when absent */
	bool have_zoneinfo;
	struct mt_udev_rules udev; /* MT_WANT_UDEV */

	/*
	 * MT_WANT_CENSUS (or one block at a time, mt_snapshot_census_block):
	 * per block, NULL until a census is taken. census_err says why there is
	 * none (-EACCES not root, -ENOENT no kpageflags, -ECANCELED --no-census).
	 */
	struct mt_census *census;
	uint8_t *verdict; /* enum mt_verdict */
	int census_err;

	/*
	 * MT_WANT_KERNEL: per block, enum mt_offline_veto (core/arch.h): the
	 * architecture's kernel refuses to offline it whatever its pages hold
	 * (arm64 boot memory). NULL when not read or no block has one.
	 */
	uint8_t *veto;

	/*
	 * MT_WANT_DRMEM: the device tree's LMBs (pseries), and per block the
	 * index of its LMB in drmem.lmbs (-1: none). drmem_err: -ENOENT no
	 * ibm,dynamic-reconfiguration-memory (not pseries), -EINVAL malformed.
	 */
	struct mt_drmem drmem;
	int32_t *lmb_of;
	int drmem_err;

	/* MT_WANT_MEMINFO */
	bool have_mem_available;
	uint64_t mem_available; /* bytes */
	uint64_t mem_total;     /* bytes, 0 when absent */

	/* MT_WANT_ORIGIN: parallel to blocks, else NULL; device names, deduplicated */
	struct mt_origin *origin;
	char **devices;
	size_t ndevices;
};

/*
 * Where a read failed, for the one-line message the command prints.
 * `path` is relative to the sysfs root.
 */
struct mt_error {
	int err;
	char path[128];
};

int mt_snapshot_read(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out,
		     struct mt_error *error);
void mt_snapshot_free(struct mt_snapshot *s);

/* Is there a nodeK directory (sys/devices/system/node/nodeK)? */
bool mt_snapshot_has_node_dir(const struct mt_snapshot *s, int node);

/* Index of block ID in s->blocks, or -1. */
long mt_snapshot_find(const struct mt_snapshot *s, unsigned long id);

/* Block ids are stored in 32 bits; a larger one is not a real block. */
#define MT_BLOCK_ID_MAX UINT32_MAX
/* What a kernel's block_size_bytes can be: one 4 KiB page to 64 GiB. */
#define MT_BLOCK_SIZE_MIN ((unsigned long)4096)
#define MT_BLOCK_SIZE_MAX ((unsigned long)64 << 30)

/* The nodes of a block as a sorted array of b->nnodes. */
static inline const int *mt_block_nodes(const struct mt_snapshot *s, const struct mt_block *b)
{
	return b->nnodes > 1 ? s->node_sets[b->node] : &b->node;
}

/*
 * Read a block's state and valid_zones again, in place: check looks at a
 * going-offline block a second time; apply verifies every write by it.
 */
int mt_snapshot_reread_block(const struct mt_sysroot *sr, struct mt_snapshot *s, size_t idx);

/*
 * The page census of one block (online blocks only; others get
 * MT_VERDICT_NONE), read now: offline's lazy ordering, and its second look
 * right before a write (pages move while earlier blocks go offline).
 */
int mt_snapshot_census_block(const struct mt_sysroot *sr, struct mt_snapshot *s, size_t idx);
/* No census for this snapshot: every verdict unknown (--no-census). */
void mt_snapshot_no_census(struct mt_snapshot *s);
static inline enum mt_verdict mt_block_verdict(const struct mt_snapshot *s, size_t idx)
{
	return s->verdict ? (enum mt_verdict)s->verdict[idx] : MT_VERDICT_UNKNOWN;
}

/*
 * Will the block go offline? The census verdict, unless the architecture
 * already says no (s->veto): then `unlikely`, whatever the pages hold.
 * The unmovable-pages check keeps to the census (mt_block_verdict).
 */
static inline enum mt_verdict mt_block_offline_verdict(const struct mt_snapshot *s, size_t idx)
{
	if (s->veto && s->veto[idx] && s->blocks[idx].state == MT_STATE_ONLINE)
		return MT_VERDICT_UNLIKELY;
	return mt_block_verdict(s, idx);
}

/* The device-tree LMB of a block (pseries), or NULL. */
static inline const struct mt_lmb *mt_block_lmb(const struct mt_snapshot *s, size_t idx)
{
	return s->lmb_of && s->lmb_of[idx] >= 0 ? &s->drmem.lmbs[s->lmb_of[idx]] : NULL;
}

/* Why mt_block_offline_verdict() says no before any census: a reason, or NULL. */
const char *mt_block_offline_reason(const struct mt_snapshot *s, size_t idx);

/*
 * going-offline is a transition: when a block shows it, pause and read
 * those blocks again, so what check reports is a state that lasts.
 */
#define MT_SETTLE_MS 300
void mt_snapshot_settle(const struct mt_sysroot *sr, struct mt_snapshot *s);

/* A block's source and device name (NULL: none, or origin not read). */
static inline enum mt_source mt_block_source(const struct mt_snapshot *s, size_t idx)
{
	return s->origin ? (enum mt_source)s->origin[idx].source : MT_SRC_UNKNOWN;
}

static inline const char *mt_block_device(const struct mt_snapshot *s, size_t idx)
{
	return s->origin && s->origin[idx].device >= 0 ? s->devices[s->origin[idx].device] : NULL;
}

bool mt_block_nodes_equal(const struct mt_snapshot *s, const struct mt_block *a,
			  const struct mt_block *b);

#endif
