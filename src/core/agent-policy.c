// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's policy. Boot-time kernel memory (the kernel's
 * present_early_pages, which userspace cannot read) is taken as the online
 * kernel-zone blocks that no hot-plug driver added: boot memory, and what
 * memtopo cannot place (unknown, dlpar). Movable is every online Movable
 * block. Each decision is accounted before the next, so a batch never
 * passes the ratio block by block.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent-policy.h"
#include "core/checks.h"
#include "core/zone-balance.h"
#include "shared/macro.h"
#include "shared/units.h"

static const char *const verdict_names[] = {
	[MT_AV_ONLINE] = "online",
	[MT_AV_ALREADY] = "already",
	[MT_AV_IGNORE] = "ignored",
	[MT_AV_REFUSE] = "refused",
};

const char *mt_agent_verdict_name(enum mt_agent_verdict v)
{
	return verdict_names[v];
}

/* What check flags, the agent never onlines (the list of online/offline's safety rules). */
static const struct {
	const char *id, *reason;
} unsafe[] = {
	{ "multi-node-link", "check flags it multi-node-link: linked to several nodes" },
	{ "partial-ram", "check flags it partial-ram: only part of it is RAM" },
	{ "shares-pmem", "check flags it shares-pmem: part of it is persistent memory" },
	{ "subsection-collision", "check flags it subsection-collision: RAM and device memory "
				  "share a section" },
	{ "state-mismatch", "check flags it state-mismatch: its state and online disagree" },
};

static const char *unsafe_reason(const uint32_t *flags, size_t idx)
{
	for (size_t i = 0; flags && i < ARRAY_SIZE(unsafe); i++)
		if (flags[idx] & (1u << mt_check_order(unsafe[i].id)))
			return unsafe[i].reason;
	return NULL;
}

struct acct {
	uint64_t early[MT_BALANCE_NODES], movable[MT_BALANCE_NODES];
	uint64_t early_all, movable_all;
	/* virtio-mem devices (dynamic groups), by device index */
	uint64_t *dyn_movable, *dyn_kernel;
	int *dyn_node;
	bool *dynamic;
	size_t ndev;
};

static bool has_zone(const struct mt_block *b, enum mt_zone z)
{
	for (unsigned i = 0; b->nzones != MT_ZONES_UNKNOWN && i < b->nzones; i++)
		if (b->zones[i] == z)
			return true;
	return false;
}

static bool has_kernel_zone(const struct mt_block *b)
{
	for (unsigned i = 0; b->nzones != MT_ZONES_UNKNOWN && i < b->nzones; i++)
		if (b->zones[i] != MT_ZONE_MOVABLE && b->zones[i] != MT_ZONE_NONE &&
		    b->zones[i] != MT_ZONE_DEVICE)
			return true;
	return false;
}

static bool driver_added(enum mt_source src)
{
	return src == MT_SRC_ACPI_DIMM || src == MT_SRC_VIRTIO_MEM || src == MT_SRC_KMEM;
}

static int block_node(const struct mt_block *b)
{
	return b->nnodes == 1 && b->node >= 0 && b->node < MT_BALANCE_NODES ? b->node : -1;
}

static void account_block(const struct mt_snapshot *s, struct acct *a, size_t i, bool movable)
{
	const struct mt_block *b = &s->blocks[i];
	int node = block_node(b), dev = s->origin ? s->origin[i].device : -1;

	if (movable) {
		a->movable_all += s->block_size;
		if (node >= 0)
			a->movable[node] += s->block_size;
	} else if (!driver_added(mt_block_source(s, i))) {
		a->early_all += s->block_size;
		if (node >= 0)
			a->early[node] += s->block_size;
	}
	if (dev >= 0 && a->dynamic[dev]) {
		if (movable)
			a->dyn_movable[dev] += s->block_size;
		else
			a->dyn_kernel[dev] += s->block_size;
		a->dyn_node[dev] = node;
	}
}

static int acct_init(const struct mt_snapshot *s, struct acct *a)
{
	size_t nd = s->ndevices ? s->ndevices : 1;

	a->dyn_movable = calloc(nd, sizeof(uint64_t));
	a->dyn_kernel = calloc(nd, sizeof(uint64_t));
	a->dyn_node = calloc(nd, sizeof(int));
	a->dynamic = calloc(nd, sizeof(bool));
	if (!a->dyn_movable || !a->dyn_kernel || !a->dyn_node || !a->dynamic)
		return -ENOMEM;
	a->ndev = s->ndevices;
	for (size_t i = 0; i < s->nblocks; i++)
		if (s->origin && s->origin[i].device >= 0 &&
		    mt_block_source(s, i) == MT_SRC_VIRTIO_MEM)
			a->dynamic[s->origin[i].device] = true;
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (b->state != MT_STATE_ONLINE || b->nzones == MT_ZONES_UNKNOWN)
			continue;
		/* An online block names its own zone; "none" spans kernel zones. */
		if (b->nzones == 1 && b->zones[0] == MT_ZONE_DEVICE)
			continue;
		account_block(s, a, i, b->nzones == 1 && b->zones[0] == MT_ZONE_MOVABLE);
	}
	return 0;
}

