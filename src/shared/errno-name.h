/* SPDX-License-Identifier: GPL-2.0-or-later */
/* errno values by their names, as messages and JSON spell them. */
#ifndef MEMTOPO_SHARED_ERRNO_NAME_H
#define MEMTOPO_SHARED_ERRNO_NAME_H

/* "EBUSY" for EBUSY or -EBUSY; "EUNKNOWN" for a value glibc cannot name. */
const char *mt_errno_name(int err);

#endif
