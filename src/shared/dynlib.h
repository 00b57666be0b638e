/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libmount and libudev, loaded where they are used. Only finding the live
 * sysfs, the preflight of online/offline and monitor need them, and every
 * library loaded at startup costs memory and time on every run: libmount
 * alone brings libblkid, libselinux and libpcre2 (together ~0.5 MiB of
 * RSS, more than list of 16,384 blocks needs for the blocks themselves).
 * Each function is called through a table filled by dlsym.
 */
#ifndef MEMTOPO_DYNLIB_H
#define MEMTOPO_DYNLIB_H

#include <libmount.h>
#include <libudev.h>
#include <systemd/sd-daemon.h>

#define MT_LIBMOUNT_SYMBOLS(X)       \
	X(mnt_new_table)             \
	X(mnt_unref_table)           \
	X(mnt_table_parse_mtab)      \
	X(mnt_new_iter)              \
	X(mnt_free_iter)             \
	X(mnt_table_next_fs)         \
	X(mnt_table_find_mountpoint) \
	X(mnt_fs_get_target)         \
	X(mnt_fs_match_fstype)       \
	X(mnt_fs_get_vfs_options)    \
	X(mnt_optstr_get_option)

#define MT_LIBUDEV_SYMBOLS(X)                              \
	X(udev_new)                                        \
	X(udev_unref)                                      \
	X(udev_monitor_new_from_netlink)                   \
	X(udev_monitor_filter_add_match_subsystem_devtype) \
	X(udev_monitor_enable_receiving)                   \
	X(udev_monitor_get_fd)                             \
	X(udev_monitor_receive_device)                     \
	X(udev_monitor_unref)                              \
	X(udev_device_get_sysname)                         \
	X(udev_device_get_syspath)                         \
	X(udev_device_get_action)                          \
	X(udev_device_get_seqnum)                          \
	X(udev_device_unref)

#define MT_DYNLIB_POINTER(name) __typeof__(name) *name;

struct mt_libmount {
	void *handle;
	MT_LIBMOUNT_SYMBOLS(MT_DYNLIB_POINTER)
};

struct mt_libudev {
	void *handle;
	MT_LIBUDEV_SYMBOLS(MT_DYNLIB_POINTER)
};

/*
 * libsystemd, for the agent's sd_notify() alone, and only under systemd
 * ($NOTIFY_SOCKET set): linked, it and its compression and crypto
 * libraries would load into every command, and stay mapped in an agent
 * that must stay small while memory is short.
 */
#define MT_LIBSYSTEMD_SYMBOLS(X) X(sd_notify)

struct mt_libsystemd {
	void *handle;
	MT_LIBSYSTEMD_SYMBOLS(MT_DYNLIB_POINTER)
};

/* 0, or -ENOENT (not installed) / -ENOSYS (a symbol missing): see dlerror(). */
int mt_libmount_open(struct mt_libmount *m);
void mt_libmount_close(struct mt_libmount *m);
int mt_libudev_open(struct mt_libudev *u);
void mt_libudev_close(struct mt_libudev *u);
int mt_libsystemd_open(struct mt_libsystemd *s);
void mt_libsystemd_close(struct mt_libsystemd *s);

#endif
