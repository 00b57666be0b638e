// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading agent.conf with inih. inih reports the line of a syntax error
 * but hands keys to its handler without one (the packaged library is
 * built without INI_HANDLER_LINENO), so lines come through a reader of
 * our own that counts them, checks section names (inih says nothing of
 * an empty section) and stops the parse at the first error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/agent-config.h"
#include "core/origin.h"
#include "shared/macro.h"
#include "shared/sysfs.h"
#include "shared/units.h"

static const char *const zone_names[] = {
	[MT_AZ_UNSET] = "unset", [MT_AZ_MOVABLE] = "movable",           [MT_AZ_KERNEL] = "kernel",
	[MT_AZ_AUTO] = "auto",   [MT_AZ_AUTO_MOVABLE] = "auto-movable", [MT_AZ_IGNORE] = "ignore",
};

const char *mt_agent_zone_name(enum mt_agent_zone z)
{
	return zone_names[z];
}

static void rule_init(struct mt_agent_rule *r, const char *name)
{
	*r = (struct mt_agent_rule){ .ratio = -1, .numa_aware = -1 };
	snprintf(r->name, sizeof(r->name), "%s", name);
}

void mt_agent_config_init(struct mt_agent_config *c)
{
	*c = (struct mt_agent_config){ .timeout = 30, .retries = 3 };
	rule_init(&c->policy, "policy");
	c->policy.zone = MT_AZ_AUTO_MOVABLE;
	c->policy.ratio = MT_AGENT_DEFAULT_RATIO;
	c->policy.numa_aware = 1;
}

void mt_agent_config_free(struct mt_agent_config *c)
{
	mt_idlist_free(&c->policy.nodes);
	for (size_t i = 0; i < c->nmatch; i++)
		mt_idlist_free(&c->match[i].nodes);
	free(c->match);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	*c = (struct mt_agent_config){ 0 };
}

struct parse {
	struct mt_agent_config *c;
	struct mt_config_error *err;
	const char *text, *pos;
	unsigned line;
	bool failed;
	int errno_; /* -ENOMEM */
};

_printf_(4, 5) static int fail(struct parse *p, const char *section, const char *key,
			       const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return 0;
	p->failed = true;
	p->err->line = p->line;
	if (key)
		snprintf(p->err->key, sizeof(p->err->key), "[%s] %s", section, key);
	else
		snprintf(p->err->key, sizeof(p->err->key), "[%s]", section);
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return 0;
}

static bool section_known(const char *name)
{
	return strcmp(name, "agent") == 0 || strcmp(name, "policy") == 0 ||
	       (strncmp(name, "match ", 6) == 0 && name[6] && name[6] != ' ');
}

/*
 * inih's reader: one line per call, counted. A section header is judged
 * here, where its line is known; after an error the parse ends (EOF).
 */
static char *reader(char *buf, int size, void *stream)
{
	struct parse *p = stream;
	size_t len, n;
	const char *nl, *s;

	if (p->failed || !*p->pos)
		return NULL;
	nl = strchr(p->pos, '\n');
	len = nl ? (size_t)(nl - p->pos) + 1 : strlen(p->pos);
	n = len < (size_t)size - 1 ? len : (size_t)size - 1;
	memcpy(buf, p->pos, n);
	buf[n] = '\0';
	p->pos += len;
	p->line++;
	for (s = buf; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		char name[128];

		if (end && (size_t)(end - s - 1) < sizeof(name)) {
			memcpy(name, s + 1, (size_t)(end - s - 1));
			name[end - s - 1] = '\0';
			if (!section_known(name))
				fail(p, name, NULL,
				     "unknown section (known: [agent], [policy], [match NAME])");
		}
	}
	return buf;
}

