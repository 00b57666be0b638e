/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a memory block came from: boot memory, an ACPI memory device (a
 * DIMM), virtio-mem, dax/kmem, a pseries DLPAR LMB, or unknown, and the
 * device that added it. The agent's policy matches on it, `list -o
 * SOURCE,DEVICE` shows it, `online --device` selects by it. The rules and
 * what each kernel exposes: doc/kernel.md, "Where memory came from".
 */
#ifndef MEMTOPO_CORE_ORIGIN_H
#define MEMTOPO_CORE_ORIGIN_H

#include <stdint.h>

#include "core/drmem.h"
#include "core/resources.h"

enum mt_source {
	MT_SRC_UNKNOWN = 0,
	MT_SRC_BOOT,
	MT_SRC_ACPI_DIMM,
	MT_SRC_VIRTIO_MEM,
	MT_SRC_KMEM,
	MT_SRC_DLPAR,
	MT_SRC_COUNT,
};

/* A block's origin: the source and its device (index into the snapshot's table, -1: none). */
struct mt_origin {
	uint8_t source; /* enum mt_source */
	int32_t device;
};

const char *mt_source_name(enum mt_source s);
/* -1 when not a source name. */
int mt_source_parse(const char *name);

/*
 * Classify the block [start, end]. lmb: its LMB in the device tree
 * (pseries, core/drmem.h; NULL when it has none). fwnode: the basename of its
 * firmware_node link (NULL when it has none). *device is set to a name
 * inside res or fwnode (NULL when there is none); it lives as long as they.
 * Pure: the inputs are what the snapshot read.
 *
 * In order: an LMB flagged assigned (DLPAR); a firmware_node (only the ACPI memory hotplug
 * driver binds memory blocks to an ACPI node); the deepest RAM resource
 * holding the block: "System RAM (virtio_mem)" (its parent names the
 * virtio device) or "System RAM (kmem)" (its parent names the dax device);
 * plain "System RAM": boot; nothing known: unknown.
 */
enum mt_source mt_origin_classify(const struct mt_resources *res, const struct mt_lmb *lmb,
				  uint64_t start, uint64_t end, const char *fwnode,
				  const char **device);

#endif
