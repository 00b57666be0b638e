// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening the sysroot and reading the snapshot, with the one-line errors. */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli/open-snapshot.h"
#include "shared/idlist.h"
#include "core/snapshot.h"

/*
 * A command's own error about a file that was refused: the refusal says
 * why (a FIFO, a link out), then what it means. true when printed.
 */
static bool refused(struct mt_msg *keep, int err, const char *suffix, const char *meaning)
{
	struct mt_refusal rf;
	size_t n, len;
	unsigned count;

	if (err != -ENXIO && err != -EFBIG && err != -EXDEV && err != -ELOOP)
		return false;
	count = mt_refusal_take(&rf);
	if (count == 0)
		return false;
	n = strlen(rf.path);
	len = strlen(suffix);
	if (n < len || strcmp(rf.path + n - len, suffix) != 0) {
		/* Not this file: keep the first refusal for the last line. */
		mt_refusal_note(-1, rf.path, rf.err, rf.why);
		return false;
	}
	mt_err_keep(keep, "%s: %s; %s", rf.path, rf.why, meaning);
	return true;
}

int mt_open_sysroot(const struct mt_opts *opts, struct mt_sysroot *sr)
{
	int r = mt_sysroot_open(sr, opts->sysroot);

	if (r == 0)
		return 0;
	if (!opts->sysroot && r == -ENOENT && !sr->sys_path)
		mt_err_keep(opts->err_msg,
			    "sysfs is not mounted (no sysfs in /proc/self/mountinfo); "
			    "mount it with 'mount -t sysfs sysfs /sys'");
	else if (opts->sysroot &&
		 refused(opts->err_msg, r, "/sys", "sysfs is missing from this sysroot"))
		;
	else if (opts->sysroot && sr->root_fd < 0)
		mt_err_keep(opts->err_msg, "--sysroot %s: %s: %s", opts->sysroot, mt_errno_name(r),
			    strerror(-r));
	else
		mt_err_keep(opts->err_msg, "%s: %s: %s; sysfs is missing from %s", sr->sys_path,
			    mt_errno_name(r), strerror(-r),
			    opts->sysroot ? "this sysroot" : "this system");
	mt_sysroot_close(sr);
	return r;
}

int mt_read_snapshot_keep(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out,
			  struct mt_msg *keep)
{
	struct mt_error e = { 0 };
	int r = mt_snapshot_read(sr, want, out, &e);

	if (r == 0)
		return 0;
	if (!e.err) {
		mt_err_keep(keep, "reading %s: %s: %s", sr->sys_path, mt_errno_name(r),
			    strerror(-r));
	} else if (strcmp(e.path, MT_SYSFS_MEMORY) == 0 && e.err == -ENOENT) {
		if (*sr->root_path)
			mt_err_keep(keep,
				    "%s/%s: ENOENT: this sysroot has no memory blocks "
				    "(no capture of /sys/devices/system/memory in it)",
				    sr->sys_path, e.path);
		else
			mt_err_keep(keep,
				    "%s/%s: ENOENT: this kernel has no memory hotplug "
				    "(CONFIG_MEMORY_HOTPLUG): there are no memory blocks",
				    sr->sys_path, e.path);
	} else if (!refused(keep, e.err, e.path, "the memory blocks cannot be read")) {
		mt_err_keep(keep, "%s/%s: %s: %s", sr->sys_path, e.path, mt_errno_name(e.err),
			    strerror(-e.err));
	}
	return r;
}

int mt_read_snapshot(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out)
{
	return mt_read_snapshot_keep(sr, want, out, NULL);
}

void mt_report_refusals(void)
{
	struct mt_refusal rf;
	unsigned n = mt_refusal_take(&rf);

	if (n == 0)
		return;
	if (n == 1)
		mt_err("%s: %s", rf.path, rf.why);
	else
		mt_err("%s: %s (and %u more files refused)", rf.path, rf.why, n - 1);
}

int mt_require_block_size(const struct mt_sysroot *sr, const struct mt_snapshot *s)
{
	if (!s->block_size_err)
		return 0;
	if (refused(NULL, s->block_size_err, "/block_size_bytes",
		    "without it no address or size can be computed"))
		return s->block_size_err;
	if (s->block_size_err == -ERANGE)
		mt_err("%s/%s/block_size_bytes: ERANGE: outside what a kernel has (4 KiB to 64 "
		       "GiB); "
		       "the kernel or the capture is broken, sizes cannot be computed",
		       sr->sys_path, MT_SYSFS_MEMORY);
	else if (s->block_size_err == -EOVERFLOW)
		mt_err("%s/%s/memory%" PRIu32 ": EOVERFLOW: its addresses pass 2^64 with this "
		       "block_size_bytes; the capture is broken, sizes cannot be computed",
		       sr->sys_path, MT_SYSFS_MEMORY, s->overflow_block);
	else if (s->block_size_err == -EINVAL)
		mt_err("%s/%s/block_size_bytes: EINVAL: not a power-of-two hex size; "
		       "the kernel or the capture is broken, sizes cannot be computed",
		       sr->sys_path, MT_SYSFS_MEMORY);
	else
		mt_err("%s/%s/block_size_bytes: %s: %s; without it no address or size can be "
		       "computed",
		       sr->sys_path, MT_SYSFS_MEMORY, mt_errno_name(s->block_size_err),
		       strerror(-s->block_size_err));
	return s->block_size_err;
}

static bool node_exists(const struct mt_sysroot *sr, const struct mt_snapshot *s, unsigned long id)
{
	char name[32];

	snprintf(name, sizeof(name), "node%lu", id);
	if (sr->node_fd >= 0 && faccessat(sr->node_fd, name, F_OK, 0) == 0)
		return true;
	for (size_t b = 0; b < s->nblocks; b++) {
		const int *bn = mt_block_nodes(s, &s->blocks[b]);

		for (unsigned k = 0; k < s->blocks[b].nnodes; k++)
			if ((unsigned long)bn[k] == id)
				return true;
	}
	return false;
}

int mt_require_nodes(const struct mt_command *cmd, const struct mt_sysroot *sr,
		     const struct mt_snapshot *s, const struct mt_idlist *nodes)
{
	for (size_t i = 0; i < nodes->n; i++) {
		/* MAX_NUMNODES is at most 1 << 10; this also bounds the loop below. */
		if (nodes->r[i].hi > 65535)
			return mt_usage_error(cmd, "--node: this machine has no node %lu",
					      nodes->r[i].hi);
		for (unsigned long id = nodes->r[i].lo; id <= nodes->r[i].hi; id++)
			if (!node_exists(sr, s, id))
				return mt_usage_error(cmd, "--node: this machine has no node %lu",
						      id);
	}
	return 0;
}
