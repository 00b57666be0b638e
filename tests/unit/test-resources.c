// SPDX-License-Identifier: GPL-2.0-or-later
/* iomem parsing, resource kinds, coverage, RAM boundaries, memmap fallback. */
#include "unit.h"

#include "shared/macro.h"
#include "core/resources.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static void parse_ok(const char *text, struct mt_resources *res)
{
	bool zero = true;

	CHECK(mt_iomem_parse(text, res, &zero) == 0);
	CHECK(!zero);
	CHECK(res->source == MT_RES_IOMEM);
}

static void test_kinds(void)
{
	static const struct {
		const char *name;
		enum mt_res_kind kind;
	} cases[] = {
		{ "System RAM", MT_RES_RAM },
		{ "System RAM (kmem)", MT_RES_RAM },
		{ "System RAM (virtio_mem)", MT_RES_RAM },
		{ "System RAMBO", MT_RES_OTHER },
		{ "Persistent Memory", MT_RES_PMEM },
		{ "Persistent Memory (legacy)", MT_RES_PMEM },
		{ "Soft Reserved", MT_RES_PMEM },
		{ "namespace0.0", MT_RES_PMEM },
		{ "dax1.0", MT_RES_PMEM },
		{ "pmem0", MT_RES_PMEM },
		{ "Reserved", MT_RES_OTHER },
		{ "reserved", MT_RES_OTHER },
		{ "persistent_ram", MT_RES_OTHER }, /* ramoops on the Jetsons */
		{ "ACPI Tables", MT_RES_OTHER },
		{ "Kernel code", MT_RES_OTHER },
		{ "", MT_RES_OTHER },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (mt_resource_kind(cases[i].name) != cases[i].kind)
			UNIT_FAIL("kind of \"%s\"", cases[i].name);
}

/* kernel.md (c): memory96 of a 2 GiB-block machine is half RAM, and shares with PMEM. */
static void test_kernel_md_example(void)
{
	struct mt_resources res;
	const uint64_t bs = 2 * GiB, b96 = 96 * bs;
	uint64_t b[4];

	parse_ok("100000000-303fffffff : System RAM\n"
		 "3040000000-305fffffff : Reserved\n"
		 "3060000000-1aa5fffffff : Persistent Memory\n",
		 &res);
	CHECK(res.n == 3);
	CHECK_U64(res.r[2].end, UINT64_C(0x1aa5fffffff));
	CHECK(res.r[0].kind == MT_RES_RAM && res.r[1].kind == MT_RES_OTHER &&
	      res.r[2].kind == MT_RES_PMEM);
	CHECK_U64(b96, UINT64_C(0x3000000000));
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, b96, b96 + bs - 1), 1 * GiB);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_PMEM, b96, b96 + bs - 1), 512 * MiB);
	CHECK(mt_resources_ram_boundaries(&res, b96, b96 + bs - 1, b, 4) == 1);
	CHECK_U64(b[0], UINT64_C(0x3040000000));
	/* Neighbours: 95 all RAM, 97 all PMEM, 0 below RAM; none has a boundary inside. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 95 * bs, 96 * bs - 1), bs);
	CHECK(mt_resources_ram_boundaries(&res, 95 * bs, 96 * bs - 1, b, 4) == 0);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 97 * bs, 98 * bs - 1), 0);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_PMEM, 97 * bs, 98 * bs - 1), bs);
	CHECK(mt_resources_ram_boundaries(&res, 97 * bs, 98 * bs - 1, b, 4) == 0);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 0, bs - 1), 0);
	/* Block 2 starts exactly where RAM does: an edge, not a boundary inside. */
	CHECK(mt_resources_ram_boundaries(&res, 2 * bs, 3 * bs - 1, b, 4) == 0);
	mt_resources_free(&res);
	CHECK(res.n == 0 && res.r == NULL && res.source == MT_RES_NONE);
}

