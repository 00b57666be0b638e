// SPDX-License-Identifier: GPL-2.0-or-later
/* Which defect classes are still pending (fuzz.h). */
#include "fuzz.h"

bool fuzz_pending(const char *cls)
{
	const char *list = getenv("MEMTOPO_FUZZ_PENDING");
	size_t len = strlen(cls);

	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, cls, len) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}