/* inih keeps a " # comment" after a value (its inline comments are ';' only). */
static void strip_comment(char *v)
{
	char *e;

	for (char *q = v; *q; q++)
		if (*q == '#' && (q == v || q[-1] == ' ' || q[-1] == '\t')) {
			*q = '\0';
			break;
		}
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no",
										       "false",
										       "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static struct mt_agent_rule *match_section(struct parse *p, const char *name)
{
	struct mt_agent_config *c = p->c;
	struct mt_agent_rule *nm;

	for (size_t i = 0; i < c->nmatch; i++)
		if (strcmp(c->match[i].name, name) == 0)
			return &c->match[i];
	nm = realloc(c->match, (c->nmatch + 1) * sizeof(*nm));
	if (!nm)
		return NULL;
	c->match = nm;
	rule_init(&nm[c->nmatch], name);
	return &nm[c->nmatch++];
}

static int set_sources(struct parse *p, const char *sec, const char *key, char *v,
		       struct mt_agent_rule *r)
{
	unsigned mask = 0;

	for (char *save = NULL, *tok = strtok_r(v, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		int s = mt_source_parse(tok);

		if (strcmp(tok, "any") == 0)
			mask = ~0u;
		else if (s >= 0)
			mask |= 1u << s;
		else
			return fail(p, sec, key,
				    "'%s' is not boot, acpi-dimm, virtio-mem, kmem, dlpar, "
				    "unknown or any",
				    tok);
	}
	if (!mask)
		return fail(p, sec, key, "no source given");
	r->sources = mask == ~0u ? 0 : mask;
	return 1;
}

/* size = SIZE (exactly), MIN-, -MAX or MIN-MAX. */
static int set_size(struct parse *p, const char *sec, const char *key, char *v,
		    struct mt_agent_rule *r)
{
	char *dash = strchr(v, '-');
	uint64_t lo = 0, hi = UINT64_MAX;

	if (dash)
		*dash = '\0';
	if ((*v && mt_size_parse(v, &lo) < 0) ||
	    (dash && dash[1] && mt_size_parse(dash + 1, &hi) < 0) || (!dash && !*v) ||
	    (dash && !*v && !dash[1]))
		return fail(p, sec, key, "not a size or size range like 1G, 512M-, -4G or 1G-4G");
	if (!dash)
		hi = lo;
	if (lo > hi)
		return fail(p, sec, key, "the range is empty (MIN above MAX)");
	r->size_set = true;
	r->size_min = lo;
	r->size_max = hi;
	return 1;
}

static int set_rule_key(struct parse *p, const char *sec, const char *key, char *v,
			struct mt_agent_rule *r, bool is_match)
{
	char *end;
	long n;

	if (strcmp(key, "zone") == 0) {
		for (int z = MT_AZ_MOVABLE; z <= MT_AZ_IGNORE; z++)
			if (strcmp(v, zone_names[z]) == 0) {
				r->zone = (enum mt_agent_zone)z;
				return 1;
			}
		return fail(p, sec, key,
			    "'%s' is not movable, kernel, auto, auto-movable or ignore", v);
	}
	if (strcmp(key, "ratio") == 0) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < 0 || n > 100000)
			return fail(p, sec, key, "'%s' is not a percentage from 0 to 100000", v);
		r->ratio = (int)n;
		return 1;
	}
	if (strcmp(key, "numa-aware") == 0) {
		if ((r->numa_aware = parse_bool(v)) < 0)
			return fail(p, sec, key, "'%s' is not yes or no", v);
		return 1;
	}
	if (!is_match)
		return fail(p, sec, key, "unknown key (known: zone, ratio, numa-aware)");
	if (strcmp(key, "source") == 0)
		return set_sources(p, sec, key, v, r);
	if (strcmp(key, "node") == 0) {
		mt_idlist_free(&r->nodes);
		if (mt_idlist_parse(v, &r->nodes) < 0 || !r->nodes.n)
			return fail(p, sec, key, "'%s' is not a node list like 1 or 0,2-3", v);
		r->node_set = true;
		return 1;
	}
	if (strcmp(key, "size") == 0)
		return set_size(p, sec, key, v, r);
	return fail(p, sec, key,
		    "unknown key (known: zone, ratio, numa-aware, source, node, size)");
}

