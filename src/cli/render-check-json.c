// SPDX-License-Identifier: GPL-2.0-or-later
/* `check --json`: the document in cli.md. */
#include <errno.h>

#include "cli/render-check.h"
#include "shared/json-out.h"

struct json_object *mt_finding_json(const struct mt_finding *f)
{
	struct json_object *o = json_object_new_object();
	struct json_object *blocks = json_object_new_array_ext((int)f->nblocks);
	struct json_object *nodes = json_object_new_array_ext((int)f->nnodes);
	int err = !o || !blocks || !nodes;

	for (size_t i = 0; !err && i < f->nblocks; i++)
		err |= json_object_array_add(blocks, json_object_new_uint64(f->blocks[i])) < 0;
	for (size_t i = 0; !err && i < f->nnodes; i++)
		err |= json_object_array_add(nodes, json_object_new_int(f->nodes[i])) < 0;
	if (err) {
		json_object_put(o);
		json_object_put(blocks);
		json_object_put(nodes);
		return NULL;
	}
	err |= mt_json_add(o, "id", mt_json_str(f->id));
	err |= mt_json_add(o, "severity", mt_json_str(mt_severity_name(f->severity)));
	err |= mt_json_add(o, "blocks", blocks);
	err |= mt_json_add(o, "nodes", nodes);
	err |= mt_json_add(o, "message", mt_json_str(f->message ? f->message : ""));
	err |= mt_json_add(o, "hint", f->hint ? mt_json_str(f->hint) : NULL);
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int mt_check_print_json(const struct mt_check_report *rep, FILE *out)
{
	struct json_object *doc = mt_json_document();
	struct json_object *findings = json_object_new_array_ext((int)rep->findings.n);
	struct json_object *summary = json_object_new_object();
	int err = !doc || !findings || !summary;

	for (size_t i = 0; !err && i < rep->findings.n; i++) {
		struct json_object *f = mt_finding_json(&rep->findings.f[i]);

		err |= !f || json_object_array_add(findings, f) < 0;
	}
	if (!err) {
		err |= mt_json_add(summary, "error",
				   json_object_new_uint64(rep->counts[MT_SEV_ERROR]));
		err |= mt_json_add(summary, "warning",
				   json_object_new_uint64(rep->counts[MT_SEV_WARNING]));
		err |= mt_json_add(summary, "info",
				   json_object_new_uint64(rep->counts[MT_SEV_INFO]));
		err |= mt_json_add(summary, "blocks_checked",
				   json_object_new_uint64(rep->snap->nblocks));
		err |= mt_json_add(doc, "findings", findings);
		findings = NULL;
		err |= mt_json_add(doc, "summary", summary);
		summary = NULL;
		err |= mt_json_add(doc, "status", mt_json_str(mt_check_status_name(rep->status)));
	}
	json_object_put(findings);
	json_object_put(summary);
	if (err) {
		json_object_put(doc);
		return -ENOMEM;
	}
	return mt_json_print(doc, out);
}
