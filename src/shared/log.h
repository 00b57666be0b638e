/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One-line messages on stderr, all in one style ("memtopo: ..."). Only the
 * command line prints: the core returns -errno and data instead.
 */
#ifndef MEMTOPO_SHARED_LOG_H
#define MEMTOPO_SHARED_LOG_H

#include <stdarg.h>

#include "shared/macro.h"

/*
 * A line kept for the caller, without "memtopo: " (check's exit-3 answer
 * repeats the line it printed). The caller owns it and passes it down:
 * no message is kept anywhere else.
 */
struct mt_msg {
	char text[512];
};

void mt_err(const char *fmt, ...) _printf_(1, 2);
/* mt_err, and the line copied into *keep when keep is not NULL. */
void mt_err_keep(struct mt_msg *keep, const char *fmt, ...) _printf_(2, 3);
void mt_verr(struct mt_msg *keep, const char *fmt, va_list ap) _printf_(2, 0);

#endif
