// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The columns of `memtopo list`: parsed by cmd-list.c, shown by the
 * renderers. What a column costs to read is said here, once (MT_WANT_*).
 */
#include <libsmartcols.h>

#include "core/ranges.h"
#include "core/snapshot.h"
#include "cli/list-columns.h"

const struct mt_list_column mt_list_columns[MT_LIST_NCOLS] = {
	[COL_RANGE] = { "RANGE", "start and end address of the memory range", 0, 0, 0, 0 },
	[COL_SIZE] = { "SIZE", "size of the memory range", 5, SCOLS_FL_RIGHT, 0, 0 },
	[COL_STATE] = { "STATE", "online status of the memory range", 0, SCOLS_FL_RIGHT,
			MT_SPLIT_STATE, MT_WANT_STATE },
	[COL_BLOCK] = { "BLOCK", "memory block number or blocks range", 0, SCOLS_FL_RIGHT, 0, 0 },
	[COL_NODE] = { "NODE", "NUMA node(s) of the memory", 0, SCOLS_FL_RIGHT, MT_SPLIT_NODE,
		       MT_WANT_NODES },
	[COL_ZONES] = { "ZONES", "valid zones for the memory range", 0, SCOLS_FL_RIGHT,
			MT_SPLIT_ZONES, MT_WANT_ZONES },
	/* removable is read for online blocks only: it needs the state. */
	[COL_REMOVABLE] = { "REMOVABLE", "memory is removable (read only when asked)", 0,
			    SCOLS_FL_RIGHT, MT_SPLIT_REMOVABLE, MT_WANT_REMOVABLE | MT_WANT_STATE },
	[COL_FLAGS] = { "FLAGS", "ids of check findings touching the range (runs the checks)", 0, 0,
			MT_SPLIT_FLAGS, MT_WANT_CHECK },
	[COL_START] = { "START", "first address of the range", 0, SCOLS_FL_RIGHT, 0, 0 },
	[COL_END] = { "END", "last address of the range", 0, SCOLS_FL_RIGHT, 0, 0 },
	[COL_BLOCKS] = { "BLOCKS", "number of memory blocks in the range", 0, SCOLS_FL_RIGHT, 0,
			 0 },
	[COL_OFFLINE] = { "OFFLINE", "will it offline? likely, unlikely, unknown (page census)", 0,
			  SCOLS_FL_RIGHT, MT_SPLIT_VERDICT,
			  MT_WANT_CENSUS | MT_WANT_KERNEL | MT_WANT_RESOURCES },
	/* firmware_node of every block and iomem: only when asked. */
	[COL_SOURCE] = { "SOURCE",
			 "where the memory came from: boot, acpi-dimm, virtio-mem, kmem, "
			 "dlpar, unknown",
			 0, 0, MT_SPLIT_ORIGIN, MT_WANT_ORIGIN },
	[COL_DEVICE] = { "DEVICE", "the device that added it (ACPI memory device, virtioN, daxX.Y)",
			 0, 0, MT_SPLIT_ORIGIN, MT_WANT_ORIGIN },
	[COL_DRC] = { "DRC", "pseries: DRC index of the LMBs (device tree)", 0, SCOLS_FL_RIGHT,
		      MT_SPLIT_DRC, MT_WANT_DRMEM },
};
