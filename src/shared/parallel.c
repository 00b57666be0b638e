// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "shared/parallel.h"

/* More threads than this gains nothing: the kernel's dentry and inode
 * caches, not the CPUs, become the limit. */
#define MAX_THREADS 4

struct slice {
	pthread_t thread;
	size_t lo, hi;
	int (*fn)(size_t lo, size_t hi, void *ctx);
	void *ctx;
	int result;
};

static void *run_slice(void *arg)
{
	struct slice *s = arg;

	s->result = s->fn(s->lo, s->hi, s->ctx);
	return NULL;
}

/* CPUs in our affinity mask (taskset, cgroup cpusets), not all online ones. */
static size_t usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return (size_t)CPU_COUNT(&set);
}

int mt_parallel_for(size_t n, size_t min_per_thread, int (*fn)(size_t lo, size_t hi, void *ctx),
		    void *ctx)
{
	struct slice slices[MAX_THREADS];
	size_t nthreads = usable_cpus();
	size_t started = 1;
	int r = 0;

	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if (min_per_thread && nthreads > n / min_per_thread)
		nthreads = n / min_per_thread;
	if (nthreads <= 1)
		return fn(0, n, ctx);
	for (size_t i = 0; i < nthreads; i++)
		slices[i] = (struct slice){
			.lo = n * i / nthreads, .hi = n * (i + 1) / nthreads, .fn = fn, .ctx = ctx
		};
	/* Slice 0 runs here; a thread that cannot start is run here too. */
	for (size_t i = 1; i < nthreads; i++, started++)
		if (pthread_create(&slices[i].thread, NULL, run_slice, &slices[i]) != 0)
			break;
	for (size_t i = started; i < nthreads; i++)
		run_slice(&slices[i]);
	run_slice(&slices[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(slices[i].thread, NULL);
	for (size_t i = 0; i < nthreads && r == 0; i++)
		if (slices[i].result < 0)
			r = slices[i].result;
	return r;
}
