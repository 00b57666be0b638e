// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `check --format prometheus`: node_exporter's textfile-collector format
 * (text exposition 0.0.4), so fleets can alert on findings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/render-check.h"
#include "core/checks.h"
#include "shared/grow.h"

static size_t count_findings(const struct mt_check_report *rep, const char *id,
			     enum mt_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->findings.n; i++)
		n += strcmp(rep->findings.f[i].id, id) == 0 && rep->findings.f[i].severity == sev;
	return n;
}

/*
 * Every check that ran gets a series at its usual severity, 0 when quiet,
 * so an alert sees it go back to zero; other severities when they occur.
 */
static void print_findings(const struct mt_check_report *rep, FILE *out)
{
	unsigned evidence = mt_check_evidence(rep->snap);

	fputs("# HELP memtopo_check_findings Findings of memtopo check by id and severity.\n"
	      "# TYPE memtopo_check_findings gauge\n",
	      out);
	for (size_t i = 0; i < mt_nchecks; i++) {
		const struct mt_check *c = &mt_checks[i];

		/* A check that could not run has no value: no series, not a 0. */
		if (!mt_check_selected(
			    &(struct mt_check_filter){ .only = rep->only, .skip = rep->skip },
			    c->id) ||
		    (c->needs & evidence) != c->needs)
			continue;
		for (int sev = MT_SEV_COUNT - 1; sev >= (int)rep->min_severity; sev--) {
			size_t n = count_findings(rep, c->id, (enum mt_severity)sev);

			if (n || sev == (int)c->severity)
				fprintf(out,
					"memtopo_check_findings{id=\"%s\",severity=\"%s\"} %zu\n",
					c->id, mt_severity_name((enum mt_severity)sev), n);
		}
	}
}

struct series {
	char node[32];
	const char *zone, *state;
	uint64_t bytes;
};

static void block_labels(const struct mt_snapshot *snap, const struct mt_block *b, struct series *s)
{
	const int *nodes = mt_block_nodes(snap, b);
	size_t len = 0;

	s->node[0] = '\0';
	for (unsigned k = 0; k < b->nnodes && len < sizeof(s->node); k++)
		len += (size_t)snprintf(s->node + len, sizeof(s->node) - len, "%s%d", k ? "," : "",
					nodes[k]);
	s->state = mt_state_name(b->state);
	/* An offline block is in no zone; valid_zones then lists candidates. */
	if (b->state == MT_STATE_OFFLINE)
		s->zone = "";
	else if (b->nzones == 1)
		s->zone = mt_zone_name(b->zones[0]);
	else
		s->zone = "unknown";
}

static int print_memory(const struct mt_check_report *rep, FILE *out)
{
	const struct mt_snapshot *snap = rep->snap;
	struct series *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < snap->nblocks; i++) {
		struct series s;
		size_t k;

		block_labels(snap, &snap->blocks[i], &s);
		for (k = 0; k < n; k++)
			if (strcmp(all[k].node, s.node) == 0 && all[k].zone == s.zone &&
			    all[k].state == s.state)
				break;
		if (k == n) {
			if (mt_grow(&all, n, sizeof(*all)) < 0) {
				free(all);
				return -ENOMEM;
			}
			s.bytes = 0;
			all[n++] = s;
		}
		all[k].bytes += snap->block_size;
	}
	fputs("# HELP memtopo_memory_bytes Memory in hotplug blocks by node, zone and state.\n"
	      "# TYPE memtopo_memory_bytes gauge\n",
	      out);
	/* Without a block size no byte count is true: the family stays empty. */
	if (!snap->block_size)
		n = 0;
	for (size_t k = 0; k < n; k++)
		fprintf(out,
			"memtopo_memory_bytes{node=\"%s\",zone=\"%s\",state=\"%s\"} %" PRIu64 "\n",
			all[k].node, all[k].zone, all[k].state, all[k].bytes);
	free(all);
	return 0;
}

/* memtopo agent's counters since it started, from its state file. */
static void print_agent(const struct mt_agent_state *st, FILE *out)
{
	fputs("# HELP memtopo_agent_onlined_bytes_total Memory the agent onlined since it started, "
	      "by node, zone and source.\n"
	      "# TYPE memtopo_agent_onlined_bytes_total counter\n",
	      out);
	for (size_t i = 0; i < st->nonlined; i++) {
		const struct mt_agent_counter *c = &st->onlined[i];
		char node[16] = "";

		if (c->node >= 0)
			snprintf(node, sizeof(node), "%d", c->node);
		fprintf(out,
			"memtopo_agent_onlined_bytes_total{node=\"%s\",zone=\"%s\",source=\"%s\"} "
			"%" PRIu64 "\n",
			node, c->zone, mt_source_name(c->source), c->bytes);
	}
	fputs("# HELP memtopo_agent_refusals_total Blocks the agent did not online since it "
	      "started, by reason.\n"
	      "# TYPE memtopo_agent_refusals_total counter\n",
	      out);
	for (int i = 0; i < MT_RF_COUNT; i++)
		fprintf(out, "memtopo_agent_refusals_total{reason=\"%s\"} %" PRIu64 "\n",
			mt_agent_refusal_name(i), st->refusals[i]);
}

int mt_check_print_prometheus(const struct mt_check_report *rep, FILE *out)
{
	int r;

	/* Nothing read: only the status, so no old value survives in a textfile. */
	if (rep->snap) {
		print_findings(rep, out);
		r = print_memory(rep, out);
		if (r < 0)
			return r;
		if (rep->agent)
			print_agent(rep->agent, out);
	}
	fprintf(out,
		"# HELP memtopo_check_status 0 ok, 1 warning, 2 error, 3 could not check.\n"
		"# TYPE memtopo_check_status gauge\n"
		"memtopo_check_status %d\n",
		(int)rep->status);
	return fflush(out) == 0 ? 0 : -errno;
}
