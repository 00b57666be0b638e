/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Physical address resources: /proc/iomem, or /sys/firmware/memmap where
 * iomem shows zeroes (non-root readers since 4.15). Used to find blocks
 * that are only partly System RAM or share a section with persistent
 * memory (kernel.md, "Known kernel bugs" (c) and (d)).
 */
#ifndef MEMTOPO_RESOURCES_H
#define MEMTOPO_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mt_res_source {
	MT_RES_NONE = 0, /* neither iomem nor firmware memmap available */
	MT_RES_IOMEM,
	MT_RES_MEMMAP, /* fallback: no "System RAM (kmem)", no dax/namespace entries */
};

enum mt_res_kind {
	MT_RES_OTHER = 0, /* devices, "Reserved", ACPI tables, ... */
	MT_RES_RAM,       /* "System RAM", "System RAM (kmem)", "System RAM (virtio_mem)" */
	MT_RES_PMEM, /* "Persistent Memory", "(legacy)", "Soft Reserved", namespace*, dax*, pmem* */
};

struct mt_resource {
	uint64_t start, end; /* inclusive, as iomem prints them */
	unsigned depth;      /* nesting: iomem's indentation / 2; 0 for memmap */
	enum mt_res_kind kind;
	char *name;
};

struct mt_resources {
	enum mt_res_source source;
	struct mt_resource *r; /* in file order */
	size_t n;
};

/*
 * Parse /proc/iomem text ("%08llx-%08llx : name", two spaces of indent per
 * nesting level). Malformed lines (no " : ", not hex, start > end, more
 * than 64 bits) are skipped. *all_zero is set when at least one line was
 * parsed and every address is zero: the reader was not root and the caller
 * should fall back to the firmware memmap (empty text is not "all zero",
 * out->n == 0 says it). *out is overwritten; source is MT_RES_IOMEM.
 * Returns 0, or -ENOMEM with *out left empty.
 */
int mt_iomem_parse(const char *text, struct mt_resources *out, bool *all_zero);

/* Append one resource (the firmware memmap reader uses this). 0 or -ENOMEM. */
int mt_resources_add(struct mt_resources *res, uint64_t start, uint64_t end, unsigned depth,
		     const char *name);

enum mt_res_kind mt_resource_kind(const char *name);
void mt_resources_free(struct mt_resources *res);

/*
 * Bytes of [start, end] covered by resources of this kind (overlaps counted
 * once). Nesting does not matter: coverage is the union of every resource
 * of KIND at any depth, and a child of another kind does not take anything
 * away from its parent. So "Kernel code" or "reserved" inside "System RAM"
 * still counts as RAM, and "System RAM (kmem)" inside "dax0.0" inside
 * "Soft Reserved" counts as RAM (the child) and as PMEM (its parents).
 * Linear in res->n per covered run.
 */
uint64_t mt_resources_coverage(const struct mt_resources *res, enum mt_res_kind kind,
			       uint64_t start, uint64_t end);

/*
 * Where inside [start, end] the coverage by RAM begins or ends (a boundary
 * between RAM and anything else), for the sub-section check. RAM is the
 * union used by mt_resources_coverage(MT_RES_RAM): a kmem range nested in
 * PMEM is RAM here. Fills up to max boundaries in ascending order
 * (addresses of the first byte after the change, so start < b <= end: a
 * change exactly at start or after end is not inside), returns how many
 * there are in total.
 */
size_t mt_resources_ram_boundaries(const struct mt_resources *res, uint64_t start, uint64_t end,
				   uint64_t *out, size_t max);

/*
 * Read <proc>/iomem, falling back to <sys>/firmware/memmap/N/{start,end,type}
 * when iomem is absent, empty or zeroed. Either fd may be -1 (not
 * available). Never fails for a missing source: the result's source says
 * what was found, and a zeroed iomem without a memmap gives MT_RES_NONE
 * with no resources (zero addresses would make every block look holey).
 * Memmap entries with a missing or garbage file are skipped; the rest are
 * sorted by address. 0 or -ENOMEM (then *out is empty).
 */
int mt_resources_read(int proc_fd, int sys_fd, struct mt_resources *out);

#endif
