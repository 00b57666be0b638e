// SPDX-License-Identifier: GPL-2.0-or-later
/* Parsing ibm,dynamic-memory (v1 and v2): lengths first, then the cells. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drmem.h"
#include "shared/macro.h"
#include "shared/sysfs.h"

#define DRCONF_DIR "device-tree/ibm,dynamic-reconfiguration-memory/"
#define V1_ENTRY   24 /* u64 base, u32 drc, u32 reserved, u32 aa, u32 flags */
#define V2_ENTRY   24 /* u32 count, u64 base, u32 drc, u32 aa, u32 flags */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

int mt_drmem_parse_lmb_size(const uint8_t *buf, size_t len, uint64_t *out)
{
	uint64_t v;

	if (len == 4)
		v = be32(buf);
	else if (len == 8)
		v = be64(buf);
	else
		return -EINVAL;
	if (!v || (v & (v - 1)))
		return -EINVAL;
	*out = v;
	return 0;
}

/* The header count, and the exact length it implies. */
static int check_count(const uint8_t *buf, size_t len, uint64_t lmb_size, uint32_t *count)
{
	if (!lmb_size || len < 4)
		return -EINVAL;
	*count = be32(buf);
	if ((uint64_t)*count * V1_ENTRY != len - 4)
		return -EINVAL;
	return 0;
}

int mt_drmem_parse_v1(const uint8_t *buf, size_t len, uint64_t lmb_size, struct mt_drmem *out)
{
	uint32_t count;
	int r;

	*out = (struct mt_drmem){ .version = 1, .lmb_size = lmb_size };
	if ((r = check_count(buf, len, lmb_size, &count)) < 0)
		return r;
	if (count > MT_DRMEM_MAX_LMBS)
		return -EINVAL;
	out->lmbs = calloc(count ? count : 1, sizeof(*out->lmbs));
	if (!out->lmbs)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = buf + 4 + (size_t)i * V1_ENTRY;

		out->lmbs[i] = (struct mt_lmb){ .base = be64(e),
						.drc_index = be32(e + 8),
						.aa_index = be32(e + 16),
						.flags = be32(e + 20) };
	}
	out->n = count;
	return 0;
}

int mt_drmem_parse_v2(const uint8_t *buf, size_t len, uint64_t lmb_size, struct mt_drmem *out)
{
	uint32_t sets;
	uint64_t total = 0;
	size_t k = 0;
	int r;

	*out = (struct mt_drmem){ .version = 2, .lmb_size = lmb_size };
	if ((r = check_count(buf, len, lmb_size, &sets)) < 0)
		return r;
	/* Count and bound every set before allocating: a set's count is 32 bits. */
	for (uint32_t i = 0; i < sets; i++) {
		const uint8_t *e = buf + 4 + (size_t)i * V2_ENTRY;
		uint64_t n = be32(e), base = be64(e + 4), span, last;

		total += n;
		if (total > MT_DRMEM_MAX_LMBS)
			return -EINVAL;
		/* The last LMB of the set must end inside 64 bits. */
		if (n && (__builtin_mul_overflow(n - 1, lmb_size, &span) ||
			  __builtin_add_overflow(base, span, &last) ||
			  last > UINT64_MAX - (lmb_size - 1)))
			return -EINVAL;
		if (n && (uint64_t)be32(e + 12) + (n - 1) > UINT32_MAX)
			return -EINVAL;
	}
	out->lmbs = calloc(total ? total : 1, sizeof(*out->lmbs));
	if (!out->lmbs)
		return -ENOMEM;
	for (uint32_t i = 0; i < sets; i++) {
		const uint8_t *e = buf + 4 + (size_t)i * V2_ENTRY;
		uint32_t n = be32(e);

		for (uint32_t j = 0; j < n; j++)
			out->lmbs[k++] = (struct mt_lmb){ .base = be64(e + 4) + j * lmb_size,
							  .drc_index = be32(e + 12) + j,
							  .aa_index = be32(e + 16),
							  .flags = be32(e + 20) };
	}
	out->n = k;
	return 0;
}

/*
 * A whole property, through the hardened opener (O_NONBLOCK, a regular
 * file, bounded, inside the sysroot). Binary: the length is what counts.
 */
static int read_prop(int proc_fd, const char *name, uint8_t **buf, size_t *len)
{
	char path[128];
	char *text = NULL;
	ssize_t n;

	snprintf(path, sizeof(path), DRCONF_DIR "%s", name);
	n = mt_read_file(proc_fd, path, MT_DRMEM_MAX_PROP, 0, &text);
	if (n < 0)
		return (int)n;
	*buf = (uint8_t *)text;
	*len = (size_t)n;
	return 0;
}

int mt_drmem_read(int proc_fd, struct mt_drmem *out)
{
	_cleanup_free_ uint8_t *size_buf = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t size_len = 0, len = 0;
	uint64_t lmb_size;
	bool v2 = true;
	int r;

	*out = (struct mt_drmem){ 0 };
	if (proc_fd < 0)
		return -ENOENT;
	r = read_prop(proc_fd, "ibm,lmb-size", &size_buf, &size_len);
	if (r < 0)
		return r == -ENOTDIR ? -ENOENT : r;
	if (mt_drmem_parse_lmb_size(size_buf, size_len, &lmb_size) < 0)
		return -EINVAL;
	r = read_prop(proc_fd, "ibm,dynamic-memory-v2", &buf, &len);
	if (r == -ENOENT) {
		v2 = false;
		r = read_prop(proc_fd, "ibm,dynamic-memory", &buf, &len);
	}
	if (r < 0)
		return r;
	return v2 ? mt_drmem_parse_v2(buf, len, lmb_size, out)
		  : mt_drmem_parse_v1(buf, len, lmb_size, out);
}

const struct mt_lmb *mt_drmem_find(const struct mt_drmem *d, uint64_t addr)
{
	for (size_t i = 0; d && i < d->n; i++)
		if (addr >= d->lmbs[i].base && addr - d->lmbs[i].base < d->lmb_size)
			return &d->lmbs[i];
	return NULL;
}

size_t mt_drmem_count_index(const struct mt_drmem *d, uint32_t drc_index)
{
	size_t n = 0;

	for (size_t i = 0; d && i < d->n; i++)
		n += d->lmbs[i].drc_index == drc_index;
	return n;
}

const char *mt_drmem_flags_text(uint32_t flags, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ MT_DRCONF_ASSIGNED, "assigned" },
		{ MT_DRCONF_DRC_INVALID, "drc-invalid" },
		{ MT_DRCONF_AI_INVALID, "ai-invalid" },
		{ MT_DRCONF_RESERVED, "reserved" },
		{ MT_DRCONF_HOTREMOVABLE, "hotremovable" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names) && used < size; i++)
		if (flags & names[i].bit)
			used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s",
						 used ? "," : "", names[i].name);
	if (!used)
		snprintf(buf, size, "none");
	return buf;
}

void mt_drmem_free(struct mt_drmem *d)
{
	free(d->lmbs);
	d->lmbs = NULL;
	d->n = 0;
}
