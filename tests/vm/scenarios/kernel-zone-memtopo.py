# SPDX-License-Identifier: GPL-2.0-or-later
"""A DIMM on node 0 onlined into a kernel zone, unmovable memory pinned
there: device_del is refused (no DEVICE_DELETED, _OST busy 0x82), the
blocks stay online in Normal; then `memtopo offline --blocks <those> -J`
reports each block: `done` ones are offline in sysfs with no errno, `failed`
ones still online with the errno the kernel gave (EBUSY: unmovable pages);
at least one could not go (the reason the removal was refused); the exit
status and status follow (0 done, 64 partial, 1 failed)."""
import vmlib

NEW = 4
BS = 128 << 20


def verify(s):
    onlined, refused, after = s.snap("onlined"), s.snap("refused"), s.snap("after")
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    s.eq(len(new), NEW, "hot-add: %d new blocks" % NEW)
    vmlib.check_new_blocks(s, onlined, new, "online", 0, ["Normal"], "onlined (online_kernel)")
    rem = s.request("remove")
    s.eq([r["status"] for r in rem], ["refused"],
         "remove: refused by the guest (no DEVICE_DELETED)")
    s.expect(any("0x82" in r["detail"] for r in rem),
             "remove: the guest's ACPI _OST said busy (0x82)", "_OST status 0x82",
             [r["detail"] for r in rem])
    vmlib.check_new_blocks(s, refused, new, "online", 0, ["Normal"],
                           "after the refused removal")
    doc = vmlib.hp_report(s, "offline", "offline --blocks")
    if not doc or not refused or not after:
        return
    steps = vmlib.hp_steps(doc)
    s.eq(sorted(steps), new, "offline --blocks: reports every block of the DIMM")
    done = sorted(b for b, st in steps.items() if st.get("result") == "done")
    failed = {b: st for b, st in steps.items() if st.get("result") == "failed"}
    s.info("offline --blocks: done %s, failed %s" % (
        done, {b: "%s x%d (%s)" % (st.get("errno"), st.get("attempts"), st.get("reason"))
               for b, st in failed.items()}))
    s.eq(sorted(done + list(failed)), new, "offline --blocks: every block done or failed")
    s.expect(failed, "offline --blocks: some block cannot go (the removal was refused)",
             "a failed block", failed)
    s.eq({b: st.get("errno") for b, st in failed.items()}, {b: "EBUSY" for b in failed},
         "offline --blocks: failed blocks say EBUSY (unmovable pages)")
    vmlib.check_hp_vs_sysfs(s, doc, refused.sysfs, after.sysfs, "offline --blocks")
    d = after.sysfs
    s.eq({b: [d.state(b), d.zones(b)] for b in new},
         {b: ["offline", ["Normal", "Movable"]] if b in done else ["online", ["Normal"]]
          for b in new},
         "sysfs after: done blocks offline, failed ones online in Normal [state, valid_zones]")
    status = "done" if not failed else "partial" if done else "failed"
    rc = {"done": 0, "partial": 64, "failed": 1}[status]
    s.eq([doc.get("status"), s.blobs["offline"]["rc"], doc.get("done_bytes")],
         [status, rc, len(done) * BS], "offline --blocks: [status, exit status, done_bytes]")
    for t in ("onlined", "refused", "after"):
        s.check_clean(t)
