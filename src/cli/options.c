// SPDX-License-Identifier: GPL-2.0-or-later
/* Global options, usage errors and option parsers shared by every command. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli/options.h"
#include "shared/log.h"

void mt_verbose(const struct mt_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->verbose < 1)
		return;
	va_start(ap, fmt);
	mt_verr(NULL, fmt, ap);
	va_end(ap);
}

static int usage_verror(struct mt_msg *keep, const struct mt_command *cmd, const char *fmt,
			va_list ap) _printf_(3, 0);
static int usage_verror(struct mt_msg *keep, const struct mt_command *cmd, const char *fmt,
			va_list ap)
{
	char *msg = NULL;
	int r = vasprintf(&msg, fmt, ap);

	/*
	 * Through mt_err: an argument's control bytes are shown, not sent, and
	 * check can repeat the line (keep) in its exit-3 answer.
	 */
	mt_err_keep(keep, "%s%s%s; see 'memtopo help%s%s'", cmd ? cmd->name : "", cmd ? ": " : "",
		    r < 0 ? "bad usage" : msg, cmd ? " " : "", cmd ? cmd->name : "");
	free(msg);
	return MT_EXIT_USAGE;
}

int mt_usage_error(const struct mt_command *cmd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = usage_verror(NULL, cmd, fmt, ap);
	va_end(ap);
	return r;
}

int mt_usage_error_keep(struct mt_msg *keep, const struct mt_command *cmd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = usage_verror(keep, cmd, fmt, ap);
	va_end(ap);
	return r;
}

int mt_parse_seconds(const struct mt_command *cmd, const char *opt, const char *arg, double *out,
		     bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0 || (!zero_ok && v == 0) || v > 1e6)
		return mt_usage_error(cmd, "%s: '%s' is not a number of seconds (%s to 1000000)",
				      opt, arg, zero_ok ? "0" : "more than 0");
	*out = v;
	return 0;
}

bool mt_use_color(const struct mt_opts *o)
{
	const char *no_color;

	switch (o->color) {
	case MT_COLOR_ALWAYS:
		return true;
	case MT_COLOR_NEVER:
		return false;
	case MT_COLOR_AUTO:
		break;
	}
	/* https://no-color.org: any non-empty value disables colour. */
	no_color = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

int mt_opts_handle(const struct mt_command *cmd, struct mt_opts *opts, int c, const char *arg,
		   char **argv)
{
	switch (c) {
	case MT_OPT_SYSROOT:
		opts->sysroot = arg;
		return MT_CONTINUE;
	case 'J':
		opts->json = true;
		return MT_CONTINUE;
	case 'v':
		opts->verbose = opts->verbose < 0 ? 1 : opts->verbose + 1;
		return MT_CONTINUE;
	case 'q':
		opts->verbose = -1;
		return MT_CONTINUE;
	case MT_OPT_COLOR:
		if (!arg || strcmp(arg, "always") == 0)
			opts->color = MT_COLOR_ALWAYS;
		else if (strcmp(arg, "auto") == 0)
			opts->color = MT_COLOR_AUTO;
		else if (strcmp(arg, "never") == 0)
			opts->color = MT_COLOR_NEVER;
		else
			return mt_usage_error_keep(opts->err_msg, cmd,
						   "--color: '%s' is not auto, always or never",
						   arg);
		return MT_CONTINUE;
	case 'h':
		if (cmd->usage && !opts->implicit_command)
			cmd->usage(stdout);
		else if (opts->main_usage)
			opts->main_usage(stdout);
		return MT_EXIT_OK;
	case 'V':
		printf("memtopo %s\n", MEMTOPO_VERSION);
		return MT_EXIT_OK;
	case ':':
		return mt_usage_error_keep(opts->err_msg, cmd, "option '%s' needs an argument",
					   argv[optind - 1]);
	case '?':
		if (optopt)
			return mt_usage_error_keep(opts->err_msg, cmd, "unknown option '-%c'",
						   optopt);
		return mt_usage_error_keep(opts->err_msg, cmd, "unknown option '%s'",
					   argv[optind - 1]);
	default:
		return mt_usage_error_keep(opts->err_msg, cmd, "unhandled option %d", c);
	}
}
