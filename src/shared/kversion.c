// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel release strings: only "major.minor" matters for the bug rules. */
#include <ctype.h>
#include <limits.h>

#include "shared/kversion.h"

/* Decimal digits at *p into *out; false on none or on overflow. Advances *p. */
static bool parse_uint(const char **p, unsigned *out)
{
	unsigned v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

bool mt_kversion_parse(const char *release, unsigned *major, unsigned *minor)
{
	const char *p = release;
	unsigned ma, mi;

	/* Whatever follows "N.N" (".0-26-amd64", "-rc1", "+") is the distro's business. */
	if (!p || !parse_uint(&p, &ma) || *p++ != '.' || !parse_uint(&p, &mi))
		return false;
	*major = ma;
	*minor = mi;
	return true;
}
