# SPDX-License-Identifier: GPL-2.0-or-later
"""pseries DLPAR remove: a 512M DIMM on node 1, onlined by the kernel,
then device_del with no write from the guest: the kernel offlines and
removes both LMBs, DEVICE_DELETED arrives; the block set and node1
MemTotal are back to before, sysfs has no stale, dangling or one-sided
node link, check finds none and stays clean."""
import vmlib

NEW = 2


def verify(s):
    before, added, removed = s.snap("before"), s.snap("added"), s.snap("removed")
    new = s.ints("new_blocks")
    s.eq(len(new), NEW, "hot-add: %d new LMBs" % NEW)
    vmlib.check_new_blocks(s, added, new, "online", 1, ["Normal"], "added (onlined by the kernel)")
    s.eq([r["status"] for r in s.request("remove")], ["ok"],
         "remove: DEVICE_DELETED arrived for dimm1 (the kernel offlined and removed the LMBs)")
    if removed and before and removed.sysfs and before.sysfs:
        s.eq(removed.sysfs.ids(), before.sysfs.ids(), "removed: block set is back to before")
        s.eq(removed.sysfs.memtotal(1), before.sysfs.memtotal(1),
             "removed: node1 MemTotal is back to before (kB)")
        s.eq(sorted(removed.sysfs.link_anomalies()), [],
             "removed: sysfs itself has no stale, dangling or one-sided node link")
        s.eq([f.get("id") for f in removed.findings() if f.get("id") in vmlib.LINK_IDS], [],
             "removed: check finds no stale or dangling node links")
    for t in ("before", "added", "removed"):
        s.check_clean(t)
