/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands main() dispatches to (cmd-*.c). */
#ifndef MEMTOPO_CLI_CMD_H
#define MEMTOPO_CLI_CMD_H

#include "cli/options.h"

int cmd_list(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
void cmd_list_usage(FILE *out);
int cmd_check(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
void cmd_check_usage(FILE *out);

int cmd_show(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
void cmd_show_usage(FILE *out);

/* online and offline: one command, self->name says which. */
int cmd_hotplug(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
void cmd_hotplug_usage(FILE *out);

int cmd_monitor(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
void cmd_monitor_usage(FILE *out);

int cmd_agent(const struct mt_command *self, struct mt_opts *opts, int argc, char **argv);
void cmd_agent_usage(FILE *out);

/* Options of `list` that take an argument: main() must skip their values
 * when it looks for the command word in `memtopo --state online`. */
extern const struct option cmd_list_longopts[];
extern const char cmd_list_shortopts[];

#endif
