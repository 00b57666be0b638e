// SPDX-License-Identifier: GPL-2.0-or-later
/* Where memory came from: the classifier on iomem layouts and pseries LMBs. */
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

/* pseries: the block's LMB decides before anything else, when the partition owns it. */
static void test_lmb(void)
{
	struct mt_lmb owned = { .base = 0, .drc_index = 0x80000000u, .flags = MT_DRCONF_ASSIGNED };
	struct mt_lmb free_lmb = { .base = 0, .drc_index = 0x80000001u, .flags = 0 };
	struct mt_lmb qemu_boot = { .flags = MT_DRCONF_RESERVED | MT_DRCONF_DRC_INVALID };
	const char *dev;

	CHECK(mt_origin_classify(NULL, &owned, 0, MB128 - 1, "PNP0C80:00", &dev) == MT_SRC_DLPAR);
	CHECK(dev == NULL);
	CHECK(mt_origin_classify(NULL, &free_lmb, 0, MB128 - 1, NULL, &dev) == MT_SRC_UNKNOWN);
	CHECK(mt_origin_classify(NULL, &qemu_boot, 0, MB128 - 1, NULL, &dev) == MT_SRC_UNKNOWN);
}

int main(void)
{
	test_classify();
	test_lmb();
	UNIT_EXIT();
}
