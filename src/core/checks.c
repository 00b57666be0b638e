// SPDX-License-Identifier: GPL-2.0-or-later
/* The check table, the evidence a snapshot offers, and running them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks-internal.h"
#include "shared/units.h"

/* What every check needs read: blocks, their state, zones and nodes. */
#define W_BASE  (MT_WANT_STATE | MT_WANT_ZONES | MT_WANT_NODES | MT_WANT_DETAIL)
#define W_LINKS (W_BASE | MT_WANT_LINKS)
#define W_ADDR  (W_BASE | MT_WANT_RESOURCES | MT_WANT_KERNEL)

const struct mt_check mt_checks[] = {
	{ "bad-block-size", MT_SEV_ERROR, MT_EV_MEMORY_DIR, W_BASE, check_bad_block_size,
	  "block_size_bytes missing, unparsable or not a power of two" },
	{ "multi-node-link", MT_SEV_ERROR, MT_EV_ANY_LINKS,
	  W_LINKS | MT_WANT_ZONEINFO | MT_WANT_KERNEL, check_multi_node_link,
	  "a block linked to two or more nodes" },
	{ "stale-node-link", MT_SEV_ERROR, MT_EV_NODE_DIR | MT_EV_FWD_LINKS | MT_EV_BACK_LINKS,
	  W_LINKS, check_stale_node_link, "nodeX/memoryN exists but memoryN has no nodeX link" },
	{ "dangling-node-link", MT_SEV_ERROR, MT_EV_NODE_DIR, W_LINKS, check_dangling_node_link,
	  "a node link points at a block or node that does not exist" },
	{ "missing-node-back-link", MT_SEV_WARNING,
	  MT_EV_NODE_DIR | MT_EV_FWD_LINKS | MT_EV_BACK_LINKS, W_LINKS,
	  check_missing_node_back_link, "memoryN/nodeX exists but nodeX/memoryN does not" },
	{ "no-node-link", MT_SEV_WARNING, MT_EV_NODE_DIR | MT_EV_ANY_LINKS, W_LINKS,
	  check_no_node_link, "a block with no node link at all" },
	{ "partial-ram", MT_SEV_INFO, MT_EV_RESOURCES | MT_EV_BLOCK_SIZE, W_ADDR, check_partial_ram,
	  "a block only partly System RAM" },
	{ "shares-pmem", MT_SEV_ERROR, MT_EV_RESOURCES | MT_EV_BLOCK_SIZE, W_ADDR,
	  check_shares_pmem, "a block partly persistent memory" },
	{ "subsection-collision", MT_SEV_ERROR, MT_EV_RESOURCES | MT_EV_BLOCK_SIZE, W_ADDR,
	  check_subsection_collision, "RAM and persistent memory inside one section" },
	{ "multi-zone", MT_SEV_INFO, MT_EV_ZONES, W_BASE, check_multi_zone,
	  "an online block whose valid_zones is none" },
	{ "state-mismatch", MT_SEV_ERROR, MT_EV_STATE, W_BASE | MT_WANT_ONLINE,
	  check_state_mismatch, "state holds garbage or disagrees with online" },
	{ "going-offline", MT_SEV_WARNING, MT_EV_STATE, W_BASE, check_going_offline,
	  "state still going-offline after a re-read" },
	{ "phys-index-mismatch", MT_SEV_ERROR, MT_EV_PHYS_INDEX, W_BASE | MT_WANT_PHYS_INDEX,
	  check_phys_index_mismatch, "phys_index is not the block's number" },
	{ "node-mask-mismatch", MT_SEV_WARNING, MT_EV_NODE_MASKS | MT_EV_ANY_LINKS | MT_EV_STATE,
	  W_BASE | MT_WANT_NODE_MASKS, check_node_mask_mismatch,
	  "has_memory disagrees with the online blocks" },
	{ "movable-ratio", MT_SEV_WARNING, MT_EV_ZONE_SIZES,
	  W_BASE | MT_WANT_ZONEINFO | MT_WANT_KERNEL, check_movable_ratio,
	  "MOVABLE:KERNEL above 3:1" },
	{ "auto-online-conflict", MT_SEV_WARNING, MT_EV_AUTO_ONLINE | MT_EV_UDEV,
	  W_BASE | MT_WANT_POLICY | MT_WANT_UDEV, check_auto_online_conflict,
	  "udev rules and the kernel both online new blocks" },
	{ "lmb-mismatch", MT_SEV_WARNING, MT_EV_MEMORY_DIR | MT_EV_BLOCK_SIZE,
	  W_BASE | MT_WANT_DRMEM, check_lmb_mismatch,
	  "pseries: an assigned LMB without a block, or a block whose LMB is not assigned" },
	{ "dlpar-onlined", MT_SEV_INFO, MT_EV_MEMORY_DIR | MT_EV_STATE, W_BASE | MT_WANT_DRMEM,
	  check_dlpar_onlined, "pseries: DLPAR memory the kernel onlined itself (no udev race)" },
	{ "removable-hazard", MT_SEV_WARNING, MT_EV_OSRELEASE | MT_EV_RESOURCES | MT_EV_BLOCK_SIZE,
	  W_ADDR, check_removable_hazard, "a pre-5.7 kernel and a block partly persistent memory" },
	{ "offline-blocks", MT_SEV_INFO, MT_EV_STATE, W_BASE, check_offline_blocks,
	  "present but offline blocks" },
	{ "unmovable-pages", MT_SEV_INFO, MT_EV_CENSUS | MT_EV_BLOCK_SIZE, W_BASE | MT_WANT_CENSUS,
	  check_unmovable_pages, "online blocks unlikely to go offline (page census)" },
};
const size_t mt_nchecks = ARRAY_SIZE(mt_checks);

