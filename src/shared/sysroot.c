// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding and opening the sysroot. Without --sysroot, sysfs and procfs are
 * looked up in the mount table with libmount: in containers and chroots they
 * are not always at /sys and /proc, and a missing sysfs deserves a clear
 * message rather than "No such file" on some attribute.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#include "shared/dynlib.h"
#include "shared/macro.h"
#include "shared/sysfs.h"
#include "shared/sysroot.h"

/* The mount point of the last mount of FSTYPE (the one that is visible). */
static char *find_mountpoint(const struct mt_libmount *m, struct libmnt_table *tb,
			     const char *fstype, const char *preferred)
{
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	char *found = NULL;

	it = m->mnt_new_iter(MNT_ITER_BACKWARD);
	if (!it)
		return NULL;
	while (m->mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = m->mnt_fs_get_target(fs);

		if (!target || !m->mnt_fs_match_fstype(fs, fstype))
			continue;
		if (strcmp(target, preferred) == 0) {
			free(found);
			found = strdup(target);
			break;
		}
		if (!found)
			found = strdup(target);
	}
	m->mnt_free_iter(it);
	return found;
}

static int open_dir(int dirfd, const char *path, unsigned how)
{
	return mt_open(dirfd, path, O_RDONLY | O_DIRECTORY, 0, how);
}

static int locate_live(struct mt_sysroot *sr)
{
	struct libmnt_table *tb = NULL;
	struct mt_libmount m;
	int r = mt_libmount_open(&m);

	if (r == 0 && !(tb = m.mnt_new_table()))
		r = -ENOMEM;
	if (r == 0)
		r = m.mnt_table_parse_mtab(tb, NULL);
	if (r == 0) {
		sr->sys_path = find_mountpoint(&m, tb, "sysfs", "/sys");
		sr->proc_path = find_mountpoint(&m, tb, "proc", "/proc");
	}
	if (tb)
		m.mnt_unref_table(tb);
	mt_libmount_close(&m);
	/* No libmount or no readable mount table (no /proc): the usual places. */
	if (r != 0) {
		sr->sys_path = strdup("/sys");
		sr->proc_path = strdup("/proc");
	}
	if (!sr->sys_path)
		return -ENOENT;
	if (!sr->proc_path)
		sr->proc_path = strdup("/proc");
	return sr->proc_path ? 0 : -ENOMEM;
}

/*
 * Filesystems whose readdir fills the buffer until the directory ends
 * (kernfs, shmem and ramfs iterate in one pass): a short getdents result
 * is the end of the directory. Not assumed elsewhere (FUSE, NFS).
 */
static bool dirs_fill(int fd)
{
	struct statfs st;

	if (fstatfs(fd, &st) < 0)
		return false;
	return st.f_type == SYSFS_MAGIC || st.f_type == TMPFS_MAGIC || st.f_type == RAMFS_MAGIC;
}

static int join(char **out, const char *a, const char *b)
{
	return asprintf(out, "%s%s", a, b) < 0 ? -ENOMEM : 0;
}

int mt_sysroot_open(struct mt_sysroot *sr, const char *sysroot)
{
	int r;

	*sr = (struct mt_sysroot){
		.root_fd = -1, .sys_fd = -1, .proc_fd = -1, .mem_fd = -1, .node_fd = -1
	};
	if (sysroot) {
		size_t len = strlen(sysroot);

		sr->root_path = strdup(sysroot);
		if (!sr->root_path)
			return -ENOMEM;
		/* "DIR/" and "DIR" give the same messages. */
		while (len > 1 && sr->root_path[len - 1] == '/')
			sr->root_path[--len] = '\0';
		if (strcmp(sr->root_path, "/") == 0)
			sr->root_path[0] = '\0';
		r = join(&sr->sys_path, sr->root_path, "/sys");
		if (r == 0)
			r = join(&sr->proc_path, sr->root_path, "/proc");
		if (r < 0)
			return r;
		/* The root itself is the user's path; everything below stays inside it. */
		mt_open_confine(false);
		sr->root_fd = open_dir(AT_FDCWD, sysroot, 0);
		if (sr->root_fd < 0)
			return sr->root_fd;
		mt_open_confine(true);
		sr->sys_fd = open_dir(sr->root_fd, "sys", 0);
	} else {
		sr->root_path = strdup("");
		if (!sr->root_path)
			return -ENOMEM;
		r = locate_live(sr);
		if (r < 0)
			return r;
		mt_open_confine(false);
		sr->root_fd = open_dir(AT_FDCWD, "/", 0);
		if (sr->root_fd < 0)
			return sr->root_fd;
		sr->sys_fd = open_dir(AT_FDCWD, sr->sys_path, 0);
	}
	if (sr->sys_fd < 0)
		return sr->sys_fd;
	if (sysroot)
		sr->proc_fd = open_dir(sr->root_fd, "proc", 0);
	else
		sr->proc_fd = open_dir(AT_FDCWD, sr->proc_path, 0);
	if (sr->proc_fd < 0)
		sr->proc_fd = -1;
	sr->mem_fd = open_dir(sr->sys_fd, MT_SYSFS_MEMORY, 0);
	if (sr->mem_fd < 0) {
		sr->mem_err = sr->mem_fd;
		sr->mem_fd = -1;
	} else {
		sr->dirs_fill = dirs_fill(sr->mem_fd);
	}
	sr->node_fd = open_dir(sr->sys_fd, MT_SYSFS_NODE, 0);
	if (sr->node_fd < 0)
		sr->node_fd = -1;
	return 0;
}

void mt_sysroot_close(struct mt_sysroot *sr)
{
	int *fds[] = { &sr->root_fd, &sr->sys_fd, &sr->proc_fd, &sr->mem_fd, &sr->node_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(sr->sys_path);
	free(sr->proc_path);
	free(sr->root_path);
	sr->sys_path = sr->proc_path = sr->root_path = NULL;
}
