// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/zoneinfo: only the zone headers and four counters are read; the
 * hundreds of per-node and per-cpu statistic lines are skipped.
 */
#include <ctype.h>
#include <string.h>

#include "shared/macro.h"
#include "shared/sysfs.h"
#include "core/zoneinfo.h"

/* Copy the next whitespace-delimited word of [*p, eol) into buf; advances *p. */
static bool next_word(const char **p, const char *eol, char *buf, size_t size)
{
	const char *s = *p, *e;

	while (s < eol && isspace((unsigned char)*s))
		s++;
	for (e = s; e < eol && !isspace((unsigned char)*e); e++)
		;
	*p = e;
	if (e == s || (size_t)(e - s) >= size)
		return false;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return true;
}

static enum mt_zone zone_from_name(const char *name)
{
	for (unsigned z = MT_ZONE_DMA; z < MT_ZONE_COUNT; z++)
		if (strcmp(name, mt_zone_name((enum mt_zone)z)) == 0)
			return (enum mt_zone)z;
	return MT_ZONE_NONE;
}

/* "Node 0, zone   Normal", as zoneinfo_show_print() starts each zone. */
static bool parse_header(const char *p, const char *eol, struct mt_zone_span *z)
{
	char word[32];
	unsigned long node;
	size_t len;

	if (!next_word(&p, eol, word, sizeof(word)) || strcmp(word, "Node") != 0)
		return false;
	if (!next_word(&p, eol, word, sizeof(word)))
		return false;
	len = strlen(word);
	if (len < 2 || word[len - 1] != ',')
		return false;
	word[len - 1] = '\0';
	if (mt_parse_ulong(word, 10, &node) < 0 || node > INT32_MAX)
		return false;
	if (!next_word(&p, eol, word, sizeof(word)) || strcmp(word, "zone") != 0)
		return false;
	if (!next_word(&p, eol, word, sizeof(word)))
		return false;
	*z = (struct mt_zone_span){
		.node = (int)node,
		.zone = zone_from_name(word),
		.start_pfn = UINT64_MAX,
	};
	return true;
}

/* "        spanned  4095" or "  start_pfn:           1"; other lines are left alone. */
static void parse_counter(const char *p, const char *eol, struct mt_zone_span *z)
{
	char key[16], val[32];
	unsigned long v;
	uint64_t *dst;

	if (!next_word(&p, eol, key, sizeof(key)))
		return;
	if (strcmp(key, "spanned") == 0)
		dst = &z->spanned;
	else if (strcmp(key, "present") == 0)
		dst = &z->present;
	else if (strcmp(key, "managed") == 0)
		dst = &z->managed;
	else if (strcmp(key, "start_pfn:") == 0)
		dst = &z->start_pfn;
	else
		return;
	if (next_word(&p, eol, val, sizeof(val)) && mt_parse_ulong(val, 10, &v) == 0)
		*dst = v;
}

static int add_zone(struct mt_zoneinfo *zi, const struct mt_zone_span *z)
{
	if (zi->n == 0 || (zi->n & (zi->n - 1)) == 0) {
		size_t cap = zi->n < 8 ? 8 : zi->n * 2;
		struct mt_zone_span *nz = realloc(zi->z, cap * sizeof(*nz));

		if (!nz)
			return -ENOMEM;
		zi->z = nz;
	}
	zi->z[zi->n++] = *z;
	return 0;
}

int mt_zoneinfo_parse(const char *text, struct mt_zoneinfo *out)
{
	struct mt_zone_span z;
	bool in_zone = false;

	*out = (struct mt_zoneinfo){ 0 };
	while (*text) {
		const char *eol = strchrnul(text, '\n');

		if (parse_header(text, eol, &z)) {
			if (add_zone(out, &z) < 0) {
				mt_zoneinfo_free(out);
				return -ENOMEM;
			}
			in_zone = true;
		} else if (strncmp(text, "Node", 4) == 0) {
			/* A torn header: its counters must not land on the previous zone. */
			in_zone = false;
		} else if (in_zone) {
			parse_counter(text, eol, &out->z[out->n - 1]);
		}
		text = *eol ? eol + 1 : eol;
	}
	return out->n ? 0 : -EINVAL;
}

void mt_zoneinfo_free(struct mt_zoneinfo *zi)
{
	free(zi->z);
	*zi = (struct mt_zoneinfo){ 0 };
}
