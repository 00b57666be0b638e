// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Classifying a block's origin from what the kernel leaves behind: the
 * firmware_node link of acpi_memhotplug, and the resource names that
 * add_memory_driver_managed() gives driver-added memory (5.8 and later).
 */
#include <stdbool.h>
#include <string.h>

#include "core/origin.h"
#include "shared/macro.h"

static const char *const names[MT_SRC_COUNT] = {
	[MT_SRC_UNKNOWN] = "unknown",     [MT_SRC_BOOT] = "boot",
	[MT_SRC_ACPI_DIMM] = "acpi-dimm", [MT_SRC_VIRTIO_MEM] = "virtio-mem",
	[MT_SRC_KMEM] = "kmem",           [MT_SRC_DLPAR] = "dlpar",
};

const char *mt_source_name(enum mt_source s)
{
	return s < MT_SRC_COUNT ? names[s] : "unknown";
}

int mt_source_parse(const char *name)
{
	for (int i = 0; i < MT_SRC_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* The resource that holds resource i one level up (iomem lists a parent before its children). */
static const char *parent_name(const struct mt_resources *res, size_t i)
{
	for (size_t k = i; k-- > 0;)
		if (res->r[k].depth + 1 == res->r[i].depth)
			return res->r[k].start <= res->r[i].start && res->r[k].end >= res->r[i].end
				       ? res->r[k].name
				       : "";
	return "";
}

static bool named_like(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && name[n] >= '0' && name[n] <= '9';
}

enum mt_source mt_origin_classify(const struct mt_resources *res, const struct mt_lmb *lmb,
				  uint64_t start, uint64_t end, const char *fwnode,
				  const char **device)
{
	const char *pname;
	bool boot = false;

	*device = NULL;
	if (mt_lmb_assigned(lmb))
		return MT_SRC_DLPAR;
	if (fwnode && *fwnode) {
		*device = fwnode;
		return MT_SRC_ACPI_DIMM;
	}
	if (!res || res->source != MT_RES_IOMEM)
		return MT_SRC_UNKNOWN;
	/*
	 * Driver-added memory is named by its driver and sits under the
	 * driver's device resource; plain "System RAM" is boot memory (or a
	 * driver that names nothing). A block partly RAM (memory0 with its
	 * Reserved first page) is judged by the RAM it holds.
	 */
	for (size_t i = 0; i < res->n; i++) {
		const struct mt_resource *r = &res->r[i];

		if (r->kind != MT_RES_RAM || r->end < start || r->start > end)
			continue;
		if (strcmp(r->name, "System RAM (virtio_mem)") == 0) {
			pname = parent_name(res, i);
			*device = named_like(pname, "virtio") ? pname : NULL;
			return MT_SRC_VIRTIO_MEM;
		}
		if (strcmp(r->name, "System RAM (kmem)") == 0) {
			pname = parent_name(res, i);
			*device = named_like(pname, "dax") ? pname : NULL;
			return MT_SRC_KMEM;
		}
		boot |= strcmp(r->name, "System RAM") == 0;
	}
	return boot ? MT_SRC_BOOT : MT_SRC_UNKNOWN;
}
