// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/iomem text, and the coverage and boundary queries over what it gave. */
#include <errno.h>
#include <inttypes.h>

#include "core/resources.h"

#include "fuzz.h"

static void query(const struct mt_resources *res, uint64_t start, uint64_t end)
{
	uint64_t b[8], width = end - start + 1;
	size_t n;

	if (start > end)
		return;
	for (int k = MT_RES_OTHER; k <= MT_RES_PMEM; k++) {
		uint64_t c = mt_resources_coverage(res, (enum mt_res_kind)k, start, end);

		/* A window of 2^64 bytes has a width of 0 in 64 bits: nothing to compare. */
		FUZZ_ASSERT(width == 0 || c <= width,
			    "coverage %" PRIu64 " of [0x%" PRIx64 ", 0x%" PRIx64 "]", c, start,
			    end);
	}
	n = mt_resources_ram_boundaries(res, start, end, b, 8);
	for (size_t i = 0; i < n && i < 8; i++) {
		FUZZ_ASSERT(b[i] > start && b[i] <= end,
			    "boundary 0x%" PRIx64 " outside [0x%" PRIx64 ", 0x%" PRIx64 "]", b[i],
			    start, end);
		FUZZ_ASSERT(i == 0 || b[i] > b[i - 1], "boundaries out of order");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mt_resources res;
	char *s = fuzz_strndup(data, size);
	bool zero = false;
	uint64_t w[2] = { 0, 0 };
	int r = mt_iomem_parse(s, &res, &zero);

	FUZZ_ASSERT(r == 0 || r == -ENOMEM, "%d", r);
	if (r < 0) {
		free(s);
		return 0;
	}
	FUZZ_ASSERT(res.source == MT_RES_IOMEM, "source %d", res.source);
	FUZZ_ASSERT(!zero || res.n > 0, "all zero without a line");
	for (size_t i = 0; i < res.n; i++) {
		const struct mt_resource *x = &res.r[i];

		FUZZ_ASSERT(x->start <= x->end, "resource %zu", i);
		FUZZ_ASSERT(x->kind == mt_resource_kind(x->name), "resource %zu kind", i);
		FUZZ_ASSERT(!zero || (x->start == 0 && x->end == 0), "all zero but %zu is not", i);
	}
	/* The windows check asks about: each resource's span, and one from the input. */
	for (size_t i = 0; i < res.n && i < 16; i++)
		query(&res, res.r[i].start, res.r[i].end);
	memcpy(w, data, size < sizeof(w) ? size : sizeof(w));
	query(&res, w[0] < w[1] ? w[0] : w[1], w[0] < w[1] ? w[1] : w[0]);
	query(&res, 0, UINT64_MAX);
	mt_resources_free(&res);
	free(s);
	return 0;
}
