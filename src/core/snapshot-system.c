// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The machine around the blocks, each part read only when asked for: node
 * masks, kernel release and memory_hotplug parameters, iomem, zoneinfo,
 * udev rules, MemAvailable. Whatever is absent stays absent (NULL, n == 0,
 * have_* false): a capture is often partial, and check says so once.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/arch.h"
#include "shared/macro.h"
#include "shared/text.h"
#include "snapshot-internal.h"

static const char *const param_names[MT_PARAM_COUNT] = {
	[MT_PARAM_MEMMAP_ON_MEMORY] = "memmap_on_memory",
	[MT_PARAM_ONLINE_POLICY] = "online_policy",
	[MT_PARAM_AUTO_MOVABLE_RATIO] = "auto_movable_ratio",
	[MT_PARAM_AUTO_MOVABLE_NUMA_AWARE] = "auto_movable_numa_aware",
};

static int read_mask(int node_fd, const char *name, bool *have, struct mt_idlist *out)
{
	char buf[4096];

	if (node_fd < 0 || mt_read_attr(node_fd, name, buf, sizeof(buf)) < 0)
		return 0;
	/* An unparsable mask is as good as an absent one. */
	if (mt_idlist_parse(buf, out) < 0)
		return 0;
	*have = true;
	return 0;
}

static void read_masks(const struct mt_sysroot *sr, struct mt_node_masks *m)
{
	read_mask(sr->node_fd, "possible", &m->have_possible, &m->possible);
	read_mask(sr->node_fd, "online", &m->have_online, &m->online);
	read_mask(sr->node_fd, "has_memory", &m->have_memory, &m->has_memory);
	read_mask(sr->node_fd, "has_normal_memory", &m->have_normal_memory, &m->has_normal_memory);
}

static char *read_string(int dirfd, const char *path)
{
	char buf[256];

	if (dirfd < 0 || mt_read_attr(dirfd, path, buf, sizeof(buf)) <= 0)
		return NULL;
	/* Shown as it is in tables and messages: no raw control bytes. */
	return mt_visible_dup(buf);
}

/*
 * zoneinfo counts pages. A capture of another machine says its page size in
 * <sysroot>/page_size (arm64 and ppc64 use 16K and 64K pages); the running
 * system is asked; otherwise 4 KiB.
 */
static unsigned long page_size(const struct mt_sysroot *sr)
{
	char buf[32];
	unsigned long v;

	if (mt_read_attr(sr->root_fd, "page_size", buf, sizeof(buf)) > 0 &&
	    mt_parse_ulong(buf, 10, &v) == 0 && v >= 4096 && !(v & (v - 1)))
		return v;
	if (!*sr->root_path)
		return (unsigned long)sysconf(_SC_PAGESIZE);
	return 4096;
}

/*
 * The architecture decides the section size. The running system says it;
 * for a capture, distribution kernels name it in their release string.
 */
static char *machine(const struct mt_sysroot *sr, const char *osrelease)
{
	static const struct {
		const char *tag, *machine;
	} tags[] = {
		{ "amd64", "x86_64" },    { "x86_64", "x86_64" }, { "arm64", "aarch64" },
		{ "aarch64", "aarch64" }, { "ppc64", "ppc64" },   { "s390x", "s390x" },
	};
	struct utsname u;

	if (!*sr->root_path)
		return uname(&u) == 0 ? strdup(u.machine) : NULL;
	for (size_t i = 0; osrelease && i < ARRAY_SIZE(tags); i++)
		if (strstr(osrelease, tags[i].tag))
			return strdup(tags[i].machine);
	return NULL;
}

static void read_kernel(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	s->osrelease = read_string(sr->proc_fd, "sys/kernel/osrelease");
	for (int i = 0; i < MT_PARAM_COUNT; i++) {
		char path[96];

		snprintf(path, sizeof(path), "module/memory_hotplug/parameters/%s", param_names[i]);
		s->params[i] = read_string(sr->sys_fd, path);
	}
	s->page_size = page_size(sr);
	s->machine = machine(sr, s->osrelease);
}

/*
 * zoneinfo: about 1.5 KiB per zone plus 130 bytes per CPU per populated
 * zone (its pageset): 64 nodes x 4 zones x 2048 CPUs is 64 MiB, beyond any
 * machine built. meminfo is some 60 lines of 30 bytes: 64 KiB is plenty.
 */
#define ZONEINFO_MAX ((size_t)64 << 20)
#define MEMINFO_MAX  ((size_t)64 << 10)

static int read_zoneinfo(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (sr->proc_fd < 0 || mt_read_file(sr->proc_fd, "zoneinfo", ZONEINFO_MAX, 0, &text) < 0)
		return 0;
	r = mt_zoneinfo_parse(text, &s->zoneinfo);
	if (r == -ENOMEM)
		return r;
	s->have_zoneinfo = r == 0;
	return 0;
}

/*
 * The bytes of "KEY: N kB" (the first KEY in the text). Refused, as if the
 * line were absent: no digits right after the blanks (a sign included),
 * a number past 2^64, or kB that pass 2^64 bytes once multiplied (no kernel
 * counts 16 EiB of memory; a wrapped value would let offline's MemAvailable
 * rule pass anything).
 */
static bool meminfo_bytes(const char *text, const char *key, uint64_t *bytes)
{
	const char *p = strstr(text, key);
	uint64_t kib = 0;

	if (!p)
		return false;
	p += strlen(key);
	p += strspn(p, " \t");
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (kib > (UINT64_MAX / 1024 - (uint64_t)(*p - '0')) / 10)
			return false;
		kib = kib * 10 + (uint64_t)(*p - '0');
	}
	if (strncmp(p, " kB", 3) != 0)
		return false;
	*bytes = kib * 1024;
	return true;
}

