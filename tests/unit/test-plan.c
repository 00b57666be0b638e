// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core/plan and plan-safety: the pure selection of online/offline on
 * snapshots built in memory. The contract is plan.h, doc/cli.md "online,
 * offline" and memtopo-online(8) (TARGET, Filters, SELECTION, SAFETY RULES,
 * BAD INPUT); every order, size and message below is worked out from those
 * by hand. Sizes in messages are lsmem's (see test-units.c).
 */
#include <errno.h>
#include <limits.h>

#include "unit-snap.h"

#include "core/apply.h"
#include "core/checks.h"
#include "core/plan.h"

#define BS (128 * MiB)

static struct mt_hp_request request(enum mt_hp_action a, enum mt_hp_target t)
{
	return (struct mt_hp_request){ .action = a, .target = t, .timeout = 30, .retries = 3 };
}

static struct mt_hp_request by_size(enum mt_hp_action a, uint64_t bytes)
{
	struct mt_hp_request rq = request(a, MT_HP_SIZE);

	rq.size = bytes;
	return rq;
}

static struct mt_hp_request by_range(enum mt_hp_action a, uint64_t first, uint64_t last)
{
	struct mt_hp_request rq = request(a, MT_HP_RANGE);

	rq.range_first = first;
	rq.range_last = last;
	return rq;
}

static struct mt_hp_request by_blocks(enum mt_hp_action a, const char *list)
{
	struct mt_hp_request rq = request(a, MT_HP_BLOCKS);

	if (mt_idlist_parse(list, &rq.blocks) < 0)
		abort();
	return rq;
}

static void only_nodes(struct mt_hp_request *rq, const char *list)
{
	rq->node_filter = true;
	if (mt_idlist_parse(list, &rq->nodes) < 0)
		abort();
}

static void request_free(struct mt_hp_request *rq)
{
	mt_idlist_free(&rq->blocks);
	mt_idlist_free(&rq->nodes);
}

/* The FLAGS bit of a check id, as mt_checks_block_flags() sets it. */
static uint32_t flag(const char *id)
{
	int order = mt_check_order(id);

	if (order < 0 || (size_t)order >= mt_nchecks) {
		fprintf(stderr, "no check %s\n", id);
		abort();
	}
	return 1u << order;
}

/* The plan of a request the machine can mean: built, no error. */
static void plan(const struct mt_snapshot *s, const struct mt_hp_request *rq, const uint32_t *flags,
		 struct mt_hp_plan *p)
{
	char error[256] = "";
	int r = mt_hp_plan_build(s, rq, flags, p, error, sizeof(error));

	if (r != 0)
		UNIT_FAIL("mt_hp_plan_build = %d (%s), want 0", r, error);
}

/* Compare a step list's blocks with want[] (terminated by UINT32_MAX). */
static void blocks_are(const char *what, const struct mt_hp_step *st, size_t n,
		       const uint32_t *want)
{
	size_t nwant = 0;
	char got[512] = "", exp[512] = "";

	while (want[nwant] != UINT32_MAX)
		nwant++;
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), " %u", st[i].block);
	for (size_t i = 0; i < nwant; i++)
		snprintf(exp + strlen(exp), sizeof(exp) - strlen(exp), " %u", want[i]);
	if (strcmp(got, exp) != 0)
		UNIT_FAIL("%s: blocks [%s ], want [%s ]", what, got, exp);
}

#define END UINT32_MAX
#define STEPS(what, p, ...) \
	blocks_are(what, (p)->steps, (p)->nsteps, (const uint32_t[]){ __VA_ARGS__, END })
#define SKIPPED(what, p, ...) \
	blocks_are(what, (p)->skipped, (p)->nskipped, (const uint32_t[]){ __VA_ARGS__, END })
#define NO_SKIPPED(what, p) blocks_are(what, (p)->skipped, (p)->nskipped, (const uint32_t[]){ END })

static const struct mt_hp_step *step_of(const struct mt_hp_plan *p, uint32_t block)
{
	static const struct mt_hp_step none = { .reason = "(not in the plan)", .write = "" };

	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].block == block)
			return &p->steps[i];
	for (size_t i = 0; i < p->nskipped; i++)
		if (p->skipped[i].block == block)
			return &p->skipped[i];
	UNIT_FAIL("memory%u is not in the plan", block);
	return &none;
}

/* The request is refused with exactly this message, by the check and by the plan. */
static void bad_input(const struct mt_snapshot *s, const struct mt_hp_request *rq, const char *want)
{
	char error[256] = "";
	struct mt_hp_plan p;
	int r = mt_hp_request_check(s, rq, error, sizeof(error));

	if (r != -EINVAL || strcmp(error, want) != 0)
		UNIT_FAIL("mt_hp_request_check = %d \"%s\", want -EINVAL \"%s\"", r, error, want);
	error[0] = '\0';
	r = mt_hp_plan_build(s, rq, NULL, &p, error, sizeof(error));
	if (r != -EINVAL || strcmp(error, want) != 0)
		UNIT_FAIL("mt_hp_plan_build = %d \"%s\", want -EINVAL \"%s\"", r, error, want);
	mt_hp_plan_free(&p);
}

static void good_input(const struct mt_snapshot *s, const struct mt_hp_request *rq)
{
	char error[256] = "";
	int r = mt_hp_request_check(s, rq, error, sizeof(error));

	if (r != 0)
		UNIT_FAIL("mt_hp_request_check = %d \"%s\", want 0", r, error);
}

