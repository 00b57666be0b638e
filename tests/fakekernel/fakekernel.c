// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fakekernel: an LD_PRELOAD shim, for tests only, that makes a write(2) to
 * <root>/sys/devices/system/memory/memoryN/state behave like the kernel's
 * state_store, driven by a per-block script of outcomes. Active only when
 * MEMTOPO_FAKE_KERNEL is the absolute fixture root (memtopo's --sysroot);
 * every other write goes straight to the real write(). README.md beside
 * this file describes the script format and the files it keeps.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEMDIR    "/sys/devices/system/memory/memory"
#define MAX_LINES 256
#define FILE_MAX  4096
/* A fixture root is a temp dir: short. Paths under it fit in PATH_MAX. */
#define ROOT_MAX 1024
#define DIR_MAX  (ROOT_MAX + 128)

/* ~6.1: online of a block with hwpoisoned pages; not in every libc's errno.h. */
#ifndef EHWPOISON
#define EHWPOISON 133
#endif

typedef ssize_t (*write_fn)(int, const void *, size_t);

static write_fn real_write;

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EBUSY", EBUSY },         { "ENOMEM", ENOMEM }, { "EINVAL", EINVAL }, { "EINTR", EINTR },
	{ "EHWPOISON", EHWPOISON }, { "EAGAIN", EAGAIN }, { "ENODEV", ENODEV }, { "EIO", EIO },
	{ "EPERM", EPERM },
};

enum kind { OK, FAIL, HANG, DELAY, RACE, SPILL, UNFLAG, PINNED, BAD };

struct outcome {
	enum kind kind;
	int err;        /* FAIL */
	long ms;        /* DELAY */
	char state[64]; /* RACE: what udev wrote */
	long block;     /* SPILL, UNFLAG: the block whose page flags change */
	bool forever;
};

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_SLAB 7

ssize_t write(int fd, const void *buf, size_t count);

static const char *err_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return "E?";
}

static int err_of(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(errnos[i].name, name) == 0)
			return errnos[i].err;
	return 0;
}

/* The whole file into buf (NUL-terminated), or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Replace the file's contents, through the real write (never ourselves). */
__attribute__((format(printf, 2, 3))) static void put(const char *path, const char *fmt, ...)
{
	char text[FILE_MAX];
	va_list ap;
	int fd, len;

	va_start(ap, fmt);
	len = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (real_write(fd, text, (size_t)len) != len)
		dprintf(STDERR_FILENO, "fakekernel: %s: short write\n", path);
	close(fd);
}

