/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MEMTOPO_UNITS_H
#define MEMTOPO_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Human-readable size as lsmem prints it: binary units with one-letter
 * suffix and at most one decimal, rounded half up ("128M", "1.8G", "0B").
 */
char *mt_size_human(uint64_t bytes, char *buf, size_t size);

#endif