/* 2 GiB in 16 blocks of 128 MiB; the last four offline: present memory counts them. */
static void test_request_check(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 16);
	struct mt_hp_request rq;

	set_state(s, 12, 15, MT_STATE_OFFLINE);

	/* SIZE: a multiple of the block size, at most the memory present. */
	rq = by_size(MT_HP_OFFLINE, 100 * MiB);
	bad_input(s, &rq, "104857600 bytes is not a multiple of the block size (128M)");
	rq = by_size(MT_HP_ONLINE, BS + 1);
	bad_input(s, &rq, "134217729 bytes is not a multiple of the block size (128M)");
	rq = by_size(MT_HP_OFFLINE, 2 * GiB + BS);
	bad_input(s, &rq, "2.1G is more than the memory present (2G)");
	rq = by_size(MT_HP_ONLINE, 64 * GiB);
	bad_input(s, &rq, "64G is more than the memory present (2G)");
	rq = by_size(MT_HP_OFFLINE, 2 * GiB); /* all of it, offline blocks included */
	good_input(s, &rq);
	rq = by_size(MT_HP_ONLINE, BS);
	good_input(s, &rq);

	/* RANGE: both ends on block boundaries, at least one block inside. */
	rq = by_range(MT_HP_OFFLINE, 0x8000000, 0x10000000);
	bad_input(s, &rq, "0x8000000-0x10000000 is not aligned to the block size (128M)");
	rq = by_range(MT_HP_OFFLINE, 0x4000000, 0x7ffffff);
	bad_input(s, &rq, "0x4000000-0x7ffffff is not aligned to the block size (128M)");
	rq = by_range(MT_HP_ONLINE, 0x100000000, 0x13fffffff);
	bad_input(s, &rq, "no memory block in 0x100000000-0x13fffffff");
	rq = by_range(MT_HP_OFFLINE, 0x8000000, 0xfffffff);
	good_input(s, &rq);
	/* A range reaching past memory holds blocks all the same. */
	rq = by_range(MT_HP_OFFLINE, 0x70000000, 0x13fffffff);
	good_input(s, &rq);
	/* All of the address space: END + 1 is 2^64, a multiple of any block size. */
	rq = by_range(MT_HP_OFFLINE, 0, UINT64_MAX);
	good_input(s, &rq);

	/* BLOCKS: each must exist; the first missing one is named. */
	rq = by_blocks(MT_HP_OFFLINE, "3,99");
	bad_input(s, &rq, "memory99 does not exist");
	request_free(&rq);
	rq = by_blocks(MT_HP_OFFLINE, "14-20,30");
	bad_input(s, &rq, "memory16 does not exist");
	request_free(&rq);
	rq = by_blocks(MT_HP_OFFLINE, "18446744073709551615");
	bad_input(s, &rq, "memory18446744073709551615 does not exist");
	request_free(&rq);
	/* ids past 32 bits do not alias a block (4294967296 + 3 is not memory3) */
	rq = by_blocks(MT_HP_OFFLINE, "4294967299");
	bad_input(s, &rq, "memory4294967299 does not exist");
	request_free(&rq);
	rq = by_blocks(MT_HP_ONLINE, "0-15");
	good_input(s, &rq);
	request_free(&rq);
	mt_snapshot_free(s);

	/* A hole: blocks 0-3 and 8-11 of 512 MiB. */
	s = snap_ids(512 * MiB, (const uint32_t[]){ 0, 1, 2, 3, 8, 9, 10, 11 }, 8);
	rq = by_range(MT_HP_OFFLINE, 4 * 512 * MiB, 8 * 512 * MiB - 1);
	bad_input(s, &rq, "no memory block in 0x80000000-0xffffffff");
	rq = by_range(MT_HP_OFFLINE, 0x30000000, 0x5fffffff);
	bad_input(s, &rq, "0x30000000-0x5fffffff is not aligned to the block size (512M)");
	rq = by_range(MT_HP_OFFLINE, 0, 12 * 512 * MiB - 1);
	good_input(s, &rq);
	rq = by_blocks(MT_HP_OFFLINE, "3-8");
	bad_input(s, &rq, "memory4 does not exist");
	request_free(&rq);
	/* Present memory is the blocks there are, not the span: 4G, not 6G. */
	rq = by_size(MT_HP_OFFLINE, 4 * GiB + 512 * MiB);
	bad_input(s, &rq, "4.5G is more than the memory present (4G)");
	mt_snapshot_free(s);
}

/*
 * 12 online blocks: 0-1 DMA32, 2-3 Movable, 4-7 Normal, 8-11 Movable.
 * Offline by size: Movable first, each group from the top down.
 */