/* kernel.md (d): sub-section hotplug lets PMEM start 2 MiB into a 128 MiB section. */
static void test_subsection_boundary(void)
{
	struct mt_resources res;
	const uint64_t sec = 128 * MiB, s = UINT64_C(0x140000000);
	uint64_t b[2];

	parse_ok("100000000-1401fffff : System RAM\n"
		 "140200000-17fffffff : Persistent Memory\n"
		 "  140200000-17fffffff : namespace0.0\n"
		 "    140200000-17fffffff : pmem0\n",
		 &res);
	CHECK(res.r[3].depth == 2 && res.r[3].kind == MT_RES_PMEM);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, s, s + sec - 1), 2 * MiB);
	/* Nested PMEM children overlap their parent: counted once. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_PMEM, s, s + sec - 1), 126 * MiB);
	CHECK(mt_resources_ram_boundaries(&res, s, s + sec - 1, b, 2) == 1);
	CHECK_U64(b[0], s + 2 * MiB);
	CHECK_U64(b[0] % sec, 2 * MiB);
	mt_resources_free(&res);
}

/* A kmem-onlined dax device: RAM for the RAM check, PMEM for the PMEM check. */
static void test_nested_kmem(void)
{
	struct mt_resources res;
	const uint64_t bs = 2 * GiB, s = UINT64_C(0x400000000);
	uint64_t b[4];

	parse_ok("00100000-bfffffff : System RAM\n"
		 "100000000-43fffffff : System RAM\n"
		 "440000000-c3fffffff : Soft Reserved\n"
		 "  440000000-c3fffffff : dax0.0\n"
		 "    448000000-c3fffffff : System RAM (kmem)\n",
		 &res);
	CHECK(res.n == 5);
	CHECK(res.r[3].depth == 1 && res.r[3].kind == MT_RES_PMEM);
	CHECK(res.r[4].depth == 2 && res.r[4].kind == MT_RES_RAM);
	CHECK_STR(res.r[4].name, "System RAM (kmem)");
	/* 1 GiB of boot RAM + 896 MiB of kmem; the dax head (128 MiB) is not RAM. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, s, s + bs - 1), 1 * GiB + 896 * MiB);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_PMEM, s, s + bs - 1), 1 * GiB);
	CHECK(mt_resources_ram_boundaries(&res, s, s + bs - 1, b, 4) == 2);
	CHECK_U64(b[0], UINT64_C(0x440000000));
	CHECK_U64(b[1], UINT64_C(0x448000000));
	/* A block wholly inside kmem: all RAM and all PMEM at once. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 0x480000000, 0x4ffffffff), bs);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_PMEM, 0x480000000, 0x4ffffffff), bs);
	mt_resources_free(&res);
}

static void test_all_zero(void)
{
	struct mt_resources res;
	bool zero = false;

	/* What a non-root reader sees since 4.15. */
	CHECK(mt_iomem_parse("00000000-00000000 : Reserved\n"
			     "00000000-00000000 : System RAM\n"
			     "  00000000-00000000 : Kernel code\n",
			     &res, &zero) == 0);
	CHECK(zero && res.n == 3);
	mt_resources_free(&res);
	CHECK(mt_iomem_parse("00000000-00000000 : Reserved\n00001000-0009fbff : System RAM\n", &res,
			     &zero) == 0);
	CHECK(!zero && res.n == 2);
	mt_resources_free(&res);
	CHECK(mt_iomem_parse("", &res, &zero) == 0);
	CHECK(!zero && res.n == 0);
	mt_resources_free(&res);
}

static void test_malformed(void)
{
	struct mt_resources res;

	parse_ok("garbage\n"
		 "\n"
		 "2000-1fff : backwards\n"
		 "xyz-100 : not hex\n"
		 "100-200 no colon\n"
		 "100-200: no space\n"
		 "-100 : no start\n"
		 "100- 200 : space in range\n"
		 "10000000000000000-10000000000000001 : 17 digits\n"
		 "275890000-27589ffff list for sublist in mem_region_list): persistent_ram\n"
		 "1000-1fff : System RAM\r\n"
		 "3000-3fff : \n"
		 "ffffffffffffffff-ffffffffffffffff : top",
		 &res);
	CHECK(res.n == 3);
	CHECK_STR(res.r[0].name, "System RAM");
	CHECK(res.r[0].kind == MT_RES_RAM);
	CHECK_STR(res.r[1].name, "");
	CHECK_U64(res.r[2].start, UINT64_MAX);
	/* The very top of the address space must not wrap. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_OTHER, UINT64_MAX - 15, UINT64_MAX), 1);
	mt_resources_free(&res);
}

/* Real captures: fragmented RAM, reserved children inside RAM, a torn line. */
static void test_jetsontx2(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "iomem-jetsontx2.txt");
	struct mt_resources res;
	uint64_t b[3];
	size_t ram = 0;

	parse_ok(text, &res);
	CHECK(res.n == 34); /* 35 lines, one torn */
	for (size_t i = 0; i < res.n; i++) {
		ram += res.r[i].kind == MT_RES_RAM;
		CHECK(res.r[i].start != UINT64_C(0x275890000));
	}
	CHECK(ram == 5);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_PMEM, 0, UINT64_MAX), 0);
	/* 1 GiB at 9 GiB: the big RAM range, then three 2 MiB islands after ramoops. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 9 * GiB, 10 * GiB - 1),
		  UINT64_C(0x2757fffff) - 9 * GiB + 1 + 3 * 2 * MiB);
	CHECK(mt_resources_ram_boundaries(&res, 9 * GiB, 10 * GiB - 1, b, 3) == 7);
	CHECK_U64(b[0], UINT64_C(0x275800000));
	CHECK_U64(b[1], UINT64_C(0x275e00000));
	CHECK_U64(b[2], UINT64_C(0x276000000));
	/* The 2 MiB gap between the first two RAM ranges. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 3 * GiB, 4 * GiB - 1), 1 * GiB - 2 * MiB);
	CHECK(mt_resources_ram_boundaries(&res, 3 * GiB, 4 * GiB - 1, b, 3) == 2);
	CHECK_U64(b[0], UINT64_C(0xf0000000));
	CHECK_U64(b[1], UINT64_C(0xf0200000));
	mt_resources_free(&res);
}

static void test_raspberrypi(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "iomem-raspberrypi4b.txt");
	struct mt_resources res;
	uint64_t b[2];

	parse_ok(text, &res);
	CHECK(res.n == 34);
	CHECK(res.r[1].depth == 1 && res.r[1].kind == MT_RES_OTHER); /* Kernel code */
	/* "reserved" children do not punch holes into their System RAM parent. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 0, 4 * GiB - 1),
		  UINT64_C(0x3b400000) - UINT64_C(0x80000) + UINT64_C(0xfc000000) - 1 * GiB);
	/* arm64 128 MiB block 7: RAM ends 52 MiB into it. */
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 7 * 128 * MiB, 8 * 128 * MiB - 1),
		  52 * MiB);
	CHECK(mt_resources_ram_boundaries(&res, 7 * 128 * MiB, 8 * 128 * MiB - 1, b, 2) == 1);
	CHECK_U64(b[0], UINT64_C(0x3b400000));
	mt_resources_free(&res);
}

