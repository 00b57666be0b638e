// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Physical address resources: parsing /proc/iomem, naming what a range is,
 * and measuring how much of a memory block is RAM or persistent memory.
 */
#include <ctype.h>
#include <string.h>

#include "shared/macro.h"
#include "core/resources.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum mt_res_kind mt_resource_kind(const char *name)
{
	/* kmem and virtio_mem name their ranges "System RAM (driver)". */
	if (strcmp(name, "System RAM") == 0 || has_prefix(name, "System RAM ("))
		return MT_RES_RAM;
	/*
	 * "Persistent Memory" also covers "(legacy)" (e820 type 12). Note
	 * that ramoops' "persistent_ram" is ordinary RAM set aside, not
	 * PMEM: the match is case-sensitive on purpose.
	 */
	if (has_prefix(name, "Persistent Memory") || strcmp(name, "Soft Reserved") == 0 ||
	    has_prefix(name, "namespace") || has_prefix(name, "dax") || has_prefix(name, "pmem"))
		return MT_RES_PMEM;
	return MT_RES_OTHER;
}

static int add_n(struct mt_resources *res, uint64_t start, uint64_t end, unsigned depth,
		 const char *name, size_t nlen)
{
	struct mt_resource *r;

	if (res->n == 0 || (res->n & (res->n - 1)) == 0) {
		/* n is 0 or a power of two: grow to the next one (min 16). */
		size_t cap = res->n < 16 ? 16 : res->n * 2;
		struct mt_resource *nr = realloc(res->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		res->r = nr;
	}
	r = &res->r[res->n];
	r->name = strndup(name, nlen);
	if (!r->name)
		return -ENOMEM;
	r->start = start;
	r->end = end;
	r->depth = depth;
	r->kind = mt_resource_kind(r->name);
	res->n++;
	return 0;
}

int mt_resources_add(struct mt_resources *res, uint64_t start, uint64_t end, unsigned depth,
		     const char *name)
{
	return add_n(res, start, end, depth, name, strlen(name));
}

void mt_resources_free(struct mt_resources *res)
{
	for (size_t i = 0; i < res->n; i++)
		free(res->r[i].name);
	free(res->r);
	*res = (struct mt_resources){ 0 };
}

/* Up to 16 hex digits (a 64-bit address) at *p; advances *p. */
static bool parse_hex64(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	unsigned digits = 0;

	for (; isxdigit((unsigned char)**p); (*p)++, digits++) {
		unsigned char c = (unsigned char)**p;

		if (digits == 16)
			return false;
		v = v << 4 | (uint64_t)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*out = v;
	return digits > 0;
}

struct iomem_line {
	uint64_t start, end;
	unsigned depth;
	const char *name;
	size_t nlen;
};

/* One line (without its '\n') as the kernel's r_show() prints it. */
static bool parse_iomem_line(const char *p, const char *eol, struct iomem_line *l)
{
	const char *s = p;

	while (s < eol && *s == ' ')
		s++;
	l->depth = (unsigned)(s - p) / 2;
	if (!parse_hex64(&s, &l->start) || *s++ != '-' || !parse_hex64(&s, &l->end))
		return false;
	if (eol - s < 3 || memcmp(s, " : ", 3) != 0 || l->start > l->end)
		return false;
	s += 3;
	while (eol > s && (eol[-1] == '\r' || eol[-1] == ' '))
		eol--;
	l->name = s;
	l->nlen = (size_t)(eol - s);
	return true;
}

int mt_iomem_parse(const char *text, struct mt_resources *out, bool *all_zero)
{
	bool zero = true;

	*out = (struct mt_resources){ .source = MT_RES_IOMEM };
	while (*text) {
		const char *eol = strchrnul(text, '\n');
		struct iomem_line l;

		/* Torn or foreign lines (seen in real captures) are skipped, not fatal. */
		if (parse_iomem_line(text, eol, &l)) {
			if (add_n(out, l.start, l.end, l.depth, l.name, l.nlen) < 0) {
				mt_resources_free(out);
				return -ENOMEM;
			}
			zero = zero && l.start == 0 && l.end == 0;
		}
		text = *eol ? eol + 1 : eol;
	}
	/* Nothing parsed is "no information", not "zeroed by the kernel". */
	*all_zero = out->n > 0 && zero;
	return 0;
}

static bool adjacent_or_inside(uint64_t start, uint64_t hi)
{
	return start <= hi || start - 1 == hi;
}

/*
 * The first maximal run [*rs, *re] of addresses in [from, end] covered by
 * resources of KIND, clipped to [from, end]. Resources are in file order
 * and may nest or overlap, so the run is grown until nothing extends it.
 */
static bool next_run(const struct mt_resources *res, enum mt_res_kind kind, uint64_t from,
		     uint64_t end, uint64_t *rs, uint64_t *re)
{
	uint64_t lo = UINT64_MAX, hi;
	bool found = false, grown;

	for (size_t i = 0; i < res->n; i++) {
		const struct mt_resource *r = &res->r[i];
		uint64_t s = r->start > from ? r->start : from;

		if (r->kind != kind || r->end < from || r->start > end)
			continue;
		if (!found || s < lo)
			lo = s;
		found = true;
	}
	if (!found)
		return false;
	hi = lo;
	do {
		grown = false;
		for (size_t i = 0; i < res->n && hi < end; i++) {
			const struct mt_resource *r = &res->r[i];

			if (r->kind == kind && r->end > hi && adjacent_or_inside(r->start, hi)) {
				hi = r->end;
				grown = true;
			}
		}
	} while (grown && hi < end);
	*rs = lo;
	*re = hi < end ? hi : end;
	return true;
}

uint64_t mt_resources_coverage(const struct mt_resources *res, enum mt_res_kind kind,
			       uint64_t start, uint64_t end)
{
	uint64_t total = 0, from = start, rs, re;

	while (from <= end && next_run(res, kind, from, end, &rs, &re)) {
		total += re - rs + 1;
		if (re == end)
			break;
		from = re + 1;
	}
	return total;
}

static void put_boundary(uint64_t *out, size_t max, size_t *n, uint64_t addr)
{
	if (*n < max)
		out[*n] = addr;
	(*n)++;
}

size_t mt_resources_ram_boundaries(const struct mt_resources *res, uint64_t start, uint64_t end,
				   uint64_t *out, size_t max)
{
	uint64_t from = start, rs, re;
	size_t n = 0;

	while (from <= end && next_run(res, MT_RES_RAM, from, end, &rs, &re)) {
		/* A run starting or ending exactly at an edge has no boundary inside. */
		if (rs > start)
			put_boundary(out, max, &n, rs);
		if (re == end)
			break;
		put_boundary(out, max, &n, re + 1);
		from = re + 1;
	}
	return n;
}
