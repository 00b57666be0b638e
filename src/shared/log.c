// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>

#include "shared/log.h"
#include "shared/text.h"

/*
 * A message can carry bytes of a file (a path, a value): control
 * characters and bad UTF-8 are made visible, never sent to a terminal.
 */
void mt_verr(struct mt_msg *keep, const char *fmt, va_list ap)
{
	char *msg = NULL, *vis;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("memtopo: out of memory\n", stderr);
		if (keep)
			snprintf(keep->text, sizeof(keep->text), "out of memory");
		return;
	}
	vis = mt_visible_dup(msg);
	fprintf(stderr, "memtopo: %s\n", vis ? vis : "out of memory");
	if (keep)
		snprintf(keep->text, sizeof(keep->text), "%s", vis ? vis : "out of memory");
	free(vis);
	free(msg);
}

void mt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_verr(NULL, fmt, ap);
	va_end(ap);
}

void mt_err_keep(struct mt_msg *keep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_verr(keep, fmt, ap);
	va_end(ap);
}
