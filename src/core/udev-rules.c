// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding udev rules that online memory blocks on "add". This is not a
 * udev: each rules file is run in the abstract for one event, a memory
 * block being added. Keys memtopo can evaluate (ACTION, SUBSYSTEM(S),
 * KERNEL(S), DEVPATH) decide; the others (PROGRAM, RESULT, TEST, ATTR, ENV,
 * ...) may go either way. GOTO is followed forward to its LABEL as udev
 * does, because the real rules files (RHEL 8+, Ubuntu, SUSE) select memory
 * with "SUBSYSTEM!=\"memory\", GOTO=..." and assign state on later lines.
 */
#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>

#include "shared/macro.h"
#include "shared/sysfs.h"
#include "shared/text.h"
#include "core/udev-rules.h"

/* udev ignores a logical line this long or longer (UDEV_LINE_SIZE). */
#define RULE_LINE_SIZE 16384

enum tri { NO, MAYBE, YES };
enum op { OP_MATCH, OP_NOMATCH, OP_ADD, OP_REMOVE, OP_ASSIGN_FINAL, OP_ASSIGN };

struct token {
	const char *key, *attr; /* attr: inside {...}, NULL when none */
	size_t klen, alen;
	enum op op;
	char *value; /* unescaped, NUL-terminated in the line buffer */
};

/*
 * The device keys memtopo can evaluate, with their value for the memory
 * block being added and for some other device: a pattern names memory when
 * an alternative matches the first and not the second ("memory|cpu" does,
 * "*" does not).
 */
static const struct device_key {
	const char *key, *memory, *other;
} device_keys[] = {
	{ "SUBSYSTEM", "memory", "cpu" },
	{ "SUBSYSTEMS", "memory", "cpu" },
	{ "KERNEL", "memory32", "cpu0" },
	{ "KERNELS", "memory32", "cpu0" },
	{ "DEVPATH", "/devices/system/memory/memory32", "/devices/system/cpu/cpu0" },
	{ "ACTION", "add", "add" },
};

/* What one rule line does to a memory "add" event. */
struct rule {
	enum tri match; /* do all its match keys hold? */
	unsigned n_no, n_maybe;
	bool self_confirms;  /* a match key names memory: SUBSYSTEM=="memory" */
	bool excl_candidate; /* its one failing key is SUBSYSTEM!="memory" or alike */
	bool onlines;        /* assigns state/online, or RUNs something that does */
	/*
	 * ATTR{state}=="offline", ATTR{state}="online...": only a memory block
	 * has a state that reads offline and takes online (a SCSI device's
	 * takes "running"), so such a rule names memory as SUBSYSTEM would.
	 */
	bool tests_offline_state, writes_online_state;
	const char *goto_label, *label;
};

static bool key_is(const char *s, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(s, name, len) == 0;
}

static bool parse_op(char **p, enum op *op)
{
	static const char *const ops[] = {
		[OP_MATCH] = "==",  [OP_NOMATCH] = "!=",      [OP_ADD] = "+=",
		[OP_REMOVE] = "-=", [OP_ASSIGN_FINAL] = ":=", [OP_ASSIGN] = "=",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t len = strlen(ops[i]);

		if (strncmp(*p, ops[i], len) == 0) {
			*p += len;
			*op = (enum op)i;
			return true;
		}
	}
	return false;
}

/* The quoted value at *pp (after an optional e/r/i prefix), unescaped in place. */
static int parse_value(char **pp, char **value)
{
	char *p = *pp, *w;

	if ((*p == 'e' || *p == 'r' || *p == 'i') && p[1] == '"')
		p++;
	if (*p++ != '"')
		return -EINVAL;
	*value = w = p;
	for (; *p != '"'; p++) {
		if (!*p)
			return -EINVAL;
		if (*p == '\\' && p[1] == '"')
			p++;
		*w++ = *p;
	}
	*w = '\0';
	p++;
	if (*p && *p != ',' && !isspace((unsigned char)*p))
		return -EINVAL;
	*pp = p;
	return 0;
}

