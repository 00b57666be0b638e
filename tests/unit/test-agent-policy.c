// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's policy as a table: a machine built in memory + agent.conf
 * text -> the verdict, zone and reason of each block. The figures follow
 * the kernel's auto_movable_zone_for_pfn() by hand: 128M blocks, 1G of
 * boot kernel memory allows 301% = 3082M of Movable (24 blocks, not 25).
 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "unit.h"

#include "core/agent-config.h"
#include "core/agent-policy.h"
#include "core/checks.h"
#include "shared/macro.h"

#define BS (128ull << 20)

struct bspec {
	uint32_t first, last;
	enum mt_state st;
	enum mt_zone z0, z1; /* z1 MT_ZONE_NONE: one zone */
	int node;
	enum mt_source src;
	const char *dev;
	const char *flag; /* a check id flagging these blocks */
};

struct expect {
	uint32_t first, last;
	const char *verdict, *zone, *reason; /* reason: a part of it */
};

struct row {
	const char *name;
	struct bspec m[8];
	const char *conf;
	uint32_t judge_from; /* judge blocks >= this (coldplug judges every offline one) */
	struct expect e[8];
	const char *machine;
};

#define ON(a, b, z, n)                                                             \
	{                                                                          \
		a, b, MT_STATE_ONLINE, z, MT_ZONE_NONE, n, MT_SRC_BOOT, NULL, NULL \
	}
#define ON_DEV(a, b, z, n, s, d)                                      \
	{                                                             \
		a, b, MT_STATE_ONLINE, z, MT_ZONE_NONE, n, s, d, NULL \
	}
#define OFF(a, b, n, s, d)                                                             \
	{                                                                              \
		a, b, MT_STATE_OFFLINE, MT_ZONE_NORMAL, MT_ZONE_MOVABLE, n, s, d, NULL \
	}
#define BOOT ON(0, 7, MT_ZONE_NORMAL, 0)

static const struct row rows[] = {
	{ "a DIMM within the ratio goes Movable",
	  { BOOT, OFF(8, 11, 0, MT_SRC_ACPI_DIMM, "PNP0C80:00") },
	  "",
	  8,
	  { { 8, 11, "online", "Movable",
	      "auto-movable: Movable 512M of 3G allowed machine-wide" } } },
	{ "a DIMM past the ratio goes wholly to a kernel zone",
	  { BOOT, ON_DEV(16, 37, MT_ZONE_MOVABLE, 0, MT_SRC_ACPI_DIMM, "PNP0C80:01"),
	    OFF(40, 43, 0, MT_SRC_ACPI_DIMM, "PNP0C80:02") },
	  "",
	  40,
	  { { 40, 43, "online", "kernel", "Movable would be 3.3G machine-wide, past 301%" } } },
	{ "a DIMM partly online in Normal stays there",
	  { BOOT, ON_DEV(8, 8, MT_ZONE_NORMAL, 0, MT_SRC_ACPI_DIMM, "PNP0C80:00"),
	    OFF(9, 11, 0, MT_SRC_ACPI_DIMM, "PNP0C80:00") },
	  "",
	  9,
	  { { 9, 11, "online", "kernel", "partly online in a kernel zone (memory8)" } } },
	{ "virtio-mem per block: its own kernel memory earns more Movable",
	  { BOOT, OFF(8, 33, 0, MT_SRC_VIRTIO_MEM, "virtio0") },
	  "",
	  8,
	  { { 8, 31, "online", "Movable", "auto-movable: Movable" },
	    { 32, 32, "online", "kernel", "past 301%" },
	    { 33, 33, "online", "Movable", "" } } },
	{ "numa-aware: the node's own boot memory bounds it",
	  { BOOT, ON(8, 9, MT_ZONE_NORMAL, 1), OFF(16, 23, 1, MT_SRC_ACPI_DIMM, "PNP0C80:00") },
	  "",
	  16,
	  { { 16, 23, "online", "kernel", "Movable would be 1G on node 1, past 301%" } } },
	{ "numa-aware = no: machine-wide only",
	  { BOOT, ON(8, 9, MT_ZONE_NORMAL, 1), OFF(16, 23, 1, MT_SRC_ACPI_DIMM, "PNP0C80:00") },
	  "[policy]\nnuma-aware = no\n",
	  16,
	  { { 16, 23, "online", "Movable", "Movable 1G of 3.8G allowed machine-wide" } } },
	{ "a lower ratio in a match",
	  { BOOT, OFF(8, 11, 0, MT_SRC_ACPI_DIMM, "PNP0C80:00") },
	  "[match tight]\nsource = acpi-dimm\nratio = 25\n",
	  8,
	  { { 8, 11, "online", "kernel", "past 25% of boot-time kernel memory 1G (256M)" } } },
	{ "matches by source: kmem movable, virtio-mem kernel, boot auto",
	  { BOOT, OFF(8, 9, 0, MT_SRC_KMEM, "dax0.0"), OFF(10, 11, 0, MT_SRC_VIRTIO_MEM, "virtio0"),
	    OFF(12, 12, 0, MT_SRC_BOOT, NULL) },
	  "[match dax]\nsource = kmem\nzone = movable\n[match vm]\nsource = virtio-mem\n"
	  "zone = kernel # comment\n[match rest]\nsource = boot,unknown\nzone = auto\n",
	  8,
	  { { 8, 9, "online", "Movable", "[dax] zone = movable" },
	    { 10, 11, "online", "kernel", "[vm] zone = kernel" },
	    { 12, 12, "online", "auto", "[rest] zone = auto" } } },
	{ "matches by size and node, first wins, ignore",
	  { BOOT, OFF(8, 23, 0, MT_SRC_ACPI_DIMM, "PNP0C80:00"),
	    OFF(24, 27, 1, MT_SRC_ACPI_DIMM, "PNP0C80:01") },
	  "[match big]\nsize = 2G-\nzone = ignore\n[match n1]\nnode = 1\nzone = kernel\n"
	  "[match never]\nnode = 1\nzone = movable\n",
	  8,
	  { { 8, 23, "ignored", "", "[big] zone = ignore" },
	    { 24, 27, "online", "kernel", "[n1] zone = kernel" } } },
	{ "flagged, dlpar, already online, no Movable offered",
	  { BOOT,
	    { 8, 8, MT_STATE_OFFLINE, MT_ZONE_NORMAL, MT_ZONE_MOVABLE, 0, MT_SRC_BOOT, NULL,
	      "partial-ram" },
	    OFF(9, 9, 0, MT_SRC_DLPAR, NULL),
	    ON(10, 10, MT_ZONE_MOVABLE, 0),
	    { 11, 11, MT_STATE_OFFLINE, MT_ZONE_NORMAL, MT_ZONE_NONE, 0, MT_SRC_BOOT, NULL,
	      NULL } },
	  "[policy]\nzone = movable\n",
	  8,
	  { { 8, 8, "refused", "", "check flags it partial-ram" },
	    { 9, 9, "ignored", "", "pseries DLPAR memory" },
	    { 10, 10, "already", "Movable", "online already" },
	    { 11, 11, "refused", "", "zone = movable, but valid_zones offers no Movable" } } },
	{ "s390 standby memory is never onlined",
	  { BOOT, OFF(8, 9, 0, MT_SRC_UNKNOWN, NULL) },
	  "",
	  8,
	  { { 8, 9, "ignored", "", "s390 standby memory" } },
	  "s390x" },
};

