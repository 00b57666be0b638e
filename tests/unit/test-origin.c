// SPDX-License-Identifier: GPL-2.0-or-later
/* Where memory came from: the classifier on iomem layouts, and the pseries LMB parser. */
#include "unit.h"

#include "core/origin.h"
#include "shared/macro.h"

/* The layout a 6.1 guest showed (doc/kernel.md, "Where memory came from"), plus kmem. */
static const char iomem[] = "00000000-00000fff : Reserved\n"
			    "00001000-3fffffff : System RAM\n"
			    "  01000000-01e01d31 : Kernel code\n"
			    "40000000-5fffffff : System RAM\n"
			    "60000000-7fffffff : virtio0\n"
			    "  60000000-77ffffff : System RAM (virtio_mem)\n"
			    "80000000-8fffffff : Soft Reserved\n"
			    "  80000000-8fffffff : dax0.0\n"
			    "    80000000-8fffffff : System RAM (kmem)\n"
			    "90000000-9fffffff : Soft Reserved\n"
			    "  90000000-9fffffff : System RAM (kmem)\n";

#define MB128 0x8000000ull

static void classify(const struct mt_resources *res, uint64_t block, const char *fw,
		     enum mt_source want, const char *want_dev)
{
	const char *dev = (const char *)1;
	enum mt_source got =
		mt_origin_classify(res, NULL, block * MB128, (block + 1) * MB128 - 1, fw, &dev);

	if (got != want)
		UNIT_FAIL("memory%" PRIu64 ": %s, want %s", block, mt_source_name(got),
			  mt_source_name(want));
	if (want_dev)
		CHECK_STR(dev, want_dev);
	else if (dev)
		UNIT_FAIL("memory%" PRIu64 ": device %s, want none", block, dev);
}

static void test_classify(void)
{
	struct mt_resources res;
	bool zero;

	CHECK(mt_iomem_parse(iomem, &res, &zero) == 0 && !zero);
	classify(&res, 0, NULL, MT_SRC_BOOT, NULL); /* Reserved first page: still boot */
	classify(&res, 3, NULL, MT_SRC_BOOT, NULL);
	classify(&res, 8, NULL, MT_SRC_BOOT, NULL); /* the DIMM without its link */
	classify(&res, 8, "PNP0C80:00", MT_SRC_ACPI_DIMM, "PNP0C80:00");
	classify(&res, 12, NULL, MT_SRC_VIRTIO_MEM, "virtio0");
	classify(&res, 15, NULL, MT_SRC_UNKNOWN, NULL); /* inside virtio0, not plugged */
	classify(&res, 16, NULL, MT_SRC_KMEM, "dax0.0");
	classify(&res, 18, NULL, MT_SRC_KMEM, NULL); /* parent not a dax device */
	classify(&res, 40, NULL, MT_SRC_UNKNOWN, NULL);
	mt_resources_free(&res);
	/* No iomem (not root, memmap fallback): only the link speaks. */
	res = (struct mt_resources){ .source = MT_RES_MEMMAP };
	classify(&res, 3, NULL, MT_SRC_UNKNOWN, NULL);
	classify(&res, 3, "PNP0C80:01", MT_SRC_ACPI_DIMM, "PNP0C80:01");
	CHECK(mt_source_parse("virtio-mem") == MT_SRC_VIRTIO_MEM);
	CHECK(mt_source_parse("dimm") == -1);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static void test_lmbs(void)
{
	uint8_t size[8], v1[4 + 3 * 24] = { 0 }, v2[4 + 2 * 24] = { 0 };
	struct mt_dlpar_lmbs l;
	const char *dev;

	put64(size, 256ull << 20);
	/* v1: LMB 0 and 2 assigned, LMB 1 not. */
	put32(v1, 3);
	for (int i = 0; i < 3; i++) {
		put64(v1 + 4 + i * 24, (uint64_t)i << 28);
		put32(v1 + 4 + i * 24 + 8, 0x80000000u + (uint32_t)i);
		put32(v1 + 4 + i * 24 + 20, i == 1 ? 0 : 0x8);
	}
	CHECK(mt_dlpar_lmbs_parse(size, 8, v1, sizeof(v1), NULL, 0, &l) == 0);
	CHECK(l.n == 2);
	CHECK(mt_dlpar_lmbs_cover(&l, 0, (256 << 20) - 1));
	CHECK(!mt_dlpar_lmbs_cover(&l, 256 << 20, (512 << 20) - 1));
	CHECK(mt_dlpar_lmbs_cover(&l, 512 << 20, 512 << 20 | 0xfffffff));
	CHECK(mt_origin_classify(NULL, &l, 0, MB128 - 1, "PNP0C80:00", &dev) == MT_SRC_DLPAR);
	mt_dlpar_lmbs_free(&l);
	/* v2: a set of 4 assigned LMBs from 1G, a set of 2 unassigned. */
	put32(v2, 2);
	put32(v2 + 4, 4);
	put64(v2 + 8, 1ull << 30);
	put32(v2 + 4 + 20, 0x8);
	put32(v2 + 28, 2);
	put64(v2 + 32, 2ull << 30);
	CHECK(mt_dlpar_lmbs_parse(size, 8, NULL, 0, v2, sizeof(v2), &l) == 0);
	CHECK(l.n == 1 && l.r[0].start == 1ull << 30 && l.r[0].end == (2ull << 30) - 1);
	mt_dlpar_lmbs_free(&l);
	/* Truncated: a count the buffer does not hold. */
	put32(v1, 4);
	CHECK(mt_dlpar_lmbs_parse(size, 8, v1, sizeof(v1), NULL, 0, &l) == -EINVAL && l.n == 0);
	CHECK(mt_dlpar_lmbs_parse(NULL, 0, NULL, 0, NULL, 0, &l) == 0 && l.n == 0);
}

int main(void)
{
	test_classify();
	test_lmbs();
	UNIT_EXIT();
}
