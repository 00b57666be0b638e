// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The assigned LMBs of a pseries partition (PAPR, "ibm,dynamic-memory"
 * and "-v2"; the kernel's arch/powerpc/mm/drmem.c reads the same cells).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/dlpar-lmbs.h"
#include "shared/macro.h"

#define DRCONF_MEM_ASSIGNED 0x8u
#define DT_NODE             "device-tree/ibm,dynamic-reconfiguration-memory/"
#define MAX_PROP            (16u << 20)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int push(struct mt_dlpar_lmbs *out, uint64_t start, uint64_t size)
{
	struct mt_lmb_range *nr;

	if (!size || start + size - 1 < start)
		return -EINVAL;
	nr = realloc(out->r, (out->n + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	out->r = nr;
	out->r[out->n++] = (struct mt_lmb_range){ start, start + size - 1 };
	return 0;
}

static int parse_v1(const uint8_t *p, size_t len, uint64_t lmb, struct mt_dlpar_lmbs *out)
{
	uint32_t n;
	int r = 0;

	if (len < 4 || (len - 4) / 24 < (n = be32(p)))
		return -EINVAL;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		const uint8_t *e = p + 4 + (size_t)i * 24;

		if (be32(e + 20) & DRCONF_MEM_ASSIGNED)
			r = push(out, be64(e), lmb);
	}
	return r;
}

static int parse_v2(const uint8_t *p, size_t len, uint64_t lmb, struct mt_dlpar_lmbs *out)
{
	uint32_t n;
	int r = 0;

	if (len < 4 || (len - 4) / 24 < (n = be32(p)))
		return -EINVAL;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		const uint8_t *e = p + 4 + (size_t)i * 24;
		uint64_t count = be32(e);

		/* One set: `count` consecutive LMBs with the same flags. */
		if ((be32(e + 20) & DRCONF_MEM_ASSIGNED) && count && count <= UINT64_MAX / lmb)
			r = push(out, be64(e + 4), count * lmb);
	}
	return r;
}

int mt_dlpar_lmbs_parse(const uint8_t *lmb_size, size_t lmb_size_len, const uint8_t *v1,
			size_t v1_len, const uint8_t *v2, size_t v2_len, struct mt_dlpar_lmbs *out)
{
	uint64_t lmb;
	int r = 0;

	*out = (struct mt_dlpar_lmbs){ 0 };
	if (!lmb_size || lmb_size_len != 8 || !(lmb = be64(lmb_size)))
		return (v1 || v2) ? -EINVAL : 0;
	if (v2)
		r = parse_v2(v2, v2_len, lmb, out);
	else if (v1)
		r = parse_v1(v1, v1_len, lmb, out);
	if (r < 0)
		mt_dlpar_lmbs_free(out);
	return r;
}

/* A whole property file (binary: sysfs attribute readers stop at NUL). */
static uint8_t *read_prop(int proc_fd, const char *name, size_t *len)
{
	char path[128];
	_cleanup_close_ int fd = -1;
	uint8_t *buf = NULL;
	size_t cap = 0;

	*len = 0;
	snprintf(path, sizeof(path), DT_NODE "%s", name);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (*len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			if (cap > MAX_PROP || !(nb = realloc(buf, cap)))
				break;
			buf = nb;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? buf : (free(buf), NULL);
		*len += (size_t)n;
	}
	free(buf);
	return NULL;
}

int mt_dlpar_lmbs_read(int proc_fd, struct mt_dlpar_lmbs *out)
{
	_cleanup_free_ uint8_t *size = NULL, *v1 = NULL, *v2 = NULL;
	size_t size_len = 0, v1_len = 0, v2_len = 0;
	int r;

	*out = (struct mt_dlpar_lmbs){ 0 };
	if (proc_fd < 0)
		return 0;
	size = read_prop(proc_fd, "ibm,lmb-size", &size_len);
	if (!size)
		return 0;
	v2 = read_prop(proc_fd, "ibm,dynamic-memory-v2", &v2_len);
	if (!v2)
		v1 = read_prop(proc_fd, "ibm,dynamic-memory", &v1_len);
	r = mt_dlpar_lmbs_parse(size, size_len, v1, v1_len, v2, v2_len, out);
	/* A malformed tree is no reason to fail a snapshot: no LMB is known. */
	return r == -ENOMEM ? r : 0;
}

bool mt_dlpar_lmbs_cover(const struct mt_dlpar_lmbs *l, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < l->n; i++)
		if (start >= l->r[i].start && end <= l->r[i].end)
			return true;
	return false;
}

void mt_dlpar_lmbs_free(struct mt_dlpar_lmbs *l)
{
	free(l->r);
	l->r = NULL;
	l->n = 0;
}