static struct mt_snapshot *build(const struct row *row, uint32_t **flags)
{
	struct mt_snapshot *s = calloc(1, sizeof(*s));
	size_t n = 0;

	s->block_size = BS;
	s->machine = row->machine ? strdup(row->machine) : NULL;
	for (size_t k = 0; k < ARRAY_SIZE(row->m) && row->m[k].last; k++)
		n += row->m[k].last - row->m[k].first + 1;
	s->blocks = calloc(n, sizeof(*s->blocks));
	s->origin = calloc(n, sizeof(*s->origin));
	*flags = calloc(n, sizeof(**flags));
	n = 0;
	for (size_t k = 0; k < ARRAY_SIZE(row->m) && row->m[k].last; k++) {
		const struct bspec *b = &row->m[k];
		int dev = -1;

		if (b->dev) {
			for (size_t d = 0; d < s->ndevices; d++)
				if (strcmp(s->devices[d], b->dev) == 0)
					dev = (int)d;
			if (dev < 0) {
				s->devices =
					realloc(s->devices, (s->ndevices + 1) * sizeof(char *));
				s->devices[s->ndevices] = strdup(b->dev);
				dev = (int)s->ndevices++;
			}
		}
		for (uint32_t id = b->first; id <= b->last; id++, n++) {
			struct mt_block *blk = &s->blocks[n];

			*blk = (struct mt_block){ .id = id,
						  .node = b->node,
						  .nnodes = 1,
						  .state = (uint8_t)b->st,
						  .removable = -1 };
			blk->zones[blk->nzones++] = (uint8_t)b->z0;
			if (b->z1 != MT_ZONE_NONE)
				blk->zones[blk->nzones++] = (uint8_t)b->z1;
			s->origin[n] =
				(struct mt_origin){ .source = (uint8_t)b->src, .device = dev };
			if (b->flag)
				(*flags)[n] = 1u << mt_check_order(b->flag);
		}
	}
	s->nblocks = n;
	pthread_mutex_init(&s->node_sets_lock, NULL);
	return s;
}

