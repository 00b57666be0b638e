// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A whole sysroot: the input is decoded into a small tree (tree.h) on
 * tmpfs, then read as list, check and show read it, in-process: snapshot,
 * checks, ranges, and every renderer into memory. Every JSON document
 * must be UTF-8 and parse; list's ranges must keep their own invariants
 * (start <= end, end - start + 1 == size); text for a terminal holds no
 * control bytes. Classes still pending (fuzz.h) are exercised, not asserted.
 */
#include <inttypes.h>
#include <json-c/json.h>

#include "cli/render-check.h"
#include "cli/render-list.h"
#include "cli/render-show.h"
#include "core/checks.h"
#include "core/ranges.h"
#include "core/snapshot.h"
#include "shared/sysroot.h"

#include "fuzz.h"
#include "tree.h"

typedef int (*render_fn)(const void *what, FILE *out);

/* Run a renderer into memory; the text, NUL-terminated, and its length. */
static char *render(int (*fn)(const void *, FILE *), const void *what, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	fn(what, f);
	fclose(f);
	return buf;
}

#define RENDER(fn, what, len) render((int (*)(const void *, FILE *))(fn), (what), (len))

static void text_check(const char *what, const char *text, size_t len)
{
	if (fuzz_pending("terminal"))
		return;
	FUZZ_ASSERT(fuzz_text_clean(text, len), "%s: control bytes or invalid UTF-8 in text", what);
}

static void json_doc(const char *what, char *doc, size_t len, void (*more)(struct json_object *))
{
	struct json_object *o = fuzz_json_check(what, doc, len);

	if (o && more)
		more(o);
	json_object_put(o);
	free(doc);
}

/* Each range of list -J is what it says: ordered, and as long as its size. */
static void list_invariants(struct json_object *doc)
{
	struct json_object *mem, *bs;
	uint64_t block_size;

	if (fuzz_pending("wrap") || !json_object_object_get_ex(doc, "memory", &mem) ||
	    !json_object_object_get_ex(doc, "block_size", &bs))
		return;
	block_size = json_object_get_uint64(bs);
	for (size_t i = 0; i < json_object_array_length(mem); i++) {
		struct json_object *r = json_object_array_get_idx(mem, i), *v;
		uint64_t start = 0, end = 0, size = 0, blocks = 0;

		if (json_object_object_get_ex(r, "start", &v))
			start = json_object_get_uint64(v);
		if (json_object_object_get_ex(r, "end", &v))
			end = json_object_get_uint64(v);
		if (json_object_object_get_ex(r, "size", &v))
			size = json_object_get_uint64(v);
		if (json_object_object_get_ex(r, "blocks", &v))
			blocks = json_object_get_uint64(v);
		FUZZ_ASSERT(start <= end, "range %zu: start 0x%" PRIx64 " after end 0x%" PRIx64, i,
			    start, end);
		FUZZ_ASSERT(size != 0 && end - start + 1 == size,
			    "range %zu: 0x%" PRIx64 "-0x%" PRIx64 " is not %" PRIu64 " bytes", i,
			    start, end, size);
		FUZZ_ASSERT(blocks != 0 && size / blocks == block_size && size % blocks == 0,
			    "range %zu: %" PRIu64 " blocks of %" PRIu64 " are not %" PRIu64, i,
			    blocks, block_size, size);
	}
}

static void snapshot_invariants(const struct mt_snapshot *s)
{
	for (size_t i = 1; i < s->nblocks; i++)
		FUZZ_ASSERT(s->blocks[i - 1].id < s->blocks[i].id, "blocks %zu and %zu unsorted",
			    i - 1, i);
	FUZZ_ASSERT(s->block_size == 0 || (s->block_size & (s->block_size - 1)) == 0,
		    "block size %lu", s->block_size);
	if (!fuzz_pending("wrap") && s->block_size) {
		FUZZ_ASSERT(s->block_size <= (UINT64_C(64) << 30), "block size %lu accepted",
			    s->block_size);
		for (size_t i = 0; i < s->nblocks; i++)
			FUZZ_ASSERT((uint64_t)s->blocks[i].id <= UINT64_MAX / s->block_size - 1,
				    "memory%" PRIu32 " of %lu bytes ends past 2^64",
				    s->blocks[i].id, s->block_size);
	}
}

static void check_ranges(const struct mt_snapshot *s, const struct mt_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(r[i].first <= r[i].last && r[i].last < s->nblocks, "range %zu", i);
		FUZZ_ASSERT(i == 0 || r[i].first > r[i - 1].last, "ranges %zu and %zu overlap",
			    i - 1, i);
	}
}

