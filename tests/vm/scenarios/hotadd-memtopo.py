# SPDX-License-Identifier: GPL-2.0-or-later
"""Hot-add 512M to node 1 driven by memtopo: `monitor --json --count 4`
started before the hot-add reports the four `add` events (the new blocks,
node 1, offline); `online --node 1 --to movable 512M -J` onlines exactly
those four blocks into Movable (JSON and sysfs agree), node1 MemTotal
+512M; `offline --blocks` offlines them (a second monitor sees 4 offline
and 4 remove events); device_del gets DEVICE_DELETED; `check` exits 0 with
no stale or dangling node link."""
import vmlib

NEW = 4
BS = 128 << 20
GROWTH_KB = 512 * 1024


def verify(s):
    before, added, onlined, offlined, removed = (
        s.snap(t) for t in ("before", "added", "onlined", "offlined", "removed"))
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    s.eq(len(new), NEW, "hot-add: %d new blocks" % NEW)
    if before and added and before.sysfs and added.sysfs:
        s.eq(sorted(set(added.sysfs.ids()) - set(before.sysfs.ids())), new,
             "added: the new blocks in sysfs = those the guest waited for")

    # monitor started before the hot-add
    mb = s.blobs.get("monitor_add")
    s.eq(mb and mb["rc"], 0, "monitor --count 4: exit 0 (4 events before --timeout)")
    ev = vmlib.monitor_events(s, "monitor_add", "monitor (add)")
    s.eq(sorted([e.get("action"), e.get("block"), e.get("node"), e.get("state")] for e in ev),
         [["add", b, 1, "offline"] for b in new],
         "monitor (add): one add event per new block, [action, block, node, state]")
    seq = [e.get("seqnum") for e in ev]
    s.expect(all(isinstance(x, int) for x in seq) and seq == sorted(seq) and
             len(set(seq)) == len(seq), "monitor (add): seqnums increase", "increasing", seq)
    s.eq(sorted({e.get("source") for e in ev}), ["kernel"],
         "monitor (add): source kernel (no udevd in the guest)")

    # memtopo online --node 1 --to movable 512M
    doc = vmlib.hp_report(s, "online", "online 512M", rc=0)
    if doc:
        s.eq([doc.get("action"), doc.get("status"), doc.get("requested_bytes"),
              doc.get("done_bytes"), doc.get("rolled_back"), doc.get("refusal")],
             ["online", "done", NEW * BS, NEW * BS, [], None],
             "online 512M: [action, status, requested_bytes, done_bytes, rolled_back, refusal]")
        s.eq(vmlib.hp_fields(doc, ("from", "to", "result", "attempts", "errno", "write", "zone")),
             {b: ["offline", "online", "done", 1, None, "online_movable", "Movable"] for b in new},
             "online 512M: exactly the new blocks, [from, to, result, attempts, errno, write, "
             "zone]")
        if added and onlined:
            vmlib.check_hp_vs_sysfs(s, doc, added.sysfs, onlined.sysfs, "online 512M")
            s.eq(vmlib.changed_blocks(added.sysfs, onlined.sysfs),
                 {b: ["offline", "online"] for b in new},
                 "online 512M: sysfs changed exactly the new blocks")
    vmlib.check_new_blocks(s, onlined, new, "online", 1, ["Movable"], "onlined")
    if before and onlined and before.sysfs and onlined.sysfs:
        b, a = before.sysfs.memtotal(1), onlined.sysfs.memtotal(1)
        s.eq(None if None in (a, b) else a - b, GROWTH_KB,
             "onlined: node1 MemTotal grows by 512M (kB)")

    # memtopo offline --blocks <new>
    doc = vmlib.hp_report(s, "offline", "offline --blocks", rc=0)
    if doc:
        s.eq([doc.get("action"), doc.get("status"), doc.get("requested_bytes"),
              doc.get("done_bytes")], ["offline", "done", NEW * BS, NEW * BS],
             "offline --blocks: [action, status, requested_bytes, done_bytes]")
        s.eq(vmlib.hp_fields(doc, ("from", "to", "result", "errno", "zone")),
             {b: ["online", "offline", "done", None, "Movable"] for b in new},
             "offline --blocks: exactly the new blocks, [from, to, result, errno, zone]")
        if onlined and offlined:
            vmlib.check_hp_vs_sysfs(s, doc, onlined.sysfs, offlined.sysfs, "offline --blocks")
            s.eq(vmlib.changed_blocks(onlined.sysfs, offlined.sysfs),
                 {b: ["online", "offline"] for b in new},
                 "offline --blocks: sysfs changed exactly the new blocks")
    vmlib.check_new_blocks(s, offlined, new, "offline", 1, ["Normal", "Movable"], "offlined")

    # second monitor: the offline and the removal
    mb = s.blobs.get("monitor_remove")
    s.eq(mb and mb["rc"], 0, "monitor --count 8: exit 0 (8 events before --timeout)")
    ev = vmlib.monitor_events(s, "monitor_remove", "monitor (remove)")
    s.eq(sorted([e.get("action"), e.get("block"), e.get("node"), e.get("state")]
                for e in ev if e.get("action") == "offline"),
         [["offline", b, 1, "offline"] for b in new],
         "monitor (remove): one offline event per block, [action, block, node, state]")
    s.eq(sorted([e.get("action"), e.get("block")] for e in ev if e.get("action") != "offline"),
         [["remove", b] for b in new], "monitor (remove): then one remove event per block")
    order = [(e.get("action"), e.get("block")) for e in ev]
    late = [b for b in new if ("offline", b) in order and ("remove", b) in order
            and order.index(("offline", b)) > order.index(("remove", b))]
    s.eq(late, [], "monitor (remove): every block's offline event comes before its remove")

    rem = s.request("remove")
    s.eq([r["status"] for r in rem], ["ok"], "remove: DEVICE_DELETED arrived for dimm3")
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