/* 1 with *t filled, 0 at the end of the line, -EINVAL on a syntax error. */
static int next_token(char **pp, struct token *t)
{
	char *p = *pp;

	while (*p == ',' || isspace((unsigned char)*p))
		p++;
	if (!*p)
		return 0;
	t->key = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	t->klen = (size_t)(p - t->key);
	t->attr = NULL;
	t->alen = 0;
	if (*p == '{') {
		char *close = strchr(p, '}');

		if (!close)
			return -EINVAL;
		t->attr = p + 1;
		t->alen = (size_t)(close - p - 1);
		p = close + 1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (t->klen == 0 || !parse_op(&p, &t->op))
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (parse_value(&p, &t->value) < 0)
		return -EINVAL;
	*pp = p;
	return 1;
}

/*
 * fnmatch() over udev's '|' alternatives. Bit 0: an alternative matches
 * a; bit 1: one matches a but not b.
 */
static unsigned match_alternatives(const char *pattern, const char *a, const char *b)
{
	unsigned res = 0;

	for (const char *p = pattern;;) {
		const char *bar = strchrnul(p, '|');
		size_t len = (size_t)(bar - p);
		char alt[256];

		if (len < sizeof(alt)) {
			memcpy(alt, p, len);
			alt[len] = '\0';
			if (fnmatch(alt, a, 0) == 0)
				res |= fnmatch(alt, b, 0) == 0 ? 1u : 3u;
		}
		if (!*bar)
			return res;
		p = bar + 1;
	}
}

static const struct device_key *find_device_key(const struct token *t)
{
	for (unsigned i = 0; i < ARRAY_SIZE(device_keys); i++)
		if (!t->attr && key_is(t->key, t->klen, device_keys[i].key))
			return &device_keys[i];
	return NULL;
}

/* A match key on the memory add event; -EINVAL for an assignment to one (udev drops the line). */
static int eval_device_key(const struct device_key *dk, const struct token *t, struct rule *r)
{
	unsigned m;
	bool yes;

	if (t->op != OP_MATCH && t->op != OP_NOMATCH)
		return -EINVAL;
	m = match_alternatives(t->value, dk->memory, dk->other);
	yes = (t->op == OP_MATCH) == ((m & 1) != 0);
	if (m & 2) {
		if (t->op == OP_MATCH)
			r->self_confirms = true;
		else
			r->excl_candidate = true;
	}
	return yes ? YES : NO;
}

/* ATTR{online} takes kstrtobool() values; writing "offline" or "0" does not online. */
static bool value_onlines(const char *v)
{
	if (!v[0] || strcmp(v, "offline") == 0 || strchr("0nNfF", v[0]))
		return false;
	return !((v[0] == 'o' || v[0] == 'O') && (v[1] == 'f' || v[1] == 'F'));
}

/* RUN+="... echo online > /sys$devpath/state" or chmem --enable. */
static bool run_onlines(const char *v)
{
	if (strstr(v, "chmem") && (strstr(v, " -e") || strstr(v, "--enable")))
		return true;
	if (!strstr(v, "online"))
		return false;
	return strstr(v, "/sys/devices/system/memory") || strstr(v, "state") ||
	       strstr(v, "$devpath") || strstr(v, "%p") || strstr(v, "/online");
}

static void eval_assignment(const struct token *t, struct rule *r)
{
	bool assigns = t->op == OP_ASSIGN || t->op == OP_ASSIGN_FINAL || t->op == OP_ADD;

	if (key_is(t->key, t->klen, "GOTO"))
		r->goto_label = t->value;
	else if (key_is(t->key, t->klen, "LABEL"))
		r->label = t->value;
	else if (!assigns)
		return;
	else if (key_is(t->key, t->klen, "ATTR") && t->attr &&
		 (key_is(t->attr, t->alen, "state") || key_is(t->attr, t->alen, "online"))) {
		r->onlines |= value_onlines(t->value);
		/* "$env{.state}" as RHEL sets it: online or online_movable. */
		r->writes_online_state |= key_is(t->attr, t->alen, "state") &&
					  (strncmp(t->value, "online", 6) == 0 ||
					   t->value[0] == '$' || t->value[0] == '%');
	} else if (key_is(t->key, t->klen, "RUN"))
		r->onlines |= run_onlines(t->value);
}

static int eval_token(const struct token *t, struct rule *r)
{
	const struct device_key *dk = find_device_key(t);
	int m;

	if (t->op == OP_MATCH && key_is(t->key, t->klen, "ATTR") && t->attr &&
	    key_is(t->attr, t->alen, "state") && strcmp(t->value, "offline") == 0)
		r->tests_offline_state = true;
	if (dk)
		m = eval_device_key(dk, t, r);
	else if (t->op == OP_MATCH || t->op == OP_NOMATCH || key_is(t->key, t->klen, "PROGRAM") ||
		 key_is(t->key, t->klen, "IMPORT"))
		m = MAYBE; /* PROGRAM and IMPORT match on the program's exit status */
	else {
		eval_assignment(t, r);
		return 0;
	}
	if (m < 0)
		return m;
	r->n_no += m == NO;
	r->n_maybe += m == MAYBE;
	return 0;
}

static int analyse_rule(char *line, struct rule *r)
{
	struct token t;
	int k;

	*r = (struct rule){ 0 };
	while ((k = next_token(&line, &t)) > 0)
		if (eval_token(&t, r) < 0)
			return -EINVAL;
	if (k < 0)
		return k;
	r->match = r->n_no ? NO : r->n_maybe ? MAYBE : YES;
	return 0;
}

/*
 * How a rule is reached: REACH_ANY on a path other devices may take too,
 * REACH_MEM on one that only memory events take (a SUBSYSTEM=="memory"
 * rule jumped here, or a SUBSYSTEM!="memory" rule sent the others away).
 */
#define REACH_ANY 1u
#define REACH_MEM 2u

struct pending {
	char *label;
	unsigned reach;
};

struct flow {
	unsigned fall; /* how the next rule is reached by falling through */
	struct pending *p;
	size_t n;
};

static int add_pending(struct flow *f, const char *label, unsigned reach)
{
	struct pending *np;

	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->p[i].label, label) == 0) {
			f->p[i].reach |= reach;
			return 0;
		}
	np = realloc(f->p, (f->n + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	f->p = np;
	np[f->n].label = strdup(label);
	if (!np[f->n].label)
		return -ENOMEM;
	np[f->n++].reach = reach;
	return 0;
}

/* A GOTO lands on the first LABEL after it: that label consumes the jumps. */
static unsigned take_pending(struct flow *f, const char *label)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->p[i].label, label) == 0) {
			unsigned reach = f->p[i].reach;

			free(f->p[i].label);
			f->p[i] = f->p[--f->n];
			return reach;
		}
	return 0;
}

