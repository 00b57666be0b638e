// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "shared/idlist.h"
#include "shared/grow.h"

static int parse_id(const char **p, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*out = strtoul(*p, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*p = end;
	return 0;
}

int mt_idlist_parse(const char *s, struct mt_idlist *out)
{
	struct mt_idlist l = { 0 };
	const char *p = s;
	int r = 0;

	while (*p) {
		struct mt_idrange range;

		if ((r = parse_id(&p, &range.lo)) < 0)
			break;
		range.hi = range.lo;
		if (*p == '-') {
			p++;
			if ((r = parse_id(&p, &range.hi)) < 0)
				break;
			if (range.hi < range.lo) {
				r = -EINVAL;
				break;
			}
		}
		if (*p == ',' && p[1])
			p++;
		else if (*p) {
			r = -EINVAL;
			break;
		}
		/* A mask of 50,000 single ids is not 50,000 reallocs. */
		if (mt_grow(&l.r, l.n, sizeof(*l.r)) < 0) {
			r = -ENOMEM;
			break;
		}
		l.r[l.n++] = range;
	}
	if (r < 0) {
		mt_idlist_free(&l);
		return r;
	}
	*out = l;
	return 0;
}

bool mt_idlist_contains(const struct mt_idlist *l, unsigned long id)
{
	for (size_t i = 0; i < l->n; i++)
		if (id >= l->r[i].lo && id <= l->r[i].hi)
			return true;
	return false;
}

void mt_idlist_free(struct mt_idlist *l)
{
	free(l->r);
	l->r = NULL;
	l->n = 0;
}
