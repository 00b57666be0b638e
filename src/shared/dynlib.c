// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "shared/dynlib.h"

/* The sonames Debian and every other distribution ship: an ABI, not a guess. */
#define LIBMOUNT_SONAME   "libmount.so.1"
#define LIBUDEV_SONAME    "libudev.so.1"
#define LIBSYSTEMD_SONAME "libsystemd.so.0"

static int open_lib(void **handle, const char *soname)
{
	*handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	return *handle ? 0 : -ENOENT;
}

#define MT_DYNLIB_RESOLVE(name)                                              \
	if (!(lib->name = (__typeof__(lib->name))dlsym(lib->handle, #name))) \
		goto missing;

int mt_libmount_open(struct mt_libmount *lib)
{
	memset(lib, 0, sizeof(*lib));
	if (open_lib(&lib->handle, LIBMOUNT_SONAME) < 0)
		return -ENOENT;
	MT_LIBMOUNT_SYMBOLS(MT_DYNLIB_RESOLVE)
	return 0;
missing:
	mt_libmount_close(lib);
	return -ENOSYS;
}

void mt_libmount_close(struct mt_libmount *lib)
{
	if (lib->handle)
		dlclose(lib->handle);
	memset(lib, 0, sizeof(*lib));
}

int mt_libudev_open(struct mt_libudev *lib)
{
	memset(lib, 0, sizeof(*lib));
	if (open_lib(&lib->handle, LIBUDEV_SONAME) < 0)
		return -ENOENT;
	MT_LIBUDEV_SYMBOLS(MT_DYNLIB_RESOLVE)
	return 0;
missing:
	mt_libudev_close(lib);
	return -ENOSYS;
}

void mt_libudev_close(struct mt_libudev *lib)
{
	if (lib->handle)
		dlclose(lib->handle);
	memset(lib, 0, sizeof(*lib));
}

int mt_libsystemd_open(struct mt_libsystemd *lib)
{
	memset(lib, 0, sizeof(*lib));
	if (open_lib(&lib->handle, LIBSYSTEMD_SONAME) < 0)
		return -ENOENT;
	MT_LIBSYSTEMD_SYMBOLS(MT_DYNLIB_RESOLVE)
	return 0;
missing:
	mt_libsystemd_close(lib);
	return -ENOSYS;
}

void mt_libsystemd_close(struct mt_libsystemd *lib)
{
	if (lib->handle)
		dlclose(lib->handle);
	memset(lib, 0, sizeof(*lib));
}
