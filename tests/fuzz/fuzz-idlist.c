// SPDX-License-Identifier: GPL-2.0-or-later
/* Id lists: node masks as sysfs prints them, --node and --blocks as users type them. */
#include <errno.h>

#include "shared/idlist.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mt_idlist l = { 0 }, again = { 0 };
	char *s = fuzz_strndup(data, size), *back;
	size_t cap, len = 0;
	int r = mt_idlist_parse(s, &l);

	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE || r == -ENOMEM, "'%s': %d", s, r);
	if (r < 0) {
		FUZZ_ASSERT(l.n == 0 && !l.r, "a failed parse left %zu ranges", l.n);
		free(s);
		return 0;
	}
	/* Every range is ordered, contains its ends, and prints back to the same list. */
	cap = l.n * 44 + 1;
	back = malloc(cap);
	if (!back)
		abort();
	back[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		FUZZ_ASSERT(l.r[i].lo <= l.r[i].hi, "'%s': range %zu is %lu-%lu", s, i, l.r[i].lo,
			    l.r[i].hi);
		FUZZ_ASSERT(mt_idlist_contains(&l, l.r[i].lo) && mt_idlist_contains(&l, l.r[i].hi),
			    "'%s': range %zu", s, i);
		len += (size_t)snprintf(back + len, cap - len, "%s%lu-%lu", i ? "," : "", l.r[i].lo,
					l.r[i].hi);
	}
	FUZZ_ASSERT(mt_idlist_parse(back, &again) == 0 && again.n == l.n &&
			    (l.n == 0 || memcmp(again.r, l.r, l.n * sizeof(*l.r)) == 0),
		    "'%s' printed as '%s' does not read back", s, back);
	mt_idlist_free(&again);
	mt_idlist_free(&l);
	free(back);
	free(s);
	return 0;
}
