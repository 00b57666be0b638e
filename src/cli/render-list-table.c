// SPDX-License-Identifier: GPL-2.0-or-later
/* `list` as a table, through libsmartcols (gives raw, pairs, noheadings). */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <string.h>

#include "core/checks.h"
#include "cli/render-list.h"
#include "shared/text.h"
#include "shared/units.h"

static const char *size_cell(const struct mt_list *l, uint64_t bytes, char *buf, size_t size)
{
	if (l->bytes) {
		snprintf(buf, size, "%" PRIu64, bytes);
		return buf;
	}
	return mt_size_human(bytes, buf, size);
}

static const char *nodes_cell(const struct mt_snapshot *s, const struct mt_block *b, char *buf,
			      size_t size)
{
	const int *nodes = mt_block_nodes(s, b);
	size_t len = 0;

	if (b->nnodes == 0)
		return "-";
	buf[0] = '\0';
	for (unsigned i = 0; i < b->nnodes && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", nodes[i]);
	return buf;
}

static const char *zones_cell(const struct mt_block *b, char *buf, size_t size)
{
	size_t len = 0;

	if (b->nzones == MT_ZONES_UNKNOWN)
		return "-";
	buf[0] = '\0';
	for (unsigned i = 0; i < b->nzones && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "/" : "",
					mt_zone_name(b->zones[i]));
	return buf;
}

static const char *flags_cell(const struct mt_list *l, const struct mt_range *r, char *buf,
			      size_t size)
{
	uint32_t bits = l->flags ? l->flags[r->first] : 0;
	size_t len = 0;

	if (!bits)
		return "-";
	buf[0] = '\0';
	for (size_t i = 0; i < mt_nchecks && len < size; i++)
		if (bits & (1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
						mt_checks[i].id);
	return buf;
}

/* 0x80000008, or 0x80000008-0x80000009 for a range; - without an LMB. */
static const char *drc_cell(const struct mt_snapshot *s, const struct mt_range *r, char *buf,
			    size_t size)
{
	const struct mt_lmb *a = mt_block_lmb(s, r->first), *b = mt_block_lmb(s, r->last);

	if (!mt_lmb_has_drc(a) || !mt_lmb_has_drc(b) || (r->mixed & MT_SPLIT_DRC))
		return "-";
	if (r->first == r->last)
		snprintf(buf, size, "0x%08" PRIx32, a->drc_index);
	else
		snprintf(buf, size, "0x%08" PRIx32 "-0x%08" PRIx32, a->drc_index, b->drc_index);
	return buf;
}

static const char *cell(const struct mt_list *l, const struct mt_range *r, enum mt_list_col col,
			char *buf, size_t size)
{
	const struct mt_snapshot *s = l->snap;
	const struct mt_block *first = &s->blocks[r->first], *last = &s->blocks[r->last];
	unsigned split = mt_list_columns[col].split;

	/* A merged range never claims a value that one of its blocks lacks. */
	if (split && (r->mixed & split))
		return "-";
	switch (col) {
	case COL_RANGE:
		snprintf(buf, size, "0x%016" PRIx64 "-0x%016" PRIx64, mt_range_start(s, r),
			 mt_range_end(s, r));
		return buf;
	case COL_SIZE:
		return size_cell(l, (uint64_t)mt_range_blocks(r) * s->block_size, buf, size);
	case COL_STATE:
		return mt_state_name(first->state);
	case COL_BLOCK:
		if (first == last)
			snprintf(buf, size, "%" PRIu32, first->id);
		else
			snprintf(buf, size, "%" PRIu32 "-%" PRIu32, first->id, last->id);
		return buf;
	case COL_NODE:
		return nodes_cell(s, first, buf, size);
	case COL_ZONES:
		return zones_cell(first, buf, size);
	case COL_REMOVABLE:
		return first->removable < 0 ? "-" : first->removable ? "yes" : "no";
	case COL_FLAGS:
		return flags_cell(l, r, buf, size);
	case COL_START:
		snprintf(buf, size, "0x%016" PRIx64, mt_range_start(s, r));
		return buf;
	case COL_END:
		snprintf(buf, size, "0x%016" PRIx64, mt_range_end(s, r));
		return buf;
	case COL_BLOCKS:
		snprintf(buf, size, "%zu", mt_range_blocks(r));
		return buf;
	case COL_OFFLINE:
		return mt_verdict_name(mt_block_offline_verdict(s, r->first));
	case COL_SOURCE:
		return mt_source_name(mt_block_source(s, r->first));
	case COL_DEVICE:
		/* A name read from iomem or a link: its bytes are shown, never sent. */
		return mt_block_device(s, r->first)
			       ? mt_visible(buf, size, mt_block_device(s, r->first))
			       : "-";
	case COL_DRC:
		return drc_cell(s, r, buf, size);
	case MT_LIST_NCOLS:
		break;
	}
	return "-";
}

/* Colour only what needs a second look: several nodes, odd states. */
static const char *cell_color(const struct mt_list *l, const struct mt_range *r,
			      enum mt_list_col col)
{
	const struct mt_block *b = &l->snap->blocks[r->first];

	if (col == COL_NODE && b->nnodes > 1)
		return "red";
	if (col == COL_STATE && !(r->mixed & MT_SPLIT_STATE) &&
	    (b->state == MT_STATE_GOING_OFFLINE || b->state == MT_STATE_UNKNOWN))
		return "yellow";
	return NULL;
}

static int print_ranges(const struct mt_list *l, FILE *out)
{
	struct libscols_table *tb = scols_new_table();
	int r = 0;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, l->raw);
	scols_table_enable_export(tb, l->pairs);
	scols_table_enable_noheadings(tb, l->noheadings);
	scols_table_enable_colors(tb, l->color);
	scols_table_set_stream(tb, out);
	for (size_t i = 0; i < l->ncols && r == 0; i++) {
		const struct mt_list_column *c = &mt_list_columns[l->cols[i]];

		if (!scols_table_new_column(tb, c->name, c->whint, c->scols_flags))
			r = -ENOMEM;
	}
	for (size_t i = 0; i < l->nranges && r == 0; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln) {
			r = -ENOMEM;
			break;
		}
		for (size_t c = 0; c < l->ncols && r == 0; c++) {
			char buf[512];
			const char *color =
				l->color ? cell_color(l, &l->ranges[i], l->cols[c]) : NULL;

			r = scols_line_set_data(
				ln, c, cell(l, &l->ranges[i], l->cols[c], buf, sizeof(buf)));
			if (r == 0 && color)
				r = scols_cell_set_color(scols_line_get_cell(ln, c), color);
		}
	}
	if (r == 0)
		r = scols_print_table(tb);
	scols_unref_table(tb);
	return r;
}