static void test_offline_size(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 12);
	struct mt_hp_request rq = by_size(MT_HP_OFFLINE, 3 * BS);
	struct mt_hp_plan p;

	set_zones(s, 0, 1, 1, MT_ZONE_DMA32, MT_ZONE_COUNT);
	set_zones(s, 2, 3, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);
	set_zones(s, 8, 11, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);
	plan(s, &rq, NULL, &p);
	STEPS("offline 384M", &p, 11, 10, 9, 8, 3, 2, 7, 6, 5, 4, 1, 0);
	NO_SKIPPED("offline 384M", &p);
	CHECK(p.size_mode && p.action == MT_HP_OFFLINE);
	CHECK_U64(p.requested_bytes, 3 * BS);
	CHECK_STR(p.refusal, "");
	/* The first three are the target, the rest stand by. */
	for (size_t i = 0; i < p.nsteps; i++) {
		const struct mt_hp_step *st = &p.steps[i];

		CHECK(st->spare == (i >= 3));
		CHECK(st->result == MT_HP_PLANNED && st->from == MT_STATE_ONLINE);
		CHECK_STR(st->write, "offline");
		CHECK(st->idx < s->nblocks && s->blocks[st->idx].id == st->block);
	}
	/* An offline's zone is the one the block leaves. */
	CHECK_STR(step_of(&p, 11)->zone, "Movable");
	CHECK_STR(step_of(&p, 7)->zone, "Normal");
	CHECK_STR(step_of(&p, 0)->zone, "DMA32");
	mt_hp_plan_free(&p);
	CHECK(p.steps == NULL && p.nsteps == 0);

	/* Blocks already offline are not candidates and not reported. */
	set_state(s, 9, 10, MT_STATE_OFFLINE);
	set_state(s, 5, 5, MT_STATE_OFFLINE);
	plan(s, &rq, NULL, &p);
	STEPS("offline 384M, some offline", &p, 11, 8, 3, 2, 7, 6, 4, 1, 0);
	NO_SKIPPED("offline 384M, some offline", &p);
	mt_hp_plan_free(&p);

	/* More than the candidates: all of them, none spare; the size stays the request. */
	rq = by_size(MT_HP_OFFLINE, 12 * BS);
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 9);
	CHECK_U64(p.requested_bytes, 12 * BS);
	for (size_t i = 0; i < p.nsteps; i++)
		CHECK(!p.steps[i].spare);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);

	/* Nothing left online: nothing to do, refused even with --force. */
	set_state(s, 0, 11, MT_STATE_OFFLINE);
	rq = by_size(MT_HP_OFFLINE, BS);
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 0 && p.nskipped == 0);
	CHECK_STR(p.refusal, "no memory block matches the request and its filters: nothing to do");
	mt_hp_plan_free(&p);
	rq.force = true;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "no memory block matches the request and its filters: nothing to do");
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);
}

/*
 * 0-7 online Normal (1G of kernel memory), 8-15 offline: 8-11 may go to
 * Normal or Movable, 12-15 to Normal only. Online by size: lowest up.
 */
static struct mt_snapshot *online_machine(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 16);

	set_state(s, 8, 15, MT_STATE_OFFLINE);
	set_zones(s, 8, 11, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);
	return s;
}

static void test_online_size(void)
{
	static const struct {
		enum mt_hp_to to;
		const char *low, *high; /* written to 8-11, to 12-15 */
	} to[] = {
		{ MT_TO_DEFAULT, "online_movable", "online" },
		{ MT_TO_MOVABLE, "online_movable", "online_movable" },
		{ MT_TO_KERNEL, "online_kernel", "online_kernel" },
		{ MT_TO_AUTO, "online", "online" },
	};
	struct mt_snapshot *s = online_machine();
	struct mt_hp_request rq;
	struct mt_hp_plan p;

	for (size_t k = 0; k < sizeof(to) / sizeof(*to); k++) {
		rq = by_size(MT_HP_ONLINE, 4 * BS);
		rq.to = to[k].to;
		plan(s, &rq, NULL, &p);
		STEPS("online 512M", &p, 8, 9, 10, 11, 12, 13, 14, 15);
		NO_SKIPPED("online 512M", &p);
		CHECK_U64(p.requested_bytes, 4 * BS);
		/* 512M Movable to 1G kernel at most: no refusal. */
		CHECK_STR(p.refusal, "");
		for (size_t i = 0; i < p.nsteps; i++) {
			const struct mt_hp_step *st = &p.steps[i];

			CHECK(st->spare == (i >= 4));
			CHECK(st->from == MT_STATE_OFFLINE && st->result == MT_HP_PLANNED);
			if (strcmp(st->write, st->block < 12 ? to[k].low : to[k].high) != 0)
				UNIT_FAIL("--to %zu: memory%u writes %s", k, st->block, st->write);
		}
		mt_hp_plan_free(&p);
	}
	mt_snapshot_free(s);
}

