// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks as pure functions: snapshots built in memory (no file is
 * read or written here), run through mt_checks_run(). Pins the
 * multi-node-link verdict table of cli.md / kernel.md (a), and what the
 * findings say about what they cover.
 */
#include "unit.h"

#include "core/checks.h"
#include "shared/macro.h"
#include "core/snapshot.h"

#define GiB (1ul << 30)
#define MiB (1ul << 20)

/* n blocks first..first+n-1, online, valid_zones "Normal", no links. */
static struct mt_snapshot *snap_new(unsigned long block_size, uint32_t first, size_t n)
{
	struct mt_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	s->block_size = block_size;
	s->blocks = calloc(n ? n : 1, sizeof(*s->blocks));
	s->detail = calloc(n ? n : 1, sizeof(*s->detail));
	if (!s->blocks || !s->detail)
		abort();
	s->nblocks = n;
	s->page_size = 4096;
	for (size_t i = 0; i < n; i++) {
		s->blocks[i] = (struct mt_block){ .id = first + (uint32_t)i,
						  .node = -1,
						  .state = MT_STATE_ONLINE,
						  .removable = -1,
						  .nzones = 1,
						  .zones = { MT_ZONE_NORMAL } };
		s->detail[i].online = -1;
		s->detail[i].state_present = true;
		s->detail[i].online = 1;
		s->detail[i].phys_index_present = true;
		s->detail[i].phys_index = first + i;
		snprintf(s->detail[i].state_raw, sizeof(s->detail[i].state_raw), "online");
	}
	return s;
}

static size_t idx_of(const struct mt_snapshot *s, uint32_t id)
{
	long i = mt_snapshot_find(s, id);

	if (i < 0) {
		fprintf(stderr, "no block %u in the test snapshot\n", id);
		abort();
	}
	return (size_t)i;
}

static void set_state(struct mt_snapshot *s, uint32_t id, enum mt_state st, int online)
{
	size_t i = idx_of(s, id);

	s->blocks[i].state = (uint8_t)st;
	s->detail[i].online = (int8_t)online;
	s->detail[i].state_present = st != MT_STATE_UNKNOWN;
	snprintf(s->detail[i].state_raw, sizeof(s->detail[i].state_raw), "%s",
		 st == MT_STATE_UNKNOWN ? "" : mt_state_name(st));
}

static void set_zones(struct mt_snapshot *s, uint32_t id, int nzones, enum mt_zone z0,
		      enum mt_zone z1)
{
	struct mt_block *b = &s->blocks[idx_of(s, id)];

	b->nzones = nzones < 0 ? MT_ZONES_UNKNOWN : (uint8_t)nzones;
	b->zones[0] = (uint8_t)z0;
	b->zones[1] = (uint8_t)z1;
}

static void add_node_dir(struct mt_snapshot *s, int node)
{
	for (size_t i = 0; i < s->nnode_dirs; i++)
		if (s->node_dirs[i] == node)
			return;
	s->node_dirs = realloc(s->node_dirs, (s->nnode_dirs + 1) * sizeof(int));
	if (!s->node_dirs)
		abort();
	s->node_dirs[s->nnode_dirs++] = node;
	for (size_t i = s->nnode_dirs - 1; i > 0 && s->node_dirs[i - 1] > s->node_dirs[i]; i--) {
		int t = s->node_dirs[i];

		s->node_dirs[i] = s->node_dirs[i - 1];
		s->node_dirs[i - 1] = t;
	}
	s->have_node_dir = true;
}

/* Link block `id` to `node`: forward memoryN/nodeK and/or back nodeK/memoryN. */
static void link_node(struct mt_snapshot *s, uint32_t id, int node, bool fwd, bool back)
{
	size_t i = idx_of(s, id);
	struct mt_block *b = &s->blocks[i];
	struct mt_nodeset all = { 0 };
	uint8_t n;

	add_node_dir(s, node);
	if ((fwd && mt_nodeset_add(&s->detail[i].fwd, node) < 0) ||
	    (back && mt_nodeset_add(&s->detail[i].back, node) < 0))
		abort();
	/* The block's union of nodes, as the snapshot reader keeps it. */
	for (unsigned k = 0; k < s->detail[i].fwd.n; k++)
		mt_nodeset_add(&all, s->detail[i].fwd.ids[k]);
	for (unsigned k = 0; k < s->detail[i].back.n; k++)
		mt_nodeset_add(&all, s->detail[i].back.ids[k]);
	/* Several nodes: the list lives in s->node_sets, the block holds its index. */
	n = all.n;
	if (n > 1) {
		if (b->nnodes > 1) {
			free(s->node_sets[b->node]);
		} else {
			s->node_sets =
				realloc(s->node_sets, (s->nnode_sets + 1) * sizeof(*s->node_sets));
			if (!s->node_sets)
				abort();
			b->node = (int)s->nnode_sets++;
		}
		s->node_sets[b->node] = all.ids;
	} else {
		b->node = n ? all.ids[0] : -1;
		mt_nodeset_free(&all);
	}
	b->nnodes = n;
}