static void flow_free(struct flow *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->p[i].label);
	free(f->p);
}

/* 1 when this rule onlines memory on a memory-only path, 0, or -ENOMEM. */
static int flow_step(struct flow *f, const struct rule *r)
{
	unsigned in = f->fall, here;

	if (r->label)
		in |= take_pending(f, r->label);
	if (!in || r->match == NO) {
		/* SUBSYSTEM!="memory", GOTO=...: whatever falls through is memory. */
		bool excl = r->excl_candidate && r->n_no == 1 && r->n_maybe == 0 && r->goto_label;

		f->fall = in && excl ? REACH_MEM : in;
		return 0;
	}
	here = r->self_confirms || (r->tests_offline_state && r->writes_online_state) ? REACH_MEM
										      : in;
	if (r->goto_label) {
		if (add_pending(f, r->goto_label, here) < 0)
			return -ENOMEM;
		if (r->match == YES)
			in = 0;
	}
	f->fall = in;
	return r->onlines && (here & REACH_MEM);
}

/*
 * The next logical line into buf, as udev reads it: leading blanks and
 * '#' lines skipped (also inside a continuation), "\\\n" joined, a line
 * that does not fit left empty (udev ignores it), a continuation cut by
 * the end of the file dropped. *first is its first physical line.
 */
