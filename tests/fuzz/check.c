// SPDX-License-Identifier: GPL-2.0-or-later
/* The properties every output must have (fuzz.h). */
#include <json-c/json.h>

#include "fuzz.h"

bool fuzz_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		unsigned char c = *s;
		uint32_t cp;
		int n;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (end - s <= n)
			return false;
		for (int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

bool fuzz_text_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return false;
	}
	return fuzz_utf8_valid(s, len);
}

struct json_object *fuzz_json_check(const char *what, const char *doc, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	bool utf8 = fuzz_utf8_valid(doc, len);

	if (!utf8 && fuzz_pending("json-utf8"))
		return NULL;
	FUZZ_ASSERT(utf8, "%s: the JSON document is not UTF-8", what);
	FUZZ_ASSERT(memchr(doc, '\0', len) == NULL, "%s: a NUL byte in the JSON document", what);
	tok = json_tokener_new();
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, doc, (int)len);
	FUZZ_ASSERT(obj && json_tokener_get_error(tok) == json_tokener_success &&
			    (size_t)json_tokener_get_parse_end(tok) + 1 >= len,
		    "%s: the JSON document does not parse: %s", what,
		    json_tokener_error_desc(json_tokener_get_error(tok)));
	json_tokener_free(tok);
	return obj;
}