static void run_row(const struct row *row)
{
	uint32_t *flags;
	struct mt_snapshot *s = build(row, &flags);
	bool *judge = calloc(s->nblocks, sizeof(*judge));
	struct mt_agent_config c;
	struct mt_config_error err;
	struct mt_agent_decisions out;

	mt_agent_config_init(&c);
	if (mt_agent_config_parse(&c, "test.conf", row->conf, &err) < 0)
		UNIT_FAIL("%s: config: %u %s %s", row->name, err.line, err.key, err.msg);
	for (size_t i = 0; i < s->nblocks; i++)
		judge[i] = s->blocks[i].id >= row->judge_from;
	CHECK(mt_agent_decide(s, flags, &c, judge, &out) == 0);
	for (size_t k = 0; k < ARRAY_SIZE(row->e) && row->e[k].verdict; k++) {
		const struct expect *e = &row->e[k];

		for (uint32_t id = e->first; id <= e->last; id++) {
			const struct mt_agent_decision *d = NULL;

			for (size_t i = 0; i < out.n; i++)
				if (out.d[i].block == id)
					d = &out.d[i];
			if (!d) {
				UNIT_FAIL("%s: memory%u not decided", row->name, id);
				continue;
			}
			if (strcmp(mt_agent_verdict_name(d->verdict), e->verdict) != 0 ||
			    strcmp(d->zone, e->zone) != 0 || !strstr(d->reason, e->reason))
				UNIT_FAIL("%s: memory%u: %s %s \"%s\", want %s %s \"...%s...\"",
					  row->name, id, mt_agent_verdict_name(d->verdict), d->zone,
					  d->reason, e->verdict, e->zone, e->reason);
		}
	}
	mt_agent_decisions_free(&out);
	mt_agent_config_free(&c);
	free(judge);
	free(flags);
	for (size_t d = 0; d < s->ndevices; d++)
		free(s->devices[d]);
	free(s->devices);
	free(s->origin);
	free(s->machine);
	free(s->blocks);
	pthread_mutex_destroy(&s->node_sets_lock);
	free(s);
}

struct bad {
	const char *text;
	unsigned line;
	const char *key, *msg;
};

static void test_config_errors(void)
{
	static const struct bad bad[] = {
		{ "[agent]\ntakeover = no\n[polcy]\n", 3, "[polcy]", "unknown section" },
		{ "[policy]\nzone = fast\n", 2, "[policy] zone", "'fast' is not movable" },
		{ "# c\n\n[policy]\nratio = 301\nsource = kmem\n", 5, "[policy] source",
		  "unknown key" },
		{ "[match a]\nsource = dimm\n", 2, "[match a] source", "'dimm' is not boot" },
		{ "[match a]\nnode = 1-\n", 2, "[match a] node", "not a node list" },
		{ "[match a]\nsize = 4G-1G\n", 2, "[match a] size", "MIN above MAX" },
		{ "[agent]\ntakeover = maybe\n", 2, "[agent] takeover", "not yes or no" },
		{ "[agent]\nthis line has no equals sign\n", 2, "", "not a [section]" },
		{ "zone = kernel\n", 1, "[] zone", "a key before any section" },
		{ "[policy]\nzone = kernel\n[x]\n[policy]\nzone = nope\n", 3, "[x]", "unknown" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mt_agent_config c;
		struct mt_config_error err;

		mt_agent_config_init(&c);
		if (mt_agent_config_parse(&c, "f.conf", bad[i].text, &err) != -EINVAL)
			UNIT_FAIL("bad config %zu parsed", i);
		else if (err.line != bad[i].line || strcmp(err.key, bad[i].key) != 0 ||
			 !strstr(err.msg, bad[i].msg) || strcmp(err.file, "f.conf") != 0)
			UNIT_FAIL("bad config %zu: %s:%u: %s: %s", i, err.file, err.line, err.key,
				  err.msg);
		mt_agent_config_free(&c);
	}
}

static void test_config_layers(void)
{
	struct mt_agent_config c;
	struct mt_config_error err;
	struct mt_agent_rule e;

	mt_agent_config_init(&c);
	CHECK(c.policy.zone == MT_AZ_AUTO_MOVABLE && c.policy.ratio == 301 &&
	      c.policy.numa_aware == 1 && !c.takeover);
	CHECK(mt_agent_config_parse(&c, "a.conf",
				    "[agent]\ntakeover = yes   # comment\n[match x]\nsource = "
				    "kmem\nzone = movable\n[match y]\nnode = 0\n",
				    &err) == 0);
	/* A later file amends [match x] in place and changes the policy. */
	CHECK(mt_agent_config_parse(&c, "b.conf",
				    "[policy]\nratio = 150\n[match x]\nzone = ignore\n[agent]\n"
				    "takeover = no\n",
				    &err) == 0);
	CHECK(!c.takeover && c.policy.ratio == 150 && c.nmatch == 2);
	CHECK_STR(c.match[0].name, "x");
	CHECK(c.match[0].zone == MT_AZ_IGNORE && c.match[0].sources == 1u << MT_SRC_KMEM);
	e = mt_agent_rule_effective(&c, &c.match[1]);
	CHECK(e.zone == MT_AZ_AUTO_MOVABLE && e.ratio == 150 && e.numa_aware == 1);
	CHECK(c.nfiles == 2);
	mt_agent_config_free(&c);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		run_row(&rows[i]);
	test_config_errors();
	test_config_layers();
	UNIT_EXIT();
}
