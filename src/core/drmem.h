/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The LMBs of a pseries LPAR from the device tree:
 * /proc/device-tree/ibm,dynamic-reconfiguration-memory, properties
 * `ibm,lmb-size` and `ibm,dynamic-memory` (v1) or `ibm,dynamic-memory-v2`
 * (the kernel's arch/powerpc/include/asm/drmem.h). Each LMB is one memory
 * block (the block size is the LMB size); its DRC index is what the
 * kernel's DLPAR interface takes (`memory remove index 0x...`), its flags
 * say whether the partition owns it. Every cell is big-endian.
 */
#ifndef MEMTOPO_CORE_DRMEM_H
#define MEMTOPO_CORE_DRMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* drmem.h's DRCONF_MEM_* (and PAPR's DRC_INVALID, which QEMU sets on boot memory). */
#define MT_DRCONF_ASSIGNED     0x00000008u
#define MT_DRCONF_DRC_INVALID  0x00000020u
#define MT_DRCONF_AI_INVALID   0x00000040u
#define MT_DRCONF_RESERVED     0x00000080u
#define MT_DRCONF_HOTREMOVABLE 0x00000100u

/* More LMBs than this is not a machine (2^24 x 256 MiB = 4 PiB): garbage. */
#define MT_DRMEM_MAX_LMBS (1u << 24)
/*
 * The largest property read: 64 MiB holds 2.8 million v1 entries (a
 * 64 TiB LPAR of 256 MiB LMBs needs 6 MiB); past it the file is refused.
 */
#define MT_DRMEM_MAX_PROP ((size_t)64 << 20)

struct mt_lmb {
	uint64_t base;
	uint32_t drc_index;
	uint32_t aa_index;
	uint32_t flags;
};

struct mt_drmem {
	int version;         /* 1 or 2: which property was read */
	uint64_t lmb_size;   /* bytes */
	struct mt_lmb *lmbs; /* in device-tree order */
	size_t n;
};

/* `ibm,lmb-size`: one or two cells. 0, or -EINVAL (wrong length, zero, not 2^n). */
int mt_drmem_parse_lmb_size(const uint8_t *buf, size_t len, uint64_t *out);

/*
 * v1: a count, then per LMB {u64 base, u32 drc_index, u32 reserved,
 * u32 aa_index, u32 flags}. v2: a count of sets, then per set {u32 count,
 * u64 base, u32 first drc_index, u32 aa_index, u32 flags}, LMB i of a set
 * at base + i * lmb_size with drc_index + i. The whole buffer is checked
 * before anything is read from it: -EINVAL when it is shorter than the
 * counts say, longer, lmb_size is 0, the LMBs are more than
 * MT_DRMEM_MAX_LMBS or an address overflows; -ENOMEM. *out is overwritten.
 */
int mt_drmem_parse_v1(const uint8_t *buf, size_t len, uint64_t lmb_size, struct mt_drmem *out);
int mt_drmem_parse_v2(const uint8_t *buf, size_t len, uint64_t lmb_size, struct mt_drmem *out);

/*
 * Read <proc>/device-tree/ibm,dynamic-reconfiguration-memory: v2 when
 * present, else v1. -ENOENT when the machine has none (not pseries, or no
 * device tree), -EINVAL when it is malformed, -ENOMEM.
 */
int mt_drmem_read(int proc_fd, struct mt_drmem *out);

/* The LMB whose range holds addr, or NULL. Linear: the LMBs need not be sorted. */
const struct mt_lmb *mt_drmem_find(const struct mt_drmem *d, uint64_t addr);
/* How many LMBs share this DRC index (more than one: the index means nothing). */
size_t mt_drmem_count_index(const struct mt_drmem *d, uint32_t drc_index);

/* Does the partition own the LMB (flagged assigned)? */
static inline bool mt_lmb_assigned(const struct mt_lmb *l)
{
	return l && (l->flags & MT_DRCONF_ASSIGNED);
}

/* Does the LMB have a DRC index at all (not flagged DRC-invalid, as QEMU's boot memory)? */
static inline bool mt_lmb_has_drc(const struct mt_lmb *l)
{
	return l && !(l->flags & MT_DRCONF_DRC_INVALID);
}

/* "assigned,hotremovable" (comma separated, in bit order; "none" for 0). */
const char *mt_drmem_flags_text(uint32_t flags, char *buf, size_t size);

void mt_drmem_free(struct mt_drmem *d);

#endif
