// SPDX-License-Identifier: GPL-2.0-or-later
/* `show` as text and as JSON: the same facts, in the same order. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/render-check.h"
#include "cli/options.h"
#include "shared/json-out.h"
#include "cli/render-show.h"
#include "shared/text.h"
#include "shared/units.h"

static uint64_t first_byte(const struct mt_show *sh)
{
	return (uint64_t)sh->snap->blocks[sh->idx].id * sh->snap->block_size;
}

static uint64_t last_byte(const struct mt_show *sh)
{
	return first_byte(sh) + sh->snap->block_size - 1;
}

static bool overlaps(const struct mt_show *sh, uint64_t start, uint64_t end)
{
	return start <= last_byte(sh) && end >= first_byte(sh);
}

/* The zoneinfo zones whose span meets the block: where the kernel puts it. */
static bool zone_meets(const struct mt_show *sh, const struct mt_zone_span *z)
{
	uint64_t ps = sh->snap->page_size;

	return z->spanned && z->start_pfn != UINT64_MAX &&
	       overlaps(sh, z->start_pfn * ps, (z->start_pfn + z->spanned) * ps - 1);
}

static void print_set(FILE *out, const struct mt_nodeset *set)
{
	if (!set->n)
		fputs("none", out);
	for (unsigned i = 0; i < set->n; i++)
		fprintf(out, "%snode%d", i ? ", " : "", set->ids[i]);
}

/* The first and last block of the block's device (a DIMM's whole range); false: no device. */
static bool device_span(const struct mt_show *sh, uint32_t *first, uint32_t *last)
{
	const struct mt_snapshot *s = sh->snap;
	int dev = s->origin ? s->origin[sh->idx].device : -1;

	if (dev < 0)
		return false;
	*first = UINT32_MAX;
	*last = 0;
	for (size_t i = 0; i < s->nblocks; i++)
		if (s->origin[i].device == dev) {
			*first = s->blocks[i].id < *first ? s->blocks[i].id : *first;
			*last = s->blocks[i].id > *last ? s->blocks[i].id : *last;
		}
	return true;
}

static void text_origin(const struct mt_show *sh, FILE *out)
{
	uint32_t first, last;
	char dev[128];

	fprintf(out, "  %-13s %s", "source:", mt_source_name(mt_block_source(sh->snap, sh->idx)));
	/* A name read from iomem or a link: its bytes are shown, never sent. */
	if (device_span(sh, &first, &last))
		fprintf(out, ", device %s (memory%" PRIu32 "-%" PRIu32 ")",
			mt_visible(dev, sizeof(dev), mt_block_device(sh->snap, sh->idx)), first,
			last);
	fputc('\n', out);
}

/* pseries only (a device tree with LMBs): the block's DRC index and flags. */
static void text_lmb(const struct mt_show *sh, FILE *out)
{
	const struct mt_snapshot *s = sh->snap;
	const struct mt_lmb *l = mt_block_lmb(s, sh->idx);
	char flags[96];

	if (!(s->want & MT_WANT_DRMEM) || s->drmem_err == -ENOENT)
		return;
	if (s->drmem_err < 0)
		fprintf(out, "  %-13s - (device tree unreadable: %s)\n",
			"lmb:", mt_errno_name(s->drmem_err));
	else if (!l)
		fprintf(out, "  %-13s - (no LMB at this address in the device tree)\n", "lmb:");
	else if (!mt_lmb_has_drc(l))
		fprintf(out,
			"  %-13s no DRC index, flags 0x%" PRIx32 " (%s), aa index 0x%" PRIx32 "\n",
			"lmb:", l->flags, mt_drmem_flags_text(l->flags, flags, sizeof(flags)),
			l->aa_index);
	else
		fprintf(out,
			"  %-13s DRC index 0x%08" PRIx32 ", flags 0x%" PRIx32
			" (%s), aa index 0x%" PRIx32 "\n",
			"lmb:", l->drc_index, l->flags,
			mt_drmem_flags_text(l->flags, flags, sizeof(flags)), l->aa_index);
}