static void list_outputs(const struct mt_snapshot *s, const uint32_t *flags, unsigned split,
			 bool per_block)
{
	struct mt_list l = { .snap = s,
			     .flags = (uint32_t *)flags,
			     .split = split,
			     .show_table = true,
			     .show_summary = true };
	char *text;
	size_t len;

	if (mt_ranges_build(s, NULL, flags, split, per_block, &l.ranges, &l.nranges) < 0)
		return;
	check_ranges(s, l.ranges, l.nranges);
	for (int c = 0; c < MT_LIST_NCOLS; c++)
		if (c != COL_REMOVABLE || per_block)
			l.cols[l.ncols++] = c;
	for (size_t i = 0; i < s->nblocks; i++) {
		l.summary.blocks++;
		if (s->blocks[i].state == MT_STATE_OFFLINE)
			l.summary.offline_bytes += s->block_size;
		else if (s->blocks[i].state == MT_STATE_UNKNOWN)
			l.summary.unknown_bytes += s->block_size;
		else
			l.summary.online_bytes += s->block_size;
	}
	text = RENDER(mt_list_print_json, &l, &len);
	json_doc("list -J", text, len, list_invariants);
	text = RENDER(mt_list_print_table, &l, &len);
	text_check("list", text, len);
	free(text);
	l.raw = per_block;
	l.pairs = !per_block;
	l.bytes = true;
	text = RENDER(mt_list_print_table, &l, &len);
	text_check("list -r/-P", text, len);
	free(text);
	free(l.ranges);
}

static void check_outputs(const struct mt_snapshot *s)
{
	struct mt_check_report rep = { .snap = s, .min_severity = MT_SEV_INFO };
	char *text;
	size_t len;

	if (mt_checks_run(s, NULL, &rep.findings) < 0)
		return;
	for (size_t i = 0; i < rep.findings.n; i++) {
		FUZZ_ASSERT(rep.findings.f[i].severity < MT_SEV_COUNT, "finding %zu", i);
		rep.counts[rep.findings.f[i].severity]++;
	}
	rep.status = rep.counts[MT_SEV_ERROR]     ? MT_STATUS_ERROR
		     : rep.counts[MT_SEV_WARNING] ? MT_STATUS_WARNING
						  : MT_STATUS_OK;
	text = RENDER(mt_check_print_json, &rep, &len);
	json_doc("check -J", text, len, NULL);
	text = RENDER(mt_check_print_text, &rep, &len);
	text_check("check", text, len);
	free(text);
	text = RENDER(mt_check_print_prometheus, &rep, &len);
	text_check("check --format prometheus", text, len);
	free(text);
	mt_findings_free(&rep.findings);
}

static void show_outputs(const struct mt_sysroot *sr, struct mt_snapshot *s, size_t idx)
{
	static const char *const skip[] = { "unmovable-pages", NULL };
	struct mt_check_filter filter = { .skip = skip };
	struct mt_show sh = { .snap = s, .idx = idx };
	char *text;
	size_t len;

	mt_snapshot_census_block(sr, s, idx);
	if (mt_checks_run(s, &filter, &sh.findings) < 0)
		return;
	text = RENDER(mt_show_print_json, &sh, &len);
	json_doc("show -J", text, len, NULL);
	text = RENDER(mt_show_print_text, &sh, &len);
	text_check("show", text, len);
	free(text);
	mt_findings_free(&sh.findings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mt_sysroot sr;
	struct mt_snapshot *s = NULL;
	uint32_t *flags = NULL;
	bool huge = false;

	tree_build(data, size);
	if (mt_sysroot_open(&sr, tree_root()) < 0) {
		mt_sysroot_close(&sr);
		return 0;
	}
	/* What list reads with its default columns: no detail, node from the links. */
	if (mt_snapshot_read(&sr, MT_WANT_STATE | MT_WANT_ZONES | MT_WANT_NODES, &s, NULL) == 0) {
		snapshot_invariants(s);
		/*
		 * A block size no kernel has makes the census ask malloc for
		 * petabytes (issue 12, "wrap"): while that is pending, such a
		 * tree is read as list reads it, and no further.
		 */
		huge = s->block_size > (UINT64_C(64) << 30) && fuzz_pending("wrap");
		if (s->block_size)
			list_outputs(s, NULL, MT_SPLIT_STATE | MT_SPLIT_NODE | MT_SPLIT_ZONES,
				     false);
		mt_snapshot_free(s);
		s = NULL;
	}
	/* What check and show read: everything. */
	if (!huge && mt_snapshot_read(&sr, MT_WANT_CHECK | MT_WANT_MEMINFO | MT_WANT_REMOVABLE, &s,
				      NULL) == 0) {
		snapshot_invariants(s);
		if (s->nblocks)
			check_outputs(s);
		if (s->block_size && mt_checks_block_flags(s, &flags) == 0) {
			list_outputs(s, flags, 0, true);
			list_outputs(s, flags, ~0u, false);
		}
		if (s->block_size && s->nblocks) {
			show_outputs(&sr, s, 0);
			show_outputs(&sr, s, s->nblocks - 1);
		}
		free(flags);
		mt_snapshot_free(s);
	}
	mt_sysroot_close(&sr);
	return 0;
}
