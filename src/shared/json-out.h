/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json-c helpers every JSON document shares. */
#ifndef MEMTOPO_JSON_OUT_H
#define MEMTOPO_JSON_OUT_H

#include <json-c/json.h>
#include <stdio.h>

/* {"memtopo": {"version": "X.Y.Z", "schema": 1}} to which a command adds. */
struct json_object *mt_json_document(void);
/*
 * A JSON string that is valid UTF-8 whatever the bytes: each byte of a
 * broken sequence becomes U+FFFD (json-c escapes control characters but
 * copies bad UTF-8 as it is). Every string of every document goes through
 * it. NULL when s is NULL or out of memory.
 */
struct json_object *mt_json_str(const char *s);
/* json_object_object_add that turns failure into -ENOMEM. */
int mt_json_add(struct json_object *obj, const char *key, struct json_object *val);
/* Print pretty (two spaces) with a final newline, and drop the document. */
int mt_json_print(struct json_object *doc, FILE *out);

#endif
