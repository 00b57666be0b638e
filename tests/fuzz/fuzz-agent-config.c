// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's configuration (core/agent-config, inih underneath): one
 * file's text, parsed alone and then as a drop-in over itself (a later
 * file amends the [match] sections of an earlier one). Either it parses
 * into a configuration whose every value is within the documented ranges,
 * or it fails with the one error the command prints: a line of the file,
 * a message, nothing else.
 */
#include <errno.h>

#include "core/agent-config.h"

#include "fuzz.h"

static unsigned count_lines(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void check_rule(const struct mt_agent_rule *r, bool is_match)
{
	FUZZ_ASSERT(memchr(r->name, '\0', sizeof(r->name)) != NULL, "rule name unterminated");
	FUZZ_ASSERT(r->zone >= MT_AZ_UNSET && r->zone <= MT_AZ_IGNORE, "zone %d", (int)r->zone);
	FUZZ_ASSERT(r->ratio >= -1 && r->ratio <= 100000, "ratio %d", r->ratio);
	FUZZ_ASSERT(r->numa_aware >= -1 && r->numa_aware <= 1, "numa-aware %d", r->numa_aware);
	FUZZ_ASSERT(!r->size_set || r->size_min <= r->size_max, "size %llu-%llu",
		    (unsigned long long)r->size_min, (unsigned long long)r->size_max);
	FUZZ_ASSERT(!r->node_set || r->nodes.n > 0, "node set without nodes");
	FUZZ_ASSERT(is_match || (!r->node_set && !r->size_set && !r->sources),
		    "[policy] with a match key");
}

static void check_parse(struct mt_agent_config *c, const char *text, int r,
			const struct mt_config_error *err)
{
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM, "returned %d", r);
	if (r == -EINVAL) {
		FUZZ_ASSERT(strcmp(err->file, "fuzz.conf") == 0, "error names '%s'", err->file);
		FUZZ_ASSERT(err->msg[0], "an error without a message");
		FUZZ_ASSERT(err->line >= 1 && err->line <= count_lines(text),
			    "error on line %u of %u", err->line, count_lines(text));
		return;
	}
	if (r)
		return;
	check_rule(&c->policy, false);
	FUZZ_ASSERT(c->policy.zone != MT_AZ_UNSET, "the policy has no zone");
	for (size_t i = 0; i < c->nmatch; i++) {
		struct mt_agent_rule eff = mt_agent_rule_effective(c, &c->match[i]);

		check_rule(&c->match[i], true);
		FUZZ_ASSERT(c->match[i].name[0], "[match] without a name");
		FUZZ_ASSERT(eff.zone != MT_AZ_UNSET && eff.ratio >= 0 && eff.numa_aware >= 0,
			    "match '%s': effective rule unset", c->match[i].name);
		for (size_t k = 0; k < i; k++)
			FUZZ_ASSERT(strcmp(c->match[k].name, c->match[i].name) != 0,
				    "[match %s] twice", c->match[i].name);
	}
	FUZZ_ASSERT(c->timeout > 0 && c->timeout <= 3600, "timeout %g", c->timeout);
	FUZZ_ASSERT(c->retries <= 100, "retries %u", c->retries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct mt_agent_config c;
	struct mt_config_error err;
	int r;

	mt_agent_config_init(&c);
	r = mt_agent_config_parse(&c, "fuzz.conf", text, &err);
	check_parse(&c, text, r, &err);
	if (r == 0) {
		size_t before = c.nmatch;

		/* The same file again as a drop-in: amends, never adds a section. */
		r = mt_agent_config_parse(&c, "fuzz.conf", text, &err);
		FUZZ_ASSERT(r != -EINVAL, "a file that parsed once fails as a drop-in: %s",
			    err.msg);
		check_parse(&c, text, r, &err);
		FUZZ_ASSERT(r || c.nmatch == before, "%zu [match] sections, then %zu", before,
			    c.nmatch);
	}
	mt_agent_config_free(&c);
	free(text);
	return 0;
}
