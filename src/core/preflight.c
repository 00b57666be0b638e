// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shared/dynlib.h"
#include "core/preflight.h"

static bool has_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
}

/* The sysfs mount's own flags (libmount), for the running system. */
static bool sysfs_mount_readonly(const char *sys_path)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	struct mt_libmount m;
	bool ro = false;

	if (mt_libmount_open(&m) < 0)
		return false; /* fstatvfs has answered already */
	tb = m.mnt_new_table();
	if (tb && m.mnt_table_parse_mtab(tb, NULL) == 0) {
		fs = m.mnt_table_find_mountpoint(tb, sys_path, MNT_ITER_BACKWARD);
		ro = fs && m.mnt_fs_get_vfs_options(fs) &&
		     m.mnt_optstr_get_option(m.mnt_fs_get_vfs_options(fs), "ro", NULL, NULL) == 0;
	}
	if (tb)
		m.mnt_unref_table(tb);
	mt_libmount_close(&m);
	return ro;
}

int mt_preflight(const struct mt_sysroot *sr, char *why, size_t size)
{
	struct statvfs st;

	if (geteuid() != 0 && !has_cap_sys_admin()) {
		snprintf(why, size,
			 "changing memory blocks needs root (CAP_SYS_ADMIN); run it with "
			 "sudo, or try --dry-run");
		return -EPERM;
	}
	/* A sysroot's own mount (a read-only bind, a container's /sys) or the live one. */
	if ((fstatvfs(sr->mem_fd, &st) == 0 && (st.f_flag & ST_RDONLY)) ||
	    (!*sr->root_path && sysfs_mount_readonly(sr->sys_path))) {
		snprintf(why, size,
			 "%s is mounted read-only (a container?): nothing can be "
			 "onlined or offlined from here",
			 sr->sys_path);
		return -EROFS;
	}
	return 0;
}
