// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shared/units: sizes printed as lsmem prints them, sizes and ranges parsed
 * as online/offline take them (doc/cli.md "online, offline", memtopo-online(8)
 * TARGET). Every expected string below was worked out by hand from that
 * contract (binary units, one decimal, half up on the thousandths, as
 * util-linux size_to_human_string does), and the sizes a block size can show
 * were compared once with lsmem 2.38.1 on a --sysroot tree.
 */
#include <errno.h>

#include "unit.h"

#include "shared/units.h"

static void human(uint64_t bytes, const char *want)
{
	char buf[16];

	if (strcmp(mt_size_human(bytes, buf, sizeof(buf)), want) != 0)
		UNIT_FAIL("mt_size_human(%" PRIu64 ") = \"%s\", want \"%s\"", bytes, buf, want);
}

#define K (UINT64_C(1) << 10)
#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)
#define T (UINT64_C(1) << 40)
#define P (UINT64_C(1) << 50)
#define E (UINT64_C(1) << 60)

static void test_human(void)
{
	static const char *const suffix = "KMGTPE";

	/* Bytes: no decimal, "0B" for nothing. */
	human(0, "0B");
	human(1, "1B");
	human(1023, "1023B");

	/* Exact powers of every unit, and whole multiples. */
	human(K, "1K");
	human(M, "1M");
	human(G, "1G");
	human(T, "1T");
	human(P, "1P");
	human(E, "1E");
	human(128 * M, "128M");
	human(1023 * M, "1023M");
	human(8 * E, "8E");
	human(15 * E, "15E");

	/* One decimal. */
	human(1536, "1.5K");
	human(1792 * M, "1.8G"); /* 1.75G: half up */
	human(1280 * M, "1.3G"); /* 1.25G: half up */
	human(1984 * M, "1.9G"); /* 1.9375G */
	human(2176 * M, "2.1G"); /* 2.125G */
	human(3 * P + P / 2, "3.5P");
	human(E + E / 2, "1.5E");
	/* No trailing zero, no ".0": a fraction under 0.05 rounds to the whole. */
	human(G + M, "1G");

	/*
	 * Half up at each unit K..P: 1 plus floor(unit/20) bytes is just under
	 * 1.05 and prints "1"; one byte more is over 1.05 and prints "1.1".
	 * Just under 1.95 prints "1.9"; from 1.95 on, the rounding carries
	 * into the whole number and the unit stays (lsmem prints "1024K" for
	 * 1M less one byte, not "1M").
	 */
	for (unsigned u = 0; u < 5; u++) {
		uint64_t unit = K << (10 * u), twentieth = unit / 20;
		char one[8], one1[8], one9[8], two[8];

		snprintf(one, sizeof(one), "1%c", suffix[u]);
		snprintf(one1, sizeof(one1), "1.1%c", suffix[u]);
		snprintf(one9, sizeof(one9), "1.9%c", suffix[u]);
		snprintf(two, sizeof(two), "2%c", suffix[u]);
		human(unit + twentieth, one);
		human(unit + twentieth + 1, one1);
		human(2 * unit - twentieth - 1, one9);
		human(2 * unit - twentieth, two);
	}
	/*
	 * E: the thousandths of a remainder this large are taken on KiB (as
	 * lsmem does, to stay in 64 bits), so the boundary is tested a KiB
	 * away from 1.05 on either side.
	 */
	human(E + E / 20 - K, "1E");
	human(E + E / 20 + K, "1.1E");
	human(E - 1, "1024P");
	human(M - 1, "1024K");
	human(T - M, "1024G");
	human(UINT64_MAX, "16E"); /* 15.99...E rounds up; E is the last unit */
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int r = mt_size_parse(s, &v);

	if (r != 0 || v != want)
		UNIT_FAIL("mt_size_parse(\"%s\") = %d, %" PRIu64 "; want 0, %" PRIu64, s, r, v,
			  want);
}

static void size_err(const char *s, int want)
{
	uint64_t v = 0xdeadbeef;
	int r = mt_size_parse(s, &v);

	if (r != want)
		UNIT_FAIL("mt_size_parse(\"%s\") = %d, want %d", s, r, want);
}