/* Blocks 0-1 online Normal (256M kernel), 2-9 offline, may go to Movable. */
static void test_movable_ratio(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 10);
	struct mt_hp_request rq;
	struct mt_hp_plan p;

	set_state(s, 2, 9, MT_STATE_OFFLINE);
	set_zones(s, 2, 9, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);

	/* 768M Movable to 256M: 3:1 exactly is fine. */
	rq = by_size(MT_HP_ONLINE, 6 * BS);
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);

	/* 896M: 3.5:1, refused; the spare candidate (memory9) does not count. */
	rq = by_size(MT_HP_ONLINE, 7 * BS);
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 8);
	CHECK_STR(p.refusal, "onlining to Movable would make MOVABLE:KERNEL 3.5:1 overall (896M "
			     "Movable, 256M in kernel zones; more than 3:1 starves the kernel's "
			     "own allocations): use --to kernel, or --force");
	mt_hp_plan_free(&p);
	/* --force skips the rule; --to kernel and --to auto write no online_movable. */
	rq.force = true;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	rq.force = false;
	rq.to = MT_TO_KERNEL;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	rq.to = MT_TO_AUTO;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);

	/* A range of all eight: 1G to 256M, 4.0:1. */
	rq = by_range(MT_HP_ONLINE, 2 * BS, 10 * BS - 1);
	plan(s, &rq, NULL, &p);
	CHECK_U64(p.requested_bytes, 8 * BS);
	CHECK_STR(p.refusal, "onlining to Movable would make MOVABLE:KERNEL 4.0:1 overall (1G "
			     "Movable, 256M in kernel zones; more than 3:1 starves the kernel's "
			     "own allocations): use --to kernel, or --force");
	mt_hp_plan_free(&p);

	/* Movable already online counts: with 2-3 online Movable, 4 more make 768M, 5 make 896M. */
	set_state(s, 2, 3, MT_STATE_ONLINE);
	set_zones(s, 2, 3, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);
	rq = by_size(MT_HP_ONLINE, 4 * BS);
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	rq = by_size(MT_HP_ONLINE, 5 * BS);
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "onlining to Movable would make MOVABLE:KERNEL 3.5:1 overall (896M "
			     "Movable, 256M in kernel zones; more than 3:1 starves the kernel's "
			     "own allocations): use --to kernel, or --force");
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);

	/*
	 * Per node: node0 has 0-3 online Normal (512M), node1 has memory4
	 * online Normal (128M) and 5-9 offline. Overall stays low; node1 does not.
	 */
	s = snap_new(BS, 0, 10);
	set_node(s, 4, 9, 1);
	set_state(s, 5, 9, MT_STATE_OFFLINE);
	set_zones(s, 5, 9, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);
	rq = by_blocks(MT_HP_ONLINE, "5-7");
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, ""); /* 384M:128M on node1, 3:1 */
	mt_hp_plan_free(&p);
	request_free(&rq);
	rq = by_blocks(MT_HP_ONLINE, "5-8");
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "onlining to Movable would make MOVABLE:KERNEL 4.0:1 on node1 (512M "
			     "Movable, 128M in kernel zones; more than 3:1 starves the kernel's "
			     "own allocations): use --to kernel, or --force");
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* A node without kernel memory is judged overall only: 384M to 512M is fine. */
	set_state(s, 4, 4, MT_STATE_OFFLINE);
	set_zones(s, 4, 4, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);
	rq = by_blocks(MT_HP_ONLINE, "4-6");
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	request_free(&rq);
	mt_snapshot_free(s);

	/*
	 * With /proc/zoneinfo its present pages are the sizes, not the blocks:
	 * 0-1 online Normal as before, but zoneinfo says 1G of Normal, so 896M
	 * more Movable is fine; then 256M of DMA32 (a kernel zone) and 128M of
	 * Movable already present, so 896M more makes 1G:256M, 4:1.
	 */
	s = snap_new(BS, 0, 10);
	set_state(s, 2, 9, MT_STATE_OFFLINE);
	set_zones(s, 2, 9, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);
	s->zoneinfo.z = calloc(2, sizeof(*s->zoneinfo.z));
	if (!s->zoneinfo.z)
		abort();
	s->zoneinfo.n = 2;
	s->have_zoneinfo = true;
	s->zoneinfo.z[0] = (struct mt_zone_span){
		.node = 0, .zone = MT_ZONE_NORMAL, .start_pfn = UINT64_MAX, .present = GiB / 4096
	};
	s->zoneinfo.z[1] = (struct mt_zone_span){
		.node = 0, .zone = MT_ZONE_MOVABLE, .start_pfn = UINT64_MAX, .present = 0
	};
	rq = by_size(MT_HP_ONLINE, 7 * BS);
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	s->zoneinfo.z[0].zone = MT_ZONE_DMA32;
	s->zoneinfo.z[0].present = 256 * MiB / 4096;
	s->zoneinfo.z[1].present = 128 * MiB / 4096;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "onlining to Movable would make MOVABLE:KERNEL 4.0:1 overall (1G "
			     "Movable, 256M in kernel zones; more than 3:1 starves the kernel's "
			     "own allocations): use --to kernel, or --force");
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);
}

/* Offline needs MemAvailable of what it takes plus max(MemTotal/20, 256M). */
static void test_mem_available(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 16);
	struct mt_hp_request rq = by_size(MT_HP_OFFLINE, 4 * BS);
	/* 16G / 20 = 858993459.2: the margin is 858993459 bytes, 819.2M */
	const uint64_t need = 4 * BS + 858993459;
	struct mt_hp_plan p;

	/* Without MemAvailable the rule is skipped. */
	s->mem_total = 16 * GiB;
	s->mem_available = 0;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);

	s->have_mem_available = true;
	s->mem_available = need;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, ""); /* exactly enough: the 12 spares do not count */
	mt_hp_plan_free(&p);
	s->mem_available = need - 1;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "offlining 512M needs that much free memory to migrate to, and "
			     "MemAvailable is 1.3G (keeping a margin of 819.2M): free memory "
			     "first, or --force");
	mt_hp_plan_free(&p);
	rq.force = true;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);

	/* A small machine: the margin is 256M. Blocks named count as planned, not already. */
	s->mem_total = 2 * GiB;
	s->mem_available = 3 * BS + 256 * MiB;
	set_state(s, 3, 3, MT_STATE_OFFLINE);
	rq = by_blocks(MT_HP_OFFLINE, "0-3");
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	s->mem_available--;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "offlining 384M needs that much free memory to migrate to, and "
			     "MemAvailable is 640M (keeping a margin of 256M): free memory first, "
			     "or --force");
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* online is not judged by it. */
	rq = by_blocks(MT_HP_ONLINE, "3");
	s->mem_available = 0;
	plan(s, &rq, NULL, &p);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	request_free(&rq);
	mt_snapshot_free(s);
}

