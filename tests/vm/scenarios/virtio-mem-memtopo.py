# SPDX-License-Identifier: GPL-2.0-or-later
"""virtio-mem vmem0 on node 1 through memtopo: resize to 384M adds 3
offline blocks; `online --node 1 384M -J` onlines exactly those (Movable by
default, JSON and sysfs agree, node1 MemTotal +384M); `offline --blocks`
offlines them; resize to 0 removes them; check stays clean throughout."""
import vmlib

NEW = 3
BS = 128 << 20
GROWTH_KB = 384 * 1024


def verify(s):
    before, added, onlined, offlined, removed = (
        s.snap(t) for t in ("before", "added", "onlined", "offlined", "removed"))
    new = s.ints("new_blocks")
    s.eq([[r["request"], r["status"]] for r in s.request("vmem")],
         [["vmem 384M 30", "ok"], ["vmem 0 30", "ok"]],
         "vmem0 resizes reached their size (QMP qom-get size)")
    s.eq(len(new), NEW, "resize: %d new blocks" % NEW)
    vmlib.check_new_blocks(s, added, new, "offline", 1, ["Normal", "Movable"], "added")

    doc = vmlib.hp_report(s, "online", "online 384M", rc=0)
    if doc:
        s.eq([doc.get("status"), doc.get("requested_bytes"), doc.get("done_bytes")],
             ["done", NEW * BS, NEW * BS], "online 384M: [status, requested_bytes, done_bytes]")
        s.eq(vmlib.hp_fields(doc, ("from", "result", "errno", "write", "zone")),
             {b: ["offline", "done", None, "online_movable", "Movable"] for b in new},
             "online 384M: exactly the virtio-mem blocks, [from, result, errno, write, zone] "
             "(Movable: the default where valid_zones allows it)")
        if added and onlined:
            vmlib.check_hp_vs_sysfs(s, doc, added.sysfs, onlined.sysfs, "online 384M")
            s.eq(vmlib.changed_blocks(added.sysfs, onlined.sysfs),
                 {b: ["offline", "online"] for b in new},
                 "online 384M: sysfs changed exactly the virtio-mem blocks")
    vmlib.check_new_blocks(s, onlined, new, "online", 1, ["Movable"], "onlined")
    if before and onlined and before.sysfs and onlined.sysfs:
        b, a = before.sysfs.memtotal(1), onlined.sysfs.memtotal(1)
        s.eq(None if None in (a, b) else a - b, GROWTH_KB,
             "onlined: node1 MemTotal grows by 384M (kB)")

    doc = vmlib.hp_report(s, "offline", "offline --blocks", rc=0)
    if doc:
        s.eq([doc.get("status"), doc.get("done_bytes")], ["done", NEW * BS],
             "offline --blocks: [status, done_bytes]")
        s.eq(vmlib.hp_fields(doc, ("from", "result", "errno", "zone")),
             {b: ["online", "done", None, "Movable"] for b in new},
             "offline --blocks: exactly the virtio-mem blocks, [from, result, errno, zone]")
        if onlined and offlined:
            vmlib.check_hp_vs_sysfs(s, doc, onlined.sysfs, offlined.sysfs, "offline --blocks")
    vmlib.check_new_blocks(s, offlined, new, "offline", 1, ["Normal", "Movable"], "offlined")
    if removed and before and removed.sysfs and before.sysfs:
        s.eq(removed.sysfs.ids(), before.sysfs.ids(), "removed: block set is back to before")
        s.eq(sorted(removed.sysfs.link_anomalies()), [],
             "removed: sysfs itself has no stale, dangling or one-sided node link")
    for t in ("before", "added", "onlined", "offlined", "removed"):
        s.check_clean(t)
