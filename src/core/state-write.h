/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One write to a block's state that cannot hang memtopo. An offline has had
 * no time limit since 4.15 and the kernel restarts its hotplug-lock wait
 * after a handled signal, so neither an alarm nor Ctrl-C ends a stuck
 * write: the write is done in a vfork()ed child (no page tables of its
 * own to allocate) that a watchdog thread SIGKILLs at the deadline (which
 * cancels the offline cleanly: MEM_CANCEL_OFFLINE, back to online).
 */
#ifndef MEMTOPO_STATE_WRITE_H
#define MEMTOPO_STATE_WRITE_H

#include <stdint.h>

struct mt_interrupts {
	int sigfd;      /* signalfd of SIGINT and SIGTERM, -1 when not watching */
	unsigned count; /* how many arrived */
};

/*
 * Block SIGINT/SIGTERM and watch them on a signalfd, so that they are
 * seen between writes instead of interrupting one (EINTR would fail an
 * offline midway). mt_interrupts_stop restores the mask.
 */
int mt_interrupts_start(struct mt_interrupts *in);
/* Has one arrived? Reads what is pending without waiting. */
bool mt_interrupts_pending(struct mt_interrupts *in);
void mt_interrupts_stop(struct mt_interrupts *in);

/*
 * Write value to memory<block>/state (relative to mem_fd) within
 * timeout_ms. Returns 0, the write's -errno, -ETIMEDOUT (the child was
 * killed at the deadline), or -ECANCELED (a second interrupt aborted it;
 * a first one lets the write finish).
 */
int mt_state_write(int mem_fd, uint32_t block, const char *value, long timeout_ms,
		   struct mt_interrupts *in);

/*
 * The same bounded write to any attribute: dir (relative to dirfd,
 * resolved inside the sysroot) and the attribute name in it, a regular
 * file, never a link. The DLPAR request of offline --release, `memory
 * remove index 0x...` to kernel/dlpar, offlines the block in the kernel as
 * a state write does and can take as long.
 */
int mt_attr_write(int dirfd, const char *dir, const char *name, const char *value, long timeout_ms,
		  struct mt_interrupts *in);

#endif
