// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the memory-block snapshot. The costs are what `list` is judged
 * on: one directory pass over memory/, one per node directory, and one
 * open+read+close per attribute asked for. A block's own directory is read
 * only when no node links back to it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "shared/text.h"
#include "shared/macro.h"
#include "snapshot-internal.h"
#include "core/snapshot.h"

static void set_error(struct mt_error *e, int err, const char *path)
{
	if (!e)
		return;
	e->err = err;
	snprintf(e->path, sizeof(e->path), "%s", path);
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

bool mt_snapshot_has_node_dir(const struct mt_snapshot *s, int node)
{
	size_t lo = 0, hi = s->nnode_dirs;

	/* node_dirs is sorted when the back-links are read. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->node_dirs[mid] == node)
			return true;
		if (s->node_dirs[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

long mt_snapshot_find(const struct mt_snapshot *s, unsigned long id)
{
	size_t lo = 0, hi = s->nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->blocks[mid].id == id)
			return (long)mid;
		if (s->blocks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int read_block_size(struct mt_snapshot *s, int mem_fd)
{
	char buf[64];
	unsigned long v;
	ssize_t n = mt_read_attr(mem_fd, "block_size_bytes", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	/* "%lx\n": hex without 0x. Zero or not a power of two is garbage. */
	if (mt_parse_ulong(buf, 16, &v) < 0 || v == 0 || (v & (v - 1)))
		return -EINVAL;
	/*
	 * A block is at least a page and at most 64 GiB (the largest
	 * memory_block_size any architecture picks: ppc64 with 16 GiB
	 * pages; kernel.md): anything else makes addresses wrap.
	 */
	if (v < MT_BLOCK_SIZE_MIN || v > MT_BLOCK_SIZE_MAX)
		return -ERANGE;
	s->block_size = v;
	return 0;
}

/*
 * The last block's last byte must be an address: id * size + size - 1
 * within 64 bits. Blocks are sorted, so the last one decides.
 */
static int check_block_ids(struct mt_snapshot *s)
{
	uint64_t bs = s->block_size;

	if (!bs || s->nblocks == 0)
		return 0;
	if (s->blocks[s->nblocks - 1].id > (UINT64_MAX - (bs - 1)) / bs) {
		s->block_size = 0;
		s->block_size_err = -EOVERFLOW;
		s->overflow_block = s->blocks[s->nblocks - 1].id;
	}
	return 0;
}

/*
 * sysfs (kernfs) and tmpfs count subdirectories in a directory's link
 * count: sizing the array from it once avoids the copies (and the peak
 * memory) of growing it block by block.
 */
static size_t guess_block_count(int mem_fd)
{
	struct stat st;

	if (fstat(mem_fd, &st) < 0 || st.st_nlink < 3 || st.st_nlink > (1u << 24))
		return 256;
	return (size_t)st.st_nlink - 2;
}

/*
 * The block ids, sorted (kernfs lists a directory in hash order). Sorting
 * 4-byte ids rather than whole blocks keeps qsort's scratch copy small.
 */
static int read_block_ids(int mem_fd, uint32_t **out, size_t *n)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t count = 0, cap = guess_block_count(mem_fd);
	struct mt_dir d;
	const char *name;
	unsigned char type;
	int r;

	ids = malloc(cap * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	r = mt_dir_open(&d, mem_fd, ".", MT_DIR_LARGE);
	if (r < 0)
		return r;
	while ((r = mt_dir_next(&d, &name, &type)) > 0) {
		unsigned long id;

		if (type != DT_DIR && type != DT_UNKNOWN && type != DT_LNK)
			continue;
		if (!mt_parse_indexed_name(name, "memory", &id) || id > MT_BLOCK_ID_MAX)
			continue;
		if (count == cap) {
			uint32_t *nids = realloc(ids, 2 * cap * sizeof(*ids));

			if (!nids) {
				r = -ENOMEM;
				break;
			}
			ids = nids;
			cap *= 2;
		}
		ids[count++] = (uint32_t)id;
	}
	mt_dir_close(&d);
	if (r < 0)
		return r;
	/* tmpfs and ext4 captures often list in creation order: no sort, no scratch copy. */
	for (size_t i = 1; i < count; i++)
		if (ids[i - 1] > ids[i]) {
			qsort(ids, count, sizeof(*ids), cmp_id);
			break;
		}
	*out = TAKE_PTR(ids);
	*n = count;
	return 0;
}

/*
 * Turn the sorted ids into blocks. The id array grows into the block array
 * in place, filled from the end (block i lies at or after id i), so the
 * peak is one array, not both: it matters on a 65,536-block machine.
 */
static int fill_blocks(struct mt_snapshot *s, uint32_t *ids, size_t n)
{
	struct mt_block *blocks = realloc(ids, (n ? n : 1) * sizeof(*blocks));

	if (!blocks) {
		free(ids);
		return -ENOMEM;
	}
	/* Back to front: the ids sit at the front of the array being filled. */
	for (size_t k = n; k > 0; k--) {
		size_t i = k - 1;
		uint32_t id = ((uint32_t *)blocks)[i];

		blocks[i] = (struct mt_block){ .id = id,
					       .state = MT_STATE_UNKNOWN,
					       .removable = -1,
					       .nzones = MT_ZONES_UNKNOWN,
					       .node = -1 };
	}
	s->blocks = blocks;
	s->nblocks = n;
	return 0;
}

/*
 * Some captures hold node directories but no memory/ (their back-links
 * dangle): check still reads what the back-links say, with every block
 * attribute absent. The running system never gets here: without memory/
 * its kernel has no memory hotplug.
 */
static int node_only_capture(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n = 0;
	int r;

	if (!*sr->root_path || sr->node_fd < 0 || !(s->want & MT_WANT_LINKS))
		return sr->mem_err ? sr->mem_err : -ENOENT;
	r = mt_links_block_ids(sr->node_fd, &ids, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return sr->mem_err ? sr->mem_err : -ENOENT;
	s->memory_dir_absent = true;
	s->block_size_err = -ENOENT;
	return fill_blocks(s, TAKE_PTR(ids), n);
}

static int list_blocks(struct mt_snapshot *s, int mem_fd)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n;
	int r;

	r = read_block_ids(mem_fd, &ids, &n);
	return r < 0 ? r : fill_blocks(s, TAKE_PTR(ids), n);
}

static char *read_policy(int dirfd, const char *path)
{
	char buf[64];

	if (dirfd < 0 || mt_read_attr(dirfd, path, buf, sizeof(buf)) <= 0)
		return NULL;
	/* Shown as it is in tables and messages: no raw control bytes. */
	return mt_visible_dup(buf);
}

int mt_snapshot_read(const struct mt_sysroot *sr, unsigned want, struct mt_snapshot **out,
		     struct mt_error *error)
{
	struct mt_snapshot *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->node_sets_lock, NULL);
	/*
	 * The census counts pages: it needs the page size. Its verdict needs
	 * the architecture and the resource map (arm64 boot memory).
	 */
	if (want & MT_WANT_CENSUS)
		want |= MT_WANT_KERNEL | MT_WANT_STATE | MT_WANT_RESOURCES;
	/* Driver-added memory is named in iomem, DLPAR memory in the device tree. */
	if (want & MT_WANT_ORIGIN)
		want |= MT_WANT_RESOURCES | MT_WANT_DRMEM;
	s->want = want;
	if (sr->mem_fd >= 0) {
		s->block_size_err = read_block_size(s, sr->mem_fd);
		r = list_blocks(s, sr->mem_fd);
		if (r == 0)
			r = check_block_ids(s);
	} else {
		r = node_only_capture(sr, s);
	}
	if (r < 0) {
		set_error(error, r, MT_SYSFS_MEMORY);
		goto fail;
	}
	if (want & (MT_WANT_LINKS | MT_WANT_DETAIL)) {
		s->detail = calloc(s->nblocks ? s->nblocks : 1, sizeof(*s->detail));
		if (!s->detail) {
			r = -ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < s->nblocks; i++)
			s->detail[i].online = -1;
	}
	if (want & (MT_WANT_NODES | MT_WANT_LINKS)) {
		s->have_node_dir = sr->node_fd >= 0;
		if (s->have_node_dir && (r = mt_links_read_back(s, sr->node_fd)) < 0) {
			set_error(error, r, MT_SYSFS_NODE);
			goto fail;
		}
	}
	r = sr->mem_fd < 0 ? 0 : mt_blocks_read(s, sr->mem_fd, sr->dirs_fill);
	if (r < 0) {
		set_error(error, r, MT_SYSFS_MEMORY);
		goto fail;
	}

	if ((want & MT_WANT_POLICY) && sr->mem_fd >= 0) {
		s->auto_online_blocks = read_policy(sr->mem_fd, "auto_online_blocks");
		s->online_policy =
			read_policy(sr->sys_fd, "module/memory_hotplug/parameters/online_policy");
	}
	r = mt_snapshot_read_system(sr, s);
	if (r == 0 && (want & MT_WANT_CENSUS))
		r = mt_snapshot_census_all(sr, s);
	if (r == 0 && (want & MT_WANT_ORIGIN))
		r = mt_snapshot_read_origin(sr, s);
	if (r < 0) {
		set_error(error, r, "");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	mt_snapshot_free(s);
	return r;
}

int mt_snapshot_reread_block(const struct mt_sysroot *sr, struct mt_snapshot *s, size_t idx)
{
	if (idx >= s->nblocks || sr->mem_fd < 0)
		return -EINVAL;
	mt_block_reread(&s->blocks[idx], s->detail ? &s->detail[idx] : NULL, sr->mem_fd);
	return 0;
}

static bool disagrees(const struct mt_snapshot *s, size_t i)
{
	const struct mt_block_detail *d = s->detail ? &s->detail[i] : NULL;
	enum mt_state st = s->blocks[i].state;

	return d && ((d->online == 1 && st == MT_STATE_OFFLINE) ||
		     (d->online == 0 && st == MT_STATE_ONLINE));
}

void mt_snapshot_settle(const struct mt_sysroot *sr, struct mt_snapshot *s)
{
	struct timespec pause = { 0, MT_SETTLE_MS * 1000000L };
	bool any = false;

	/*
	 * state and online disagreeing may be another agent's online landing
	 * between the two reads: read them again, online first (it waits for
	 * an online or offline in flight), so a mismatch check reports lasts.
	 */
	for (size_t i = 0; i < s->nblocks; i++)
		if (disagrees(s, i))
			mt_block_reread_pair(&s->blocks[i], &s->detail[i], sr->mem_fd);
	for (size_t i = 0; i < s->nblocks && !any; i++)
		any = s->blocks[i].state == MT_STATE_GOING_OFFLINE;
	if (!any)
		return;
	nanosleep(&pause, NULL);
	for (size_t i = 0; i < s->nblocks; i++)
		if (s->blocks[i].state == MT_STATE_GOING_OFFLINE)
			mt_snapshot_reread_block(sr, s, i);
}

void mt_snapshot_free(struct mt_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nnode_sets; i++)
		free(s->node_sets[i]);
	free(s->node_sets);
	pthread_mutex_destroy(&s->node_sets_lock);
	for (size_t i = 0; i < s->nblocks; i++) {
		if (s->detail) {
			mt_nodeset_free(&s->detail[i].fwd);
			mt_nodeset_free(&s->detail[i].back);
		}
	}
	free(s->blocks);
	free(s->detail);
	free(s->node_dirs);
	free(s->orphans);
	free(s->auto_online_blocks);
	free(s->online_policy);
	free(s->census);
	free(s->verdict);
	mt_snapshot_free_system(s);
	mt_snapshot_free_origin(s);
	free(s);
}

bool mt_block_nodes_equal(const struct mt_snapshot *s, const struct mt_block *a,
			  const struct mt_block *b)
{
	if (a->nnodes != b->nnodes)
		return false;
	if (a->nnodes <= 1)
		return a->node == b->node;
	return memcmp(mt_block_nodes(s, a), mt_block_nodes(s, b), a->nnodes * sizeof(int)) == 0;
}
