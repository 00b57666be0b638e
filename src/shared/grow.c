// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/grow.h"

int mt_grow(void *arrayp, size_t n, size_t elem_size)
{
	size_t cap = n ? n * 2 : 1;
	void *old, *nv;

	/* Full only when n is 0 or a power of two: then double. */
	if (n & (n - 1))
		return 0;
	if (n > SIZE_MAX / 2 || cap > SIZE_MAX / elem_size)
		return -ENOMEM;
	/* Through memcpy: *arrayp is a T *, not a void *. */
	memcpy(&old, arrayp, sizeof(old));
	nv = realloc(old, cap * elem_size);
	if (!nv)
		return -ENOMEM;
	memcpy(arrayp, &nv, sizeof(nv));
	return 0;
}
