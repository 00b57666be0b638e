# SPDX-License-Identifier: GPL-2.0-or-later
"""memtopo offline / online of two DLPAR-added LMBs (node 1, onlined by
the kernel into Normal): `offline --blocks` takes exactly them offline
(done, zone Normal, sysfs agrees); `online --blocks` brings them back
(done, the zone it reports is the one sysfs shows, node1 MemTotal back);
`offline 512M --node 1` (size mode, census order) reaches 512M, and
sysfs agrees with every result; device_del then removes the offline LMBs
and check stays clean throughout."""
import vmlib

NEW = 2
BS = 256 << 20


def verify(s):
    added, offlined, onlined, offlined2, removed = (
        s.snap(t) for t in ("added", "offlined", "onlined", "offlined2", "removed"))
    new = s.ints("new_blocks")
    s.eq(len(new), NEW, "hot-add: %d new LMBs" % NEW)
    vmlib.check_new_blocks(s, added, new, "online", 1, ["Normal"], "added (onlined by the kernel)")

    doc = vmlib.hp_report(s, "offline", "offline --blocks", rc=0)
    if doc:
        s.eq([doc.get("status"), doc.get("requested_bytes"), doc.get("done_bytes")],
             ["done", NEW * BS, NEW * BS], "offline --blocks: [status, requested_bytes, done_bytes]")
        s.eq(vmlib.hp_fields(doc, ("from", "result", "errno", "zone")),
             {b: ["online", "done", None, "Normal"] for b in new},
             "offline --blocks: exactly the new LMBs, [from, result, errno, zone]")
        if added and offlined:
            vmlib.check_hp_vs_sysfs(s, doc, added.sysfs, offlined.sysfs, "offline --blocks")
            s.eq(vmlib.changed_blocks(added.sysfs, offlined.sysfs),
                 {b: ["online", "offline"] for b in new},
                 "offline --blocks: sysfs changed exactly the new LMBs")

    doc = vmlib.hp_report(s, "online", "online --blocks", rc=0)
    if doc:
        s.eq([doc.get("status"), doc.get("done_bytes")], ["done", NEW * BS],
             "online --blocks: [status, done_bytes]")
        s.eq(vmlib.hp_fields(doc, ("from", "result", "errno")),
             {b: ["offline", "done", None] for b in new},
             "online --blocks: exactly the new LMBs, [from, result, errno]")
        if offlined and onlined:
            vmlib.check_hp_vs_sysfs(s, doc, offlined.sysfs, onlined.sysfs, "online --blocks")
            s.eq(vmlib.changed_blocks(offlined.sysfs, onlined.sysfs),
                 {b: ["offline", "online"] for b in new},
                 "online --blocks: sysfs changed exactly the new LMBs")
    if added and onlined and added.sysfs and onlined.sysfs:
        s.eq(onlined.sysfs.memtotal(1), added.sysfs.memtotal(1),
             "onlined: node1 MemTotal as after the hot-add (kB)")

    doc = vmlib.hp_report(s, "offline_size", "offline 512M --node 1", rc=0)
    if doc:
        s.eq([doc.get("status"), doc.get("requested_bytes"), doc.get("done_bytes")],
             ["done", NEW * BS, NEW * BS], "offline 512M --node 1: [status, requested, done]")
        done = sorted(b for b, st in vmlib.hp_steps(doc).items() if st.get("result") == "done")
        s.info("offline 512M --node 1: took %s (the hot-added LMBs are %s)" % (done, new))
        if onlined and offlined2:
            vmlib.check_hp_vs_sysfs(s, doc, onlined.sysfs, offlined2.sysfs, "offline 512M")
    s.eq([r["status"] for r in s.request("remove")], ["ok"], "remove: DEVICE_DELETED arrived")
    if removed and removed.sysfs:
        s.eq(sorted(removed.sysfs.link_anomalies()), [],
             "removed: sysfs has no stale, dangling or one-sided node link")
    for t in ("added", "offlined", "onlined", "offlined2", "removed"):
        s.check_clean(t)
