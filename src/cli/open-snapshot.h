/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening what a command reads, with the command's one-line error. */
#ifndef MEMTOPO_CLI_OPEN_SNAPSHOT_H
#define MEMTOPO_CLI_OPEN_SNAPSHOT_H

#include "cli/options.h"

/*
 * The sysroot and the snapshot, with the command's one-line error on
 * failure (sysfs not mounted, no memory hotplug, block_size_bytes
 * missing...). They return 0 or -errno; the message is already printed
 * (and kept in opts->err_msg when set).
 */
struct mt_sysroot;
struct mt_snapshot;
int mt_open_sysroot(const struct mt_opts *opts, struct mt_sysroot *sr);
int mt_read_snapshot(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out);
/* The same, the error line also kept in *keep (check's exit-3 answer). */
struct mt_msg;
int mt_read_snapshot_keep(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out,
			  struct mt_msg *keep);
/*
 * Files of the tree that were refused (a link out of the sysroot, a FIFO,
 * an endless file: shared/sysfs.h): one line naming the first, with how
 * many more. main() calls it once every command has run.
 */
void mt_report_refusals(void);
int mt_require_block_size(const struct mt_sysroot *sr, const struct mt_snapshot *s);

/*
 * A node named in --node that the machine does not have is a typo, not an
 * empty selection: 0, or MT_EXIT_USAGE with the message printed.
 */
struct mt_idlist;
int mt_require_nodes(const struct mt_command *cmd, const struct mt_sysroot *sr,
		     const struct mt_snapshot *s, const struct mt_idlist *nodes);

#endif