static void acct_free(struct acct *a)
{
	free(a->dyn_movable);
	free(a->dyn_kernel);
	free(a->dyn_node);
	free(a->dynamic);
}

/* The kernel's auto_movable_can_online_movable(), for a node (or -1: all). */
struct verdict {
	bool ok;
	uint64_t movable, allowed, early;
};

static struct verdict can_movable(const struct acct *a, int node, int dyn_dev, uint64_t nr,
				  int ratio)
{
	struct verdict v = { 0 };
	uint64_t ke = node < 0 ? a->early_all : a->early[node];
	uint64_t mv = node < 0 ? a->movable_all : a->movable[node];
	uint64_t req = 0, gmv = 0;

	/* Other virtio-mem devices' Movable needs its share of kernel memory. */
	for (size_t d = 0; ratio > 0 && d < a->ndev; d++)
		if (a->dynamic[d] && (int)d != dyn_dev && (node < 0 || a->dyn_node[d] == node)) {
			req += a->dyn_movable[d] * 100 / (uint64_t)ratio;
			gmv += a->dyn_movable[d];
		}
	v.movable = mv + nr;
	v.early = ke;
	if (ratio <= 0 || ke <= req)
		return v;
	ke -= req;
	mv -= gmv < mv ? gmv : mv;
	if (dyn_dev >= 0)
		ke += a->dyn_kernel[dyn_dev];
	v.movable = mv + nr;
	v.allowed = (uint64_t)ratio * ke / 100;
	v.early = ke;
	v.ok = v.movable <= v.allowed;
	return v;
}

