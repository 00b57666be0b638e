// SPDX-License-Identifier: GPL-2.0-or-later
/* Sizes ("4G", "512MiB") and address ranges ("0x0-0x7fffffff"), and the human size printer. */
#include <errno.h>
#include <inttypes.h>

#include "shared/units.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), human[32];
	uint64_t bytes = 0, first = 0, last = 0, v = 0;
	int r;

	r = mt_size_parse(s, &bytes);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "'%s': %d", s, r);
	/* Every unit is a multiple of KiB, and a bare number means MiB. */
	if (r == 0)
		FUZZ_ASSERT(bytes % 1024 == 0, "'%s' is %" PRIu64 " bytes", s, bytes);

	r = mt_range_parse(s, &first, &last);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "'%s': %d", s, r);
	if (r == 0)
		FUZZ_ASSERT(first <= last, "'%s' is 0x%" PRIx64 "-0x%" PRIx64, s, first, last);

	/* The printer over any 64-bit value: short, terminated, ends in a unit letter. */
	memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
	mt_size_human(v, human, sizeof(human));
	FUZZ_ASSERT(strlen(human) >= 2 && strlen(human) <= 8 &&
			    strchr("BKMGTPE", human[strlen(human) - 1]),
		    "%" PRIu64 " printed as '%s'", v, human);
	free(s);
	return 0;
}
