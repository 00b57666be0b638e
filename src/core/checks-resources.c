// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A block against the physical address map: holes, persistent memory in
 * the same block or section (kernel.md, bugs (c) and (d)).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checks-internal.h"
#include "shared/kversion.h"
#include "shared/units.h"

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * Bytes of [first, last] that are persistent memory and not RAM. RAM
 * inside a PMEM region ("System RAM (kmem)" under dax) is memory like any
 * other: a block made of it shares nothing. PMEM resources nest (namespace
 * in region), so their union is walked run by run: from `from`, the next
 * stretch covered by some PMEM resource, extended while resources overlap.
 */
static uint64_t pmem_not_ram(const struct mt_resources *res, uint64_t first, uint64_t last)
{
	uint64_t bytes = 0, from = first;

	while (from <= last) {
		uint64_t lo = UINT64_MAX, hi = 0;
		bool grew = true;

		for (size_t i = 0; i < res->n; i++) {
			const struct mt_resource *p = &res->r[i];

			if (p->kind == MT_RES_PMEM && p->end >= from && p->start <= last &&
			    max64(p->start, from) < lo)
				lo = max64(p->start, from);
		}
		if (lo == UINT64_MAX)
			break;
		hi = lo;
		while (grew) {
			grew = false;
			for (size_t i = 0; i < res->n; i++) {
				const struct mt_resource *p = &res->r[i];

				if (p->kind == MT_RES_PMEM && p->start <= hi + 1 && p->end > hi &&
				    p->end >= lo) {
					hi = min64(p->end, last);
					grew = true;
				}
			}
			if (hi == last)
				break;
		}
		bytes += (hi - lo + 1) - mt_resources_coverage(res, MT_RES_RAM, lo, hi);
		if (hi == last)
			break;
		from = hi + 1;
	}
	return bytes;
}

static uint64_t ram_in(const struct mt_snapshot *s, size_t i)
{
	return mt_resources_coverage(&s->resources, MT_RES_RAM, mt_block_first_byte(s, i),
				     mt_block_last_byte(s, i));
}

CHECK_FN(check_partial_ram)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (ram_in(s, i) < s->block_size)
			r = mt_group_add(out, "partial-ram", MT_SEV_INFO, NULL, b->id,
					 mt_block_nodes(s, b), b->nnodes);
	}
	FOREACH_FINDING(out, "partial-ram", f)
	{
		char subj[256];

		mt_blocks_subject(f, subj, sizeof(subj));
		r = r
			    ?: mt_finding_set_message(f,
						      "%s only partly System RAM in %s (holes or "
						      "reserved ranges)",
						      subj,
						      s->resources.source == MT_RES_IOMEM
							      ? "/proc/iomem"
							      : "the firmware memmap");
		r = r
			    ?: mt_finding_set_hint(
				       f, "the kernel refuses to offline a block with holes "
					  "(EINVAL since 5.6): leave it out of hot-remove plans");
	}
	return r;
}

static bool shares_pmem(const struct mt_snapshot *s, size_t i)
{
	uint64_t first = mt_block_first_byte(s, i), last = mt_block_last_byte(s, i);

	return ram_in(s, i) > 0 && pmem_not_ram(&s->resources, first, last) > 0;
}

CHECK_FN(check_shares_pmem)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (shares_pmem(s, i))
			r = mt_group_add(out, "shares-pmem", MT_SEV_ERROR, NULL, b->id,
					 mt_block_nodes(s, b), b->nnodes);
	}
	return r
		       ?: mt_describe(out, "shares-pmem",
				      "partly System RAM and partly persistent memory: only part "
				      "of the "
				      "block is online",
				      "never read removable on it (crashed kernels before 5.7) and "
				      "do not "
				      "try to offline it; lsmem reads removable by default");
}

/*
 * A boundary between RAM and persistent memory that is not on a section
 * boundary: sub-section hotplug (5.3+) put both in one section. Holes and
 * reserved ranges next to RAM are ordinary and not counted.
 */
static bool has_subsection_collision(const struct mt_check_ctx *ctx, size_t i)
{
	const struct mt_resources *res = &ctx->s->resources;
	uint64_t first = mt_block_first_byte(ctx->s, i), last = mt_block_last_byte(ctx->s, i);
	uint64_t at[16];
	size_t n = mt_resources_ram_boundaries(res, first, last, at, ARRAY_SIZE(at));

	for (size_t k = 0; k < n && k < ARRAY_SIZE(at); k++)
		if (at[k] % ctx->section_size && pmem_not_ram(res, at[k] - 1, at[k]) > 0)
			return true;
	return false;
}

CHECK_FN(check_subsection_collision)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (has_subsection_collision(ctx, i))
			r = mt_group_add(out, "subsection-collision", MT_SEV_ERROR, NULL, b->id,
					 mt_block_nodes(s, b), b->nnodes);
	}
	FOREACH_FINDING(out, "subsection-collision", f)
	{
		char subj[256], sec[16];

		mt_blocks_subject(f, subj, sizeof(subj));
		mt_size_human(ctx->section_size, sec, sizeof(sec));
		r = r
			    ?: mt_finding_set_message(f,
						      "%s holding a RAM/persistent-memory boundary "
						      "inside one %s memory section (%s)",
						      subj, sec, ctx->section_size_source);
		r = r
			    ?: mt_finding_set_hint(
				       f, "sub-section hotplug (5.3+) put device memory and "
					  "RAM in one section: do not offline these blocks or "
					  "reconfigure the namespace next to them without a "
					  "maintenance window");
	}
	return r;
}

/* Before 53cdc1cb29e8 (5.7) reading removable on such a block hit VM_BUG_ON_PAGE. */
CHECK_FN(check_removable_hazard)
{
	const struct mt_snapshot *s = ctx->s;
	unsigned major, minor;
	int r = 0;

	if (!s->osrelease || !mt_kversion_parse(s->osrelease, &major, &minor) ||
	    mt_kversion_at_least(major, minor, 5, 7))
		return 0;
	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (shares_pmem(s, i))
			r = mt_group_add(out, "removable-hazard", MT_SEV_WARNING, NULL, b->id,
					 mt_block_nodes(s, b), b->nnodes);
	}
	FOREACH_FINDING(out, "removable-hazard", f)
	{
		char subj[256];

		mt_blocks_subject(f, subj, sizeof(subj));
		r = r
			    ?: mt_finding_set_message(
				       f,
				       "%s partly persistent memory on kernel %s: "
				       "reading its removable attribute can crash this "
				       "kernel",
				       subj, s->osrelease);
		r = r
			    ?: mt_finding_set_hint(
				       f, "do not run lsmem (it reads removable) or anything "
					  "that reads memory*/removable; memtopo never does "
					  "unless asked");
	}
	return r;
}
