/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Splitting independent per-block reads over the CPUs we may run on. Each
 * attribute read is ~4 us of kernel time (path walk, file allocation, copy),
 * so on a machine with 65,536 blocks the reads, not the parsing, are the
 * cost; they touch disjoint blocks and parallelise cleanly.
 */
#ifndef MEMTOPO_PARALLEL_H
#define MEMTOPO_PARALLEL_H

#include <stddef.h>

/*
 * Call fn(lo, hi, ctx) over [0, n) in contiguous slices, one per thread,
 * using threads only when each gets at least min_per_thread items. Returns
 * the first negative value a slice returned, or 0.
 */
int mt_parallel_for(size_t n, size_t min_per_thread, int (*fn)(size_t lo, size_t hi, void *ctx),
		    void *ctx);

#endif