/* What each piece of evidence is, for the note that says a check is off. */
static const char *const evidence_names[MT_EV_COUNT] = {
	"a usable block_size_bytes",
	"the node directory (sys/devices/system/node)",
	"memoryN/nodeK links",
	"nodeK/memoryN links",
	"node links",
	"memoryN/state",
	"memoryN/online",
	"memoryN/valid_zones",
	"memoryN/phys_index",
	"/proc/iomem and /sys/firmware/memmap",
	"/proc/zoneinfo",
	"node/has_memory",
	"/proc/sys/kernel/osrelease",
	"memory/auto_online_blocks",
	"udev rules directories",
	"zone sizes (/proc/zoneinfo or valid_zones)",
	"the memory directory (sys/devices/system/memory)",
	"a readable /proc/kpageflags (root only)",
};

const struct mt_check *mt_check_find(const char *id)
{
	for (size_t i = 0; i < mt_nchecks; i++)
		if (strcmp(mt_checks[i].id, id) == 0)
			return &mt_checks[i];
	return NULL;
}

int mt_check_order(const char *id)
{
	const struct mt_check *c = mt_check_find(id);

	return c ? (int)(c - mt_checks) : (int)mt_nchecks;
}

unsigned mt_check_evidence(const struct mt_snapshot *s)
{
	unsigned ev = 0;

	if (!s->block_size_err)
		ev |= MT_EV_BLOCK_SIZE;
	if (!s->memory_dir_absent)
		ev |= MT_EV_MEMORY_DIR;
	if (s->have_node_dir)
		ev |= MT_EV_NODE_DIR;
	if (s->norphans)
		ev |= MT_EV_BACK_LINKS;
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];
		const struct mt_block_detail *d = s->detail ? &s->detail[i] : NULL;

		if (b->nnodes)
			ev |= MT_EV_ANY_LINKS;
		if (b->nzones != MT_ZONES_UNKNOWN)
			ev |= MT_EV_ZONES | MT_EV_ZONE_SIZES;
		if (!d)
			continue;
		ev |= (d->fwd.n ? MT_EV_FWD_LINKS : 0) | (d->back.n ? MT_EV_BACK_LINKS : 0) |
		      (d->state_present ? MT_EV_STATE : 0) | (d->online >= 0 ? MT_EV_ONLINE : 0) |
		      (d->phys_index_present ? MT_EV_PHYS_INDEX : 0);
	}
	if (s->resources.source != MT_RES_NONE)
		ev |= MT_EV_RESOURCES;
	if (s->have_zoneinfo)
		ev |= MT_EV_ZONEINFO | MT_EV_ZONE_SIZES;
	if (s->masks.have_memory)
		ev |= MT_EV_NODE_MASKS;
	if (s->osrelease)
		ev |= MT_EV_OSRELEASE;
	if (s->auto_online_blocks)
		ev |= MT_EV_AUTO_ONLINE;
	if (s->udev.dirs_found)
		ev |= MT_EV_UDEV;
	if (s->verdict && !s->census_err)
		ev |= MT_EV_CENSUS;
	return ev;
}

/*
 * Section size by architecture (SECTION_SIZE_BITS): x86_64 and arm64 with
 * 4K/16K pages 128M (arm64 before 5.12: 1G), arm64 64K 512M, ppc64 16M,
 * s390 256M. A section is never larger than a block.
 */