_printf_(2, 3) static void set_reason(struct mt_agent_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

static void decide_online(struct mt_agent_decision *d, const char *write, const char *zone)
{
	d->verdict = MT_AV_ONLINE;
	d->write = write;
	snprintf(d->zone, sizeof(d->zone), "%s", zone);
}

static uint64_t device_bytes(const struct mt_snapshot *s, int dev)
{
	uint64_t n = 0;

	for (size_t i = 0; dev >= 0 && i < s->nblocks; i++)
		n += s->origin[i].device == dev ? s->block_size : 0;
	return n;
}

/* The hot-add a block belongs to, for `size =`: its device, else its run of judged blocks. */
static uint64_t group_bytes(const struct mt_snapshot *s, const bool *judge, size_t idx)
{
	int dev = s->origin ? s->origin[idx].device : -1;
	enum mt_source src = mt_block_source(s, idx);
	size_t lo = idx, hi = idx;

	if (dev >= 0)
		return device_bytes(s, dev);
#define SAME(k)                                                     \
	((!judge || judge[k]) && mt_block_source(s, k) == src &&    \
	 mt_block_nodes_equal(s, &s->blocks[k], &s->blocks[idx]) && \
	 (!s->origin || s->origin[k].device < 0))
	while (lo > 0 && s->blocks[lo - 1].id + 1 == s->blocks[lo].id && SAME(lo - 1))
		lo--;
	while (hi + 1 < s->nblocks && s->blocks[hi].id + 1 == s->blocks[hi + 1].id && SAME(hi + 1))
		hi++;
#undef SAME
	return (uint64_t)(hi - lo + 1) * s->block_size;
}

const struct mt_agent_rule *mt_agent_rule_for(const struct mt_snapshot *s,
					      const struct mt_agent_config *c, size_t idx,
					      uint64_t bytes)
{
	const struct mt_block *b = &s->blocks[idx];

	for (size_t m = 0; m < c->nmatch; m++) {
		const struct mt_agent_rule *r = &c->match[m];

		if (r->sources && !(r->sources & (1u << mt_block_source(s, idx))))
			continue;
		if (r->node_set && (b->nnodes != 1 || b->node < 0 ||
				    !mt_idlist_contains(&r->nodes, (unsigned long)b->node)))
			continue;
		if (r->size_set && (bytes < r->size_min || bytes > r->size_max))
			continue;
		return r;
	}
	return &c->policy;
}

struct run {
	const struct mt_snapshot *s;
	const uint32_t *flags;
	const struct mt_agent_config *c;
	const bool *judge;
	struct acct a;
	struct mt_agent_decision *d; /* parallel to the snapshot's blocks */
	bool *done;
};

static void h(uint64_t v, char *buf)
{
	mt_size_human(v, buf, 16);
}

/* auto-movable for `nr` bytes on node: movable, or a kernel zone with why. */
static bool auto_movable(struct run *run, int node, int dyn_dev, uint64_t nr, int ratio, bool numa,
			 char *why, size_t size)
{
	struct verdict all = can_movable(&run->a, -1, dyn_dev, nr, ratio), per = all;
	char m[16], al[16], e[16];

	if (all.ok && numa && node >= 0)
		per = can_movable(&run->a, node, dyn_dev, nr, ratio);
	if (!all.ok || !per.ok) {
		const struct verdict *v = !all.ok ? &all : &per;
		char where[24] = "machine-wide";

		if (all.ok)
			snprintf(where, sizeof(where), "on node %d", node);
		h(v->movable, m), h(v->allowed, al), h(v->early, e);
		snprintf(why, size,
			 "auto-movable: Movable would be %s %s, past %d%% of boot-time kernel "
			 "memory %s (%s): kernel zone",
			 m, where, ratio, e, al);
		return false;
	}
	h(all.movable, m), h(all.allowed, al);
	snprintf(why, size, "auto-movable: Movable %s of %s allowed machine-wide", m, al);
	if (numa && node >= 0) {
		size_t len = strlen(why);

		h(per.movable, m), h(per.allowed, al);
		snprintf(why + len, size - len, ", %s of %s on node %d", m, al, node);
	}
	return true;
}

/* A DIMM or kmem device: every judged offline block of it, one zone. */
static void decide_static(struct run *run, size_t idx, const struct mt_agent_rule *e,
			  const char *rname)
{
	const struct mt_snapshot *s = run->s;
	int dev = s->origin[idx].device, node = block_node(&s->blocks[idx]);
	const char *name = s->devices[dev];
	uint64_t nr = 0;
	bool movable = true;
	char why[200], kernel_why[200] = "";

	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mt_block *b = &s->blocks[i];

		if (s->origin[i].device != dev)
			continue;
		if (b->state == MT_STATE_ONLINE && !has_zone(b, MT_ZONE_MOVABLE) && movable) {
			movable = false;
			snprintf(
				kernel_why, sizeof(kernel_why),
				"auto-movable: %s is partly online in a kernel zone (memory%" PRIu32
				"): a DIMM goes wholly into one zone",
				name, b->id);
		}
		if (run->done[i] || (run->judge && !run->judge[i]) || b->state != MT_STATE_OFFLINE)
			continue;
		nr += s->block_size;
		if (!has_zone(b, MT_ZONE_MOVABLE) && movable) {
			movable = false;
			snprintf(kernel_why, sizeof(kernel_why),
				 "auto-movable: memory%" PRIu32 " of %s offers no Movable: the "
				 "whole device goes to a kernel zone",
				 b->id, name);
		}
	}
	if (movable)
		movable =
			auto_movable(run, node, -1, nr, e->ratio, e->numa_aware, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", kernel_why);
	for (size_t i = 0; i < s->nblocks; i++) {
		struct mt_agent_decision *d = &run->d[i];

		if (s->origin[i].device != dev || run->done[i] || (run->judge && !run->judge[i]) ||
		    s->blocks[i].state != MT_STATE_OFFLINE || unsafe_reason(run->flags, i))
			continue;
		decide_online(d, movable ? "online_movable" : "online_kernel",
			      movable ? "Movable" : "kernel");
		d->rule = rname;
		snprintf(d->reason, sizeof(d->reason), "%s", why);
		account_block(s, &run->a, i, movable);
		run->done[i] = true;
	}
}

static void decide_zone(struct run *run, size_t idx, const struct mt_agent_rule *e,
			const char *rname)
{
	const struct mt_snapshot *s = run->s;
	const struct mt_block *b = &s->blocks[idx];
	struct mt_agent_decision *d = &run->d[idx];
	int dev = s->origin ? s->origin[idx].device : -1;
	enum mt_source src = mt_block_source(s, idx);
	char why[200];

	d->rule = rname;
	switch (e->zone) {
	case MT_AZ_UNSET:
	case MT_AZ_IGNORE:
		d->verdict = MT_AV_IGNORE;
		set_reason(d, "[%s] zone = ignore", e->name);
		return;
	case MT_AZ_AUTO:
		decide_online(d, "online", "auto");
		set_reason(d, "[%s] zone = auto: the kernel's online_policy chooses", e->name);
		return;
	case MT_AZ_KERNEL:
		if (!has_kernel_zone(b)) {
			d->verdict = MT_AV_REFUSE;
			set_reason(d, "[%s] zone = kernel, but valid_zones offers none", e->name);
			return;
		}
		decide_online(d, "online_kernel", "kernel");
		set_reason(d, "[%s] zone = kernel", e->name);
		account_block(s, &run->a, idx, false);
		return;
	case MT_AZ_MOVABLE:
		if (!has_zone(b, MT_ZONE_MOVABLE)) {
			d->verdict = MT_AV_REFUSE;
			set_reason(d, "[%s] zone = movable, but valid_zones offers no Movable",
				   e->name);
			return;
		}
		decide_online(d, "online_movable", "Movable");
		set_reason(d, "[%s] zone = movable", e->name);
		account_block(s, &run->a, idx, true);
		return;
	case MT_AZ_AUTO_MOVABLE:
		break;
	}
	if (dev >= 0 && (src == MT_SRC_ACPI_DIMM || src == MT_SRC_KMEM)) {
		decide_static(run, idx, e, rname);
		return;
	}
	if (!has_zone(b, MT_ZONE_MOVABLE)) {
		decide_online(d, "online_kernel", "kernel");
		set_reason(d, "auto-movable: valid_zones offers no Movable: kernel zone");
	} else if (auto_movable(run, block_node(b), src == MT_SRC_VIRTIO_MEM ? dev : -1,
				s->block_size, e->ratio, e->numa_aware, why, sizeof(why))) {
		decide_online(d, "online_movable", "Movable");
		set_reason(d, "%s", why);
	} else {
		decide_online(d, "online_kernel", "kernel");
		set_reason(d, "%s", why);
	}
	account_block(s, &run->a, idx, d->write[7] == 'm');
}

static void decide_block(struct run *run, size_t idx)
{
	const struct mt_snapshot *s = run->s;
	const struct mt_block *b = &s->blocks[idx];
	struct mt_agent_decision *d = &run->d[idx];
	const char *unsafe_why = unsafe_reason(run->flags, idx);
	const struct mt_agent_rule *r;
	struct mt_agent_rule e;

	d->rule = "policy";
	if (b->state == MT_STATE_ONLINE) {
		d->verdict = MT_AV_ALREADY;
		snprintf(d->zone, sizeof(d->zone), "%s",
			 b->nzones == 1 ? mt_zone_name(b->zones[0]) : "");
		set_reason(d, "online already");
		return;
	}
	if (b->state != MT_STATE_OFFLINE) {
		d->verdict = MT_AV_REFUSE;
		set_reason(d, "state is %s", mt_state_name(b->state));
		return;
	}
	if (s->machine && strncmp(s->machine, "s390", 4) == 0) {
		d->verdict = MT_AV_IGNORE;
		set_reason(d, "s390 standby memory: the agent never onlines it (chmem -e does)");
		return;
	}
	if (mt_block_source(s, idx) == MT_SRC_DLPAR) {
		d->verdict = MT_AV_IGNORE;
		set_reason(d, "pseries DLPAR memory: the kernel onlines it itself");
		return;
	}
	if (unsafe_why) {
		d->verdict = MT_AV_REFUSE;
		set_reason(d, "%s", unsafe_why);
		return;
	}
	r = mt_agent_rule_for(s, run->c, idx, group_bytes(s, run->judge, idx));
	e = mt_agent_rule_effective(run->c, r);
	decide_zone(run, idx, &e, r->name);
}

int mt_agent_decide(const struct mt_snapshot *s, const uint32_t *flags,
		    const struct mt_agent_config *c, const bool *judge,
		    struct mt_agent_decisions *out)
{
	struct run run = { .s = s, .flags = flags, .c = c, .judge = judge };
	size_t n = 0;
	int r = -ENOMEM;

	*out = (struct mt_agent_decisions){ 0 };
	run.d = calloc(s->nblocks ? s->nblocks : 1, sizeof(*run.d));
	run.done = calloc(s->nblocks ? s->nblocks : 1, sizeof(*run.done));
	if (!run.d || !run.done || acct_init(s, &run.a) < 0)
		goto out;
	for (size_t i = 0; i < s->nblocks; i++) {
		if (judge && !judge[i])
			continue;
		run.d[i].block = s->blocks[i].id;
		run.d[i].idx = i;
		if (!run.done[i])
			decide_block(&run, i);
		run.done[i] = true;
	}
	/* Compact to the judged blocks, in block order. */
	for (size_t i = 0; i < s->nblocks; i++)
		if (!judge || judge[i])
			run.d[n++] = run.d[i];
	out->d = run.d;
	out->n = n;
	run.d = NULL;
	r = 0;
out:
	free(run.d);
	free(run.done);
	acct_free(&run.a);
	return r;
}

void mt_agent_decisions_free(struct mt_agent_decisions *d)
{
	free(d->d);
	*d = (struct mt_agent_decisions){ 0 };
}
