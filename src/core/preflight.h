/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What must hold before online/offline writes anything. */
#ifndef MEMTOPO_PREFLIGHT_H
#define MEMTOPO_PREFLIGHT_H

#include <stddef.h>

#include "shared/sysfs.h"
#include "shared/sysroot.h"

/*
 * Root (or CAP_SYS_ADMIN, which the kernel's device_online checks) and a
 * writable sysfs (containers mount it read-only: EROFS at open). 0, or
 * -EPERM / -EROFS with `why` set to one line saying what to do.
 */
int mt_preflight(const struct mt_sysroot *sr, char *why, size_t size);

#endif
