# SPDX-License-Identifier: GPL-2.0-or-later
"""Hot-add 512M pc-dimm to node 1: 4 new offline blocks on node1 with
valid_zones "Normal Movable"; online_movable: online Movable on node 1,
node1 MemTotal +512M; offline; device_del with DEVICE_DELETED; then check
finds no stale or dangling node links and the block set is as before."""
import vmlib

NEW = 4                     # 512M of 128M blocks
GROWTH_KB = 512 * 1024


def verify(s):
    before, added, onlined, offlined, removed = (
        s.snap(t) for t in ("before", "added", "onlined", "offlined", "removed"))
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    if before and added and before.sysfs and added.sysfs:
        diff = sorted(set(added.sysfs.ids()) - set(before.sysfs.ids()))
        s.eq(len(diff), NEW, "added: exactly %d new blocks" % NEW)
        s.eq(diff, new, "added: new blocks in the snapshot = those the guest waited for")
        s.eq(sorted(set(before.sysfs.ids()) - set(added.sysfs.ids())), [],
             "added: no block went away")
    vmlib.check_new_blocks(s, added, new, "offline", 1, ["Normal", "Movable"], "added")
    vmlib.check_new_blocks(s, onlined, new, "online", 1, ["Movable"], "onlined")
    if before and onlined and before.sysfs and onlined.sysfs:
        b, a = before.sysfs.memtotal(1), onlined.sysfs.memtotal(1)
        s.eq(None if None in (a, b) else a - b, GROWTH_KB,
             "onlined: node1 MemTotal grows by 512M (kB)")
    if new:
        vmlib.check_show(s, "show_new", onlined, new[0], "onlined: show memory%d" % new[0])
    vmlib.check_new_blocks(s, offlined, new, "offline", 1, ["Normal", "Movable"], "offlined")
    rem = s.request("remove")
    s.eq([r["status"] for r in rem], ["ok"], "remove: DEVICE_DELETED arrived for dimm1")
    if removed and before and removed.sysfs and before.sysfs:
        s.eq(removed.sysfs.ids(), before.sysfs.ids(), "removed: block set is back to before")
        s.eq(removed.sysfs.memtotal(1), before.sysfs.memtotal(1),
             "removed: node1 MemTotal is back to before (kB)")
        s.eq(sorted(removed.sysfs.link_anomalies()), [],
             "removed: sysfs itself has no stale, dangling or one-sided node link")
        s.eq([f.get("id") for f in removed.findings() if f.get("id") in vmlib.LINK_IDS], [],
             "removed: check finds no stale or dangling node links")
    for t in ("before", "added", "onlined", "offlined", "removed"):
        s.check_clean(t)
