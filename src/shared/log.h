/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One-line messages on stderr, all in one style ("memtopo: ..."). Only the
 * command line prints: the core returns -errno and data instead.
 */
#ifndef MEMTOPO_SHARED_LOG_H
#define MEMTOPO_SHARED_LOG_H

#include <stdarg.h>

#include "shared/macro.h"

void mt_err(const char *fmt, ...) _printf_(1, 2);
void mt_verr(const char *fmt, va_list ap) _printf_(1, 0);

/* The last message printed, without "memtopo: " ("" before the first). */
const char *mt_err_last(void);

#endif