static void text_attrs(const struct mt_show *sh, FILE *out)
{
	const struct mt_block *b = &sh->snap->blocks[sh->idx];
	const struct mt_block_detail *d = &sh->snap->detail[sh->idx];
	char size[16];

	fprintf(out, "memory%" PRIu32 ": 0x%016" PRIx64 "-0x%016" PRIx64 " (%s)\n", b->id,
		first_byte(sh), last_byte(sh),
		mt_size_human(sh->snap->block_size, size, sizeof(size)));
	fprintf(out, "  %-13s %s", "state:", d->state_present ? d->state_raw : "- (missing)");
	fputc('\n', out);
	fprintf(out, "  %-13s %s\n", "online:", d->online < 0 ? "-" : d->online ? "1" : "0");
	fprintf(out, "  %-13s ", "valid_zones:");
	if (b->nzones == MT_ZONES_UNKNOWN)
		fputs("-", out);
	for (unsigned i = 0; b->nzones != MT_ZONES_UNKNOWN && i < b->nzones; i++)
		fprintf(out, "%s%s", i ? " " : "", mt_zone_name(b->zones[i]));
	fputc('\n', out);
	if (d->phys_index_present)
		fprintf(out, "  %-13s 0x%lx%s\n", "phys_index:", d->phys_index,
			d->phys_index == b->id ? "" : " (not the block's number)");
	else
		fprintf(out, "  %-13s -\n", "phys_index:");
	fprintf(out, "  %-13s memory%" PRIu32 " -> ", "links:", b->id);
	print_set(out, &d->fwd);
	fputs("; back from ", out);
	print_set(out, &d->back);
	fputc('\n', out);
	text_origin(sh, out);
	text_lmb(sh, out);
}

static void text_resources(const struct mt_show *sh, FILE *out)
{
	const struct mt_resources *res = &sh->snap->resources;
	bool any = false;

	for (size_t i = 0; i < res->n; i++) {
		const struct mt_resource *r = &res->r[i];
		char name[256];

		if (!overlaps(sh, r->start, r->end))
			continue;
		fprintf(out, "  %-13s %*s%016" PRIx64 "-%016" PRIx64 " %s\n",
			any                           ? ""
			: res->source == MT_RES_IOMEM ? "iomem:"
						      : "memmap:",
			2 * r->depth, "", r->start, r->end,
			mt_visible(name, sizeof(name), r->name));
		any = true;
	}
	if (!any)
		fprintf(out, "  %-13s %s\n", "iomem:",
			res->source == MT_RES_NONE ? "- (not available)" : "nothing inside");
}

static const char *census_unreadable(const struct mt_snapshot *s)
{
	switch (-s->census_err) {
	case ECANCELED:
		return "not taken (--no-census)";
	case EACCES:
	case EPERM:
		return "unreadable: /proc/kpageflags is for root";
	case ENOENT:
		return "unavailable: no /proc/kpageflags";
	default:
		return NULL;
	}
}

static void text_census(const struct mt_show *sh, FILE *out)
{
	const struct mt_snapshot *s = sh->snap;
	enum mt_verdict v = mt_block_offline_verdict(s, sh->idx);
	const char *why = mt_block_offline_reason(s, sh->idx);
	const struct mt_census *c;

	if (v == MT_VERDICT_NONE) {
		fprintf(out, "  %-13s - (offline)\n", "census:");
		return;
	}
	if (!s->census || s->census_err || !mt_census_taken(&s->census[sh->idx])) {
		if (s->census_err && census_unreadable(s))
			fprintf(out, "  %-13s %s\n", "census:", census_unreadable(s));
		else if (s->census_err)
			fprintf(out, "  %-13s unreadable: /proc/kpageflags: %s\n",
				"census:", mt_errno_name(s->census_err));
		else
			fprintf(out,
				"  %-13s unreadable: /proc/kpageflags ends before this block\n",
				"census:");
		if (why)
			fprintf(out, "  %-13s %s (%s)\n", "offline:", mt_verdict_name(v), why);
		else
			fprintf(out, "  %-13s unknown\n", "offline:");
		return;
	}
	c = &s->census[sh->idx];
	fprintf(out,
		"  %-13s %" PRIu64 " free, %" PRIu64 " movable, %" PRIu64 " huge, %" PRIu64
		" unmovable, %" PRIu64 " unknown (pages)\n",
		"census:", c->free, c->movable, c->huge, c->unmovable, c->unknown);
	if (why)
		fprintf(out, "  %-13s %s (%s)\n", "offline:", mt_verdict_name(v), why);
	else
		fprintf(out, "  %-13s %s\n", "offline:", mt_verdict_name(v));
}

