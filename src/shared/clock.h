/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MEMTOPO_CLOCK_H
#define MEMTOPO_CLOCK_H

#include <time.h>

/* Milliseconds on the monotonic clock: deadlines, elapsed times, backoff. */
static inline long mt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
