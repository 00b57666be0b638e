/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's configuration (doc/cli.md, "agent"): ini files in the style
 * of daxctl's, parsed by inih. `--config FILE` alone, else
 * /etc/memtopo/agent.conf, then /usr/lib/memtopo/agent.conf.d/NAME.conf and
 * /etc/memtopo/agent.conf.d/NAME.conf in name order; a later setting wins,
 * and a [match NAME] section named again is amended, keeping its place.
 * An unknown section or key, or a bad value, is an error naming the file,
 * the line and the key.
 */
#ifndef MEMTOPO_CORE_AGENT_CONFIG_H
#define MEMTOPO_CORE_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/idlist.h"

enum mt_agent_zone {
	MT_AZ_UNSET = 0, /* a [match] without zone: the [policy] one */
	MT_AZ_MOVABLE,
	MT_AZ_KERNEL,
	MT_AZ_AUTO, /* the kernel's choice: "online" */
	MT_AZ_AUTO_MOVABLE,
	MT_AZ_IGNORE,
};

/* [policy] (name "policy") or one [match NAME]. */
struct mt_agent_rule {
	char name[64];
	enum mt_agent_zone zone;
	int ratio;        /* percent; -1 unset (match: the policy's) */
	int numa_aware;   /* 0 / 1; -1 unset */
	unsigned sources; /* match: 1 << enum mt_source; 0: any */
	bool node_set;
	struct mt_idlist nodes;
	bool size_set;
	uint64_t size_min, size_max; /* match: bytes of the hot-add (its device), inclusive */
};

struct mt_agent_config {
	bool takeover;
	double timeout;   /* per write, seconds */
	unsigned retries; /* EBUSY retries per block */
	struct mt_agent_rule policy;
	struct mt_agent_rule *match; /* in the order their sections first appeared */
	size_t nmatch;
	char **files; /* read, in order, relative to the sysroot */
	size_t nfiles;
};

/* Where a configuration went wrong: the one line the command prints. */
struct mt_config_error {
	char file[256];
	unsigned line; /* 0: the file itself (unreadable) */
	char key[80];  /* "[policy] zone", or "" */
	char msg[200];
};

#define MT_AGENT_CONF          "etc/memtopo/agent.conf"
#define MT_AGENT_CONF_D_USR    "usr/lib/memtopo/agent.conf.d"
#define MT_AGENT_CONF_D_ETC    "etc/memtopo/agent.conf.d"
#define MT_AGENT_DEFAULT_RATIO 301

void mt_agent_config_init(struct mt_agent_config *c);
void mt_agent_config_free(struct mt_agent_config *c);

/*
 * Parse one file's text into c (later settings win). 0, -EINVAL with err
 * filled (err->file is set from `file`), or -ENOMEM.
 */
int mt_agent_config_parse(struct mt_agent_config *c, const char *file, const char *text,
			  struct mt_config_error *err);

/*
 * Load the configuration under root_fd: `only` (an absolute or relative
 * path, read as given) alone, or the default files (absent ones are
 * skipped; none at all gives the defaults). 0, -EINVAL (err filled:
 * a bad setting, or `only` unreadable), -ENOMEM.
 */
int mt_agent_config_load(int root_fd, const char *only, struct mt_agent_config *c,
			 struct mt_config_error *err);

/* The rule's settings with the policy's filled in where it has none. */
struct mt_agent_rule mt_agent_rule_effective(const struct mt_agent_config *c,
					     const struct mt_agent_rule *r);

const char *mt_agent_zone_name(enum mt_agent_zone z);

#endif
