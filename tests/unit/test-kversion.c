// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel release parsing and comparison. */
#include <sys/utsname.h>

#include "unit.h"

#include "shared/macro.h"
#include "shared/kversion.h"

static void test_parse(void)
{
	static const struct {
		const char *release;
		bool ok;
		unsigned major, minor;
	} cases[] = {
		{ "6.1.0-26-amd64", true, 6, 1 }, /* Debian 12 */
		{ "4.19.150", true, 4, 19 },      /* first stable with the node-link fix */
		{ "5.7", true, 5, 7 },
		{ "6.18.44-fc-v669", true, 6, 18 }, /* the development guest */
		{ "5.14.0-427.13.1.el9_4.x86_64", true, 5, 14 },
		{ "6.10-rc1", true, 6, 10 },
		{ "5.7rc1", true, 5, 7 },
		{ "4294967295.0", true, 4294967295u, 0 },
		{ "4294967296.0", false, 0, 0 }, /* does not fit */
		{ "6.99999999999", false, 0, 0 },
		{ "garbage", false, 0, 0 },
		{ "", false, 0, 0 },
		{ "6", false, 0, 0 },
		{ "6.", false, 0, 0 },
		{ "6-1", false, 0, 0 },
		{ ".1", false, 0, 0 },
		{ " 6.1", false, 0, 0 },
		{ "-6.1", false, 0, 0 },
		{ "+6.1", false, 0, 0 },
		{ "v6.1", false, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned major = 77, minor = 77;
		bool ok = mt_kversion_parse(cases[i].release, &major, &minor);

		if (ok != cases[i].ok)
			UNIT_FAIL("\"%s\": parse returned %d", cases[i].release, ok);
		else if (ok && (major != cases[i].major || minor != cases[i].minor))
			UNIT_FAIL("\"%s\": %u.%u", cases[i].release, major, minor);
		else if (!ok && (major != 77 || minor != 77))
			UNIT_FAIL("\"%s\": outputs written on failure", cases[i].release);
	}
	CHECK(!mt_kversion_parse(NULL, &(unsigned){ 0 }, &(unsigned){ 0 }));
}

static void test_at_least(void)
{
	CHECK(mt_kversion_at_least(5, 7, 5, 7));
	CHECK(mt_kversion_at_least(6, 1, 5, 7));
	CHECK(mt_kversion_at_least(5, 10, 5, 7)); /* numbers, not strings */
	CHECK(!mt_kversion_at_least(5, 6, 5, 7));
	CHECK(!mt_kversion_at_least(4, 19, 5, 7));
	CHECK(!mt_kversion_at_least(4, 99, 5, 0));
}

static void test_live(void)
{
	struct utsname u;
	unsigned major, minor;

	CHECK(uname(&u) == 0);
	CHECK(mt_kversion_parse(u.release, &major, &minor));
	CHECK(major >= 2);
	printf("live: %s -> %u.%u\n", u.release, major, minor);
}

int main(void)
{
	test_parse();
	test_at_least();
	test_live();
	UNIT_EXIT();
}