static void link_both(struct mt_snapshot *s, uint32_t first, uint32_t last, int node)
{
	for (uint32_t id = first; id <= last; id++)
		link_node(s, id, node, true, true);
}

static void set_zoneinfo(struct mt_snapshot *s, const char *text)
{
	mt_zoneinfo_free(&s->zoneinfo);
	s->have_zoneinfo = mt_zoneinfo_parse(text, &s->zoneinfo) == 0;
	CHECK(s->have_zoneinfo);
}

static void set_iomem(struct mt_snapshot *s, const char *text)
{
	bool zero = false;

	mt_resources_free(&s->resources);
	CHECK(mt_iomem_parse(text, &s->resources, &zero) == 0 && !zero);
}

/* The findings of one id, in output order. */
static size_t count_id(const struct mt_findings *fs, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n; i++)
		n += strcmp(fs->f[i].id, id) == 0;
	return n;
}

static const struct mt_finding *finding_for(const struct mt_findings *fs, const char *id,
					    uint32_t block)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->f[i].id, id) != 0)
			continue;
		for (size_t k = 0; k < fs->f[i].nblocks; k++)
			if (fs->f[i].blocks[k] == block)
				return &fs->f[i];
	}
	return NULL;
}

static const char *const only_multi[] = { "multi-node-link", NULL };

/* Severity of block's multi-node-link finding, or -1 when none names it. */
static int multi_verdict(const struct mt_snapshot *s, uint32_t block, char *msg, size_t size)
{
	struct mt_findings fs = { 0 };
	const struct mt_finding *f;
	int sev = -1;

	CHECK(mt_checks_run(s, &(struct mt_check_filter){ .only = only_multi }, &fs) == 0);
	f = finding_for(&fs, "multi-node-link", block);
	if (f) {
		sev = (int)f->severity;
		snprintf(msg, size, "%s", f->message ? f->message : "");
	}
	mt_findings_free(&fs);
	return sev;
}

/*
 * Two 2 GiB blocks and a two-node zoneinfo: node0 spans 0-5 GiB (so
 * memory2, 4-6 GiB, straddles the boundary) and node1 5-12 GiB; memory4
 * (8-10 GiB) lies wholly in node1.
 */
static const char two_nodes[] = "Node 0, zone   Normal\n"
				"        spanned  1310720\n"
				"        present  1310720\n"
				"        managed  1300000\n"
				"  start_pfn:           0\n"
				"Node 1, zone   Normal\n"
				"        spanned  1835008\n"
				"        present  1835008\n"
				"        managed  1800000\n"
				"  start_pfn:           1310720\n";

static struct mt_snapshot *multi_snap(bool zoneinfo)
{
	struct mt_snapshot *s = snap_new(2 * GiB, 0, 6);

	link_both(s, 0, 1, 0);
	link_both(s, 2, 2, 0);
	link_both(s, 2, 2, 1);
	link_both(s, 3, 5, 1);
	link_both(s, 4, 4, 0); /* memory4: wholly node1 per zoneinfo, linked to both */
	if (zoneinfo)
		set_zoneinfo(s, two_nodes);
	return s;
}

struct verdict_case {
	const char *what;
	uint32_t block;
	enum mt_state state;
	int nzones; /* -1 unknown */
	enum mt_zone zone;
	bool zoneinfo;
	int want;             /* enum mt_severity */
	const char *want_msg; /* a fragment of the message */
};

