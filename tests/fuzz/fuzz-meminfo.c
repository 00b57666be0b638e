// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/meminfo, as the snapshot reads it for offline's MemAvailable rule
 * (the parser is the snapshot's own): the input is the file, in a tree
 * that has nothing else.
 */
#include <inttypes.h>

#include "core/snapshot.h"
#include "shared/sysroot.h"

#include "fuzz.h"
#include "tree.h"

/* The number after KEY, as a reference: strtoull on the text that follows. */
static bool field(const char *text, const char *key, unsigned long long *kib)
{
	const char *p = strstr(text, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	*kib = strtoull(p, &end, 10);
	return end != p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "B 8000000\nm 0 0\nf proc/meminfo\n";
	uint8_t *in = malloc(sizeof(head) - 1 + size);
	struct mt_snapshot *s = NULL;
	struct mt_sysroot sr;
	unsigned long long kib;
	char *text;

	if (!in)
		abort();
	memcpy(in, head, sizeof(head) - 1);
	memcpy(in + sizeof(head) - 1, data, size);
	/* A "." line would end the file early: the tree holds the bytes up to it. */
	tree_build(in, sizeof(head) - 1 + size);
	free(in);
	if (mt_sysroot_open(&sr, tree_root()) == 0 &&
	    mt_snapshot_read(&sr, MT_WANT_MEMINFO, &s, NULL) == 0) {
		text = fuzz_strndup(data, size);
		if (s->have_mem_available && !fuzz_pending("meminfo-wrap") &&
		    field(text, "MemAvailable:", &kib))
			FUZZ_ASSERT(kib <= UINT64_MAX / 1024 && s->mem_available == kib * 1024,
				    "MemAvailable %llu kB read as %" PRIu64 " bytes", kib,
				    s->mem_available);
		if (s->mem_total && !fuzz_pending("meminfo-wrap") && field(text, "MemTotal:", &kib))
			FUZZ_ASSERT(kib <= UINT64_MAX / 1024 && s->mem_total == kib * 1024,
				    "MemTotal %llu kB read as %" PRIu64 " bytes", kib,
				    s->mem_total);
		free(text);
		mt_snapshot_free(s);
	}
	mt_sysroot_close(&sr);
	return 0;
}
