// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where every block came from (MT_WANT_ORIGIN): one readlink of its
 * firmware_node per block (ENOENT for all but ACPI DIMM memory), the
 * iomem and the pseries device tree's LMBs (MT_WANT_DRMEM) the snapshot
 * read. Only on request: list's default columns never pay for it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shared/macro.h"
#include "snapshot-internal.h"

/* The index of name in the device table, added if new; -ENOMEM. */
static int device_index(struct mt_snapshot *s, const char *name)
{
	char **nd;

	/* Few devices (a DIMM or a virtio-mem device covers many blocks): a linear look. */
	for (size_t i = s->ndevices; i-- > 0;)
		if (strcmp(s->devices[i], name) == 0)
			return (int)i;
	nd = realloc(s->devices, (s->ndevices + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	s->devices = nd;
	if (!(nd[s->ndevices] = strdup(name)))
		return -ENOMEM;
	return (int)s->ndevices++;
}

/* The basename of memoryN/firmware_node's target, or "" when it has none. */
static void read_fwnode(int mem_fd, uint32_t id, char *out, size_t size)
{
	char path[64], target[512];
	ssize_t n;
	const char *base;

	out[0] = '\0';
	snprintf(path, sizeof(path), "memory%" PRIu32 "/firmware_node", id);
	n = readlinkat(mem_fd, path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < size)
		memcpy(out, base, strlen(base) + 1);
}

int mt_snapshot_read_origin(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	int r = 0;

	s->origin = calloc(s->nblocks ? s->nblocks : 1, sizeof(*s->origin));
	if (!s->origin)
		return -ENOMEM;
	for (size_t i = 0; i < s->nblocks && r >= 0; i++) {
		uint64_t start = (uint64_t)s->blocks[i].id * s->block_size;
		char fw[128];
		const char *device;

		if (sr->mem_fd >= 0)
			read_fwnode(sr->mem_fd, s->blocks[i].id, fw, sizeof(fw));
		else
			fw[0] = '\0';
		s->origin[i].source =
			(uint8_t)mt_origin_classify(&s->resources, mt_block_lmb(s, i), start,
						    start + s->block_size - 1, fw, &device);
		s->origin[i].device = -1;
		if (device && (r = device_index(s, device)) >= 0)
			s->origin[i].device = r;
	}
	return r < 0 ? r : 0;
}

void mt_snapshot_free_origin(struct mt_snapshot *s)
{
	for (size_t i = 0; i < s->ndevices; i++)
		free(s->devices[i]);
	free(s->devices);
	free(s->origin);
}