static void test_jetsonagx(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "iomem-jetsonagx.txt");
	struct mt_resources res;

	parse_ok(text, &res);
	CHECK(res.n == 21);
	CHECK_STR(res.r[res.n - 1].name, "ahci");
	CHECK(res.r[res.n - 1].depth == 3);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 4 * GiB, 18 * GiB - 1), 14 * GiB);
	mt_resources_free(&res);
}

/* The development guest: memory0 (128 MiB) has holes at 0-4K and 0x9fc00-1M. */
static void test_qemu_guest(const char *data)
{
	_cleanup_free_ char *text = unit_data(data, "iomem-qemu-guest.txt");
	struct mt_resources res;
	uint64_t b[4];

	parse_ok(text, &res);
	CHECK(res.n == 27);
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 0, 128 * MiB - 1),
		  UINT64_C(0x9fc00) - UINT64_C(0x1000) + 127 * MiB);
	CHECK(mt_resources_ram_boundaries(&res, 0, 128 * MiB - 1, b, 4) == 3);
	CHECK_U64(b[0], UINT64_C(0x1000));
	CHECK_U64(b[1], UINT64_C(0x9fc00));
	CHECK_U64(b[2], UINT64_C(0x100000));
	CHECK_U64(mt_resources_coverage(&res, MT_RES_RAM, 32 * 128 * MiB, 33 * 128 * MiB - 1),
		  128 * MiB);
	mt_resources_free(&res);
}

static void put_memmap(int root, const char *n, const char *start, const char *end,
		       const char *type)
{
	char path[128];

	snprintf(path, sizeof(path), "sys/firmware/memmap/%s/start", n);
	unit_put(root, path, start);
	snprintf(path, sizeof(path), "sys/firmware/memmap/%s/end", n);
	if (end)
		unit_put(root, path, end);
	snprintf(path, sizeof(path), "sys/firmware/memmap/%s/type", n);
	if (type)
		unit_put(root, path, type);
}

/* A sysroot-like tree: zeroed iomem and an x86 e820 map with a legacy PMEM range. */
static void build_fallback_tree(int root)
{
	unit_put(root, "proc/iomem",
		 "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"
		 "  00000000-00000000 : Kernel code\n");
	put_memmap(root, "0", "0x0\n", "0x9fbff\n", "System RAM\n");
	put_memmap(root, "1", "0x9fc00\n", "0x9ffff\n", "Reserved\n");
	put_memmap(root, "2", "0xf0000\n", "0xfffff\n", "Reserved\n");
	put_memmap(root, "3", "0x100000\n", "0xbffdffff\n", "System RAM\n");
	put_memmap(root, "10", "0x100000000\n", "0x63fffffff\n", "System RAM\n");
	put_memmap(root, "11", "0x640000000\n", "0x83fffffff\n", "Persistent Memory (legacy)\n");
	put_memmap(root, "12", "0x840000000\n", NULL, NULL); /* torn: skipped */
	put_memmap(root, "13", "0xzz\n", "0x1\n", "System RAM\n");
	put_memmap(root, "14", "0x2000\n", "0x1000\n", "System RAM\n"); /* start > end */
	unit_put(root, "sys/firmware/memmap/foo", NULL);
}

