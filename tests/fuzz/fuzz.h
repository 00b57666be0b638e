/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the harnesses share. Each harness defines LLVMFuzzerTestOneInput();
 * with -Dfuzzing=true libFuzzer drives it, otherwise replay.c runs it over
 * the files named on its command line (the committed corpus), so every
 * build replays the corpus, gcc included.
 */
#ifndef MEMTOPO_FUZZ_H
#define MEMTOPO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (it may hold NULs of its own). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A property that must hold: the harness aborts with the reason, which
 * libFuzzer (or the replay program, through abort()) reports as a crash.
 */
#define FUZZ_ASSERT(cond, ...)                                                           \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                    \
			fputc('\n', stderr);                                             \
			abort();                                                         \
		}                                                                        \
	} while (0)

/*
 * Defect classes that issue 12 lists and whose fix has not landed yet: a
 * harness checks such a property only when the class is not pending, so CI
 * stays green on what is fixed and the rest is still exercised for crashes.
 * MEMTOPO_FUZZ_PENDING is a comma-separated list (tests/fuzz/pending);
 * MEMTOPO_FUZZ_PENDING=none checks everything.
 */
bool fuzz_pending(const char *cls);

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool fuzz_utf8_valid(const char *s, size_t len);
/* Text for a terminal: valid UTF-8 and no control byte but newline and tab. */
bool fuzz_text_clean(const char *s, size_t len);

/*
 * A JSON document memtopo printed: it must be UTF-8 (class "json-utf8")
 * and parse with json-c's strict tokener. Returns the parsed document (put
 * it with json_object_put) or NULL when the class is pending and it fails.
 */
struct json_object;
struct json_object *fuzz_json_check(const char *what, const char *doc, size_t len);

#endif
