/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command shares: the parsed global options (the only mutable
 * state the program has, passed around explicitly), messages on stderr in
 * one style, and the exit codes.
 */
#ifndef MEMTOPO_CLI_H
#define MEMTOPO_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "shared/errno-name.h"
#include "shared/log.h"
#include "shared/macro.h"

enum {
	MT_EXIT_OK = 0,
	MT_EXIT_FAILURE = 1,
	MT_EXIT_USAGE = 2,
};

enum mt_color { MT_COLOR_AUTO, MT_COLOR_ALWAYS, MT_COLOR_NEVER };

struct mt_opts {
	const char *sysroot; /* NULL: the running machine */
	bool json;
	int verbose; /* -1 with --quiet */
	enum mt_color color;
	bool implicit_command;         /* no command word: `memtopo -J` is `memtopo list -J` */
	void (*main_usage)(FILE *out); /* main's usage, for -h without a command */
	/* Where the command's error line is kept for its answer (check's exit
	 * 3), or NULL: usage errors of the global options and the sysroot's. */
	struct mt_msg *err_msg;
};

struct mt_command {
	const char *name;
	int (*run)(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
	const char *summary;
	void (*usage)(FILE *out);
};

/* Global options, accepted before or after the command. */
enum { MT_OPT_SYSROOT = 0x1000, MT_OPT_COLOR, MT_OPT_FIRST_COMMAND_OPT = 0x1100 };
#define MT_GLOBAL_SHORTOPTS "JhVvq"
#define MT_GLOBAL_LONGOPTS                                                                    \
	{ "sysroot", required_argument, NULL, MT_OPT_SYSROOT },                               \
		{ "json", no_argument, NULL, 'J' }, { "help", no_argument, NULL, 'h' },       \
		{ "version", no_argument, NULL, 'V' }, { "verbose", no_argument, NULL, 'v' }, \
		{ "quiet", no_argument, NULL, 'q' },                                          \
	{                                                                                     \
		"color", optional_argument, NULL, MT_OPT_COLOR                                \
	}
#define MT_GLOBAL_USAGE                                                                      \
	"Global options:\n"                                                                  \
	"      --sysroot DIR      read DIR/sys and DIR/proc instead of the running system\n" \
	"  -J, --json             JSON output\n"                                             \
	"  -v, --verbose          more messages on stderr\n"                                 \
	"  -q, --quiet            fewer messages on stderr\n"                                \
	"      --color[=WHEN]     colour: auto (default), always or never\n"                 \
	"  -h, --help             this help\n"                                               \
	"  -V, --version          print the version\n"

/*
 * Returned by option parsers when parsing goes on, where they otherwise
 * return an exit status: neither an exit status (0-255) nor a -errno.
 */
#define MT_CONTINUE 0x100

/*
 * Handle a global option inside a command's getopt loop: MT_CONTINUE, or
 * the exit status to return at once (help, version, bad usage). Unknown
 * options ('?', ':') are reported here too.
 */
int mt_opts_handle(const struct mt_command *cmd, struct mt_opts *opts, int c, const char *arg,
		   char **argv);

/* "memtopo: ..." on stderr with -v (errors: mt_err in shared/log.h). */
void mt_verbose(const struct mt_opts *o, const char *fmt, ...) _printf_(2, 3);
/* Bad usage: one line and a pointer to help. Returns MT_EXIT_USAGE. */
int mt_usage_error(const struct mt_command *cmd, const char *fmt, ...) _printf_(2, 3);
/* The same, the line kept in *keep (when not NULL) for the command's answer. */
struct mt_msg;
int mt_usage_error_keep(struct mt_msg *keep, const struct mt_command *cmd, const char *fmt, ...)
	_printf_(3, 4);

/*
 * An option's value in seconds ("30", "0.5"): finite, above 0 (or 0 when
 * zero_ok), at most 1000000. 0, or the usage error's MT_EXIT_USAGE.
 */
int mt_parse_seconds(const struct mt_command *cmd, const char *opt, const char *arg, double *out,
		     bool zero_ok);

bool mt_use_color(const struct mt_opts *o);

#endif