static void read_meminfo(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	_cleanup_free_ char *text = NULL;
	uint64_t bytes;

	if (sr->proc_fd < 0 || mt_read_file(sr->proc_fd, "meminfo", MEMINFO_MAX, 0, &text) < 0)
		return;
	if (meminfo_bytes(text, "MemTotal:", &bytes))
		s->mem_total = bytes;
	if (meminfo_bytes(text, "MemAvailable:", &bytes)) {
		s->mem_available = bytes;
		s->have_mem_available = true;
	}
}

/*
 * What the architecture's kernel refuses before any census: on arm64, the
 * offline of boot memory (judged by the resource map, when it was read).
 */
static int read_veto(struct mt_snapshot *s)
{
	const struct mt_resources *res = &s->resources;
	bool any = false;

	/* Without the resource map every block would look like boot memory. */
	if (!(s->want & MT_WANT_RESOURCES) || mt_arch_parse(s->machine) != MT_ARCH_ARM64 ||
	    !s->block_size)
		return 0;
	s->veto = calloc(s->nblocks ? s->nblocks : 1, sizeof(*s->veto));
	if (!s->veto)
		return -ENOMEM;
	for (size_t i = 0; i < s->nblocks; i++) {
		uint64_t start = (uint64_t)s->blocks[i].id * s->block_size;

		s->veto[i] = (uint8_t)mt_arch_offline_veto(s->machine, s->osrelease, res, start,
							   start + s->block_size - 1);
		any |= s->veto[i] != MT_VETO_NONE;
	}
	if (!any) {
		free(s->veto);
		s->veto = NULL;
	}
	return 0;
}

static int cmp_base(const void *a, const void *b, void *arg)
{
	const struct mt_lmb *l = arg;
	uint64_t x = l[*(const int32_t *)a].base, y = l[*(const int32_t *)b].base;

	return x < y ? -1 : x > y;
}

/*
 * Each block's LMB, by address: the LMBs sorted once, then one binary
 * search per block (a big LPAR has tens of thousands of both). An LMB
 * size other than the block size leaves every block without one: the
 * kernel makes them equal on pseries, anything else is not understood.
 */
static int map_lmbs(struct mt_snapshot *s)
{
	const struct mt_drmem *d = &s->drmem;
	_cleanup_free_ int32_t *order = NULL;

	s->lmb_of = malloc((s->nblocks ? s->nblocks : 1) * sizeof(*s->lmb_of));
	order = malloc((d->n ? d->n : 1) * sizeof(*order));
	if (!s->lmb_of || !order)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		order[i] = (int32_t)i;
	qsort_r(order, d->n, sizeof(*order), cmp_base, d->lmbs);
	for (size_t i = 0; i < s->nblocks; i++) {
		uint64_t addr = (uint64_t)s->blocks[i].id * s->block_size;
		size_t lo = 0, hi = d->n;

		s->lmb_of[i] = -1;
		if (d->lmb_size != s->block_size)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			uint64_t base = d->lmbs[order[mid]].base;

			if (base == addr) {
				s->lmb_of[i] = order[mid];
				break;
			}
			if (base < addr)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return 0;
}

static int read_drmem(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	s->drmem_err = mt_drmem_read(sr->proc_fd, &s->drmem);
	if (s->drmem_err == -ENOMEM)
		return -ENOMEM;
	if (s->drmem_err < 0 || !s->block_size)
		return 0;
	return map_lmbs(s);
}

const char *mt_block_offline_reason(const struct mt_snapshot *s, size_t idx)
{
	if (!s->veto || s->blocks[idx].state != MT_STATE_ONLINE)
		return NULL;
	return mt_veto_reason((enum mt_offline_veto)s->veto[idx]);
}

int mt_snapshot_read_system(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	int r = 0;

	if (s->want & MT_WANT_NODE_MASKS)
		read_masks(sr, &s->masks);
	if (s->want & MT_WANT_KERNEL)
		read_kernel(sr, s);
	if ((s->want & MT_WANT_RESOURCES) &&
	    (r = mt_resources_read(sr->proc_fd, sr->sys_fd, &s->resources)) < 0)
		return r;
	if ((s->want & MT_WANT_ZONEINFO) && (r = read_zoneinfo(sr, s)) < 0)
		return r;
	if ((s->want & MT_WANT_UDEV) && (r = mt_udev_rules_read(sr->root_fd, &s->udev)) < 0)
		return r;
	if (s->want & MT_WANT_MEMINFO)
		read_meminfo(sr, s);
	if ((s->want & MT_WANT_KERNEL) && (r = read_veto(s)) < 0)
		return r;
	if ((s->want & MT_WANT_DRMEM) && (r = read_drmem(sr, s)) < 0)
		return r;
	return 0;
}

void mt_snapshot_free_system(struct mt_snapshot *s)
{
	mt_idlist_free(&s->masks.possible);
	mt_idlist_free(&s->masks.online);
	mt_idlist_free(&s->masks.has_memory);
	mt_idlist_free(&s->masks.has_normal_memory);
	free(s->osrelease);
	free(s->machine);
	free(s->veto);
	free(s->lmb_of);
	mt_drmem_free(&s->drmem);
	for (int i = 0; i < MT_PARAM_COUNT; i++)
		free(s->params[i]);
	mt_resources_free(&s->resources);
	mt_zoneinfo_free(&s->zoneinfo);
	mt_udev_rules_free(&s->udev);
}
