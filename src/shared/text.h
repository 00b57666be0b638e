/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bytes read from files, made safe to show. A capture (or a broken kernel)
 * can hold anything in an attribute: "\033[2J" in a state file must not
 * clear the screen of whoever runs memtopo, and "on\377line" must not make
 * a JSON document that no parser reads.
 */
#ifndef MEMTOPO_SHARED_TEXT_H
#define MEMTOPO_SHARED_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1-4), 0 if it is not one. */
size_t mt_utf8_len(const char *s);
bool mt_utf8_valid(const char *s);

/*
 * Copy src into dst (size bytes, NUL-terminated, cut at a whole escape)
 * with every control character (C0, DEL, C1) and every byte that is not
 * part of valid UTF-8 written as \xNN, as util-linux's mangle does; the
 * rest, printable UTF-8 included, is kept. Returns dst.
 */
char *mt_visible(char *dst, size_t size, const char *src);
/* The same into a malloc'ed string (NULL when out of memory). */
char *mt_visible_dup(const char *src);

/*
 * A copy of src where each byte that is not valid UTF-8 becomes U+FFFD:
 * what JSON strings must be (json-c escapes control characters itself, not
 * bad UTF-8). NULL when out of memory.
 */
char *mt_utf8_fix_dup(const char *src);

#endif