static void text_zones(const struct mt_show *sh, FILE *out)
{
	const struct mt_zoneinfo *zi = &sh->snap->zoneinfo;
	bool any = false;

	for (size_t i = 0; i < zi->n; i++) {
		if (!zone_meets(sh, &zi->z[i]))
			continue;
		fprintf(out, "  %-13s node%d %s\n", any ? "" : "zone spans:", zi->z[i].node,
			mt_zone_name(zi->z[i].zone));
		any = true;
	}
	if (!any)
		fprintf(out, "  %-13s %s\n",
			"zone spans:", sh->snap->have_zoneinfo ? "none" : "- (no /proc/zoneinfo)");
}

int mt_show_print_text(const struct mt_show *sh, FILE *out)
{
	text_attrs(sh, out);
	text_resources(sh, out);
	text_zones(sh, out);
	text_census(sh, out);
	if (!sh->findings.n)
		fprintf(out, "  %-13s none\n", "findings:");
	for (size_t i = 0; i < sh->findings.n; i++) {
		const struct mt_finding *f = &sh->findings.f[i];

		fprintf(out, "  %-13s %s %s: %s\n",
			i ? "" : "findings:", mt_severity_name(f->severity), f->id, f->message);
		if (f->hint)
			fprintf(out, "  %-13s   hint: %s\n", "", f->hint);
	}
	return fflush(out) == 0 ? 0 : -errno;
}

static struct json_object *set_json(const struct mt_nodeset *set)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; a && i < set->n; i++)
		json_object_array_add(a, json_object_new_int(set->ids[i]));
	return a;
}

static struct json_object *resources_json(const struct mt_show *sh)
{
	const struct mt_resources *res = &sh->snap->resources;
	static const char *const kinds[] = { "other", "ram", "pmem" };
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < res->n; i++) {
		const struct mt_resource *r = &res->r[i];
		struct json_object *o;

		if (!overlaps(sh, r->start, r->end) || !(o = json_object_new_object()))
			continue;
		mt_json_add(o, "start", json_object_new_uint64(r->start));
		mt_json_add(o, "end", json_object_new_uint64(r->end));
		mt_json_add(o, "name", mt_json_str(r->name));
		mt_json_add(o, "kind", mt_json_str(kinds[r->kind]));
		mt_json_add(o, "depth", json_object_new_int((int)r->depth));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *zones_json(const struct mt_show *sh)
{
	const struct mt_zoneinfo *zi = &sh->snap->zoneinfo;
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < zi->n; i++) {
		struct json_object *o;

		if (!zone_meets(sh, &zi->z[i]) || !(o = json_object_new_object()))
			continue;
		mt_json_add(o, "node", json_object_new_int(zi->z[i].node));
		mt_json_add(o, "zone", mt_json_str(mt_zone_name(zi->z[i].zone)));
		json_object_array_add(a, o);
	}
	return a;
}

static void origin_json(const struct mt_show *sh, struct json_object *doc)
{
	const char *dev = mt_block_device(sh->snap, sh->idx);
	uint32_t first = 0, last = 0;
	bool span = device_span(sh, &first, &last);

	mt_json_add(doc, "source",
		    json_object_new_string(mt_source_name(mt_block_source(sh->snap, sh->idx))));
	mt_json_add(doc, "device", dev ? json_object_new_string(dev) : NULL);
	mt_json_add(doc, "device_first_block", span ? json_object_new_uint64(first) : NULL);
	mt_json_add(doc, "device_last_block", span ? json_object_new_uint64(last) : NULL);
}

static struct json_object *lmb_json(const struct mt_lmb *l)
{
	struct json_object *o, *names;
	char text[96], *save = NULL;

	if (!l || !(o = json_object_new_object()))
		return NULL;
	mt_json_add(o, "drc_index",
		    mt_lmb_has_drc(l) ? json_object_new_uint64(l->drc_index) : NULL);
	mt_json_add(o, "aa_index", json_object_new_uint64(l->aa_index));
	mt_json_add(o, "flags", json_object_new_uint64(l->flags));
	names = json_object_new_array();
	mt_drmem_flags_text(l->flags, text, sizeof(text));
	for (char *w = strtok_r(text, ",", &save); names && l->flags && w;
	     w = strtok_r(NULL, ",", &save))
		json_object_array_add(names, mt_json_str(w));
	mt_json_add(o, "flag_names", names);
	return o;
}

