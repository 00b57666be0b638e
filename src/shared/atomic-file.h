/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replacing a file at once: write a temporary file in the same directory,
 * fsync it, rename it over the old one. A reader (node_exporter's textfile
 * collector) sees the old content or the new, never half of it; a failure
 * leaves the old file untouched.
 */
#ifndef MEMTOPO_SHARED_ATOMIC_FILE_H
#define MEMTOPO_SHARED_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

struct mt_atomic_file {
	FILE *f;       /* write here between open and commit */
	char *path;    /* the file to replace */
	char *tmppath; /* ".NAME.XXXXXX" beside it: not a *.prom a collector reads */
	mode_t mode;
};

/* Create the temporary file. 0 or -errno (the directory is missing, not writable, ...). */
int mt_atomic_open(struct mt_atomic_file *af, const char *path, mode_t mode);
/* Flush, fsync, chmod, rename over path, fsync the directory. 0 or -errno; always closes. */
int mt_atomic_commit(struct mt_atomic_file *af);
/* Drop the temporary file; the old file stays as it was. Safe after commit. */
void mt_atomic_abort(struct mt_atomic_file *af);

#endif
