# SPDX-License-Identifier: GPL-2.0-or-later
"""virtio-mem vmem0 on node 1: resize to 384M adds 3 offline blocks on
node1; online_movable: online Movable, node1 MemTotal +384M; offline;
resize to 0 removes them; check stays clean throughout."""
import vmlib

NEW = 3                     # 384M of 128M blocks
GROWTH_KB = 384 * 1024


def verify(s):
    before, added, onlined, offlined, removed = (
        s.snap(t) for t in ("before", "added", "onlined", "offlined", "removed"))
    new = s.ints("new_blocks")
    s.eq([[r["request"], r["status"]] for r in s.request("vmem")],
         [["vmem 384M 30", "ok"], ["vmem 0 30", "ok"]],
         "vmem0 resizes reached their size (QMP qom-get size)")
    if before and added and before.sysfs and added.sysfs:
        diff = sorted(set(added.sysfs.ids()) - set(before.sysfs.ids()))
        s.eq(len(diff), NEW, "added: exactly %d new blocks" % NEW)
        s.eq(diff, new, "added: new blocks in the snapshot = those the guest waited for")
    vmlib.check_new_blocks(s, added, new, "offline", 1, ["Normal", "Movable"], "added")
    vmlib.check_new_blocks(s, onlined, new, "online", 1, ["Movable"], "onlined")
    if before and onlined and before.sysfs and onlined.sysfs:
        b, a = before.sysfs.memtotal(1), onlined.sysfs.memtotal(1)
        s.eq(None if None in (a, b) else a - b, GROWTH_KB,
             "onlined: node1 MemTotal grows by 384M (kB)")
    vmlib.check_new_blocks(s, offlined, new, "offline", 1, ["Normal", "Movable"], "offlined")
    if removed and before and removed.sysfs and before.sysfs:
        s.eq(removed.sysfs.ids(), before.sysfs.ids(), "removed: block set is back to before")
        s.eq(sorted(removed.sysfs.link_anomalies()), [],
             "removed: sysfs itself has no stale, dangling or one-sided node link")
    for t in ("before", "added", "onlined", "offlined", "removed"):
        s.check_clean(t)