static void check_fallback(const struct mt_resources *res)
{
	CHECK(res->source == MT_RES_MEMMAP);
	CHECK(res->n == 6);
	if (res->n != 6)
		return;
	for (size_t i = 1; i < res->n; i++)
		CHECK(res->r[i - 1].start < res->r[i].start);
	CHECK_U64(res->r[4].start, UINT64_C(0x100000000));
	CHECK_U64(res->r[4].end, UINT64_C(0x63fffffff));
	CHECK(res->r[4].depth == 0 && res->r[4].kind == MT_RES_RAM);
	CHECK(res->r[5].kind == MT_RES_PMEM);
	CHECK_STR(res->r[5].name, "Persistent Memory (legacy)");
	CHECK_U64(mt_resources_coverage(res, MT_RES_RAM, 0, 128 * MiB - 1),
		  UINT64_C(0x9fc00) + 127 * MiB);
	CHECK_U64(mt_resources_coverage(res, MT_RES_PMEM, 32 * GiB, 34 * GiB - 1), 1 * GiB);
}

static void test_read_fallback(void)
{
	char dir[256];
	int root = unit_tmpdir(dir, sizeof(dir)), proc, sys;
	struct mt_resources res;

	build_fallback_tree(root);
	proc = openat(root, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sys = openat(root, "sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(proc >= 0 && sys >= 0);

	CHECK(mt_resources_read(proc, sys, &res) == 0);
	check_fallback(&res);
	mt_resources_free(&res);
	CHECK(mt_resources_read(-1, sys, &res) == 0);
	check_fallback(&res);
	mt_resources_free(&res);
	/* Zeroes without a memmap are no information at all. */
	CHECK(mt_resources_read(proc, -1, &res) == 0);
	CHECK(res.source == MT_RES_NONE && res.n == 0);
	CHECK(mt_resources_read(-1, -1, &res) == 0);
	CHECK(res.source == MT_RES_NONE && res.n == 0);

	/* An empty iomem falls back too; a real one wins over the memmap. */
	unit_put(root, "proc/iomem", "");
	CHECK(mt_resources_read(proc, sys, &res) == 0);
	check_fallback(&res);
	mt_resources_free(&res);
	unit_put(root, "proc/iomem", "00001000-0009fbff : System RAM\n");
	CHECK(mt_resources_read(proc, sys, &res) == 0);
	CHECK(res.source == MT_RES_IOMEM && res.n == 1);
	mt_resources_free(&res);

	close(proc);
	close(sys);
	close(root);
	unit_rmtree(dir);
}

/* A sysroot without iomem and with an empty memmap directory. */
static void test_read_absent(void)
{
	char dir[256];
	int root = unit_tmpdir(dir, sizeof(dir)), proc, sys;
	struct mt_resources res;

	unit_put(root, "proc", NULL);
	unit_put(root, "sys/firmware/memmap", NULL);
	proc = openat(root, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sys = openat(root, "sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(mt_resources_read(proc, sys, &res) == 0);
	CHECK(res.source == MT_RES_NONE && res.n == 0 && res.r == NULL);
	close(proc);
	close(sys);
	close(root);
	unit_rmtree(dir);
}

/* This machine, read-only: whatever the source, it must describe some RAM. */
static void test_read_live(void)
{
	int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int sys = open("/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct mt_resources res;

	CHECK(mt_resources_read(proc, sys, &res) == 0);
	if (res.source != MT_RES_NONE)
		CHECK(mt_resources_coverage(&res, MT_RES_RAM, 0, UINT64_MAX) > 0);
	printf("live: source %d, %zu resources, %" PRIu64 " MiB RAM\n", (int)res.source, res.n,
	       mt_resources_coverage(&res, MT_RES_RAM, 0, UINT64_MAX) / MiB);
	mt_resources_free(&res);
	if (proc >= 0)
		close(proc);
	if (sys >= 0)
		close(sys);
}

int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : "tests/unit/data";

	test_kinds();
	test_kernel_md_example();
	test_subsection_boundary();
	test_nested_kmem();
	test_all_zero();
	test_malformed();
	test_jetsontx2(data);
	test_raspberrypi(data);
	test_jetsonagx(data);
	test_qemu_guest(data);
	test_read_fallback();
	test_read_absent();
	test_read_live();
	UNIT_EXIT();
}