static void test_left_alone(void)
{
	static const char *const unsafe[] = {
		"multi-zone",           "partial-ram",     "shares-pmem",
		"subsection-collision", "multi-node-link", "state-mismatch",
	};
	struct mt_snapshot *s = snap_new(BS, 0, 8);
	uint32_t flags[8] = { 0 };
	struct mt_hp_request rq = by_blocks(MT_HP_OFFLINE, "0-7");
	struct mt_hp_plan p;

	flags[2] = flag("multi-zone");
	flags[3] = flag("partial-ram") | flag("shares-pmem");
	flags[4] = flag("no-node-link") | flag("unmovable-pages"); /* not a safety rule */
	flags[5] = flag("multi-node-link");
	set_state(s, 6, 6, MT_STATE_UNKNOWN);
	set_state(s, 7, 7, MT_STATE_GOING_OFFLINE);

	plan(s, &rq, flags, &p);
	STEPS("left alone", &p, 0, 1, 4);
	SKIPPED("left alone", &p, 2, 3, 5, 6, 7);
	/* Named and not there yet: the planned blocks and those left alone. */
	CHECK_U64(p.requested_bytes, 8 * BS);
	CHECK_STR(p.refusal, "");
	for (size_t i = 0; i < p.nskipped; i++)
		CHECK(p.skipped[i].result == MT_HP_SKIPPED && p.skipped[i].reason);
	CHECK_STR(step_of(&p, 2)->reason, "flagged multi-zone: it spans zones, the kernel refuses "
					  "to offline it (--force tries anyway)");
	CHECK(strncmp(step_of(&p, 3)->reason, "flagged ", 8) == 0);
	CHECK_STR(step_of(&p, 5)->reason,
		  "flagged multi-node-link: linked to several nodes (--force tries anyway)");
	CHECK_STR(step_of(&p, 6)->reason, "state unreadable");
	CHECK_STR(step_of(&p, 7)->reason, "an offline of it is in progress");
	CHECK(step_of(&p, 7)->from == MT_STATE_GOING_OFFLINE);
	mt_hp_plan_free(&p);

	/* --force takes the flagged blocks, never the unreadable or going-offline ones. */
	rq.force = true;
	plan(s, &rq, flags, &p);
	STEPS("left alone, --force", &p, 0, 1, 2, 3, 4, 5);
	SKIPPED("left alone, --force", &p, 6, 7);
	CHECK_U64(p.requested_bytes, 8 * BS);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* By size, flagged blocks are reported and others taken instead; online alike. */
	rq = by_size(MT_HP_OFFLINE, 2 * BS);
	plan(s, &rq, flags, &p);
	STEPS("left alone, by size", &p, 4, 1, 0);
	SKIPPED("left alone, by size", &p, 2, 3, 5, 6, 7);
	CHECK(!p.steps[0].spare && !p.steps[1].spare && p.steps[2].spare);
	mt_hp_plan_free(&p);
	set_state(s, 0, 5, MT_STATE_OFFLINE);
	rq = by_size(MT_HP_ONLINE, BS);
	plan(s, &rq, flags, &p);
	STEPS("left alone, online", &p, 0, 1, 4);
	SKIPPED("left alone, online", &p, 2, 3, 5, 6, 7);
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);

	/* Each flag of the safety rule alone, with its own reason. */
	for (size_t k = 0; k < sizeof(unsafe) / sizeof(*unsafe); k++) {
		char prefix[64];
		const char *reason;

		s = snap_new(BS, 0, 2);
		flags[0] = 0;
		flags[1] = flag(unsafe[k]);
		rq = by_size(MT_HP_OFFLINE, BS);
		plan(s, &rq, flags, &p);
		STEPS(unsafe[k], &p, 0);
		SKIPPED(unsafe[k], &p, 1);
		reason = step_of(&p, 1)->reason;
		snprintf(prefix, sizeof(prefix), "flagged %s: ", unsafe[k]);
		if (!reason || strncmp(reason, prefix, strlen(prefix)) != 0 ||
		    !strstr(reason, "(--force tries anyway)"))
			UNIT_FAIL("%s: reason \"%s\"", unsafe[k], reason ? reason : "(null)");
		mt_hp_plan_free(&p);
		mt_snapshot_free(s);
	}
}

/*
 * Filters: 0-3 on node 0 (0-1 Movable), 4-7 on node 1, memory8 on nodes 0
 * and 2, memory9 on none; all online.
 */