static void section_size(struct mt_check_ctx *ctx)
{
	const struct mt_snapshot *s = ctx->s;
	const char *m = s->machine ? s->machine : "";
	unsigned long size = 128ul << 20;

	ctx->section_size_source = "x86_64 sections";
	if (strncmp(m, "aarch64", 7) == 0 || strncmp(m, "arm64", 5) == 0) {
		size = s->page_size >= 65536 ? 512ul << 20 : 128ul << 20;
		ctx->section_size_source = "arm64 sections";
	} else if (strncmp(m, "ppc64", 5) == 0) {
		size = 16ul << 20;
		ctx->section_size_source = "ppc64 sections";
	} else if (strncmp(m, "s390", 4) == 0) {
		size = 256ul << 20;
		ctx->section_size_source = "s390 sections";
	} else if (strcmp(m, "x86_64") != 0) {
		ctx->section_size_source = "architecture unknown, assuming 128M sections";
	}
	if (s->block_size && size > s->block_size)
		size = s->block_size;
	ctx->section_size = size;
}

void mt_check_ctx_init(struct mt_check_ctx *ctx, const struct mt_snapshot *s)
{
	*ctx = (struct mt_check_ctx){ .s = s, .evidence = mt_check_evidence(s) };
	section_size(ctx);
}

static bool listed(const char *const *ids, const char *id)
{
	for (; ids && *ids; ids++)
		if (strcmp(*ids, id) == 0)
			return true;
	return false;
}

bool mt_check_selected(const struct mt_check_filter *f, const char *id)
{
	if (!f)
		return true;
	if (f->only && !listed(f->only, id))
		return false;
	return !listed(f->skip, id);
}

static void append(char *buf, size_t size, size_t *len, const char *sep, const char *what)
{
	if (*len < size)
		*len += (size_t)snprintf(buf + *len, size - *len, "%s%s", *len ? sep : "", what);
}

/*
 * One note for everything the capture lacks that turned selected checks
 * off: a partial capture is worth a line, not a flood.
 */
static int note_evidence(const struct mt_check_ctx *ctx, const struct mt_check_filter *filter,
			 struct mt_findings *out)
{
	char absent[1024], off[1024];
	size_t alen = 0, olen = 0;
	struct mt_finding *f;

	absent[0] = off[0] = '\0';
	for (unsigned bit = 1; bit < (1u << MT_EV_COUNT); bit <<= 1) {
		bool turned_off = false;

		if (ctx->evidence & bit)
			continue;
		for (size_t i = 0; i < mt_nchecks; i++)
			turned_off |= (mt_checks[i].needs & bit) &&
				      mt_check_selected(filter, mt_checks[i].id);
		if (turned_off)
			append(absent, sizeof(absent), &alen, ", ",
			       evidence_names[__builtin_ctz(bit)]);
	}
	if (!alen)
		return 0;
	for (size_t i = 0; i < mt_nchecks; i++)
		if ((mt_checks[i].needs & ~ctx->evidence) &&
		    mt_check_selected(filter, mt_checks[i].id))
			append(off, sizeof(off), &olen, ", ", mt_checks[i].id);
	f = mt_findings_group(out, MT_ID_EVIDENCE_MISSING, MT_SEV_INFO, NULL);
	if (!f)
		return -ENOMEM;
	return mt_finding_set_message(f, "not available here: %s; checks off: %s", absent, off)
		       ?: mt_finding_set_hint(
				  f, "a partial capture or an old kernel; run memtopo check on "
				     "the live machine, as root, for the full check");
}

/* iomem shows zeroes to non-root readers (4.15+): say which map was used. */
static int note_resource_source(const struct mt_snapshot *s, struct mt_findings *out)
{
	struct mt_finding *f;

	if (s->resources.source != MT_RES_MEMMAP)
		return 0;
	f = mt_findings_group(out, MT_ID_RESOURCE_FALLBACK, MT_SEV_INFO, NULL);
	if (!f)
		return -ENOMEM;
	return mt_finding_set_message(f, "/proc/iomem unreadable or zeroed (not root?): address "
					 "checks used /sys/firmware/memmap, which lacks "
					 "hot-added and dax/kmem ranges")
		       ?: mt_finding_set_hint(f, "run as root for the full picture");
}

unsigned mt_checks_wants(const struct mt_check_filter *filter)
{
	/* iomem's fallback note and the summary need nothing more. */
	unsigned want = W_BASE | MT_WANT_POLICY;

	for (size_t i = 0; i < mt_nchecks; i++)
		if (mt_check_selected(filter, mt_checks[i].id))
			want |= mt_checks[i].wants;
	return want;
}

