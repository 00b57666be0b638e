# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot memory (4G guest, 2G per node) through memtopo offline.

`offline 1G --no-census -J`: exit 0, status done, done_bytes 1G (8 blocks);
it meets EBUSY (each such block written 4 times: --retries 3) and moves on
to other blocks; memory0 (online, valid_zones none) is reported skipped
with a reason and never written; the report matches sysfs exactly: every
done block offline, every failed one still online in its zone, no other
block changed. `online --blocks <those> --to kernel` brings them back.
`offline --node 0 2G --rollback -J` (node 0 has 2G, memory0 can never go):
exit 1, status failed, done_bytes 0; every block it took offline is
`rolled-back`, listed in rolled_back, and back online in its old zone
(valid_zones before = after); the failed ones stayed online."""
import vmlib

BS = 128 << 20
RETRIES = 3


def zones_of(d, blocks):
    return {b: [d.state(b), d.zones(b)] for b in blocks}


def check_memory0(s, doc, label):
    st = vmlib.hp_steps(doc).get(0)
    s.eq(None if st is None else [st.get("result"), st.get("attempts")], ["skipped", 0],
         "%s: memory0 (valid_zones none) [result, attempts]: skipped, never written" % label)
    s.expect(st is not None and "multi-zone" in (st.get("reason") or ""),
             "%s: memory0 skipped with a reason naming multi-zone" % label, "multi-zone ...",
             st and st.get("reason"))


def verify(s):
    before, offlined, restored, rolled = (
        s.snap(t) for t in ("before", "offlined", "restored", "rolledback"))
    if not (before and before.sysfs and offlined and offlined.sysfs):
        return
    b0 = before.sysfs
    s.eq(sorted({b0.state(b) for b in b0.ids()}), ["online"], "before: every boot block online")
    s.eq(b0.zones(0), ["none"], "before: memory0 valid_zones none (spans DMA and DMA32)")

    # offline 1G, no census: EBUSY, retries, fallback
    doc = vmlib.hp_report(s, "offline1g", "offline 1G", rc=0)
    if doc:
        steps = vmlib.hp_steps(doc)
        s.eq([doc.get("status"), doc.get("requested_bytes"), doc.get("done_bytes")],
             ["done", 8 * BS, 8 * BS], "offline 1G: [status, requested_bytes, done_bytes]")
        vmlib.check_hp_vs_sysfs(s, doc, b0, offlined.sysfs, "offline 1G")
        done = sorted(b for b, st in steps.items() if st.get("result") == "done")
        failed = {b: st for b, st in steps.items() if st.get("result") == "failed"}
        s.info("offline 1G: done %s, failed %s" % (
            done, {b: "%s x%d" % (st.get("errno"), st.get("attempts")) for b, st in
                   failed.items()}))
        s.expect(any(st.get("errno") == "EBUSY" for st in failed.values()),
                 "offline 1G: meets EBUSY on some blocks", "a failed block with EBUSY",
                 {b: st.get("errno") for b, st in failed.items()})
        s.eq({b: [st.get("errno"), st.get("attempts")] for b, st in failed.items()},
             {b: ["EBUSY", RETRIES + 1] for b in failed},
             "offline 1G: failed blocks: EBUSY after 1 + --retries (3) writes")
        order = [st.get("block") for st in doc.get("blocks", []) if st.get("attempts")]
        s.expect(failed and order and max(order.index(b) for b in failed if b in order)
                 < max(order.index(b) for b in done if b in order),
                 "offline 1G: moves on to other blocks after an EBUSY", "a done block after "
                 "the last failed one", order)
        check_memory0(s, doc, "offline 1G")
        s.eq({b: st.get("zone") for b, st in steps.items() if st.get("attempts")},
             {b: (b0.zones(b) or [None])[0] for b, st in steps.items() if st.get("attempts")},
             "offline 1G: the zone reported for each block written = its zone before")
        s.eq(sorted(vmlib.changed_blocks(b0, offlined.sysfs)), done,
             "offline 1G: sysfs: exactly the done blocks changed state")
        s.eq(s.ints("took"), done, "offline 1G: the offline blocks the guest saw = done blocks")

    # put back
    doc = vmlib.hp_report(s, "putback", "online --blocks (put back)", rc=0)
    if doc and restored and restored.sysfs:
        vmlib.check_hp_vs_sysfs(s, doc, offlined.sysfs, restored.sysfs, "put back")
        s.eq(sorted({restored.sysfs.state(b) for b in restored.sysfs.ids()}), ["online"],
             "put back: every block online again")

    # rollback of an impossible target
    doc = vmlib.hp_report(s, "rollback", "offline --node 0 2G --rollback", rc=1)
    if doc and restored and restored.sysfs and rolled and rolled.sysfs:
        r0, r1 = restored.sysfs, rolled.sysfs
        steps = vmlib.hp_steps(doc)
        node0 = [b for b in r0.ids() if r0.fwd_nodes(b) == [0]]
        s.eq(len(node0) * BS, 2 << 30, "rollback: node 0 holds 2G (16 blocks): the target "
             "cannot be met without memory0")
        s.eq([doc.get("status"), doc.get("requested_bytes"), doc.get("done_bytes")],
             ["failed", 2 << 30, 0], "rollback: [status, requested_bytes, done_bytes]")
        rb = sorted(b for b, st in steps.items() if st.get("result") == "rolled-back")
        s.expect(rb, "rollback: the run took some blocks offline (and rolled them back)",
                 "some rolled-back blocks", rb)
        s.eq(sorted(doc.get("rolled_back", [])), rb,
             "rollback: rolled_back lists exactly the rolled-back blocks")
        s.eq(sorted(b for b, st in steps.items() if st.get("result") == "done"), [],
             "rollback: no block left done (offline)")
        s.eq(sorted(b for b in steps if b not in node0), [],
             "rollback: only node 0 blocks reported (--node 0)")
        check_memory0(s, doc, "rollback")
        vmlib.check_hp_vs_sysfs(s, doc, r0, r1, "rollback")
        s.eq(zones_of(r1, rb), zones_of(r0, rb),
             "rollback: every rolled-back block online in its old zone [state, valid_zones]")
        s.eq(vmlib.changed_blocks(r0, r1), {}, "rollback: no block changed state in the end")
        s.eq({b: r1.zones(b) for b in r1.ids() if r1.zones(b) != r0.zones(b)}, {},
             "rollback: no block changed zone in the end")
    for t in ("before", "offlined", "restored", "rolledback"):
        s.check_clean(t)