/* As lsmem: sizes right-aligned in 5 columns, or 15 with --bytes. */
static void summary_line(const struct mt_list *l, FILE *out, const char *label, const char *value)
{
	fprintf(out, "%-23s %*s\n", label, l->bytes ? 15 : 5, value);
}

static void print_summary(const struct mt_list *l, FILE *out)
{
	const struct mt_list_summary *sum = &l->summary;
	const struct mt_snapshot *s = l->snap;
	char buf[32];

	summary_line(l, out, "Memory block size:", size_cell(l, s->block_size, buf, sizeof(buf)));
	summary_line(l, out,
		     "Total online memory:", size_cell(l, sum->online_bytes, buf, sizeof(buf)));
	summary_line(l, out,
		     "Total offline memory:", size_cell(l, sum->offline_bytes, buf, sizeof(buf)));
	if (sum->unknown_bytes)
		summary_line(l, out, "Unknown-state memory:",
			     size_cell(l, sum->unknown_bytes, buf, sizeof(buf)));
	if (s->auto_online_blocks)
		summary_line(l, out, "Auto-online blocks:", s->auto_online_blocks);
	if (s->online_policy)
		summary_line(l, out, "Online policy:", s->online_policy);
}

int mt_list_print_table(const struct mt_list *l, FILE *out)
{
	int r;

	if (l->show_table) {
		r = print_ranges(l, out);
		if (r < 0)
			return r;
		if (l->show_summary)
			fputc('\n', out);
	}
	if (l->show_summary)
		print_summary(l, out);
	return fflush(out) == 0 ? 0 : -errno;
}
