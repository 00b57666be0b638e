/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udev rules that online memory blocks on "add" (RHEL 40-redhat.rules,
 * SUSE/Debian 80-hotplug-cpu-mem.rules, Ubuntu 40-vm-hotadd.rules): with
 * auto_online_blocks not "offline" too, two agents race for every new block.
 */
#ifndef MEMTOPO_UDEV_RULES_H
#define MEMTOPO_UDEV_RULES_H

#include <stddef.h>

struct mt_udev_rule {
	char *path;    /* relative to the sysroot, e.g. "lib/udev/rules.d/40-redhat.rules" */
	unsigned line; /* first line of the rule that onlines memory */
};

struct mt_udev_rules {
	struct mt_udev_rule *r;
	size_t n;
	/* Rules that start daxctl reconfigure-device for dax devices (daxctl's own). */
	struct mt_udev_rule *dax;
	size_t ndax;
	size_t dirs_found; /* how many of the rules directories exist */
};

/*
 * Does this rules file text hold a rule that onlines memory blocks (matches
 * SUBSYSTEM=="memory", and assigns ATTR{state} or ATTR{online}, or RUNs
 * something that writes them)? Line continuations are joined, comments
 * skipped. Returns the (first physical) line number, or 0.
 *
 * The file is run in the abstract for a memory block's "add" event:
 * ACTION, SUBSYSTEM(S), KERNEL(S) and DEVPATH are evaluated ("memory|cpu"
 * and globs included), every other match key (PROGRAM, RESULT, TEST,
 * ATTR{x}=="...", ENV, ...) may go either way, and GOTO is followed to the
 * first later LABEL. A rule counts when the event can reach and match it
 * on a path that only memory events take: it names memory itself
 * (SUBSYSTEM=="memory", KERNEL=="memory*", a DEVPATH under
 * /devices/system/memory), or a rule naming memory jumped to it, or an
 * earlier 'SUBSYSTEM!="memory", GOTO=...' sent every other device away.
 * So a rule for SUBSYSTEM=="cpu", or one without any device filter, does
 * not count. ATTR{state}=="offline" is a test; an assignment counts unless
 * it writes "offline" or a false kstrtobool value ("0", "n", "off");
 * "$env{.state}" counts. A RUN counts when it mentions "online" and where
 * it writes (/sys/devices/system/memory, "state", $devpath, %p), or runs
 * chmem -e / --enable. Lines udev itself would reject (bad syntax, an
 * assignment to SUBSYSTEM, longer than 16 KiB) are ignored.
 */
unsigned mt_udev_text_onlines_memory(const char *text);

/*
 * Does this rules file start daxctl's reconfiguration of dax devices
 * (ndctl's 90-daxctl-device.rules: SUBSYSTEM=="dax" and
 * daxdev-reconfigure@ or daxctl on one rule line)? It onlines the memory
 * of a dax device turned system-ram. Returns the line number, or 0.
 */
unsigned mt_udev_text_starts_daxctl(const char *text);

/*
 * Scan <root>/{etc,run,usr/local/lib,usr/lib,lib}/udev/rules.d with udev's
 * override rules (same file name: /etc beats /run beats /usr/local/lib
 * beats /usr/lib and /lib; a symlink to /dev/null or an empty file
 * disables it). Only "*.rules" files count; results are in file-name order
 * (udev's), one per file, path relative to the sysroot. Unreadable files
 * are skipped; an absolute symlink is followed inside the sysroot.
 * 0 or -ENOMEM (then *out is empty).
 */
int mt_udev_rules_read(int root_fd, struct mt_udev_rules *out);
void mt_udev_rules_free(struct mt_udev_rules *rules);

#endif
