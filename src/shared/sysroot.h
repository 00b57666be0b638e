/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sysroot: the running machine or a capture of one, as directory fds
 * (sysroot.c). Every file memtopo touches is opened relative to one of them.
 */
#ifndef MEMTOPO_SHARED_SYSROOT_H
#define MEMTOPO_SHARED_SYSROOT_H

#include <stdbool.h>

struct mt_sysroot {
	int root_fd;     /* the sysroot ("/" unless --sysroot) */
	int sys_fd;      /* where sysfs is mounted (or <sysroot>/sys), -1 if absent */
	int proc_fd;     /* <sysroot>/proc or the procfs mount, -1 if absent */
	int mem_fd;      /* sys/devices/system/memory, -1 if absent */
	int node_fd;     /* sys/devices/system/node, -1 if absent */
	int mem_err;     /* why mem_fd is -1 (negative errno) */
	bool dirs_fill;  /* memory/ is on sysfs, tmpfs or ramfs: see MT_DIR_SHORT_IS_EOF */
	char *sys_path;  /* for messages: "/sys" or "DIR/sys" */
	char *proc_path; /* for messages: "/proc" or "DIR/proc" */
	char *root_path; /* for messages: "" or "DIR" */
};

/*
 * Open the sysroot. Without a sysroot (NULL), sysfs and procfs are found
 * through libmount, since in containers and chroots they are not always at
 * /sys and /proc. Returns 0, or -ENOENT when sysfs is absent, -errno else.
 * A missing memory or node directory is not an error here: mem_fd/node_fd
 * stay -1 and the caller decides what that means.
 */
int mt_sysroot_open(struct mt_sysroot *sr, const char *sysroot);
void mt_sysroot_close(struct mt_sysroot *sr);

#endif
