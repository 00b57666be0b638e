// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `list --json`: a stable document. The base fields are always there
 * (scripts should not depend on -o); extra columns add their own fields.
 * Sizes and addresses are integers (bytes); unknown or mixed values null.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/checks.h"
#include "shared/errno-name.h"
#include "shared/json-out.h"
#include "cli/render-list.h"

static struct json_object *nodes_json(const struct mt_snapshot *s, const struct mt_block *b)
{
	struct json_object *a = json_object_new_array_ext((int)b->nnodes);
	const int *nodes = mt_block_nodes(s, b);

	for (unsigned i = 0; a && i < b->nnodes; i++)
		json_object_array_add(a, json_object_new_int(nodes[i]));
	return a;
}

static struct json_object *zones_json(const struct mt_block *b)
{
	struct json_object *a;

	if (b->nzones == MT_ZONES_UNKNOWN)
		return NULL;
	a = json_object_new_array_ext(b->nzones);
	for (unsigned i = 0; a && i < b->nzones; i++)
		json_object_array_add(a, mt_json_str(mt_zone_name(b->zones[i])));
	return a;
}

static struct json_object *flags_json(const struct mt_list *l, const struct mt_range *r)
{
	uint32_t bits = l->flags ? l->flags[r->first] : 0;
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < mt_nchecks; i++)
		if (bits & (1u << i))
			json_object_array_add(a, mt_json_str(mt_checks[i].id));
	return a;
}

static bool shown(const struct mt_list *l, enum mt_list_col col)
{
	for (size_t i = 0; i < l->ncols; i++)
		if (l->cols[i] == (int)col)
			return true;
	return false;
}

static struct json_object *range_json(const struct mt_list *l, const struct mt_range *r)
{
	const struct mt_snapshot *s = l->snap;
	const struct mt_block *b = &s->blocks[r->first];
	struct json_object *o = json_object_new_object();
	uint64_t start = mt_range_start(s, r), end = mt_range_end(s, r);
	char range[64];
	int err = 0;

	if (!o)
		return NULL;
	snprintf(range, sizeof(range), "0x%016" PRIx64 "-0x%016" PRIx64, start, end);
	err |= mt_json_add(o, "range", mt_json_str(range));
	err |= mt_json_add(o, "start", json_object_new_uint64(start));
	err |= mt_json_add(o, "end", json_object_new_uint64(end));
	err |= mt_json_add(o, "size",
			   json_object_new_uint64((uint64_t)mt_range_blocks(r) * s->block_size));
	err |= mt_json_add(o, "state",
			   r->mixed & MT_SPLIT_STATE ? NULL : mt_json_str(mt_state_name(b->state)));
	err |= mt_json_add(o, "first_block", json_object_new_uint64(b->id));
	err |= mt_json_add(o, "last_block", json_object_new_uint64(s->blocks[r->last].id));
	err |= mt_json_add(o, "blocks", json_object_new_uint64(mt_range_blocks(r)));
	if (r->mixed & MT_SPLIT_NODE || b->nnodes == 0) {
		err |= mt_json_add(o, "node", NULL);
	} else if (b->nnodes == 1) {
		err |= mt_json_add(o, "node", json_object_new_int(b->node));
	} else {
		/* Several nodes: no single "node" to claim (lsmem shows one of them). */
		err |= mt_json_add(o, "node", NULL);
		err |= mt_json_add(o, "nodes", nodes_json(s, b));
	}
	err |= mt_json_add(o, "zones", r->mixed & MT_SPLIT_ZONES ? NULL : zones_json(b));
	if (shown(l, COL_REMOVABLE))
		err |= mt_json_add(o, "removable",
				   (r->mixed & MT_SPLIT_REMOVABLE) || b->removable < 0
					   ? NULL
					   : json_object_new_boolean(b->removable));
	if (shown(l, COL_OFFLINE)) {
		enum mt_verdict v = mt_block_offline_verdict(s, r->first);
		const char *why = mt_block_offline_reason(s, r->first);

		err |= mt_json_add(o, "offline_verdict",
				   (r->mixed & MT_SPLIT_VERDICT) || v == MT_VERDICT_NONE
					   ? NULL
					   : mt_json_str(mt_verdict_name(v)));
		err |= mt_json_add(o, "offline_reason",
				   (r->mixed & MT_SPLIT_VERDICT) || !why ? NULL : mt_json_str(why));
	}
	if (shown(l, COL_DRC)) {
		const struct mt_lmb *a = mt_block_lmb(s, r->first), *z = mt_block_lmb(s, r->last);
		bool ok = mt_lmb_has_drc(a) && mt_lmb_has_drc(z) && !(r->mixed & MT_SPLIT_DRC);

		err |= mt_json_add(o, "first_drc",
				   ok ? json_object_new_uint64(a->drc_index) : NULL);
		err |= mt_json_add(o, "last_drc", ok ? json_object_new_uint64(z->drc_index) : NULL);
	}
	if (shown(l, COL_FLAGS))
		err |= mt_json_add(o, "flags", r->mixed & MT_SPLIT_FLAGS ? NULL : flags_json(l, r));
	if (shown(l, COL_SOURCE) || shown(l, COL_DEVICE)) {
		bool mixed = r->mixed & MT_SPLIT_ORIGIN;
		const char *dev = mt_block_device(s, r->first);

		err |= mt_json_add(o, "source",
				   mixed ? NULL
					 : json_object_new_string(
						   mt_source_name(mt_block_source(s, r->first))));
		err |= mt_json_add(o, "device", mixed || !dev ? NULL : json_object_new_string(dev));
	}
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *string_or_null(const char *s)
{
	return s ? mt_json_str(s) : NULL;
}

static struct json_object *summary_json(const struct mt_list *l)
{
	const struct mt_list_summary *sum = &l->summary;
	struct json_object *o = json_object_new_object();
	int err = 0;