/* The table in cli.md / kernel.md (a). */
static const struct verdict_case verdicts[] = {
	{ "offline", 2, MT_STATE_OFFLINE, 2, MT_ZONE_NORMAL, true, MT_SEV_ERROR, "offline" },
	{ "offline, no zoneinfo", 2, MT_STATE_OFFLINE, 2, MT_ZONE_NORMAL, false, MT_SEV_ERROR,
	  "offline" },
	{ "online, single zone", 2, MT_STATE_ONLINE, 1, MT_ZONE_NORMAL, true, MT_SEV_ERROR,
	  "single zone" },
	{ "online, single zone, no zoneinfo", 2, MT_STATE_ONLINE, 1, MT_ZONE_MOVABLE, false,
	  MT_SEV_ERROR, "single zone" },
	{ "online, none, zoneinfo spans both", 2, MT_STATE_ONLINE, 1, MT_ZONE_NONE, true,
	  MT_SEV_INFO, "NUMA boundary" },
	{ "online, none, zoneinfo: one node", 4, MT_STATE_ONLINE, 1, MT_ZONE_NONE, true,
	  MT_SEV_ERROR, "zoneinfo" },
	{ "online, zones unknown, zoneinfo: one node", 4, MT_STATE_ONLINE, -1, MT_ZONE_NONE, true,
	  MT_SEV_ERROR, "zoneinfo" },
	{ "online, none, no zoneinfo", 2, MT_STATE_ONLINE, 1, MT_ZONE_NONE, false, MT_SEV_WARNING,
	  "without /proc/zoneinfo" },
	{ "online, zones unknown, zoneinfo spans both", 2, MT_STATE_ONLINE, -1, MT_ZONE_NONE, true,
	  MT_SEV_WARNING, "without valid_zones" },
	{ "state unknown, none, zoneinfo spans both", 2, MT_STATE_UNKNOWN, 1, MT_ZONE_NONE, true,
	  MT_SEV_WARNING, "without state" },
	{ "state unknown, none, no zoneinfo", 2, MT_STATE_UNKNOWN, 1, MT_ZONE_NONE, false,
	  MT_SEV_WARNING, "without state or /proc/zoneinfo" },
	{ "state unknown, zones unknown, no zoneinfo", 2, MT_STATE_UNKNOWN, -1, MT_ZONE_NONE, false,
	  MT_SEV_WARNING, "without state, valid_zones or /proc/zoneinfo" },
};

static void test_multi_node_verdicts(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(verdicts); i++) {
		const struct verdict_case *c = &verdicts[i];
		struct mt_snapshot *s = multi_snap(c->zoneinfo);
		char msg[512] = "";
		int got;

		set_state(s, c->block, c->state, c->state == MT_STATE_ONLINE);
		set_zones(s, c->block, c->nzones, c->zone, MT_ZONE_MOVABLE);
		got = multi_verdict(s, c->block, msg, sizeof(msg));
		if (got != c->want)
			UNIT_FAIL("%s: severity %d, want %d (%s)", c->what, got, c->want, msg);
		if (!strstr(msg, c->want_msg))
			UNIT_FAIL("%s: message \"%s\" lacks \"%s\"", c->what, msg, c->want_msg);
		/* Every message names the block and both nodes. */
		{
			char name[32];

			snprintf(name, sizeof(name), "memory%u", c->block);
			if (!strstr(msg, name) || !strstr(msg, "node0") || !strstr(msg, "node1"))
				UNIT_FAIL("%s: message does not name %s, node0, node1: %s", c->what,
					  name, msg);
		}
		mt_snapshot_free(s);
	}
}

/*
 * Three links, zoneinfo puts the block on two of the nodes only: the third
 * link is bogus (kernel.md (a): legitimate only if the range intersects
 * EACH node's span), so an error; and a message that blames a missing
 * /proc/zoneinfo that is there would be false in any case.
 */
static void test_multi_node_three_links(void)
{
	struct mt_snapshot *s = multi_snap(true);
	char msg[512] = "";
	int got;

	link_node(s, 2, 7, true, true);
	set_zones(s, 2, 1, MT_ZONE_NONE, MT_ZONE_NONE);
	got = multi_verdict(s, 2, msg, sizeof(msg));
	if (got != MT_SEV_ERROR)
		UNIT_FAIL("3 links, zoneinfo meets 2 nodes: severity %d, want error (%s)", got,
			  msg);
	if (strstr(msg, "without /proc/zoneinfo"))
		UNIT_FAIL("3 links: message says zoneinfo is missing, it is not: %s", msg);
	mt_snapshot_free(s);
}