static void test_filters(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 10);
	struct mt_hp_request rq;
	struct mt_hp_plan p;

	set_zones(s, 0, 1, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);
	set_node(s, 4, 7, 1);
	set_nodes(s, 8, (const int[]){ 0, 2 }, 2);
	set_node(s, 9, 9, -1);

	rq = by_size(MT_HP_OFFLINE, BS);
	only_nodes(&rq, "1");
	plan(s, &rq, NULL, &p);
	STEPS("--node 1", &p, 7, 6, 5, 4);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* A block on several nodes qualifies when one of them is listed. */
	rq = by_size(MT_HP_OFFLINE, BS);
	only_nodes(&rq, "2");
	plan(s, &rq, NULL, &p);
	STEPS("--node 2", &p, 8);
	mt_hp_plan_free(&p);
	request_free(&rq);
	rq = by_size(MT_HP_OFFLINE, BS);
	only_nodes(&rq, "0");
	plan(s, &rq, NULL, &p);
	STEPS("--node 0", &p, 1, 0, 8, 3, 2);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* No block on the node: nothing to do, even with --force. */
	rq = by_size(MT_HP_OFFLINE, BS);
	only_nodes(&rq, "3");
	rq.force = true;
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 0 && p.nskipped == 0);
	CHECK_STR(p.refusal, "no memory block matches the request and its filters: nothing to do");
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* Named blocks the filters leave out are dropped without a word. */
	rq = by_blocks(MT_HP_OFFLINE, "2-5");
	only_nodes(&rq, "1");
	plan(s, &rq, NULL, &p);
	STEPS("--blocks 2-5 --node 1", &p, 4, 5);
	NO_SKIPPED("--blocks 2-5 --node 1", &p);
	CHECK_U64(p.requested_bytes, 2 * BS);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* --zone, offline: the zone an online block is in. */
	rq = by_size(MT_HP_OFFLINE, BS);
	rq.zone_mask = 1u << MT_ZONE_MOVABLE;
	plan(s, &rq, NULL, &p);
	STEPS("--zone Movable", &p, 1, 0);
	mt_hp_plan_free(&p);
	rq.zone_mask = 1u << MT_ZONE_MOVABLE | 1u << MT_ZONE_NORMAL;
	plan(s, &rq, NULL, &p);
	STEPS("--zone Movable,Normal", &p, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2);
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);

	/*
	 * --zone, online: a zone an offline block can go to. 0 DMA, 1 DMA32,
	 * 2-3 Normal or Movable, 4 Movable or Normal, 5 Normal, 6 unreadable.
	 */
	s = snap_new(BS, 0, 7);
	set_state(s, 0, 6, MT_STATE_OFFLINE);
	set_zones(s, 0, 0, 1, MT_ZONE_DMA, MT_ZONE_COUNT);
	set_zones(s, 1, 1, 1, MT_ZONE_DMA32, MT_ZONE_COUNT);
	set_zones(s, 2, 3, 2, MT_ZONE_NORMAL, MT_ZONE_MOVABLE);
	set_zones(s, 4, 4, 2, MT_ZONE_MOVABLE, MT_ZONE_NORMAL);
	set_zones(s, 6, 6, -1, MT_ZONE_NONE, MT_ZONE_COUNT);
	rq = by_size(MT_HP_ONLINE, BS);
	rq.zone_mask = 1u << MT_ZONE_MOVABLE;
	plan(s, &rq, NULL, &p);
	STEPS("online --zone Movable", &p, 2, 3, 4);
	mt_hp_plan_free(&p);
	/* DMA means DMA alone (chmem -z DMA would also take DMA32). */
	rq.zone_mask = 1u << MT_ZONE_DMA;
	plan(s, &rq, NULL, &p);
	STEPS("online --zone DMA", &p, 0);
	mt_hp_plan_free(&p);
	rq.zone_mask = 0;
	plan(s, &rq, NULL, &p);
	STEPS("online, no --zone", &p, 0, 1, 2, 3, 4, 5, 6);
	mt_hp_plan_free(&p);
	rq.zone_mask = 1u << MT_ZONE_HIGHMEM;
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 0 && p.nskipped == 0);
	CHECK_STR(p.refusal, "no memory block matches the request and its filters: nothing to do");
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);
}