	if (!o)
		return NULL;
	err |= mt_json_add(o, "online_bytes", json_object_new_uint64(sum->online_bytes));
	err |= mt_json_add(o, "offline_bytes", json_object_new_uint64(sum->offline_bytes));
	if (sum->unknown_bytes)
		err |= mt_json_add(o, "unknown_bytes", json_object_new_uint64(sum->unknown_bytes));
	err |= mt_json_add(o, "blocks", json_object_new_uint64(sum->blocks));
	err |= mt_json_add(o, "auto_online_blocks", string_or_null(l->snap->auto_online_blocks));
	err |= mt_json_add(o, "online_policy", string_or_null(l->snap->online_policy));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

const char *mt_list_census_error(const struct mt_list *l, char *buf, size_t size)
{
	int e = -l->snap->census_err;

	/* FLAGS takes the census too (unmovable-pages) but shows no verdict. */
	if (!shown(l, COL_OFFLINE) || !e || e == ECANCELED)
		return NULL;
	snprintf(buf, size, "%s: /proc/kpageflags %s", mt_errno_name(-e),
		 e == EACCES || e == EPERM ? "is readable by root only"
		 : e == ENOENT             ? "is missing (no CONFIG_PROC_PAGE_MONITOR)"
					   : "cannot be read");
	return buf;
}

int mt_list_print_json(const struct mt_list *l, FILE *out)
{
	struct json_object *doc = mt_json_document(), *memory = NULL;
	char why[128];
	const char *census_error = mt_list_census_error(l, why, sizeof(why));
	int err = 0;

	if (!doc)
		return -ENOMEM;
	err |= mt_json_add(doc, "block_size", json_object_new_uint64(l->snap->block_size));
	/* Only when OFFLINE was asked and the census could not be taken. */
	if (census_error)
		err |= mt_json_add(doc, "census_error", mt_json_str(census_error));
	if (l->show_table) {
		memory = json_object_new_array_ext((int)l->nranges);
		err |= mt_json_add(doc, "memory", memory);
		for (size_t i = 0; memory && !err && i < l->nranges; i++) {
			struct json_object *r = range_json(l, &l->ranges[i]);

			err |= !r || json_object_array_add(memory, r) < 0;
		}
		err |= !memory;
	}
	if (l->show_summary) {
		struct json_object *sum = summary_json(l);

		err |= !sum || mt_json_add(doc, "summary", sum) < 0;
	}
	if (err) {
		json_object_put(doc);
		return -ENOMEM;
	}
	return mt_json_print(doc, out);
}
