// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent's state file: kept in a ring, written as a stream, renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/agent-state.h"
#include "core/origin.h"
#include "shared/json-out.h"
#include "shared/macro.h"
#include "shared/sysfs.h"

static const char *const result_names[MT_AR_COUNT] = {
	[MT_AR_ONLINED] = "onlined", [MT_AR_ALREADY] = "already", [MT_AR_REFUSED] = "refused",
	[MT_AR_FAILED] = "failed",   [MT_AR_IGNORED] = "ignored", [MT_AR_REMOVED] = "removed",
};

static const char *const refusal_names[MT_RF_COUNT] = {
	[MT_RF_UNSAFE] = "unsafe", [MT_RF_ZONE] = "zone",     [MT_RF_CONFLICT] = "conflict",
	[MT_RF_STATE] = "state",   [MT_RF_FAILED] = "failed",
};

const char *mt_agent_result_name(enum mt_agent_result r)
{
	return result_names[r];
}

const char *mt_agent_refusal_name(enum mt_agent_refusal r)
{
	return refusal_names[r];
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mt_agent_state_init(struct mt_agent_state *st)
{
	*st = (struct mt_agent_state){ .pid = (long)getpid(), .started_ms = now_ms() };
}

void mt_agent_state_free(struct mt_agent_state *st)
{
	free(st->ring);
	free(st->onlined);
	*st = (struct mt_agent_state){ 0 };
}

static int count_onlined(struct mt_agent_state *st, const struct mt_agent_entry *e, uint64_t bytes)
{
	struct mt_agent_counter *nc;

	for (size_t i = 0; i < st->nonlined; i++) {
		struct mt_agent_counter *c = &st->onlined[i];

		if (c->node == e->node && c->source == e->source && strcmp(c->zone, e->zone) == 0) {
			c->bytes += bytes;
			return 0;
		}
	}
	nc = realloc(st->onlined, (st->nonlined + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	st->onlined = nc;
	nc[st->nonlined] =
		(struct mt_agent_counter){ .node = e->node, .source = e->source, .bytes = bytes };
	snprintf(nc[st->nonlined].zone, sizeof(nc->zone), "%s", e->zone);
	st->nonlined++;
	return 0;
}

int mt_agent_state_add(struct mt_agent_state *st, const struct mt_agent_entry *e, uint64_t bytes)
{
	struct mt_agent_entry *slot;

	if (e->result < MT_AR_COUNT)
		st->results[e->result]++;
	if (e->result == MT_AR_ONLINED && count_onlined(st, e, bytes) < 0)
		return -ENOMEM;
	if (st->n == st->cap && st->cap < MT_AGENT_STATE_MAX) {
		size_t ncap = st->cap ? st->cap * 2 : 64;
		struct mt_agent_entry *nr;

		if (ncap > MT_AGENT_STATE_MAX)
			ncap = MT_AGENT_STATE_MAX;
		nr = realloc(st->ring, ncap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		st->ring = nr;
		st->cap = ncap;
	}
	if (st->n < st->cap) {
		slot = &st->ring[(st->head + st->n) % st->cap];
		st->n++;
	} else {
		/* Full: the oldest goes. The ring only wraps at its final size. */
		slot = &st->ring[st->head];
		st->head = (st->head + 1) % st->cap;
	}
	*slot = *e;
	if (!slot->time_ms)
		slot->time_ms = now_ms();
	return 0;
}

void mt_agent_state_refusal(struct mt_agent_state *st, enum mt_agent_refusal why)
{
	st->refusals[why]++;
}

const struct mt_agent_entry *mt_agent_state_last(const struct mt_agent_state *st, uint32_t block)
{
	for (size_t k = st->n; k-- > 0;) {
		const struct mt_agent_entry *e = &st->ring[(st->head + k) % st->cap];

		if (e->block == block)
			return e;
	}
	return NULL;
}

/*
 * A JSON string as every memtopo document has them (mt_json_str: valid
 * UTF-8 whatever the bytes, control characters escaped): device names
 * come from iomem and links, reasons quote them.
 */
static void put_str(FILE *f, const char *s)
{
	struct json_object *o = mt_json_str(s);
	const char *text = o ? json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
			     : NULL;

	fputs(text ? text : "\"\"", f);
	json_object_put(o);
}

static void put_time(FILE *f, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "\"%s.%03dZ\"", buf, (int)(ms % 1000));
}

static void put_policy(FILE *f, const struct mt_agent_config *c)
{
	fprintf(f,
		"  \"policy\": {\"takeover\": %s, \"zone\": \"%s\", \"ratio\": %d, "
		"\"numa_aware\": %s, \"timeout\": %g, \"retries\": %u, \"matches\": [",
		c->takeover ? "true" : "false", mt_agent_zone_name(c->policy.zone), c->policy.ratio,
		c->policy.numa_aware ? "true" : "false", c->timeout, c->retries);
	for (size_t i = 0; i < c->nmatch; i++) {
		struct mt_agent_rule e = mt_agent_rule_effective(c, &c->match[i]);

		fputs(i ? ", {\"name\": " : "{\"name\": ", f);
		put_str(f, e.name);
		fprintf(f, ", \"zone\": \"%s\"}", mt_agent_zone_name(e.zone));
	}
	fputs("], \"files\": [", f);
	for (size_t i = 0; i < c->nfiles; i++) {
		fputs(i ? ", " : "", f);
		put_str(f, c->files[i]);
	}
	fputs("]},\n", f);
}

static void put_counters(FILE *f, const struct mt_agent_state *st)
{
	fputs("  \"counters\": {\"onlined_bytes\": [", f);
	for (size_t i = 0; i < st->nonlined; i++) {
		const struct mt_agent_counter *c = &st->onlined[i];

		fprintf(f, "%s{\"node\": ", i ? ", " : "");
		if (c->node >= 0)
			fprintf(f, "%d", c->node);
		else
			fputs("null", f);
		fprintf(f, ", \"zone\": \"%s\", \"source\": \"%s\", \"bytes\": %" PRIu64 "}",
			c->zone, mt_source_name(c->source), c->bytes);
	}
	fputs("], \"refusals\": {", f);
	for (int i = 0; i < MT_RF_COUNT; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", refusal_names[i], st->refusals[i]);
	fputs("}, \"results\": {", f);
	for (int i = 0; i < MT_AR_COUNT; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", result_names[i], st->results[i]);
	fputs("}},\n", f);
}

static void put_entry(FILE *f, const struct mt_agent_entry *e)
{
	fprintf(f, "    {\"block\": %" PRIu32 ", \"node\": ", e->block);
	if (e->node >= 0)
		fprintf(f, "%d", e->node);
	else
		fputs("null", f);
	fprintf(f, ", \"source\": \"%s\", \"device\": ", mt_source_name(e->source));
	if (e->device[0])
		put_str(f, e->device);
	else
		fputs("null", f);
	fputs(", \"zone\": ", f);
	if (e->zone[0])
		put_str(f, e->zone);
	else
		fputs("null", f);
	fprintf(f, ", \"result\": \"%s\", \"reason\": ", result_names[e->result]);
	put_str(f, e->reason);
	fputs(", \"time\": ", f);
	put_time(f, e->time_ms);
	fputc('}', f);
}

static int write_stream(FILE *f, const struct mt_agent_state *st, const struct mt_agent_config *c)
{
	fprintf(f, "{\n  \"memtopo\": {\"version\": \"%s\", \"schema\": %d},\n", MEMTOPO_VERSION,
		MT_AGENT_STATE_SCHEMA);
	fprintf(f, "  \"pid\": %ld,\n  \"started\": ", st->pid);
	put_time(f, st->started_ms);
	fputs(",\n  \"updated\": ", f);
	put_time(f, now_ms());
	fputs(",\n", f);
	put_policy(f, c);
	put_counters(f, st);
	fputs("  \"blocks\": [", f);
	for (size_t k = 0; k < st->n; k++) {
		fputs(k ? ",\n" : "\n", f);
		put_entry(f, &st->ring[(st->head + k) % st->cap]);
	}
	fputs(st->n ? "\n  ]\n}\n" : "]\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

static int make_dirs(int root_fd)
{
	if (mkdirat(root_fd, "run", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdirat(root_fd, "run/memtopo", 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mt_agent_state_write(int root_fd, const struct mt_agent_state *st,
			 const struct mt_agent_config *c)
{
	static const char tmp[] = MT_AGENT_STATE_PATH ".tmp";
	int fd, r, dfd;
	FILE *f;

	r = make_dirs(root_fd);
	if (r < 0)
		return r;
	fd = openat(root_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlinkat(root_fd, tmp, 0);
		return r;
	}
	r = write_stream(f, st, c);
	if (fflush(f) != 0 && r == 0)
		r = -errno;
	/* The data reaches the disk before the name points at it. */
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(root_fd, tmp, root_fd, MT_AGENT_STATE_PATH) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(root_fd, tmp, 0);
		return r;
	}
	dfd = openat(root_fd, "run/memtopo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int read_onlined(struct json_object *arr, struct mt_agent_state *st)
{
	size_t n = json_object_array_length(arr);

	st->onlined = calloc(n ? n : 1, sizeof(*st->onlined));
	if (!st->onlined)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;
		struct mt_agent_counter *c = &st->onlined[st->nonlined];
		int src;

		c->node =
			json_object_object_get_ex(o, "node", &v) && v ? json_object_get_int(v) : -1;
		if (!json_object_object_get_ex(o, "zone", &v) ||
		    !json_object_is_type(v, json_type_string))
			return -EINVAL;
		snprintf(c->zone, sizeof(c->zone), "%s", json_object_get_string(v));
		if (!json_object_object_get_ex(o, "source", &v) ||
		    (src = mt_source_parse(json_object_get_string(v) ?: "")) < 0)
			return -EINVAL;
		c->source = (uint8_t)src;
		if (!json_object_object_get_ex(o, "bytes", &v))
			return -EINVAL;
		c->bytes = (uint64_t)json_object_get_uint64(v);
		st->nonlined++;
	}
	return 0;
}

int mt_agent_state_read_counters(int root_fd, struct mt_agent_state *st)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *doc, *m, *v, *counters, *arr, *ref;
	/* At most 4096 entries of a few hundred bytes each: 8 MiB is far above it. */
	ssize_t n = mt_read_file(root_fd, MT_AGENT_STATE_PATH, 8 << 20, MT_OPEN_IN_ROOT, &text);
	int r = -EINVAL;

	*st = (struct mt_agent_state){ 0 };
	if (n < 0)
		return n == -ENOMEM ? -ENOMEM : -ENOENT;
	doc = json_tokener_parse(text);
	if (!doc)
		return -EINVAL;
	if (json_object_object_get_ex(doc, "memtopo", &m) &&
	    json_object_object_get_ex(m, "schema", &v) &&
	    json_object_get_int(v) == MT_AGENT_STATE_SCHEMA &&
	    json_object_object_get_ex(doc, "counters", &counters) &&
	    json_object_object_get_ex(counters, "onlined_bytes", &arr) &&
	    json_object_is_type(arr, json_type_array) &&
	    json_object_object_get_ex(counters, "refusals", &ref)) {
		r = read_onlined(arr, st);
		for (int i = 0; r == 0 && i < MT_RF_COUNT; i++)
			if (json_object_object_get_ex(ref, refusal_names[i], &v))
				st->refusals[i] = (uint64_t)json_object_get_uint64(v);
	}
	json_object_put(doc);
	if (r < 0)
		mt_agent_state_free(st);
	return r;
}