/*
 * A going-offline block with two links and all the evidence: whatever the
 * verdict, the message may not read "without  this capture" (an empty
 * list of what is missing).
 */
static void test_multi_node_going_offline(void)
{
	struct mt_snapshot *s = multi_snap(true);
	char msg[512] = "";
	int got;

	set_state(s, 2, MT_STATE_GOING_OFFLINE, 1);
	set_zones(s, 2, 1, MT_ZONE_NONE, MT_ZONE_NONE);
	got = multi_verdict(s, 2, msg, sizeof(msg));
	CHECK(got >= 0);
	if (strstr(msg, "without  ") || strstr(msg, "without this"))
		UNIT_FAIL("going-offline multi-node block: message names nothing missing: %s", msg);
	mt_snapshot_free(s);
}

/* Checks are pure: same snapshot, same findings; the snapshot unchanged. */
static void test_pure(void)
{
	struct mt_snapshot *s = multi_snap(true);
	struct mt_findings a = { 0 }, b = { 0 };
	struct mt_block before[6];
	struct mt_block_detail dbefore[6];

	set_zones(s, 2, 1, MT_ZONE_NONE, MT_ZONE_NONE);
	set_state(s, 5, MT_STATE_OFFLINE, 0);
	memcpy(before, s->blocks, sizeof(before));
	memcpy(dbefore, s->detail, sizeof(dbefore));
	CHECK(mt_checks_run(s, NULL, &a) == 0);
	CHECK(mt_checks_run(s, NULL, &b) == 0);
	CHECK(memcmp(before, s->blocks, sizeof(before)) == 0);
	CHECK(memcmp(dbefore, s->detail, sizeof(dbefore)) == 0);
	CHECK(a.n == b.n && a.n > 0);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		CHECK_STR(a.f[i].id, b.f[i].id);
		CHECK(a.f[i].severity == b.f[i].severity);
		CHECK(a.f[i].nblocks == b.f[i].nblocks && a.f[i].nnodes == b.f[i].nnodes);
		CHECK_STR(a.f[i].message, b.f[i].message);
		CHECK_STR(a.f[i].hint, b.f[i].hint);
		for (size_t k = 0; k < a.f[i].nblocks && k < b.f[i].nblocks; k++)
			CHECK(a.f[i].blocks[k] == b.f[i].blocks[k]);
	}
	/* Most severe first. */
	for (size_t i = 1; i < a.n; i++)
		CHECK(a.f[i - 1].severity >= a.f[i].severity);
	mt_findings_free(&a);
	mt_findings_free(&b);
	mt_snapshot_free(s);
}

/* --only / --skip select checks; a check off for lack of evidence is said once. */
static void test_filter_and_evidence(void)
{
	struct mt_snapshot *s = multi_snap(false);
	static const char *const skip[] = { "multi-node-link", NULL };
	static const char *const only_pmem[] = { "shares-pmem", MT_ID_EVIDENCE_MISSING, NULL };
	struct mt_findings fs = { 0 };
	const struct mt_finding *note = NULL;

	set_state(s, 2, MT_STATE_OFFLINE, 0);
	CHECK(mt_checks_run(s, &(struct mt_check_filter){ .skip = skip }, &fs) == 0);
	CHECK(count_id(&fs, "multi-node-link") == 0);
	CHECK(count_id(&fs, "offline-blocks") == 1);
	mt_findings_free(&fs);

	/*
	 * No resources in the snapshot: shares-pmem cannot run; one note says
	 * so (the note is an id of its own, selected here as well).
	 */
	CHECK(mt_checks_run(s, &(struct mt_check_filter){ .only = only_pmem }, &fs) == 0);
	CHECK(count_id(&fs, "shares-pmem") == 0);
	CHECK(count_id(&fs, MT_ID_EVIDENCE_MISSING) == 1);
	for (size_t i = 0; i < fs.n; i++)
		if (strcmp(fs.f[i].id, MT_ID_EVIDENCE_MISSING) == 0)
			note = &fs.f[i];
	if (note) {
		CHECK(note->severity == MT_SEV_INFO);
		CHECK(strstr(note->message, "/proc/iomem") != NULL);
		CHECK(strstr(note->message, "shares-pmem") != NULL);
		/* Only the selected checks are named as off. */
		CHECK(strstr(note->message, "partial-ram") == NULL);
	}
	mt_findings_free(&fs);
	mt_snapshot_free(s);
}

