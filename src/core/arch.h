/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an architecture's kernel refuses whatever a block's pages hold. On
 * arm64 a memory notifier vetoes the offline of every section present at
 * boot (kernel.md, "By architecture"): the census may find only free pages
 * there, and the write still fails with EPERM. memtopo must know that
 * before it writes.
 */
#ifndef MEMTOPO_ARCH_H
#define MEMTOPO_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/resources.h"

enum mt_arch {
	MT_ARCH_UNKNOWN = 0,
	MT_ARCH_X86_64,
	MT_ARCH_ARM64,
	MT_ARCH_PPC64,
	MT_ARCH_S390,
};

/* uname -m (or the snapshot's guess from osrelease): aarch64, ppc64le, ... */
enum mt_arch mt_arch_parse(const char *machine);

/* Why the kernel refuses to offline a block, decided before any write. */
enum mt_offline_veto {
	MT_VETO_NONE = 0,
	MT_VETO_ARM64_BOOT, /* arm64 boot memory: early sections are never offlined */
	MT_VETO_ARM64_OLD,  /* arm64 before 5.7: no memory hot-remove at all */
};

/* The reason for people (the plan's skip reason, show, list -J); NULL for NONE. */
const char *mt_veto_reason(enum mt_offline_veto v);

/*
 * Is [start, end] (inclusive) boot memory on arm64? Only memory that was
 * hot-added may go offline, and the one sure sign of hot-added memory is a
 * driver-managed resource: "System RAM (kmem)", "System RAM (virtio_mem)"
 * (add_memory_driver_managed(); boot memory is plain "System RAM"). A block
 * is boot memory unless every byte of RAM in it is such a resource. Without
 * a resource map, or where plain "System RAM" covers part of it, it is
 * boot memory: a wrong "boot" costs a skipped block, a wrong "hot-added" a
 * write the kernel refuses.
 */
bool mt_arm64_boot_memory(const struct mt_resources *res, uint64_t start, uint64_t end);

/*
 * The veto for one online block of this machine. machine and osrelease
 * may be NULL (unknown: no veto); res may be NULL (no resource map).
 */
enum mt_offline_veto mt_arch_offline_veto(const char *machine, const char *osrelease,
					  const struct mt_resources *res, uint64_t start,
					  uint64_t end);

#endif
