// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/findings.h"
#include "shared/grow.h"

static const char *const severity_names[MT_SEV_COUNT] = { "info", "warning", "error" };

const char *mt_severity_name(enum mt_severity s)
{
	return (unsigned)s < MT_SEV_COUNT ? severity_names[s] : "?";
}

bool mt_severity_parse(const char *s, enum mt_severity *out)
{
	for (int i = 0; i < MT_SEV_COUNT; i++)
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (enum mt_severity)i;
			return true;
		}
	return false;
}

static bool same_key(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

struct mt_finding *mt_findings_group(struct mt_findings *fs, const char *id, enum mt_severity sev,
				     const char *key)
{
	struct mt_finding *f;

	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].id, id) == 0 && fs->f[i].severity == sev &&
		    same_key(fs->f[i].key, key))
			return &fs->f[i];
	if (mt_grow(&fs->f, fs->n, sizeof(*fs->f)) < 0)
		return NULL;
	f = &fs->f[fs->n];
	*f = (struct mt_finding){ .id = id, .severity = sev };
	if (key && !(f->key = strdup(key)))
		return NULL;
	fs->n++;
	return f;
}

int mt_finding_add_block(struct mt_finding *f, uint32_t block)
{
	uint32_t *b;
	size_t i;

	/* Checks walk blocks in order: appending is the common case. */
	if (f->nblocks && f->blocks[f->nblocks - 1] == block)
		return 0;
	for (i = f->nblocks; i > 0 && f->blocks[i - 1] > block; i--)
		;
	if (i > 0 && f->blocks[i - 1] == block)
		return 0;
	/* Not a realloc per block: a finding over 50,000 blocks (copies under ASan). */
	if (mt_grow(&f->blocks, f->nblocks, sizeof(*f->blocks)) < 0)
		return -ENOMEM;
	b = f->blocks;
	memmove(&b[i + 1], &b[i], (f->nblocks - i) * sizeof(*b));
	b[i] = block;
	f->nblocks++;
	return 0;
}

int mt_finding_add_node(struct mt_finding *f, int node)
{
	int *n;
	size_t i;

	for (i = 0; i < f->nnodes; i++)
		if (f->nodes[i] == node)
			return 0;
	n = realloc(f->nodes, (f->nnodes + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (i = f->nnodes; i > 0 && n[i - 1] > node; i--)
		n[i] = n[i - 1];
	n[i] = node;
	f->nodes = n;
	f->nnodes++;
	return 0;
}

_printf_(2, 0) static int set_text(char **dst, const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int mt_finding_set_message(struct mt_finding *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_text(&f->message, fmt, ap);
	va_end(ap);
	return r;
}

int mt_finding_set_hint(struct mt_finding *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_text(&f->hint, fmt, ap);
	va_end(ap);
	return r;
}

void mt_finding_clear(struct mt_finding *f)
{
	free(f->key);
	free(f->blocks);
	free(f->nodes);
	free(f->message);
	free(f->hint);
	*f = (struct mt_finding){ .id = f->id, .severity = f->severity };
}

void mt_findings_free(struct mt_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		mt_finding_clear(&fs->f[i]);
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

/* Insertion sort: a handful of findings, and it keeps equal ones in order. */
void mt_findings_sort(struct mt_findings *fs, int (*order)(const char *id))
{
	for (size_t i = 1; i < fs->n; i++) {
		struct mt_finding f = fs->f[i];
		size_t j = i;

		while (j > 0 && (fs->f[j - 1].severity < f.severity ||
				 (fs->f[j - 1].severity == f.severity &&
				  order(fs->f[j - 1].id) > order(f.id)))) {
			fs->f[j] = fs->f[j - 1];
			j--;
		}
		fs->f[j] = f;
	}
}

char *mt_format_blocks(const uint32_t *ids, size_t n, size_t max, char *buf, size_t size)
{
	size_t len = 0, ranges = 0, i = 0;

	buf[0] = '\0';
	while (i < n) {
		size_t j = i;

		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		if (ranges == max) {
			size_t rest = n - i;

			snprintf(buf + len, size - len, " and %zu more block%s", rest,
				 rest == 1 ? "" : "s");
			return buf;
		}
		if (j == i)
			len += (size_t)snprintf(buf + len, size - len, "%smemory%" PRIu32,
						ranges ? ", " : "", ids[i]);
		else
			len += (size_t)snprintf(buf + len, size - len,
						"%smemory%" PRIu32 "-%" PRIu32, ranges ? ", " : "",
						ids[i], ids[j]);
		if (len >= size)
			return buf;
		ranges++;
		i = j + 1;
	}
	return buf;
}

char *mt_format_nodes(const int *ids, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%snode%d",
					i == 0       ? ""
					: i + 1 == n ? " and "
						     : ", ",
					ids[i]);
	return buf;
}
