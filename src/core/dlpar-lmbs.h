/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pseries (ppc64) logical memory blocks that the partition owns, from the
 * device tree's ibm,dynamic-reconfiguration-memory node. DLPAR adds and
 * removes memory in LMBs and the kernel onlines what it adds itself, so an
 * onlining agent must leave these blocks alone (doc/kernel.md, "Where
 * memory came from"). Only the ranges are read here: the DRC indexes that
 * `offline --release` needs are another module's business.
 */
#ifndef MEMTOPO_CORE_DLPAR_LMBS_H
#define MEMTOPO_CORE_DLPAR_LMBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_lmb_range {
	uint64_t start, end; /* inclusive */
};

struct mt_dlpar_lmbs {
	struct mt_lmb_range *r; /* assigned LMBs, in device-tree order */
	size_t n;
};

/*
 * Parse the node's properties: ibm,lmb-size (one 64-bit big-endian cell
 * pair) and ibm,dynamic-memory (v1: u32 count, then per LMB u64 base, u32
 * drc index, u32 reserved, u32 associativity index, u32 flags) or
 * ibm,dynamic-memory-v2 (u32 count, then per set u32 LMB count, u64 base,
 * u32 first drc index, u32 associativity index, u32 flags). Only LMBs with
 * the assigned flag (0x8) count. Either buffer may be NULL. 0, -EINVAL
 * (malformed: nothing kept) or -ENOMEM.
 */
int mt_dlpar_lmbs_parse(const uint8_t *lmb_size, size_t lmb_size_len, const uint8_t *v1,
			size_t v1_len, const uint8_t *v2, size_t v2_len, struct mt_dlpar_lmbs *out);

/* Read <proc>/device-tree/ibm,dynamic-reconfiguration-memory. Absent: 0, n == 0. */
int mt_dlpar_lmbs_read(int proc_fd, struct mt_dlpar_lmbs *out);

/* Is [start, end] inside an assigned LMB? */
bool mt_dlpar_lmbs_cover(const struct mt_dlpar_lmbs *l, uint64_t start, uint64_t end);

void mt_dlpar_lmbs_free(struct mt_dlpar_lmbs *l);

#endif
