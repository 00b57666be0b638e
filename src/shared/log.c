// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>

#include "shared/log.h"

void mt_verr(const char *fmt, va_list ap)
{
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
