// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>

#include "memtopo/units.h"

char *mt_size_human(uint64_t bytes, char *buf, size_t size)
{
	static const char suffix[] = "BKMGTPE";
	unsigned shift = 0;
	uint64_t whole, rest;
	unsigned tenths = 0;

	while (shift < 60 && bytes >= (UINT64_C(1) << (shift + 10)))
		shift += 10;
	whole = bytes >> shift;
	rest = shift ? bytes & ((UINT64_C(1) << shift) - 1) : 0;
	if (rest) {
		/* Thousandths first, as lsmem does, then round to tenths. */
		uint64_t milli = rest < UINT64_MAX / 1000 ? rest * 1000 >> shift
							  : (rest >> 10) * 1000 >> (shift - 10);

		tenths = (unsigned)((milli + 50) / 100);
		if (tenths == 10) {
			whole++;
			tenths = 0;
		}
	}
	if (tenths)
		snprintf(buf, size, "%" PRIu64 ".%u%c", whole, tenths, suffix[shift / 10]);
	else
		snprintf(buf, size, "%" PRIu64 "%c", whole, suffix[shift / 10]);
	return buf;
}