/* Links: stale (back without forward), missing back-link, dangling both ways. */
static void test_links(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 8);
	struct mt_findings fs = { 0 };
	const struct mt_finding *f;

	link_both(s, 0, 7, 0);
	add_node_dir(s, 1);
	link_node(s, 3, 1, false, true);   /* node1/memory3 only: stale */
	link_node(s, 5, 1, true, false);   /* memory5/node1 only: missing back-link */
	link_node(s, 6, 9, true, false);   /* memory6/node9, no node9 dir: dangling */
	s->node_dirs[--s->nnode_dirs] = 0; /* link_node made node9's dir: take it away */
	s->orphans = calloc(1, sizeof(*s->orphans));
	s->orphans[0] = (struct mt_orphan_link){ .node = 1, .block = 21 };
	s->norphans = 1;
	CHECK(s->nnode_dirs == 2 && s->node_dirs[1] == 1);

	CHECK(mt_checks_run(s, NULL, &fs) == 0);
	f = finding_for(&fs, "stale-node-link", 3);
	CHECK(f && f->severity == MT_SEV_ERROR && f->nblocks == 1 && f->nnodes == 1 &&
	      f->nodes[0] == 1);
	CHECK(count_id(&fs, "stale-node-link") == 1);
	f = finding_for(&fs, "missing-node-back-link", 5);
	CHECK(f && f->severity == MT_SEV_WARNING && f->nblocks == 1 && f->nodes[0] == 1);
	CHECK(count_id(&fs, "missing-node-back-link") == 1);
	f = finding_for(&fs, "dangling-node-link", 21);
	CHECK(f && f->severity == MT_SEV_ERROR && f->nnodes == 1 && f->nodes[0] == 1 &&
	      strstr(f->message, "memory21") && strstr(f->message, "node1"));
	f = finding_for(&fs, "dangling-node-link", 6);
	CHECK(f && f->severity == MT_SEV_ERROR && f->nodes[0] == 9 &&
	      strstr(f->message, "memory6") && strstr(f->message, "node9"));
	/* A dangling forward link is not also a missing back-link. */
	CHECK(finding_for(&fs, "missing-node-back-link", 6) == NULL);
	CHECK(count_id(&fs, "no-node-link") == 0);
	mt_findings_free(&fs);
	mt_snapshot_free(s);
}

/*
 * state-mismatch has two causes: garbage in state, and state vs online.
 * A finding may not tell one block's story about another: a block whose
 * state reads "online" is not "in no known state".
 */
static void test_state_mismatch_messages(void)
{
	struct mt_snapshot *s = snap_new(128 * MiB, 0, 8);
	struct mt_findings fs = { 0 };

	link_both(s, 0, 7, 0);
	/* memory2: garbage; memory7: state online, online 0 (missing-garbage.scn). */
	set_state(s, 2, MT_STATE_UNKNOWN, 1);
	s->detail[2].state_present = true;
	snprintf(s->detail[2].state_raw, sizeof(s->detail[2].state_raw), "bogus");
	set_state(s, 7, MT_STATE_ONLINE, 0);
	CHECK(mt_checks_run(s, NULL, &fs) == 0);
	CHECK(finding_for(&fs, "state-mismatch", 2) != NULL);
	CHECK(finding_for(&fs, "state-mismatch", 7) != NULL);
	for (size_t i = 0; i < fs.n; i++) {
		const struct mt_finding *f = &fs.f[i];

		if (strcmp(f->id, "state-mismatch") != 0)
			continue;
		for (size_t k = 0; k < f->nblocks; k++) {
			const struct mt_block *b = &s->blocks[idx_of(s, f->blocks[k])];

			if (strstr(f->message, "no known state") && b->state != MT_STATE_UNKNOWN)
				UNIT_FAIL(
					"memory%u (state %s) is reported as in no known state: %s",
					b->id, mt_state_name(b->state), f->message);
			if (strstr(f->message, "disagree") && b->state == MT_STATE_UNKNOWN)
				UNIT_FAIL("memory%u (garbage state) is reported as disagreeing: %s",
					  b->id, f->message);
		}
	}
	mt_findings_free(&fs);
	mt_snapshot_free(s);
}