static bool next_rule_line(const char **text, unsigned *lineno, char *buf, unsigned *first)
{
	size_t len = 0;
	bool cont = false, too_long = false;

	while (**text) {
		const char *p = *text, *eol = strchrnul(p, '\n');
		size_t n;

		*text = *eol ? eol + 1 : eol;
		(*lineno)++;
		while (p < eol && isspace((unsigned char)*p))
			p++;
		if ((p < eol && *p == '#') || (!cont && p == eol))
			continue;
		if (!cont)
			*first = *lineno;
		n = (size_t)(eol - p);
		if (n && p[n - 1] == '\r')
			n--;
		cont = n && p[n - 1] == '\\';
		n -= cont;
		if (len + n >= RULE_LINE_SIZE)
			too_long = true;
		else
			memcpy(buf + len, p, n);
		len += n;
		if (!cont) {
			buf[too_long ? 0 : len] = '\0';
			return true;
		}
	}
	return false;
}

/* The first line of a rule onlining memory, 0 for none, or -ENOMEM. */
static int text_onlines_memory(const char *text)
{
	_cleanup_free_ char *buf = calloc(1, RULE_LINE_SIZE);
	struct flow f = { .fall = REACH_ANY };
	unsigned lineno = 0, first = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (ret == 0 && next_rule_line(&text, &lineno, buf, &first)) {
		struct rule r;
		int k;

		/* udev drops a line it cannot parse, LABEL and all. */
		if (analyse_rule(buf, &r) < 0)
			continue;
		k = flow_step(&f, &r);
		if (k < 0)
			ret = k;
		else if (k > 0)
			ret = first > INT_MAX ? INT_MAX : (int)first;
	}
	flow_free(&f);
	return ret;
}

unsigned mt_udev_text_onlines_memory(const char *text)
{
	int r = text_onlines_memory(text);

	return r > 0 ? (unsigned)r : 0;
}

unsigned mt_udev_text_starts_daxctl(const char *text)
{
	_cleanup_free_ char *buf = malloc(RULE_LINE_SIZE);
	unsigned line = 0, first = 0;

	while (buf && next_rule_line(&text, &line, buf, &first))
		if (strstr(buf, "SUBSYSTEM==\"dax\"") &&
		    (strstr(buf, "daxdev-reconfigure") || strstr(buf, "daxctl")))
			return first;
	return 0;
}

/* udev's search path, highest priority first: a name found early masks later ones. */
static const char *const rules_dirs[] = {
	"etc/udev/rules.d",     "run/udev/rules.d", "usr/local/lib/udev/rules.d",
	"usr/lib/udev/rules.d", "lib/udev/rules.d",
};

struct candidate {
	char *name;
	unsigned dir;
};

struct scan {
	int fds[ARRAY_SIZE(rules_dirs)];
	struct candidate *c;
	size_t n;
};

static bool is_rules_name(const char *name)
{
	size_t len = strlen(name);

	return len > 6 && strcmp(name + len - 6, ".rules") == 0 && name[0] != '.';
}

static int add_candidate(struct scan *s, const char *name, unsigned dir)
{
	struct candidate *nc;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->c[i].name, name) == 0)
			return 0; /* a higher-priority directory has it */
	nc = realloc(s->c, (s->n + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	s->c = nc;
	nc[s->n].name = strdup(name);
	if (!nc[s->n].name)
		return -ENOMEM;
	nc[s->n++].dir = dir;
	return 0;
}

static int scan_dir(struct scan *s, unsigned dir)
{
	struct mt_dir d;
	const char *name;
	int r = 0;

	if (mt_dir_open(&d, s->fds[dir], ".", 0) < 0)
		return 0;
	while (r == 0 && mt_dir_next(&d, &name, NULL) > 0)
		if (is_rules_name(name))
			r = add_candidate(s, name, dir);
	mt_dir_close(&d);
	return r;
}

/*
 * A rules file is text a person wrote: systemd's largest is some 20 KiB.
 * 1 MiB is fifty times that; past it the file is not a rules file.
 */
#define UDEV_RULES_MAX ((size_t)1 << 20)

/*
 * The text of one rules file: 1 with *text set, 0 when it is masked (a
 * symlink to /dev/null) or unreadable, -ENOMEM. It is opened from the
 * sysroot's root (MT_OPEN_IN_ROOT): an absolute symlink means a file inside
 * the sysroot, never one of the running system.
 */
static int read_rules_file(int root_fd, int dir_fd, unsigned dir, const char *name, char **text)
{
	char target[PATH_MAX], path[PATH_MAX];
	ssize_t n;

	n = readlinkat(dir_fd, name, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, "/dev/null") == 0)
			return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", rules_dirs[dir], name);
	n = mt_read_file(root_fd, path, UDEV_RULES_MAX, MT_OPEN_IN_ROOT, text);
	if (n == -ENOMEM)
		return -ENOMEM;
	return n >= 0;
}