/* Ranges and block lists: every block named, lowest up, already ones reported. */
static void test_named(void)
{
	struct mt_snapshot *s = snap_ids(BS, (const uint32_t[]){ 0, 1, 2, 3, 8, 9, 10, 11 }, 8);
	struct mt_hp_request rq;
	struct mt_hp_plan p;

	set_zones(s, 8, 11, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);
	set_state(s, 1, 1, MT_STATE_OFFLINE);

	/* No Movable-first order for named blocks; the hole 4-7 is skipped. */
	rq = by_range(MT_HP_OFFLINE, 0, 12 * BS - 1);
	plan(s, &rq, NULL, &p);
	STEPS("offline range", &p, 0, 1, 2, 3, 8, 9, 10, 11);
	NO_SKIPPED("offline range", &p);
	CHECK(!p.size_mode);
	CHECK(step_of(&p, 1)->result == MT_HP_ALREADY);
	CHECK(step_of(&p, 0)->result == MT_HP_PLANNED);
	CHECK_U64(p.requested_bytes, 7 * BS); /* memory1 is already offline */
	for (size_t i = 0; i < p.nsteps; i++)
		CHECK(!p.steps[i].spare);
	mt_hp_plan_free(&p);

	/* A range takes only the blocks wholly inside it. */
	rq = by_range(MT_HP_OFFLINE, 2 * BS, 9 * BS - 1);
	plan(s, &rq, NULL, &p);
	STEPS("offline range 2-8", &p, 2, 3, 8);
	mt_hp_plan_free(&p);

	rq = by_blocks(MT_HP_OFFLINE, "10,3,0-1");
	plan(s, &rq, NULL, &p);
	STEPS("offline --blocks 10,3,0-1", &p, 0, 1, 3, 10);
	CHECK_U64(p.requested_bytes, 3 * BS);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* Every named block already there: reported, nothing refused, nothing requested. */
	rq = by_blocks(MT_HP_ONLINE, "2-3");
	plan(s, &rq, NULL, &p);
	STEPS("online --blocks 2-3", &p, 2, 3);
	CHECK(p.steps[0].result == MT_HP_ALREADY && p.steps[1].result == MT_HP_ALREADY);
	CHECK_U64(p.requested_bytes, 0);
	CHECK_STR(p.refusal, "");
	mt_hp_plan_free(&p);
	request_free(&rq);

	rq = by_range(MT_HP_ONLINE, 0, 4 * BS - 1);
	plan(s, &rq, NULL, &p);
	STEPS("online range", &p, 0, 1, 2, 3);
	CHECK(step_of(&p, 1)->result == MT_HP_PLANNED && step_of(&p, 0)->result == MT_HP_ALREADY);
	CHECK_STR(step_of(&p, 1)->write, "online");
	CHECK_U64(p.requested_bytes, BS);
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);
}

/*
 * A dry run predicts the real run's status: what apply reports if the
 * kernel takes every planned write (doc/cli.md "online, offline", status).
 */
static void test_predict(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 6);
	uint32_t flags[6] = { 0 };
	struct mt_hp_request rq;
	struct mt_hp_plan p;

	flags[0] = flag("multi-zone");
	set_state(s, 5, 5, MT_STATE_OFFLINE);

	/* Named: all planned -> done; one left alone -> partial; only it -> failed. */
	rq = by_blocks(MT_HP_OFFLINE, "1-2");
	plan(s, &rq, flags, &p);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_DONE);
	mt_hp_plan_free(&p);
	request_free(&rq);
	rq = by_blocks(MT_HP_OFFLINE, "0-1");
	plan(s, &rq, flags, &p);
	CHECK_U64(p.requested_bytes, 2 * BS);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_PARTIAL);
	mt_hp_plan_free(&p);
	request_free(&rq);
	rq = by_blocks(MT_HP_OFFLINE, "0");
	plan(s, &rq, flags, &p);
	CHECK_U64(p.requested_bytes, BS);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_FAILED);
	mt_hp_plan_free(&p);
	request_free(&rq);
	/* Named and already there: done, as the real run says, with nothing written. */
	rq = by_blocks(MT_HP_OFFLINE, "5");
	plan(s, &rq, flags, &p);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_DONE);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* SIZE: spares do not count; too few candidates -> partial; none -> failed. */
	rq = by_size(MT_HP_OFFLINE, 2 * BS);
	plan(s, &rq, flags, &p);
	CHECK(p.nsteps == 4 && p.steps[3].spare);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_DONE);
	mt_hp_plan_free(&p);
	rq = by_size(MT_HP_OFFLINE, 5 * BS);
	plan(s, &rq, flags, &p);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_PARTIAL);
	mt_hp_plan_free(&p);
	rq = by_size(MT_HP_ONLINE, BS);
	set_state(s, 5, 5, MT_STATE_ONLINE);
	plan(s, &rq, flags, &p);
	CHECK(p.nsteps == 0);
	CHECK(mt_hp_predict(&p) == MT_HP_STATUS_FAILED);
	mt_hp_plan_free(&p);
	mt_snapshot_free(s);
}

