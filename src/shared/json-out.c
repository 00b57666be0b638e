// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "shared/json-out.h"
#include "shared/text.h"

/* Bumped only for incompatible changes; fields are added, never renamed. */
#define MT_JSON_SCHEMA 1

int mt_json_add(struct json_object *obj, const char *key, struct json_object *val)
{
	/* A NULL val is JSON null; json-c reports failure with a negative return. */
	return json_object_object_add(obj, key, val) < 0 ? -ENOMEM : 0;
}

struct json_object *mt_json_document(void)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *meta = json_object_new_object();

	if (!doc || !meta || mt_json_add(meta, "version", mt_json_str(MEMTOPO_VERSION)) < 0 ||
	    mt_json_add(meta, "schema", json_object_new_int(MT_JSON_SCHEMA)) < 0 ||
	    mt_json_add(doc, "memtopo", meta) < 0) {
		json_object_put(meta);
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

int mt_json_print(struct json_object *doc, FILE *out)
{
	const char *text = json_object_to_json_string_ext(
		doc,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = 0;

	if (!text || fputs(text, out) < 0 || fputc('\n', out) < 0 || fflush(out) != 0)
		r = -EIO;
	json_object_put(doc);
	return r;
}

struct json_object *mt_json_str(const char *s)
{
	struct json_object *o;
	char *fixed;

	if (!s)
		return NULL;
	if (mt_utf8_valid(s))
		return json_object_new_string(s);
	fixed = mt_utf8_fix_dup(s);
	if (!fixed)
		return NULL;
	o = json_object_new_string(fixed);
	free(fixed);
	return o;
}