static int add_result(struct mt_udev_rule **v, size_t *n, const struct candidate *c, unsigned line)
{
	struct mt_udev_rule *nr;
	char *path;

	char name[NAME_MAX * 4 + 1];

	/* A file name is bytes: shown visible in messages and JSON. */
	mt_visible(name, sizeof(name), c->name);
	if (asprintf(&path, "%s/%s", rules_dirs[c->dir], name) < 0)
		return -ENOMEM;
	nr = realloc(*v, (*n + 1) * sizeof(*nr));
	if (!nr) {
		free(path);
		return -ENOMEM;
	}
	*v = nr;
	nr[(*n)++] = (struct mt_udev_rule){ .path = path, .line = line };
	return 0;
}

static int check_candidate(int root_fd, const struct scan *s, const struct candidate *c,
			   struct mt_udev_rules *out)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_rules_file(root_fd, s->fds[c->dir], c->dir, c->name, &text);
	if (r <= 0)
		return r;
	if ((r = (int)mt_udev_text_starts_daxctl(text)) > 0 &&
	    add_result(&out->dax, &out->ndax, c, (unsigned)r) < 0)
		return -ENOMEM;
	r = text_onlines_memory(text);
	if (r <= 0)
		return r;
	return add_result(&out->r, &out->n, c, (unsigned)r);
}

static int cmp_candidate(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->name, ((const struct candidate *)b)->name);
}

static void scan_free(struct scan *s)
{
	for (unsigned i = 0; i < ARRAY_SIZE(s->fds); i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	for (size_t i = 0; i < s->n; i++)
		free(s->c[i].name);
	free(s->c);
}

static int scan_all(int root_fd, struct scan *s, struct mt_udev_rules *out)
{
	int r;

	for (unsigned i = 0; i < ARRAY_SIZE(rules_dirs); i++) {
		s->fds[i] =
			mt_open(root_fd, rules_dirs[i], O_RDONLY | O_DIRECTORY, 0, MT_OPEN_IN_ROOT);
		if (s->fds[i] < 0)
			continue;
		out->dirs_found++;
		r = scan_dir(s, i);
		if (r < 0)
			return r;
	}
	/* udev reads the files in name order, whichever directory each comes from. */
	if (s->n > 1)
		qsort(s->c, s->n, sizeof(*s->c), cmp_candidate);
	for (size_t i = 0; i < s->n; i++) {
		r = check_candidate(root_fd, s, &s->c[i], out);
		if (r < 0)
			return r;
	}
	return 0;
}

int mt_udev_rules_read(int root_fd, struct mt_udev_rules *out)
{
	struct scan s = { .c = NULL };
	int r;

	for (unsigned i = 0; i < ARRAY_SIZE(s.fds); i++)
		s.fds[i] = -1;
	*out = (struct mt_udev_rules){ 0 };
	r = scan_all(root_fd, &s, out);
	scan_free(&s);
	if (r < 0)
		mt_udev_rules_free(out);
	return r;
}

void mt_udev_rules_free(struct mt_udev_rules *rules)
{
	for (size_t i = 0; i < rules->n; i++)
		free(rules->r[i].path);
	free(rules->r);
	for (size_t i = 0; i < rules->ndax; i++)
		free(rules->dax[i].path);
	free(rules->dax);
	*rules = (struct mt_udev_rules){ 0 };
}