static void test_census(void)
{
	struct mt_snapshot *s = snap_new(BS, 0, 8);
	struct mt_hp_request rq = by_size(MT_HP_OFFLINE, 2 * BS);
	struct mt_hp_plan p;

	CHECK(mt_hp_verdict_rank(MT_VERDICT_LIKELY) == 0);
	CHECK(mt_hp_verdict_rank(MT_VERDICT_UNKNOWN) == 1);
	CHECK(mt_hp_verdict_rank(MT_VERDICT_UNLIKELY) == 2);

	/* 0-3 Normal, 4-7 Movable; plain order 7 6 5 4 3 2 1 0. */
	set_zones(s, 4, 7, 1, MT_ZONE_MOVABLE, MT_ZONE_COUNT);

	/* No census: every verdict unknown, the plain order stands. */
	plan(s, &rq, NULL, &p);
	CHECK(mt_hp_plan_census_window(&p) == 4); /* 2N of 8 */
	mt_hp_plan_order_by_census(&p);
	STEPS("no census", &p, 7, 6, 5, 4, 3, 2, 1, 0);
	for (size_t i = 0; i < p.nsteps; i++)
		CHECK(p.steps[i].verdict == MT_VERDICT_UNKNOWN && p.steps[i].spare == (i >= 2));
	mt_hp_plan_free(&p);

	/* 4 of 8 wanted: the window is all 8, each with its verdict. */
	set_verdict(s, 7, MT_VERDICT_UNLIKELY);
	set_verdict(s, 6, MT_VERDICT_LIKELY);
	set_verdict(s, 5, MT_VERDICT_UNKNOWN);
	set_verdict(s, 4, MT_VERDICT_LIKELY);
	set_verdict(s, 3, MT_VERDICT_LIKELY);
	set_verdict(s, 2, MT_VERDICT_UNLIKELY);
	set_verdict(s, 1, MT_VERDICT_UNKNOWN);
	set_verdict(s, 0, MT_VERDICT_UNKNOWN);
	rq = by_size(MT_HP_OFFLINE, 4 * BS);
	plan(s, &rq, NULL, &p);
	CHECK(mt_hp_plan_census_window(&p) == 8);
	/* The plan itself is made before the census. */
	STEPS("before the census", &p, 7, 6, 5, 4, 3, 2, 1, 0);
	mt_hp_plan_order_by_census(&p);
	/* likely (Movable 6 4, then 3), unknown (5, then 1 0), unlikely (7, then 2) */
	STEPS("by census", &p, 6, 4, 3, 5, 1, 0, 7, 2);
	for (size_t i = 0; i < p.nsteps; i++) {
		CHECK(p.steps[i].verdict == s->verdict[p.steps[i].idx]);
		CHECK(p.steps[i].spare == (i >= 4));
	}
	mt_hp_plan_free(&p);

	/*
	 * 2 of 8: the census of the first 4 candidates (7 6 5 4); the others,
	 * not read, stay unknown and go with the unknown ones.
	 */
	set_verdict(s, 3, MT_VERDICT_UNKNOWN);
	set_verdict(s, 2, MT_VERDICT_UNKNOWN);
	rq = by_size(MT_HP_OFFLINE, 2 * BS);
	plan(s, &rq, NULL, &p);
	CHECK(mt_hp_plan_census_window(&p) == 4);
	mt_hp_plan_order_by_census(&p);
	STEPS("by census, window 4", &p, 6, 4, 5, 3, 2, 1, 0, 7);
	for (size_t i = 0; i < p.nsteps; i++)
		CHECK(p.steps[i].spare == (i >= 2));
	mt_hp_plan_free(&p);
	set_verdict(s, 3, MT_VERDICT_LIKELY);
	set_verdict(s, 2, MT_VERDICT_UNLIKELY);

	/* The window: 2N, at most the candidates. */
	rq = by_size(MT_HP_OFFLINE, 3 * BS);
	only_nodes(&rq, "0");
	rq.zone_mask = 1u << MT_ZONE_MOVABLE;
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 4 && mt_hp_plan_census_window(&p) == 4);
	mt_hp_plan_free(&p);
	request_free(&rq);
	rq = by_size(MT_HP_OFFLINE, BS);
	plan(s, &rq, NULL, &p);
	CHECK(mt_hp_plan_census_window(&p) == 2);
	mt_hp_plan_free(&p);

	/*
	 * Named blocks: the census of all of them, for the report, not 2N of
	 * those planned (here 2 of 6, the others already offline); the order
	 * stays.
	 */
	set_state(s, 2, 5, MT_STATE_OFFLINE);
	rq = by_blocks(MT_HP_OFFLINE, "2-7");
	plan(s, &rq, NULL, &p);
	CHECK_U64(p.requested_bytes, 2 * BS);
	CHECK(mt_hp_plan_census_window(&p) == 6);
	mt_hp_plan_order_by_census(&p);
	STEPS("named, by census", &p, 2, 3, 4, 5, 6, 7);
	CHECK(step_of(&p, 7)->verdict == MT_VERDICT_UNLIKELY);
	CHECK(step_of(&p, 6)->verdict == MT_VERDICT_LIKELY);
	mt_hp_plan_free(&p);
	request_free(&rq);

	/* online reads no census. */
	rq = by_size(MT_HP_ONLINE, BS);
	plan(s, &rq, NULL, &p);
	CHECK(p.nsteps == 4 && mt_hp_plan_census_window(&p) == 0);
	mt_hp_plan_free(&p);
	rq = by_blocks(MT_HP_ONLINE, "0-7");
	plan(s, &rq, NULL, &p);
	CHECK(mt_hp_plan_census_window(&p) == 0);
	mt_hp_plan_free(&p);
	request_free(&rq);
	mt_snapshot_free(s);
}

static void test_names(void)
{
	/* doc/cli.md: blocks[].result and action */
	CHECK_STR(mt_hp_result_name(MT_HP_PLANNED), "planned");
	CHECK_STR(mt_hp_result_name(MT_HP_DONE), "done");
	CHECK_STR(mt_hp_result_name(MT_HP_ALREADY), "already");
	CHECK_STR(mt_hp_result_name(MT_HP_FAILED), "failed");
	CHECK_STR(mt_hp_result_name(MT_HP_SKIPPED), "skipped");
	CHECK_STR(mt_hp_result_name(MT_HP_TIMEOUT), "timeout");
	CHECK_STR(mt_hp_result_name(MT_HP_ROLLED_BACK), "rolled-back");
	CHECK_STR(mt_hp_action_name(MT_HP_ONLINE), "online");
	CHECK_STR(mt_hp_action_name(MT_HP_OFFLINE), "offline");
}

int main(void)
{
	test_request_check();
	test_offline_size();
	test_online_size();
	test_movable_ratio();
	test_mem_available();
	test_left_alone();
	test_filters();
	test_named();
	test_predict();
	test_census();
	test_names();
	UNIT_EXIT();
}
