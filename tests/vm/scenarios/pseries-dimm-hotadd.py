# SPDX-License-Identifier: GPL-2.0-or-later
"""pseries DLPAR hot-add of 512M to node 1: two new 256 MiB LMBs, which
the kernel onlines itself into Normal on node 1 (auto_online_blocks says
offline; nobody in the guest writes); sysfs and memtopo list agree, node1
MemTotal grows by 512M, show agrees, check stays clean (nothing at warning
or above: the kernel's own onlining is no udev race and no state problem,
even with a udev rule that onlines memory in the guest, as RHEL ships),
check says why (info dlpar-onlined names exactly the new LMBs), and
memtopo monitor saw an add and an online event per LMB."""
import vmlib

NEW = 2
GROWTH_KB = 512 * 1024


def verify(s):
    before, added = s.snap("before"), s.snap("added")
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    s.eq(len(new), NEW, "hot-add: %d new LMBs of 256 MiB" % NEW)
    if before and added and before.sysfs and added.sysfs:
        s.eq(sorted(set(added.sysfs.ids()) - set(before.sysfs.ids())), new,
             "added: the new blocks in sysfs = those the guest waited for")
        s.eq(added.sysfs.auto_online, "offline", "added: auto_online_blocks still offline")
        b, a = before.sysfs.memtotal(1), added.sysfs.memtotal(1)
        s.eq(None if None in (a, b) else a - b, GROWTH_KB,
             "added: node1 MemTotal grows by 512M (kB): the kernel onlined it")
    vmlib.check_new_blocks(s, added, new, "online", 1, ["Normal"],
                           "added (onlined by the kernel)")
    if new:
        vmlib.check_show(s, "show_new", added, new[0], "added: show memory%d" % new[0])
    ev = vmlib.monitor_events(s, "monitor", "monitor")
    s.eq(sorted([e.get("action"), e.get("block")] for e in ev),
         sorted([a, b] for b in new for a in ("add", "online")),
         "monitor: an add and an online event per new LMB [action, block]")
    for t in ("before", "added"):
        s.check_clean(t)
    for t in ("before", "added"):
        sn = s.snap(t)
        if sn:
            s.eq(sn.findings("auto-online-conflict"), [],
                 "%s: no auto-online-conflict (the kernel's DLPAR onlining is no udev race)" % t)
    # check says what happened: the kernel onlined DLPAR memory itself
    # (info dlpar-onlined names exactly the new LMBs; QEMU's boot memory
    # is no DLPAR LMB).
    if before:
        s.eq(before.finding_blocks("dlpar-onlined"), [],
             "before: no dlpar-onlined block (boot memory is not DLPAR memory)")
    if added:
        s.eq(added.finding_blocks("dlpar-onlined"), sorted(new),
             "added: check's info dlpar-onlined names exactly the new LMBs")
        s.eq(sorted({f.get("severity") for f in added.findings("dlpar-onlined")}),
             ["info"] if new else [], "added: dlpar-onlined is info")
        s.eq([[f.get("id"), f.get("severity")] for f in added.findings()
              if set(f.get("blocks") or []) & set(new) and f.get("severity") != "info"], [],
             "added: no finding about the new LMBs (the kernel's own onlining is no race)")
