// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include "shared/units.h"

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

static int parse_u64(const char *s, int base, uint64_t *out, const char **end)
{
	char *e;

	/* In base 16 strtoull() takes a "0x" of its own: "0x0x10" is not a number. */
	if (!isxdigit((unsigned char)*s) || (base == 16 && tolower((unsigned char)s[1]) == 'x'))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &e, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (e == s)
		return -EINVAL;
	*end = e;
	return 0;
}

int mt_size_parse(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGTPE";
	const char *rest, *u;
	unsigned shift = 20; /* a bare number is MiB, as chmem reads it */
	uint64_t v;
	int r;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	r = parse_u64(s, 10, &v, &rest);
	if (r < 0)
		return r;
	if (*rest) {
		u = strchr(units, toupper((unsigned char)*rest));
		if (!u)
			return -EINVAL;
		shift = 10 * (unsigned)(u - units + 1);
		rest++;
		if (*rest && strcasecmp(rest, "iB") != 0 && strcasecmp(rest, "B") != 0)
			return -EINVAL;
	}
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int mt_range_parse(const char *s, uint64_t *first, uint64_t *last)
{
	const char *rest;
	int r;

	if (strncasecmp(s, "0x", 2) != 0)
		return -EINVAL;
	r = parse_u64(s + 2, 16, first, &rest);
	if (r < 0)
		return r;
	if (rest[0] != '-' || strncasecmp(rest + 1, "0x", 2) != 0)
		return -EINVAL;
	r = parse_u64(rest + 3, 16, last, &rest);
	if (r < 0)
		return r;
	return *rest || *first > *last ? -EINVAL : 0;
}