static void test_size_parse(void)
{
	static const char *const bad[] = {
		"",     "G",     "iB",   "-1",     "+1",  "-1G",   "1.5G", "1,5G", ".5G",
		" 1G",  "1G ",   "1 G",  "\t1",    "1Z",  "1Y",    "1B",   "1b",   "1iB",
		"1Gi",  "1GiBx", "1GBB", "1GiB ",  "1KK", "0x10",  "1e3",  "1G1",  "G1",
		"1-2G", "1_000", "1\n",  "1KiBiB", "one", "1MIb ",
	};

	/* A bare number is MiB, as chmem reads it (1024 is 1 GiB). */
	size_ok("0", 0);
	size_ok("1", M);
	size_ok("1024", G);
	size_ok("4608", 4608 * M);
	size_ok("007", 7 * M);

	/* Every unit, powers of 1024, optional "B" or "iB", any case. */
	size_ok("1K", K);
	size_ok("512M", 512 * M);
	size_ok("4G", 4 * G);
	size_ok("1T", T);
	size_ok("2P", 2 * P);
	size_ok("3E", 3 * E);
	size_ok("1536MiB", 1536 * M);
	size_ok("1536MB", 1536 * M);
	size_ok("4g", 4 * G);
	size_ok("4gib", 4 * G);
	size_ok("4GIB", 4 * G);
	size_ok("4gb", 4 * G);
	size_ok("64k", 64 * K);
	size_ok("0G", 0); /* zero is the command's to refuse, not the parser's */

	/* Signs, fractions, spaces, unknown units, trailing garbage: -EINVAL. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		size_err(bad[i], -EINVAL);

	/* 2^64 does not fit: every spelling of it, and past it. */
	size_ok("15E", 15 * E);
	size_err("16E", -ERANGE);
	size_ok("16383P", 16383 * P);
	size_err("16384P", -ERANGE);
	size_ok("17179869183G", 17179869183 * G);
	size_err("17179869184G", -ERANGE);
	size_ok("17592186044415", 17592186044415 * M); /* MiB */
	size_err("17592186044416", -ERANGE);
	size_ok("18014398509481983K", 18014398509481983 * K);
	size_err("18014398509481984K", -ERANGE);
	size_err("18446744073709551615", -ERANGE); /* UINT64_MAX MiB */
	size_err("18446744073709551616", -ERANGE); /* does not fit before the unit either */
	size_err("99999999999999999999999G", -ERANGE);
}

static void range_ok(const char *s, uint64_t first, uint64_t last)
{
	uint64_t a = 1, b = 1;
	int r = mt_range_parse(s, &a, &b);

	if (r != 0 || a != first || b != last)
		UNIT_FAIL("mt_range_parse(\"%s\") = %d, 0x%" PRIx64 "-0x%" PRIx64, s, r, a, b);
}

static void range_err(const char *s, int want)
{
	uint64_t a = 1, b = 1;
	int r = mt_range_parse(s, &a, &b);

	if (r != want)
		UNIT_FAIL("mt_range_parse(\"%s\") = %d, want %d", s, r, want);
}

static void test_range_parse(void)
{
	static const char *const bad[] = {
		"",
		"0x20-0x10",
		"0x1-0x0",
		"100000000-13fffffff",
		"0x100000000-13fffffff",
		"0x100000000",
		"0x100000000-",
		"0x-0x10",
		"0x10-0x",
		"0x10 - 0x20",
		" 0x10-0x20",
		"0x10-0x20 ",
		"0x10-0x20-0x30",
		"0x10--0x20",
		"0x-10-0x20",
		"0x+10-0x20",
		"0x10-0x+20",
		"0x10-0x-20",
		"0xg-0x20",
		"0x10:0x20",
		"0x10,0x20",
		"4G-5G",
		/* One 0x prefix each: strtoull() would take a second one. */
		"0x0x10-0x20",
		"0x10-0x0x20",
	};

	range_ok("0x100000000-0x13fffffff", 0x100000000, 0x13fffffff);
	range_ok("0X100000000-0X13FFFFFFF", 0x100000000, 0x13fffffff);
	range_ok("0x0-0x7ffffff", 0, 0x7ffffff);
	range_ok("0x10-0x10", 0x10, 0x10); /* START == END: one byte, still a range */
	range_ok("0x0000000008000000-0x000000000fffffff", 0x8000000, 0xfffffff);
	range_ok("0x0-0xffffffffffffffff", 0, UINT64_MAX);

	/* START > END, and anything that is not 0xSTART-0xEND: -EINVAL. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		range_err(bad[i], -EINVAL);

	/* More than 64 bits. */
	range_err("0x10000000000000000-0x10000000000000000", -ERANGE);
	range_err("0x0-0x10000000000000000", -ERANGE);
}

int main(void)
{
	test_human();
	test_size_parse();
	test_range_parse();
	UNIT_EXIT();
}
