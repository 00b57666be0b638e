// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "shared/errno-name.h"

const char *mt_errno_name(int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);

	return name ? name : "EUNKNOWN";
}
