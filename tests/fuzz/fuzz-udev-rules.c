// SPDX-License-Identifier: GPL-2.0-or-later
/* A udev rules file: does it online memory blocks, and on which line? */
#include "core/udev-rules.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	unsigned line = mt_udev_text_onlines_memory(s), lines = 1;

	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	/* The line named is one of the file's (up to its first NUL). */
	FUZZ_ASSERT(line <= lines, "line %u of %u", line, lines);
	free(s);
	return 0;
}
