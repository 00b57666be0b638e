// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>

#include "shared/log.h"
#include "shared/text.h"

/*
 * The last message, for answers that must carry it (check's exit 3 repeats
 * the one line it printed): like dlerror(), a diagnostic buffer, nothing
 * the program decides on.
 */
static char last[512];

/*
 * A message can carry bytes of a file (a path, a value): control
 * characters and bad UTF-8 are made visible, never sent to a terminal.
 */
void mt_verr(const char *fmt, va_list ap)
{
	char *msg = NULL, *vis;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("memtopo: out of memory\n", stderr);
		return;
	}
	vis = mt_visible_dup(msg);
	snprintf(last, sizeof(last), "%s", vis ? vis : "out of memory");
	fprintf(stderr, "memtopo: %s\n", last);
	free(vis);
	free(msg);
}

void mt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_verr(fmt, ap);
	va_end(ap);
}

const char *mt_err_last(void)
{
	return last;
}
