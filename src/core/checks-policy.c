// SPDX-License-Identifier: GPL-2.0-or-later
/* Node masks, zone balance and onlining policy: the machine as a whole. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checks-internal.h"
#include "shared/units.h"
#include "core/zone-balance.h"

/* Node ids beyond this are not a real machine (MAX_NUMNODES <= 1 << 10). */
#define NODE_LIMIT 4096

struct node_bits {
	uint64_t w[NODE_LIMIT / 64];
};

static void bit_set(struct node_bits *b, int n)
{
	if (n >= 0 && n < NODE_LIMIT)
		b->w[n / 64] |= UINT64_C(1) << (n % 64);
}

static bool bit_test(const struct node_bits *b, int n)
{
	return n >= 0 && n < NODE_LIMIT && (b->w[n / 64] >> (n % 64)) & 1;
}

static int mask_mismatch(struct mt_findings *out, int node, bool in_mask)
{
	struct mt_finding *f;
	char key[32];

	snprintf(key, sizeof(key), "%s|%d", in_mask ? "extra" : "missing", node);
	f = mt_findings_group(out, "node-mask-mismatch", MT_SEV_WARNING, key);
	if (!f || mt_finding_add_node(f, node) < 0)
		return -ENOMEM;
	if (in_mask)
		return mt_finding_set_message(f,
					      "node%d is in has_memory but none of its memory "
					      "blocks is online",
					      node)
			       ?: mt_finding_set_hint(
					  f, "the kernel's node state is stale (a failed offline "
					     "or hot-remove?); allocation policies may target a "
					     "node without memory");
	return mt_finding_set_message(f,
				      "node%d has online memory blocks but is not in "
				      "has_memory",
				      node)
		       ?: mt_finding_set_hint(
				  f, "the kernel will not allocate from this node's memory as "
				     "it should; look for hotplug errors in dmesg");
}

/* N_MEMORY is set when a node's first block goes online and cleared after its last. */
CHECK_FN(check_node_mask_mismatch)
{
	const struct mt_snapshot *s = ctx->s;
	struct node_bits online = { 0 }, linked = { 0 };
	int r = 0;

	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];
		const int *nodes = mt_block_nodes(s, b);

		for (unsigned k = 0; k < b->nnodes; k++) {
			bit_set(&linked, nodes[k]);
			if (b->state == MT_STATE_ONLINE || b->state == MT_STATE_GOING_OFFLINE)
				bit_set(&online, nodes[k]);
		}
	}
	for (int n = 0; n < NODE_LIMIT && r == 0; n++) {
		bool in_mask = mt_idlist_contains(&s->masks.has_memory, (unsigned long)n);

		/* A node none of whose blocks is in the capture says nothing either way. */
		if (!bit_test(&linked, n) && !bit_test(&online, n))
			continue;
		if (bit_test(&online, n) != in_mask)
			r = mask_mismatch(out, n, in_mask);
	}
	return r;
}

static int ratio_finding(struct mt_findings *out, const struct mt_snapshot *s, int node,
			 const struct mt_balance *zb)
{
	struct mt_finding *f;
	char key[32], where[32], mov[16], ker[16];

	snprintf(key, sizeof(key), "%d", node);
	snprintf(where, sizeof(where), node < 0 ? "overall" : "on node%d", node);
	f = mt_findings_group(out, "movable-ratio", MT_SEV_WARNING, key);
	if (!f || (node >= 0 && mt_finding_add_node(f, node) < 0))
		return -ENOMEM;
	mt_size_human(zb->movable, mov, sizeof(mov));
	mt_size_human(zb->kernel, ker, sizeof(ker));
	return mt_finding_set_message(f,
				      "MOVABLE:KERNEL is %.1f:1 %s (%s Movable, %s in kernel "
				      "zones, from %s)",
				      (double)zb->movable / (double)zb->kernel, where, mov, ker,
				      s->have_zoneinfo ? "/proc/zoneinfo" : "online blocks")
		       ?: mt_finding_set_hint(
				  f, "page tables and slab for Movable memory come from kernel "
				     "zones; past 3:1 allocations can fail (63:1 is impossible): "
				     "online more memory to a kernel zone (--to kernel)");
}

/* memory-hotplug.rst: "MOVABLE:KERNEL ratios of up to 3:1 or even 4:1 are fine". */
CHECK_FN(check_movable_ratio)
{
	struct mt_balance *per_node = calloc(MT_BALANCE_NODES, sizeof(*per_node));
	struct mt_balance all = { 0 };
	size_t nodes_with_memory = 0;
	int r = 0;

	if (!per_node)
		return -ENOMEM;
	mt_balance_read(ctx->s, per_node, &all);
	for (int n = 0; n < MT_BALANCE_NODES; n++)
		nodes_with_memory += per_node[n].kernel || per_node[n].movable;
	if (mt_balance_too_movable(&all))
		r = ratio_finding(out, ctx->s, -1, &all);
	/* On a one-node machine "overall" already said it. */
	for (int n = 0; n < MT_BALANCE_NODES && r == 0 && nodes_with_memory > 1; n++)
		if (mt_balance_too_movable(&per_node[n]))
			r = ratio_finding(out, ctx->s, n, &per_node[n]);
	free(per_node);
	return r;
}

/* Two agents online every new block: the loser's write fails EINVAL, zones are a race. */
CHECK_FN(check_auto_online_conflict)
{
	const struct mt_snapshot *s = ctx->s;
	struct mt_finding *f;
	char rules[512];
	size_t len = 0;

	if (strcmp(s->auto_online_blocks, "offline") == 0 || s->udev.n == 0)
		return 0;
	rules[0] = '\0';
	for (size_t i = 0; i < s->udev.n && len < sizeof(rules); i++)
		len += (size_t)snprintf(rules + len, sizeof(rules) - len, "%s/%s:%u", i ? ", " : "",
					s->udev.r[i].path, s->udev.r[i].line);
	f = mt_findings_group(out, "auto-online-conflict", MT_SEV_WARNING, NULL);
	if (!f)
		return -ENOMEM;
	return mt_finding_set_message(f,
				      "the kernel onlines new blocks (auto_online_blocks %s) "
				      "and udev rules online them too: %s",
				      s->auto_online_blocks, rules)
		       ?: mt_finding_set_hint(
				  f, "keep one agent: set auto_online_blocks to offline "
				     "(memhp_default_state=offline) or disable the rule; the "
				     "loser's zone choice is lost");
}
