// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One-value attributes and option values: state, valid_zones, the strict
 * number parser, memoryN / nodeN names, the kernel release, severities and
 * seconds. The first byte picks the parser, so one corpus covers them all
 * and libFuzzer's value profile reaches each.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>

#include "cli/options.h"
#include "core/block.h"
#include "core/findings.h"
#include "shared/kversion.h"
#include "shared/sysfs.h"

#include "fuzz.h"

/*
 * An independent strict parser: digits of BASE only, overflow is ERANGE.
 * strtoul takes a "0x" before hex digits, and so does mt_parse_ulong.
 */
static int ref_ulong(const char *s, int base, unsigned long *out)
{
	unsigned long v = 0;

	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2] &&
	    strchr("0123456789abcdefABCDEF", s[2]))
		s += 2;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (ULONG_MAX - (unsigned long)d) / (unsigned long)base)
			return -ERANGE;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	*out = v;
	return 0;
}

static void state(const char *s)
{
	enum mt_state st = mt_state_parse(s);

	if (st != MT_STATE_UNKNOWN)
		FUZZ_ASSERT(strcmp(mt_state_name(st), s) == 0, "'%s' parsed as %s", s,
			    mt_state_name(st));
}

static void zones(const char *s)
{
	uint8_t z[MT_MAX_ZONES], z2[MT_MAX_ZONES], n = 0, n2 = 0;
	char again[128] = "";

	if (!mt_zones_parse(s, z, &n))
		return;
	FUZZ_ASSERT(n >= 1 && n <= MT_MAX_ZONES, "%u zones", n);
	for (unsigned i = 0; i < n; i++) {
		FUZZ_ASSERT(z[i] < MT_ZONE_COUNT, "zone %u", z[i]);
		strcat(again, i ? " " : "");
		strcat(again, mt_zone_name((enum mt_zone)z[i]));
	}
	/* What was understood prints back and parses to the same zones. */
	FUZZ_ASSERT(mt_zones_parse(again, z2, &n2) && n2 == n && memcmp(z, z2, n) == 0, "'%s'",
		    again);
}

static void number(const char *s, int base)
{
	unsigned long v = 0, ref = 0;
	int r = mt_parse_ulong(s, base, &v), rr = ref_ulong(s, base, &ref);

	FUZZ_ASSERT(r == rr, "'%s' base %d: %d, reference %d", s, base, r, rr);
	if (r == 0)
		FUZZ_ASSERT(v == ref, "'%s' base %d: %lu, reference %lu", s, base, v, ref);
}

static void indexed(const char *s)
{
	unsigned long id;
	char back[64];

	if (!mt_parse_indexed_name(s, "memory", &id))
		return;
	snprintf(back, sizeof(back), "memory%lu", id);
	FUZZ_ASSERT(strcmp(back, s) == 0, "'%s' read as %lu", s, id);
}

static void release(const char *s)
{
	unsigned major = 7, minor = 7;
	char back[64];

	if (!mt_kversion_parse(s, &major, &minor))
		return;
	snprintf(back, sizeof(back), "%u.", major);
	FUZZ_ASSERT(strncmp(s, back, strlen(back)) == 0 || s[0] == '0', "'%s' read as %u.%u", s,
		    major, minor);
}

static void seconds(const char *s)
{
	static const struct mt_command cmd = { .name = "fuzz" };
	double v = -1;

	if (mt_parse_seconds(&cmd, "--timeout", s, &v, true) != 0)
		return;
	FUZZ_ASSERT(isfinite(v) && v >= 0 && v <= 1000000, "'%s' read as %g", s, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mt_severity sev;
	char *s;

	if (size < 1)
		return 0;
	s = fuzz_strndup(data + 1, size - 1);
	switch (data[0] % 8) {
	case 0:
		state(s);
		break;
	case 1:
		zones(s);
		break;
	case 2:
		number(s, 10);
		break;
	case 3:
		number(s, 16);
		break;
	case 4:
		indexed(s);
		break;
	case 5:
		release(s);
		break;
	case 6:
		if (mt_severity_parse(s, &sev))
			FUZZ_ASSERT(strcmp(mt_severity_name(sev), s) == 0, "'%s'", s);
		break;
	case 7:
		seconds(s);
		break;
	}
	free(s);
	return 0;
}
