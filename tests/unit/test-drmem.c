// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ibm,dynamic-memory v1 and v2 from crafted big-endian blobs: the layouts
 * of arch/powerpc/include/asm/drmem.h, and every malformed length an error
 * (the suite's ASan run catches any read past a blob: each one is a
 * malloc'ed copy of exactly its length).
 */
#include "unit.h"

#include "core/drmem.h"
#include "shared/macro.h"

#define LMB (256ull << 20)

struct blob {
	uint8_t b[512];
	size_t n;
};

static void put32(struct blob *x, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		x->b[x->n++] = (uint8_t)(v >> (8 * i));
}

static void put64(struct blob *x, uint64_t v)
{
	put32(x, (uint32_t)(v >> 32));
	put32(x, (uint32_t)v);
}

/* A heap copy of exactly n bytes, so that ASan sees any overread. */
static uint8_t *exact(const struct blob *x, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	memcpy(p, x->b, n);
	return p;
}

static int parse(int version, const struct blob *x, size_t n, uint64_t lmb_size, struct mt_drmem *d)
{
	uint8_t *p = exact(x, n);
	int r = version == 1 ? mt_drmem_parse_v1(p, n, lmb_size, d)
			     : mt_drmem_parse_v2(p, n, lmb_size, d);

	free(p);
	return r;
}

static void v1_lmb(struct blob *x, uint64_t base, uint32_t drc, uint32_t aa, uint32_t flags)
{
	put64(x, base);
	put32(x, drc);
	put32(x, 0xdeadbeef); /* reserved */
	put32(x, aa);
	put32(x, flags);
}

static void test_v1(void)
{
	struct blob x = { 0 };
	struct mt_drmem d;

	put32(&x, 3);
	v1_lmb(&x, 0, 0x80000000, 0, MT_DRCONF_ASSIGNED);
	v1_lmb(&x, LMB, 0x80000001, 1, MT_DRCONF_ASSIGNED | MT_DRCONF_HOTREMOVABLE);
	v1_lmb(&x, 2 * LMB, 0x80000002, 0xffffffff, MT_DRCONF_AI_INVALID);
	CHECK(parse(1, &x, x.n, LMB, &d) == 0);
	CHECK(d.version == 1 && d.n == 3 && d.lmb_size == LMB);
	CHECK_U64(d.lmbs[1].base, LMB);
	CHECK_U64(d.lmbs[1].drc_index, 0x80000001);
	CHECK_U64(d.lmbs[1].aa_index, 1);
	CHECK_U64(d.lmbs[1].flags, MT_DRCONF_ASSIGNED | MT_DRCONF_HOTREMOVABLE);
	CHECK_U64(d.lmbs[2].flags, MT_DRCONF_AI_INVALID);
	CHECK(mt_drmem_find(&d, 2 * LMB + 5) == &d.lmbs[2]);
	CHECK(mt_drmem_find(&d, 3 * LMB) == NULL);
	CHECK(mt_drmem_count_index(&d, 0x80000001) == 1);
	mt_drmem_free(&d);

	/* Truncated: every length short of the whole, and one byte too many. */
	for (size_t n = 0; n < x.n; n++)
		if (parse(1, &x, n, LMB, &d) != -EINVAL)
			UNIT_FAIL("v1 truncated to %zu bytes parsed", n);
	x.b[x.n++] = 0;
	CHECK(parse(1, &x, x.n, LMB, &d) == -EINVAL);
	x.n--;
	/* A count larger than the data. */
	x.b[3] = 4;
	CHECK(parse(1, &x, x.n, LMB, &d) == -EINVAL);
	x.b[0] = 0xff;
	CHECK(parse(1, &x, x.n, LMB, &d) == -EINVAL);
	x.b[0] = 0, x.b[3] = 3;
	/* Zero LMB size. */
	CHECK(parse(1, &x, x.n, 0, &d) == -EINVAL);
	/* An empty list is a list. */
	x.n = 0;
	put32(&x, 0);
	CHECK(parse(1, &x, x.n, LMB, &d) == 0 && d.n == 0);
	mt_drmem_free(&d);
}

static void v2_set(struct blob *x, uint32_t n, uint64_t base, uint32_t drc, uint32_t aa,
		   uint32_t flags)
{
	put32(x, n);
	put64(x, base);
	put32(x, drc);
	put32(x, aa);
	put32(x, flags);
}

static void test_v2(void)
{
	struct blob x = { 0 };
	struct mt_drmem d;

	/* QEMU's pseries: boot memory reserved without DRCs, then a DIMM of two LMBs. */
	put32(&x, 2);
	v2_set(&x, 8, 0, 0, 0xffffffff, MT_DRCONF_RESERVED | MT_DRCONF_DRC_INVALID);
	v2_set(&x, 2, 8 * LMB, 0x80000008, 1, MT_DRCONF_ASSIGNED);
	CHECK(parse(2, &x, x.n, LMB, &d) == 0);
	CHECK(d.version == 2 && d.n == 10);
	CHECK_U64(d.lmbs[7].base, 7 * LMB);
	CHECK_U64(d.lmbs[7].flags, MT_DRCONF_RESERVED | MT_DRCONF_DRC_INVALID);
	CHECK_U64(d.lmbs[9].base, 9 * LMB);
	CHECK_U64(d.lmbs[9].drc_index, 0x80000009);
	CHECK_U64(d.lmbs[9].aa_index, 1);
	CHECK_U64(d.lmbs[7].drc_index, 7); /* the kernel counts up inside a set, DRC or not */
	CHECK(mt_drmem_count_index(&d, 7) == 1);
	mt_drmem_free(&d);

	for (size_t n = 0; n < x.n; n++)
		if (parse(2, &x, n, LMB, &d) != -EINVAL)
			UNIT_FAIL("v2 truncated to %zu bytes parsed", n);
	x.b[3] = 3; /* more sets than data */
	CHECK(parse(2, &x, x.n, LMB, &d) == -EINVAL);
	x.b[3] = 2;
	CHECK(parse(2, &x, x.n, 0, &d) == -EINVAL);

	/* A set of 2^32-1 LMBs: more than any machine, refused before allocating. */
	x.n = 0;
	put32(&x, 1);
	v2_set(&x, 0xffffffff, 0, 1, 0, MT_DRCONF_ASSIGNED);
	CHECK(parse(2, &x, x.n, LMB, &d) == -EINVAL);
	/* Addresses past 64 bits. */
	x.n = 0;
	put32(&x, 1);
	v2_set(&x, 2, UINT64_MAX - LMB + 1, 1, 0, MT_DRCONF_ASSIGNED);
	CHECK(parse(2, &x, x.n, LMB, &d) == -EINVAL);
	/* DRC indexes past 32 bits. */
	x.n = 0;
	put32(&x, 1);
	v2_set(&x, 2, 0, 0xffffffff, 0, MT_DRCONF_ASSIGNED);
	CHECK(parse(2, &x, x.n, LMB, &d) == -EINVAL);
}

static void test_lmb_size(void)
{
	struct blob x = { 0 };
	uint64_t v = 0;
	uint8_t *p;

	put64(&x, LMB);
	p = exact(&x, 8);
	CHECK(mt_drmem_parse_lmb_size(p, 8, &v) == 0 && v == LMB);
	CHECK(mt_drmem_parse_lmb_size(p + 4, 4, &v) == 0 && v == LMB);
	CHECK(mt_drmem_parse_lmb_size(p, 7, &v) == -EINVAL);
	CHECK(mt_drmem_parse_lmb_size(p, 0, &v) == -EINVAL);
	free(p);
	x.n = 0;
	put64(&x, 0);
	p = exact(&x, 8);
	CHECK(mt_drmem_parse_lmb_size(p, 8, &v) == -EINVAL);
	free(p);
	x.n = 0;
	put64(&x, 3 << 20);
	p = exact(&x, 8);
	CHECK(mt_drmem_parse_lmb_size(p, 8, &v) == -EINVAL);
	free(p);
}

static void write_bin(int root, const char *rel, const struct blob *x)
{
	int fd;

	unit_put(root, rel, "");
	fd = openat(root, rel, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, x->b, x->n) == (ssize_t)x->n);
	close(fd);
}