static void json_attrs(const struct mt_show *sh, struct json_object *doc)
{
	const struct mt_block *b = &sh->snap->blocks[sh->idx];
	const struct mt_block_detail *d = &sh->snap->detail[sh->idx];
	struct json_object *zones = NULL, *links = json_object_new_object();

	mt_json_add(doc, "block", json_object_new_uint64(b->id));
	mt_json_add(doc, "start", json_object_new_uint64(first_byte(sh)));
	mt_json_add(doc, "end", json_object_new_uint64(last_byte(sh)));
	mt_json_add(doc, "size", json_object_new_uint64(sh->snap->block_size));
	mt_json_add(doc, "state", mt_json_str(mt_state_name(b->state)));
	mt_json_add(doc, "state_raw", d->state_present ? mt_json_str(d->state_raw) : NULL);
	mt_json_add(doc, "online", d->online < 0 ? NULL : json_object_new_boolean(d->online));
	if (b->nzones != MT_ZONES_UNKNOWN) {
		zones = json_object_new_array();
		for (unsigned i = 0; zones && i < b->nzones; i++)
			json_object_array_add(zones, mt_json_str(mt_zone_name(b->zones[i])));
	}
	mt_json_add(doc, "zones", zones);
	mt_json_add(doc, "phys_index",
		    d->phys_index_present ? json_object_new_uint64(d->phys_index) : NULL);
	mt_json_add(doc, "node", b->nnodes == 1 ? json_object_new_int(b->node) : NULL);
	if (b->nnodes > 1)
		mt_json_add(doc, "nodes",
			    set_json(&(struct mt_nodeset){
				    .n = b->nnodes, .ids = (int *)mt_block_nodes(sh->snap, b) }));
	if (links) {
		mt_json_add(links, "forward", set_json(&d->fwd));
		mt_json_add(links, "back", set_json(&d->back));
	}
	mt_json_add(doc, "links", links);
	origin_json(sh, doc);
	mt_json_add(doc, "lmb", lmb_json(mt_block_lmb(sh->snap, sh->idx)));
}

static void census_json(const struct mt_show *sh, struct json_object *doc)
{
	const struct mt_snapshot *s = sh->snap;
	enum mt_verdict v = mt_block_offline_verdict(s, sh->idx);
	const char *why = mt_block_offline_reason(s, sh->idx);
	const struct mt_census *c = s->census ? &s->census[sh->idx] : NULL;
	struct json_object *o = NULL;

	mt_json_add(doc, "offline_verdict",
		    v == MT_VERDICT_NONE ? NULL : mt_json_str(mt_verdict_name(v)));
	mt_json_add(doc, "offline_reason", why ? mt_json_str(why) : NULL);
	if (c && !s->census_err && mt_census_taken(c) && (o = json_object_new_object())) {
		mt_json_add(o, "free", json_object_new_uint64(c->free));
		mt_json_add(o, "movable", json_object_new_uint64(c->movable));
		mt_json_add(o, "huge", json_object_new_uint64(c->huge));
		mt_json_add(o, "unmovable", json_object_new_uint64(c->unmovable));
		mt_json_add(o, "unknown", json_object_new_uint64(c->unknown));
	}
	mt_json_add(doc, "census", o);
}

int mt_show_print_json(const struct mt_show *sh, FILE *out)
{
	struct json_object *doc = mt_json_document(), *findings;

	if (!doc)
		return -ENOMEM;
	json_attrs(sh, doc);
	mt_json_add(doc, "resources", resources_json(sh));
	mt_json_add(doc, "resource_source",
		    mt_json_str(sh->snap->resources.source == MT_RES_IOMEM    ? "iomem"
				: sh->snap->resources.source == MT_RES_MEMMAP ? "memmap"
									      : "none"));
	mt_json_add(doc, "zone_spans", zones_json(sh));
	census_json(sh, doc);
	findings = json_object_new_array();
	for (size_t i = 0; findings && i < sh->findings.n; i++)
		json_object_array_add(findings, mt_finding_json(&sh->findings.f[i]));
	mt_json_add(doc, "findings", findings);
	return mt_json_print(doc, out);
}
