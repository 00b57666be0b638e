// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the resource map: /proc/iomem first, since only it names kmem,
 * dax and namespace ranges; /sys/firmware/memmap when iomem is unusable.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "shared/macro.h"
#include "core/resources.h"
#include "shared/sysfs.h"

/*
 * One line per resource, about 60 bytes: even a machine with tens of
 * thousands of ranges (each PCI BAR, each DIMM) stays near 2 MiB. 16 MiB is
 * room enough; past it the file is not an iomem (a link to /dev/zero).
 */
#define MT_IOMEM_MAX ((size_t)16 << 20)

/* 1 when iomem gave real addresses, 0 when it is absent or zeroed, -ENOMEM. */
static int read_iomem(int proc_fd, struct mt_resources *out)
{
	_cleanup_free_ char *text = NULL;
	ssize_t len;
	bool zero;
	int r;

	len = mt_read_file(proc_fd, "iomem", MT_IOMEM_MAX, 0, &text);
	if (len == -ENOMEM)
		return -ENOMEM;
	if (len < 0)
		return 0;
	r = mt_iomem_parse(text, out, &zero);
	if (r < 0)
		return r;
	/* Since 4.15 non-root readers see zeroes: useless as addresses. */
	if (out->n == 0 || zero) {
		mt_resources_free(out);
		return 0;
	}
	return 1;
}

/* firmware_map prints "0x%llx"; be strict, a garbage value skips the entry. */
static bool parse_memmap_addr(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!isxdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static int read_memmap_entry(int dirfd, const char *name, struct mt_resources *out)
{
	char path[64], start[64], end[64], type[128];
	uint64_t s, e;

	snprintf(path, sizeof(path), "%s/start", name);
	if (mt_read_attr(dirfd, path, start, sizeof(start)) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/end", name);
	if (mt_read_attr(dirfd, path, end, sizeof(end)) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/type", name);
	if (mt_read_attr(dirfd, path, type, sizeof(type)) < 0)
		return 0;
	if (!parse_memmap_addr(start, &s) || !parse_memmap_addr(end, &e) || s > e)
		return 0;
	return mt_resources_add(out, s, e, 0, type);
}

static int cmp_resource(const void *a, const void *b)
{
	const struct mt_resource *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

static int read_memmap(int sys_fd, struct mt_resources *out)
{
	struct mt_dir d;
	const char *name;
	unsigned long idx;
	int r;

	*out = (struct mt_resources){ .source = MT_RES_MEMMAP };
	if (mt_dir_open(&d, sys_fd, "firmware/memmap", 0) < 0) {
		out->source = MT_RES_NONE;
		return 0;
	}
	while (mt_dir_next(&d, &name, NULL) > 0) {
		if (!mt_parse_indexed_name(name, "", &idx))
			continue;
		r = read_memmap_entry(d.fd, name, out);
		if (r < 0) {
			mt_dir_close(&d);
			mt_resources_free(out);
			return r;
		}
	}
	mt_dir_close(&d);
	if (out->n == 0) {
		mt_resources_free(out);
		return 0;
	}
	/* getdents order is arbitrary; the firmware lists its map by address. */
	qsort(out->r, out->n, sizeof(*out->r), cmp_resource);
	return 0;
}

int mt_resources_read(int proc_fd, int sys_fd, struct mt_resources *out)
{
	int r = 0;

	*out = (struct mt_resources){ 0 };
	if (proc_fd >= 0)
		r = read_iomem(proc_fd, out);
	if (r != 0)
		return r < 0 ? r : 0;
	if (sys_fd >= 0)
		return read_memmap(sys_fd, out);
	return 0;
}