static void test_read(void)
{
	char dir[256];
	int root = unit_tmpdir(dir, sizeof(dir));
	struct blob size = { 0 }, v1 = { 0 }, v2 = { 0 };
	struct mt_drmem d;

	CHECK(mt_drmem_read(root, &d) == -ENOENT);
	put64(&size, LMB);
	write_bin(root, "device-tree/ibm,dynamic-reconfiguration-memory/ibm,lmb-size", &size);
	CHECK(mt_drmem_read(root, &d) == -ENOENT);
	put32(&v1, 1);
	v1_lmb(&v1, 0, 0x80000000, 0, MT_DRCONF_ASSIGNED);
	write_bin(root, "device-tree/ibm,dynamic-reconfiguration-memory/ibm,dynamic-memory", &v1);
	CHECK(mt_drmem_read(root, &d) == 0 && d.version == 1 && d.n == 1);
	mt_drmem_free(&d);
	/* v2 wins when both are there (the kernel reads v2 first). */
	put32(&v2, 1);
	v2_set(&v2, 4, 0, 0x80000010, 0, MT_DRCONF_ASSIGNED);
	write_bin(root, "device-tree/ibm,dynamic-reconfiguration-memory/ibm,dynamic-memory-v2",
		  &v2);
	CHECK(mt_drmem_read(root, &d) == 0 && d.version == 2 && d.n == 4);
	CHECK(d.n == 4 && d.lmbs[3].drc_index == 0x80000013);
	mt_drmem_free(&d);
	v2.n -= 1;
	write_bin(root, "device-tree/ibm,dynamic-reconfiguration-memory/ibm,dynamic-memory-v2",
		  &v2);
	CHECK(mt_drmem_read(root, &d) == -EINVAL);
	close(root);
	unit_rmtree(dir);
}

static void test_flags_text(void)
{
	char buf[64];

	CHECK_STR(mt_drmem_flags_text(0, buf, sizeof(buf)), "none");
	CHECK_STR(
		mt_drmem_flags_text(MT_DRCONF_ASSIGNED | MT_DRCONF_HOTREMOVABLE, buf, sizeof(buf)),
		"assigned,hotremovable");
	CHECK_STR(mt_drmem_flags_text(0x1f8, buf, 12), "assigned,dr");
}

int main(void)
{
	test_v1();
	test_v2();
	test_lmb_size();
	test_read();
	test_flags_text();
	UNIT_EXIT();
}
