/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parts of reading a snapshot, in separate files by concern. */
#ifndef MEMTOPO_SNAPSHOT_INTERNAL_H
#define MEMTOPO_SNAPSHOT_INTERNAL_H

#include "core/snapshot.h"

/* snapshot-block.c: the attributes (and own links) of every block, on all CPUs */
int mt_blocks_read(struct mt_snapshot *s, int mem_fd, bool dirs_fill);
void mt_block_reread(struct mt_block *b, struct mt_block_detail *d, int mem_fd);
/* online, then state: the pair as the kernel has it once an operation ends. */
void mt_block_reread_pair(struct mt_block *b, struct mt_block_detail *d, int mem_fd);

/* snapshot-links.c */
/* The block ids nodeK/memoryN links name, sorted and unique. */
int mt_links_block_ids(int node_fd, uint32_t **ids, size_t *n);
int mt_links_read_back(struct mt_snapshot *s, int node_fd);
/* The nodeK entries of a block's directory (fd: that directory). */
int mt_links_read_forward(struct mt_snapshot *s, struct mt_block *b, struct mt_block_detail *d,
			  int fd, unsigned dir_flags);

/* snapshot-census.c: every online block's page census (MT_WANT_CENSUS) */
int mt_snapshot_census_all(const struct mt_sysroot *sr, struct mt_snapshot *s);

/* snapshot-system.c: node masks, kernel, resources, zoneinfo, udev, meminfo */
int mt_snapshot_read_system(const struct mt_sysroot *sr, struct mt_snapshot *s);
void mt_snapshot_free_system(struct mt_snapshot *s);

/* snapshot-origin.c: where each block came from (MT_WANT_ORIGIN) */
int mt_snapshot_read_origin(const struct mt_sysroot *sr, struct mt_snapshot *s);
void mt_snapshot_free_origin(struct mt_snapshot *s);

#endif