static int set_agent_key(struct parse *p, const char *sec, const char *key, char *v)
{
	char *end;
	int b;

	if (strcmp(key, "takeover") == 0) {
		if ((b = parse_bool(v)) < 0)
			return fail(p, sec, key, "'%s' is not yes or no", v);
		p->c->takeover = b;
		return 1;
	}
	if (strcmp(key, "timeout") == 0) {
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || !(d > 0 && d <= 3600))
			return fail(p, sec, key, "'%s' is not a number of seconds from 0 to 3600",
				    v);
		p->c->timeout = d;
		return 1;
	}
	if (strcmp(key, "retries") == 0) {
		long n;

		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < 0 || n > 100)
			return fail(p, sec, key, "'%s' is not a count from 0 to 100", v);
		p->c->retries = (unsigned)n;
		return 1;
	}
	return fail(p, sec, key, "unknown key (known: takeover, timeout, retries)");
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	char v[512];
	struct mt_agent_rule *r;

	if (p->failed)
		return 0;
	snprintf(v, sizeof(v), "%s", value ? value : "");
	strip_comment(v);
	if (!*section)
		return fail(p, "", name, "a key before any section");
	if (!*v)
		return fail(p, section, name, "no value");
	if (strcmp(section, "agent") == 0)
		return set_agent_key(p, section, name, v);
	if (strcmp(section, "policy") == 0)
		return set_rule_key(p, section, name, v, &p->c->policy, false);
	if (!section_known(section))
		return 0; /* reported by the reader */
	r = match_section(p, section + 6);
	if (!r) {
		p->errno_ = -ENOMEM;
		p->failed = true;
		return 0;
	}
	return set_rule_key(p, section, name, v, r, true);
}

int mt_agent_config_parse(struct mt_agent_config *c, const char *file, const char *text,
			  struct mt_config_error *err)
{
	struct parse p = { .c = c, .err = err, .text = text, .pos = text };
	char **nf;
	int r;

	*err = (struct mt_config_error){ 0 };
	snprintf(err->file, sizeof(err->file), "%s", file);
	r = ini_parse_stream(reader, &p, handler, &p);
	if (p.errno_)
		return p.errno_;
	if (!p.failed && r > 0) {
		err->line = (unsigned)r;
		snprintf(err->msg, sizeof(err->msg),
			 "not a [section], a 'key = value' or a comment");
		p.failed = true;
	}
	if (p.failed || r < 0)
		return r == -2 ? -ENOMEM : -EINVAL;
	nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	c->files = nf;
	if (!(nf[c->nfiles] = strdup(file)))
		return -ENOMEM;
	c->nfiles++;
	return 0;
}

static int load_file(int root_fd, const char *path, bool must, struct mt_agent_config *c,
		     struct mt_config_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int slash = -1;
	ssize_t n;

	/*
	 * --config FILE is the file as typed, even under --sysroot: resolved
	 * from "/" (a relative name from the working directory), never through
	 * the confinement meant for the sysroot's own files.
	 */
	if (root_fd == AT_FDCWD && path[0] == '/') {
		slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (slash < 0)
			return -errno;
		root_fd = slash;
	}
	/* A configuration is a few KiB; a link to /dev/zero is refused, not read. */
	n = mt_read_file(root_fd, path, 1 << 20, MT_OPEN_IN_ROOT, &text);

	if (n < 0) {
		if (!must && n == -ENOENT)
			return 0;
		*err = (struct mt_config_error){ 0 };
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "cannot read it: %s", strerror((int)-n));
		return n == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return mt_agent_config_parse(c, path, text, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/NAME.conf in name order (strcmp: the C locale, as systemd sorts drop-ins). */
static int load_dir(int root_fd, const char *dir, struct mt_agent_config *c,
		    struct mt_config_error *err)
{
	int fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0 || de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ? nn : names;
			r = -ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = load_file(root_fd, path, false, c, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int mt_agent_config_load(int root_fd, const char *only, struct mt_agent_config *c,
			 struct mt_config_error *err)
{
	int r;

	mt_agent_config_init(c);
	if (only)
		return load_file(AT_FDCWD, only, true, c, err);
	r = load_file(root_fd, MT_AGENT_CONF, false, c, err);
	if (r == 0)
		r = load_dir(root_fd, MT_AGENT_CONF_D_USR, c, err);
	if (r == 0)
		r = load_dir(root_fd, MT_AGENT_CONF_D_ETC, c, err);
	return r;
}

struct mt_agent_rule mt_agent_rule_effective(const struct mt_agent_config *c,
					     const struct mt_agent_rule *r)
{
	struct mt_agent_rule e = *r;

	if (e.zone == MT_AZ_UNSET)
		e.zone = c->policy.zone;
	if (e.ratio < 0)
		e.ratio = c->policy.ratio;
	if (e.numa_aware < 0)
		e.numa_aware = c->policy.numa_aware;
	return e;
}