/* Without a block size no size is known: a message may not claim "0B". */
static void test_unknown_block_size(void)
{
	struct mt_snapshot *s = snap_new(0, 0, 4);
	struct mt_findings fs = { 0 };
	const struct mt_finding *f;

	s->block_size_err = -EINVAL;
	link_both(s, 0, 3, 0);
	set_state(s, 3, MT_STATE_OFFLINE, 0);
	CHECK(mt_checks_run(s, NULL, &fs) == 0);
	CHECK(count_id(&fs, "bad-block-size") == 1);
	f = finding_for(&fs, "offline-blocks", 3);
	CHECK(f != NULL);
	if (f && strstr(f->message, "(0B)"))
		UNIT_FAIL("offline-blocks claims a size it cannot know: %s", f->message);
	mt_findings_free(&fs);
	mt_snapshot_free(s);
}

/*
 * Sub-sections: a RAM/PMEM boundary 16 MiB into a 256 MiB block is inside
 * a 128 MiB x86_64 section, but on a ppc64 16 MiB section boundary.
 */
static void test_subsection_by_arch(void)
{
	static const char iomem[] = "00000000-0fffffff : System RAM\n"
				    "10000000-10ffffff : System RAM\n"
				    "11000000-1fffffff : Persistent Memory\n"
				    "  11000000-1fffffff : namespace0.0\n";
	static const struct {
		const char *machine;
		bool collides;
	} arch[] = { { "x86_64", true }, { "ppc64le", false }, { NULL, true } };

	for (size_t i = 0; i < ARRAY_SIZE(arch); i++) {
		struct mt_snapshot *s = snap_new(256 * MiB, 0, 2);
		struct mt_findings fs = { 0 };

		link_both(s, 0, 1, 0);
		set_iomem(s, iomem);
		s->machine = arch[i].machine ? strdup(arch[i].machine) : NULL;
		CHECK(mt_checks_run(s, NULL, &fs) == 0);
		if ((finding_for(&fs, "subsection-collision", 1) != NULL) != arch[i].collides)
			UNIT_FAIL("machine %s: subsection-collision %s", arch[i].machine,
				  arch[i].collides ? "missing" : "reported");
		CHECK(finding_for(&fs, "subsection-collision", 0) == NULL);
		CHECK(finding_for(&fs, "shares-pmem", 1) != NULL);
		CHECK(finding_for(&fs, "shares-pmem", 0) == NULL);
		CHECK(finding_for(&fs, "partial-ram", 1) != NULL);
		CHECK(finding_for(&fs, "partial-ram", 0) == NULL);
		mt_findings_free(&fs);
		mt_snapshot_free(s);
	}
}

/* removable-hazard: before 5.7 only, and only for blocks sharing PMEM. */
static void test_removable_hazard(void)
{
	static const char iomem[] = "00000000-17ffffff : System RAM\n"
				    "18000000-1fffffff : Persistent Memory\n"
				    "20000000-3fffffff : System RAM\n";
	static const struct {
		const char *release;
		bool hazard;
	} rel[] = { { "5.6.19", true },
		    { "5.4.0-42-generic", true },
		    { "4.18.0-193.el8.x86_64", true },
		    { "5.7.0", false },
		    { "5.10.0-28-amd64", false },
		    { "6.8.5-301.fc40.x86_64", false },
		    { "garbage", false } };

	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		struct mt_snapshot *s = snap_new(256 * MiB, 0, 4);
		struct mt_findings fs = { 0 };
		const struct mt_finding *f;

		link_both(s, 0, 3, 0);
		set_iomem(s, iomem);
		s->osrelease = strdup(rel[i].release);
		CHECK(mt_checks_run(s, NULL, &fs) == 0);
		f = finding_for(&fs, "removable-hazard", 1);
		if ((f != NULL) != rel[i].hazard)
			UNIT_FAIL("kernel %s: removable-hazard %s", rel[i].release,
				  rel[i].hazard ? "missing" : "reported");
		if (f) {
			CHECK(f->severity == MT_SEV_WARNING && f->nblocks == 1);
			CHECK(strstr(f->message, rel[i].release) != NULL);
		}
		CHECK(count_id(&fs, "shares-pmem") == 1);
		mt_findings_free(&fs);
		mt_snapshot_free(s);
	}
}

int main(void)
{
	test_multi_node_verdicts();
	test_multi_node_three_links();
	test_multi_node_going_offline();
	test_pure();
	test_filter_and_evidence();
	test_links();
	test_state_mismatch_messages();
	test_unknown_block_size();
	test_subsection_by_arch();
	test_removable_hazard();
	UNIT_EXIT();
}
