// SPDX-License-Identifier: GPL-2.0-or-later
/* Making bytes from files visible and valid: see text.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/text.h"

size_t mt_utf8_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0; /* a continuation byte, an overlong lead (c0, c1), or past U+10FFFF */
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past Unicode's end. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool mt_utf8_valid(const char *s)
{
	while (*s) {
		size_t n = mt_utf8_len(s);

		if (!n)
			return false;
		s += n;
	}
	return true;
}

/* A control character: C0, DEL, or C1 (U+0080-U+009F, "\xc2\x80"-"\xc2\x9f"). */
static bool is_control(const unsigned char *s, size_t n)
{
	return (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

char *mt_visible(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!size)
		return dst;
	while (*s) {
		size_t n = mt_utf8_len((const char *)s);

		if (n && !is_control(s, n)) {
			if (o + n >= size)
				break;
			memcpy(dst + o, s, n);
			o += n;
			s += n;
			continue;
		}
		/* Each byte of a control character or of a broken sequence. */
		for (size_t i = 0; i < (n ? n : 1); i++) {
			if (o + 4 >= size)
				goto out;
			snprintf(dst + o, 5, "\\x%02x", s[i]);
			o += 4;
		}
		s += n ? n : 1;
	}
out:
	dst[o] = '\0';
	return dst;
}

char *mt_visible_dup(const char *src)
{
	size_t size = strlen(src) * 4 + 1;
	char *dst = malloc(size);

	return dst ? mt_visible(dst, size, src) : NULL;
}

char *mt_utf8_fix_dup(const char *src)
{
	size_t len = strlen(src), o = 0;
	char *dst = malloc(len * 3 + 1);

	if (!dst)
		return NULL;
	while (*src) {
		size_t n = mt_utf8_len(src);

		if (n) {
			memcpy(dst + o, src, n);
			o += n;
			src += n;
		} else {
			memcpy(dst + o, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
			o += 3;
			src++;
		}
	}
	dst[o] = '\0';
	return dst;
}
