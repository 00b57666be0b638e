// SPDX-License-Identifier: GPL-2.0-or-later
/* memtopo show BLOCK: everything known about one memory block. */
#include <inttypes.h>
#include <string.h>

#include "core/checks.h"
#include "cli/cmd.h"
#include "cli/open-snapshot.h"
#include "cli/render-show.h"

enum { OPT_NO_CENSUS = MT_OPT_FIRST_COMMAND_OPT };

static const struct option longopts[] = {
	{ "no-census", no_argument, NULL, OPT_NO_CENSUS },
	MT_GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

void cmd_show_usage(FILE *out)
{
	fputs("Usage: memtopo show [OPTIONS] BLOCK\n\n"
	      "Show every attribute of one memory block, its node links in both\n"
	      "directions, the iomem resources and zones inside it, and the check\n"
	      "findings that touch it, and its page census (will it go offline?).\n"
	      "BLOCK is memoryN, N or a physical address (0x...).\n\n"
	      "Options:\n"
	      "      --no-census        do not read /proc/kpageflags\n"
	      "\n" MT_GLOBAL_USAGE "\nSee memtopo-show(8).\n",
	      out);
}

/* "memory12", "12" or "0x180000000" (an address inside the block). */
static int parse_block(const char *arg, const struct mt_snapshot *s, unsigned long *id)
{
	unsigned long v;

	if (strncmp(arg, "0x", 2) == 0 || strncmp(arg, "0X", 2) == 0) {
		if (mt_parse_ulong(arg + 2, 16, &v) < 0)
			return -EINVAL;
		*id = v / s->block_size;
		return 0;
	}
	if (strncmp(arg, "memory", 6) == 0)
		arg += 6;
	return mt_parse_ulong(arg, 10, id);
}

static const char *const census_check[] = { "unmovable-pages", NULL };
static const struct mt_check_filter skip_census = { .skip = census_check };

/* Keep the findings that name block `id`. */
static void keep_block(struct mt_findings *fs, uint32_t id)
{
	size_t kept = 0;

	for (size_t i = 0; i < fs->n; i++) {
		bool names = false;

		for (size_t k = 0; k < fs->f[i].nblocks && !names; k++)
			names = fs->f[i].blocks[k] == id;
		if (names)
			fs->f[kept++] = fs->f[i];
		else
			mt_finding_clear(&fs->f[i]);
	}
	fs->n = kept;
}

static int show(const struct mt_command *self, struct mt_opts *opts, struct mt_sysroot *sr,
		struct mt_snapshot *snap, const char *arg, bool census)
{
	struct mt_show sh = { .snap = snap, .color = mt_use_color(opts) };
	unsigned long id;
	long idx;
	int r;

	if (parse_block(arg, snap, &id) < 0)
		return mt_usage_error(self, "'%s' is not a block (memoryN, N or 0xADDRESS)", arg);
	idx = mt_snapshot_find(snap, id);
	if (idx < 0) {
		mt_err("show: memory%lu: no such memory block%s", id,
		       strncmp(arg, "0x", 2) == 0 ? " at that address" : "");
		return MT_EXIT_USAGE;
	}
	sh.idx = (size_t)idx;
	mt_snapshot_settle(sr, snap);
	/* This block's census only; unmovable-pages would read every block's. */
	if (census)
		mt_snapshot_census_block(sr, snap, sh.idx);
	else
		mt_snapshot_no_census(snap);
	r = mt_checks_run(snap, &skip_census, &sh.findings);
	if (r == 0) {
		keep_block(&sh.findings, snap->blocks[idx].id);
		r = opts->json ? mt_show_print_json(&sh, stdout) : mt_show_print_text(&sh, stdout);
	}
	mt_findings_free(&sh.findings);
	if (r < 0) {
		mt_err("show: %s: %s", mt_errno_name(r), strerror(-r));
		return MT_EXIT_FAILURE;
	}
	return MT_EXIT_OK;
}

int cmd_show(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	struct mt_snapshot *snap = NULL;
	struct mt_sysroot sr;
	bool census = true;
	int c, r;

	while ((c = getopt_long(argc, argv, ":" MT_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == OPT_NO_CENSUS)
			census = false;
		else if ((r = mt_opts_handle(self, opts, c, optarg, argv)) != MT_CONTINUE)
			return r;
	}
	if (optind + 1 != argc)
		return mt_usage_error(self,
				      optind == argc ? "which block?" : "one block at a time");
	if (mt_open_sysroot(opts, &sr) < 0)
		return MT_EXIT_FAILURE;
	r = MT_EXIT_FAILURE;
	if (mt_read_snapshot(&sr, mt_checks_wants(&skip_census) | MT_WANT_KERNEL | MT_WANT_DRMEM,
			     &snap) == 0 &&
	    mt_require_block_size(&sr, snap) == 0)
		r = show(self, opts, &sr, snap, argv[optind], census);
	mt_snapshot_free(snap);
	mt_sysroot_close(&sr);
	return r;
}