bool mt_checks_any_runs(const struct mt_snapshot *s, const struct mt_check_filter *filter)
{
	unsigned ev = mt_check_evidence(s);

	for (size_t i = 0; i < mt_nchecks; i++)
		if (mt_check_selected(filter, mt_checks[i].id) &&
		    (mt_checks[i].needs & ev) == mt_checks[i].needs)
			return true;
	return false;
}

int mt_checks_run(const struct mt_snapshot *s, const struct mt_check_filter *filter,
		  struct mt_findings *out)
{
	struct mt_check_ctx ctx;
	int r = 0;

	mt_check_ctx_init(&ctx, s);
	for (size_t i = 0; i < mt_nchecks && r == 0; i++) {
		const struct mt_check *c = &mt_checks[i];

		if (mt_check_selected(filter, c->id) && (c->needs & ctx.evidence) == c->needs)
			r = c->run(&ctx, out);
	}
	if (r == 0 && mt_check_selected(filter, MT_ID_EVIDENCE_MISSING))
		r = note_evidence(&ctx, filter, out);
	if (r == 0 && mt_check_selected(filter, MT_ID_RESOURCE_FALLBACK))
		r = note_resource_source(s, out);
	if (r == 0)
		mt_findings_sort(out, mt_check_order);
	return r;
}

int mt_checks_block_flags(const struct mt_snapshot *s, uint32_t **flags)
{
	struct mt_findings fs = { 0 };
	uint32_t *bits = calloc(s->nblocks ? s->nblocks : 1, sizeof(*bits));
	int r;

	_Static_assert(ARRAY_SIZE(mt_checks) <= 32, "one bit per check in FLAGS");
	if (!bits)
		return -ENOMEM;
	r = mt_checks_run(s, NULL, &fs);
	for (size_t i = 0; r == 0 && i < fs.n; i++) {
		int order = mt_check_order(fs.f[i].id);

		for (size_t k = 0; order < (int)mt_nchecks && k < fs.f[i].nblocks; k++) {
			long idx = mt_snapshot_find(s, fs.f[i].blocks[k]);

			if (idx >= 0)
				bits[idx] |= 1u << order;
		}
	}
	mt_findings_free(&fs);
	if (r < 0) {
		free(bits);
		return r;
	}
	*flags = bits;
	return 0;
}

/* Helpers for the checks. */

uint64_t mt_block_first_byte(const struct mt_snapshot *s, size_t idx)
{
	return (uint64_t)s->blocks[idx].id * s->block_size;
}

uint64_t mt_block_last_byte(const struct mt_snapshot *s, size_t idx)
{
	return mt_block_first_byte(s, idx) + s->block_size - 1;
}

bool mt_node_span(const struct mt_snapshot *s, int node, uint64_t *start, uint64_t *end)
{
	bool found = false;

	for (size_t i = 0; i < s->zoneinfo.n; i++) {
		const struct mt_zone_span *z = &s->zoneinfo.z[i];
		uint64_t lo, hi;

		if (z->node != node || !z->spanned || z->start_pfn == UINT64_MAX)
			continue;
		lo = z->start_pfn * s->page_size;
		hi = (z->start_pfn + z->spanned) * s->page_size;
		if (!found || lo < *start)
			*start = lo;
		if (!found || hi > *end)
			*end = hi;
		found = true;
	}
	return found;
}

const char *mt_blocks_subject(const struct mt_finding *f, char *buf, size_t size)
{
	size_t len;

	mt_format_blocks(f->blocks, f->nblocks, 8, buf, size);
	len = strlen(buf);
	snprintf(buf + len, size - len, " %s", f->nblocks == 1 ? "is" : "are");
	return buf;
}

int mt_describe(struct mt_findings *out, const char *id, const char *predicate, const char *hint)
{
	int r = 0;

	FOREACH_FINDING(out, id, f)
	{
		char subj[256];

		mt_blocks_subject(f, subj, sizeof(subj));
		r = r ?: mt_finding_set_message(f, "%s %s", subj, predicate);
		r = r ?: mt_finding_set_hint(f, "%s", hint);
	}
	return r;
}

int mt_group_add(struct mt_findings *out, const char *id, enum mt_severity sev, const char *key,
		 uint32_t block, const int *nodes, size_t nnodes)
{
	struct mt_finding *f = mt_findings_group(out, id, sev, key);

	if (!f || mt_finding_add_block(f, block) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < nnodes; i++)
		if (mt_finding_add_node(f, nodes[i]) < 0)
			return -ENOMEM;
	return 0;
}
