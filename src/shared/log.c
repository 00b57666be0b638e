// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>

#include "shared/log.h"

/* The last message, for answers that must carry it (check's exit 3). */
static char last[512];

void mt_verr(const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(last, sizeof(last), fmt, copy);
	va_end(copy);
	fputs("memtopo: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
