// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/zoneinfo parsing on real captures and on broken text. */
#include "unit.h"

#include "shared/macro.h"
#include "core/zoneinfo.h"

struct want {
	enum mt_zone zone;
	uint64_t start_pfn, spanned, present, managed;
};

static void check_zones(const struct mt_zoneinfo *zi, const struct want *w, size_t n)
{
	CHECK(zi->n == n);
	for (size_t i = 0; i < n && i < zi->n; i++) {
		const struct mt_zone_span *z = &zi->z[i];

		if (z->node != 0 || z->zone != w[i].zone)
			UNIT_FAIL("zone %zu: node %d zone %d, want 0 %d", i, z->node, (int)z->zone,
				  (int)w[i].zone);
		CHECK_U64(z->start_pfn, w[i].start_pfn);
		CHECK_U64(z->spanned, w[i].spanned);
		CHECK_U64(z->present, w[i].present);
		CHECK_U64(z->managed, w[i].managed);
	}
}

/* prometheus procfs: DMA32 has a hole (spanned > present), Movable/Device are empty. */
static void test_procfs(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "zoneinfo-procfs.txt");
	static const struct want w[] = {
		{ MT_ZONE_DMA, 1, 4095, 3975, 3956 },
		{ MT_ZONE_DMA32, 4096, 1044480, 759231, 742806 },
		{ MT_ZONE_NORMAL, 1048576, 1308160, 1308160, 1268711 },
		{ MT_ZONE_MOVABLE, UINT64_MAX, 0, 0, 0 },
		{ MT_ZONE_DEVICE, UINT64_MAX, 0, 0, 0 },
	};
	struct mt_zoneinfo zi;

	CHECK(mt_zoneinfo_parse(text, &zi) == 0);
	check_zones(&zi, w, ARRAY_SIZE(w));
	mt_zoneinfo_free(&zi);
	CHECK(zi.n == 0 && zi.z == NULL);
}

static void test_node_exporter(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "zoneinfo-node-exporter.txt");
	static const struct want w[] = {
		{ MT_ZONE_DMA, 1, 4095, 3997, 3973 },
		{ MT_ZONE_DMA32, 4096, 1044480, 546847, 530339 },
		{ MT_ZONE_NORMAL, 1048576, 7806976, 7806976, 7654794 },
		{ MT_ZONE_MOVABLE, UINT64_MAX, 0, 0, 0 },
		{ MT_ZONE_DEVICE, UINT64_MAX, 0, 0, 0 },
	};
	struct mt_zoneinfo zi;

	CHECK(mt_zoneinfo_parse(text, &zi) == 0);
	check_zones(&zi, w, ARRAY_SIZE(w));
	mt_zoneinfo_free(&zi);
}

/* The 6.18 development guest: newer per-zone lines (boost, promo, cma). */
static void test_qemu_guest(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "zoneinfo-qemu-guest.txt");
	static const struct want w[] = {
		{ MT_ZONE_DMA, 1, 4095, 3998, 3840 },
		{ MT_ZONE_DMA32, 4096, 1044480, 782336, 772915 },
		{ MT_ZONE_NORMAL, 1048576, 5505024, 5505024, 2031616 },
		{ MT_ZONE_MOVABLE, UINT64_MAX, 0, 0, 0 },
		{ MT_ZONE_DEVICE, UINT64_MAX, 0, 0, 0 },
	};
	struct mt_zoneinfo zi;

	CHECK(mt_zoneinfo_parse(text, &zi) == 0);
	check_zones(&zi, w, ARRAY_SIZE(w));
	mt_zoneinfo_free(&zi);
}

/* Two nodes, HighMem, an unknown zone name, a zone without start_pfn (old kernels). */
static void test_shapes(void)
{
	struct mt_zoneinfo zi;

	CHECK(mt_zoneinfo_parse("Node 0, zone  HighMem\n"
				"        spanned  100\n"
				"        present  90\n"
				"Node 1, zone   Normal\n"
				"  pages free     5\n"
				"        spanned  262144\n"
				"        present  262144\n"
				"        managed  250000\n"
				"  start_pfn:           4456448\n"
				"Node 12, zone    Funky\n"
				"        spanned  7\n"
				"  start_pfn:           8",
				&zi) == 0);
	CHECK(zi.n == 3);
	if (zi.n == 3) {
		CHECK(zi.z[0].node == 0 && zi.z[0].zone == MT_ZONE_HIGHMEM);
		CHECK_U64(zi.z[0].start_pfn, UINT64_MAX);
		CHECK_U64(zi.z[0].present, 90);
		CHECK_U64(zi.z[0].managed, 0);
		CHECK(zi.z[1].node == 1 && zi.z[1].zone == MT_ZONE_NORMAL);
		CHECK_U64(zi.z[1].start_pfn, 4456448);
		CHECK(zi.z[2].node == 12 && zi.z[2].zone == MT_ZONE_NONE);
		CHECK_U64(zi.z[2].start_pfn, 8); /* last line without '\n' */
	}
	mt_zoneinfo_free(&zi);
}

static void test_broken(void)
{
	struct mt_zoneinfo zi;

	CHECK(mt_zoneinfo_parse("", &zi) == -EINVAL);
	CHECK(zi.n == 0 && zi.z == NULL);
	CHECK(mt_zoneinfo_parse("garbage\n        spanned  4095\n", &zi) == -EINVAL);
	CHECK(mt_zoneinfo_parse("Node x, zone Normal\n", &zi) == -EINVAL);
	CHECK(mt_zoneinfo_parse("Node -1, zone Normal\n", &zi) == -EINVAL);
	CHECK(mt_zoneinfo_parse("Node 0 zone Normal\n", &zi) == -EINVAL);

	/* A torn header ends the zone before it; garbage values are ignored. */
	CHECK(mt_zoneinfo_parse("Node 0, zone      DMA\n"
				"        spanned  4095\n"
				"        present  12abc\n"
				"        managed  99999999999999999999999\n"
				"Node 0, zone\n"
				"        spanned  1\n"
				"        present  1\n",
				&zi) == 0);
	CHECK(zi.n == 1);
	CHECK_U64(zi.z[0].spanned, 4095);
	CHECK_U64(zi.z[0].present, 0);
	CHECK_U64(zi.z[0].managed, 0);
	mt_zoneinfo_free(&zi);
}

/* This machine, read-only: counters must be consistent with each other. */
static void test_live(void)
{
	_cleanup_free_ char *text = NULL;
	struct mt_zoneinfo zi;
	uint64_t present = 0;

	if (mt_read_file(AT_FDCWD, "/proc/zoneinfo", (size_t)64 << 20, 0, &text) < 0) {
		printf("live: no /proc/zoneinfo, skipped\n");
		return;
	}
	CHECK(mt_zoneinfo_parse(text, &zi) == 0);
	for (size_t i = 0; i < zi.n; i++) {
		const struct mt_zone_span *z = &zi.z[i];

		CHECK(z->present <= z->spanned);
		CHECK(z->managed <= z->present);
		CHECK(z->zone != MT_ZONE_NONE);
		if (z->present)
			CHECK(z->start_pfn != UINT64_MAX);
		present += z->present;
	}
	CHECK(present > 0);
	printf("live: %zu zones, %" PRIu64 " pages present\n", zi.n, present);
	mt_zoneinfo_free(&zi);
}

int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : "tests/unit/data";

	test_procfs(data);
	test_node_exporter(data);
	test_qemu_guest(data);
	test_shapes();
	test_broken();
	test_live();
	UNIT_EXIT();
}