/* N when path is <root>/sys/devices/system/memory/memoryN/state, else -1. */
static long block_of(const char *root, int fd)
{
	char link[64], path[PATH_MAX];
	size_t rl = strlen(root), ml = strlen(MEMDIR);
	ssize_t n;
	char *end;
	long id;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return -1;
	path[n] = '\0';
	if (strncmp(path, root, rl) != 0 || strncmp(path + rl, MEMDIR, ml) != 0)
		return -1;
	if (path[rl + ml] < '0' || path[rl + ml] > '9')
		return -1;
	id = strtol(path + rl + ml, &end, 10);
	return strcmp(end, "/state") == 0 ? id : -1;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static struct outcome parse_outcome(const char *line)
{
	struct outcome o = { .kind = OK };
	char word[64];
	char *end;

	snprintf(word, sizeof(word), "%s", line);
	trim(word);
	if (strncmp(word, "forever:", 8) == 0) {
		o = parse_outcome(word + 8);
		o.forever = true;
		return o;
	}
	if (strcmp(word, "ok") == 0 || !word[0])
		return o;
	if (strcmp(word, "hang") == 0) {
		o.kind = HANG;
	} else if (strncmp(word, "delay:", 6) == 0) {
		o.kind = DELAY;
		o.ms = strtol(word + 6, &end, 10);
		if (end == word + 6 || *end || o.ms < 0)
			o.kind = BAD;
	} else if (strncmp(word, "race:", 5) == 0) {
		o.kind = RACE;
		snprintf(o.state, sizeof(o.state), "%s", word + 5);
		if (strcmp(o.state, "online") && strcmp(o.state, "online_kernel") &&
		    strcmp(o.state, "online_movable") && strcmp(o.state, "offline"))
			o.kind = BAD;
	} else if (strncmp(word, "spill:", 6) == 0 || strncmp(word, "unflag:", 7) == 0) {
		const char *num = strchr(word, ':') + 1;

		o.kind = word[0] == 's' ? SPILL : UNFLAG;
		o.block = strtol(num, &end, 10);
		if (end == num || *end || o.block < 0)
			o.kind = BAD;
	} else if (strcmp(word, "pinned") == 0) {
		o.kind = PINNED;
		o.err = EBUSY;
	} else if ((o.err = err_of(word)) != 0) {
		o.kind = FAIL;
	} else {
		o.kind = BAD;
	}
	return o;
}

/*
 * Attempt number `count` (0-based) of the block: line `count` of the script,
 * unless an earlier forever: line holds; past the end, ok.
 */
static struct outcome pick(const char *script, long count, char *text, size_t size)
{
	const char *p = script;
	struct outcome o = { .kind = OK };

	snprintf(text, size, "ok");
	for (long i = 0; *p && i <= count; i++) {
		size_t len = strcspn(p, "\n");
		char line[64];
		struct outcome cur;

		snprintf(line, sizeof(line), "%.*s", (int)(len < 63 ? len : 63), p);
		cur = parse_outcome(line);
		if (i == count || cur.forever) {
			o = cur;
			snprintf(text, size, "%s", line);
			trim(text);
			if (cur.forever)
				break;
		}
		p += len + (p[len] == '\n');
	}
	return o;
}

static bool is_online_value(const char *v)
{
	return !strcmp(v, "online") || !strcmp(v, "online_kernel") || !strcmp(v, "online_movable");
}

/* Bring the block to `value` as the kernel would: state, online, valid_zones. */
static void set_state(const char dir[DIR_MAX], const char fk[DIR_MAX], long id, const char *value)
{
	char path[PATH_MAX], saved[PATH_MAX], zones[FILE_MAX], first[64] = "", kernel[64] = "";
	const char *p;

	snprintf(path, sizeof(path), "%s/valid_zones", dir);
	snprintf(saved, sizeof(saved), "%s/memory%ld.zones", fk, id);
	if (!is_online_value(value)) {
		if (slurp(saved, zones, sizeof(zones)) <= 0)
			snprintf(zones, sizeof(zones), "Normal Movable\n");
		put(path, "%s", zones);
		unlink(saved);
		snprintf(path, sizeof(path), "%s/state", dir);
		put(path, "offline\n");
		snprintf(path, sizeof(path), "%s/online", dir);
		put(path, "0\n");
		return;
	}
	/* The offline block's candidates: kept to restore them at offline. */
	if (slurp(path, zones, sizeof(zones)) < 0)
		zones[0] = '\0';
	trim(zones);
	if (!zones[0])
		snprintf(zones, sizeof(zones), "Normal Movable");
	put(saved, "%s\n", zones);
	for (p = zones; *p;) {
		size_t len = strcspn(p, " ");
		char tok[64];

		snprintf(tok, sizeof(tok), "%.*s", (int)(len < 63 ? len : 63), p);
		if (!first[0])
			snprintf(first, sizeof(first), "%s", tok);
		if (!kernel[0] && strcmp(tok, "Movable") != 0)
			snprintf(kernel, sizeof(kernel), "%s", tok);
		p += len;
		p += strspn(p, " ");
	}
	snprintf(path, sizeof(path), "%s/valid_zones", dir);
	if (!strcmp(value, "online_movable"))
		put(path, "Movable\n");
	else if (!strcmp(value, "online_kernel"))
		put(path, "%s\n", kernel[0] ? kernel : "Normal");
	else
		put(path, "%s\n", first);
	snprintf(path, sizeof(path), "%s/state", dir);
	put(path, "online\n");
	snprintf(path, sizeof(path), "%s/online", dir);
	put(path, "1\n");
}

static void log_line(const char fk[DIR_MAX], long id, const char *value, const char *result)
{
	char path[PATH_MAX], line[256];
	int fd, len;

	snprintf(path, sizeof(path), "%s/log", fk);
	len = snprintf(line, sizeof(line), "memory%ld %s %s\n", id, value, result);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (real_write(fd, line, (size_t)len) != len)
		dprintf(STDERR_FILENO, "fakekernel: %s: short write\n", path);
	close(fd);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Every page of the block gets the flag word `flags` in ROOT/proc/kpageflags:
 * slab, as if the kernel had put unmovable allocations there, or none (what
 * the census cannot judge). What the page census of the block sees from now
 * on. Page size from ROOT/page_size, else 4096.
 */
static void set_page_flags(const char root[ROOT_MAX], long block, uint64_t word)
{
	char path[PATH_MAX], text[64];
	unsigned long long bs = 0, ps = 4096;
	uint64_t chunk[512];
	size_t n, done = 0;
	off_t off;
	int fd;

	snprintf(path, sizeof(path), "%.1000s/sys/devices/system/memory/block_size_bytes", root);
	if (slurp(path, text, sizeof(text)) > 0)
		bs = strtoull(text, NULL, 16);
	snprintf(path, sizeof(path), "%.1000s/page_size", root);
	if (slurp(path, text, sizeof(text)) > 0)
		ps = strtoull(text, NULL, 10);
	if (!bs || !ps || bs % ps)
		return;
	n = bs / ps;
	/* No malloc: memtopo writes from a vfork()ed child, which shares its heap. */
	for (size_t i = 0; i < sizeof(chunk) / sizeof(chunk[0]); i++)
		chunk[i] = word;
	snprintf(path, sizeof(path), "%.1000s/proc/kpageflags", root);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off = (off_t)((size_t)block * n * sizeof(uint64_t));
	while (done < n) {
		size_t k = n - done < 512 ? n - done : 512;

		if (pwrite(fd, chunk, k * sizeof(uint64_t),
			   off + (off_t)(done * sizeof(uint64_t))) < 0) {
			dprintf(STDERR_FILENO, "fakekernel: %s: %s\n", path, strerror(errno));
			break;
		}
		done += k;
	}
	close(fd);
}

/* The kernel's hotplug-lock wait: restarted after any handled signal; only SIGKILL ends it. */
static _Noreturn void hang(void)
{
	for (;;)
		pause();
}

static ssize_t fail(const char fk[DIR_MAX], long id, const char *value, int err)
{
	log_line(fk, id, value, err_name(err));
	errno = err;
	return -1;
}

/*
 * One attempt of block id: the next line of its script, counted under the
 * block's lock (returned, to be closed by the caller once the write is
 * over). -1 with errno EIO when the lock fails or the line is bad.
 */
static int take_attempt(const char fk[DIR_MAX], long id, const char *value, struct outcome *out)
{
	char path[PATH_MAX], script[FILE_MAX], ctext[32] = "", otext[64];
	struct outcome o;
	long n = 0;
	int lock;

	snprintf(path, sizeof(path), "%s/memory%ld.count", fk, id);
	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		dprintf(STDERR_FILENO, "fakekernel: %s: %s\n", path, strerror(errno));
		if (lock >= 0)
			close(lock);
		errno = EIO;
		return -1;
	}
	if (pread(lock, ctext, sizeof(ctext) - 1, 0) > 0)
		n = strtol(ctext, NULL, 10);
	n = n < 0 ? 0 : n;
	/* Never shorter than before: overwritten in place, never empty for a reader. */
	snprintf(ctext, sizeof(ctext), "%ld\n", n + 1);
	if (pwrite(lock, ctext, strlen(ctext), 0) < 0)
		dprintf(STDERR_FILENO, "fakekernel: %s: %s\n", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/memory%ld", fk, id);
	if (slurp(path, script, sizeof(script)) < 0)
		script[0] = '\0';
	o = pick(script, n, otext, sizeof(otext));
	if (o.kind == BAD) {
		dprintf(STDERR_FILENO, "fakekernel: %s: bad outcome '%s'\n", path, otext);
		log_line(fk, id, value, "BADSCRIPT");
		close(lock);
		errno = EIO;
		return -1;
	}
	*out = o;
	return lock;
}

/* One emulated write of `value` to memory<id>/state; -1 with errno, or count. */
static ssize_t emulate(const char root[ROOT_MAX], long id, const char *buf, size_t count)
{
	char fk[DIR_MAX], dir[DIR_MAX], path[PATH_MAX], value[64], cur[64], zones[FILE_MAX];
	struct outcome o;
	size_t len;
	int lock;
	bool online;

	snprintf(fk, sizeof(fk), "%.1000s/fakekernel", root);
	snprintf(dir, sizeof(dir), "%.1000s%s%ld", root, MEMDIR, id);
	mkdir(fk, 0755);
	/* Bad string: EINVAL before the kernel takes its lock; no script line used. */
	len = count - (buf[count - 1] == '\n');
	snprintf(value, sizeof(value), "%.*s", (int)(len < 63 ? len : 63), buf);
	if (len >= 63 || strlen(value) != len ||
	    (!is_online_value(value) && strcmp(value, "offline") != 0)) {
		snprintf(value, sizeof(value), "(bad)");
		return fail(fk, id, value, EINVAL);
	}

	lock = take_attempt(fk, id, value, &o);
	if (lock < 0)
		return -1;
	if (o.kind == RACE)
		set_state(dir, fk, id, o.state);

	/* The kernel's own refusals. */
	snprintf(path, sizeof(path), "%s/state", dir);
	if (slurp(path, cur, sizeof(cur)) < 0)
		cur[0] = '\0';
	trim(cur);
	online = strcmp(cur, "offline") != 0;
	snprintf(path, sizeof(path), "%s/valid_zones", dir);
	if (slurp(path, zones, sizeof(zones)) < 0)
		zones[0] = '\0';
	trim(zones);
	if (online == is_online_value(value) ||
	    (!is_online_value(value) && strcmp(zones, "none") == 0)) {
		close(lock);
		return fail(fk, id, value, EINVAL);
	}

	switch (o.kind) {
	case PINNED:
		set_page_flags(root, id, 1ull << KPF_SLAB);
		/* fall through */
	case FAIL:
		close(lock);
		return fail(fk, id, value, o.err);
	case HANG:
		log_line(fk, id, value, "hang");
		close(lock);
		hang();
	case DELAY:
		sleep_ms(o.ms);
		break;
	case OK:
	case RACE:
	case SPILL:
	case UNFLAG:
	case BAD:
		break;
	}
	set_state(dir, fk, id, value);
	if (o.kind == SPILL || o.kind == UNFLAG)
		set_page_flags(root, o.block, o.kind == SPILL ? 1ull << KPF_SLAB : 0);
	log_line(fk, id, value, "ok");
	close(lock);
	return (ssize_t)count;
}

/* ------------------------------------------------ DLPAR (pseries) */

#define DLPAR        "/sys/kernel/dlpar"
#define DRCONF       "/proc/device-tree/ibm,dynamic-reconfiguration-memory/"
#define LMB_ASSIGNED 0x8u
#define LMB_RESERVED 0x80u

static bool is_dlpar(const char *root, int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	return strncmp(path, root, strlen(root)) == 0 && strcmp(path + strlen(root), DLPAR) == 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Remove every entry of a fixture directory (files and links only), then it. */
static void remove_dir(const char *dir)
{
	char buf[4096];
	long n;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				unlinkat(fd, d->d_name, 0);
			off += d->d_reclen;
		}
	close(fd);
	rmdir(dir);
}

/*
 * `memory remove index 0xDRC` to <root>/sys/kernel/dlpar, as the pseries
 * kernel handles it (dlpar_memory_remove_by_index): find the LMB by DRC
 * index in ibm,dynamic-memory (v1; v2 is not emulated: EIO), refuse a
 * reserved or unassigned one (EINVAL), offline and remove its block (the
 * memoryN directory and its node back-links go), clear ASSIGNED in the
 * device tree. The block's script applies as for a state write; the log
 * line is `memoryN remove RESULT`.
 */
static ssize_t emulate_dlpar(const char root[ROOT_MAX], const char *buf, size_t count)
{
	char fk[DIR_MAX], path[PATH_MAX], text[128], *end;
	unsigned char e[24], cnt[4], size[8];
	unsigned long long bs = 0, lmb = 0, base = 0;
	unsigned long drc;
	uint32_t n, flags = 0, i;
	struct outcome o;
	long id = -1;
	size_t len;
	int fd, lock;

	snprintf(fk, sizeof(fk), "%.1000s/fakekernel", root);
	mkdir(fk, 0755);
	len = count - (buf[count - 1] == '\n');
	snprintf(text, sizeof(text), "%.*s", (int)(len < 127 ? len : 127), buf);
	if (len >= 127 || strncmp(text, "memory remove index ", 20) != 0)
		return fail(fk, -1, "remove", EINVAL);
	errno = 0;
	drc = strtoul(text + 20, &end, 0);
	if (errno || *end || end == text + 20)
		return fail(fk, -1, "remove", EINVAL);
	snprintf(path, sizeof(path), "%.1000s/sys/devices/system/memory/block_size_bytes", root);
	if (slurp(path, text, sizeof(text)) > 0)
		bs = strtoull(text, NULL, 16);
	snprintf(path, sizeof(path), "%.1000s" DRCONF "ibm,lmb-size", root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pread(fd, size, 8, 0) == 8)
		lmb = (unsigned long long)be32(size) << 32 | be32(size + 4);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%.1000s" DRCONF "ibm,dynamic-memory", root);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || !bs || lmb != bs || pread(fd, cnt, 4, 0) != 4) {
		if (fd >= 0)
			close(fd);
		return fail(fk, -1, "remove", EIO);
	}
	n = be32(cnt);
	for (i = 0; i < n; i++) {
		if (pread(fd, e, sizeof(e), 4 + (off_t)i * 24) != (ssize_t)sizeof(e))
			break;
		if (be32(e + 8) == drc) {
			base = (unsigned long long)be32(e) << 32 | be32(e + 4);
			flags = be32(e + 20);
			id = (long)(base / bs);
			break;
		}
	}
	if (id < 0 || (flags & LMB_RESERVED) || !(flags & LMB_ASSIGNED)) {
		close(fd);
		return fail(fk, id, "remove", EINVAL);
	}
	lock = take_attempt(fk, id, "remove", &o);
	if (lock < 0) {
		close(fd);
		return -1;
	}
	switch (o.kind) {
	case PINNED:
		set_page_flags(root, id, 1ull << KPF_SLAB);
		/* fall through */
	case FAIL:
		close(lock);
		close(fd);
		return fail(fk, id, "remove", o.kind == PINNED ? EBUSY : o.err);
	case HANG:
		log_line(fk, id, "remove", "hang");
		close(lock);
		close(fd);
		hang();
	case DELAY:
		sleep_ms(o.ms);
		break;
	default:
		break;
	}
	snprintf(path, sizeof(path), "%.1000s%s%ld", root, MEMDIR, id);
	remove_dir(path);
	for (int k = 0; k < 64; k++) {
		snprintf(path, sizeof(path), "%.1000s/sys/devices/system/node/node%d/memory%ld",
			 root, k, id);
		unlink(path);
	}
	flags &= ~LMB_ASSIGNED;
	e[20] = (unsigned char)(flags >> 24), e[21] = (unsigned char)(flags >> 16);
	e[22] = (unsigned char)(flags >> 8), e[23] = (unsigned char)flags;
	if (pwrite(fd, e + 20, 4, 4 + (off_t)i * 24 + 20) != 4)
		dprintf(STDERR_FILENO, "fakekernel: %s: %s\n", DRCONF, strerror(errno));
	close(fd);
	log_line(fk, id, "remove", "ok");
	close(lock);
	return (ssize_t)count;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static char root[PATH_MAX];
	static int active = -1;
	long id;

	if (!real_write) {
		real_write = (write_fn)dlsym(RTLD_NEXT, "write");
		if (!real_write) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (active < 0) {
		const char *env = getenv("MEMTOPO_FAKE_KERNEL");

		active = env && env[0] == '/' && realpath(env, root) && strlen(root) < ROOT_MAX;
	}
	if (active && count && is_dlpar(root, fd))
		return emulate_dlpar(root, buf, count);
	if (!active || count == 0 || (id = block_of(root, fd)) < 0)
		return real_write(fd, buf, count);
	return emulate(root, id, buf, count);
}
