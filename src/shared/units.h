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

/*
 * A size as chmem takes it: "512M", "4G", "1T" (binary units, an optional
 * "iB" or "B"), a bare number meaning MiB. 0, -EINVAL for garbage, a sign
 * or a fraction, -ERANGE when it does not fit 64 bits.
 */
int mt_size_parse(const char *s, uint64_t *bytes);

/*
 * "0xSTART-0xEND", END inclusive. -EINVAL for anything else or START > END,
 * -ERANGE when a bound does not fit 64 bits.
 */
int mt_range_parse(const char *s, uint64_t *first, uint64_t *last);

#endif
