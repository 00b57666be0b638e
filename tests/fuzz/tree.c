// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing a sysroot tree from fuzzer bytes (tree.h), never outside its directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "tree.h"

#define MAX_FILE  (1u << 20)
#define MAX_DEPTH 16

static char base[256], root_path[300], outside_path[300];
static int base_fd = -1;
static size_t nblocks;

/* Remove NAME under at and everything below it, following no link. */
static void rm_rf(int at, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (unlinkat(at, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rm_rf(dirfd(d), e->d_name);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

static void cleanup(void)
{
	if (base_fd < 0)
		return;
	rm_rf(base_fd, "root");
	rm_rf(base_fd, "outside");
	close(base_fd);
	base_fd = -1;
	rmdir(base);
}

/* tmpfs where there is one: thousands of small files per second. */
static void setup(void)
{
	const char *dirs[] = { getenv("MEMTOPO_FUZZ_TMPDIR"), "/dev/shm", getenv("TMPDIR"),
			       "/tmp" };

	if (base_fd >= 0)
		return;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs) && base_fd < 0; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(base, sizeof(base), "%s/memtopo-fuzz-XXXXXX", dirs[i]);
		if (mkdtemp(base))
			base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (base_fd < 0) {
		perror("fuzz: no temporary directory");
		abort();
	}
	snprintf(root_path, sizeof(root_path), "%s/root", base);
	snprintf(outside_path, sizeof(outside_path), "%s/outside", base);
	atexit(cleanup);
}

const char *tree_root(void)
{
	setup();
	return root_path;
}

/* A path's components must stay below where they start: no "", ".", "..". */
static bool good_component(const char *c, size_t len)
{
	return len > 0 && len < 256 && !(len == 1 && c[0] == '.') &&
	       !(len == 2 && c[0] == '.' && c[1] == '.');
}

/*
 * Open the directory holding the last component of PATH under top,
 * creating directories on the way and following no link; *last is that
 * component. -1 when the path is not one we write.
 */
static int open_parent(int top, const char *path, const char **last, unsigned *depth)
{
	int fd = dup(top);
	const char *p = path;

	*depth = 0;
	while (fd >= 0) {
		size_t len = strcspn(p, "/");
		char comp[256];
		int next;

		if (!good_component(p, len) || ++*depth > MAX_DEPTH)
			break;
		if (!p[len]) {
			*last = p;
			return fd;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		mkdirat(fd, comp, 0755);
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p += len + 1;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int top_fd(bool outside)
{
	const char *name = outside ? "outside" : "root";

	mkdirat(base_fd, name, 0755);
	return openat(base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void write_file(bool outside, const char *path, const char *text, size_t len, bool nl)
{
	const char *last;
	unsigned depth;
	int top = top_fd(outside), dir, fd;

	if (top < 0)
		return;
	dir = open_parent(top, path, &last, &depth);
	close(top);
	if (dir < 0)
		return;
	fd = openat(dir, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		    0644);
	close(dir);
	if (fd < 0)
		return;
	if (write(fd, text, len) < 0 || (nl && write(fd, "\n", 1) < 0))
		perror("fuzz: write");
	close(fd);
}

static void make_dir(const char *path)
{
	const char *last;
	unsigned depth;
	int top = top_fd(false), dir;

	if (top < 0)
		return;
	dir = open_parent(top, path, &last, &depth);
	close(top);
	if (dir < 0)
		return;
	mkdirat(dir, last, 0755);
	close(dir);
}

/* Does the path have a ".." component? */
static bool has_dotdot(const char *p)
{
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += len + (p[len] == '/');
	}
	return false;
}

/*
 * A link's target stays in the temporary directory: up at most to it from
 * where the link is ("root" is one level below it), then down by plain
 * components; "@REST" is OUTSIDE/REST, absolute.
 */
static bool good_target(const char *t, unsigned depth, char *out, size_t size)
{
	unsigned up = 0;
	const char *p = t;

	if (t[0] == '@') {
		if (has_dotdot(t + 1))
			return false;
		snprintf(out, size, "%s/%s", outside_path, t + 1);
		return true;
	}
	if (t[0] == '/' || !t[0])
		return false;
	while (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2])) {
		up++;
		p += 2 + (p[2] == '/');
	}
	/* depth counts the link itself; its directory is depth - 1 below root. */
	if (up > depth)
		return false;
	if (has_dotdot(p))
		return false;
	snprintf(out, size, "%s", t);
	return true;
}

static void make_link(const char *path, const char *target)
{
	char t[512];
	const char *last;
	unsigned depth;
	int top = top_fd(false), dir;

	if (top < 0)
		return;
	dir = open_parent(top, path, &last, &depth);
	close(top);
	if (dir < 0)
		return;
	if (good_target(target, depth, t, sizeof(t)))
		symlinkat(t, dir, last);
	close(dir);
}

/* Fields of a line: split at single spaces, the last one takes the rest. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n + 1 < max) {
		char *sp = strchr(line, ' ');

		if (!sp)
			break;
		*sp = '\0';
		f[n++] = line;
		line = sp + 1;
	}
	f[n++] = line;
	return n;
}

static bool num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/* memoryI for I in [lo, hi], at most TREE_MAX_BLOCKS of them in all. */
static bool block_range(const char *a, const char *b, unsigned long *lo, unsigned long *hi)
{
	if (!num(a, UINT32_MAX, lo) || !num(b, UINT32_MAX, hi) || *hi < *lo)
		return false;
	if (*hi - *lo >= TREE_MAX_BLOCKS)
		*hi = *lo + TREE_MAX_BLOCKS - 1;
	return true;
}

static void blocks_attr(char **f, size_t n, size_t len_last)
{
	unsigned long lo, hi;
	char path[300], hex[32];

	if (n < 4 || !block_range(f[0], f[1], &lo, &hi) || strchr(f[2], '/'))
		return;
	for (unsigned long i = lo; i <= hi; i++) {
		snprintf(path, sizeof(path), "sys/devices/system/memory/memory%lu/%s", i, f[2]);
		if (strcmp(f[3], "=") == 0) {
			snprintf(hex, sizeof(hex), "%016lx", i);
			write_file(false, path, hex, strlen(hex), true);
		} else {
			write_file(false, path, f[3], len_last, true);
		}
	}
}

static void blocks_make(char **f, size_t n)
{
	unsigned long lo, hi;
	char path[128];

	if (n < 2 || !block_range(f[0], f[1], &lo, &hi))
		return;
	for (unsigned long i = lo; i <= hi && nblocks < TREE_MAX_BLOCKS; i++, nblocks++) {
		snprintf(path, sizeof(path), "sys/devices/system/memory/memory%lu", i);
		make_dir(path);
	}
}

static void blocks_link(char **f, size_t n, bool forward)
{
	unsigned long lo, hi, node;
	char path[128], target[128];

	if (n < 3 || !block_range(f[0], f[1], &lo, &hi) || !num(f[2], UINT32_MAX, &node))
		return;
	for (unsigned long i = lo; i <= hi; i++) {
		if (forward) {
			snprintf(path, sizeof(path), "sys/devices/system/memory/memory%lu/node%lu",
				 i, node);
			snprintf(target, sizeof(target), "../../node/node%lu", node);
		} else {
			snprintf(path, sizeof(path), "sys/devices/system/node/node%lu/memory%lu",
				 node, i);
			snprintf(target, sizeof(target), "../../memory/memory%lu", i);
		}
		make_link(path, target);
	}
}

static void kpageflags(char **f, size_t n)
{
	unsigned long pfn, count;
	uint64_t word, buf[512];
	int top, fd;

	if (n < 3 || !num(f[0], 1ul << 36, &pfn) || !num(f[1], 1ul << 16, &count))
		return;
	word = strtoull(f[2], NULL, 16);
	for (size_t i = 0; i < 512; i++)
		buf[i] = word;
	top = top_fd(false);
	if (top < 0)
		return;
	mkdirat(top, "proc", 0755);
	fd = openat(top, "proc/kpageflags", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	close(top);
	if (fd < 0)
		return;
	for (unsigned long done = 0; done < count;) {
		size_t k = count - done < 512 ? count - done : 512;

		if (pwrite(fd, buf, k * 8, (off_t)((pfn + done) * 8)) < 0)
			break;
		done += k;
	}
	close(fd);
}

/* How many fields a line of this kind has. */
static size_t fields_of(char kind)
{
	switch (kind) {
	case 'a':
		return 4;
	case 'n':
	case 'b':
	case 'k':
		return 3;
	case 'm':
	case 'w':
	case 'o':
	case 'l':
		return 2;
	}
	return 1;
}

/* The lines after a 'f' line, up to a line "." or the end; *next follows them. */
static size_t file_body(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	for (const uint8_t *r = p; r < end;) {
		const uint8_t *e = memchr(r, '\n', (size_t)(end - r));

		if ((e ? e : end) - r == 1 && r[0] == '.') {
			*next = e ? e + 1 : end;
			return (size_t)(r - p);
		}
		r = e ? e + 1 : end;
	}
	*next = end;
	return (size_t)(end - p);
}

/* One line (a NUL-terminated copy); returns where the next one starts. */
static const uint8_t *line(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
	size_t len = (size_t)((eol ? eol : end) - p), n, body;
	const uint8_t *next = eol ? eol + 1 : end;
	char *s, *f[4], path[320];

	if (len < 2 || p[1] != ' ')
		return next;
	s = fuzz_strndup(p, len);
	n = split(s + 2, f, fields_of(s[0]));
	/* The last field's length, NULs included. */
	body = len - (size_t)(f[n - 1] - s);
	switch (s[0]) {
	case 'B':
		write_file(false, "sys/devices/system/memory/block_size_bytes", f[0], body, true);
		break;
	case 'm':
		blocks_make(f, n);
		break;
	case 'a':
		blocks_attr(f, n, body);
		break;
	case 'n':
	case 'b':
		blocks_link(f, n, s[0] == 'n');
		break;
	case 'N':
		snprintf(path, sizeof(path), "sys/devices/system/node/node%.20s", f[0]);
		make_dir(path);
		break;
	case 'D':
		if (!strchr(f[0], '/') && nblocks++ < TREE_MAX_BLOCKS) {
			snprintf(path, sizeof(path), "sys/devices/system/memory/%.256s", f[0]);
			make_dir(path);
		}
		break;
	case 'w':
	case 'o':
		if (n == 2)
			write_file(s[0] == 'o', f[0], f[1], body, true);
		break;
	case 'f': {
		const uint8_t *text = next;

		body = file_body(text, end, &next);
		if (body <= MAX_FILE)
			write_file(false, f[0], (const char *)text, body, false);
		break;
	}
	case 'd':
		make_dir(f[0]);
		break;
	case 'l':
		if (n == 2)
			make_link(f[0], f[1]);
		break;
	case 'k':
		kpageflags(f, n);
		break;
	}
	free(s);
	return next;
}

void tree_build(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	setup();
	rm_rf(base_fd, "root");
	rm_rf(base_fd, "outside");
	mkdirat(base_fd, "root", 0755);
	mkdirat(base_fd, "outside", 0755);
	nblocks = 0;
	while (p < end)
		p = line(p, end);
}
