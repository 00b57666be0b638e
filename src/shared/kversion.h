/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MEMTOPO_KVERSION_H
#define MEMTOPO_KVERSION_H

#include <stdbool.h>

/*
 * "6.1.0-26-amd64" -> 6, 1; "5.7" -> 5, 7. False (outputs untouched) when it
 * does not start "N.N" with decimal numbers that fit an unsigned: no leading
 * space or sign, no lone "6".
 */
bool mt_kversion_parse(const char *release, unsigned *major, unsigned *minor);

/* major.minor >= want_major.want_minor */
static inline bool mt_kversion_at_least(unsigned major, unsigned minor, unsigned want_major,
					unsigned want_minor)
{
	return major > want_major || (major == want_major && minor >= want_minor);
}

#endif
