// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/zoneinfo text. */
#include <errno.h>

#include "core/zoneinfo.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mt_zoneinfo zi;
	char *s = fuzz_strndup(data, size);
	int r = mt_zoneinfo_parse(s, &zi);

	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM, "%d", r);
	FUZZ_ASSERT(r == 0 ? zi.n > 0 : (zi.n == 0 && !zi.z), "%d with %zu zones", r, zi.n);
	for (size_t i = 0; i < zi.n; i++) {
		FUZZ_ASSERT(zi.z[i].node >= 0, "zone %zu: node %d", i, zi.z[i].node);
		FUZZ_ASSERT((unsigned)zi.z[i].zone < MT_ZONE_COUNT, "zone %zu: %d", i,
			    zi.z[i].zone);
		/* Every header found is in the text. */
		FUZZ_ASSERT(strstr(s, "Node") != NULL, "a zone without a header");
	}
	mt_zoneinfo_free(&zi);
	free(s);
	return 0;
}
