// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shared/idlist: id lists as the kernel prints node masks and as users type
 * --blocks and --node ("0-3,5,8-9"). The contract is the header's: decimal
 * ids, "N" or "N-M" with N <= M, comma separated, an empty string is an
 * empty list; -EINVAL for anything else, -ERANGE on overflow.
 */
#include <errno.h>
#include <limits.h>

#include "unit.h"

#include "shared/idlist.h"

/* Parse s, which must succeed, and compare the ranges with want (lo, hi pairs). */
static void parses(const char *s, const unsigned long *want, size_t nwant)
{
	struct mt_idlist l = { 0 };
	int r = mt_idlist_parse(s, &l);

	if (r != 0) {
		UNIT_FAIL("mt_idlist_parse(\"%s\") = %d, want 0", s, r);
		return;
	}
	if (l.n != nwant)
		UNIT_FAIL("mt_idlist_parse(\"%s\"): %zu ranges, want %zu", s, l.n, nwant);
	for (size_t i = 0; i < l.n && i < nwant; i++)
		if (l.r[i].lo != want[2 * i] || l.r[i].hi != want[2 * i + 1])
			UNIT_FAIL("mt_idlist_parse(\"%s\"): range %zu is %lu-%lu, want %lu-%lu", s,
				  i, l.r[i].lo, l.r[i].hi, want[2 * i], want[2 * i + 1]);
	mt_idlist_free(&l);
	CHECK(l.r == NULL && l.n == 0);
}

static void fails(const char *s, int want)
{
	struct mt_idlist l = { .r = NULL, .n = 12345 };
	int r = mt_idlist_parse(s, &l);

	if (r != want)
		UNIT_FAIL("mt_idlist_parse(\"%s\") = %d, want %d", s, r, want);
	if (r == 0)
		mt_idlist_free(&l);
}

static void test_parse(void)
{
	static const char *const bad[] = {
		"7-3",  "1,,2", ",1",
		"1,",   " 1",   "1 ",
		"1, 2", ",",    "-",
		"-1",   "+1",   "1-",
		"-1-2", "1--2", "1-2-3",
		"1-+2", "1- 2", "0x1",
		"1a",   "abc",  "1;2",
		"1.5",  "1\n",  "\t1",
		"1-2,", "1-0",  "18446744073709551615-0",
	};

	parses("0-3,5,8-9", (const unsigned long[]){ 0, 3, 5, 5, 8, 9 }, 3);
	parses("", NULL, 0);
	parses("7", (const unsigned long[]){ 7, 7 }, 1);
	parses("3-3", (const unsigned long[]){ 3, 3 }, 1);
	parses("0", (const unsigned long[]){ 0, 0 }, 1);
	parses("007", (const unsigned long[]){ 7, 7 }, 1); /* decimal, not octal */
	parses("010-012", (const unsigned long[]){ 10, 12 }, 1);
	/* Order and overlap are the user's: kept as typed. */
	parses("9,1-2", (const unsigned long[]){ 9, 9, 1, 2 }, 2);
	parses("1-4,2-3", (const unsigned long[]){ 1, 4, 2, 3 }, 2);

	/* The edges of an unsigned long. */
	parses("18446744073709551615", (const unsigned long[]){ ULONG_MAX, ULONG_MAX }, 1);
	parses("0-18446744073709551615", (const unsigned long[]){ 0, ULONG_MAX }, 1);
	parses("18446744073709551614-18446744073709551615",
	       (const unsigned long[]){ ULONG_MAX - 1, ULONG_MAX }, 1);
	fails("18446744073709551616", -ERANGE);
	fails("0-18446744073709551616", -ERANGE);
	fails("1,99999999999999999999999", -ERANGE);

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		fails(bad[i], -EINVAL);
}

static void test_contains(void)
{
	struct mt_idlist l = { 0 };

	CHECK(mt_idlist_parse("0-3,5,8-9", &l) == 0);
	/* Inside, at both edges of each range, and just outside them. */
	for (unsigned long id = 0; id <= 11; id++) {
		bool want = id <= 3 || id == 5 || id == 8 || id == 9;

		if (mt_idlist_contains(&l, id) != want)
			UNIT_FAIL("\"0-3,5,8-9\" contains %lu: %d, want %d", id, !want, want);
	}
	CHECK(!mt_idlist_contains(&l, ULONG_MAX));
	mt_idlist_free(&l);

	/* The empty list holds nothing. */
	CHECK(mt_idlist_parse("", &l) == 0);
	CHECK(!mt_idlist_contains(&l, 0));
	CHECK(!mt_idlist_contains(&l, ULONG_MAX));
	mt_idlist_free(&l);

	CHECK(mt_idlist_parse("18446744073709551614-18446744073709551615", &l) == 0);
	CHECK(mt_idlist_contains(&l, ULONG_MAX));
	CHECK(mt_idlist_contains(&l, ULONG_MAX - 1));
	CHECK(!mt_idlist_contains(&l, ULONG_MAX - 2));
	CHECK(!mt_idlist_contains(&l, 0));
	mt_idlist_free(&l);

	CHECK(mt_idlist_parse("0-18446744073709551615", &l) == 0);
	CHECK(mt_idlist_contains(&l, 0));
	CHECK(mt_idlist_contains(&l, ULONG_MAX / 2));
	CHECK(mt_idlist_contains(&l, ULONG_MAX));
	mt_idlist_free(&l);
}

int main(void)
{
	_Static_assert(ULONG_MAX == 18446744073709551615ul, "the edges assume 64-bit longs");
	test_parse();
	test_contains();
	UNIT_EXIT();
}
