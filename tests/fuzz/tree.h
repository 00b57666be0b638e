/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sysroot tree from bytes (tree.c), for the harnesses that run memtopo's
 * readers on files rather than strings. The input is lines; the first
 * byte of a line says what it makes, fields are separated by one space and
 * the last field is the rest of the line, bytes as they are (NULs, invalid
 * UTF-8, escape sequences included):
 *
 *   B TEXT              sys/devices/system/memory/block_size_bytes
 *   m LO HI             directories memoryLO..memoryHI
 *   a LO HI NAME TEXT   memoryI/NAME for I in LO..HI ("=" as TEXT: I in hex)
 *   n LO HI NODE        memoryI/nodeNODE -> ../../node/nodeNODE
 *   b LO HI NODE        node/nodeNODE/memoryI -> ../../memory/memoryI
 *   N NODE              directory node/nodeNODE
 *   D NAME              directory memory/NAME (names the kernel never makes)
 *   w PATH TEXT         a one-line file (node masks, osrelease, parameters)
 *   f PATH              a file of the lines that follow, up to a line "."
 *   d PATH              a directory
 *   l PATH TARGET       a symlink; TARGET "@REST" points to OUTSIDE/REST
 *   o PATH TEXT         a file outside the sysroot, for links that escape
 *   k PFN COUNT HEX     COUNT words of kpageflags at page PFN
 *
 * PATH is relative to the sysroot and never leaves it: no "..", no ".",
 * no empty component, and every directory on the way is opened without
 * following links. A link's TARGET may climb at most to the directory
 * holding the sysroot and OUTSIDE, and holds no ".." after its first
 * plain component: whatever memtopo resolves stays in the temporary
 * directory (loops and dangling links included). FIFOs and endless files
 * cannot come from bytes in-process; tests/fuzz/mutate-run.py makes those.
 */
#ifndef MEMTOPO_FUZZ_TREE_H
#define MEMTOPO_FUZZ_TREE_H

#include <stddef.h>
#include <stdint.h>

/* At most this many memory blocks from one input: a run stays milliseconds. */
#define TREE_MAX_BLOCKS 256

/* The sysroot of this process (made once, emptied by each tree_build). */
const char *tree_root(void);
/* Empty the sysroot and the outside directory, and write the tree of the input. */
void tree_build(const uint8_t *data, size_t size);

#endif
