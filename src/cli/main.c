// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memtopo: memory-block topology of a Linux machine.
 * main() finds the command word and dispatches from a table, as kmod does.
 */
#include <string.h>

#include "cli/cmd.h"
#include "cli/open-snapshot.h"

static int cmd_help(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);

static const struct mt_command commands[] = {
	{ "list", cmd_list, "memory blocks merged into ranges, like lsmem (default)",
	  cmd_list_usage },
	{ "check", cmd_check, "check blocks, node links, iomem, zones and policy",
	  cmd_check_usage },
	{ "show", cmd_show, "everything about one memory block", cmd_show_usage },
	{ "online", cmd_hotplug, "bring memory blocks online, safely", cmd_hotplug_usage },
	{ "offline", cmd_hotplug, "take memory blocks offline, safely", cmd_hotplug_usage },
	{ "monitor", cmd_monitor, "stream memory-block uevents", cmd_monitor_usage },
	{ "help", cmd_help, "help on a command", NULL },
};

static const struct mt_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void main_usage(FILE *out)
{
	fputs("Usage: memtopo [GLOBAL OPTIONS] [COMMAND] [ARGS]\n\n"
	      "Show and check the memory-block topology of this machine.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n" MT_GLOBAL_USAGE "\nSee 'memtopo help COMMAND' and memtopo(8).\n", out);
}

/* A global option (memtopo(8): before or after the command), "-vJ" included. */
static bool is_global_option(const char *a)
{
	static const char *const longs[] = { "--verbose", "--json", "--quiet", "--help",
					     "--color" };

	if (a[1] != '-')
		return a[1] && strspn(a + 1, MT_GLOBAL_SHORTOPTS) == strlen(a + 1);
	for (size_t i = 0; i < ARRAY_SIZE(longs); i++)
		if (strcmp(a, longs[i]) == 0)
			return true;
	return strncmp(a, "--color=", 8) == 0 || strncmp(a, "--sysroot=", 10) == 0;
}

static int cmd_help(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv)
{
	const struct mt_command *cmd;
	const char *name = NULL;

	/* `memtopo -v help`, `help --help`: global options are no command names. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sysroot") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			if (!is_global_option(argv[i]))
				return mt_usage_error(NULL, "help: unknown option '%s'", argv[i]);
			continue;
		}
		if (name)
			return mt_usage_error(NULL, "help: too many arguments ('%s'): one command",
					      argv[i]);
		name = argv[i];
	}
	if (!name) {
		main_usage(stdout);
		return MT_EXIT_OK;
	}
	cmd = find_command(name);
	if (!cmd)
		return mt_usage_error(NULL, "unknown command '%s'", name);
	if (cmd->usage)
		cmd->usage(stdout);
	else
		main_usage(stdout);
	return MT_EXIT_OK;
}

/*
 * The index of the command word in argv, or 0 if there is none. getopt
 * itself walks the options (abbreviations, clusters, "--opt=val") so that
 * the value of `--state online` is never taken for the `online` command;
 * the options are those of `list`, the command run when none is named.
 */
static int find_command_word(int argc, char **argv)
{
	char shortopts[64];
	int idx = 0;

	/* "+": stop at the first non-option instead of permuting argv. */
	snprintf(shortopts, sizeof(shortopts), "+:%s", cmd_list_shortopts);
	opterr = 0;
	optind = 1;
	while (getopt_long(argc, argv, shortopts, cmd_list_longopts, NULL) != -1)
		;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		idx = optind;
	optind = 0; /* a full reset for the command's own parse */
	return idx;
}

int main(int argc, char **argv)
{
	struct mt_opts opts = { .color = MT_COLOR_AUTO, .main_usage = main_usage };
	const struct mt_command *cmd;
	int word = find_command_word(argc, argv), rc;

	if (word == 0) {
		opts.implicit_command = true;
		rc = cmd_list(find_command("list"), &opts, argc, argv);
		mt_report_refusals();
		return rc;
	}
	cmd = find_command(argv[word]);
	if (!cmd)
		return mt_usage_error(NULL, "unknown command '%s'", argv[word]);
	/* The command sees argv without its own name. */
	memmove(&argv[word], &argv[word + 1], (size_t)(argc - word) * sizeof(*argv));
	argv[0] = (char *)"memtopo";
	rc = cmd->run(cmd, &opts, argc - 1, argv);
	mt_report_refusals();
	return rc;
}
